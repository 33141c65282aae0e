import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { AttributeValue } from "../../usage/usage-event.ts";
import {
  createRecordingScope,
  type RecordingScope,
  runInRecordingScope,
} from "../shared/recording-scope.ts";
import { markRunClaimedBySdk } from "./claimed-runs.ts";

const SCOPED = Symbol.for("llmeter.langchain.scoped");

type GenerateMethod = (
  messages: unknown,
  options: unknown,
  runManager?: CallbackManagerForLLMRun,
) => Promise<unknown>;
type StreamMethod = (
  messages: unknown,
  options: unknown,
  runManager?: CallbackManagerForLLMRun,
) => AsyncGenerator<unknown>;

/**
 * Runs the model's provider calls inside a recording scope that names the LangChain run. An
 * llmeter-instrumented SDK client used by the model then records the call itself, with the run
 * ids as attributes, and the callback handler skips the run: one event, linked to the run.
 * Patches this instance only (idempotent); `bindTools`/`withStructuredOutput` bindings share it.
 *
 * @example
 * const model = scopeProviderCalls(new ChatOpenAI({ configuration: { baseURL }, callbacks: [handler] }));
 */
export function scopeProviderCalls<Model extends BaseChatModel>(model: Model): Model {
  const target = model as unknown as Record<PropertyKey, unknown> & {
    _generate: GenerateMethod;
    _streamResponseChunks: StreamMethod;
  };
  if (target[SCOPED] === true) return model;
  target[SCOPED] = true;

  const generate = target._generate;
  target._generate = async function scopedGenerate(this: unknown, messages, options, runManager) {
    const scope = scopeFor(runManager);
    try {
      return await runInRecordingScope(scope, () =>
        generate.call(this, messages, options, runManager),
      );
    } finally {
      noteClaim(scope, runManager);
    }
  };

  // LangChain decides whether a model can stream by comparing this method with the base class's:
  // only wrap it when the model really implements it.
  const stream = target._streamResponseChunks;
  if (stream !== BaseChatModel.prototype._streamResponseChunks) {
    target._streamResponseChunks = async function* scopedStream(
      this: unknown,
      messages,
      options,
      runManager,
    ) {
      const scope = scopeFor(runManager);
      const iterator = runInRecordingScope(scope, () =>
        stream.call(this, messages, options, runManager),
      );
      try {
        while (true) {
          // Each step runs in the scope: the request is sent on the first one.
          const step = await runInRecordingScope(scope, () => iterator.next());
          if (step.done === true) return;
          yield step.value;
        }
      } finally {
        await iterator.return?.(undefined);
        noteClaim(scope, runManager);
      }
    };
  }
  return model;
}

function scopeFor(runManager: CallbackManagerForLLMRun | undefined): RecordingScope {
  const attributes: Record<string, AttributeValue> = {};
  if (runManager !== undefined) {
    attributes["langchain.run_id"] = runManager.runId;
    if (runManager.parentRunId !== undefined)
      attributes["langchain.parent_run_id"] = runManager.parentRunId;
  }
  return createRecordingScope("langchain", attributes);
}

function noteClaim(scope: RecordingScope, runManager: CallbackManagerForLLMRun | undefined): void {
  if (scope.claimedCalls > 0 && runManager !== undefined) markRunClaimedBySdk(runManager.runId);
}
