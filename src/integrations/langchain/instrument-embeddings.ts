import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { getMeter } from "../../meter/global-meter.ts";
import type { Meter } from "../../meter/types.ts";
import type { AttributeValue } from "../../usage/usage-event.ts";
import { createRecordingScope, runInRecordingScope } from "../shared/recording-scope.ts";
import { normalizeProviderName } from "./provider-name.ts";

/** Options for `instrumentEmbeddings`. */
export interface InstrumentEmbeddingsOptions {
  /** Where events go. Default: `getMeter()`, looked up at each call. */
  meter?: Meter;
  /** Provider name; default guessed from the class (`OpenAIEmbeddings` → `openai`). */
  provider?: string;
  /** Model name; default the instance's `model` / `modelName`. */
  model?: string;
  /** Free attributes added to every event. */
  attributes?: Record<string, AttributeValue>;
}

const INSTRUMENTED = Symbol.for("llmeter.langchain.embeddings");

/**
 * Records `embedDocuments` and `embedQuery` calls of a LangChain embeddings instance, one event
 * per call. LangChain embeddings classes emit no callbacks and drop the provider's token count,
 * so this wraps the instance's methods instead, and estimates input tokens from characters
 * (characters / 4, flagged `estimated`). When the instance uses an llmeter-instrumented SDK client,
 * that client records the exact calls and this wrapper stays silent (no double count).
 * Patches the instance in place (idempotent) and returns it.
 *
 * @example
 * const embeddings = instrumentEmbeddings(new OpenAIEmbeddings({ model: "text-embedding-3-small" }));
 */
export function instrumentEmbeddings<Embeddings extends EmbeddingsInterface>(
  embeddings: Embeddings,
  options: InstrumentEmbeddingsOptions = {},
): Embeddings {
  const target = embeddings as unknown as Record<PropertyKey, unknown> & EmbeddingsInterface;
  if (target[INSTRUMENTED] === true) return embeddings;
  target[INSTRUMENTED] = true;
  const provider = options.provider ?? providerOfInstance(embeddings);
  const model = options.model ?? modelOfInstance(embeddings);

  const embedDocuments = target.embedDocuments;
  const embedQuery = target.embedQuery;
  target.embedDocuments = function measuredEmbedDocuments(this: unknown, texts: string[]) {
    return measure(options, provider, model, texts, () => embedDocuments.call(this, texts));
  };
  target.embedQuery = function measuredEmbedQuery(this: unknown, text: string) {
    return measure(options, provider, model, [text], () => embedQuery.call(this, text));
  };
  return embeddings;
}

async function measure<T>(
  options: InstrumentEmbeddingsOptions,
  provider: string,
  model: string,
  texts: readonly string[],
  call: () => Promise<T>,
): Promise<T> {
  const meter = options.meter ?? getMeter();
  if (!meter.enabled) return call();
  const tracker = meter.start({
    provider,
    model,
    kind: "embedding",
    operation: "embeddings",
    ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
  });
  const scope = createRecordingScope("langchain");
  let characters = 0;
  for (const text of texts) characters += typeof text === "string" ? text.length : 0;
  try {
    const result = await runInRecordingScope(scope, call);
    if (scope.claimedCalls === 0) {
      tracker.setUsage({ inputTokens: Math.ceil(characters / 4), estimated: true, characters });
      tracker.end();
    }
    return result;
  } catch (error) {
    if (scope.claimedCalls === 0) {
      tracker.setError(error);
      tracker.end();
    }
    throw error;
  }
}

function providerOfInstance(embeddings: object): string {
  const className = embeddings.constructor?.name ?? "";
  const stem = className.replace(/Embeddings$/, "");
  return stem === "" ? "unknown" : normalizeProviderName(stem);
}

function modelOfInstance(embeddings: object): string {
  const fields = embeddings as { model?: unknown; modelName?: unknown };
  for (const value of [fields.model, fields.modelName]) {
    if (typeof value === "string" && value !== "") return value;
  }
  return "unknown";
}
