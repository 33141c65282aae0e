import type { TrackerHandle } from "../../meter/types.ts";
import { rememberResponseId } from "../shared/remember-response-id.ts";
import {
  endTrackedStream,
  type StreamHandler,
  type StreamOutcome,
} from "../shared/stream-watch.ts";
import { type GoogleUsageLike, googleUsageToTokens } from "./google-usage.ts";

/** The parts of a `GenerateContentResponse` we read. */
export interface GoogleResponseLike {
  responseId?: string;
  modelVersion?: string;
  usageMetadata?: GoogleUsageLike;
  candidates?: Array<{ content?: { parts?: unknown[] }; finishReason?: string } | undefined>;
}

/**
 * `generateContentStream` chunks: each is a partial `GenerateContentResponse`; `usageMetadata`
 * is cumulative, complete on the chunk that carries a `finishReason`.
 */
export class GoogleStreamHandler implements StreamHandler<GoogleResponseLike> {
  private chunks = 0;
  private firstContentSeen = false;
  private finalUsageSeen = false;
  private usage: GoogleUsageLike | undefined;
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
    if (candidate?.finishReason !== undefined) this.finalUsageSeen = this.usage !== undefined;
    return value;
  }

  end(outcome: StreamOutcome): void {
    if (this.usage !== undefined) this.tracker.setTokens(googleUsageToTokens(this.usage));
    endTrackedStream(this.tracker, outcome, {
      chunks: this.chunks,
      finalUsageSeen: this.finalUsageSeen,
    });
  }
}
