// Builds the pages' scripts into ../static/dist (make pages-assets). One bundle per page
// kind, each a classic script loaded with <script src defer>: the Content-Security-Policy
// allows script from the app's own origin only, never inline.
import { build } from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static", "dist");
await mkdir(out, { recursive: true });
await build({
  entryPoints: {
    pages: join(here, "src", "pages.js"),
    teams: join(here, "src", "teams.js"),
    map: join(here, "src", "map.js"),
  },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome120", "firefox120", "safari16"],
  outdir: out,
  legalComments: "external",
  logLevel: "warning",
});
// axe-core is not served: the browser tests inject it (tests/web/browser).
await copyFile(join(here, "node_modules", "axe-core", "axe.min.js"), join(here, "axe.min.js"));
