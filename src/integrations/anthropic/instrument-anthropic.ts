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
import { endWithError, runInCallContext, startTracker } from "../shared/start-tracker.ts";
import { type SdkStreamLike, watchSdkStream } from "../shared/stream-watch.ts";
import { trackApiPromise } from "../shared/track-api-promise.ts";
import {
  type AnthropicMessageBodyLike,
  type AnthropicMessageLike,
  addAnthropicRequestDetails,
  recordAnthropicMessage,
} from "./anthropic-message.ts";
import { AnthropicStreamHandler } from "./anthropic-stream-handler.ts";
import { recordBatchResults } from "./record-batch-results.ts";

/** Options of `instrumentAnthropic`. */
/**
 * The parts of an `@anthropic-ai/sdk` client that are instrumented. Structural, not the SDK's
 * class, so the client of either module system's typings fits (see `OpenAIClientLike`).
 */
export interface AnthropicClientLike {
  messages: { batches?: object };
  beta?: { messages?: object };
}

export interface InstrumentAnthropicOptions {
  /** Where calls are recorded. Default: the global meter (`getMeter()`), looked up at each call. */
  meter?: Meter;
  /** Provider name for the events. Default `anthropic`. */
  provider?: string;
  /** Maps a requested model (a proxy alias) to the model it runs. */
  modelAliases?: Record<string, string>;
}

type MessageBodyLike = AnthropicMessageBodyLike;
type MessageLike = AnthropicMessageLike;

interface ClientSettings {
  meter: Meter | undefined;
  provider: string;
  aliases: Record<string, string> | undefined;
  /** `server.address`/`server.port` of the client's base URL, parsed once. */
  server: ServerEndpoint;
  /** The client's configured credentials, removed from error messages whatever their shape. */
  secrets: () => readonly string[] | undefined;
}

/**
 * Records every Messages call an `@anthropic-ai/sdk` client makes (`messages.create`, streamed or
 * not, `messages.stream()`, `messages.parse()`, and the same under `beta.messages`) on a meter,
 * and each succeeded request of a Message Batch as its results are read
 * (`messages.batches.results()`).
 * Returns the same client, instrumented in place.
 *
 * @example
 * const client = instrumentAnthropic(new Anthropic(), { meter });
 * await client.messages.create({ model: "claude-sonnet-4-5", max_tokens: 256, messages });
 */
export function instrumentAnthropic<C extends AnthropicClientLike>(
  client: C,
  options: InstrumentAnthropicOptions = {},
): C {
  const settings: ClientSettings = {
    meter: options.meter,
    provider: options.provider ?? "anthropic",
    aliases: options.modelAliases,
    server: serverFromBaseUrl((client as { baseURL?: string }).baseURL),
    secrets: clientSecrets(client),
  };
  patchMethod(client.messages, "create", (original) => wrapCreate(original, settings));
  patchMethod((client as { beta?: { messages?: object } }).beta?.messages, "create", (original) =>
    wrapCreate(original, settings),
  );
  patchMethod(client.messages.batches, "results", (original) =>
    wrapBatchResults(original, settings),
  );
  return client;
}

function wrapCreate(
  original: (this: unknown, ...args: never[]) => unknown,
  settings: ClientSettings,
): (this: unknown, ...args: never[]) => unknown {
  return function instrumentedCreate(this: unknown, ...args: never[]): unknown {
    const meter = settings.meter ?? getMeter();
    const body = args[0] as MessageBodyLike | undefined;
    if (!meter.enabled || body === null || typeof body !== "object") {
      return original.apply(this, args);
    }
    const streaming = body.stream === true;
    const requested = body.model ?? "unknown";
    let tracker: TrackerHandle;
    try {
      const info: TrackInfo = {
        provider: settings.provider,
        model: settings.aliases?.[requested] ?? requested,
        kind: "llm",
        operation: "chat",
        streaming,
        // Read only when a budget applies to the call (see docs/budgets.md).
        estimate: () => estimateRequest(body as Record<string, unknown>),
      };
      assignDefined(info, settings.server);
      const secrets = settings.secrets();
      if (secrets !== undefined) info.secrets = secrets;
      addAnthropicRequestDetails(info, body);
      tracker = startTracker(meter, info);
    } catch (error) {
      // An enforced budget refused the call (BudgetExceededError): nothing was sent.
      return Promise.reject(error);
    }
    let promise: unknown;
    try {
      promise = runInCallContext(tracker, () => original.apply(this, args));
    } catch (error) {
      endWithError(tracker, error);
      throw error;
    }
    return trackApiPromise(promise as PromiseLike<unknown>, tracker, (data, response) => {
      // A message already carries the `request-id` header as `_request_id` (the SDK read it);
      // a stream does not.
      const carried = (data as { _request_id?: string | null } | null)?._request_id;
      const requestId =
        (carried !== undefined ? carried : response?.headers.get("request-id")) || undefined;
      return streaming
        ? watchStream(data as SdkStreamLike, tracker, requestId)
        : recordMessage(data as MessageLike, tracker, requestId);
    });
  };
}

/** `messages.batches.results(id)`: the decoder it resolves to records each succeeded request as it is read. */
function wrapBatchResults(
  original: (this: unknown, ...args: never[]) => unknown,
  settings: ClientSettings,
): (this: unknown, ...args: never[]) => unknown {
  return function instrumentedResults(this: unknown, ...args: never[]): unknown {
    const meter = settings.meter ?? getMeter();
    const batchId = args[0] as unknown;
    const result = original.apply(this, args);
    if (!meter.enabled || typeof batchId !== "string") return result;
    return Promise.resolve(result).then((decoder) => {
      recordBatchResults(decoder, meter, batchId, settings.provider);
      return decoder;
    });
  };
}

function watchStream(
  stream: SdkStreamLike,
  tracker: TrackerHandle,
  requestId: string | undefined,
): SdkStreamLike {
  if (typeof stream?.iterator !== "function") {
    tracker.end();
    return stream;
  }
  watchSdkStream(stream, new AnthropicStreamHandler(tracker, requestId));
  return stream;
}

function recordMessage(
  message: MessageLike,
  tracker: TrackerHandle,
  requestId: string | undefined,
): MessageLike {
  recordAnthropicMessage(message, tracker, requestId);
  tracker.end();
  return message;
}
