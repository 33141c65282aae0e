import type { ProviderCostDrift } from "../../store/provider-cost-drift.ts";
import type { UnpricedModel } from "../../store/unpriced-models.ts";
import type { Colors } from "./colors.ts";
import { formatInteger, formatUsd } from "./numbers.ts";
import { renderTable } from "./table.ts";

/**
 * The note under a report's table when calls have no cost: per model, whether the catalog prices
 * it now (`llmeter reprice`) or nobody does (`llmeter prices template`), with the command.
 */
export function unpricedAdviceText(
  models: readonly UnpricedModel[],
  unpricedRequests: number,
): string {
  const calls = (count: number) => `${formatInteger(count)} ${count === 1 ? "call" : "calls"}`;
  const lines = [
    `* ${calls(unpricedRequests)} ${unpricedRequests === 1 ? "has" : "have"} no cost; not included above:`,
  ];
  for (const entry of models) {
    const where = `${entry.model} (${entry.providers.join(", ") || "unknown provider"}, ${calls(entry.requests)})`;
    lines.push(
      entry.fix === "reprice"
        ? `  ${where}: priced by ${entry.priceEntryId} now, stored without a cost. Price ${entry.requests === 1 ? "it" : "them"}: ${entry.command}`
        : `  ${where}: nobody prices this model. Start a price file and fill in its null prices: ${entry.command}`,
    );
  }
  const listed = models.reduce((sum, entry) => sum + entry.requests, 0);
  if (listed < unpricedRequests)
    lines.push(
      `  and ${calls(unpricedRequests - listed)} of other models (filter with --model to see them)`,
    );
  return lines.join("\n");
}

/**
 * The models whose provider-reported cost drifts from the catalog's estimate by more than the
 * threshold, or undefined when none does.
 */
export function costDriftText(drift: ProviderCostDrift, colors: Colors): string | undefined {
  const flagged = drift.models.filter((model) => model.exceedsThreshold);
  if (flagged.length === 0) return undefined;
  const table = renderTable(
    [
      { title: "Model" },
      { title: "Calls", align: "right" },
      { title: "Billed", align: "right" },
      { title: "Catalog", align: "right" },
      { title: "Drift", align: "right" },
    ],
    flagged.map((model) => [
      `${model.provider}/${model.model}`,
      formatInteger(model.requests),
      formatUsd(model.providerCostUsd),
      formatUsd(model.estimatedCostUsd),
      model.driftPercent === null
        ? "catalog $0"
        : `${model.driftPercent > 0 ? "+" : ""}${model.driftPercent.toFixed(1)}%`,
    ]),
    colors,
    { compact: true },
  );
  return [
    colors.bold(`Provider-reported cost vs the catalog (drift over ${drift.thresholdPercent}%)`),
    table,
    "The cost is what the provider billed; check the catalog price with: llmeter prices show <model> --provider <provider>",
  ].join("\n");
}
