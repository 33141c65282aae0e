// LangChain run ids whose provider call an instrumented SDK client claimed (see
// ../shared/recording-scope.ts). Written by the scoped model wrapper when a call ends, read once
// by the callback handler at the run's end; bounded so that runs nobody reads never pile up.
const MAX_CLAIMED_RUNS = 2048;
const claimedRuns = new Set<string>();

/** Remembers that the provider call of LangChain run `runId` was recorded by an SDK client. */
export function markRunClaimedBySdk(runId: string): void {
  claimedRuns.add(runId);
  if (claimedRuns.size > MAX_CLAIMED_RUNS) {
    const oldest = claimedRuns.values().next();
    if (oldest.done !== true) claimedRuns.delete(oldest.value);
  }
}

/** True (once) when the provider call of `runId` was recorded by an SDK client. */
export function wasRunClaimedBySdk(runId: string): boolean {
  return claimedRuns.delete(runId);
}
