import { describe, expect, it } from "vitest";
import { detectProviderFromBaseUrl, isInstanceOfClassNamed } from "./detect-provider.ts";

describe("detectProviderFromBaseUrl", () => {
  it.each([
    ["https://api.openai.com/v1", "openai"],
    ["https://my-resource.openai.azure.com/openai", "azure"],
    ["https://api.groq.com/openai/v1", "groq"],
    ["https://api.deepseek.com", "deepseek"],
    ["https://api.x.ai/v1", "xai"],
    ["https://openrouter.ai/api/v1", "openrouter"],
    ["http://localhost:11434/v1", "ollama"],
    ["http://127.0.0.1:11434/v1", "ollama"],
    ["https://generativelanguage.googleapis.com/v1beta/openai/", "google"],
  ])("%s is %s", (url, provider) => {
    expect(detectProviderFromBaseUrl(url)).toBe(provider);
  });

  it("says nothing for unknown hosts, look-alikes and bad URLs", () => {
    expect(detectProviderFromBaseUrl("http://127.0.0.1:8000/v1")).toBeUndefined();
    expect(detectProviderFromBaseUrl("https://notapi.x.ai.example.com")).toBeUndefined();
    expect(detectProviderFromBaseUrl("https://evil-openrouter.ai")).toBeUndefined();
    expect(detectProviderFromBaseUrl("not a url")).toBeUndefined();
    expect(detectProviderFromBaseUrl(undefined)).toBeUndefined();
  });
});

describe("isInstanceOfClassNamed", () => {
  it("finds a class name anywhere up the prototype chain", () => {
    class OpenAI {}
    class AzureOpenAI extends OpenAI {}
    class MyAzure extends AzureOpenAI {}
    expect(isInstanceOfClassNamed(new MyAzure(), "AzureOpenAI")).toBe(true);
    expect(isInstanceOfClassNamed(new OpenAI(), "AzureOpenAI")).toBe(false);
    expect(isInstanceOfClassNamed(null, "AzureOpenAI")).toBe(false);
  });
});
