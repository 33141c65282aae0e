/** What a call is expected to use, known before it is sent (`track(info)`'s `estimate`). */
export interface CallEstimate {
  /** Prompt tokens; counted from the request's text by the integrations. */
  inputTokens?: number;
  /** The request's output limit (`max_tokens`, `maxOutputTokens`); else the budget default. */
  maxOutputTokens?: number;
  /** A cost you know better; wins over pricing the tokens. */
  costUsd?: number;
}

/** Characters per token for text without a tokenizer: OpenAI's rule of thumb for English. */
const CHARACTERS_PER_TOKEN = 4;
/** Per message overhead (role, separators), as OpenAI's cookbook counts it. */
const TOKENS_PER_MESSAGE = 4;
/** Keys whose values are not prompt text (ids, enums, numbers the API reads). */
const NOT_TEXT = new Set([
  "model",
  "role",
  "type",
  "id",
  "name",
  "tool_call_id",
  "mimeType",
  "media_type",
]);

/**
 * Estimates a request's prompt tokens from its text: characters / 4 plus a small overhead per
 * message. Used when no tokenizer is at hand; the reservation is settled with the real count.
 */
export function estimateRequestTokens(request: unknown): number {
  let characters = 0;
  let messages = 0;
  const stack: unknown[] = [request];
  let visited = 0;
  // Bounded walk: a pathological request must not stall the caller.
  while (stack.length > 0 && visited < 100_000) {
    visited += 1;
    const value = stack.pop();
    if (typeof value === "string") characters += value.length;
    else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (value !== null && typeof value === "object") {
      const record = value as Record<string, unknown>;
      if ("role" in record) messages += 1;
      for (const key of Object.keys(record)) {
        if (!NOT_TEXT.has(key)) stack.push(record[key]);
      }
    }
  }
  return Math.ceil(characters / CHARACTERS_PER_TOKEN) + messages * TOKENS_PER_MESSAGE;
}

/** The output limit a request sets, under any of the providers' names for it. */
export function requestOutputLimit(
  request: Record<string, unknown> | undefined,
): number | undefined {
  if (request === undefined) return undefined;
  const config = request.config as Record<string, unknown> | undefined;
  for (const value of [
    request.max_completion_tokens,
    request.max_tokens,
    request.max_output_tokens,
    request.maxOutputTokens,
    request.maxTokens,
    config?.maxOutputTokens,
  ]) {
    if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/**
 * The estimate for a provider request: its text's tokens and its output limit. Lazy, so a meter
 * without budgets never walks the request.
 *
 * @example
 * meter.start({ provider: "openai", model, estimate: () => estimateRequest(body, body.messages) });
 */
export function estimateRequest(
  request: Record<string, unknown>,
  prompt: unknown = request,
): CallEstimate {
  const estimate: CallEstimate = { inputTokens: estimateRequestTokens(prompt) };
  const limit = requestOutputLimit(request);
  if (limit !== undefined) estimate.maxOutputTokens = limit;
  return estimate;
}
