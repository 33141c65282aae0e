/**
 * The hand-curated layer of the catalog: the major providers' current and recent models, each
 * read from the provider's own pricing page (`source`). Curated entries win over the generated
 * snapshot (snapshot.json). Prices: USD per million tokens unless the unit says otherwise.
 */

import type { PriceEntry, ServiceTierName, ServiceTierPrices, UnitPrices } from "../types.ts";

const CHECKED = "2026-11-22";

const OPENAI = "https://platform.openai.com/docs/pricing";
const ANTHROPIC = "https://platform.claude.com/docs/en/about-claude/pricing";
const GEMINI = "https://ai.google.dev/gemini-api/docs/pricing";
const MISTRAL = "https://mistral.ai/pricing#api-pricing";
const COHERE = "https://cohere.com/pricing";
const DEEPSEEK = "https://api-docs.deepseek.com/quick_start/pricing";
const XAI = "https://docs.x.ai/docs/models";
const PERPLEXITY = "https://docs.perplexity.ai/getting-started/pricing";
const GROQ = "https://groq.com/pricing";
const AZURE_DOCUMENT_INTELLIGENCE =
  "https://azure.microsoft.com/en-us/pricing/details/ai-document-intelligence/";
const GOOGLE_DOCUMENT_AI = "https://cloud.google.com/document-ai/pricing";
const TEXTRACT = "https://aws.amazon.com/textract/pricing/";
const BEDROCK = "https://aws.amazon.com/bedrock/pricing/";
const TOGETHER = "https://www.together.ai/pricing";
const FIREWORKS = "https://fireworks.ai/pricing";

type Extra = Partial<Omit<PriceEntry, "id" | "provider" | "model" | "prices" | "source">>;

function entry(
  provider: string,
  model: string,
  source: string,
  prices: UnitPrices,
  extra: Extra = {},
): PriceEntry {
  return {
    id: `${provider}/${model}`,
    provider,
    model,
    prices,
    source,
    checkedAt: CHECKED,
    ...extra,
  };
}

const half: ServiceTierPrices = { multiplier: 0.5 };

// ---------------------------------------------------------------- OpenAI
// Flex processing is billed at Batch API rates for the models that offer it.
const openai: PriceEntry[] = [
  // GPT-6.1 / 6.2 (openai 7.60's model unions): OpenAI's pricing page was not in the sources at
  // hand, so each cites the published pages that restate OpenAI's standard rates, checked 2026-12-07.
  // Prompts above 272K input tokens cost more (2x input, 1.5x output); not modeled here.
  entry(
    "openai",
    "gpt-6.2-astra",
    "https://github.com/BerriAI/litellm/discussions/52347",
    { input: 8, cacheRead: 0.4, output: 40 },
    {
      checkedAt: "2026-12-07",
      notes:
        "$8 / $40 per 1M (also https://docs.laozhang.ai/en/announcements/gpt-6-2-2026-11.md); cached input 60% below GPT-6 Astra's $1.",
      serviceTiers: { flex: half },
    },
  ),
  entry(
    "openai",
    "gpt-6.2-sol",
    "https://docs.laozhang.ai/en/announcements/gpt-6-2-2026-11.md",
    { input: 2, cacheRead: 0.1, output: 10 },
    {
      checkedAt: "2026-12-07",
      notes:
        "Same rates as GPT-6.1 Sol (also https://github.com/BerriAI/litellm/discussions/52347).",
      serviceTiers: { flex: half },
    },
  ),
  entry(
    "openai",
    "gpt-6.1-sol",
    "https://dev.to/antoine_laurentt/gpt-61-terra-vs-gpt-61-sol-4n8m",
    { input: 2, cacheRead: 0.1, output: 10 },
    { checkedAt: "2026-12-07", serviceTiers: { flex: half } },
  ),
  entry(
    "openai",
    "gpt-6.1-terra",
    "https://apidog.com/de/blog/gpt-6-1-terra-pricing/",
    { input: 1, cacheRead: 0.05, output: 5 },
    {
      checkedAt: "2026-12-07",
      notes: "Batch and Flex are half; also https://apidog.com/jp/blog/what-is-gpt-6-1-terra/.",
      serviceTiers: { flex: half },
    },
  ),
  entry(
    "openai",
    "gpt-5",
    OPENAI,
    { input: 1.25, cacheRead: 0.125, output: 10 },
    {
      aliases: ["gpt-5-2025-08-07", "gpt-5-chat-latest", "gpt-5-codex"],
      serviceTiers: {
        flex: half,
        priority: { prices: { input: 2.5, cacheRead: 0.25, output: 20 } },
      },
    },
  ),
  entry(
    "openai",
    "gpt-5-mini",
    OPENAI,
    { input: 0.25, cacheRead: 0.025, output: 2 },
    {
      aliases: ["gpt-5-mini-2025-08-07"],
      serviceTiers: {
        flex: half,
        priority: { prices: { input: 0.45, cacheRead: 0.045, output: 3.6 } },
      },
    },
  ),
  entry(
    "openai",
    "gpt-5-nano",
    OPENAI,
    { input: 0.05, cacheRead: 0.005, output: 0.4 },
    {
      aliases: ["gpt-5-nano-2025-08-07"],
      serviceTiers: { flex: half },
    },
  ),
  entry(
    "openai",
    "gpt-5-pro",
    OPENAI,
    { input: 15, output: 120 },
    {
      aliases: ["gpt-5-pro-2025-10-06"],
    },
  ),
  entry(
    "openai",
    "gpt-5.1",
    OPENAI,
    { input: 1.25, cacheRead: 0.125, output: 10 },
    {
      aliases: ["gpt-5.1-2025-11-13", "gpt-5.1-chat-latest", "gpt-5.1-codex", "gpt-5.1-codex-max"],
      serviceTiers: {
        flex: half,
        priority: { prices: { input: 2.5, cacheRead: 0.25, output: 20 } },
      },
    },
  ),
  entry(
    "openai",
    "gpt-4.1",
    OPENAI,
    { input: 2, cacheRead: 0.5, output: 8 },
    {
      aliases: ["gpt-4.1-2025-04-14"],
      serviceTiers: { priority: { prices: { input: 3.5, cacheRead: 0.875, output: 14 } } },
    },
  ),
  entry(
    "openai",
    "gpt-4.1-mini",
    OPENAI,
    { input: 0.4, cacheRead: 0.1, output: 1.6 },
    {
      aliases: ["gpt-4.1-mini-2025-04-14"],
      serviceTiers: { priority: { prices: { input: 0.7, cacheRead: 0.175, output: 2.8 } } },
    },
  ),
  entry(
    "openai",
    "gpt-4.1-nano",
    OPENAI,
    { input: 0.1, cacheRead: 0.025, output: 0.4 },
    {
      aliases: ["gpt-4.1-nano-2025-04-14"],
      serviceTiers: { priority: { prices: { input: 0.2, cacheRead: 0.05, output: 0.8 } } },
    },
  ),
  entry(
    "openai",
    "gpt-4o",
    OPENAI,
    { input: 2.5, cacheRead: 1.25, output: 10 },
    {
      aliases: ["gpt-4o-2024-08-06", "gpt-4o-2024-11-20"],
      serviceTiers: { priority: { prices: { input: 4.25, cacheRead: 2.125, output: 17 } } },
    },
  ),
  entry("openai", "gpt-4o-2024-05-13", OPENAI, { input: 5, output: 15 }),
  entry(
    "openai",
    "gpt-4o-mini",
    OPENAI,
    { input: 0.15, cacheRead: 0.075, output: 0.6 },
    {
      aliases: ["gpt-4o-mini-2024-07-18"],
      serviceTiers: { priority: { prices: { input: 0.25, cacheRead: 0.125, output: 1 } } },
    },
  ),
  // o3's price was cut by 80% on 2025-06-10; calls before that date keep the old price.
  entry(
    "openai",
    "o3",
    OPENAI,
    { input: 10, cacheRead: 2.5, output: 40 },
    {
      aliases: ["o3-2025-04-16"],
      dated: [
        {
          from: "2025-06-10",
          prices: { input: 2, cacheRead: 0.5, output: 8 },
          serviceTiers: {
            flex: half,
            priority: { prices: { input: 3.5, cacheRead: 0.875, output: 14 } },
          },
        },
      ],
    },
  ),
  entry("openai", "o3-pro", OPENAI, { input: 20, output: 80 }, { aliases: ["o3-pro-2025-06-10"] }),
  entry(
    "openai",
    "o3-mini",
    OPENAI,
    { input: 1.1, cacheRead: 0.55, output: 4.4 },
    {
      aliases: ["o3-mini-2025-01-31"],
    },
  ),
  entry(
    "openai",
    "o4-mini",
    OPENAI,
    { input: 1.1, cacheRead: 0.275, output: 4.4 },
    {
      aliases: ["o4-mini-2025-04-16"],
      serviceTiers: { flex: half, priority: { prices: { input: 2, cacheRead: 0.5, output: 8 } } },
    },
  ),
  entry(
    "openai",
    "o1",
    OPENAI,
    { input: 15, cacheRead: 7.5, output: 60 },
    {
      aliases: ["o1-2024-12-17"],
    },
  ),
  entry(
    "openai",
    "o1-pro",
    OPENAI,
    { input: 150, output: 600 },
    { aliases: ["o1-pro-2025-03-19"] },
  ),
  entry(
    "openai",
    "o1-mini",
    OPENAI,
    { input: 1.1, cacheRead: 0.55, output: 4.4 },
    {
      aliases: ["o1-mini-2024-09-12"],
    },
  ),
  entry(
    "openai",
    "gpt-4-turbo",
    OPENAI,
    { input: 10, output: 30 },
    {
      aliases: [
        "gpt-4-turbo-2024-04-09",
        "gpt-4-0125-preview",
        "gpt-4-1106-preview",
        "gpt-4-turbo-preview",
      ],
    },
  ),
  entry(
    "openai",
    "gpt-4",
    OPENAI,
    { input: 30, output: 60 },
    { aliases: ["gpt-4-0613", "gpt-4-0314"] },
  ),
  entry(
    "openai",
    "gpt-4-32k",
    OPENAI,
    { input: 60, output: 120 },
    {
      aliases: ["gpt-4-32k-0613", "gpt-4-32k-0314"],
    },
  ),
  entry(
    "openai",
    "gpt-3.5-turbo",
    OPENAI,
    { input: 0.5, output: 1.5 },
    {
      aliases: ["gpt-3.5-turbo-0125"],
    },
  ),
  entry("openai", "gpt-3.5-turbo-1106", OPENAI, { input: 1, output: 2 }),
  entry("openai", "text-embedding-3-small", OPENAI, { input: 0.02 }, { kind: "embedding" }),
  entry("openai", "text-embedding-3-large", OPENAI, { input: 0.13 }, { kind: "embedding" }),
  entry("openai", "text-embedding-ada-002", OPENAI, { input: 0.1 }, { kind: "embedding" }),
];

// ---------------------------------------------------------------- Anthropic
// Cache writes: 5 minutes = 1.25× input, 1 hour = 2× input; cache hits = 0.1× input.
function claude(
  model: string,
  input: number,
  output: number,
  extra: Extra & { cacheRead?: number; source?: string } = {},
): PriceEntry {
  const { cacheRead, source, ...rest } = extra;
  return entry(
    "anthropic",
    model,
    source ?? ANTHROPIC,
    {
      input,
      cacheWrite: input * 1.25,
      cacheWrite1h: input * 2,
      cacheRead: cacheRead ?? Math.round(input * 0.1 * 1e6) / 1e6,
      output,
    },
    rest,
  );
}

// Long context (1M-token window): above 200K input tokens the whole request is billed at the
// long-context rates.
const sonnetLongContext = [
  {
    above: 200_000,
    basis: "input" as const,
    scope: "request" as const,
    prices: { input: 6, cacheWrite: 7.5, cacheWrite1h: 12, cacheRead: 0.6, output: 22.5 },
  },
];
// "Starting with Claude Sonnet 4.5 and Haiku 4.5", regional Bedrock and Vertex endpoints cost 10% more.
const regional = { regionalMultiplier: 1.1 };

// Claude Haiku 5.5 is priced by prompt length: a request whose prompt (input, cache reads and cache
// writes) is over 100,000 tokens pays the higher rates on every token of that request, output
// included. At exactly 100,000 the lower rates apply.
const haiku55LongPrompt = [
  {
    above: 100_000,
    basis: "input" as const,
    scope: "request" as const,
    prices: { input: 0.5, cacheWrite: 0.625, cacheWrite1h: 1, cacheRead: 0.05, output: 2.5 },
  },
];

// Fable 5.2 and Mythos 5.2 (released 2026-11-09): $8 / $40 per MTok from Anthropic's release notes.
// The notes give no cache rates; $0.20 cache reads (0.025x input, as on Fable 5.1) and $10 / $16
// 5-minute / 1-hour writes are from pages that restate Anthropic's pricing page: Developers Digest
// (https://www.developersdigest.tech/blog/claude-fable-5-2-whats-new-migration-2026, from "What's
// new in Claude Fable 5.2") and rightsize's release notes
// (https://github.com/archid21/rightsize/releases/tag/v0.10.2), checked 2026-12-08.
const FABLE_5_2_NOTES =
  "Input and output from Anthropic's release notes of 2026-11-09; cache reads ($0.20) and writes ($10 / $16) from third-party pages restating Anthropic's pricing page (see curated.ts).";
const RELEASE_NOTES_2026_11_09 = "https://platform.claude.com/docs/ja/release-notes/overview.md";

const anthropic: PriceEntry[] = [
  claude("claude-fable-5-2", 8, 40, {
    cacheRead: 0.2,
    ...regional,
    source: RELEASE_NOTES_2026_11_09,
    checkedAt: "2026-12-08",
    notes: FABLE_5_2_NOTES,
  }),
  claude("claude-mythos-5-2", 8, 40, {
    cacheRead: 0.2,
    ...regional,
    source: RELEASE_NOTES_2026_11_09,
    checkedAt: "2026-12-08",
    notes: `Limited availability (organizations verified through Anthropic's verification programs). ${FABLE_5_2_NOTES}`,
  }),
  // Sonnet 5.5 (released 2026-09-28) read cached tokens at $0.20 until Anthropic cut cache reads to
  // $0.10 (0.05x input) on 2026-10-07 (release notes of that day; the Haiku 5.5 overview also says
  // 5%). The launch prices are from the model overview (zh-CN copy); everything else is unchanged.
  claude("claude-sonnet-5-5", 2, 10, {
    cacheRead: 0.2,
    ...regional,
    source: "https://platform.claude.com/docs/zh-CN/models/sonnet-5-5/overview",
    checkedAt: "2026-12-08",
    dated: [
      {
        from: "2026-10-07",
        prices: { input: 2, cacheWrite: 2.5, cacheWrite1h: 4, cacheRead: 0.1, output: 10 },
      },
    ],
    notes:
      "Cache-read cut of 2026-10-07: https://platform.claude.com/docs/en/release-notes/overview (entry of 2026-10-07). No long-context premium: the 1M window is billed at standard rates.",
  }),
  entry(
    "anthropic",
    "claude-haiku-5-5",
    "https://platform.claude.com/docs/en/models/haiku-5-5/overview",
    { input: 0.1, cacheWrite: 0.125, cacheWrite1h: 0.2, cacheRead: 0.01, output: 0.5 },
    {
      checkedAt: "2026-12-08",
      tiers: haiku55LongPrompt,
      ...regional,
      notes:
        'Prompts over 100,000 tokens (cache reads and writes included) pay $0.50 / $2.50, cache writes $0.625 / $1, cache reads $0.05 on the whole request. Anthropic\'s page says "prompts"; that cached tokens count is from third-party pages restating it.',
    },
  ),
  claude("claude-fable-5-1", 10, 50, { cacheRead: 0.25, ...regional }),
  claude("claude-fable-5", 10, 50, { cacheRead: 1, ...regional }),
  claude("claude-mythos-5-1", 10, 50, { cacheRead: 0.25, ...regional }),
  claude("claude-mythos-5", 10, 50, { cacheRead: 1, ...regional }),
  claude("claude-opus-5", 5, 25, regional),
  claude("claude-opus-4-8", 5, 25, regional),
  claude("claude-opus-4-7", 5, 25, regional),
  claude("claude-opus-4-5", 5, 25, { aliases: ["claude-opus-4-5-20251101"], ...regional }),
  claude("claude-opus-4-1", 15, 75, { aliases: ["claude-opus-4-1-20250805"] }),
  claude("claude-opus-4-0", 15, 75, {
    aliases: ["claude-opus-4", "claude-opus-4-20250514", "claude-4-opus"],
  }),
  claude("claude-sonnet-4-5", 3, 15, {
    aliases: ["claude-sonnet-4-5-20250929"],
    tiers: sonnetLongContext,
    ...regional,
  }),
  claude("claude-sonnet-4-0", 3, 15, {
    aliases: ["claude-sonnet-4", "claude-sonnet-4-20250514", "claude-4-sonnet"],
    tiers: sonnetLongContext,
  }),
  claude("claude-3-7-sonnet", 3, 15, { aliases: ["claude-3-7-sonnet-20250219"] }),
  claude("claude-3-5-sonnet", 3, 15, {
    aliases: ["claude-3-5-sonnet-20241022", "claude-3-5-sonnet-20240620"],
  }),
  claude("claude-haiku-4-5", 1, 5, { aliases: ["claude-haiku-4-5-20251001"], ...regional }),
  claude("claude-3-5-haiku", 0.8, 4, { aliases: ["claude-3-5-haiku-20241022"] }),
  claude("claude-3-opus", 15, 75, { aliases: ["claude-3-opus-20240229"] }),
  entry(
    "anthropic",
    "claude-3-haiku",
    ANTHROPIC,
    {
      input: 0.25,
      cacheWrite: 0.3,
      cacheWrite1h: 0.5,
      cacheRead: 0.03,
      output: 1.25,
    },
    { aliases: ["claude-3-haiku-20240307"] },
  ),
];

// ---------------------------------------------------------------- Google Gemini API
// Above 200K prompt tokens (cached tokens included) the whole request is billed at the higher rate.
const google: PriceEntry[] = [
  entry(
    "google",
    "gemini-2.5-pro",
    GEMINI,
    { input: 1.25, cacheRead: 0.125, output: 10 },
    {
      tiers: [
        {
          above: 200_000,
          basis: "input",
          scope: "request",
          prices: { input: 2.5, cacheRead: 0.25, output: 15 },
        },
      ],
      notes:
        "Output includes thinking tokens. Context-cache storage is billed per hour and not metered here.",
    },
  ),
  entry(
    "google",
    "gemini-2.5-flash",
    GEMINI,
    { input: 0.3, cacheRead: 0.03, output: 2.5, audioInput: 1 },
    {
      notes: "Output includes thinking tokens.",
    },
  ),
  entry("google", "gemini-2.5-flash-lite", GEMINI, {
    input: 0.1,
    cacheRead: 0.01,
    output: 0.4,
    audioInput: 0.3,
  }),
  entry(
    "google",
    "gemini-2.0-flash",
    GEMINI,
    { input: 0.1, cacheRead: 0.025, output: 0.4, audioInput: 0.7 },
    {
      aliases: ["gemini-2.0-flash-001"],
    },
  ),
  entry(
    "google",
    "gemini-2.0-flash-lite",
    GEMINI,
    { input: 0.075, output: 0.3 },
    {
      aliases: ["gemini-2.0-flash-lite-001"],
    },
  ),
  entry("google", "gemini-embedding-001", GEMINI, { input: 0.15 }, { kind: "embedding" }),
];

// ---------------------------------------------------------------- Vertex AI (where not Gemini API)
// gemini-2.0-flash-live-preview-04-09 is Vertex AI's id for Gemini 2.0 Flash on the Live API (the
// Gemini API's was gemini-2.0-flash-live-001); retired, as Vertex discontinued Gemini 2.0 Flash on
// 2026-06-01. Kept as a historical price so old events reprice. Vertex billed the Live API at its
// own rates: text $0.50 in / $2.00 out, audio $3.00 in / $12.00 out, image and video input $3.00
// (not metered here: such tokens are priced as text input). No Google page at hand still shows
// the 2.0 row; the rates are from Portkey's data transcribed from Vertex's pricing page
// (https://github.com/Portkey-AI/models, pricing/vertex-ai.json, "gemini-2.0-flash-live-api",
// commit 1174c556 of 2026-03-01), a third-party last resort. They equal Vertex's Gemini Live 2.5
// Flash rates, which genai-prices confirms against the same page.
const vertex: PriceEntry[] = [
  entry(
    "vertex",
    "gemini-2.0-flash-live-preview-04-09",
    "https://cloud.google.com/vertex-ai/generative-ai/pricing",
    { input: 0.5, output: 2, audioInput: 3, audioOutput: 12 },
    {
      checkedAt: "2026-12-08",
      notes:
        "Retired (Gemini 2.0 Flash was discontinued on Vertex AI on 2026-06-01, https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/gemini/2-0-flash.md.txt). Rates from a third-party transcription of Vertex's pricing page (Portkey-AI/models pricing/vertex-ai.json, gemini-2.0-flash-live-api, 2026-03-01). Image and video input ($3.00 per MTok on Vertex) is not metered here and is priced as text input. The Gemini API's own Live model, gemini-2.0-flash-live-001, had lower rates of its own (e.g. $0.35 text input, https://discuss.ai.google.dev/t/pricing-and-usages-for-s2s-speech-to-speech-models/110407) and is not this id.",
    },
  ),
];

// ---------------------------------------------------------------- Mistral
const mistral: PriceEntry[] = [
  entry(
    "mistral",
    "mistral-small-latest",
    MISTRAL,
    { input: 0.1, output: 0.3 },
    {
      aliases: ["mistral-small-2506", "mistral-small-2503"],
    },
  ),
  entry(
    "mistral",
    "codestral",
    MISTRAL,
    { input: 0.3, output: 0.9 },
    {
      aliases: ["codestral-latest", "codestral-2501"],
    },
  ),
  entry(
    "mistral",
    "magistral-medium",
    MISTRAL,
    { input: 2, output: 5 },
    {
      aliases: ["magistral-medium-2506", "magistral-medium-2507"],
    },
  ),
  entry(
    "mistral",
    "magistral-small",
    MISTRAL,
    { input: 0.5, output: 1.5 },
    {
      aliases: ["magistral-small-2506", "magistral-small-2507"],
    },
  ),
  entry(
    "mistral",
    "ministral-8b",
    MISTRAL,
    { input: 0.1, output: 0.1 },
    { aliases: ["ministral-8b-2410"] },
  ),
  entry(
    "mistral",
    "ministral-3b",
    MISTRAL,
    { input: 0.04, output: 0.04 },
    { aliases: ["ministral-3b-2410"] },
  ),
  entry(
    "mistral",
    "pixtral-large",
    MISTRAL,
    { input: 2, output: 6 },
    { aliases: ["pixtral-large-2411"] },
  ),
  entry("mistral", "mistral-large-2411", MISTRAL, { input: 2, output: 6 }),
  entry(
    "mistral",
    "open-mistral-nemo",
    MISTRAL,
    { input: 0.15, output: 0.15 },
    {
      aliases: ["mistral-nemo", "open-mistral-nemo-2407"],
    },
  ),
  entry("mistral", "mistral-embed", MISTRAL, { input: 0.1 }, { kind: "embedding" }),
  // OCR: $1 per 1,000 pages; the Batch API halves it.
  entry(
    "mistral",
    "mistral-ocr-2505",
    MISTRAL,
    { page: 0.001 },
    {
      kind: "ocr",
      aliases: ["mistral-ocr-2503"],
      serviceTiers: { batch: half },
      notes: "Annotated pages (document annotations) cost more and are not metered apart.",
    },
  ),
];

// ---------------------------------------------------------------- Cohere
const cohere: PriceEntry[] = [
  entry(
    "cohere",
    "command-a",
    COHERE,
    { input: 2.5, output: 10 },
    { aliases: ["command-a-03-2025"] },
  ),
  entry(
    "cohere",
    "command-r-plus",
    COHERE,
    { input: 2.5, output: 10 },
    {
      aliases: ["command-r-plus-08-2024"],
    },
  ),
  entry(
    "cohere",
    "command-r",
    COHERE,
    { input: 0.15, output: 0.6 },
    { aliases: ["command-r-08-2024"] },
  ),
  entry(
    "cohere",
    "command-r7b",
    COHERE,
    { input: 0.0375, output: 0.15 },
    {
      aliases: ["command-r7b-12-2024"],
    },
  ),
  entry("cohere", "embed-v4.0", COHERE, { input: 0.12 }, { kind: "embedding" }),
  entry(
    "cohere",
    "embed-english-v3.0",
    COHERE,
    { input: 0.1 },
    {
      kind: "embedding",
      aliases: [
        "embed-multilingual-v3.0",
        "embed-english-light-v3.0",
        "embed-multilingual-light-v3.0",
      ],
    },
  ),
  entry(
    "cohere",
    "rerank-v3.5",
    COHERE,
    { request: 0.002 },
    {
      kind: "other",
      notes: "$2.00 per 1,000 searches; a search is one query with up to 100 documents.",
    },
  ),
];

// ---------------------------------------------------------------- DeepSeek
// deepseek-chat and deepseek-reasoner changed price twice in September 2025 (V3.1, then V3.2-Exp).
const deepseekBefore = {
  chat: { input: 0.27, cacheRead: 0.07, output: 1.1 },
  reasoner: { input: 0.55, cacheRead: 0.14, output: 2.19 },
};
const deepseekChanges = [
  { from: "2025-09-05T16:00:00Z", prices: { input: 0.56, cacheRead: 0.07, output: 1.68 } },
  { from: "2025-09-29T00:00:00Z", prices: { input: 0.28, cacheRead: 0.028, output: 0.42 } },
];
const deepseek: PriceEntry[] = [
  entry("deepseek", "deepseek-chat", DEEPSEEK, deepseekBefore.chat, {
    dated: deepseekChanges,
    notes: "Off-peak discounts that applied before 2025-09-05 are not modeled.",
  }),
  entry("deepseek", "deepseek-reasoner", DEEPSEEK, deepseekBefore.reasoner, {
    dated: deepseekChanges,
    notes: "Off-peak discounts that applied before 2025-09-05 are not modeled.",
  }),
];

// ---------------------------------------------------------------- xAI
const xai: PriceEntry[] = [
  entry(
    "xai",
    "grok-4",
    XAI,
    { input: 3, cacheRead: 0.75, output: 15 },
    { aliases: ["grok-4-0709"] },
  ),
  entry("xai", "grok-3", XAI, { input: 3, cacheRead: 0.75, output: 15 }),
  entry("xai", "grok-3-mini", XAI, { input: 0.3, cacheRead: 0.075, output: 0.5 }),
  entry("xai", "grok-code-fast-1", XAI, { input: 0.2, cacheRead: 0.02, output: 1.5 }),
  entry(
    "xai",
    "grok-4-fast-reasoning",
    XAI,
    { input: 0.2, cacheRead: 0.05, output: 0.5 },
    {
      aliases: ["grok-4-fast-non-reasoning"],
    },
  ),
];

// ---------------------------------------------------------------- Perplexity
// Request fees depend on the search context size; these are for `low`, the default.
const perplexity: PriceEntry[] = [
  entry(
    "perplexity",
    "sonar",
    PERPLEXITY,
    { input: 1, output: 1, request: 0.005 },
    {
      notes:
        "Request fee for search_context_size low (default); medium $8, high $12 per 1,000 requests.",
    },
  ),
  entry(
    "perplexity",
    "sonar-pro",
    PERPLEXITY,
    { input: 3, output: 15, request: 0.006 },
    {
      notes:
        "Request fee for search_context_size low (default); medium $10, high $14 per 1,000 requests.",
    },
  ),
  entry(
    "perplexity",
    "sonar-reasoning-pro",
    PERPLEXITY,
    { input: 2, output: 8, request: 0.006 },
    {
      notes:
        "Request fee for search_context_size low (default); medium $10, high $14 per 1,000 requests.",
    },
  ),
];

// ---------------------------------------------------------------- Groq
const groq: PriceEntry[] = [
  entry("groq", "llama-3.3-70b-versatile", GROQ, { input: 0.59, output: 0.79 }),
  entry("groq", "llama-3.1-8b-instant", GROQ, { input: 0.05, output: 0.08 }),
];

// ---------------------------------------------------------------- AWS Bedrock (on-demand, US East)
// Claude on Bedrock: the snapshot's global/regional profile entries, then Anthropic's list prices
// with the regional uplift (see price-book.ts). Amazon's own models:
const bedrock: PriceEntry[] = [
  entry(
    "bedrock",
    "amazon.nova-pro-v1:0",
    BEDROCK,
    { input: 0.8, cacheRead: 0.2, output: 3.2 },
    {
      aliases: ["nova-pro", "amazon.nova-pro"],
    },
  ),
  entry(
    "bedrock",
    "amazon.nova-lite-v1:0",
    BEDROCK,
    { input: 0.06, cacheRead: 0.015, output: 0.24 },
    {
      aliases: ["nova-lite", "amazon.nova-lite"],
    },
  ),
  entry(
    "bedrock",
    "amazon.nova-micro-v1:0",
    BEDROCK,
    { input: 0.035, cacheRead: 0.00875, output: 0.14 },
    {
      aliases: ["nova-micro", "amazon.nova-micro"],
    },
  ),
  entry(
    "bedrock",
    "amazon.titan-embed-text-v2:0",
    BEDROCK,
    { input: 0.02 },
    {
      kind: "embedding",
      aliases: ["titan-embed-text-v2", "amazon.titan-embed-text-v2"],
    },
  ),
  entry(
    "bedrock",
    "cohere.embed-english-v3",
    BEDROCK,
    { input: 0.1 },
    {
      kind: "embedding",
      aliases: ["cohere.embed-multilingual-v3"],
    },
  ),
];

// ---------------------------------------------------------------- Together AI, Fireworks
const together: PriceEntry[] = [
  entry(
    "together",
    "meta-llama/llama-3.3-70b-instruct-turbo",
    TOGETHER,
    { input: 0.88, output: 0.88 },
    {
      aliases: ["meta-llama/meta-llama-3.3-70b-instruct-turbo"],
    },
  ),
  entry("together", "meta-llama/meta-llama-3.1-8b-instruct-turbo", TOGETHER, {
    input: 0.18,
    output: 0.18,
  }),
  entry("together", "meta-llama/meta-llama-3.1-405b-instruct-turbo", TOGETHER, {
    input: 3.5,
    output: 3.5,
  }),
];
// Fireworks prices serverless models by size band; 4B-16B parameters: $0.20 per million tokens.
const fireworks: PriceEntry[] = [
  entry(
    "fireworks",
    "llama-v3p1-8b-instruct",
    FIREWORKS,
    { input: 0.2, output: 0.2 },
    {
      aliases: ["accounts/fireworks/models/llama-v3p1-8b-instruct"],
    },
  ),
];

// ---------------------------------------------------------------- OCR services (per page)
// Each lists the first monthly volume band; larger volumes are cheaper and not modeled.
const ocr: PriceEntry[] = [
  entry(
    "azure-document-intelligence",
    "prebuilt-read",
    AZURE_DOCUMENT_INTELLIGENCE,
    { page: 0.0015 },
    {
      kind: "ocr",
      aliases: ["read"],
      notes: "$1.50 per 1,000 pages for 0-1M pages a month (pay as you go).",
    },
  ),
  entry(
    "azure-document-intelligence",
    "prebuilt-layout",
    AZURE_DOCUMENT_INTELLIGENCE,
    { page: 0.01 },
    {
      kind: "ocr",
      aliases: ["layout", "prebuilt-invoice", "prebuilt-receipt", "prebuilt-idDocument"].map((id) =>
        id.toLowerCase(),
      ),
      notes: "$10 per 1,000 pages for 0-1M pages a month (layout and prebuilt models).",
    },
  ),
  entry(
    "google-document-ai",
    "enterprise-document-ocr",
    GOOGLE_DOCUMENT_AI,
    { page: 0.0015 },
    {
      kind: "ocr",
      aliases: ["document-ocr", "ocr"],
      notes: "$1.50 per 1,000 pages for 1-5M pages a month.",
    },
  ),
  entry(
    "google-document-ai",
    "layout-parser",
    GOOGLE_DOCUMENT_AI,
    { page: 0.01 },
    {
      kind: "ocr",
      notes: "$10 per 1,000 pages.",
    },
  ),
  entry(
    "google-document-ai",
    "form-parser",
    GOOGLE_DOCUMENT_AI,
    { page: 0.03 },
    {
      kind: "ocr",
      notes: "$30 per 1,000 pages for 1-1M pages a month.",
    },
  ),
  entry(
    "aws-textract",
    "detect-document-text",
    TEXTRACT,
    { page: 0.0015 },
    {
      kind: "ocr",
      aliases: ["detectdocumenttext", "textract"],
      notes: "US East price for the first 1M pages a month.",
    },
  ),
  entry(
    "aws-textract",
    "analyze-document-tables",
    TEXTRACT,
    { page: 0.015 },
    {
      kind: "ocr",
      notes: "US East price for the first 1M pages a month.",
    },
  ),
  entry(
    "aws-textract",
    "analyze-document-forms",
    TEXTRACT,
    { page: 0.05 },
    {
      kind: "ocr",
      notes: "US East price for the first 1M pages a month.",
    },
  ),
];

// ---------------------------------------------------------------- Local and free
// Self-hosted software: no per-call price. Any model on these providers costs $0.
const free: PriceEntry[] = [
  ["ollama", "https://ollama.com/"],
  ["vllm", "https://docs.vllm.ai/"],
  ["lmstudio", "https://lmstudio.ai/"],
  ["llamacpp", "https://github.com/ggml-org/llama.cpp"],
  ["infinity", "https://github.com/michaelfeil/infinity"],
  ["tesseract", "https://github.com/tesseract-ocr/tesseract"],
].map(([provider, source]) =>
  entry(
    provider ?? "",
    "*",
    source ?? "",
    {},
    {
      match: { any: true },
      notes: "Self-hosted open-source software: no per-call charge (your hardware is not metered).",
    },
  ),
);

/** The curated entries, in precedence order within the layer. */
export const CURATED_ENTRIES: readonly PriceEntry[] = [
  ...openai,
  ...anthropic,
  ...google,
  ...vertex,
  ...mistral,
  ...cohere,
  ...deepseek,
  ...xai,
  ...perplexity,
  ...groq,
  ...bedrock,
  ...together,
  ...fireworks,
  ...ocr,
  ...free,
];

/**
 * Provider-wide service-tier rules, used when an entry has no price of its own for the tier.
 * OpenAI and Anthropic: the Batch API costs 50% of standard prices. Gemini API: Batch Mode is 50%
 * of the interactive price. Mistral: the Batch API is 50% of the standard price.
 */
export const PROVIDER_SERVICE_TIERS: Readonly<
  Record<string, Partial<Record<ServiceTierName, ServiceTierPrices>>>
> = {
  openai: { batch: half },
  azure: { batch: half },
  anthropic: { batch: half },
  bedrock: { batch: half },
  google: { batch: half },
  vertex: { batch: half },
  mistral: { batch: half },
};

/** The pages each provider's prices come from, for `docs/pricing.md` and `prices show`. */
export const PROVIDER_SOURCES: Readonly<Record<string, string>> = {
  openai: OPENAI,
  anthropic: ANTHROPIC,
  google: GEMINI,
  vertex: "https://cloud.google.com/vertex-ai/generative-ai/pricing",
  azure: "https://azure.microsoft.com/en-us/pricing/details/cognitive-services/openai-service/",
  bedrock: "https://aws.amazon.com/bedrock/pricing/",
  mistral: MISTRAL,
  cohere: COHERE,
  deepseek: DEEPSEEK,
  xai: XAI,
  perplexity: PERPLEXITY,
  groq: GROQ,
};
