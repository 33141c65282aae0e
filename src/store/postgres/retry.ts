/** How long and how often the store retries while the database is unreachable. */
export interface RetryPolicy {
  /** Give up (and throw the last error) once this much time has passed. Default 15,000 ms. */
  maxElapsedMs?: number;
  /** First wait. Doubles each try up to `maxDelayMs`. Default 100 ms. */
  initialDelayMs?: number;
  /** Longest wait between tries. Default 2,000 ms. */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY_POLICY: Required<RetryPolicy> = {
  maxElapsedMs: 15_000,
  initialDelayMs: 100,
  maxDelayMs: 2_000,
};

// Node socket errors that mean "the server is not there right now".
const TRANSIENT_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

// SQLSTATEs worth retrying (https://www.postgresql.org/docs/current/errcodes-appendix.html):
// class 08 connection exceptions, shutdowns and "starting up", too many connections,
// serialization failures and deadlocks.
const TRANSIENT_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "40001", "40P01"]);

// `pg` reports a dropped connection or a pool timeout with a plain Error and these messages.
const TRANSIENT_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Connection ended unexpectedly",
  "the database system is starting up",
  "the database system is shutting down",
];

/** Whether `error` means the database is briefly unavailable (retry) rather than a real fault. */
export function isTransientError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (TRANSIENT_SOCKET_CODES.has(code) || TRANSIENT_SQLSTATES.has(code)) return true;
    if (code.startsWith("08")) return true;
  }
  if (TRANSIENT_MESSAGES.some((text) => error.message.includes(text))) return true;
  // AggregateError from a connect to several addresses (localhost as ::1 and 127.0.0.1).
  if (error instanceof AggregateError) return error.errors.some(isTransientError);
  return false;
}

/**
 * Runs `attempt` until it succeeds, throws a non-transient error, or `policy.maxElapsedMs` has
 * passed. Waits grow exponentially with jitter so a fleet does not reconnect in lockstep.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  policy: Required<RetryPolicy>,
  onRetry: (error: unknown, attemptNumber: number, delayMs: number) => void,
  isClosed: () => boolean = () => false,
): Promise<T> {
  const startedAt = Date.now();
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransientError(error) || isClosed()) throw error;
      const exponential = Math.min(
        policy.maxDelayMs,
        policy.initialDelayMs * 2 ** Math.min(attemptNumber - 1, 20),
      );
      const delayMs = Math.round(exponential / 2 + Math.random() * (exponential / 2));
      if (Date.now() - startedAt + delayMs > policy.maxElapsedMs) throw error;
      onRetry(error, attemptNumber, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
