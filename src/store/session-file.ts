import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { isDeepStrictEqual } from "node:util";
import { stripByteOrderMark } from "../config/strip-byte-order-mark.ts";
import { normalizeUsageEvent } from "../usage/normalize-usage-event.ts";
import type { UsageEvent } from "../usage/usage-event.ts";
import type { SessionSummary, UsageStore } from "./usage-store.ts";

/** The JSON file a session is exported to. Events are stored whole, so import is lossless. */
export interface SessionFile {
  format: "llmeter-session";
  schemaVersion: 1;
  sessionId: string;
  exportedAt: string;
  /** The aggregates at export time, for people reading the file; import recomputes them. */
  summary: SessionSummary;
  events: UsageEvent[];
}

/** A session file that cannot be imported: says which file, where, and how to fix it. */
export class SessionFileError extends Error {
  override readonly name = "SessionFileError";
  static isInstance(error: unknown): error is SessionFileError {
    return error instanceof Error && error.name === "SessionFileError";
  }
}

/**
 * Writes every event of `sessionId` to `path` as JSON (mode 0600: it holds attribution data).
 * Written to a temporary file and renamed, so a crash never leaves half a file.
 *
 * @example await exportSession(store, "build-42", "build-42.session.json");
 */
export async function exportSession(
  store: UsageStore,
  sessionId: string,
  path: string,
): Promise<SessionFile> {
  const [summary] = await store.listSessions({ filter: { sessionId }, limit: 1 });
  if (summary === undefined) {
    throw new SessionFileError(
      `No session "${sessionId}" in the ledger. List sessions with \`llmeter usage list --sessions\`.`,
    );
  }
  const events: UsageEvent[] = [];
  for await (const event of store.events({ sessionId })) events.push(event);
  const file: SessionFile = {
    format: "llmeter-session",
    schemaVersion: 1,
    sessionId,
    exportedAt: new Date().toISOString(),
    summary,
    events,
  };
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return file;
}

/**
 * Reads a session file and appends its events. Every event is checked first; one bad event
 * rejects the whole file and nothing is written. Events already in the ledger are skipped.
 */
export async function importSession(
  store: UsageStore,
  path: string,
): Promise<{ sessionId: string; events: number; imported: number }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new SessionFileError(`Cannot read the session file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripByteOrderMark(text));
  } catch (error) {
    throw new SessionFileError(
      `${path} is not valid JSON (${(error as Error).message}). Export it again with exportSession or \`llmeter usage export --session\`.`,
    );
  }
  const file = parsed as Partial<SessionFile> | null;
  if (file === null || typeof file !== "object" || file.format !== "llmeter-session") {
    throw new SessionFileError(
      `${path} is not an llmeter session file (expected "format": "llmeter-session").`,
    );
  }
  if (file.schemaVersion !== 1) {
    throw new SessionFileError(
      `${path} has schemaVersion ${JSON.stringify(file.schemaVersion)}; this llmeter reads version 1. Upgrade llmeter.`,
    );
  }
  if (typeof file.sessionId !== "string" || !Array.isArray(file.events)) {
    throw new SessionFileError(`${path} needs a "sessionId" string and an "events" array.`);
  }
  const events: UsageEvent[] = [];
  file.events.forEach((raw, index) => {
    const { event, problems } = normalizeUsageEvent(raw);
    const id = (raw as { id?: unknown } | null)?.id;
    // Import is lossless or nothing: an event that validation would change is refused.
    if (typeof id !== "string" || !isDeepStrictEqual(event, raw)) {
      const reason =
        typeof id !== "string" ? "it has no id" : (problems[0] ?? "validation would change it");
      throw new SessionFileError(
        `${path}: events[${index}] is not a valid usage event (${reason}). Fix or remove that event; nothing was imported.`,
      );
    }
    events.push(event);
  });
  const imported = await store.append(events);
  return { sessionId: file.sessionId, events: events.length, imported };
}
