import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrumentOpenAI } from "../../src/integrations/openai/index.ts";
import { createCollectingMeter } from "./integration-helpers.ts";

// A server that answers 200 with a body that is not JSON: the mock provider never does this.
let server: Server;
let baseURL: string;

beforeEach(async () => {
  server = createServer((_request, response) => {
    response.setHeader("content-type", "application/json");
    response.end("{ not json");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("a response body the SDK cannot parse", () => {
  it("reaches the caller as the same error, and is recorded as a failure", async () => {
    const body = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "hi" }] };
    const bare = new OpenAI({ baseURL, apiKey: "test", maxRetries: 0 });
    const bareError = await bare.chat.completions.create(body).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    const collector = createCollectingMeter();
    const client = instrumentOpenAI(new OpenAI({ baseURL, apiKey: "test", maxRetries: 0 }), {
      meter: collector.meter,
    });
    const error = await client.chat.completions.create(body).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).constructor).toBe((bareError as Error).constructor);
    expect((error as Error).message).toBe((bareError as Error).message);
    const events = await collector.recorded();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      success: false,
      errorType: (error as Error).constructor.name,
    });
  });
});
