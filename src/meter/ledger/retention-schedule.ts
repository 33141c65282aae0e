import type { RetentionPolicy, UsageStore } from "../../store/usage-store.ts";
import type { Diagnostics } from "../diagnostics.ts";

/** How often a long-running meter enforces retention. */
const RETENTION_INTERVAL_MS = 60 * 60_000;

/** The retention policy from the settings (`retentionDays`, `maxLedgerMb`), or undefined for none. */
export function retentionFromSettings(settings: {
  retentionDays?: number;
  maxLedgerMb?: number;
}): RetentionPolicy | undefined {
  if (settings.retentionDays === undefined && settings.maxLedgerMb === undefined) return undefined;
  const policy: RetentionPolicy = {};
  if (settings.retentionDays !== undefined) policy.maxAgeMs = settings.retentionDays * 86_400_000;
  if (settings.maxLedgerMb !== undefined) policy.maxBytes = settings.maxLedgerMb * 1024 * 1024;
  return policy;
}

/**
 * Enforces `policy` soon after the ledger opens and then hourly, off the caller's path. The
 * store deletes in small batches, so writers are never locked out for long. Returns a stop function.
 */
export function scheduleRetention(
  store: UsageStore | Promise<UsageStore>,
  policy: RetentionPolicy,
  diagnostics: Diagnostics,
): () => void {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await (await store).enforceRetention(policy);
    } catch (error) {
      diagnostics.once(
        "retention-failed",
        "warn",
        "enforcing the ledger's retention failed",
        error,
      );
    } finally {
      running = false;
    }
  };
  const first = setTimeout(run, 1_000);
  const every = setInterval(run, RETENTION_INTERVAL_MS);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
