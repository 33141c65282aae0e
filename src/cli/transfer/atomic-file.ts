import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { finished } from "node:stream/promises";
import type { CliOutput } from "../cli-context.ts";

/**
 * Writes a file through a temporary sibling renamed into place at the end, so readers never see
 * a half-written file and a failed run leaves any previous file untouched.
 */
export async function writeFileAtomically(
  path: string,
  produce: (output: CliOutput) => Promise<void>,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const stream = createWriteStream(temporary, { encoding: "utf8" });
  // A write error (disk full) must fail the export rather than wait forever for "drain".
  const failed = finished(stream);
  failed.catch(() => {});
  try {
    await Promise.race([produce(stream), failed]);
    stream.end();
    await failed;
    await rename(temporary, path);
  } catch (error) {
    stream.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}
