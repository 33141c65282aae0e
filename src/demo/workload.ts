import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { instrumentAnthropic } from "../integrations/anthropic/index.ts";
import { instrumentGoogleGenAI } from "../integrations/google/index.ts";
import { instrumentOpenAI } from "../integrations/openai/index.ts";
import { withAttribution } from "../meter/attribution.ts";
import type { Meter } from "../meter/types.ts";
import { MOCK_FAIL_HEADER } from "../testing/index.ts";

/** Where each provider's calls go: the bundled mock provider, or the real API when its key is set. */
export interface DemoEndpoints {
  openai: { baseURL?: string; apiKey: string; real: boolean };
  anthropic: { baseURL?: string; apiKey: string; real: boolean };
  gemini: { baseUrl?: string; apiKey: string; real: boolean };
}

export interface DemoClients {
  openai: OpenAI;
  anthropic: Anthropic;
  gemini: GoogleGenAI;
}

/** The real SDK clients, instrumented by llmeter: the demo never calls `track()` by hand. */
export function createDemoClients(meter: Meter, endpoints: DemoEndpoints): DemoClients {
  return {
    openai: instrumentOpenAI(
      new OpenAI({
        apiKey: endpoints.openai.apiKey,
        baseURL: endpoints.openai.baseURL,
        maxRetries: 0,
      }),
      { meter },
    ),
    anthropic: instrumentAnthropic(
      new Anthropic({
        apiKey: endpoints.anthropic.apiKey,
        baseURL: endpoints.anthropic.baseURL,
        maxRetries: 0,
      }),
      { meter },
    ),
    gemini: instrumentGoogleGenAI(
      new GoogleGenAI({
        apiKey: endpoints.gemini.apiKey,
        ...(endpoints.gemini.baseUrl === undefined
          ? {}
          : { httpOptions: { baseUrl: endpoints.gemini.baseUrl } }),
      }),
      { meter },
    ),
  };
}

const QUESTIONS = [
  "In one sentence: what is a prompt cache?",
  "Name three uses of text embeddings.",
  "Summarize why latency percentiles matter.",
  "What does time to first token measure?",
];

// Long enough to be worth caching on Anthropic (the mock writes it to the prompt cache).
const SYSTEM_PROMPT = `You are a concise assistant for a metering demo. ${"Answer briefly. ".repeat(300)}`;

/**
 * A realistic mixed workload through the instrumented SDK clients: two tenants, several providers
 * and models, plain and streamed chat, the Responses API, embeddings, Anthropic prompt caching,
 * answers served from the application's own cache, and one failing call.
 */
export async function runDemoWorkload(
  meter: Meter,
  clients: DemoClients,
  options: { rounds: number; mockFailures: boolean; sessionPrefix: string },
): Promise<void> {
  const answerCache = new Map<string, string>();
  const tenants = ["acme", "globex"];
  for (let round = 0; round < options.rounds; round++) {
    for (const [index, tenantId] of tenants.entries()) {
      const question = QUESTIONS[(round + index) % QUESTIONS.length]!;
      const attribution = {
        tenantId,
        userId: `${tenantId}-user-${1 + (round % 2)}`,
        sessionId: `${options.sessionPrefix}-${tenantId}`,
        feature: "demo",
      };
      await withAttribution(attribution, async () => {
        await answerWithCache(meter, clients, answerCache, question);
        await streamOpenAI(clients.openai, question);
        await askAnthropic(clients.anthropic, question, round % 2 === 1);
        await askGemini(clients.gemini, question, round % 2 === 0);
        await clients.openai.embeddings.create({
          model: "text-embedding-3-small",
          input: [question, `${question} (rephrased)`],
        });
      });
    }
  }
  await withAttribution(
    { tenantId: "globex", userId: "globex-user-1", feature: "demo" },
    async () => {
      await clients.openai.responses.create({ model: "o4-mini", input: "Plan a three-step test." });
      if (options.mockFailures) await failingCall(clients.openai);
    },
  );
}

/** The application's own answer cache: a hit is recorded as cached, with no provider call. */
async function answerWithCache(
  meter: Meter,
  clients: DemoClients,
  cache: Map<string, string>,
  question: string,
): Promise<void> {
  const cached = cache.get(question);
  if (cached !== undefined) {
    meter.recordLlm({ provider: "openai", model: "gpt-4o-mini", cached: true, latencyMs: 0.2 });
    return;
  }
  const completion = await clients.openai.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: question }],
    max_tokens: 60,
  });
  cache.set(question, completion.choices[0]?.message.content ?? "");
}

async function streamOpenAI(openai: OpenAI, question: string): Promise<void> {
  // No stream_options here: llmeter asks for the usage chunk itself and hides it from us.
  const stream = await openai.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: question }],
    max_tokens: 60,
    stream: true,
  });
  for await (const _chunk of stream) {
    // A real application would render each delta here.
  }
}

async function askAnthropic(
  anthropic: Anthropic,
  question: string,
  stream: boolean,
): Promise<void> {
  const request = {
    model: "claude-haiku-4-5",
    max_tokens: 80,
    system: [
      { type: "text" as const, text: SYSTEM_PROMPT, cache_control: { type: "ephemeral" as const } },
    ],
    messages: [{ role: "user" as const, content: question }],
  };
  if (stream) {
    await anthropic.messages.stream(request).finalMessage();
  } else {
    await anthropic.messages.create(request);
  }
}

async function askGemini(gemini: GoogleGenAI, question: string, stream: boolean): Promise<void> {
  const request = { model: "gemini-2.5-flash", contents: question };
  if (stream) {
    for await (const _chunk of await gemini.models.generateContentStream(request)) {
      // Rendered by a real application.
    }
  } else {
    await gemini.models.generateContent(request);
  }
}

/** The mock provider answers this one with HTTP 429: the meter records a RateLimitError. */
async function failingCall(openai: OpenAI): Promise<void> {
  try {
    await openai.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "Are you busy?" }] },
      { headers: { [MOCK_FAIL_HEADER]: "429" } },
    );
  } catch {
    // Expected: recorded by the instrumentation and re-thrown to us unchanged.
  }
}
