// llmeter/ai-sdk: record Vercel AI SDK model and embedding calls with llmeter.

export {
  type LlmeterMiddlewareOptions,
  llmeterEmbeddingMiddleware,
  llmeterMiddleware,
} from "./llmeter-middleware.ts";
export { providerFromAiSdk, tokenUsageFromAiSdk } from "./usage-from-ai-sdk.ts";
