import { styleText } from "node:util";
import type { Environment } from "../../config/environment.ts";
import type { CliOutput } from "../cli-context.ts";

/** The few styles the CLI uses; each returns the text unchanged when colour is off. */
export interface Colors {
  enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  heading(text: string): string;
  good(text: string): string;
  warn(text: string): string;
  bad(text: string): string;
}

/**
 * Colour only on a terminal and never when `NO_COLOR` is set to anything non-empty
 * (https://no-color.org); `FORCE_COLOR` (non-zero) turns it on when piping to a pager.
 */
export function colorEnabled(output: CliOutput, env: Environment): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0")
    return true;
  if (env.TERM === "dumb") return false;
  return output.isTTY === true;
}

/** Colour functions for `enabled`; styleText's own stream check is off because we decided already. */
export function createColors(enabled: boolean): Colors {
  const style =
    (format: Parameters<typeof styleText>[0]) =>
    (text: string): string =>
      enabled ? styleText(format, text, { validateStream: false }) : text;
  return {
    enabled,
    bold: style("bold"),
    dim: style("dim"),
    heading: style(["bold", "cyan"]),
    good: style("green"),
    warn: style("yellow"),
    bad: style("red"),
  };
}
