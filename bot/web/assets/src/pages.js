// Every page. Outside Teams the page is top-level and the browser's own preference
// (prefers-color-scheme, forced-colors) applies through the style sheet: nothing to do.
// In a Teams tab (always framed by Teams; frame-ancestors allows no one else) the Teams
// bundle is loaded, from this app's origin like every script.
if (window.parent !== window) {
  const script = document.createElement("script");
  script.src = "/static/dist/teams.js";
  script.defer = true;
  document.head.appendChild(script);
}
