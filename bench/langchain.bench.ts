/**
 * What llmeter adds to LangChain.js and Vercel AI SDK calls: the time per call of a bare model
 * against the same model with llmeter attached (`instrumentChatModel`; `llmeterMiddleware`),
 * plain and streamed (20 chunks).
 *
 * 1. In process: LangChain's FakeListChatModel and the AI SDK's MockLanguageModelV4 (no I/O), so
 *    llmeter's own cost is visible; "LangChain + empty handler" shows what LangChain's callback
 *    machinery itself costs once any handler is attached. Median of rounds of many calls.
 * 2. Loopback: ChatOpenAI and @ai-sdk/openai against the mock provider over TCP, bare and
 *    instrumented calls in back-to-back pairs; "added" is the median of the pair differences
 *    (on a busy machine this is dominated by loopback noise).
 *
 * Run: node_modules/.bin/node bench/langchain.bench.ts [--rounds 5] [--calls 60]
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createOpenAI } from "@ai-sdk/openai";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { ChatOpenAI } from "@langchain/openai";
import { generateText, simulateReadableStream, streamText, wrapLanguageModel } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { llmeterMiddleware } from "../src/integrations/ai-sdk/index.ts";
import { instrumentChatModel } from "../src/integrations/langchain/index.ts";
import { createMeter } from "../src/meter/create-meter.ts";
import { silentDiagnostics } from "../src/meter/diagnostics.ts";
import { startMockProvider } from "../src/testing/index.ts";
import { median, printTable } from "./measure.ts";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "5" }, calls: { type: "string", default: "60" } },
});
const ROUNDS = Number(values.rounds);
type Call = () => PromiseLike<unknown>;
const CALLS = Number(values.calls);

// ---- 1. In process -------------------------------------------------------------------------

class EmptyHandler extends BaseCallbackHandler {
  name = "empty";
  override awaitHandlers = true;
}

const REPLY = "twenty characters!!!"; // FakeListChatModel streams one chunk per character.
const fakeChat = (callbacks?: BaseCallbackHandler[]) => {
  const model = new FakeListChatModel({ responses: [REPLY], ...(callbacks ? { callbacks } : {}) });
  // No artificial delay between chunks (undefined skips its timer; 0 would still wait a tick).
  (model as { sleep?: number }).sleep = undefined;
  return model;
};

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 20, text: 20, reasoning: undefined },
};
const fakeLanguageModel = () =>
  new MockLanguageModelV4({
    doGenerate: async () => ({
      content: [{ type: "text", text: REPLY }],
      finishReason: { unified: "stop", raw: "stop" },
      usage,
      warnings: [],
    }),
    doStream: async () => ({
      stream: simulateReadableStream({
        initialDelayInMs: null,
        chunkDelayInMs: null,
        chunks: [
          { type: "text-start", id: "t" },
          ...Array.from({ length: 20 }, () => ({ type: "text-delta", id: "t", delta: "x" })),
          { type: "text-end", id: "t" },
          { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage },
        ] as never[],
      }),
    }),
  });

// Pricing off here: this section isolates what the integrations cost (pricing is benchmarked in
// bench/pricing.bench.ts); the loopback section below runs with the default catalog.
const inProcessMeter = createMeter({
  pricing: false,
  store: false,
  diagnostics: silentDiagnostics,
  configContext: { env: {}, cwd: "/nonexistent" },
});

// Variants run interleaved, a batch each per round, so machine drift hits them alike.
async function microsecondsPerCall(
  variants: Record<string, Call>,
  iterations = 1000,
): Promise<Record<string, number>> {
  const rounds: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, call] of Object.entries(variants)) {
      const start = performance.now();
      for (let index = 0; index < iterations; index += 1) await call();
      const perCall = ((performance.now() - start) * 1000) / iterations;
      rounds[name] = [...(rounds[name] ?? []), perCall];
      await inProcessMeter.flush();
    }
  }
  const result: Record<string, number> = {};
  for (const [name, values] of Object.entries(rounds)) result[name] = median(values);
  return result;
}

async function consume(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of stream) {
    // consume
  }
}

const langChainBare = fakeChat();
const langChainEmpty = fakeChat([new EmptyHandler()]);
const langChainMetered = instrumentChatModel(fakeChat(), { meter: inProcessMeter });
const aiSdkBare = fakeLanguageModel();
const aiSdkMetered = wrapLanguageModel({
  model: fakeLanguageModel(),
  middleware: llmeterMiddleware({ meter: inProcessMeter }),
});

const inProcessRows: Array<Record<string, string | number>> = [];
for (const [name, variants] of [
  [
    "LangChain invoke",
    {
      bare: () => langChainBare.invoke("Hi"),
      empty: () => langChainEmpty.invoke("Hi"),
      metered: () => langChainMetered.invoke("Hi"),
    },
  ],
  [
    "LangChain stream (20 chunks)",
    {
      bare: async () => consume(await langChainBare.stream("Hi")),
      empty: async () => consume(await langChainEmpty.stream("Hi")),
      metered: async () => consume(await langChainMetered.stream("Hi")),
    },
  ],
  [
    "AI SDK generateText",
    {
      bare: () => generateText({ model: aiSdkBare, prompt: "Hi" }),
      metered: () => generateText({ model: aiSdkMetered, prompt: "Hi" }),
    },
  ],
  [
    "AI SDK streamText (20 chunks)",
    {
      bare: () => streamText({ model: aiSdkBare, prompt: "Hi" }).consumeStream(),
      metered: () => streamText({ model: aiSdkMetered, prompt: "Hi" }).consumeStream(),
    },
  ],
] as Array<[string, { bare: Call; empty?: Call; metered: Call }]>) {
  for (const call of Object.values(variants))
    for (let index = 0; index < 200; index += 1) await call();
  const timings = await microsecondsPerCall(variants as Record<string, Call>);
  const bare = timings.bare!;
  const empty = timings.empty;
  const metered = timings.metered!;
  const baseline = empty ?? bare;
  inProcessRows.push({
    scenario: name,
    "bare (µs)": bare.toFixed(1),
    "LangChain + empty handler (µs)": empty === undefined ? "-" : empty.toFixed(1),
    "with llmeter (µs)": metered.toFixed(1),
    "llmeter's own (µs)": (metered - baseline).toFixed(1),
  });
}
printTable(`In process (no I/O), median of ${ROUNDS} rounds`, inProcessRows);
await inProcessMeter.shutdown();

// ---- 2. Loopback ----------------------------------------------------------------------------

const mock = await startMockProvider({ chunks: 20 });
const meter = createMeter({
  store: false,
  diagnostics: silentDiagnostics,
  configContext: { env: {}, cwd: "/nonexistent" },
});

function chatOpenAI() {
  return new ChatOpenAI({
    model: "gpt-4o-mini",
    apiKey: "bench",
    maxRetries: 0,
    configuration: { baseURL: mock.openaiBaseUrl },
  });
}
const bareLangChain = chatOpenAI();
const meteredLangChain = instrumentChatModel(chatOpenAI(), { meter });

const provider = createOpenAI({ baseURL: mock.openaiBaseUrl, apiKey: "bench" });
const bareAiSdk = provider.chat("gpt-4o-mini");
const meteredAiSdk = wrapLanguageModel({
  model: provider.chat("gpt-4o-mini"),
  middleware: llmeterMiddleware({ meter }),
});

const scenarios: Array<{ name: string; bare: Call; metered: Call }> = [
  {
    name: "LangChain invoke",
    bare: () => bareLangChain.invoke("Hello"),
    metered: () => meteredLangChain.invoke("Hello"),
  },
  {
    name: "LangChain stream (20 chunks)",
    bare: async () => {
      for await (const _chunk of await bareLangChain.stream("Hello")) {
        // consume
      }
    },
    metered: async () => {
      for await (const _chunk of await meteredLangChain.stream("Hello")) {
        // consume
      }
    },
  },
  {
    name: "AI SDK generateText",
    bare: () => generateText({ model: bareAiSdk, prompt: "Hello" }),
    metered: () => generateText({ model: meteredAiSdk, prompt: "Hello" }),
  },
  {
    name: "AI SDK streamText (20 chunks)",
    bare: () => streamText({ model: bareAiSdk, prompt: "Hello" }).consumeStream(),
    metered: () => streamText({ model: meteredAiSdk, prompt: "Hello" }).consumeStream(),
  },
];

async function timed(call: Call): Promise<number> {
  const start = performance.now();
  await call();
  return performance.now() - start;
}

const rows: Array<Record<string, string | number>> = [];
for (const scenario of scenarios) {
  // Warm up both paths (JIT, connection pool, lazy imports).
  for (let index = 0; index < 10; index += 1) {
    await scenario.bare();
    await scenario.metered();
  }
  const bareMedians: number[] = [];
  const addedMedians: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const bare: number[] = [];
    const added: number[] = [];
    for (let index = 0; index < CALLS; index += 1) {
      // Alternate which goes first so neither always gets the warmer connection.
      const bareFirst = index % 2 === 0;
      const first = await timed(bareFirst ? scenario.bare : scenario.metered);
      const second = await timed(bareFirst ? scenario.metered : scenario.bare);
      const bareMs = bareFirst ? first : second;
      const meteredMs = bareFirst ? second : first;
      bare.push(bareMs);
      added.push(meteredMs - bareMs);
    }
    bareMedians.push(median(bare));
    addedMedians.push(median(added));
  }
  const bareMs = median(bareMedians);
  const addedMs = median(addedMedians);
  rows.push({
    scenario: scenario.name,
    "bare call (ms)": bareMs.toFixed(3),
    "added by llmeter (ms)": addedMs.toFixed(3),
    "added (%)": ((addedMs / bareMs) * 100).toFixed(1),
  });
}

await meter.flush();
printTable(`Loopback mock provider: ${ROUNDS} rounds × ${CALLS} call pairs`, rows);
console.log(`events recorded: ${meter.getStats({ period: "all" }).totalRequests}`);
await meter.shutdown();
await mock.close();
