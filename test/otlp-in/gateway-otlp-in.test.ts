import { request } from "node:http";
import { dirname } from "node:path";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway } from "../../src/gateway/index.ts";
import { type GatewayRig, startGatewayRig } from "../gateway/gateway-harness.ts";
import { finishedSpans } from "./sdk-spans.ts";

const TOKEN = "otlp-test-token";
let rig: GatewayRig;

beforeAll(async () => {
  rig = await startGatewayRig({}, { token: TOKEN });
});
afterAll(async () => rig?.close());

async function genAiExport() {
  const spans = await finishedSpans(
    [
      {
        name: "chat claude-haiku-4-5",
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "anthropic",
          "gen_ai.request.model": "claude-haiku-4-5",
          "gen_ai.usage.input_tokens": 2000,
          "gen_ai.usage.cache_read.input_tokens": 1500,
          "gen_ai.usage.output_tokens": 100,
        },
      },
      { name: "GET /health", attributes: { "http.request.method": "GET" } },
    ],
    { "service.name": "billing", "llmeter.user.id": "u-42" },
  );
  return { spans, body: ProtobufTraceSerializer.serializeRequest(spans)! };
}

function post(body: Uint8Array, headers: Record<string, string> = {}) {
  return fetch(`${rig.gateway.url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", ...headers },
    body,
  });
}

describe("the gateway's OTLP receiver", () => {
  it("needs the gateway's token when it has one, and then records GenAI spans on its meter", async () => {
    const { spans, body } = await genAiExport();
    const refused = await post(body);
    expect(refused.status).toBe(401);
    expect(await rig.ledgerCount()).toBe(0);

    const accepted = await post(body, { authorization: `Bearer ${TOKEN}` });
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get("content-type")).toBe("application/x-protobuf");
    // A full success: an ExportTraceServiceResponse without partial_success, i.e. empty.
    expect((await accepted.arrayBuffer()).byteLength).toBe(0);
    const events = await rig.ledgerEvents();
    const { traceId, spanId } = spans[0]!.spanContext();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      id: `${traceId}-${spanId}`,
      provider: "anthropic",
      model: "claude-haiku-4-5",
      inputTokens: 2000,
      cacheReadTokens: 1500,
      outputTokens: 100,
      userId: "u-42",
      attributes: { "service.name": "billing" },
      priceSource: "catalog",
    });
    // Cache reads are billed below fresh input: the price saw the split.
    expect(events[0]!.costBreakdown?.cacheRead).toBeGreaterThan(0);

    await post(body, { authorization: `Bearer ${TOKEN}` });
    expect(await rig.ledgerCount()).toBe(1);
  });

  it("is refused beyond loopback without a token", async () => {
    const open = await createGateway({
      host: "0.0.0.0",
      port: 0,
      ledger: false,
      dashboard: false,
      configContext: { env: {}, cwd: dirname(rig.ledgerPath) },
    });
    try {
      const response = await fetch(`http://127.0.0.1:${open.port}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { message: string }).message).toMatch(
        /needs an access token/,
      );
    } finally {
      await open.close();
    }
  });
});

describe("the receiver open on loopback", () => {
  it("refuses a request naming another host (DNS rebinding), and takes one naming localhost", async () => {
    const open = await startGatewayRig();
    try {
      const send = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const call = request(
            `${open.gateway.url}/v1/traces`,
            { method: "POST", headers: { host, "content-type": "application/json" } },
            (response) => {
              response.resume();
              resolve(response.statusCode!);
            },
          );
          call.on("error", reject);
          call.end("{}");
        });
      expect(await send("attacker.example:4390")).toBe(421);
      expect(await send(`localhost:${open.gateway.port}`)).toBe(200);
    } finally {
      await open.close();
    }
  });
});
