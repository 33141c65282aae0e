// LangChain's `ls_provider` run metadata names providers its own way (LangSmith's convention);
// llmeter names them as the pricing catalog does. Unknown names pass through lower-cased.
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  openai: "openai",
  azure: "azure",
  azure_openai: "azure",
  azureopenai: "azure",
  anthropic: "anthropic",
  google_genai: "google",
  googlegenerativeai: "google",
  google_vertexai: "google",
  vertexai: "google",
  google: "google",
  bedrock: "bedrock",
  amazon_bedrock: "bedrock",
  bedrock_converse: "bedrock",
  mistral: "mistral",
  mistralai: "mistral",
  groq: "groq",
  cohere: "cohere",
  deepseek: "deepseek",
  xai: "xai",
  ollama: "ollama",
  fireworks: "fireworks",
  together: "together",
  togetherai: "together",
};

/** llmeter's provider name for a LangChain `ls_provider` value or chat class name. */
export function normalizeProviderName(name: string): string {
  const key = name.toLowerCase().replace(/^chat/, "").replace(/[\s-]/g, "_");
  return PROVIDER_NAMES[key] ?? PROVIDER_NAMES[key.replace(/_/g, "")] ?? key;
}
