import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { createMeter } from "../../meter/create-meter.ts";
import { getMeter } from "../../meter/global-meter.ts";
import { createNoopMeter } from "../../meter/noop-meter.ts";
import type { Meter, StatsQuery } from "../../meter/types.ts";
import type { UsageStats } from "../../stats/usage-stats.ts";
import { instrumentChatModel } from "./instrument-chat-model.ts";
import { normalizeProviderName } from "./provider-name.ts";

/** One model as the registry builds it. Other fields go to the LangChain class as they are. */
export interface ModelConfig {
  /** `openai`, `anthropic`, `google` (or any provider LangChain's `initChatModel` knows). */
  provider: string;
  model: string;
  /** The provider's API base URL (proxies, gateways, the llmeter mock provider). */
  baseUrl?: string;
  apiKey?: string;
  [parameter: string]: unknown;
}

/** Options for `createModelRegistry`. */
export interface ModelRegistryOptions {
  /**
   * Track usage of every model the registry hands out. Default true. `true` uses the global meter
   * when one is set (`setGlobalMeter`), else a meter of the registry's own; `{ meter }` names one.
   * `false` attaches nothing: no handler, no cost.
   */
  telemetry?: boolean | { meter: Meter };
  /** Named model configurations for `getLlm(id)`. */
  models?: Record<string, ModelConfig>;
}

/** Totals of what the registry's models used (within the meter's in-memory window). */
export interface UsageSummary {
  requests: number;
  failedRequests: number;
  cachedRequests: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadTokens: number;
  reasoningTokens: number;
  costUsd: number;
  /** Calls with no known price: their cost is not in `costUsd`. */
  unpricedRequests: number;
  byModel: Record<string, { requests: number; totalTokens: number; costUsd: number }>;
}

/** What `registry.getTelemetry()` returns: usage and cost of the registry's models. */
export interface RegistryTelemetry {
  readonly enabled: boolean;
  /** The meter the registry records to. */
  readonly meter: Meter;
  /** Tokens, requests and cost; `period` as in `meter.getStats` (default `all`). */
  getUsageSummary(query?: StatsQuery): UsageSummary;
  /** Total cost in USD of priced calls (default period `all`). */
  getTotalCost(query?: StatsQuery): number;
  /** The meter's full statistics (default period `all`). */
  getStats(query?: StatsQuery): UsageStats;
}

/** Hands out LangChain chat models with llmeter telemetry attached. */
export interface ModelRegistry {
  /** A chat model for a configured id, or for an inline `{ provider, model, ...parameters }`. */
  getLlm(model: string | ModelConfig): Promise<BaseChatModel>;
  getTelemetry(): RegistryTelemetry;
  /** The configured model ids. */
  readonly modelIds: readonly string[];
}

/** Thrown for a model id or provider the registry cannot build. */
export class ModelRegistryError extends Error {
  override readonly name = "ModelRegistryError";
}

/**
 * Creates a model registry: `getLlm()` returns a LangChain chat model whose runs are recorded,
 * and `getTelemetry()` answers how many tokens were used and what they cost.
 *
 * @example
 * const registry = createModelRegistry({ models: { fast: { provider: "openai", model: "gpt-4o-mini" } } });
 * const llm = await registry.getLlm("fast");
 * await llm.invoke("Hello");
 * console.log(registry.getTelemetry().getUsageSummary());
 */
export function createModelRegistry(options: ModelRegistryOptions = {}): ModelRegistry {
  const models = { ...options.models };
  for (const [id, config] of Object.entries(models)) checkConfig(config, `models.${id}`);
  const meter = resolveMeter(options.telemetry);
  const telemetry = createTelemetry(meter, options.telemetry !== false && meter.enabled);

  return {
    modelIds: Object.keys(models),
    getTelemetry: () => telemetry,
    async getLlm(model) {
      let config: ModelConfig;
      let id: string | undefined;
      if (typeof model === "string") {
        const found = models[model];
        if (found === undefined) {
          const known = Object.keys(models);
          throw new ModelRegistryError(
            `getLlm: no model "${model}" in the registry (configured: ${known.length > 0 ? known.join(", ") : "none"}). ` +
              `Add it to createModelRegistry({ models: { "${model}": { provider, model } } }) or pass { provider, model }.`,
          );
        }
        config = found;
        id = model;
      } else {
        checkConfig(model, "getLlm");
        config = model;
      }
      const chatModel = await buildChatModel(config);
      if (!telemetry.enabled) return chatModel;
      return instrumentChatModel(chatModel, {
        meter,
        ...(id === undefined ? {} : { attributes: { "llmeter.registry_model": id } }),
      });
    },
  };
}

function resolveMeter(telemetry: ModelRegistryOptions["telemetry"]): Meter {
  if (telemetry === false) return createNoopMeter();
  if (typeof telemetry === "object" && telemetry !== null) return telemetry.meter;
  const global = getMeter();
  return global.enabled ? global : createMeter();
}

function createTelemetry(meter: Meter, enabled: boolean): RegistryTelemetry {
  const stats = (query: StatsQuery = {}) => meter.getStats({ period: "all", ...query });
  return {
    enabled,
    meter,
    getStats: stats,
    getTotalCost: (query) => stats(query).totalCostUsd,
    getUsageSummary(query) {
      const current = stats(query);
      const byModel: UsageSummary["byModel"] = {};
      for (const [model, group] of Object.entries(current.byModel)) {
        byModel[model] = {
          requests: group.totalRequests,
          totalTokens: group.totalTokens,
          costUsd: group.totalCostUsd,
        };
      }
      return {
        requests: current.totalRequests,
        failedRequests: current.failedRequests,
        cachedRequests: current.cachedRequests,
        inputTokens: current.totalInputTokens,
        outputTokens: current.totalOutputTokens,
        totalTokens: current.totalTokens,
        cacheReadTokens: current.totalCacheReadTokens,
        reasoningTokens: current.totalReasoningTokens,
        costUsd: current.totalCostUsd,
        unpricedRequests: current.unpricedRequests,
        byModel,
      };
    },
  };
}

function checkConfig(config: unknown, where: string): asserts config is ModelConfig {
  const value = config as Partial<ModelConfig> | undefined;
  if (typeof value?.provider !== "string" || value.provider === "")
    throw new ModelRegistryError(
      `${where}: "provider" must be a non-empty string such as "openai" or "anthropic".`,
    );
  if (typeof value.model !== "string" || value.model === "")
    throw new ModelRegistryError(
      `${where}: "model" must be a non-empty string such as "gpt-4o-mini".`,
    );
}

// Provider packages are optional peers: import only the one asked for, when asked.
async function buildChatModel(config: ModelConfig): Promise<BaseChatModel> {
  const { provider, model, baseUrl, ...parameters } = config;
  const name = normalizeProviderName(provider);
  try {
    switch (name) {
      case "openai": {
        const { ChatOpenAI } = await import("@langchain/openai");
        const configuration = {
          ...(parameters.configuration as object | undefined),
          ...(baseUrl === undefined ? {} : { baseURL: baseUrl }),
        };
        return new ChatOpenAI({ ...parameters, model, configuration });
      }
      case "anthropic": {
        const { ChatAnthropic } = await import("@langchain/anthropic");
        return new ChatAnthropic({
          ...parameters,
          model,
          ...(baseUrl === undefined ? {} : { anthropicApiUrl: baseUrl }),
        });
      }
      case "google": {
        const { ChatGoogleGenerativeAI } = await import("@langchain/google-genai");
        return new ChatGoogleGenerativeAI({
          ...parameters,
          model,
          ...(baseUrl === undefined ? {} : { baseUrl }),
        } as ConstructorParameters<typeof ChatGoogleGenerativeAI>[0]);
      }
      default: {
        // Any other provider LangChain knows, through its own universal constructor.
        const { initChatModel } = await import("langchain/chat_models/universal");
        return (await initChatModel(model, {
          ...parameters,
          modelProvider: provider,
          ...(baseUrl === undefined ? {} : { baseUrl }),
        })) as unknown as BaseChatModel;
      }
    }
  } catch (error) {
    if (isMissingModule(error))
      throw new ModelRegistryError(
        `getLlm: provider "${provider}" needs a LangChain package that is not installed (${(error as Error).message}). ` +
          `Install it, e.g. npm install @langchain/${name === "google" ? "google-genai" : name}.`,
      );
    throw error;
  }
}

function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}
