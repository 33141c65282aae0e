import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { closestName } from "./closest-name.ts";
import type { Environment } from "./environment.ts";
import { type ConfigWarning, environmentWarnings } from "./environment-warnings.ts";
import {
  type LlmeterConfig,
  SETTING_NAMES,
  SETTINGS,
  type SettingName,
  type SettingSpec,
} from "./settings.ts";
import { stripByteOrderMark } from "./strip-byte-order-mark.ts";

/** Where a setting's value came from. Later sources win: default < file < env < option. */
export type ConfigSource = "default" | "file" | "env" | "option";

export interface ResolvedConfig {
  values: LlmeterConfig;
  sources: Record<SettingName, ConfigSource>;
  /** Where each value came from, for messages: `environment variable LLMETER_DB`, `option "db"`. */
  origins: Record<SettingName, string>;
  /** The project file that was read, if any. */
  filePath?: string;
  /** Problems worth a warning (unknown `LLMETER_*` variables, conflicting variables), each once. */
  warnings: ConfigWarning[];
}

/** A configuration mistake a user made: says what, where and how to fix it. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  static isInstance(error: unknown): error is ConfigError {
    return error instanceof Error && error.name === "ConfigError";
  }
}

/** The project configuration file, relative to the working directory. */
export const CONFIG_FILE = join(".llmeter", "config.json");

/** The value of `LLMETER_CONFIG` that reads no configuration file at all. */
export const NO_CONFIG_FILE = "none";

/**
 * The config file path in effect: `LLMETER_CONFIG`, else `.llmeter/config.json` under `cwd`;
 * undefined for `LLMETER_CONFIG=none`.
 */
export function configFilePath(
  env: Environment = process.env,
  cwd: string = process.cwd(),
): string | undefined {
  const configured = env.LLMETER_CONFIG?.trim();
  if (configured === NO_CONFIG_FILE) return undefined;
  return resolve(cwd, configured || CONFIG_FILE);
}

/**
 * Resolves the configuration: options > environment (`LLMETER_*`) > project file > defaults.
 * A setting with an alias variable (`LLMETER_DATABASE_URL` for `db`) reads it when its own
 * variable is not set. Throws a `ConfigError` naming the source, the setting and the fix for any
 * bad value, and for an `LLMETER_CONFIG` that names a missing file.
 */
export function resolveConfig(
  options: Partial<Record<SettingName, unknown>> = {},
  context: { env?: Environment; cwd?: string } = {},
): ResolvedConfig {
  const env = context.env ?? process.env;
  const filePath = configFilePath(env, context.cwd);
  const explicitFile = (env.LLMETER_CONFIG?.trim() ?? "") !== "";
  const fileValues =
    filePath === undefined ? undefined : readConfigFile(filePath, { required: explicitFile });

  const values = {} as Record<SettingName, unknown>;
  const sources = {} as Record<SettingName, ConfigSource>;
  const origins = {} as Record<SettingName, string>;
  for (const name of SETTING_NAMES) {
    const spec: SettingSpec<unknown> = SETTINGS[name];
    let value: unknown = spec.defaultValue;
    let source: ConfigSource = "default";
    let origin = "the default";
    const variable = [spec.env, ...(spec.envAliases ?? [])].find(
      (candidate) => env[candidate] !== undefined,
    );
    const candidates: Array<[ConfigSource, unknown, string]> = [
      ["file", fileValues?.[name], `${filePath}: "${name}"`],
      [
        "env",
        variable === undefined ? undefined : env[variable],
        `environment variable ${variable}`,
      ],
      ["option", options[name], `option "${name}"`],
    ];
    for (const [candidateSource, raw, where] of candidates) {
      if (raw === undefined) continue;
      try {
        value = spec.parse(raw);
      } catch (error) {
        throw new ConfigError(
          `Invalid llmeter setting in ${where}: ${(error as Error).message}. ${spec.description}`,
        );
      }
      source = candidateSource;
      origin = where;
    }
    values[name] = value;
    sources[name] = source;
    origins[name] = origin;
  }
  return {
    values: values as LlmeterConfig,
    sources,
    origins,
    ...(fileValues === undefined ? {} : { filePath: filePath as string }),
    warnings: environmentWarnings(env),
  };
}

/**
 * Reads and checks the project file; undefined when there is none. With `required` (the path
 * came from `LLMETER_CONFIG`), a missing file is an error: the user asked for that file.
 */
export function readConfigFile(
  filePath: string,
  options: { required?: boolean } = {},
): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(filePath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      if (!options.required) return undefined;
      throw new ConfigError(
        `LLMETER_CONFIG names ${filePath}, which does not exist. Fix the path, create the file (a JSON object such as {"maxHistory": 5000}), or set LLMETER_CONFIG=${NO_CONFIG_FILE} to read no config file.`,
      );
    }
    throw new ConfigError(`Cannot read ${filePath}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripByteOrderMark(text));
  } catch (error) {
    throw new ConfigError(
      `${filePath} is not valid JSON (${(error as Error).message}). Fix the file or delete it.`,
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(`${filePath} must hold a JSON object such as {"maxHistory": 5000}.`);
  }
  for (const key of Object.keys(parsed)) {
    if (!(SETTING_NAMES as string[]).includes(key)) {
      const suggestion = closestName(key, SETTING_NAMES);
      throw new ConfigError(
        `${filePath}: unknown setting "${key}"${suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`}. Known settings: ${SETTING_NAMES.join(", ")}.`,
      );
    }
  }
  return parsed as Record<string, unknown>;
}
