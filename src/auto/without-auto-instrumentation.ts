import { autoState } from "./auto-state.ts";

/**
 * Builds clients that llmeter/auto leaves alone: every SDK client constructed synchronously inside
 * `build` is not instrumented (instrument it yourself, or not at all).
 *
 * @example
 * const untracked = withoutAutoInstrumentation(() => new OpenAI());
 */
export function withoutAutoInstrumentation<T>(build: () => T): T {
  const state = autoState();
  state.skipDepth += 1;
  try {
    return build();
  } finally {
    state.skipDepth -= 1;
  }
}
