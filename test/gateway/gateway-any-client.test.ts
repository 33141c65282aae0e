import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { AzureOpenAI } from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { createMeter } from "../../src/meter/create-meter.ts";
import { createOtelInstrumentation } from "../../src/otel/otel-instrumentation.ts";
import { createOtelTestKit, installContextManager } from "../otel/otel-test-kit.ts";
import { comparableText, type GatewayRig, startGatewayRig } from "./gateway-harness.ts";

const run = promisify(execFile);
let rig: GatewayRig | undefined;

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const json = { "content-type": "application/json", authorization: "Bearer sk-test" };

/** POSTs the same request directly and through the gateway; returns both texts. */
async function both(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ direct: string; through: string; status: number }> {
  const init = (extra: Record<string, string>) => ({
    method: "POST",
    headers: { ...json, ...extra },
    body: JSON.stringify(body),
  });
  const direct = await fetch(`${rig?.direct.url}/v1${path}`, init({}));
  const through = await fetch(`${rig?.gateway.url}/openai/v1${path}`, init(headers));
  return { direct: await direct.text(), through: await through.text(), status: through.status };
}

describe("the gateway for any language (raw HTTP)", () => {
  it("embeddings and Responses (plain and streamed): identical bodies, one event each", async () => {
    rig = await startGatewayRig({ chunks: 3 });
    const embeddings = await both("/embeddings", {
      model: "text-embedding-3-small",
      input: ["one", "two"],
    });
    const responses = await both("/responses", { model: "gpt-4o-mini", input: "Hello" });
    const responsesStream = await both("/responses", {
      model: "gpt-4o-mini",
      input: "Hello",
      stream: true,
    });
    for (const pair of [embeddings, responses, responsesStream]) {
      expect(pair.status).toBe(200);
      expect(comparableText(pair.through)).toBe(comparableText(pair.direct));
    }
    const events = await rig.ledgerEvents();
    expect(events.map((event) => [event.kind, event.operation, event.streaming])).toEqual([
      ["embedding", "embeddings", false],
      ["llm", "chat", false],
      ["llm", "chat", true],
    ]);
    expect(events[0]?.inputTokens).toBe(JSON.parse(embeddings.through).usage.prompt_tokens);
    expect(events[1]?.outputTokens).toBe(JSON.parse(responses.through).usage.output_tokens);
    const completed = responsesStream.through
      .split("\n")
      .find((line) => line.includes('"type":"response.completed"'));
    expect(events[2]?.outputTokens).toBe(
      JSON.parse(completed?.slice("data: ".length) ?? "{}").response.usage.output_tokens,
    );
  });

  it("Azure deployments and an OpenAI-compatible provider by name, each under its own provider", async () => {
    rig = await startGatewayRig({ deployments: { "prod-chat": "gpt-4o-2024-08-06" } });
    const azure = new AzureOpenAI({
      baseURL: `${rig.gateway.url}/azure/openai`,
      apiKey: "azure-key",
      apiVersion: "2024-10-21",
      deployment: "prod-chat",
      maxRetries: 0,
    });
    const answer = await azure.chat.completions.create({
      model: "prod-chat",
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(rig.upstream.requests[0]?.path).toBe(
      "/openai/deployments/prod-chat/chat/completions?api-version=2024-10-21",
    );
    const groq = await fetch(`${rig.gateway.url}/groq/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({
        model: "llama-3.3-70b-versatile",
        messages: [{ role: "user", content: "Hi" }],
      }),
    });
    expect(groq.status).toBe(200);
    const events = await rig.ledgerEvents();
    expect(events.map((event) => [event.provider, event.model])).toEqual([
      ["azure", "prod-chat"],
      ["groq", "llama-3.3-70b-versatile"],
    ]);
    expect(events[0]?.responseModel).toBe(answer.model);
    expect(events[0]?.inputTokens).toBe(answer.usage?.prompt_tokens);
  });

  it("curl: attribution headers become the event's tenant, user, session and attributes, and are not forwarded", async () => {
    rig = await startGatewayRig();
    const { stdout } = await run("curl", [
      "-sS",
      `${rig.gateway.url}/openai/v1/chat/completions`,
      "-H",
      "content-type: application/json",
      "-H",
      "authorization: Bearer sk-test",
      "-H",
      "x-llmeter-tenant: acme",
      "-H",
      "x-llmeter-user: u-1",
      "-H",
      "x-llmeter-session: build-42",
      "-H",
      "x-llmeter-attr-feature: search",
      "-d",
      JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }),
    ]);
    const answer = JSON.parse(stdout);
    const [event] = await rig.ledgerEvents();
    expect(event).toMatchObject({
      tenantId: "acme",
      userId: "u-1",
      sessionId: "build-42",
      attributes: { feature: "search" },
      inputTokens: answer.usage.prompt_tokens,
      outputTokens: answer.usage.completion_tokens,
    });
    const forwarded = Object.keys(rig.upstream.requests[0]?.headers ?? {});
    expect(forwarded.filter((name) => name.startsWith("x-llmeter-"))).toEqual([]);
  });

  it("continues the client's traceparent in the call's span", async () => {
    const uninstall = installContextManager();
    const kit = createOtelTestKit();
    const cwd = mkdtempSync(join(tmpdir(), "llmeter-gateway-otel-"));
    const meter = createMeter({
      ledger: false,
      instrumentations: [createOtelInstrumentation({ tracerProvider: kit.tracerProvider })],
      configContext: { env: {}, cwd },
    });
    try {
      rig = await startGatewayRig({}, { meter, dashboard: false });
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const parentId = "00f067aa0ba902b7";
      const response = await fetch(`${rig.gateway.url}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { ...json, traceparent: `00-${traceId}-${parentId}-01` },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }),
      });
      expect(response.status).toBe(200);
      await meter.flush();
      const [span] = kit.spans.getFinishedSpans();
      expect(span?.name).toBe("chat gpt-4o-mini");
      expect(span?.spanContext().traceId).toBe(traceId);
      expect(span?.parentSpanContext?.spanId).toBe(parentId);
      // The provider got the request without the client's trace header rewritten.
      expect(rig.upstream.requests[0]?.headers.traceparent).toBe(`00-${traceId}-${parentId}-01`);
    } finally {
      await meter.shutdown();
      await kit.shutdown();
      uninstall();
    }
  });
});
