/**
 * Server-side tool fees: what providers bill per tool use on top of tokens. Each entry cites the
 * page it was read from and the day it was checked. A tool with `usdPerUnit: undefined` is known
 * but has no per-use price we could verify: a call that uses it is priced without it and warned
 * about, never billed a silent $0 for it.
 */

import type { ToolCallKey } from "../../usage/usage-event.ts";

export interface ToolFee {
  /** Canonical provider name. */
  provider: string;
  tool: ToolCallKey;
  /** Models this rate applies to (case-insensitive pattern on the model id); absent: every model. */
  models?: RegExp;
  /** USD per counted use; 0 when the provider bills nothing apart; undefined when unverified. */
  usdPerUnit: number | undefined;
  /** The page the price was read from. */
  source: string;
  /** When it was checked against `source`, `YYYY-MM-DD`. */
  checkedAt: string;
  /** Free allowances, counting rules, what is left out. */
  notes?: string;
}

const ANTHROPIC_PRICING = "https://docs.anthropic.com/en/docs/about-claude/pricing";
const OPENAI_PRICING = "https://platform.openai.com/docs/pricing#built-in-tools";
const GEMINI_PRICING = "https://ai.google.dev/gemini-api/docs/pricing";
const XAI_PRICING = "https://docs.x.ai/docs/models#tools-pricing";
const CHECKED = "2026-12-07";

/** First match wins: model-specific rates come before a provider's catch-all. */
export const TOOL_FEES: readonly ToolFee[] = [
  {
    provider: "anthropic",
    tool: "webSearch",
    usdPerUnit: 10 / 1000,
    source: ANTHROPIC_PRICING,
    checkedAt: CHECKED,
    notes: "$10 per 1,000 searches; search results are billed as input tokens on top.",
  },
  {
    provider: "anthropic",
    tool: "webFetch",
    usdPerUnit: 0,
    source: "https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-fetch-tool",
    checkedAt: CHECKED,
    notes: "No charge beyond the tokens of the fetched content.",
  },
  {
    provider: "anthropic",
    tool: "codeExecutionContainers",
    usdPerUnit: undefined,
    source: ANTHROPIC_PRICING,
    checkedAt: CHECKED,
    notes:
      "Billed per container-hour ($0.05/hour after 50 free hours a day per organization, per the pricing page); a response says which container ran, not for how long, so no per-call fee can be computed.",
  },
  {
    provider: "openai",
    tool: "webSearch",
    usdPerUnit: 10 / 1000,
    source: OPENAI_PRICING,
    checkedAt: CHECKED,
    notes:
      "web_search (all models): $10 per 1,000 calls, search content tokens billed at model rates. The older web_search_preview costs $25 per 1,000 calls on non-reasoning models (gpt-4o, gpt-4.1); a `web_search_call` output item does not say which tool version ran, so the current tool's rate is used.",
  },
  {
    provider: "openai",
    tool: "fileSearch",
    usdPerUnit: 2.5 / 1000,
    source: OPENAI_PRICING,
    checkedAt: CHECKED,
    notes:
      "$2.50 per 1,000 calls (storage, $0.10/GB-day after 1 GB free, is not per call and is left out).",
  },
  {
    provider: "openai",
    tool: "codeExecutionContainers",
    usdPerUnit: 0.03,
    source: OPENAI_PRICING,
    checkedAt: CHECKED,
    notes:
      "$0.03 per 1 GB container (the default size); larger containers cost more and are not told apart by the response.",
  },
  {
    provider: "openai",
    tool: "imageGeneration",
    usdPerUnit: undefined,
    source: OPENAI_PRICING,
    checkedAt: CHECKED,
    notes:
      "Billed as image-model tokens, which depend on size and quality; no per-call price could be verified.",
  },
  {
    provider: "google",
    tool: "webSearch",
    models: /^gemini-3/i,
    usdPerUnit: 14 / 1000,
    source: GEMINI_PRICING,
    checkedAt: CHECKED,
    notes:
      "Gemini 3: $14 per 1,000 search queries after 5,000 free prompts a month. The free allowance is per project and month, so it is not deducted per call.",
  },
  {
    provider: "google",
    tool: "groundedPrompts",
    models: /^gemini-3/i,
    usdPerUnit: 0,
    source: GEMINI_PRICING,
    checkedAt: CHECKED,
    notes: "Gemini 3 bills per search query (webSearch), not per grounded prompt.",
  },
  {
    provider: "google",
    tool: "groundedPrompts",
    usdPerUnit: 35 / 1000,
    source: GEMINI_PRICING,
    checkedAt: CHECKED,
    notes:
      "Gemini 2.x: $35 per 1,000 grounded prompts after 1,500 free requests a day. The free allowance is per project and day, so it is not deducted per call.",
  },
  {
    provider: "google",
    tool: "webSearch",
    usdPerUnit: 0,
    source: GEMINI_PRICING,
    checkedAt: CHECKED,
    notes: "Gemini 2.x bills per grounded prompt (groundedPrompts), not per query.",
  },
  {
    provider: "xai",
    tool: "liveSearchSources",
    usdPerUnit: 25 / 1000,
    source: "https://docs.x.ai/docs/guides/live-search",
    checkedAt: CHECKED,
    notes: "$25 per 1,000 sources used ($0.025 per source).",
  },
  {
    provider: "xai",
    tool: "serverSideTools",
    usdPerUnit: undefined,
    source: XAI_PRICING,
    checkedAt: CHECKED,
    notes:
      "xAI prices each server-side tool (web search, X search, code execution) on its own, and `num_server_side_tools_used` does not say which ran; no single per-call price could be verified.",
  },
];
