import type { UsageEvent } from "../usage/usage-event.ts";

/** What an event keeps of a failure: the error's fields, before redaction and validation. */
export type ErrorDetails = Pick<
  UsageEvent,
  "errorType" | "errorMessage" | "providerErrorType" | "errorCode" | "httpStatus"
>;

/**
 * Reads a failure the way the provider SDKs shape it, without importing any of them:
 * - openai: `status`, `type`, `code`, and `error` holding the body's `error` object;
 * - @anthropic-ai/sdk: `status`, and `error` holding the whole body `{ type: "error", error: { type } }`;
 * - @google/genai: `status`, and the body `{ error: { code, message, status } }` as JSON in the message.
 *
 * The message is returned as it is: the event's normalization redacts it (see redact-secrets.ts).
 */
export function errorDetailsOf(error: unknown): ErrorDetails {
  const details: ErrorDetails = {
    errorType: errorTypeOf(error),
    errorMessage: error instanceof Error ? error.message : String(error),
  };
  if (error === null || typeof error !== "object") return details;
  const fields = error as Record<string, unknown>;
  const status = fields.status ?? fields.statusCode;
  if (typeof status === "number" && Number.isInteger(status) && status >= 100 && status <= 599)
    details.httpStatus = status;
  const body = providerErrorBody(fields.error) ?? providerErrorBody(jsonIn(details.errorMessage));
  const type = stringOf(fields.type) ?? stringOf(body?.type);
  // OpenAI names a `code`; Gemini's numeric `code` is the HTTP status and its `status` the code name.
  const code = stringOf(fields.code) ?? stringOf(body?.code) ?? stringOf(body?.status);
  if (type !== undefined) details.providerErrorType = type;
  if (code !== undefined) details.errorCode = code;
  return details;
}

/** The error's class or code name: `RateLimitError`, `APIConnectionTimeoutError`, `ECONNRESET`... */
export function errorTypeOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (error.constructor.name === "Error" && typeof code === "string") return code;
    return error.constructor.name === "Error" ? error.name : error.constructor.name;
  }
  return typeof error;
}

/** The object describing the error: the body's `error` member when there is one (Anthropic, Gemini), else the body. */
function providerErrorBody(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const inner = (value as { error?: unknown }).error;
  if (inner !== null && typeof inner === "object") return inner as Record<string, unknown>;
  return value as Record<string, unknown>;
}

/** The JSON object a message carries (`{...}` or `401 {...}`), if any; never throws. */
function jsonIn(message: string | undefined): unknown {
  if (message === undefined) return undefined;
  const start = message.indexOf("{");
  if (start < 0 || start > 8 || !message.endsWith("}")) return undefined;
  try {
    return JSON.parse(message.slice(start));
  } catch {
    return undefined;
  }
}

/** Codes are short words; anything else (a number, a long text) is not kept as one. */
function stringOf(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 && value.length <= 64 ? value : undefined;
}
