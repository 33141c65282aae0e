/**
 * How fast the mock provider serves the real SDKs over loopback, with no configured delays: the
 * per-call time a benchmark or test pays for using it as its provider, per wire format, plain and
 * streamed in 50 content chunks. Each scenario: a warm-up, then several runs of sequential calls;
 * the table shows the median run's time per call and, for streams, per chunk. A bare node:http
 * server answering a tiny JSON body is the baseline: the rest of a row is the mock's (and the
 * SDK's) own time.
 *
 * Run: node_modules/.bin/node bench/mock-provider.bench.ts [--calls 200] [--runs 5]
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { startMockProvider } from "../src/testing/index.ts";
import { median, printTable } from "./measure.ts";

const { values } = parseArgs({
  options: { calls: { type: "string", default: "200" }, runs: { type: "string", default: "5" } },
});
const CALLS = Number(values.calls);
const RUNS = Number(values.runs);
const CHUNKS = 50;

const mock = await startMockProvider({ chunks: CHUNKS, replyWords: CHUNKS });
const openai = new OpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "test", maxRetries: 0 });
const anthropic = new Anthropic({ baseURL: mock.anthropicBaseUrl, apiKey: "test", maxRetries: 0 });
const gemini = new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: mock.geminiBaseUrl } });
// The baseline: the least an HTTP round trip over loopback costs on this machine.
const bare = createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end('{"ok":true}');
  });
});
await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
const messages = [{ role: "user" as const, content: "Summarise the usage ledger in one line." }];

const scenarios: Array<{ name: string; chunks: number; call: () => Promise<unknown> }> = [
  {
    name: "baseline: raw fetch to a bare node:http server",
    chunks: 0,
    call: async () => (await fetch(bareUrl, { method: "POST", body: "{}" })).json(),
  },
  {
    name: "raw fetch: chat completion",
    chunks: 0,
    call: async () => {
      const response = await fetch(`${mock.openaiBaseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o", messages }),
      });
      return response.json();
    },
  },
  {
    name: "openai: chat completion",
    chunks: 0,
    call: () => openai.chat.completions.create({ model: "gpt-4o", messages }),
  },
  {
    name: "openai: chat stream (usage chunk)",
    chunks: CHUNKS,
    call: async () => {
      const stream = await openai.chat.completions.create({
        model: "gpt-4o",
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const _chunk of stream);
    },
  },
  {
    name: "openai: responses stream",
    chunks: CHUNKS,
    call: async () => {
      const stream = await openai.responses.create({ model: "gpt-5", input: "hi", stream: true });
      for await (const _event of stream);
    },
  },
  {
    name: "openai: embeddings (1536 dims, base64)",
    chunks: 0,
    call: () => openai.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"] }),
  },
  {
    name: "anthropic: messages stream",
    chunks: CHUNKS,
    call: async () => {
      const stream = await anthropic.messages.create({
        model: "claude-haiku-4-5",
        max_tokens: 1024,
        messages,
        stream: true,
      });
      for await (const _event of stream);
    },
  },
  {
    name: "gemini: generateContentStream",
    chunks: CHUNKS,
    call: async () => {
      const stream = await gemini.models.generateContentStream({
        model: "gemini-2.0-flash",
        contents: "hi",
      });
      for await (const _chunk of stream);
    },
  },
];

const rows: Array<Record<string, string | number>> = [];
for (const scenario of scenarios) {
  for (let warm = 0; warm < Math.min(50, CALLS); warm++) await scenario.call();
  const perCall: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    for (let index = 0; index < CALLS; index++) await scenario.call();
    perCall.push((performance.now() - start) / CALLS);
    mock.requests.length = 0;
  }
  const ms = median(perCall);
  rows.push({
    scenario: scenario.name,
    "µs / call": Math.round(ms * 1000),
    "µs / chunk": scenario.chunks > 0 ? Math.round((ms * 1000) / scenario.chunks) : "",
    "calls / s": Math.round(1000 / ms),
  });
}
await mock.close();
bare.close();
bare.closeAllConnections();
printTable(`Mock provider over loopback: median of ${RUNS} runs x ${CALLS} sequential calls`, rows);
