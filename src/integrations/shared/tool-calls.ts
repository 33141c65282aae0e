import type { ToolCalls } from "../../usage/usage-event.ts";

/**
 * The tool counts a payload reported: only whole, positive numbers are kept (a provider's 0 means
 * the tool did not run), and undefined when nothing was, so events without tools stay unchanged.
 */
export function reportedToolCalls(
  counts: Partial<Record<keyof ToolCalls, unknown>>,
): ToolCalls | undefined {
  let result: ToolCalls | undefined;
  for (const key of Object.keys(counts) as (keyof ToolCalls)[]) {
    const value = counts[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) continue;
    result ??= {};
    result[key] = value;
  }
  return result;
}
