/**
 * Prices the server-side tool uses of one call (`toolCalls`) from the tool-fee table. Money is
 * integer nano-dollars, like every other unit, so the total stays exactly the sum of its parts.
 */

import type { ToolCallKey, ToolCalls } from "../usage/usage-event.ts";
import { TOOL_FEES, type ToolFee } from "./catalog/tool-fees.ts";

/** The fee entry for one provider, model and tool: the first that matches. */
export function findToolFee(
  provider: string,
  model: string,
  tool: ToolCallKey,
  fees: readonly ToolFee[] = TOOL_FEES,
): ToolFee | undefined {
  return fees.find(
    (fee) =>
      fee.provider === provider &&
      fee.tool === tool &&
      (fee.models === undefined || fee.models.test(model)),
  );
}

export interface ToolCallsCost {
  /** Sum of the priced tool fees, in nano-dollars. */
  nano: number;
  /** How many of the used tools had a price (0 included). */
  priced: number;
  /** Tools the call used that have no verified price: left out of `nano`, to be warned about. */
  unpriced: ToolCallKey[];
}

/**
 * The fees of `toolCalls`; undefined when the call used no tool. `overrides` (a custom price
 * entry's `toolFees`, USD per use) win over the tool-fee table.
 */
export function priceToolCalls(
  toolCalls: ToolCalls | undefined,
  provider: string,
  model: string,
  overrides?: Partial<Record<ToolCallKey, number>>,
): ToolCallsCost | undefined {
  if (toolCalls === undefined) return undefined;
  let nano = 0;
  let used = false;
  let priced = 0;
  const unpriced: ToolCallKey[] = [];
  for (const tool of Object.keys(toolCalls) as ToolCallKey[]) {
    const uses = toolCalls[tool];
    if (uses === undefined || uses <= 0) continue;
    used = true;
    const usdPerUnit = overrides?.[tool] ?? findToolFee(provider, model, tool)?.usdPerUnit;
    if (usdPerUnit === undefined) unpriced.push(tool);
    else {
      nano += Math.round(uses * usdPerUnit * 1e9);
      priced += 1;
    }
  }
  return used ? { nano, priced, unpriced } : undefined;
}
