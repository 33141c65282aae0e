import { describe, expect, it } from "vitest";
import { KeyRateLimiter } from "./key-rate-limiter.ts";

describe("KeyRateLimiter", () => {
  it("admits N per sliding minute per key and says when the oldest admission leaves", () => {
    let now = 1_000_000;
    const limiter = new KeyRateLimiter(() => now);
    expect(limiter.admit("a", 2)).toEqual({ admitted: true });
    now += 20_000;
    expect(limiter.admit("a", 2)).toEqual({ admitted: true });
    expect(limiter.admit("b", 2)).toEqual({ admitted: true });
    now += 10_000;
    // The first admission is 30 s old: it leaves the window in 30 s.
    expect(limiter.admit("a", 2)).toEqual({ admitted: false, retryAfterSeconds: 30 });
    now += 30_000;
    expect(limiter.admit("a", 2)).toEqual({ admitted: true });
    expect(limiter.admit("a", 2)).toEqual({ admitted: false, retryAfterSeconds: 20 });
  });
});
