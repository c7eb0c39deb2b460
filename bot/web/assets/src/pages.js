// Every page: follows the Teams theme inside a tab (default, dark, high contrast), and
// nothing else by default. Outside Teams the page is top-level and the browser's own
// preference (prefers-color-scheme, forced-colors) applies through the style sheet.
import { app } from "@microsoft/teams-js";
import { signInFromTab } from "./tab.js";

const THEMES = { default: "theme-default", dark: "theme-dark", contrast: "theme-contrast" };

function applyTheme(theme) {
  const root = document.documentElement;
  for (const name of Object.values(THEMES)) root.classList.remove(name);
  root.classList.add(THEMES[theme] || THEMES.default);
}

export function inTeams() {
  // A tab is always framed by Teams; a page opened in a browser is not.
  return window.parent !== window;
}

const initialized = inTeams() ? app.initialize() : Promise.reject(new Error("not in Teams"));
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
