import type { UsageFilter } from "../stats/usage-stats.ts";
import type { UsageStore } from "../store/usage-store.ts";
import { HealthAlertEvaluator, type HealthAlertStatus } from "./health-alert-evaluator.ts";
import type { ResolvedHealthAlertRule } from "./health-alert-rule.ts";

/**
 * Where `rule` stands at `nowMs` by the ledger's events: the calls of its scope in its window
 * (its baseline for a spike) replayed through the meter's own evaluator, then evaluated at
 * `nowMs`. So `llmeter alert check` and a meter with the same rule agree on the same calls.
 */
export async function checkLedgerAlert(
  store: UsageStore,
  rule: ResolvedHealthAlertRule,
  nowMs: number,
): Promise<HealthAlertStatus> {
  const spanMs = rule.metric === "spendSpike" ? rule.baselineMs : rule.windowMs;
  const filter: UsageFilter = { sinceMs: nowMs - spanMs, untilMs: nowMs + 1 };
  if (rule.scope?.provider !== undefined) filter.provider = rule.scope.provider;
  if (rule.scope?.model !== undefined) filter.model = rule.scope.model;
  if (rule.scope?.tenantId !== undefined) filter.tenantId = rule.scope.tenantId;
  // Transitions while replaying are history, not news: only the standing at `nowMs` is wanted.
  const evaluator = new HealthAlertEvaluator([rule], () => {});
  for await (const event of store.events(filter)) evaluator.observe(event);
  evaluator.advance(nowMs);
  return evaluator.status()[0] as HealthAlertStatus;
}
