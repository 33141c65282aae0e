import { estimateRequest } from "../../budgets/estimate-call.ts";
import { getMeter } from "../../meter/global-meter.ts";
import type { Meter, TrackerHandle, TrackInfo } from "../../meter/types.ts";
import { clientSecrets } from "../shared/client-secrets.ts";
import { patchMethod } from "../shared/patch-method.ts";
import {
  assignDefined,
  type ServerEndpoint,
  serverFromBaseUrl,
} from "../shared/request-details.ts";
import {
  endQuietly,
  endWithError,
  runInCallContext,
  startTracker,
} from "../shared/start-tracker.ts";
import { watchAsyncGenerator } from "../shared/stream-watch.ts";
import {
  addGoogleRequestDetails,
  type GoogleEmbedResponseLike,
  type GoogleGenerationConfigLike,
  recordGoogleEmbedding,
  recordGoogleResponse,
} from "./google-result.ts";
import { type GoogleResponseLike, GoogleStreamHandler } from "./google-stream-handler.ts";

/** Options of `instrumentGoogleGenAI`. */
/**
 * The part of a `@google/genai` client that is instrumented. Structural, not the SDK's class, so
 * the client of either module system's typings fits (see `OpenAIClientLike` in llmeter/openai).
 */
export interface GoogleGenAIClientLike {
  models: object;
}

export interface InstrumentGoogleGenAIOptions {
  /** Where calls are recorded. Default: the global meter (`getMeter()`), looked up at each call. */
  meter?: Meter;
  /** Provider name for the events. Default `google` (the Gemini API and Vertex AI alike). */
  provider?: string;
  /** Maps a requested model (a tuned model, an alias) to the model it runs. */
  modelAliases?: Record<string, string>;
}

interface GenerateParamsLike {
  model?: string;
  config?: GoogleGenerationConfigLike & { abortSignal?: AbortSignal };
}

interface ClientSettings {
  meter: Meter | undefined;
  provider: string;
  aliases: Record<string, string> | undefined;
  region: string | undefined;
  /** `server.address`/`server.port` of the client's endpoint, read once. */
  server: ServerEndpoint;
  /** The client's configured credentials, removed from error messages whatever their shape. */
  secrets: () => readonly string[] | undefined;
}

type Method = (this: unknown, ...args: never[]) => unknown;

/**
 * Records every `models.generateContent`, `models.generateContentStream` and
 * `models.embedContent` call of a `@google/genai` client (chats use them too) on a meter.
 * Returns the same client, instrumented in place.
 *
 * @example
 * const ai = instrumentGoogleGenAI(new GoogleGenAI({ apiKey }), { meter });
 * await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "Hello" });
 */
export function instrumentGoogleGenAI<C extends GoogleGenAIClientLike>(
  client: C,
  options: InstrumentGoogleGenAIOptions = {},
): C {
  const vertex = client as unknown as { vertexai?: boolean; location?: string };
  const location = vertex.vertexai === true ? vertex.location : undefined;
  const settings: ClientSettings = {
    meter: options.meter,
    provider: options.provider ?? "google",
    aliases: options.modelAliases,
    region: location,
    server: serverFromBaseUrl(clientBaseUrl(client)),
    secrets: clientSecrets(client),
  };
  const models = client.models;
  patchMethod(models, "generateContent", (original) => wrapGenerate(original, settings));
  patchMethod(models, "generateContentStream", (original) =>
    wrapGenerateStream(original, settings),
  );
  patchMethod(models, "embedContent", (original) => wrapEmbed(original, settings));
  return client;
}

function trackInfo(
  settings: ClientSettings,
  params: GenerateParamsLike,
  kind: "llm" | "embedding",
  streaming: boolean,
): TrackInfo {
  const requested = stripModelsPrefix(params.model ?? "unknown");
  const info: TrackInfo = {
    provider: settings.provider,
    model: settings.aliases?.[requested] ?? requested,
    kind,
    operation: kind === "embedding" ? "embeddings" : "generate_content",
    streaming,
  };
  if (settings.region !== undefined) info.region = settings.region;
  assignDefined(info, settings.server);
  const secrets = settings.secrets();
  if (secrets !== undefined) info.secrets = secrets;
  if (kind === "llm") addGoogleRequestDetails(info, params.config);
  return info;
}

/**
 * The endpoint the client sends to (`httpOptions.baseUrl`, the Vertex AI regional host or the
 * Gemini API's). The SDK only exposes it on its internal `ApiClient`, so this reads it defensively:
 * an SDK that moved it gives no `server.address` rather than an error.
 */
function clientBaseUrl(client: object): string | undefined {
  try {
    const apiClient = (client as { apiClient?: { getBaseUrl?: () => unknown } }).apiClient;
    const url = apiClient?.getBaseUrl?.();
    return typeof url === "string" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Measures an async SDK method: `onResult` records the value, failures are recorded and re-thrown. */
function measure(
  original: Method,
  settings: ClientSettings,
  info: (params: GenerateParamsLike) => TrackInfo,
  onResult: (value: unknown, tracker: TrackerHandle, params: GenerateParamsLike) => unknown,
): Method {
  return function instrumented(this: unknown, ...args: never[]): unknown {
    const meter = settings.meter ?? getMeter();
    const params = args[0] as GenerateParamsLike | undefined;
    if (!meter.enabled || params === null || typeof params !== "object") {
      return original.apply(this, args);
    }
    const callInfo = info(params);
    // Read only when a budget applies to the call (see docs/budgets.md).
    callInfo.estimate ??= () => estimateRequest(params as Record<string, unknown>);
    let tracker: TrackerHandle;
    try {
      tracker = startTracker(meter, callInfo);
    } catch (error) {
      // An enforced budget refused the call (BudgetExceededError): nothing was sent.
      return Promise.reject(error);
    }
    const onFailure = (error: unknown): never => {
      endWithError(tracker, error);
      throw error;
    };
    let promise: unknown;
    try {
      promise = runInCallContext(tracker, () => original.apply(this, args));
    } catch (error) {
      return onFailure(error);
    }
    return Promise.resolve(promise).then((value) => {
      try {
        return onResult(value, tracker, params);
      } catch {
        endQuietly(tracker);
        return value;
      }
    }, onFailure);
  };
}

function wrapGenerate(original: Method, settings: ClientSettings): Method {
  return measure(
    original,
    settings,
    (params) => trackInfo(settings, params, "llm", false),
    (value, tracker) => {
      recordGoogleResponse(value as GoogleResponseLike | undefined, tracker);
      tracker.end();
      return value;
    },
  );
}

function wrapGenerateStream(original: Method, settings: ClientSettings): Method {
  return measure(
    original,
    settings,
    (params) => trackInfo(settings, params, "llm", true),
    (value, tracker, params) => {
      const generator = value as AsyncGenerator<GoogleResponseLike>;
      if (typeof generator?.next !== "function") {
        tracker.end();
        return value;
      }
      // The caller gets the SDK's own generator back, reading through the watch.
      watchAsyncGenerator(generator, new GoogleStreamHandler(tracker), params.config?.abortSignal);
      return generator;
    },
  );
}

function wrapEmbed(original: Method, settings: ClientSettings): Method {
  return measure(
    original,
    settings,
    (params) => trackInfo(settings, params, "embedding", false),
    (value, tracker) => {
      recordGoogleEmbedding(value as GoogleEmbedResponseLike | undefined, tracker);
      tracker.end();
      return value;
    },
  );
}

/** The Gemini API accepts `models/gemini-2.5-flash`; the model is `gemini-2.5-flash`. */
function stripModelsPrefix(model: string): string {
  return model.startsWith("models/") ? model.slice("models/".length) : model;
}
