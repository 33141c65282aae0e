/**
 * The dated snapshot a provider reports in its response when called with a model alias, so the
 * mock echoes models the way the real APIs do (integrations must record the response model, and
 * pricing must match dated ids). Aliases and snapshots come from the providers' model pages:
 * - OpenAI: https://platform.openai.com/docs/models (each model page lists "Snapshots"; the alias
 *   points to the one marked current), e.g. gpt-4o → gpt-4o-2024-08-06.
 * - Anthropic: https://docs.claude.com/en/docs/about-claude/models/overview (the "Claude API
 *   alias" and "Claude API ID" columns), e.g. claude-sonnet-4-5 → claude-sonnet-4-5-20250929.
 * Gemini echoes the model name unchanged in `modelVersion`. A model that is not listed (or is
 * already dated) is echoed as sent.
 */

const SNAPSHOTS: Record<string, string> = {
  // OpenAI
  "gpt-4o": "gpt-4o-2024-08-06",
  "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
  "gpt-4.1": "gpt-4.1-2025-04-14",
  "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
  "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
  "gpt-5": "gpt-5-2025-08-07",
  "gpt-5-mini": "gpt-5-mini-2025-08-07",
  "gpt-5-nano": "gpt-5-nano-2025-08-07",
  o1: "o1-2024-12-17",
  o3: "o3-2025-04-16",
  "o3-mini": "o3-mini-2025-01-31",
  "o4-mini": "o4-mini-2025-04-16",
  // Anthropic
  "claude-opus-4-5": "claude-opus-4-5-20251101",
  "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
  "claude-haiku-4-5": "claude-haiku-4-5-20251001",
  "claude-opus-4-1": "claude-opus-4-1-20250805",
  "claude-opus-4-0": "claude-opus-4-20250514",
  "claude-sonnet-4-0": "claude-sonnet-4-20250514",
  "claude-3-7-sonnet-latest": "claude-3-7-sonnet-20250219",
  "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
};

/** The model id the provider reports for a requested model (its dated snapshot when known). */
export function responseModelFor(requestedModel: string): string {
  return SNAPSHOTS[requestedModel] ?? requestedModel;
}
