import { AsyncLocalStorage } from "node:async_hooks";
import type { Attribution } from "../usage/usage-event.ts";

/** Attribution plus any free attributes given inline (`withAttribution({ tenantId, feature: "chat" }, fn)`). */
export type AttributionInput = Attribution & Record<string, unknown>;

const ATTRIBUTION_FIELDS = new Set([
  "tenantId",
  "userId",
  "sessionId",
  "conversationId",
  "organizationId",
]);

// On globalThis under a versioned key, like the global meter: a second copy of llmeter (one loaded
// by llmeter/auto beside the application's) must read the attribution the other one set.
const STORAGE_KEY = Symbol.for("llmeter.attribution-storage.v1");
const holder = globalThis as { [STORAGE_KEY]?: AsyncLocalStorage<Attribution> };
holder[STORAGE_KEY] ??= new AsyncLocalStorage<Attribution>();
const storage = holder[STORAGE_KEY];

/** The attribution active here, or undefined outside any `withAttribution`. */
export function currentAttribution(): Attribution | undefined {
  return storage.getStore();
}

/**
 * Makes `attribution` the one active for the rest of the current synchronous run and everything it
 * starts. For hooks that see the start of a unit of work but cannot wrap it in a function (an HTTP
 * request seen on a diagnostics channel); code that can should use `withAttribution`.
 */
export function enterAttribution(attribution: Attribution | undefined): void {
  storage.enterWith(attribution as Attribution);
}

/**
 * Runs `fn` with an attribution that every call recorded inside it, across `await` and callbacks,
 * carries. Nested calls merge: inner fields win, free attributes are merged key by key.
 *
 * @example
 * await withAttribution({ tenantId: "acme", userId: "u-1", feature: "search" }, () => handle(request));
 */
export function withAttribution<T>(attribution: AttributionInput, fn: () => T): T {
  return storage.run(mergeAttribution(storage.getStore(), toAttribution(attribution)), fn);
}

/** Splits well-known fields from free attributes. */
export function toAttribution(input: AttributionInput): Attribution {
  const result: Attribution = {};
  let attributes: Record<string, unknown> | undefined;
  for (const key of Object.keys(input)) {
    const value = input[key];
    if (value === undefined) continue;
    if (key === "attributes") {
      if (value !== null && typeof value === "object")
        attributes = { ...attributes, ...(value as Record<string, unknown>) };
    } else if (ATTRIBUTION_FIELDS.has(key)) {
      (result as Record<string, unknown>)[key] = value;
    } else {
      attributes ??= {};
      attributes[key] = value;
    }
  }
  // Values are checked when the event is validated, not here on the caller's path.
  if (attributes !== undefined) result.attributes = attributes as Attribution["attributes"];
  return result;
}

/** `inner` over `outer`; free attributes merged key by key. */
export function mergeAttribution(
  outer: Attribution | undefined,
  inner: Attribution | undefined,
): Attribution {
  if (outer === undefined) return inner ?? {};
  if (inner === undefined) return outer;
  const merged: Attribution = { ...outer, ...inner };
  if (outer.attributes !== undefined && inner.attributes !== undefined)
    merged.attributes = { ...outer.attributes, ...inner.attributes };
  return merged;
}
