// llmeter/langchain: record LangChain.js model runs and embeddings with llmeter.

export {
  createLlmeterCallbackHandler,
  LlmeterCallbackHandler,
  type LlmeterCallbackHandlerOptions,
} from "./callback-handler.ts";
export { instrumentChatModel } from "./instrument-chat-model.ts";
export {
  type InstrumentEmbeddingsOptions,
  instrumentEmbeddings,
} from "./instrument-embeddings.ts";
export {
  createModelRegistry,
  type ModelConfig,
  type ModelRegistry,
  ModelRegistryError,
  type ModelRegistryOptions,
  type RegistryTelemetry,
  type UsageSummary,
} from "./model-registry.ts";
export { scopeProviderCalls } from "./scope-provider-calls.ts";
