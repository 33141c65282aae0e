import type { TrackerHandle } from "../../meter/types.ts";
import { rememberResponseId } from "../shared/remember-response-id.ts";
import {
  endTrackedStream,
  type StreamHandler,
  type StreamOutcome,
} from "../shared/stream-watch.ts";
import {
  type GoogleGroundingLike,
  type GoogleUsageLike,
  googleToolCalls,
  googleUsageToTokens,
} from "./google-usage.ts";

/** The parts of a `GenerateContentResponse` we read. */
export interface GoogleResponseLike {
  responseId?: string;
  modelVersion?: string;
  usageMetadata?: GoogleUsageLike;
  candidates?: Array<
    | ({
        index?: number;
        content?: { parts?: unknown[] };
        finishReason?: string;
      } & GoogleGroundingLike)
    | undefined
  >;
}

/**
 * `generateContentStream` chunks: each is a partial `GenerateContentResponse`; `usageMetadata`
 * is cumulative, complete on the chunk that carries a candidate's `finishReason`
 * (https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse).
 */
export class GoogleStreamHandler implements StreamHandler<GoogleResponseLike> {
  private chunks = 0;
  private firstContentSeen = false;
  private finalUsageSeen = false;
  private usage: GoogleUsageLike | undefined;
  /** One `finishReason` per candidate, at the candidate's index; set when the first one arrives. */
  private finishReasons: string[] | undefined;
  /** Each candidate's latest grounding, at its index (the chunk that carries it repeats it whole). */
  private grounding: GoogleGroundingLike[] | undefined;
  private readonly tracker: TrackerHandle;

  constructor(tracker: TrackerHandle) {
    this.tracker = tracker;
  }

  chunk(value: GoogleResponseLike): GoogleResponseLike | undefined {
    this.chunks += 1;
    if (value.usageMetadata !== undefined) this.usage = value.usageMetadata;
    const candidate = value.candidates?.[0];
    if (!this.firstContentSeen && (candidate?.content?.parts?.length ?? 0) > 0) {
      this.firstContentSeen = true;
      this.tracker.firstToken();
      rememberResponseId(value.responseId);
      this.tracker.setResponse({
        responseModel: value.modelVersion || undefined,
        requestId: value.responseId || undefined,
      });
    }
    const candidates = value.candidates;
    if (candidates !== undefined) {
      for (let position = 0; position < candidates.length; position++) {
        const item = candidates[position];
        if (item?.groundingMetadata != null) {
          this.grounding ??= [];
          this.grounding[typeof item.index === "number" ? item.index : position] = item;
        }
        const reason = item?.finishReason;
        if (typeof reason !== "string" || reason === "") continue;
        this.finalUsageSeen = this.usage !== undefined;
        this.finishReasons ??= [];
        this.finishReasons[typeof item?.index === "number" ? item.index : position] = reason;
      }
    }
    return value;
  }

  end(outcome: StreamOutcome): void {
    if (this.usage !== undefined) this.tracker.setTokens(googleUsageToTokens(this.usage));
    const toolCalls = googleToolCalls(this.grounding);
    if (toolCalls !== undefined) this.tracker.setUsage({ toolCalls });
    // In candidate order; `filter` also drops the holes of candidates that never finished.
    const finishReasons = this.finishReasons?.filter((reason) => reason !== undefined);
    if (finishReasons !== undefined && finishReasons.length > 0)
      this.tracker.setResponse({ finishReasons });
    endTrackedStream(this.tracker, outcome, {
      chunks: this.chunks,
      finalUsageSeen: this.finalUsageSeen,
    });
  }
}
