// Inside a Teams tab only (pages.js loads this bundle when the page is framed): follows
// the Teams theme (default, dark, high contrast); on /tab, signs in with the Teams
// account; on /tab/configure, hands the page chosen for a locality tab to Teams. Not
// loaded outside Teams: the Teams library asks Microsoft's CDN for its list of valid
// domains as soon as it loads; the Content-Security-Policy blocks that request
// (connect-src 'self'), and the library falls back to the list it carries, but a page in
// a plain browser has no reason to attempt it at all.
import { app } from "@microsoft/teams-js";
import { configureFromTab } from "./configure.js";
import { signInFromTab } from "./tab.js";

const THEMES = { default: "theme-default", dark: "theme-dark", contrast: "theme-contrast" };

function applyTheme(theme) {
  const root = document.documentElement;
  for (const name of Object.values(THEMES)) root.classList.remove(name);
  root.classList.add(THEMES[theme] || THEMES.default);
}

const initialized = app.initialize();
initialized
  .then(() => app.getContext())
  .then((context) => {
    applyTheme(context.app.theme);
    app.registerOnThemeChangeHandler(applyTheme);
  })
  .catch(() => {
    // Outside Teams, or framed but not by Teams (frame-ancestors allows Teams only).
  });
// The tab's start page (/tab): single sign-on with the Teams account.
signInFromTab(initialized);
// The locality tab's configuration page (/tab/configure).
configureFromTab(initialized);
