/**
 * How `track()` hands back a call it refused before running the callback (an enforced budget, a
 * failure while preparing the call). The caller of an `async` callback holds a promise and handles
 * failures with `.catch()` or `await`, so the refusal comes back as a rejected promise; a
 * synchronous callback's caller expects a plain value, so the refusal is thrown.
 *
 * Only a function declared `async` is known to return a promise before it runs. A plain function
 * that returns one (`(t) => client.create(...)`) cannot be told apart without calling it, and a
 * refused call must not run at all, so it is treated as synchronous: declare it `async`.
 */
export function refuseCall<T>(fn: (...args: never[]) => T, error: unknown): T {
  if (isAsyncFunction(fn)) return Promise.reject(error) as T;
  throw error;
}

/**
 * Whether `fn` was declared `async` (bound copies included). Reads the `Symbol.toStringTag` that
 * every async function inherits, which holds across realms, unlike `instanceof AsyncFunction`.
 */
export function isAsyncFunction(fn: unknown): boolean {
  return (
    typeof fn === "function" && Object.prototype.toString.call(fn) === "[object AsyncFunction]"
  );
}
