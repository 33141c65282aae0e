import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { instrumentAnthropic } from "../../src/integrations/anthropic/index.ts";
import { type CollectingMeter, createCollectingMeter } from "./integration-helpers.ts";

// The mock provider has no Message Batches endpoints yet: this small loopback server answers the
// two requests `messages.batches.results()` makes, in the shapes of
// https://docs.claude.com/en/api/retrieving-message-batch-results.
const batchId = "msgbatch_test01";
const results = [
  {
    custom_id: "first",
    result: {
      type: "succeeded",
      message: {
        id: "msg_batch_1",
        type: "message",
        role: "assistant",
        model: "claude-opus-4-1-20250805",
        content: [{ type: "text", text: "Hello" }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: {
          input_tokens: 20,
          cache_read_input_tokens: 100,
          cache_creation_input_tokens: 0,
          output_tokens: 7,
          service_tier: "batch",
        },
      },
    },
  },
  { custom_id: "second", result: { type: "errored", error: { type: "invalid_request_error" } } },
  {
    custom_id: "third",
    result: {
      type: "succeeded",
      message: {
        id: "msg_batch_3",
        type: "message",
        role: "assistant",
        model: "claude-opus-4-1-20250805",
        content: [{ type: "text", text: "Bye" }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 30, output_tokens: 3, service_tier: "batch" },
      },
    },
  },
];

let server: Server;
let baseUrl: string;
let collector: CollectingMeter;

beforeEach(async () => {
  server = createServer((request, response) => {
    if (request.url === `/v1/messages/batches/${batchId}`) {
      response.setHeader("content-type", "application/json");
      response.end(
        JSON.stringify({
          id: batchId,
          type: "message_batch",
          processing_status: "ended",
          results_url: `${baseUrl}/v1/messages/batches/${batchId}/results`,
          request_counts: { succeeded: 2, errored: 1, canceled: 0, expired: 0, processing: 0 },
        }),
      );
    } else if (request.url === `/v1/messages/batches/${batchId}/results`) {
      response.setHeader("content-type", "application/binary");
      response.end(results.map((line) => JSON.stringify(line)).join("\n"));
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  collector = createCollectingMeter();
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("instrumentAnthropic: message batches", () => {
  it("records each succeeded request once, at the batch tier, with an idempotent id", async () => {
    const client = instrumentAnthropic(
      new Anthropic({ baseURL: baseUrl, apiKey: "test", maxRetries: 0 }),
      { meter: collector.meter },
    );
    const read: unknown[] = [];
    for await (const line of await client.messages.batches.results(batchId)) read.push(line);
    expect(read).toEqual(results);

    const events = await collector.recorded();
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      id: `anthropic-batch:${batchId}:first`,
      provider: "anthropic",
      model: "claude-opus-4-1-20250805",
      requestId: "msg_batch_1",
      serviceTier: "batch",
      inputTokens: 120,
      cacheReadTokens: 100,
      outputTokens: 7,
      attributes: { "anthropic.batch_id": batchId },
      success: true,
    });
    expect(events[1]).toMatchObject({ id: `anthropic-batch:${batchId}:third`, inputTokens: 30 });
    // Batches are billed at 50% of standard prices (https://docs.claude.com/en/docs/about-claude/pricing);
    // Claude Opus 4.1 standard: $15 input, $75 output per million tokens.
    expect(events[1]?.costUsd).toBeCloseTo(((30 * 15 + 3 * 75) / 1e6) * 0.5, 12);
  });
});
