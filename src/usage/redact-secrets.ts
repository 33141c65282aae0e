/**
 * The one redaction step for free text llmeter keeps (error messages, attribute values): API keys,
 * tokens and credentials are replaced by `[REDACTED]` before the event exists, so the ledger,
 * exports, spans, logs, diagnostics and the dashboard only ever see the redacted text.
 *
 * Providers echo what they were sent: OpenAI's 401 says `Incorrect API key provided: sk-…`, a
 * proxy's error quotes the URL with its `user:password@` or `?key=`, an SDK's message repeats the
 * `Authorization` header. Patterns cover the key formats of the providers llmeter meters; the
 * caller's own configured key (which integrations know) is removed whatever its shape.
 */

/** What a secret is replaced with. */
export const REDACTED = "[REDACTED]";

/** Known secrets shorter than this are not searched for: a 3-character "key" would mangle words. */
const MIN_KNOWN_SECRET_LENGTH = 8;

/**
 * Provider key formats, each as its own prefix so that no generic pattern eats ordinary words.
 * `*` is allowed inside `sk-` keys because OpenAI masks the middle of the key it echoes.
 */
const KEY_PATTERNS = [
  // OpenAI (sk-, sk-proj-, sk-live-, sk-svcacct-, sk-admin-), Anthropic (sk-ant-), OpenRouter (sk-or-), DeepSeek.
  String.raw`\bsk-[A-Za-z0-9_*-]{12,}`,
  // Google API keys (Gemini, Vertex express mode) and OAuth access tokens.
  String.raw`\bAIza[0-9A-Za-z_-]{30,}`,
  String.raw`\bya29\.[0-9A-Za-z_-]{20,}`,
  // AWS access key ids (long-term AKIA, temporary ASIA).
  String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
  // xAI, Groq, Hugging Face, Replicate, Perplexity, GitHub tokens.
  String.raw`\bxai-[A-Za-z0-9_-]{16,}`,
  String.raw`\bgsk_[A-Za-z0-9]{16,}`,
  String.raw`\bhf_[A-Za-z0-9]{16,}`,
  String.raw`\br8_[A-Za-z0-9]{16,}`,
  String.raw`\bpplx-[A-Za-z0-9]{16,}`,
  String.raw`\bgh[pousr]_[A-Za-z0-9]{20,}`,
  // llmeter's own gateway virtual keys (llm-<id>-<secret>, src/gateway/virtual-keys).
  String.raw`\bllm-vk_[a-z2-7]{12}-[A-Za-z0-9_-]{16,}`,
  // JSON Web Tokens (bearer tokens of OAuth and Azure AD).
  String.raw`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
];

/**
 * Secrets that are only recognisable by what precedes them. The first group is kept, the second
 * replaced: `Bearer <token>`, `api_key=<value>` (query strings, `key: value` in text and JSON),
 * the AWS secret access key, Azure's 32-hex (or 84-character) keys after a key-like word.
 */
const CONTEXT_PATTERNS = [
  String.raw`(\b(?:Bearer|Basic|Token)\s+)[A-Za-z0-9._~+/=-]{8,}`,
  String.raw`(\b(?:api[_-]?key|apikey|key|token|access[_-]?token|refresh[_-]?token|id[_-]?token|secret|client[_-]?secret|password|passwd|sig|signature|x-api-key|x-goog-api-key|ocp-apim-subscription-key|aws[_-]?secret[_-]?access[_-]?key|subscription[_-]?key)["']?\s*[=:]\s*["']?)(?!\[REDACTED\])[^\s&"',;)}\]]{4,}`,
  String.raw`(\b(?:key|api[ _-]?key|subscription[ _-]?key)\b[^0-9A-Za-z\n]{1,20})(?:[0-9a-fA-F]{32}|[A-Za-z0-9]{84})\b`,
  // Credentials in a URL: scheme://user:password@host keeps the scheme and host.
  String.raw`(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#@:]*:[^\s/?#@]*@`,
];

// Key formats are case-sensitive (`AKIA` is upper case, `sk-` lower); the words before a
// contextual secret are not (`Authorization: bearer`, `API_KEY=`).
const KEY_PATTERN = new RegExp(KEY_PATTERNS.join("|"), "g");
const CONTEXT_PATTERN = new RegExp(CONTEXT_PATTERNS.join("|"), "gi");

/** The shortest key format (`sk-` and 12 characters): shorter texts can only hold a `key=value`. */
const SHORTEST_KEY = 15;
/** What a `key=value`, `key: value` or `user:password@` needs. */
const SEPARATOR = /[=:@]/;

/**
 * Every pattern above needs one of these: one scan for them costs a fraction of running the
 * patterns.
 */
const CANDIDATE_PATTERN =
  /[=:]|sk-|AIza|ya29|AKIA|ASIA|xai-|gsk_|hf_|r8_|pplx-|gh[pousr]_|eyJ|bearer|basic|token|key/i;

/**
 * Keeps the group before a contextual secret (`Bearer `, `api_key=`, `https://`) and replaces the
 * rest. The groups are numbered in the order of `CONTEXT_PATTERNS`.
 */
function replaceMatch(_match: string, ...groups: unknown[]): string {
  for (let index = 0; index < CONTEXT_PATTERNS.length; index++) {
    const kept = groups[index];
    if (typeof kept === "string") {
      // A URL keeps its scheme and says where the credentials were.
      return index === CONTEXT_PATTERNS.length - 1 ? `${kept}${REDACTED}@` : `${kept}${REDACTED}`;
    }
  }
  return REDACTED;
}

/**
 * `text` with every secret replaced by `[REDACTED]`: the `knownSecrets` (the client's configured
 * API key), then the provider key formats, `Bearer` tokens, `key=`-like values and URL credentials.
 *
 * @example
 * redactSecrets("Incorrect API key provided: sk-live-abc123def456ghi789") // "Incorrect API key provided: [REDACTED]"
 */
export function redactSecrets(text: string, knownSecrets?: readonly string[]): string {
  let result = text;
  if (knownSecrets !== undefined) {
    for (const secret of knownSecrets) {
      if (secret.length >= MIN_KNOWN_SECRET_LENGTH && result.includes(secret))
        result = result.split(secret).join(REDACTED);
    }
  }
  // Most texts (an attribute like `chat`, a plain message) hold nothing to look for.
  if (result.length < SHORTEST_KEY && !SEPARATOR.test(result)) return result;
  if (!CANDIDATE_PATTERN.test(result)) return result;
  return result.replace(KEY_PATTERN, REDACTED).replace(CONTEXT_PATTERN, replaceMatch);
}
