import { describe, expect, it } from "vitest";
import { isTransientError, withRetries } from "./retry.ts";

const fast = { maxElapsedMs: 5_000, initialDelayMs: 1, maxDelayMs: 2 };

function errorWithCode(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe("isTransientError", () => {
  it("retries unreachable servers, restarts and dropped connections", () => {
    expect(isTransientError(errorWithCode("ECONNREFUSED"))).toBe(true);
    expect(
      isTransientError(
        errorWithCode("57P01", "terminating connection due to administrator command"),
      ),
    ).toBe(true);
    expect(isTransientError(errorWithCode("08006"))).toBe(true);
    expect(isTransientError(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isTransientError(new AggregateError([errorWithCode("ECONNREFUSED")]))).toBe(true);
  });

  it("does not retry mistakes that another try cannot fix", () => {
    expect(isTransientError(errorWithCode("28P01", "password authentication failed"))).toBe(false);
    expect(isTransientError(errorWithCode("42P01", "relation does not exist"))).toBe(false);
    expect(isTransientError(errorWithCode("22P02", "invalid input syntax"))).toBe(false);
    expect(isTransientError("ECONNREFUSED")).toBe(false);
  });
});

describe("withRetries", () => {
  it("retries transient failures until the attempt succeeds", async () => {
    let calls = 0;
    const retried: number[] = [];
    const result = await withRetries(
      async () => {
        calls += 1;
        if (calls < 4) throw errorWithCode("ECONNREFUSED");
        return "written";
      },
      fast,
      (_error, attempt) => retried.push(attempt),
    );
    expect(result).toBe("written");
    expect(retried).toEqual([1, 2, 3]);
  });

  it("throws a non-transient error at once", async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls += 1;
          throw errorWithCode("23502", "null value in column");
        },
        fast,
        () => {},
      ),
    ).rejects.toThrow("null value in column");
    expect(calls).toBe(1);
  });

  it("gives up with the last error once the window is spent", async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls += 1;
          throw errorWithCode("ECONNREFUSED", `refused ${calls}`);
        },
        { maxElapsedMs: 30, initialDelayMs: 5, maxDelayMs: 10 },
        () => {},
      ),
    ).rejects.toThrow(/refused \d+/);
    expect(calls).toBeGreaterThan(1);
  });

  it("stops retrying once the store is closed", async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls += 1;
          throw errorWithCode("ECONNREFUSED");
        },
        fast,
        () => {},
        () => calls >= 2,
      ),
    ).rejects.toThrow("ECONNREFUSED");
    expect(calls).toBe(2);
  });
});
