import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { collect, type GatewayRig, startGatewayRig } from "./gateway-harness.ts";

const messages = [{ role: "user" as const, content: "Hello." }];
let rig: GatewayRig;

afterEach(async () => {
  await rig.close();
});

describe("provider errors through the gateway", () => {
  it("a provider's 500 and 404 reach the openai SDK unchanged and are recorded as failed", async () => {
    rig = await startGatewayRig();
    const client = new OpenAI({
      baseURL: `${rig.gateway.url}/openai/v1`,
      apiKey: "sk-test",
      maxRetries: 0,
    });
    await expect(
      client.chat.completions.create(
        { model: "gpt-4o-mini", messages },
        { headers: { "x-mock-fail": "500" } },
      ),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(
      client.embeddings.create(
        { model: "text-embedding-3-small", input: "x" },
        { headers: { "x-mock-fail": "404" } },
      ),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const events = await rig.ledgerEvents();
    expect(events.map((event) => [event.success, event.httpStatus, event.errorType])).toEqual([
      [false, 500, "InternalServerError"],
      [false, 404, "NotFoundError"],
    ]);
    expect(events[1]?.kind).toBe("embedding");
  });

  it("a stream the provider cuts: the client sees the cut, the call is recorded as failed", async () => {
    rig = await startGatewayRig({ chunks: 6 });
    const client = new OpenAI({
      baseURL: `${rig.gateway.url}/openai/v1`,
      apiKey: "sk-test",
      maxRetries: 0,
    });
    const stream = await client.chat.completions.create(
      { model: "gpt-4o-mini", messages, stream: true },
      { headers: { "x-mock-fail": "broken-stream" } },
    );
    await expect(collect(stream)).rejects.toThrow();
    let events = await rig.ledgerEvents();
    while (events.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      events = await rig.ledgerEvents();
    }
    expect(events[0]).toMatchObject({ success: false, streaming: true });
  });

  it("Gemini's streamGenerateContent without alt=sse (one JSON array) is read as the stream it is", async () => {
    rig = await startGatewayRig({ chunks: 3 });
    const response = await fetch(
      `${rig.gateway.url}/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent`,
      {
        method: "POST",
        headers: { "content-type": "application/json", "x-goog-api-key": "test" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hello." }] }] }),
      },
    );
    const chunks = (await response.json()) as Array<{
      usageMetadata?: { promptTokenCount?: number; totalTokenCount?: number };
    }>;
    expect(chunks.length).toBeGreaterThan(1);
    const [event] = await rig.ledgerEvents();
    expect(event).toMatchObject({
      streaming: true,
      success: true,
      inputTokens: chunks.at(-1)?.usageMetadata?.promptTokenCount,
      totalTokens: chunks.at(-1)?.usageMetadata?.totalTokenCount,
    });
  });
});
