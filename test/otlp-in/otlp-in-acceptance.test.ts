import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { metrics } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter as OTLPJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { OpenAIInstrumentation } from "@opentelemetry/instrumentation-openai";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { type MockProvider, startMockProvider } from "../../src/testing/index.ts";
import type { UsageEvent } from "../../src/usage/usage-event.ts";
import { ledgerAfter, markerExport, startServe } from "./otlp-serve.ts";
import { finishedSpans } from "./sdk-spans.ts";

/**
 * The acceptance test of OTLP in: the real OpenTelemetry JS SDK and `@opentelemetry/instrumentation-openai`
 * trace real `openai` calls against the mock provider, and the SDK's own OTLP exporters (protobuf
 * and JSON) send those spans to a real `llmeter serve`.
 */

const PROMPT = "the secret recipe is 42 cloves of garlic";
let directory: string;
let ledger: string;
let serve: Awaited<ReturnType<typeof startServe>>;
let mock: MockProvider;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "llmeter-otlp-in-"));
  ledger = join(directory, "usage.db");
  await createSqliteStore(ledger).close();
  mock = await startMockProvider();
  serve = await startServe(ledger, ["--max-otlp-bytes", "65536"]);
});

afterAll(async () => {
  expect(await serve?.stop()).toBe(0);
  await mock?.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Real openai calls traced by the OpenAI instrumentation; resolves with their finished spans. */
async function tracedOpenAICalls(): Promise<{
  spans: ReadableSpan[];
  usages: Array<{ model: string; input: number; output: number | undefined }>;
}> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      "service.name": "otlp-acceptance",
      "llmeter.tenant.id": "acme",
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const instrumentation = new OpenAIInstrumentation();
  instrumentation.setTracerProvider(provider);
  // Its metric instruments exist only once it has a meter provider (the API's no-op one here).
  instrumentation.setMeterProvider(metrics.getMeterProvider());
  // The instrumentation declares openai ">=4.19.0 <7" (0.22.0, the newest on npm); llmeter
  // supports openai 7, whose Chat/Embeddings/Responses classes have the same shape, so the
  // instrumentation's own patch is applied to it directly rather than through its version gate.
  const [definition] = instrumentation.getModuleDefinitions();
  definition!.patch!({ OpenAI }, "7");
  try {
    const client = new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "sk-test-not-a-key" });
    const usages = [];
    for (const content of [PROMPT, "and a second question, a little longer than the first"]) {
      const completion = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content }],
      });
      usages.push({
        model: "gpt-4o-mini",
        input: completion.usage!.prompt_tokens,
        output: completion.usage!.completion_tokens,
      });
    }
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: PROMPT }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) streamed = chunk.usage ?? streamed;
    usages.push({
      model: "gpt-4o-mini",
      input: streamed!.prompt_tokens,
      output: streamed!.completion_tokens,
    });
    // The Responses span carries the instructions as `gen_ai.system_instructions`: content.
    const response = await client.responses.create({
      model: "gpt-4o-mini",
      instructions: PROMPT,
      input: "what is the recipe?",
    });
    usages.push({
      model: "gpt-4o-mini",
      input: response.usage!.input_tokens,
      output: response.usage!.output_tokens,
    });
    const embedding = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: PROMPT,
    });
    usages.push({
      model: "text-embedding-3-small",
      input: embedding.usage.prompt_tokens,
      output: undefined,
    });
    await provider.forceFlush();
    const spans = memory.getFinishedSpans() as ReadableSpan[];
    // This instrumentation logs message content as log records; newer ones put it on the span
    // (`gen_ai.input.messages`, the conventions' opt-in attribute) or in span events. Give the
    // spans both, as such an instrumentation would: none of it may reach the ledger.
    for (const span of spans) {
      const content = JSON.stringify([
        { role: "user", parts: [{ type: "text", content: PROMPT }] },
      ]);
      (span.attributes as Record<string, string>)["gen_ai.input.messages"] = content;
      span.events.push({
        name: "gen_ai.user.message",
        attributes: { content },
        time: span.endTime,
      });
    }
    return { spans, usages };
  } finally {
    definition!.unpatch!({ OpenAI }, "7");
    await provider.shutdown();
  }
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<unknown> {
  return new Promise((resolve, reject) =>
    exporter.export(spans, (result) =>
      result.code === ExportResultCode.SUCCESS
        ? resolve(undefined)
        : reject(result.error ?? new Error("export failed")),
    ),
  );
}

async function sendMarker(): Promise<string> {
  const marker = markerExport();
  const response = await post(marker.body, "application/json");
  expect(response.status).toBe(200);
  return marker.eventId;
}

function post(
  body: string | Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${serve.url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": contentType, ...headers },
    body,
  });
}

const spanEvents = (events: UsageEvent[], spans: ReadableSpan[]) =>
  spans.map((span) => {
    const { traceId, spanId } = span.spanContext();
    return events.find((event) => event.id === `${traceId}-${spanId}`);
  });

describe.each([
  ["protobuf", (url: string) => new OTLPProtoTraceExporter({ url })],
  ["JSON", (url: string) => new OTLPJsonTraceExporter({ url })],
])("OTLP/HTTP %s from the OpenTelemetry SDK to llmeter serve", (_encoding, createExporter) => {
  it("records one priced event per openai call, and a replayed export adds nothing", async () => {
    const { spans, usages } = await tracedOpenAICalls();
    // Two chats, a streamed chat, a Responses call, an embedding.
    expect(spans).toHaveLength(5);
    const exporter = createExporter(`${serve.url}/v1/traces`);
    await exportWith(exporter, spans);

    const events = await ledgerAfter(ledger, await sendMarker());
    const recorded = spanEvents(events, spans);
    expect(recorded.map((event) => event?.model)).toEqual(usages.map((usage) => usage.model));
    recorded.forEach((event, index) => {
      const usage = usages[index]!;
      expect(event).toMatchObject({
        provider: "openai",
        success: true,
        inputTokens: usage.input,
        tenantId: "acme",
        attributes: { "service.name": "otlp-acceptance" },
        priceSource: "catalog",
      });
      expect(event!.outputTokens).toBe(usage.output);
      expect(event!.costUsd).toBeGreaterThan(0);
      expect(event!.latencyMs).toBeGreaterThanOrEqual(0);
    });
    expect(recorded[0]!.operation).toBe("chat");
    expect(recorded[4]).toMatchObject({ kind: "embedding", operation: "embeddings" });
    // The spans carried the prompt; the ledger does not.
    expect(JSON.stringify(spans.map((span) => span.attributes))).toContain("secret recipe");
    expect(JSON.stringify(events)).not.toContain("secret recipe");
    expect(JSON.stringify(events)).not.toContain("sk-test-not-a-key");

    // The same export again: same trace and span ids, same event ids, nothing new.
    await exportWith(exporter, spans);
    const after = await ledgerAfter(ledger, await sendMarker());
    expect(after.length).toBe(events.length + 1);
    expect(spanEvents(after, spans)).toEqual(recorded);
    await exporter.shutdown();
  });
});

describe("what the receiver refuses", () => {
  async function refusedWithNothingChanged(response: Promise<Response>, status: number) {
    const before = await ledgerAfter(ledger, await sendMarker());
    const answer = await response;
    expect(answer.status).toBe(status);
    const after = await ledgerAfter(ledger, await sendMarker());
    // Only the second marker is new.
    expect(after.length).toBe(before.length + 1);
    return answer;
  }

  it("malformed protobuf: 400 with a google.rpc.Status, nothing recorded", async () => {
    // A valid first span inside a resource_spans whose length runs past the end of the body.
    const good = await markerProtobuf();
    const truncated = good.slice(0, good.length - 3);
    const answer = await refusedWithNothingChanged(post(truncated, "application/x-protobuf"), 400);
    expect(answer.headers.get("content-type")).toBe("application/x-protobuf");
    const text = Buffer.from(await answer.arrayBuffer()).toString("latin1");
    expect(text).toMatch(/malformed OTLP protobuf export, nothing was recorded/);
  });

  it("malformed JSON and a wrong shape: 400 saying where", async () => {
    const notJson = await refusedWithNothingChanged(post("{not json", "application/json"), 400);
    expect(await notJson.json()).toMatchObject({ code: 3, message: /the body is not JSON/ });
    const shape = await refusedWithNothingChanged(
      post(
        JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "xyz" }] }] }] }),
        "application/json",
      ),
      400,
    );
    expect(((await shape.json()) as { message: string }).message).toMatch(
      /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: expected 32 hex digits/,
    );
  });

  it("an oversized export, plain or gzip-expanded: 413, nothing recorded", async () => {
    const marker = markerExport();
    const padded = marker.body.replace(
      '"scope":{"name":"marker"}',
      `"scope":{"name":"${"x".repeat(70_000)}"}`,
    );
    const plain = await refusedWithNothingChanged(post(padded, "application/json"), 413);
    expect(((await plain.json()) as { message: string }).message).toMatch(
      /larger than the receiver's limit of 65536 bytes/,
    );
    // Small on the wire, over the limit once decompressed.
    await refusedWithNothingChanged(
      post(gzipSync(padded), "application/json", { "content-encoding": "gzip" }),
      413,
    );
    const after = await ledgerAfter(ledger, await sendMarker());
    expect(after.some((event) => event.id === marker.eventId)).toBe(false);
  });

  it("answers partial_success with the rejected count for GenAI spans it cannot record", async () => {
    const marker = markerExport();
    const request = JSON.parse(marker.body);
    const spans = request.resourceSpans[0].scopeSpans[0].spans;
    spans.push({
      ...spans[0],
      spanId: "0123456789abcdef",
      attributes: [{ key: "gen_ai.provider.name", value: { stringValue: "openai" } }],
    });
    spans.push({ ...spans[0], spanId: "1123456789abcdef", attributes: [] });
    const answer = await post(gzipSync(JSON.stringify(request)), "application/json", {
      "content-encoding": "gzip",
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      partialSuccess: {
        rejectedSpans: "1",
        errorMessage: expect.stringMatching(/has no gen_ai\.request\.model/),
      },
    });
    const events = await ledgerAfter(ledger, marker.eventId);
    expect(events.filter((event) => event.id.endsWith("123456789abcdef"))).toEqual([]);
  });

  it("a body that is not OTLP/HTTP: 415", async () => {
    expect((await post("hello", "text/plain")).status).toBe(415);
  });
});

/** The marker export's span in the protobuf encoding, made by the SDK's own serializer. */
async function markerProtobuf(): Promise<Uint8Array> {
  const spans = await finishedSpans([
    {
      name: "chat gpt-4o-mini",
      attributes: {
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 10,
      },
    },
  ]);
  return ProtobufTraceSerializer.serializeRequest(spans)!;
}
