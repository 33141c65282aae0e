// `llmeter usage export --format focus`: the file read back against FOCUS 1.2's own column
// constraints (test/cli/fixtures/focus-1.2-columns.json, extracted from the spec's v1.2 tag), and
// its EffectiveCost summed against the ledger's total.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FOCUS_COLUMNS } from "../../src/cli/transfer/focus-export.ts";
import { createMeter } from "../../src/meter/create-meter.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import type { UsageStore } from "../../src/store/usage-store.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { runInProcess } from "./cli-harness.ts";

interface SpecColumn {
  id: string;
  featureLevel: string;
  allowsNulls: boolean;
  dataType: "String" | "Decimal" | "Date/Time" | "JSON";
  allowedValues: string[] | null;
}
const SPEC = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures", "focus-1.2-columns.json"), "utf8"),
) as { columns: SpecColumn[] };

/** RFC 4180: quoted fields, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      row.push(field);
      field = "";
    } else if (char === "\n") {
      row.push(field.replace(/\r$/, ""));
      rows.push(row);
      row = [];
      field = "";
    } else field += char;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

const DAY = "2026-11-20";
let store: UsageStore;
let cwd: string;
let events: UsageEvent[];

beforeAll(async () => {
  // Priced by the meter itself from the bundled catalog, as recorded calls are.
  events = [];
  const meter = createMeter({ ledger: false, sinks: [(event) => events.push(event)] });
  const at = (hour: number) => `${DAY}T${String(hour).padStart(2, "0")}:00:00.000Z`;
  meter.record({
    provider: "openai",
    model: "gpt-4o-mini",
    inputTokens: 12_000,
    cacheReadTokens: 2_000,
    outputTokens: 900,
    tenantId: "acme",
    userId: "u1",
    timestamp: at(9),
  });
  meter.record({
    provider: "openai",
    model: "gpt-4o-mini",
    inputTokens: 3_000,
    outputTokens: 100,
    tenantId: "acme",
    userId: "u1",
    timestamp: at(10),
  });
  meter.record({
    provider: "openai",
    model: "o4-mini",
    inputTokens: 1_000,
    outputTokens: 5_000,
    reasoningTokens: 4_000,
    tenantId: "globex",
    timestamp: at(11),
  });
  meter.record({
    provider: "bedrock",
    model: "anthropic.claude-3-5-sonnet-20240620-v1:0",
    inputTokens: 4_000,
    outputTokens: 300,
    region: "us-east-1",
    timestamp: at(12),
  });
  meter.record({
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    inputTokens: 2_000,
    outputTokens: 200,
    timestamp: `2026-11-21T08:00:00.000Z`,
  });
  meter.record({
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    inputTokens: 3_000,
    cacheWrite5mTokens: 1_000,
    outputTokens: 50,
    timestamp: "2026-11-21T09:00:00.000Z",
  });
  meter.record({
    provider: "acme-ai",
    model: "homegrown-1",
    inputTokens: 10,
    outputTokens: 10,
    timestamp: at(13),
  });
  await meter.shutdown();
  // A charge kind the exporter does not know by name (a tool fee): it must get its own rows.
  events.push({
    id: "0190a1b2-0000-7000-8000-0000000000aa",
    timestamp: at(14),
    kind: "llm",
    operation: "chat",
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    success: true,
    inputTokens: 1_000,
    outputTokens: 100,
    costUsd: 0.0245,
    // Cast: tool-fee units are not CostUnits yet; the exporter must not care.
    costBreakdown: { input: 0.003, output: 0.0015, webSearch: 0.02 } as UsageEvent["costBreakdown"],
    priceSource: "manual",
  });
  store = createMemoryStore();
  await store.append(events);
  cwd = mkdtempSync(join(tmpdir(), "llmeter-focus-"));
  writeFileSync(join(cwd, "ledger.db"), "");
});

async function exportFocus(): Promise<{
  header: string[];
  rows: Record<string, string>[];
  stderr: string;
}> {
  const result = await runInProcess(["usage", "export", "--db", "ledger.db", "--format", "focus"], {
    store,
    cwd,
  });
  expect(result.code, result.stderr).toBe(0);
  const [header = [], ...body] = parseCsv(result.stdout);
  const rows = body.map((cells) =>
    Object.fromEntries(header.map((name, index) => [name, cells[index] ?? ""])),
  );
  return { header, rows, stderr: result.stderr };
}

const nano = (text: string) => Math.round(Number(text) * 1e9);

describe("usage export --format focus", () => {
  it("has every Mandatory FOCUS 1.2 column, each value of its type and allowed values, non-nullables filled", async () => {
    const { header, rows } = await exportFocus();
    expect(rows.length).toBeGreaterThan(0);
    for (const column of SPEC.columns)
      if (column.featureLevel === "Mandatory") expect(header, column.id).toContain(column.id);
    // Of the others, only BillingAccountType is left out (see FOCUS_COLUMNS).
    expect(
      SPEC.columns.filter((column) => !header.includes(column.id)).map((column) => column.id),
    ).toEqual(["BillingAccountType"]);
    // Columns beyond the spec are FOCUS 1.3's provider columns or x_-prefixed, as FOCUS requires.
    const extra = header.filter((name) => !SPEC.columns.some((column) => column.id === name));
    expect(extra.filter((name) => !name.startsWith("x_"))).toEqual([
      "HostProviderName",
      "ServiceProviderName",
    ]);
    for (const row of rows) {
      for (const column of SPEC.columns.filter((spec) => header.includes(spec.id))) {
        const value = row[column.id] ?? "";
        const where = `${column.id} of ${row.SkuPriceId}`;
        if (value === "") {
          expect(column.allowsNulls, `${where} is empty`).toBe(true);
          continue;
        }
        if (column.dataType === "Decimal") expect(Number.isFinite(Number(value)), where).toBe(true);
        if (column.dataType === "Date/Time")
          expect(value, where).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        if (column.dataType === "JSON") {
          const parsed = JSON.parse(value) as Record<string, unknown>;
          if (column.id === "SkuPriceDetails")
            for (const key of Object.keys(parsed)) expect(key, where).toMatch(/^x_/);
        }
        if (column.allowedValues !== null) expect(column.allowedValues, where).toContain(value);
      }
      expect(row.BillingCurrency).toBe("USD");
      expect(row.ChargeCategory).toBe("Usage");
      expect(row.ServiceCategory).toBe("AI and Machine Learning");
      expect(Date.parse(row.ChargePeriodEnd ?? "") - Date.parse(row.ChargePeriodStart ?? "")).toBe(
        86_400_000,
      );
    }
  });

  it("sums EffectiveCost to the ledger's total, to the nano-dollar, and says what it left out", async () => {
    const { rows, stderr } = await exportFocus();
    const exported = rows.reduce((sum, row) => sum + nano(row.EffectiveCost ?? ""), 0);
    const priced = events.filter((event) => event.costUsd !== undefined);
    expect(priced.length).toBe(events.length - 1);
    const ledger = priced.reduce((sum, event) => sum + nano(String(event.costUsd)), 0);
    expect(exported).toBe(ledger);
    const report = await store.aggregate({ filter: {}, groupBy: [], timeZone: "UTC" });
    expect(exported).toBe(Math.round(report.totals.totalCostUsd * 1e9));
    expect(stderr).toMatch(/1 unpriced event was left out/);
    expect(rows.some((row) => row.SkuId?.includes("homegrown-1"))).toBe(false);
  });

  it("one row per day × provider × model × charge kind, with token quantities per million", async () => {
    const { rows } = await exportFocus();
    const mini = rows.filter((row) => row.SkuId === "openai/gpt-4o-mini");
    expect(mini.map((row) => row.x_ChargeKind).sort()).toEqual(["cacheRead", "input", "output"]);
    const input = mini.find((row) => row.x_ChargeKind === "input");
    // 12,000 + 3,000 prompt tokens, of which 2,000 were cache reads (priced apart).
    expect(input?.ConsumedQuantity).toBe("13000");
    expect(input?.ConsumedUnit).toBe("Tokens");
    expect(input?.PricingUnit).toBe("1000000 Tokens");
    expect(Number(input?.PricingQuantity)).toBeCloseTo(0.013, 12);
    expect(input?.x_EventCount).toBe("2");
    expect(input?.x_TenantId).toBe("acme");
    // ListUnitPrice × PricingQuantity gives the row's cost.
    expect(Number(input?.ListUnitPrice) * Number(input?.PricingQuantity)).toBeCloseTo(
      Number(input?.EffectiveCost),
      12,
    );
    const reasoning = rows.find(
      (row) => row.SkuId === "openai/o4-mini" && row.x_ChargeKind === "reasoning",
    );
    if (reasoning !== undefined) expect(reasoning.ConsumedQuantity).toBe("4000");
    const days = new Set(
      rows
        .filter((row) => row.SkuId === "anthropic/claude-sonnet-4-5")
        .map((row) => row.ChargePeriodStart),
    );
    expect([...days].sort()).toEqual(["2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"]);
    // A 5-minute cache write is priced apart, so it leaves the input row's tokens.
    const nextDay = rows.filter(
      (row) =>
        row.SkuId === "anthropic/claude-sonnet-4-5" &&
        row.ChargePeriodStart === "2026-11-21T00:00:00Z",
    );
    expect(nextDay.find((row) => row.x_ChargeKind === "cacheWrite")?.ConsumedQuantity).toBe("1000");
    expect(nextDay.find((row) => row.x_ChargeKind === "input")?.ConsumedQuantity).toBe("4000");
  });

  it("gives a charge kind it does not know by name (a tool fee) its own row", async () => {
    const { rows } = await exportFocus();
    const fee = rows.find((row) => row.x_ChargeKind === "webSearch");
    expect(fee?.EffectiveCost).toBe("0.020000000");
    expect(fee?.SkuPriceId).toBe("anthropic/claude-sonnet-4-5/webSearch");
    expect(JSON.parse(fee?.SkuPriceDetails ?? "{}")).toEqual({
      x_Provider: "anthropic",
      x_Model: "claude-sonnet-4-5",
      x_ChargeKind: "webSearch",
    });
  });

  it("names Anthropic as the service provider and AWS as the host for Bedrock rows", async () => {
    const { rows } = await exportFocus();
    const bedrock = rows.filter((row) => row.SkuId?.startsWith("bedrock/"));
    expect(bedrock.length).toBeGreaterThan(0);
    for (const row of bedrock) {
      expect(row.HostProviderName).toBe("AWS");
      expect(row.ServiceProviderName).toBe("Anthropic");
      expect(row.RegionId).toBe("us-east-1");
    }
    const direct = rows.find((row) => row.SkuId === "openai/gpt-4o-mini");
    expect([direct?.ServiceProviderName, direct?.HostProviderName]).toEqual(["OpenAI", "OpenAI"]);
  });

  it("--output writes the same rows to a file, atomically, and says how many", async () => {
    const result = await runInProcess(
      ["usage", "export", "--db", "ledger.db", "--format", "focus", "--output", "focus.csv"],
      { store, cwd },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("");
    const { rows } = await exportFocus();
    const written = parseCsv(readFileSync(join(cwd, "focus.csv"), "utf8"));
    expect(written.length - 1).toBe(rows.length);
    expect(result.stderr).toMatch(
      new RegExp(
        `Exported ${rows.length} FOCUS rows from ${events.length} events to .*focus\\.csv`,
      ),
    );
  });

  it("lists its columns once, in the order written", () => {
    expect(new Set(FOCUS_COLUMNS).size).toBe(FOCUS_COLUMNS.length);
  });
});
