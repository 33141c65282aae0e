/**
 * The provider's HTTP error as the meter reads SDK errors (see meter/error-details.ts): the
 * class name the Stainless SDKs give that status, `status`, and the body's `error`.
 */
export function upstreamHttpError(status: number, body: unknown): Error {
  const inner = (body as { error?: unknown } | null)?.error;
  const message =
    typeof (inner as { message?: unknown } | undefined)?.message === "string"
      ? (inner as { message: string }).message
      : `the provider answered ${status}`;
  const error = new Error(`${status} ${message}`);
  error.name = HTTP_ERROR_NAMES[status] ?? (status >= 500 ? "InternalServerError" : "APIError");
  return Object.assign(error, { status, error: body ?? undefined });
}

/** The error classes of the openai and @anthropic-ai/sdk SDKs, by status. */
const HTTP_ERROR_NAMES: Record<number, string> = {
  400: "BadRequestError",
  401: "AuthenticationError",
  403: "PermissionDeniedError",
  404: "NotFoundError",
  409: "ConflictError",
  422: "UnprocessableEntityError",
  429: "RateLimitError",
};

/** Recorded as error type `AbortError`, like an SDK call whose caller aborted. */
export function abortError(): Error {
  const error = new Error("the client disconnected before the response was complete");
  error.name = "AbortError";
  return error;
}

/** undici's timeouts: the provider did not answer (or connect) in time. */
export function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT" ||
    code === "UND_ERR_CONNECT_TIMEOUT"
  );
}

/** A transport error's code (`ECONNREFUSED`, ...) for messages. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof cause === "string" ? cause : ((error as Error)?.name ?? "error");
}
