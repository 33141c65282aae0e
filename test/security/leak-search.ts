// What the leak tests share: console capture, and the text of everything on disk in a folder.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { vi } from "vitest";

/** Collects every console line (log, info, warn, error, debug) into the returned array. */
export function captureConsole(): string[] {
  const lines: string[] = [];
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(
        args
          .map((arg) =>
            arg instanceof Error
              ? `${arg.message} ${arg.stack}`
              : typeof arg === "string"
                ? arg
                : (JSON.stringify(arg) ?? String(arg)),
          )
          .join(" "),
      );
    });
  }
  return lines;
}

/** The file names in `folder` and their bytes as latin1 text (a SQLite file and its WAL are binary). */
export function folderFiles(folder: string): { names: string[]; text: string } {
  const names = readdirSync(folder);
  const text = names.map((name) => readFileSync(join(folder, name)).toString("latin1")).join("\n");
  return { names, text };
}

/** `where` entries for each of `needles` found in `text`. */
export function findIn(needles: readonly string[], where: string, text: string): string[] {
  return needles.filter((needle) => text.includes(needle)).map((needle) => `${needle} in ${where}`);
}
