/**
 * Deterministic token counting for the mock provider. Real tokenizers are not needed: the point
 * is that a test can compute the exact counts the server will report, and that the counts change
 * when the input changes. The rules (also in docs/mock-provider.md):
 * - a piece of text is `ceil(text.length / 4)` tokens (UTF-16 length, like OpenAI's 4-characters
 *   rule of thumb);
 * - every message (chat message, Responses input item, Anthropic message or system prompt, Gemini
 *   content or system instruction) adds `MESSAGE_OVERHEAD_TOKENS`;
 * - tool definitions count as the text of their JSON;
 * - an image part counts `IMAGE_TOKENS`.
 */

/** Tokens added per message for its role and framing. */
export const MESSAGE_OVERHEAD_TOKENS = 3;

/** Tokens counted for one image part, whatever its size. */
export const IMAGE_TOKENS = 85;

/** The token count of one piece of text: ceil(length / 4). */
export function countTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The token count of a JSON value's text (used for tool definitions and tool inputs). */
export function countJsonTokens(value: unknown): number {
  if (value === undefined || value === null) return 0;
  return countTextTokens(JSON.stringify(value));
}

/**
 * Counts the tokens of a message content in any of the providers' part shapes: a string, or an
 * array of parts holding `text` (OpenAI, Anthropic, Gemini), images, tool results or tool inputs.
 */
export function countContentTokens(content: unknown): number {
  if (typeof content === "string") return countTextTokens(content);
  if (!Array.isArray(content)) return 0;
  let total = 0;
  for (const part of content) total += countPartTokens(part);
  return total;
}

/** Counts one content part; unknown part shapes count 0 rather than failing the request. */
export function countPartTokens(part: unknown): number {
  if (typeof part === "string") return countTextTokens(part);
  if (part === null || typeof part !== "object") return 0;
  const record = part as Record<string, unknown>;
  if (typeof record.text === "string") return countTextTokens(record.text);
  const type = typeof record.type === "string" ? record.type : "";
  if (
    type === "image" ||
    type === "image_url" ||
    type === "input_image" ||
    "inlineData" in record ||
    "fileData" in record
  ) {
    return IMAGE_TOKENS;
  }
  // Anthropic tool_result (string or parts), OpenAI function_call_output.
  if ("content" in record) return countContentTokens(record.content);
  if (typeof record.output === "string") return countTextTokens(record.output);
  // Anthropic tool_use / Gemini functionCall / functionResponse: the JSON arguments.
  if ("input" in record) return countJsonTokens(record.input);
  if ("functionCall" in record) return countJsonTokens(record.functionCall);
  if ("functionResponse" in record) return countJsonTokens(record.functionResponse);
  return 0;
}

/** The number of prompt tokens served from cache for a given share: floor(tokens * share). */
export function cachedTokensFor(promptTokens: number, cachedShare: number): number {
  return Math.floor(promptTokens * cachedShare);
}
