import { escapeControlCharacters } from "../../usage/control-characters.ts";
import type { CliContext, CliOutput } from "../cli-context.ts";
import { colorEnabled } from "./colors.ts";

/**
 * The stream a command writes to, with every control character in the text shown escaped (see
 * control-characters.ts): a tenant or model named `ESC]0;…BEL ESC[2J` prints as text, in tables,
 * warnings, errors and `--json` output alike. Only the CLI's own colour styles (when colour is on
 * for that stream) and the progress counter's redraw at the start of a write go through.
 */
export function terminalOutput(output: CliOutput, env: NodeJS.ProcessEnv): CliOutput {
  const keep = { styles: colorEnabled(output, env), leadingReturn: true };
  return {
    write: (text) => output.write(escapeControlCharacters(text, keep)),
    once: (event, listener) => output.once(event, listener),
    // Read through: a terminal's width changes when it is resized.
    get isTTY() {
      return output.isTTY;
    },
    get columns() {
      return output.columns;
    },
  };
}

/** `context` writing through `terminalOutput` on both streams: the one place CLI text reaches the terminal. */
export function terminalContext(context: CliContext): CliContext {
  return {
    ...context,
    stdout: terminalOutput(context.stdout, context.env),
    stderr: terminalOutput(context.stderr, context.env),
  };
}
