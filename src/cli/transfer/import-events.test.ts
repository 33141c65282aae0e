import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectImportFormat, type ImportRecord, readImportFile } from "./import-events.ts";

const BOM = "\uFEFF";
const EVENT = {
  id: "evt-1",
  timestamp: "2026-11-20T10:00:00.000Z",
  provider: "openai",
  model: "gpt-4o",
  inputTokens: 100,
  outputTokens: 20,
};

function file(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "llmeter-import-")), name);
  writeFileSync(path, content, "utf8");
  return path;
}

async function readAll(path: string, format: "json" | "jsonl"): Promise<ImportRecord[]> {
  const records: ImportRecord[] = [];
  for await (const record of readImportFile(path, format)) records.push(record);
  return records;
}

describe("import files with a UTF-8 byte order mark", () => {
  it("reads the first JSONL line as an event", async () => {
    const second = { ...EVENT, id: "evt-2" };
    const path = file(
      "events.jsonl",
      `${BOM}${JSON.stringify(EVENT)}\n${JSON.stringify(second)}\n`,
    );
    const records = await readAll(path, "jsonl");
    expect(records.map((record) => [record.where, record.event?.id, record.problems])).toEqual([
      ["line 1", "evt-1", []],
      ["line 2", "evt-2", []],
    ]);
  });

  it("reads a JSON document", async () => {
    const path = file("events.json", `${BOM}${JSON.stringify({ events: [EVENT] }, null, 2)}`);
    const records = await readAll(path, "json");
    expect(records.map((record) => record.event?.id)).toEqual(["evt-1"]);
  });

  it("detects the format of a file without an extension", async () => {
    expect(await detectImportFormat(file("events", `${BOM}${JSON.stringify(EVENT)}\n`))).toBe(
      "jsonl",
    );
    expect(await detectImportFormat(file("document", `${BOM}[${JSON.stringify(EVENT)}]`))).toBe(
      "json",
    );
  });
});
