import { closestName } from "../config/closest-name.ts";
import type { ConfigWarning } from "../config/environment-warnings.ts";
import type { SettingName } from "../config/settings.ts";
import type { MeterOptions } from "./create-meter.ts";

// Every option of `createMeter`, checked against `MeterOptions` by the compiler both ways: an
// option added to the type and not here (or the reverse) fails the build, so the list of names
// unknown options are compared with cannot drift from the type.
const METER_OPTIONS: { readonly [K in keyof Required<MeterOptions>]: true } = {
  enabled: true,
  maxHistory: true,
  maxBufferedEvents: true,
  timeZone: true,
  sinks: true,
  pricing: true,
  modelAliases: true,
  store: true,
  ledger: true,
  syncWrites: true,
  retention: true,
  sessionTtlMs: true,
  attributes: true,
  diagnostics: true,
  batchWindowMs: true,
  now: true,
  configContext: true,
  instrumentations: true,
  otel: true,
  budgets: true,
  alerts: true,
  redactAttributes: true,
};

/** The names `createMeter` accepts. */
export const METER_OPTION_NAMES: readonly string[] = Object.keys(METER_OPTIONS);

// Settings (`.llmeter/config.json`, `llmeter usage config`) whose option has another name or
// shape: someone who knows the setting writes its name. Exhaustive by type, like the table above.
const OPTION_FOR_SETTING: { readonly [K in Exclude<SettingName, keyof MeterOptions>]: string } = {
  db: 'the option is "ledger": createMeter({ ledger: "usage.db" }) (a path or a postgres:// URL)',
  retentionDays:
    'the option is "retention": createMeter({ retention: { maxAgeMs: 30 * 86_400_000 } })',
  maxLedgerMb: 'the option is "retention": createMeter({ retention: { maxBytes: 500 * 2 ** 20 } })',
  prices:
    'a price file is the "prices" setting (LLMETER_PRICES or .llmeter/config.json); the option "pricing" takes a price book',
  captureContent:
    'it is a setting, not an option: set LLMETER_CAPTURE_CONTENT or "captureContent" in .llmeter/config.json',
  attributionHeaders:
    "it is a setting of llmeter/auto (LLMETER_ATTRIBUTION_HEADERS); in code, use withAttribution() in your request handler",
  session:
    'the option is "attributes": createMeter({ attributes: { sessionId: "nightly-batch" } })',
  gateway:
    'it is a setting of llmeter gateway (LLMETER_GATEWAY); in code, pass the options to createGateway() from "llmeter/gateway"',
};

/**
 * One warning per option `createMeter` does not know (a typo such as `maxHistroy` or a setting's
 * name such as `db`), with the closest valid name. Options whose value is `undefined` are skipped:
 * they change nothing, typo or not.
 */
export function unknownOptionWarnings(options: object): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || Object.hasOwn(METER_OPTIONS, name)) continue;
    const settingHint = Object.hasOwn(OPTION_FOR_SETTING, name)
      ? OPTION_FOR_SETTING[name as keyof typeof OPTION_FOR_SETTING]
      : undefined;
    const suggestion = closestName(name, METER_OPTION_NAMES);
    const advice =
      settingHint ??
      (suggestion === undefined
        ? `createMeter takes: ${METER_OPTION_NAMES.join(", ")}`
        : `did you mean "${suggestion}"?`);
    warnings.push({
      key: `unknown-option:${name}`,
      message: `unknown createMeter option "${name}" is ignored; ${advice}`,
    });
  }
  return warnings;
}
