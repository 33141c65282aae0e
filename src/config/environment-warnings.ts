import { closestName } from "./closest-name.ts";
import { KNOWN_VARIABLES, SETTING_NAMES, SETTINGS, type SettingSpec } from "./settings.ts";

/** A configuration problem worth a warning, not an error; `key` reports it once. */
export interface ConfigWarning {
  key: string;
  message: string;
}

const PREFIX = "LLMETER_";

/**
 * Warnings about the environment alone: `LLMETER_*` variables llmeter does not read (a typo is
 * otherwise silently ignored), and settings whose variable and alias are both set and disagree.
 *
 * @example
 * environmentWarnings({ LLMETER_MAXHISTORY: "5" });
 * // [{ key: "unknown-variable:LLMETER_MAXHISTORY", message: "... did you mean LLMETER_MAX_HISTORY?" }]
 */
export function environmentWarnings(env: Record<string, string | undefined>): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const knownSuffixes = [...KNOWN_VARIABLES].map((name) => name.slice(PREFIX.length));
  for (const name of Object.keys(env)) {
    if (!name.startsWith(PREFIX) || KNOWN_VARIABLES.has(name) || env[name] === undefined) continue;
    // Compared without the prefix, which every candidate shares and would make any name "close".
    const suggestion = closestName(name.slice(PREFIX.length), knownSuffixes);
    warnings.push({
      key: `unknown-variable:${name}`,
      message: `unknown environment variable ${name} is ignored; ${
        suggestion === undefined
          ? "run `llmeter usage config` for the settings llmeter reads"
          : `did you mean ${PREFIX}${suggestion}?`
      }`,
    });
  }
  for (const name of SETTING_NAMES) {
    const spec: SettingSpec<unknown> = SETTINGS[name];
    const primary = nonEmpty(env[spec.env]);
    if (primary === undefined) continue;
    for (const alias of spec.envAliases ?? []) {
      const other = nonEmpty(env[alias]);
      if (other === undefined || other === primary) continue;
      // The values are not printed: a database URL may hold a password.
      warnings.push({
        key: `conflicting-variables:${spec.env}:${alias}`,
        message: `${spec.env} and ${alias} are both set and disagree; ${spec.env} wins and ${alias} is ignored. Unset one of them.`,
      });
    }
  }
  return warnings;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
