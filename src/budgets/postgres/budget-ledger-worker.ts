// The worker thread behind the synchronous PostgreSQL budget ledger: it owns the `pg` connections
// and runs the requests of the main thread one at a time, in the order they were sent. A request
// that waits for its answer gets it on the port, then the shared flag wakes the main thread.
import { type MessagePort, workerData } from "node:worker_threads";
import { BudgetExceededError } from "../budget-exceeded-error.ts";
import {
  openPostgresBudgetLedger,
  type PostgresBudgetLedger,
  type PostgresBudgetLedgerOptions,
} from "./postgres-budget-ledger.ts";

/** A request from the main thread: `wait` ones are answered on the port. */
export interface LedgerRequest {
  id: number;
  method: keyof PostgresBudgetLedger;
  args: unknown[];
  wait: boolean;
}

/** The answer: a value, a budget refusal (its fields) or another failure (its message). */
export interface LedgerReply {
  id: number;
  value?: unknown;
  budgetExceeded?: ConstructorParameters<typeof BudgetExceededError>[0];
  error?: string;
}

const { port, flag, options } = workerData as {
  port: MessagePort;
  flag: Int32Array;
  options: PostgresBudgetLedgerOptions;
};

const opened: Promise<PostgresBudgetLedger> = openPostgresBudgetLedger(options);
// Reported with the first request that needs the ledger, not as an unhandled rejection.
opened.catch(() => {});
let queue: Promise<void> = Promise.resolve();

port.on("message", (request: LedgerRequest) => {
  queue = queue.then(() => handle(request));
});

async function handle(request: LedgerRequest): Promise<void> {
  const reply: LedgerReply = { id: request.id };
  try {
    const ledger = await opened;
    const method = ledger[request.method] as (...args: unknown[]) => Promise<unknown>;
    reply.value = await method.apply(ledger, request.args);
  } catch (error) {
    if (BudgetExceededError.isInstance(error)) {
      const { budgetId, scope, scopeFields, window, windowKey, windowEndsAt } = error;
      const { limitKind, limit, spent, reserved, estimate } = error;
      reply.budgetExceeded = {
        budgetId,
        scope,
        scopeFields,
        window,
        windowKey,
        windowEndsAt,
        limitKind,
        limit,
        spent,
        reserved,
        estimate,
      };
    } else reply.error = error instanceof Error ? error.message : String(error);
  }
  if (request.wait) {
    port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  }
  if (request.method === "close") port.close();
}
