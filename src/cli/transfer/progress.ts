import type { CliOutput } from "../cli-context.ts";
import { formatInteger } from "../format/numbers.ts";

/** Counts work done; shows it on stderr, only when stderr is a terminal. */
export interface Progress {
  tick(count: number): void;
  done(): void;
}

const REDRAW_EVERY_MS = 200;

/**
 * A one-line progress counter (`Exporting... 120,000 events`), redrawn at most five times a
 * second. Off the terminal it prints nothing, so pipes and CI logs stay clean.
 */
export function createProgress(output: CliOutput, label: string, now: () => number): Progress {
  if (output.isTTY !== true) return { tick() {}, done() {} };
  let total = 0;
  let lastDrawn = 0;
  let drawn = false;
  return {
    tick(count) {
      total += count;
      const time = now();
      if (time - lastDrawn < REDRAW_EVERY_MS) return;
      lastDrawn = time;
      drawn = true;
      output.write(`\r${label}... ${formatInteger(total)} events`);
    },
    done() {
      // Clears the counter line so the summary starts on a clean line.
      if (drawn) output.write("\r\u001b[2K");
    },
  };
}
