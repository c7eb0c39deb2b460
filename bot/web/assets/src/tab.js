// The Teams tab's start page (/tab): sign in with the Teams account (single sign-on),
// then open the page asked for. Teams gives the tab an Entra ID token for this app
// (authentication.getAuthToken, no prompt); the server checks it (POST /auth/sso) and
// answers with a session cookie and where to go. On any failure the page says so and
// keeps its link to sign in another way.
//
// Part of the Teams bundle (teams.js), not a bundle of its own: two copies of the
// Teams library in one page would each start their own conversation with Teams.
import { authentication } from "@microsoft/teams-js";

class Refused extends Error {}

function failed(error) {
  const status = document.getElementById("tab-status");
  const alert = document.getElementById("tab-failed");
  if (status) status.hidden = true;
  if (!alert) return;
  if (error instanceof Refused) alert.textContent = error.message;
  alert.hidden = false;
}

async function refusal(answer) {
  // 403: signed in, but no member. The server's refusal page says why; show its text.
  const page = new DOMParser().parseFromString(await answer.text(), "text/html");
  const main = page.querySelector("main");
  return new Refused(main ? main.textContent.trim().replace(/\s+/g, " ") : "No access.");
}

async function signIn(root, initialized) {
  await initialized;
  const token = await authentication.getAuthToken();
  const answer = await fetch("/auth/sso", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token, next: root.dataset.next || "/my" }),
  });
  if (answer.status === 403) throw await refusal(answer);
  if (!answer.ok) throw new Error(`sign-in refused (${answer.status})`);
  const { next } = await answer.json();
  // A path of this app only (the server checked it); never another site.
  const local = typeof next === "string" && next.startsWith("/") && !next.startsWith("//");
  window.location.assign(local ? next : "/my");
}

// ``initialized``: app.initialize(), as teams.js started it.
export function signInFromTab(initialized) {
  const root = document.getElementById("tab-sign-in");
  if (root) signIn(root, initialized).catch(failed);
}
