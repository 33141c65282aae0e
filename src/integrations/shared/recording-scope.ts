import { AsyncLocalStorage } from "node:async_hooks";
import { withAttribution } from "../../meter/attribution.ts";
import { type MeterInstrumentation, registerInstrumentation } from "../../meter/instrumentation.ts";
import type { AttributeValue } from "../../usage/usage-event.ts";

/**
 * The no-double-count rule, shared by every integration.
 *
 * One provider call gives exactly one event, and the innermost llmeter layer records it: a
 * provider SDK instrumentation (`instrumentOpenAI`, ...) sees the request id, the served model and
 * the exact cache counts, so when one records a call, framework integrations (the LangChain
 * handler and embeddings wrapper, the AI SDK middleware) stay silent for that call.
 *
 * How: a framework runs the provider call inside `runInRecordingScope`. Any llmeter call started
 * or recorded inside it, on any meter, claims the scope (a process-wide meter instrumentation
 * watches for it, so SDK instrumentations need no code for this), and afterwards the framework
 * sees `claimedCalls > 0` and records nothing. The scope also runs the call under
 * `withAttribution({ attributes })`, so the SDK's event carries the framework's link attributes
 * (`langchain.run_id`, ...): one event, linked to the framework run.
 *
 * A LangChain callback handler attached to a model that is not scoped only observes the run (its
 * callbacks do not run in the call's async context); for it, `claimProviderCall({ requestId })`
 * remembers the provider's response id (`chatcmpl-...`, `msg_...`), and the handler skips a run
 * whose response id was recorded that way.
 */
export interface RecordingScope {
  /** Which framework opened the scope: `langchain`, `ai-sdk`. */
  readonly framework: string;
  /** Link attributes events recorded inside the scope carry (`langchain.run_id`, ...). */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** How many llmeter calls were started or recorded inside this scope. */
  claimedCalls: number;
}

// Hosted on globalThis so that two copies of llmeter in one process (a dual install, src and
// dist) still share one scope storage and one id set.
const GLOBAL_KEY = Symbol.for("llmeter.recording-scope");

interface SharedState {
  storage: AsyncLocalStorage<RecordingScope>;
  recentRequestIds: Map<string, true>;
  watching: boolean;
}

/** Response ids kept for the LangChain handler's check; the oldest are forgotten first. */
const MAX_REMEMBERED_IDS = 2048;

function sharedState(): SharedState {
  const holder = globalThis as { [GLOBAL_KEY]?: SharedState };
  holder[GLOBAL_KEY] ??= {
    storage: new AsyncLocalStorage<RecordingScope>(),
    recentRequestIds: new Map(),
    watching: false,
  };
  return holder[GLOBAL_KEY];
}

// Claims the enclosing scope whenever any meter starts or records a call inside it. Registered
// the first time a scope is opened: applications that use no framework pay nothing.
function watchMeters(state: SharedState): void {
  if (state.watching) return;
  state.watching = true;
  const watcher: MeterInstrumentation = {
    name: "llmeter-recording-scope",
    captureContext() {
      const scope = state.storage.getStore();
      if (scope !== undefined) scope.claimedCalls += 1;
      return undefined;
    },
    finish() {},
  };
  registerInstrumentation(watcher);
}

/** Creates a scope for `runInRecordingScope`; keep it to read `claimedCalls` afterwards. */
export function createRecordingScope(
  framework: string,
  attributes: Record<string, AttributeValue> = {},
): RecordingScope {
  return { framework, attributes, claimedCalls: 0 };
}

/**
 * Runs `fn` (a framework's provider call) inside `scope`: llmeter calls made from it, including
 * the async work it starts, claim the scope and carry its attributes.
 */
export function runInRecordingScope<T>(scope: RecordingScope, fn: () => T): T {
  const state = sharedState();
  watchMeters(state);
  if (Object.keys(scope.attributes).length === 0) return state.storage.run(scope, fn);
  return state.storage.run(scope, () => withAttribution({ attributes: scope.attributes }, fn));
}

/** The innermost open scope here, if any. */
export function currentRecordingScope(): RecordingScope | undefined {
  return sharedState().storage.getStore();
}

/**
 * Explicit claim, for an instrumentation that records a call outside the scope it started in
 * (a stream read elsewhere: capture `currentRecordingScope()` when the request starts and pass
 * it as `scope`), and to remember the provider's response id (`requestId`) for LangChain
 * handlers on unscoped models. Returns the scope's link attributes, or undefined without a scope.
 *
 * @example
 * claimProviderCall({ requestId: completion.id });
 */
export function claimProviderCall(
  details: { requestId?: string; scope?: RecordingScope } = {},
): Readonly<Record<string, AttributeValue>> | undefined {
  const state = sharedState();
  if (details.requestId !== undefined) {
    const ids = state.recentRequestIds;
    ids.set(details.requestId, true);
    if (ids.size > MAX_REMEMBERED_IDS) {
      const oldest = ids.keys().next();
      if (oldest.done !== true) ids.delete(oldest.value);
    }
  }
  const scope = details.scope ?? state.storage.getStore();
  if (scope === undefined) return undefined;
  scope.claimedCalls += 1;
  return scope.attributes;
}

/** For framework observers: true when an llmeter SDK instrumentation claimed this response id. */
export function wasRecordedByProviderSdk(requestId: string | undefined): boolean {
  if (requestId === undefined) return false;
  return sharedState().recentRequestIds.has(requestId);
}
