import { channel } from "node:diagnostics_channel";
import { autoState } from "./auto-state.ts";
import type { SdkPatch } from "./sdk-patches.ts";
import { wrapClientClass } from "./wrap-client-class.ts";

/**
 * Where llmeter/auto says that a patch missed: an SDK version that no longer exports a class it
 * expected. Subscribe with `diagnostics_channel.subscribe("llmeter:auto:patch-miss", ...)`.
 */
export const PATCH_MISS_CHANNEL = "llmeter:auto:patch-miss";
const patchMiss = channel(PATCH_MISS_CHANNEL);

type ClientClass = new (...args: never[]) => object;

/** The stand-ins for a module's client classes, by export name; reports each expected one missing. */
export function wrappedClasses(
  patch: SdkPatch,
  read: (name: string) => unknown,
): Map<string, ClientClass> {
  const wrapped = new Map<string, ClientClass>();
  const byOriginal = new Map<unknown, ClientClass>();
  for (const name of patch.classExports) {
    const original = read(name);
    if (typeof original !== "function") {
      if (patchMiss.hasSubscribers) patchMiss.publish({ module: patch.module, export: name });
      continue;
    }
    // `default` and `OpenAI` are one class: one stand-in, so `OpenAI === default` still holds.
    const existing = byOriginal.get(original);
    const standIn = existing ?? wrapClientClass(original as ClientClass, patch.instrument);
    byOriginal.set(original, standIn);
    wrapped.set(name, standIn);
  }
  if (wrapped.size > 0) autoState().patchedModules.push(patch.module);
  return wrapped;
}

/** An ES module namespace (import-in-the-middle's writable view of it): replaced export by export. */
export function patchNamespace(patch: SdkPatch, namespace: Record<string, unknown>): void {
  for (const [name, standIn] of wrappedClasses(patch, (key) => namespace[key]))
    namespace[name] = standIn;
}

/**
 * A CommonJS `module.exports`: the SDKs define their exports as getters without setters, so they
 * cannot be reassigned; the application gets a view of the exports that answers the stand-ins.
 */
export function patchCommonJsExports(patch: SdkPatch, exports: object): object {
  const wrapped = wrappedClasses(patch, (key) => (exports as Record<string, unknown>)[key]);
  if (wrapped.size === 0) return exports;
  const defaultStandIn = wrapped.get("default");
  const proxy: object = new Proxy(exports, {
    // `module.exports` of openai and @anthropic-ai/sdk is itself a function that constructs the
    // module's own default class (`const OpenAI = require("openai"); new OpenAI()`): it must
    // construct the stand-in instead.
    construct(target, args, newTarget) {
      if (defaultStandIn === undefined)
        return Reflect.construct(target as ClientClass, args, newTarget);
      return Reflect.construct(
        defaultStandIn,
        args,
        newTarget === proxy ? defaultStandIn : newTarget,
      );
    },
    apply(target, self, args) {
      if (defaultStandIn === undefined) return Reflect.apply(target as () => unknown, self, args);
      return Reflect.construct(defaultStandIn, args, defaultStandIn);
    },
    get(target, key, receiver) {
      if (typeof key === "string") {
        const standIn = wrapped.get(key);
        if (standIn !== undefined) return standIn;
      }
      return Reflect.get(target, key, receiver);
    },
  });
  return proxy;
}
