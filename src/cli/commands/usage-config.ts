import type { Command } from "commander";
import { configFilePath, NO_CONFIG_FILE, resolveConfig } from "../../config/resolve-config.ts";
import {
  SETTING_NAMES,
  SETTINGS,
  type SettingName,
  type SettingSpec,
} from "../../config/settings.ts";
import { type CliContext, writeOut } from "../cli-context.ts";
import { CliUsageError } from "../cli-errors.ts";
import { updateConfigFile } from "../config-file.ts";
import { redactSettingValue } from "../format/redact-setting.ts";
import { renderTable } from "../format/table.ts";
import { layoutFor, toJsonText } from "../format/text-layout.ts";

function settingName(key: string): SettingName {
  if ((SETTING_NAMES as string[]).includes(key)) return key as SettingName;
  throw new CliUsageError(`Unknown setting "${key}". Known settings: ${SETTING_NAMES.join(", ")}.`);
}

/** The file `set` and `unset` write; there is none to write with `LLMETER_CONFIG=none`. */
function writableConfigPath(context: CliContext): string {
  const path = configFilePath(context.env, context.cwd);
  if (path === undefined)
    throw new CliUsageError(
      `LLMETER_CONFIG=${NO_CONFIG_FILE} turns the config file off, so there is none to change. Unset LLMETER_CONFIG or point it at a file.`,
    );
  return path;
}

function displayValue(value: unknown): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `llmeter usage config [show|get|set|unset|path]`: the effective settings and their sources. */
export function registerUsageConfigCommand(usage: Command, context: CliContext): void {
  const config = usage
    .command("config")
    .description("show or change settings (.llmeter/config.json, LLMETER_* variables)");
  const paths = () => ({ env: context.env, cwd: context.cwd });

  config
    .command("show", { isDefault: true })
    .description("every setting, its value and where it came from (default, file, env, option)")
    .option("--db <location>", "as on other commands: shows up with source option")
    .option("--json", "print as JSON")
    .action(async (flags: { db?: string; json?: boolean }) => {
      const resolved = resolveConfig(flags.db === undefined ? {} : { db: flags.db }, paths());
      const filePath = configFilePath(context.env, context.cwd);
      if (flags.json === true) {
        const settings = Object.fromEntries(
          SETTING_NAMES.map((name) => [
            name,
            {
              value: redactSettingValue(name, resolved.values[name]) ?? null,
              source: resolved.sources[name],
              env: SETTINGS[name].env,
              description: SETTINGS[name].description,
            },
          ]),
        );
        await writeOut(context.stdout, toJsonText({ filePath: filePath ?? null, settings }));
        return;
      }
      const layout = layoutFor(context);
      const rows = SETTING_NAMES.map((name) => [
        name,
        displayValue(redactSettingValue(name, resolved.values[name])) ||
          layout.colors.dim("(not set)"),
        resolved.sources[name],
        SETTINGS[name].env,
      ]);
      const table = renderTable(
        [{ title: "Setting" }, { title: "Value" }, { title: "Source" }, { title: "Environment" }],
        rows,
        layout.colors,
        { compact: true },
      );
      const fileNote =
        filePath === undefined
          ? `none (LLMETER_CONFIG=${NO_CONFIG_FILE})`
          : resolved.filePath === undefined
            ? `${filePath} (not created yet)`
            : resolved.filePath;
      await writeOut(context.stdout, `Config file: ${fileNote}\n${table}\n`);
    });

  config
    .command("get")
    .description("print one setting's effective value")
    .argument("<key>", `one of ${SETTING_NAMES.join(", ")}`)
    .action(async (key: string) => {
      const name = settingName(key);
      const resolved = resolveConfig({}, paths());
      await writeOut(
        context.stdout,
        `${displayValue(redactSettingValue(name, resolved.values[name]))}\n`,
      );
    });

  config
    .command("set")
    .description("validate a value and save it in the config file")
    .argument("<key>", `one of ${SETTING_NAMES.join(", ")}`)
    .argument("<value>", "the new value")
    .addHelpText(
      "after",
      "\nExamples:\n  llmeter usage config set timeZone Europe/Paris\n  llmeter usage config set maxHistory 5000",
    )
    .action(async (key: string, value: string) => {
      const name = settingName(key);
      const spec: SettingSpec<unknown> = SETTINGS[name];
      let parsed: unknown;
      try {
        parsed = spec.parse(value);
      } catch (error) {
        throw new CliUsageError(
          `Invalid value for ${name}: ${(error as Error).message}. ${spec.description}`,
        );
      }
      const filePath = writableConfigPath(context);
      await updateConfigFile(filePath, name, parsed);
      const overriding = [spec.env, ...(spec.envAliases ?? [])].find(
        (variable) => context.env[variable] !== undefined,
      );
      await writeOut(
        context.stdout,
        `Set ${name} = ${displayValue(parsed)} in ${filePath}.\n${overriding === undefined ? "" : `Note: ${overriding} is set in the environment and takes precedence over the file.\n`}`,
      );
    });

  config
    .command("unset")
    .description("remove a setting from the config file (back to its default)")
    .argument("<key>", `one of ${SETTING_NAMES.join(", ")}`)
    .action(async (key: string) => {
      const name = settingName(key);
      const filePath = writableConfigPath(context);
      await updateConfigFile(filePath, name, undefined);
      await writeOut(context.stdout, `Removed ${name} from ${filePath}.\n`);
    });

  config
    .command("path")
    .description(
      'print the config file path (LLMETER_CONFIG, else .llmeter/config.json; "none" when off)',
    )
    .action(async () => {
      await writeOut(
        context.stdout,
        `${configFilePath(context.env, context.cwd) ?? NO_CONFIG_FILE}\n`,
      );
    });
}
