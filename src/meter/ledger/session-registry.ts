import { randomUUID } from "node:crypto";
import type { SessionSummary } from "../../store/usage-store.ts";
import { withAttribution } from "../attribution.ts";
import type { MeterSession, SessionOptions } from "../types.ts";

/** Default idle time after which a session is closed: 30 minutes. */
export const DEFAULT_SESSION_TTL_MS = 30 * 60_000;

interface SessionHost {
  /** The session's aggregates, from the ledger when there is one, else from live memory. */
  summarize(sessionId: string): Promise<SessionSummary>;
  now(): number;
}

/**
 * The meter's open sessions. A session closes after `ttlMs` without activity (a `run` or an event
 * carrying its id) or when `close()` is called; closed sessions are removed by a sweep, so
 * long-running servers do not accumulate them. Aggregates are never kept here: they come from the
 * ledger, so they survive restarts and match every other report.
 */
export class SessionRegistry {
  private readonly open = new Map<string, ActiveSession>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly host: SessionHost;
  private readonly defaultTtlMs: number;

  constructor(host: SessionHost, defaultTtlMs: number = DEFAULT_SESSION_TTL_MS) {
    this.host = host;
    this.defaultTtlMs = defaultTtlMs;
  }

  /** How many sessions are open (not yet expired or closed). */
  get size(): number {
    return this.open.size;
  }

  session(id: string | undefined, options: SessionOptions = {}): MeterSession {
    const sessionId = id ?? randomUUID();
    const existing = this.open.get(sessionId);
    if (existing !== undefined && !existing.isExpired(this.host.now())) {
      existing.touch(this.host.now());
      return existing;
    }
    const session = new ActiveSession(
      sessionId,
      options.ttlMs ?? this.defaultTtlMs,
      this.host,
      () => this.open.delete(sessionId),
    );
    this.open.set(sessionId, session);
    this.ensureSweep();
    return session;
  }

  /** Marks activity for an event that carries `sessionId`. Cheap when no session is open. */
  touch(sessionId: string | undefined): void {
    if (sessionId === undefined || this.open.size === 0) return;
    this.open.get(sessionId)?.touch(this.host.now());
  }

  /** Closes and removes every expired session. Returns how many were removed. */
  sweep(): number {
    const now = this.host.now();
    let removed = 0;
    for (const session of [...this.open.values()]) {
      if (session.isExpired(now)) {
        session.close();
        removed += 1;
      }
    }
    if (this.open.size === 0) this.stopSweep();
    return removed;
  }

  closeAll(): void {
    for (const session of [...this.open.values()]) session.close();
    this.stopSweep();
  }

  private ensureSweep(): void {
    if (this.sweepTimer !== undefined) return;
    const every = Math.max(1_000, Math.min(60_000, Math.floor(this.defaultTtlMs / 2)));
    this.sweepTimer = setInterval(() => this.sweep(), every);
    // Sweeping is housekeeping: it must not keep the process alive.
    this.sweepTimer.unref();
  }

  private stopSweep(): void {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}

class ActiveSession implements MeterSession {
  readonly id: string;
  readonly ttlMs: number;
  readonly startedAt: string;
  private lastActivityMs: number;
  private closedFlag = false;
  private readonly host: SessionHost;
  private readonly onClose: () => void;

  constructor(id: string, ttlMs: number, host: SessionHost, onClose: () => void) {
    this.id = id;
    this.ttlMs = ttlMs;
    this.host = host;
    this.onClose = onClose;
    this.lastActivityMs = host.now();
    this.startedAt = new Date(this.lastActivityMs).toISOString();
  }

  get lastActivityAt(): string {
    return new Date(this.lastActivityMs).toISOString();
  }

  get closed(): boolean {
    return this.closedFlag || this.isExpired(this.host.now());
  }

  isExpired(now: number): boolean {
    return now - this.lastActivityMs > this.ttlMs;
  }

  touch(now: number): void {
    if (!this.closedFlag) this.lastActivityMs = now;
  }

  run<T>(fn: () => T): T {
    // A call in a closed session is still recorded with its id: telemetry never refuses work.
    this.touch(this.host.now());
    return withAttribution({ sessionId: this.id }, fn);
  }

  stats(): Promise<SessionSummary> {
    return this.host.summarize(this.id);
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.onClose();
  }
}
