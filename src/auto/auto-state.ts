/**
 * llmeter/auto's process state, on `globalThis` under a versioned key: a second copy of llmeter
 * (NODE_OPTIONS plus `--import`, `llmeter run` around a process that also loads it) must find the
 * first one's state and not install a second set of hooks.
 */
const AUTO_STATE_KEY = Symbol.for("llmeter.auto.v1");

export interface AutoState {
  /** Set once the hooks are installed: a second start does nothing. */
  started: boolean;
  /** Clients built while this is above 0 are left alone (`withoutAutoInstrumentation`). */
  skipDepth: number;
  /** SDK modules patched so far, by name, for diagnostics and tests. */
  patchedModules: string[];
}

export function autoState(): AutoState {
  const holder = globalThis as { [AUTO_STATE_KEY]?: AutoState };
  holder[AUTO_STATE_KEY] ??= { started: false, skipDepth: 0, patchedModules: [] };
  return holder[AUTO_STATE_KEY];
}
