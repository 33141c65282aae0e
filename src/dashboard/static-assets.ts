import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** A file the server sends as is, read once at start-up. */
export interface StaticAsset {
  body: Buffer;
  contentType: string;
}

const OWN_ASSETS: Record<string, string> = {
  "/": "index.html",
  "/assets/app.js": "app.js",
  "/assets/app.css": "app.css",
};

/** uPlot's built files, served from the package's own copy; nothing ever comes from a CDN. */
const CHART_ASSETS: Record<string, string> = {
  "/assets/uPlot.iife.min.js": "uPlot.iife.min.js",
  "/assets/uPlot.min.css": "uPlot.min.css",
};

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

/**
 * Loads the page, its script and style, and the charting library, keyed by URL path. The built
 * package carries uPlot in `assets/vendor/` (copied at build time); from the sources it is read
 * from the installed `uplot` package.
 */
export function loadStaticAssets(): Map<string, StaticAsset> {
  const assetsDirectory = fileURLToPath(new URL("./assets/", import.meta.url));
  const assets = new Map<string, StaticAsset>();
  const add = (path: string, file: string) =>
    assets.set(path, {
      body: readFileSync(file),
      contentType:
        CONTENT_TYPES[file.slice(file.lastIndexOf(".") + 1)] ?? "application/octet-stream",
    });
  for (const [path, name] of Object.entries(OWN_ASSETS)) add(path, `${assetsDirectory}${name}`);
  for (const [path, name] of Object.entries(CHART_ASSETS))
    add(path, chartFile(assetsDirectory, name));
  return assets;
}

function chartFile(assetsDirectory: string, name: string): string {
  const vendored = `${assetsDirectory}vendor/${name}`;
  if (existsSync(vendored)) return vendored;
  try {
    return createRequire(import.meta.url).resolve(`uplot/dist/${name}`);
  } catch (error) {
    throw new Error(
      `The dashboard's charting library is missing: neither ${vendored} nor the "uplot" package was found. Reinstall llmeter, or run "npm install uplot" in a source checkout.`,
      { cause: error },
    );
  }
}
