import { autoState } from "./auto-state.ts";
import { sendsThroughGateway } from "./gateway-clients.ts";

type ClientClass = new (...args: never[]) => object;

/** Marks a class we wrapped, so a module seen twice (ESM and CJS copies share nothing else) is wrapped once. */
const WRAPPED_CLASS = Symbol.for("llmeter.auto.wrapped-class");

/**
 * A stand-in for an SDK client class that instruments each client it builds.
 *
 * A Proxy with a `construct` trap rather than a subclass: statics, `instanceof`, `name` and the
 * prototype stay the SDK's own, and `class Mine extends OpenAI` in the application goes through
 * the trap too (its `super()` constructs through the proxy), so subclasses are covered.
 */
export function wrapClientClass<C extends ClientClass>(
  original: C,
  instrument: (client: object) => void,
): C {
  if ((original as { [WRAPPED_CLASS]?: boolean })[WRAPPED_CLASS] === true) return original;
  return new Proxy(original, {
    construct(target, args, newTarget) {
      const client = Reflect.construct(target, args, newTarget) as object;
      // A client the gateway of `llmeter run` meters is not metered twice.
      if (autoState().skipDepth === 0 && !sendsThroughGateway(client)) instrument(client);
      return client;
    },
    get(target, key, receiver) {
      if (key === WRAPPED_CLASS) return true;
      return Reflect.get(target, key, receiver);
    },
  });
}
