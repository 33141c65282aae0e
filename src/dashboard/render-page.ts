import type { StaticAsset } from "./static-assets.ts";

/** Where the server writes the page's first data: the end of the body, after every panel. */
const INITIAL_DATA_MARKER = "<!--llmeter:initial-data-->";

/** The first data the page draws, inlined so it needs no request before its first paint. */
export interface InitialPageData {
  /** What `/api/config` answers. */
  config: { refreshIntervalMs: number; timeZone: string };
  /** The `location.search` this data answers; the page ignores it for any other URL. */
  search: string;
  /** What `/api/dashboard` answers for `search`; absent when the URL is wrong (the page then asks and shows the error). */
  data?: unknown;
}

/** The page template cut where the data goes: the part sent at once, and the closing part. */
export interface PageTemplate {
  /** Everything up to the data block: sent before the ledger is read, so assets load meanwhile. */
  head: Buffer;
  /** Renders the data block and the rest of the page. */
  tail(initial: InitialPageData): Buffer;
}

/**
 * Cuts index.html at its data marker and points its asset links at content-hashed URLs
 * (`/assets/app.js?v=<hash>`), which the server may let browsers cache forever.
 */
export function createPageTemplate(
  html: string,
  assets: ReadonlyMap<string, StaticAsset>,
): PageTemplate {
  const versioned = html.replace(/(href|src)="(\/assets\/[^"?]+)"/g, (match, attribute, path) => {
    const asset = assets.get(path);
    return asset === undefined ? match : `${attribute}="${path}?v=${asset.hash}"`;
  });
  const cut = versioned.indexOf(INITIAL_DATA_MARKER);
  if (cut < 0) throw new Error(`index.html has no ${INITIAL_DATA_MARKER} marker.`);
  const rest = versioned.slice(cut + INITIAL_DATA_MARKER.length);
  return {
    head: Buffer.from(versioned.slice(0, cut)),
    tail: (initial) =>
      Buffer.from(
        `<script type="application/json" id="llmeter-initial">${jsonForScript(initial)}</script>${rest}`,
      ),
  };
}

/**
 * JSON that cannot end its `<script>` element early: every `<` is written as `\u003c`, so a
 * tenant named `</script><script>…` stays text. The block is a data block (not executed), which
 * the Content-Security-Policy's `script-src 'self'` allows.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}
