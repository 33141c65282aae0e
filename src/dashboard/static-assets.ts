import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync, constants as zlibConstants } from "node:zlib";

/** A file the server sends as is, read once at start-up. */
export interface StaticAsset {
  body: Buffer;
  contentType: string;
  /** The first characters of the body's SHA-256 (base64url): its version in the page's links. */
  hash: string;
  /** The body compressed for `encoding`, made once on first use. */
  compressed(encoding: ContentEncoding): Buffer;
}

/** The compressions the server offers for its static files. */
export type ContentEncoding = "br" | "gzip";

/** The best encoding the client accepts (`Accept-Encoding`), or undefined for none. */
export function pickContentEncoding(
  acceptEncoding: string | undefined,
): ContentEncoding | undefined {
  if (acceptEncoding === undefined) return undefined;
  const accepted = new Set(
    acceptEncoding
      .split(",")
      .map((entry) => entry.trim().toLowerCase())
      .filter((entry) => !/;\s*q=0(\.0*)?$/.test(entry))
      .map((entry) => entry.split(";")[0]!.trim()),
  );
  if (accepted.has("br")) return "br";
  if (accepted.has("gzip")) return "gzip";
  return undefined;
}

function createStaticAsset(body: Buffer, contentType: string): StaticAsset {
  const cache = new Map<ContentEncoding, Buffer>();
  return {
    body,
    contentType,
    hash: createHash("sha256").update(body).digest("base64url").slice(0, 12),
    compressed(encoding) {
      let packed = cache.get(encoding);
      if (packed === undefined) {
        // Quality 9, not 11: a few milliseconds once, within a few percent of the smallest.
        packed =
          encoding === "br"
            ? brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9 } })
            : gzipSync(body, { level: 9 });
        cache.set(encoding, packed);
      }
      return packed;
    },
  };
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
    assets.set(
      path,
      createStaticAsset(
        readFileSync(file),
        CONTENT_TYPES[file.slice(file.lastIndexOf(".") + 1)] ?? "application/octet-stream",
      ),
    );
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
