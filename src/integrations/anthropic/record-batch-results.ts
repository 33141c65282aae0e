import type { Meter } from "../../meter/types.ts";
import { type AnthropicUsageLike, anthropicUsageToTokens } from "./anthropic-usage.ts";

/** One line of a Message Batch's results file. */
interface BatchResultLike {
  custom_id?: string;
  result?: {
    type?: string;
    message?: { id?: string; model?: string; usage?: AnthropicUsageLike | null };
  };
}

interface DecoderLike {
  decoder?: () => AsyncIterator<unknown>;
}

/**
 * Makes a `messages.batches.results()` decoder record each succeeded request as it is read: a
 * batch's usage is only known from its results. Each event has the id
 * `anthropic-batch:<batch id>:<custom_id>`, so reading the same results twice is deduplicated by
 * the ledger. Errored, canceled and expired requests are not billed and are not recorded
 * (https://docs.claude.com/en/docs/build-with-claude/batch-processing#pricing).
 */
export function recordBatchResults(
  decoder: unknown,
  meter: Meter,
  batchId: string,
  provider: string,
): void {
  const target = decoder as DecoderLike | null;
  if (target === null || typeof target !== "object" || typeof target.decoder !== "function") return;
  const read = target.decoder;
  target.decoder = function recordingDecoder(this: unknown): AsyncIterator<unknown> {
    return recordEach(read.call(this), meter, batchId, provider);
  };
}

async function* recordEach(
  source: AsyncIterator<unknown>,
  meter: Meter,
  batchId: string,
  provider: string,
): AsyncGenerator<unknown> {
  const iterable = { [Symbol.asyncIterator]: () => source };
  for await (const line of iterable) {
    try {
      recordLine(line as BatchResultLike, meter, batchId, provider);
    } catch {
      // Measuring never breaks reading the results.
    }
    yield line;
  }
}

function recordLine(line: BatchResultLike, meter: Meter, batchId: string, provider: string): void {
  const result = line.result;
  if (result?.type !== "succeeded" || result.message == null) return;
  const message = result.message;
  const model = message.model ?? "unknown";
  meter.record({
    id: `anthropic-batch:${batchId}:${line.custom_id ?? message.id ?? ""}`,
    kind: "llm",
    operation: "chat",
    provider,
    model,
    responseModel: model,
    requestId: message.id,
    // Batch requests are billed at the batch tier whatever the message says.
    serviceTier: "batch",
    success: true,
    attributes: { "anthropic.batch_id": batchId },
    ...(message.usage == null ? {} : anthropicUsageToTokens(message.usage)),
  });
}
