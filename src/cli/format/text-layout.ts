import type { CliContext } from "../cli-context.ts";
import { colorEnabled, createColors } from "./colors.ts";
import { terminalWidth } from "./table.ts";
import type { TextLayout } from "./usage-report-text.ts";

/**
 * The layout for the context's stdout: colour only on a TTY without NO_COLOR, and its width.
 * Works with `{ stdout: process.stdout, env: process.env }` outside the CLI (the demo).
 */
export function layoutFor(context: Pick<CliContext, "stdout" | "env">): TextLayout {
  return {
    colors: createColors(colorEnabled(context.stdout, context.env)),
    width: terminalWidth(context.stdout.columns, context.env),
  };
}

/** Pretty JSON with a trailing newline, the form of every `--json` output. */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
