import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import { BudgetExceededError } from "../budget-exceeded-error.ts";
import type { BudgetLedger, BudgetSpend, ReservationRequest } from "../budget-ledger.ts";
import type { ResolvedBudgetRule } from "../budget-rule.ts";
import type { LedgerReply, LedgerRequest } from "./budget-ledger-worker.ts";
import type {
  PostgresBudgetLedger,
  PostgresBudgetLedgerOptions,
} from "./postgres-budget-ledger.ts";

/** Options of the synchronous PostgreSQL budget ledger. */
export interface SyncPostgresBudgetLedgerOptions extends PostgresBudgetLedgerOptions {
  /** How long a waiting call (reserve, spend, ...) may block before it fails. Default 10,000 ms. */
  timeoutMs?: number;
}

// Compiled to dist/ the worker is a .js file beside this one; run from source, a .ts file.
const WORKER_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./budget-ledger-worker.ts" : "./budget-ledger-worker.js",
  import.meta.url,
);

/**
 * The PostgreSQL budget ledger behind the meter's synchronous `BudgetLedger` interface, so that
 * `track()`, `start()` and every wrapped SDK check a PostgreSQL budget exactly as they check a
 * SQLite one: before the call starts, on the caller's stack. `pg` runs in a worker thread; the
 * calling thread blocks (Atomics.wait) for the answer of `reserve`, `spend`, `listRules` and
 * `claimAlert`, one database round trip plus the wait for the budget's advisory lock. `settle`,
 * `release` and `cleanup` are sent without waiting (the worker runs requests in order).
 */
export function openSyncPostgresBudgetLedger(
  options: SyncPostgresBudgetLedgerOptions,
): BudgetLedger {
  return new SyncPostgresBudgetLedger(options);
}

class SyncPostgresBudgetLedger implements BudgetLedger {
  private readonly worker: Worker;
  private readonly port: MessageChannel["port1"];
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly timeoutMs: number;
  private nextId = 0;
  private closed = false;
  // After a failure (database down, answer too slow), calls fail at once for a while instead of
  // each blocking its caller for the timeout: the meter then lets calls through unchecked.
  private unavailableUntil = 0;
  private lastFailure = "";
  private workerFailure: string | undefined;

  constructor(options: SyncPostgresBudgetLedgerOptions) {
    const { timeoutMs, ...ledgerOptions } = options;
    this.timeoutMs = timeoutMs ?? 10_000;
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.worker = new Worker(WORKER_URL, {
      workerData: { port: channel.port2, flag: this.flag, options: ledgerOptions },
      transferList: [channel.port2],
    });
    // Budgets never keep the application's process alive.
    this.worker.unref();
    this.port.unref();
    // A worker that cannot run (no `pg` installed, a crash) fails every later call at once.
    this.worker.on("error", (error) => {
      this.workerFailure ??= error.message;
    });
    this.worker.on("exit", (code) => {
      this.workerFailure ??= `its worker thread exited (code ${code})`;
    });
  }

  listRules(): ResolvedBudgetRule[] {
    return this.call("listRules", [], true) as ResolvedBudgetRule[];
  }

  saveRule(rule: ResolvedBudgetRule, nowMs: number): void {
    this.call("saveRule", [rule, nowMs], true);
  }

  removeRule(id: string): boolean {
    return this.call("removeRule", [id], true) as boolean;
  }

  spend(rule: ResolvedBudgetRule, nowMs: number): BudgetSpend {
    return this.call("spend", [rule, nowMs], true) as BudgetSpend;
  }

  reserve(request: ReservationRequest): string {
    return this.call("reserve", [request], true) as string;
  }

  settle(reservationId: string, costUsd: number, tokens: number, nowMs: number): void {
    this.call("settle", [reservationId, costUsd, tokens, nowMs], false);
  }

  release(reservationId: string): void {
    this.call("release", [reservationId], false);
  }

  claimAlert(
    rule: ResolvedBudgetRule,
    windowKey: string,
    threshold: number,
    spentUsd: number,
    nowMs: number,
  ): boolean {
    return this.call("claimAlert", [rule, windowKey, threshold, spentUsd, nowMs], true) as boolean;
  }

  cleanup(nowMs: number): number {
    this.call("cleanup", [nowMs], false);
    return 0;
  }

  activeReservations(nowMs: number): number {
    return this.call("activeReservations", [nowMs], true) as number;
  }

  close(): void {
    if (this.closed) return;
    // Waits until the settlements and releases sent before are written: none is lost at exit.
    try {
      this.call("close", [], true);
    } finally {
      this.closed = true;
      void this.worker.terminate();
    }
  }

  private call(method: keyof PostgresBudgetLedger, args: unknown[], wait: boolean): unknown {
    if (this.closed) throw new Error("the PostgreSQL budget ledger is closed");
    if (this.workerFailure !== undefined)
      throw new Error(`the PostgreSQL budget ledger is unavailable: ${this.workerFailure}`);
    if (wait && method !== "close" && Date.now() < this.unavailableUntil)
      throw new Error(`the PostgreSQL budget ledger is unavailable (${this.lastFailure})`);
    this.nextId += 1;
    const request: LedgerRequest = { id: this.nextId, method, args, wait };
    if (!wait) {
      this.port.postMessage(request);
      return undefined;
    }
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(request);
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      // Reset before reading: an answer posted after the read sets the flag, so the wait returns.
      Atomics.store(this.flag, 0, 0);
      let message = receiveMessageOnPort(this.port);
      while (message !== undefined) {
        const reply = message.message as LedgerReply;
        // Answers to calls that timed out earlier are dropped.
        if (reply.id === request.id) {
          if (reply.error !== undefined) this.markUnavailable(reply.error);
          return unwrap(reply, method);
        }
        message = receiveMessageOnPort(this.port);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        this.markUnavailable(`no answer within ${this.timeoutMs} ms`);
        throw new Error(
          `the PostgreSQL budget ledger did not answer ${method} within ${this.timeoutMs} ms`,
        );
      }
      Atomics.wait(this.flag, 0, 0, remaining);
    }
  }

  private markUnavailable(reason: string): void {
    this.lastFailure = reason;
    this.unavailableUntil = Date.now() + UNAVAILABLE_BACKOFF_MS;
  }
}

const UNAVAILABLE_BACKOFF_MS = 5_000;

function unwrap(reply: LedgerReply, method: string): unknown {
  if (reply.budgetExceeded !== undefined) throw new BudgetExceededError(reply.budgetExceeded);
  if (reply.error !== undefined)
    throw new Error(`PostgreSQL budget ledger (${method}): ${reply.error}`);
  return reply.value;
}
