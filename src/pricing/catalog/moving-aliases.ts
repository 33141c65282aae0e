/**
 * Model ids a provider documents as pointing to another model (a "latest" alias), priced as the
 * model they point to: the alias is added to whichever bundled entry prices the target, so it
 * follows that entry's dated prices and tiers instead of copying them. Each line cites the
 * provider's page that names the target and when it was read; providers repoint these aliases, so
 * re-check on each new release of the family.
 */
export interface MovingAlias {
  provider: string;
  alias: string;
  /** The model id the alias points to, as the catalog names it. */
  target: string;
  /** The page that says where the alias points. */
  source: string;
  checkedAt: string;
}

export const MOVING_ALIASES: readonly MovingAlias[] = [
  {
    // OpenAI's model page: an alias whose default snapshot is gpt-5.6-sol. Calls usually report
    // the snapshot in the response's `model`, which is priced as Sol anyway.
    provider: "openai",
    alias: "gpt-daybreak-blue-latest",
    target: "gpt-5.6-sol",
    source: "https://developers.openai.com/api/docs/models/gpt-daybreak-blue-latest",
    checkedAt: "2026-12-08",
  },
  {
    // Google repoints it to each new Flash-Lite release; since Gemini 3.5 Flash-Lite's GA on
    // 2026-07-21 it names gemini-3.5-flash-lite. No Google page at hand names the target: this is
    // from third-party pages quoting Google's changelog (the last resort; also
    // https://raw.githubusercontent.com/anomalyco/models.dev/3f2765a58f8466f6d96dade1b4843189eeb6360b/providers/google/models/gemini-flash-lite-latest.toml).
    // Calls from before 2026-07-21 are priced as 3.5 Flash-Lite too.
    provider: "google",
    alias: "gemini-flash-lite-latest",
    target: "gemini-3.5-flash-lite",
    source: "https://github.com/langgenius/dify-official-plugins/pull/3752",
    checkedAt: "2026-12-08",
  },
];
