// The locality tab's configuration page (/tab/configure), inside Teams' "add a tab"
// dialog: hands the page chosen in the form to Teams when Save is selected. Save is
// enabled once a page is chosen. The addresses are the server's (data-* of each option,
// on the app's public address); nothing is built here. Without this script the form
// still works: it shows the chosen tab's links.
//
// Part of the Teams bundle (teams.js), as tab.js is: one copy of the Teams library.
import { pages } from "@microsoft/teams-js";

function choiceOf(select) {
  const option = select.selectedOptions[0];
  return option && option.value ? option.dataset : null;
}

function say(text) {
  const status = document.getElementById("tab-configure-status");
  if (status) status.textContent = text;
}

function offer(select) {
  const chosen = choiceOf(select);
  pages.config.setValidityState(chosen !== null);
  say(chosen ? `Select Save to add the tab: ${chosen.name}.` : "");
}

async function selectCurrent(select) {
  // Changing a tab already added: start from what it shows now.
  if (choiceOf(select)) return;
  const current = await pages.getConfig();
  const option = Array.from(select.options).find(
    (o) => o.value && o.dataset.entityId === current.entityId,
  );
  if (option) option.selected = true;
}

async function configure(form, initialized) {
  await initialized;
  if (!pages.config.isSupported()) return; // framed by Teams, but not its tab dialog
  const select = form.querySelector("select");
  pages.config.registerOnSaveHandler((saveEvent) => {
    const chosen = choiceOf(select);
    if (!chosen) {
      saveEvent.notifyFailure("Choose a page first.");
      return;
    }
    pages.config
      .setConfig({
        entityId: chosen.entityId,
        contentUrl: chosen.contentUrl,
        websiteUrl: chosen.websiteUrl,
        suggestedDisplayName: chosen.name,
      })
      .then(() => saveEvent.notifySuccess())
      .catch((error) => saveEvent.notifyFailure(String(error)));
  });
  select.addEventListener("change", () => offer(select));
  await selectCurrent(select).catch(() => {});
  offer(select);
}

// ``initialized``: app.initialize(), as teams.js started it.
export function configureFromTab(initialized) {
  const form = document.getElementById("tab-configure");
  if (form) configure(form, initialized).catch(() => {});
}
