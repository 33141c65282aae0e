import type { EmbeddingModelMiddleware, LanguageModelMiddleware } from "ai";
import { BudgetExceededError } from "../../budgets/budget-exceeded-error.ts";
import { getMeter } from "../../meter/global-meter.ts";
import type { Meter, TrackerHandle } from "../../meter/types.ts";
import type { AttributeValue } from "../../usage/usage-event.ts";
import {
  claimProviderCall,
  createRecordingScope,
  currentRecordingScope,
  type RecordingScope,
  runInRecordingScope,
} from "../shared/recording-scope.ts";
import { type AiSdkUsage, providerFromAiSdk, tokenUsageFromAiSdk } from "./usage-from-ai-sdk.ts";

/** Options for `llmeterMiddleware` and `llmeterEmbeddingMiddleware`. */
export interface LlmeterMiddlewareOptions {
  /** Where events go. Default: `getMeter()`, looked up at each call. */
  meter?: Meter;
  /** Free attributes added to every event (`{ feature: "search" }`). */
  attributes?: Record<string, AttributeValue>;
}

type WrapGenerateOptions = Parameters<NonNullable<LanguageModelMiddleware["wrapGenerate"]>>[0];
type GenerateResult = Awaited<ReturnType<WrapGenerateOptions["doGenerate"]>>;
type StreamResult = Awaited<ReturnType<WrapGenerateOptions["doStream"]>>;
type StreamPart = StreamResult["stream"] extends ReadableStream<infer Part> ? Part : never;
type ModelInfo = { provider: string; modelId: string };

/**
 * An AI SDK language-model middleware that records one usage event per model call made by
 * `generateText`, `streamText`, `generateObject` and `streamObject` (each step of a multi-step
 * call is its own provider call): tokens from the SDK's usage (cache reads and writes, reasoning),
 * time to first chunk on streams, the response id and model, and errors.
 *
 * @example
 * const model = wrapLanguageModel({ model: openai.chat("gpt-4o-mini"), middleware: llmeterMiddleware() });
 * await generateText({ model, prompt: "Hello" });
 */
export function llmeterMiddleware(options: LlmeterMiddlewareOptions = {}): LanguageModelMiddleware {
  return {
    specificationVersion: "v4",
    async wrapGenerate({ doGenerate, model }) {
      const call = startCall(options, model, "chat", false);
      if (call === undefined) return doGenerate();
      let result: GenerateResult;
      try {
        result = await runInRecordingScope(call.scope, doGenerate);
      } catch (error) {
        finishWithError(call, error);
        throw error;
      }
      finishCall(call, result.usage as AiSdkUsage, result.response);
      return result;
    },

    async wrapStream({ doStream, model }) {
      const call = startCall(options, model, "chat", true);
      if (call === undefined) return doStream();
      let result: StreamResult;
      try {
        result = await runInRecordingScope(call.scope, doStream);
      } catch (error) {
        finishWithError(call, error);
        throw error;
      }
      return { ...result, stream: result.stream.pipeThrough(observeStream(call)) };
    },
  };
}

/**
 * An AI SDK embedding-model middleware (`wrapEmbeddingModel`) that records one event per
 * provider call made by `embed` and `embedMany` (which may split values over several calls).
 *
 * @example
 * const model = wrapEmbeddingModel({ model: openai.embedding("text-embedding-3-small"), middleware: llmeterEmbeddingMiddleware() });
 */
export function llmeterEmbeddingMiddleware(
  options: LlmeterMiddlewareOptions = {},
): EmbeddingModelMiddleware {
  return {
    specificationVersion: "v4",
    async wrapEmbed({ doEmbed, model }) {
      const call = startCall(options, model, "embeddings", false);
      if (call === undefined) return doEmbed();
      let result: Awaited<ReturnType<typeof doEmbed>>;
      try {
        result = await runInRecordingScope(call.scope, doEmbed);
      } catch (error) {
        finishWithError(call, error);
        throw error;
      }
      const tokens = result.usage?.tokens;
      finishCall(
        call,
        tokens === undefined ? undefined : { inputTokens: { total: tokens } },
        result.response as { id?: string; modelId?: string } | undefined,
      );
      return result;
    },
  };
}

interface ActiveCall {
  tracker: TrackerHandle;
  /** Our own scope: an instrumented client below claims it. */
  scope: RecordingScope;
  /** The scope we run in (an outer llmeter layer), which we claim when we record. */
  outer: RecordingScope | undefined;
}

function startCall(
  options: LlmeterMiddlewareOptions,
  model: ModelInfo,
  operation: string,
  streaming: boolean,
): ActiveCall | undefined {
  try {
    const meter = options.meter ?? getMeter();
    if (!meter.enabled) return undefined;
    const tracker = meter.start({
      provider: providerFromAiSdk(model.provider),
      model: model.modelId,
      kind: operation === "embeddings" ? "embedding" : "llm",
      operation,
      streaming,
      ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
    });
    return {
      tracker,
      scope: createRecordingScope("ai-sdk"),
      outer: currentRecordingScope(),
    };
  } catch (error) {
    // An enforced budget refused the call: it must not be sent. Nothing else breaks the call.
    if (BudgetExceededError.isInstance(error)) throw error;
    return undefined;
  }
}

function finishCall(
  call: ActiveCall,
  usage: AiSdkUsage | undefined,
  response: { id?: string; modelId?: string } | undefined,
): void {
  try {
    // An instrumented client below recorded this call, richer: one event per provider call.
    if (call.scope.claimedCalls > 0) {
      // Its budget reservation, if any, is the instrumented client's to settle.
      call.tracker.discard?.();
      return;
    }
    call.tracker.setTokens(tokenUsageFromAiSdk(usage));
    call.tracker.setResponse({ responseModel: response?.modelId, requestId: response?.id });
    recordAndClaim(call, response?.id);
  } catch {
    // Telemetry never breaks the application's call.
  }
}

function finishWithError(call: ActiveCall, error: unknown): void {
  try {
    if (call.scope.claimedCalls > 0) {
      // Its budget reservation, if any, is the instrumented client's to settle.
      call.tracker.discard?.();
      return;
    }
    call.tracker.setError(error);
    recordAndClaim(call, undefined);
  } catch {
    // Telemetry never breaks the application's call.
  }
}

function recordAndClaim(call: ActiveCall, requestId: string | undefined): void {
  call.tracker.end();
  // Tell an outer llmeter layer (a second middleware, a LangChain scope) that this call is taken.
  if (call.outer !== undefined)
    claimProviderCall({ scope: call.outer, ...(requestId === undefined ? {} : { requestId }) });
}

const FIRST_OUTPUT_PARTS = new Set([
  "text-delta",
  "reasoning-delta",
  "tool-input-start",
  "tool-input-delta",
  "tool-call",
]);

// Watches the parts go by without changing them: first output, chunk count, the finish usage.
function observeStream(call: ActiveCall): TransformStream<StreamPart, StreamPart> {
  let usage: AiSdkUsage | undefined;
  let response: { id?: string; modelId?: string } = {};
  let chunks = 0;
  let failure: unknown;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    call.tracker.setStreaming({ chunks });
    if (failure !== undefined) {
      if (usage !== undefined) call.tracker.setTokens(tokenUsageFromAiSdk(usage));
      finishWithError(call, failure);
    } else finishCall(call, usage, response);
  };
  return new TransformStream<StreamPart, StreamPart>({
    transform(part, controller) {
      controller.enqueue(part);
      try {
        const type = (part as { type: string }).type;
        if (FIRST_OUTPUT_PARTS.has(type)) {
          chunks += 1;
          call.tracker.firstToken();
        } else if (type === "response-metadata") {
          const metadata = part as { id?: string; modelId?: string };
          response = {
            id: metadata.id ?? response.id,
            modelId: metadata.modelId ?? response.modelId,
          };
        } else if (type === "finish") {
          usage = (part as { usage?: AiSdkUsage }).usage;
        } else if (type === "error") {
          failure = (part as { error?: unknown }).error ?? new Error("stream error");
        }
      } catch {
        // Telemetry never breaks the application's stream.
      }
    },
    flush() {
      finish();
    },
    cancel(reason) {
      // The reader stopped early (user abort): record what was received.
      failure ??= reason ?? new Error("stream cancelled");
      finish();
    },
  });
}
