import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Environment } from "./environment.ts";
import { type LlmeterConfig, SETTING_NAMES, SETTINGS, type SettingName } from "./settings.ts";

/** Where a setting's value came from. Later sources win: default < file < env < option. */
export type ConfigSource = "default" | "file" | "env" | "option";

export interface ResolvedConfig {
  values: LlmeterConfig;
  sources: Record<SettingName, ConfigSource>;
  /** The project file that was read, if any. */
  filePath?: string;
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

/** The config file path in effect: `LLMETER_CONFIG`, else `.llmeter/config.json` under `cwd`. */
export function configFilePath(
  env: Environment = process.env,
  cwd: string = process.cwd(),
): string {
  return resolve(cwd, env.LLMETER_CONFIG ?? CONFIG_FILE);
}

/**
 * Resolves the configuration: options > environment (`LLMETER_*`) > project file > defaults.
 * Throws a `ConfigError` naming the source, the setting and the fix for any bad value.
 */
export function resolveConfig(
  options: Partial<Record<SettingName, unknown>> = {},
  context: { env?: Environment; cwd?: string } = {},
): ResolvedConfig {
  const env = context.env ?? process.env;
  const filePath = configFilePath(env, context.cwd);
  const fileValues = readConfigFile(filePath);

  const values = {} as Record<SettingName, unknown>;
  const sources = {} as Record<SettingName, ConfigSource>;
  for (const name of SETTING_NAMES) {
    const spec = SETTINGS[name];
    let value: unknown = spec.defaultValue;
    let source: ConfigSource = "default";
    const candidates: Array<[ConfigSource, unknown, string]> = [
      ["file", fileValues?.[name], `${filePath}: "${name}"`],
      ["env", env[spec.env], `environment variable ${spec.env}`],
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
    }
    values[name] = value;
    sources[name] = source;
  }
  return {
    values: values as LlmeterConfig,
    sources,
    ...(fileValues === undefined ? {} : { filePath }),
  };
}

/** Reads and checks the project file; undefined when there is none. */
export function readConfigFile(filePath: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(filePath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`Cannot read ${filePath}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
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
      throw new ConfigError(
        `${filePath}: unknown setting "${key}". Known settings: ${SETTING_NAMES.join(", ")}.`,
      );
    }
  }
  return parsed as Record<string, unknown>;
}
