import type { BudgetExceededError } from "../budgets/budget-exceeded-error.ts";
import type { WireFormat } from "./gateway-providers.ts";

/** Why the gateway answers a request itself. */
export type GatewayFailure =
  | "budget_exceeded"
  | "unauthorized"
  | "forbidden"
  | "rate_limited"
  | "upstream_unavailable"
  | "upstream_timeout"
  | "request_too_large"
  | "not_found";

/**
 * The error body a provider's own SDK parses, so a refused or failed call raises the client's
 * usual error class (RateLimitError, APIConnectionError-like 502s, ...):
 * - OpenAI `{ error: { message, type, param, code } }` (https://platform.openai.com/docs/guides/error-codes;
 *   a spend cap is `insufficient_quota`);
 * - Anthropic `{ type: "error", error: { type, message } }` (https://docs.claude.com/en/api/errors);
 * - Gemini `{ error: { code, message, status } }` with the google.rpc status name
 *   (https://ai.google.dev/gemini-api/docs/troubleshooting).
 */
export function errorBody(
  wire: WireFormat,
  status: number,
  failure: GatewayFailure,
  message: string,
): unknown {
  switch (wire) {
    case "openai":
      return {
        error: { message, type: OPENAI_TYPES[failure], param: null, code: failure },
      };
    case "anthropic":
      return { type: "error", error: { type: ANTHROPIC_TYPES[failure], message } };
    case "gemini":
      return { error: { code: status, message, status: GOOGLE_STATUS[failure] } };
  }
}

const OPENAI_TYPES: Record<GatewayFailure, string> = {
  budget_exceeded: "insufficient_quota",
  unauthorized: "invalid_request_error",
  forbidden: "invalid_request_error",
  rate_limited: "requests",
  upstream_unavailable: "server_error",
  upstream_timeout: "server_error",
  request_too_large: "invalid_request_error",
  not_found: "invalid_request_error",
};

const ANTHROPIC_TYPES: Record<GatewayFailure, string> = {
  budget_exceeded: "rate_limit_error",
  unauthorized: "authentication_error",
  forbidden: "permission_error",
  rate_limited: "rate_limit_error",
  upstream_unavailable: "api_error",
  upstream_timeout: "api_error",
  request_too_large: "request_too_large",
  not_found: "not_found_error",
};

const GOOGLE_STATUS: Record<GatewayFailure, string> = {
  budget_exceeded: "RESOURCE_EXHAUSTED",
  unauthorized: "UNAUTHENTICATED",
  forbidden: "PERMISSION_DENIED",
  rate_limited: "RESOURCE_EXHAUSTED",
  upstream_unavailable: "UNAVAILABLE",
  upstream_timeout: "DEADLINE_EXCEEDED",
  request_too_large: "INVALID_ARGUMENT",
  not_found: "NOT_FOUND",
};

/**
 * What a budget refusal says: which budget, what is spent against which limit, and when the
 * window resets. The error's own message says the same in the meter's words.
 */
export function budgetRefusalMessage(error: BudgetExceededError): string {
  const amount = (value: number) =>
    error.limitKind === "usd" ? `$${value.toFixed(4)}` : `${value} ${error.limitKind}`;
  return `llmeter gateway: budget "${error.budgetId}" (${error.scope}, ${error.window}) is exhausted: spent ${amount(error.spent)} (+ ${amount(error.reserved)} in flight) of its ${amount(error.limit)} limit, and this call needs ~${amount(error.estimate)}. The request was not sent; the window resets at ${error.windowEndsAt}.`;
}
