import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { readConfigFile } from "../config/resolve-config.ts";

/**
 * Sets (or with `undefined`, removes) one key of the project config file, keeping the others.
 * Writes a temporary file and renames it over the old one, so a crash never leaves half a file.
 */
export async function updateConfigFile(path: string, name: string, value: unknown): Promise<void> {
  // readConfigFile validates the current file: a broken one is reported, not overwritten.
  const current = readConfigFile(path) ?? {};
  const next: Record<string, unknown> = { ...current };
  if (value === undefined) delete next[name];
  else next[name] = value;
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`, "utf8");
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
