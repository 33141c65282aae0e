import { estimateRequest } from "../../budgets/estimate-call.ts";
import { getMeter } from "../../meter/global-meter.ts";
import type { Meter, TrackerHandle, TrackInfo } from "../../meter/types.ts";
import { clientSecrets } from "../shared/client-secrets.ts";
import { detectProviderFromBaseUrl, isInstanceOfClassNamed } from "../shared/detect-provider.ts";
import { patchMethod } from "../shared/patch-method.ts";
import { type ServerEndpoint, serverFromBaseUrl } from "../shared/request-details.ts";
import { endWithError, runInCallContext, startTracker } from "../shared/start-tracker.ts";
import { type SdkStreamLike, watchSdkStream } from "../shared/stream-watch.ts";
import { trackApiPromise } from "../shared/track-api-promise.ts";
import {
  addOpenAIRequestDetails,
  type OpenAIOperation,
  type OpenAIRequestBody,
  type OpenAIResultLike,
  recordOpenAIResult,
  shouldInjectStreamUsage,
} from "./openai-result.ts";
import { ChatStreamHandler, ResponsesStreamHandler } from "./openai-stream-handlers.ts";

/** Options of `instrumentOpenAI`. */
/**
 * The parts of an `openai` client that are instrumented. Structural, not the SDK's class: an app
 * holds the class of whichever typings it resolved (ESM or CommonJS, openai 6 or 7), and two
 * copies of a class with `#private` members are never assignable to each other.
 */
export interface OpenAIClientLike {
  chat: { completions: object };
  responses?: object;
  completions?: object;
  embeddings?: object;
}

export interface InstrumentOpenAIOptions {
  /** Where calls are recorded. Default: the global meter (`getMeter()`), looked up at each call. */
  meter?: Meter;
  /**
   * Ask for usage on streamed chat completions (`stream_options.include_usage`) when the caller
   * did not set it, and hide the extra usage chunk from the caller. Default true. Turn it off for
   * a server that rejects `stream_options`; such streams are then recorded without token counts.
   */
  injectStreamUsage?: boolean;
  /** Provider name for the events. Default: from the client (Azure) or its base URL, else `openai`. */
  provider?: string;
  /** Maps a requested model (an Azure deployment name, a proxy alias) to the model it runs. */
  modelAliases?: Record<string, string>;
}

type Operation = OpenAIOperation;

/** Settings fixed when the client is instrumented, so each call reads them without work. */
interface ClientSettings {
  meter: Meter | undefined;
  provider: string;
  aliases: Record<string, string> | undefined;
  deployment: string | undefined;
  injectStreamUsage: boolean;
  /** `server.address`/`server.port` of the client's base URL, parsed once. */
  server: ServerEndpoint;
  /** The client's configured credentials, removed from error messages whatever their shape. */
  secrets: () => readonly string[] | undefined;
}

/**
 * Records every call an `openai` client makes (chat completions, responses, legacy completions,
 * embeddings, streamed or not, and the SDK helpers built on them) on a meter. Returns the same
 * client, instrumented in place; calling it again on the same client does nothing more.
 *
 * @example
 * const client = instrumentOpenAI(new OpenAI(), { meter });
 * await client.chat.completions.create({ model: "gpt-4o-mini", messages });
 */
export function instrumentOpenAI<C extends OpenAIClientLike>(
  client: C,
  options: InstrumentOpenAIOptions = {},
): C {
  const azure = isInstanceOfClassNamed(client, "AzureOpenAI");
  const baseUrl = (client as { baseURL?: string }).baseURL;
  const settings: ClientSettings = {
    meter: options.meter,
    provider:
      options.provider ??
      (azure ? "azure" : undefined) ??
      detectProviderFromBaseUrl(baseUrl) ??
      "openai",
    aliases: options.modelAliases,
    deployment:
      (client as { deploymentName?: string }).deploymentName ?? deploymentFromBaseUrl(baseUrl),
    injectStreamUsage: options.injectStreamUsage ?? true,
    server: serverFromBaseUrl(baseUrl),
    secrets: clientSecrets(client),
  };
  patchMethod(client.chat?.completions, "create", (original) =>
    wrapCreate(original, settings, "chat"),
  );
  patchMethod(client.responses, "create", (original) =>
    wrapCreate(original, settings, "responses"),
  );
  patchMethod(client.completions, "create", (original) =>
    wrapCreate(original, settings, "text_completion"),
  );
  patchMethod(client.embeddings, "create", (original) =>
    wrapCreate(original, settings, "embeddings"),
  );
  return client;
}

function wrapCreate(
  original: (this: unknown, ...args: never[]) => unknown,
  settings: ClientSettings,
  operation: Operation,
): (this: unknown, ...args: never[]) => unknown {
  return function instrumentedCreate(this: unknown, ...args: never[]): unknown {
    const meter = settings.meter ?? getMeter();
    const body = args[0] as OpenAIRequestBody | undefined;
    if (!meter.enabled || body === null || typeof body !== "object") {
      return original.apply(this, args);
    }
    const streaming = body.stream === true;
    const injectUsage =
      settings.injectStreamUsage && shouldInjectStreamUsage(operation, body, settings.provider);
    const callArgs = injectUsage
      ? ([
          { ...body, stream_options: { ...body.stream_options, include_usage: true } },
          ...args.slice(1),
        ] as never[])
      : args;
    let tracker: TrackerHandle;
    try {
      tracker = startTracker(meter, trackInfo(settings, operation, body, streaming));
    } catch (error) {
      // An enforced budget refused the call (BudgetExceededError): nothing was sent. Rejected like
      // any SDK failure, so code that collects the promises sees it there.
      return Promise.reject(error);
    }
    let promise: unknown;
    try {
      promise = runInCallContext(tracker, () => original.apply(this, callArgs));
    } catch (error) {
      endWithError(tracker, error);
      throw error;
    }
    return trackApiPromise(promise as PromiseLike<unknown>, tracker, (data, response) =>
      streaming
        ? watchStream(data as SdkStreamLike, response, tracker, operation, injectUsage)
        : recordResult(data, response, tracker, operation),
    );
  };
}

function trackInfo(
  settings: ClientSettings,
  operation: Operation,
  body: OpenAIRequestBody,
  streaming: boolean,
): TrackInfo {
  const requested = body.model ?? settings.deployment ?? "unknown";
  const aliases = settings.aliases;
  const model =
    aliases?.[requested] ??
    (settings.deployment !== undefined ? aliases?.[settings.deployment] : undefined) ??
    requested;
  const info: TrackInfo = {
    provider: settings.provider,
    model,
    kind: operation === "embeddings" ? "embedding" : "llm",
    operation: operation === "responses" ? "chat" : operation,
    streaming,
    // Read only when a budget applies to the call (see docs/budgets.md).
    estimate: () => estimateRequest(body as Record<string, unknown>),
  };
  const server = settings.server;
  if (server.serverAddress !== undefined) info.serverAddress = server.serverAddress;
  if (server.serverPort !== undefined) info.serverPort = server.serverPort;
  const secrets = settings.secrets();
  if (secrets !== undefined) info.secrets = secrets;
  return addOpenAIRequestDetails(info, body, operation);
}

function watchStream(
  stream: SdkStreamLike,
  response: Response | undefined,
  tracker: TrackerHandle,
  operation: Operation,
  hideUsage: boolean,
): SdkStreamLike {
  if (typeof stream?.iterator !== "function") {
    tracker.end();
    return stream;
  }
  const requestId = response?.headers.get("x-request-id") ?? undefined;
  if (operation === "responses")
    watchSdkStream(stream, new ResponsesStreamHandler(tracker, requestId));
  else watchSdkStream(stream, new ChatStreamHandler(tracker, hideUsage, requestId));
  return stream;
}

function recordResult(
  data: unknown,
  response: Response | undefined,
  tracker: TrackerHandle,
  operation: Operation,
): unknown {
  const result = data as OpenAIResultLike | null;
  // The SDK already read the `x-request-id` header into `_request_id`: reading it again costs a
  // header lookup per call.
  const requestId =
    result !== null && typeof result === "object" && result._request_id !== undefined
      ? result._request_id
      : response?.headers.get("x-request-id");
  recordOpenAIResult(result, tracker, operation, requestId);
  tracker.end();
  return data;
}

/** Azure base URLs may name the deployment: `.../openai/deployments/<name>`. */
function deploymentFromBaseUrl(baseUrl: string | undefined): string | undefined {
  if (baseUrl === undefined) return undefined;
  const match = /\/deployments\/([^/?#]+)/.exec(baseUrl);
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
}
