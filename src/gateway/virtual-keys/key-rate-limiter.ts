const MINUTE_MS = 60_000;

/**
 * Requests per minute per key, in this process: a sliding log of each key's last N admissions
 * (at most N numbers per key). A fleet of n gateways admits up to n × N per minute; the USD
 * limit, kept in the shared ledger, is the fleet-wide one (decision 0082).
 */
export class KeyRateLimiter {
  private readonly admitted = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /**
   * Admits one request of `keyId` under `perMinute`, or returns how many seconds until the
   * oldest admission in the window leaves it (the `Retry-After`).
   */
  admit(
    keyId: string,
    perMinute: number,
  ): { admitted: true } | { admitted: false; retryAfterSeconds: number } {
    const nowMs = this.now();
    let log = this.admitted.get(keyId);
    if (log === undefined) {
      log = [];
      this.admitted.set(keyId, log);
    }
    while (log.length > 0 && (log[0] as number) <= nowMs - MINUTE_MS) log.shift();
    if (log.length >= perMinute) {
      const oldest = log[0] as number;
      return {
        admitted: false,
        retryAfterSeconds: Math.max(1, Math.ceil((oldest + MINUTE_MS - nowMs) / 1000)),
      };
    }
    log.push(nowMs);
    return { admitted: true };
  }
}
