/**
 * Model-id normalization: the ids providers, gateways and SDKs send are turned into the candidate
 * ids the catalog is keyed by, most specific first.
 */

/** Names people use for a provider → the catalog's canonical provider name. */
export const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  openai: "openai",
  "azure-openai": "azure",
  azure_openai: "azure",
  azure: "azure",
  "azure-ai": "azure",
  anthropic: "anthropic",
  claude: "anthropic",
  google: "google",
  gemini: "google",
  "google-genai": "google",
  "google-ai-studio": "google",
  "gcp.gemini": "google",
  vertex: "vertex",
  vertexai: "vertex",
  vertex_ai: "vertex",
  "vertex-ai": "vertex",
  "google-vertex": "vertex",
  "gcp.vertex_ai": "vertex",
  "gcp.vertex.ai": "vertex",
  bedrock: "bedrock",
  "aws-bedrock": "bedrock",
  aws_bedrock: "bedrock",
  "aws.bedrock": "bedrock",
  "amazon-bedrock": "bedrock",
  aws: "bedrock",
  mistral: "mistral",
  mistralai: "mistral",
  mistral_ai: "mistral",
  cohere: "cohere",
  groq: "groq",
  deepseek: "deepseek",
  xai: "xai",
  "x-ai": "xai",
  x_ai: "xai",
  grok: "xai",
  together: "together",
  togetherai: "together",
  together_ai: "together",
  "together-ai": "together",
  fireworks: "fireworks",
  fireworks_ai: "fireworks",
  "fireworks-ai": "fireworks",
  perplexity: "perplexity",
  openrouter: "openrouter",
  ollama: "ollama",
  vllm: "vllm",
  lmstudio: "lmstudio",
  "lm-studio": "lmstudio",
  lm_studio: "lmstudio",
  "llama.cpp": "llamacpp",
  llamacpp: "llamacpp",
  infinity: "infinity",
  tesseract: "tesseract",
  textract: "aws-textract",
  "aws-textract": "aws-textract",
  "azure-document-intelligence": "azure-document-intelligence",
  "document-intelligence": "azure-document-intelligence",
  "form-recognizer": "azure-document-intelligence",
  "google-document-ai": "google-document-ai",
  "document-ai": "google-document-ai",
  documentai: "google-document-ai",
};

/** Canonical provider name for `provider` (lower-cased; unknown names pass through). */
export function canonicalProvider(provider: string): string {
  const key = provider.trim().toLowerCase();
  return providerAlias(key) ?? key;
}

/** The alias's canonical provider; own keys only, so `__proto__` or `constructor` are not aliases. */
function providerAlias(key: string): string | undefined {
  return Object.hasOwn(PROVIDER_ALIASES, key) ? PROVIDER_ALIASES[key] : undefined;
}

/**
 * Where a provider's prices come from when it has no entry of its own for a model: Azure OpenAI
 * (global standard deployments) bills OpenAI's list prices, Bedrock and Vertex bill Anthropic's
 * and Google's, and OpenRouter passes the underlying provider's price through.
 */
export const PROVIDER_FALLBACKS: Readonly<Record<string, readonly string[]>> = {
  azure: ["openai"],
  bedrock: ["anthropic"],
  vertex: ["google", "anthropic"],
  google: ["vertex"],
};

// Providers whose model ids are recognizable on their own, tried in order.
const DETECTORS: ReadonlyArray<[RegExp, string]> = [
  [
    /^(gpt-|chatgpt-|o1|o3|o4|text-embedding-3|text-embedding-ada|davinci|babbage|whisper|tts-|dall-e|omni-moderation|text-moderation|computer-use|codex-)/,
    "openai",
  ],
  [/^claude/, "anthropic"],
  [/^(gemini|gemma|text-embedding-00|text-multilingual-embedding|imagen|veo)/, "google"],
  [
    /^(mistral|mixtral|codestral|ministral|pixtral|magistral|devstral|open-mistral|open-mixtral|voxtral)/,
    "mistral",
  ],
  [/^(command|embed-|rerank-|c4ai-)/, "cohere"],
  [/^deepseek/, "deepseek"],
  [/^grok/, "xai"],
  [/^sonar|^r1-1776/, "perplexity"],
  [
    /^(anthropic\.|amazon\.|meta\.|cohere\.|ai21\.|(us|eu|apac|jp|au|ca|us-gov|global)\.anthropic\.)/,
    "bedrock",
  ],
];

/** Guesses the provider from a model id; undefined when nothing is recognizable. */
export function detectProvider(model: string): string | undefined {
  const id = model.trim().toLowerCase();
  const slash = id.indexOf("/");
  if (slash > 0) {
    const prefix = providerAlias(id.slice(0, slash));
    if (prefix !== undefined) return prefix;
  }
  for (const [pattern, provider] of DETECTORS) if (pattern.test(id)) return provider;
  return undefined;
}

/** What normalization learned about an id besides the candidates. */
export interface ParsedModelId {
  /** Candidate ids, most specific first, without duplicates. */
  candidates: string[];
  /** A provider named in the id (`openai/gpt-4o`, `anthropic.claude-...`). */
  providerHint?: string;
  /** Bedrock geography or `global`, from an inference-profile prefix. */
  bedrockScope?: "global" | "regional";
}

const BEDROCK_SCOPE = /^(global|us|eu|apac|jp|au|ca|us-gov)\./;
const BEDROCK_VENDOR =
  /^(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer|google|nvidia|moonshot|minimax)\./;
const BEDROCK_VERSION = /-v\d+(:\d+)?$|:\d+$/;
const DATE_SUFFIX = /-(20\d{2}-?\d{2}-?\d{2})$/;
const VERTEX_VERSION = /@[\w.-]+$/;
const LATEST_SUFFIX = /-latest$|:latest$/;

/**
 * Candidate catalog ids for a model id: the id itself, then with gateway prefixes, Bedrock profile
 * and vendor prefixes, version and date suffixes, Vertex `@version` and `-latest` removed, and
 * with dotted versions (`claude-sonnet-4.5`) dashed.
 *
 * @example parseModelId("us.anthropic.claude-sonnet-4-5-20250929-v1:0").candidates
 * // ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0", ..., "claude-sonnet-4-5"]
 */
export function parseModelId(model: string): ParsedModelId {
  const candidates: string[] = [];
  const add = (id: string) => {
    if (id !== "" && !candidates.includes(id)) candidates.push(id);
  };
  let id = model.trim().toLowerCase().replace(/\s+/g, "-");
  const result: ParsedModelId = { candidates };
  add(id);

  // Resource paths: `models/gemini-2.5-pro`, `projects/p/locations/l/publishers/google/models/x`.
  const modelsAt = id.lastIndexOf("models/");
  if (modelsAt >= 0) {
    const publisher = /publishers\/([\w-]+)\//.exec(id)?.[1];
    if (publisher !== undefined) result.providerHint = canonicalProvider(publisher);
    id = id.slice(modelsAt + "models/".length);
    add(id);
  }
  // Gateway prefixes: `openai/gpt-4o`, `openrouter/anthropic/claude-3.5-sonnet`.
  for (;;) {
    const slash = id.indexOf("/");
    if (slash <= 0) break;
    const prefix = id.slice(0, slash);
    const provider = providerAlias(prefix);
    if (provider === undefined && !KNOWN_VENDORS.has(prefix)) break;
    if (provider !== "openrouter") result.providerHint = provider ?? prefix;
    id = id.slice(slash + 1);
    add(id);
  }
  // Bedrock: `us.anthropic.claude-3-5-sonnet-20241022-v2:0`.
  const scope = BEDROCK_SCOPE.exec(id);
  if (scope !== null && BEDROCK_VENDOR.test(id.slice(scope[0].length))) {
    result.bedrockScope = scope[1] === "global" ? "global" : "regional";
    id = id.slice(scope[0].length);
    add(id);
  }
  const vendor = BEDROCK_VENDOR.exec(id);
  if (vendor !== null) {
    result.bedrockScope ??= "regional";
    result.providerHint ??= vendor[1] === "amazon" ? "bedrock" : canonicalProvider(vendor[1] ?? "");
    id = id.slice(vendor[0].length);
    add(id);
  }
  if (BEDROCK_VERSION.test(id)) {
    id = id.replace(BEDROCK_VERSION, "");
    add(id);
  }
  // Vertex: `claude-sonnet-4-5@20250929`.
  if (VERTEX_VERSION.test(id)) {
    id = id.replace(VERTEX_VERSION, "");
    add(id);
  }
  if (LATEST_SUFFIX.test(id)) {
    id = id.replace(LATEST_SUFFIX, "");
    add(id);
  }
  if (DATE_SUFFIX.test(id)) {
    id = id.replace(DATE_SUFFIX, "");
    add(id);
  }
  // `claude-sonnet-4.5` (OpenRouter) → `claude-sonnet-4-5`; Claude ids use dashes only.
  if (id.startsWith("claude") && /\d\.\d/.test(id)) {
    for (const candidate of [...candidates]) add(candidate.replace(/(\d)\.(\d)/g, "$1-$2"));
  }
  return result;
}

// Vendor prefixes OpenRouter and LiteLLM use that are not providers we price directly.
const KNOWN_VENDORS = new Set([
  "meta-llama",
  "qwen",
  "moonshotai",
  "nvidia",
  "microsoft",
  "z-ai",
  "nousresearch",
  "amazon",
  "ai21",
  "minimax",
]);
