/** Marks a wrapper we installed, so instrumenting the same client twice never records twice. */
const WRAPPED = Symbol.for("llmeter.wrapped");

type AnyFunction = (this: unknown, ...args: never[]) => unknown;

/**
 * Replaces `target[name]` with `wrap(original)` as an own property of `target`.
 *
 * In place rather than through a Proxy: the SDKs' own helpers (`chat.completions.stream()`,
 * `responses.parse()`, `messages.stream()`, Gemini chats) call `client.x.create` on the same
 * object, so they are measured too, and `instanceof` and private `#fields` keep working.
 * Returns false when there is nothing to patch (an older SDK without that method) or it is
 * already patched.
 */
export function patchMethod(
  target: object | undefined | null,
  name: string,
  wrap: (original: AnyFunction) => AnyFunction,
): boolean {
  if (target === undefined || target === null) return false;
  const holder = target as Record<string, unknown>;
  const original = holder[name];
  if (typeof original !== "function") return false;
  if ((original as { [WRAPPED]?: boolean })[WRAPPED] === true) return false;
  const wrapper = wrap(original as AnyFunction);
  const own = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(wrapper, WRAPPED, { value: true });
  Object.defineProperty(target, name, {
    value: wrapper,
    writable: true,
    configurable: true,
    enumerable: own?.enumerable ?? false,
  });
  return true;
}
