import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import {
  createLlmeterCallbackHandler,
  type LlmeterCallbackHandler,
  type LlmeterCallbackHandlerOptions,
} from "./callback-handler.ts";
import { scopeProviderCalls } from "./scope-provider-calls.ts";

const HANDLER = Symbol.for("llmeter.langchain.handler");

/**
 * Attaches llmeter to a LangChain chat model: the callback handler records each run, and the
 * model's provider calls run in a recording scope, so if its SDK client is also instrumented by
 * llmeter the call is still recorded once (by the SDK integration, linked to the run). Patches
 * the instance in place (calling it twice attaches one handler) and returns it.
 *
 * @example
 * const model = instrumentChatModel(new ChatOpenAI({ model: "gpt-4o-mini" }));
 */
export function instrumentChatModel<Model extends BaseChatModel>(
  model: Model,
  options: LlmeterCallbackHandlerOptions = {},
): Model {
  const target = model as unknown as { [HANDLER]?: LlmeterCallbackHandler };
  if (target[HANDLER] === undefined) {
    const handler = createLlmeterCallbackHandler(options);
    target[HANDLER] = handler;
    model.callbacks = appendHandler(model.callbacks, handler);
  }
  return scopeProviderCalls(model);
}

function appendHandler(
  callbacks: BaseChatModel["callbacks"],
  handler: LlmeterCallbackHandler,
): BaseChatModel["callbacks"] {
  if (callbacks === undefined || callbacks === null) return [handler];
  if (Array.isArray(callbacks)) return [...callbacks, handler];
  // A CallbackManager: add the handler to it (inheritable, like the model's own handlers).
  callbacks.addHandler(handler, true);
  return callbacks;
}
