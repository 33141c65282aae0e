import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { AttributionInput } from "../../meter/attribution.ts";
import { getMeter } from "../../meter/global-meter.ts";
import type { Meter, TrackerHandle } from "../../meter/types.ts";
import type { AttributeValue } from "../../usage/usage-event.ts";
import { wasRecordedByProviderSdk } from "../shared/recording-scope.ts";
import { wasRunClaimedBySdk } from "./claimed-runs.ts";
import { normalizeProviderName } from "./provider-name.ts";
import { outcomeFromLlmResult } from "./usage-from-llm-result.ts";

/** Options for `createLlmeterCallbackHandler`. */
export interface LlmeterCallbackHandlerOptions {
  /** Where events go. Default: `getMeter()`, looked up at each run, so `setGlobalMeter` later works. */
  meter?: Meter;
  /** Free attributes added to every event this handler records (`{ feature: "search" }`). */
  attributes?: Record<string, AttributeValue>;
}

interface ActiveRun {
  tracker: TrackerHandle;
  chunks: number;
  provider: string;
  /** Anthropic streams: the cumulative output count of the last `message_delta`. */
  anthropicStreamOutput?: number;
}

/** Runs in flight (and chain runs remembered for root ids) kept at most, per handler. */
const MAX_TRACKED_RUNS = 10_000;

// Run metadata keys (set with `invoke(input, { metadata })`) that map onto llmeter attribution.
const METADATA_ATTRIBUTION: ReadonlyArray<[string, keyof AttributionInput]> = [
  ["tenantId", "tenantId"],
  ["tenant_id", "tenantId"],
  ["userId", "userId"],
  ["user_id", "userId"],
  ["sessionId", "sessionId"],
  ["session_id", "sessionId"],
  ["conversationId", "conversationId"],
  ["conversation_id", "conversationId"],
  ["thread_id", "conversationId"],
  ["organizationId", "organizationId"],
  ["organization_id", "organizationId"],
];

/**
 * A LangChain callback handler that records one usage event per chat model or LLM run: tokens
 * from `usage_metadata` (or `llmOutput.tokenUsage`), provider and model from the run metadata,
 * time to first token on streams, LangChain cache hits as cached with zero tokens, and errors.
 * Run ids go into the event's attributes (`langchain.run_id`, `langchain.parent_run_id`, and
 * `langchain.root_run_id` when the handler is passed to the chain too) so every call of one chain
 * or agent run can be grouped; run metadata `session_id`, `user_id`, `tenant_id`, `thread_id`...
 * become the event's attribution.
 *
 * @example
 * const model = new ChatOpenAI({ model: "gpt-4o-mini", callbacks: [createLlmeterCallbackHandler()] });
 */
export class LlmeterCallbackHandler extends BaseCallbackHandler {
  name = "llmeter";
  // Awaited, so start, first-token and end are stamped when they happen (not when a background
  // queue gets to them) and the caller's attribution context is still the active one. The work
  // is a few property writes; it never throws into LangChain (raiseError stays false).
  override awaitHandlers = true;

  private readonly meterOption: Meter | undefined;
  private readonly attributes: Record<string, AttributeValue> | undefined;
  private readonly runs = new Map<string, ActiveRun>();
  // Parent of each chain/tool/agent run seen, so a model run can name the root of its tree.
  private readonly parents = new Map<string, string | undefined>();

  constructor(options: LlmeterCallbackHandlerOptions = {}) {
    super();
    this.meterOption = options.meter;
    this.attributes = options.attributes;
  }

  // LangChain copies handlers in a few places; a copy must share the runs in flight.
  override copy(): this {
    return this;
  }

  override handleChatModelStart(
    llm: Serialized,
    _messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    this.startRun("chat", llm, runId, parentRunId, extraParams, metadata);
  }

  override handleLLMStart(
    llm: Serialized,
    _prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    this.startRun("text_completion", llm, runId, parentRunId, extraParams, metadata);
  }

  override handleLLMNewToken(
    token: string,
    _indices: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    fields?: { chunk?: unknown },
  ): void {
    const run = this.runs.get(runId);
    if (run === undefined) return;
    try {
      run.chunks += 1;
      // The role-only opening chunk is not a token; a tool-call fragment is.
      if (token !== "" || hasToolCallChunk(fields?.chunk)) run.tracker.firstToken();
      if (run.provider === "anthropic") {
        const output = anthropicCumulativeOutput(fields?.chunk);
        if (output !== undefined) run.anthropicStreamOutput = output;
      }
    } catch {
      // Telemetry never breaks the application's stream.
    }
  }

  override handleLLMEnd(
    output: LLMResult,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    extraParams?: Record<string, unknown>,
  ): void {
    const run = this.takeRun(runId);
    if (run === undefined) return;
    try {
      const { tracker } = run;
      if (run.chunks > 0) tracker.setStreaming({ chunks: run.chunks });
      if (extraParams?.cached === true) {
        // Served by LangChain's cache: no provider call, nothing billed.
        tracker.setCached(true);
        tracker.setTokens({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });
        tracker.end();
        return;
      }
      const outcome = outcomeFromLlmResult(output);
      // The provider call was recorded, richer, by an instrumented SDK client: stay silent.
      if (wasRunClaimedBySdk(runId) || wasRecordedByProviderSdk(outcome.requestId)) {
        tracker.discard?.();
        return;
      }
      const usage = outcome.usage;
      if (run.anthropicStreamOutput !== undefined && usage.outputTokens !== undefined) {
        // Anthropic's message_start carries a placeholder output count and message_delta the
        // cumulative total ("The token counts shown in the usage field of the message_delta
        // event are cumulative", docs.anthropic.com/en/docs/build-with-claude/streaming);
        // LangChain adds both up, one token too many. Use the server's final count.
        usage.outputTokens = run.anthropicStreamOutput;
        if (usage.inputTokens !== undefined)
          usage.totalTokens = usage.inputTokens + usage.outputTokens;
      }
      tracker.setTokens(usage);
      tracker.setResponse({ responseModel: outcome.responseModel, requestId: outcome.requestId });
      tracker.end();
    } catch {
      // Telemetry never breaks the application's call.
    }
  }

  override handleLLMError(err: unknown, runId: string): void {
    const run = this.takeRun(runId);
    if (run === undefined) return;
    try {
      if (wasRunClaimedBySdk(runId)) {
        run.tracker.discard?.();
        return;
      }
      if (run.chunks > 0) run.tracker.setStreaming({ chunks: run.chunks });
      run.tracker.setError(err);
      run.tracker.end();
    } catch {
      // Telemetry never breaks the application's call.
    }
  }

  override handleChainStart(
    _chain: Serialized,
    _inputs: unknown,
    runId: string,
    parentRunId?: string,
  ): void {
    this.rememberParent(runId, parentRunId);
  }

  override handleChainEnd(_outputs: unknown, runId: string): void {
    this.parents.delete(runId);
  }

  override handleChainError(_error: unknown, runId: string): void {
    this.parents.delete(runId);
  }

  override handleToolStart(
    _tool: Serialized,
    _input: string,
    runId: string,
    parentRunId?: string,
  ): void {
    this.rememberParent(runId, parentRunId);
  }

  override handleToolEnd(_output: unknown, runId: string): void {
    this.parents.delete(runId);
  }

  override handleToolError(_error: unknown, runId: string): void {
    this.parents.delete(runId);
  }

  private startRun(
    operation: string,
    llm: Serialized,
    runId: string,
    parentRunId: string | undefined,
    extraParams: Record<string, unknown> | undefined,
    metadata: Record<string, unknown> | undefined,
  ): void {
    try {
      const meter = this.meterOption ?? getMeter();
      if (!meter.enabled) return;
      const invocationParams = (extraParams?.invocation_params ?? {}) as Record<string, unknown>;
      const attributes: Record<string, AttributeValue> = { ...this.attributes };
      attributes["langchain.run_id"] = runId;
      if (parentRunId !== undefined) {
        attributes["langchain.parent_run_id"] = parentRunId;
        // Known only when this handler also sees the enclosing chain (passed in the chain's
        // `callbacks`, not only the model's); a guess would group unrelated calls.
        if (this.parents.has(parentRunId))
          attributes["langchain.root_run_id"] = this.rootOf(parentRunId);
      }
      const provider = providerOf(llm, metadata, invocationParams);
      const tracker = meter.start({
        ...attributionFromMetadata(metadata),
        provider,
        model: modelOf(metadata, invocationParams),
        kind: "llm",
        operation,
        attributes,
      });
      this.runs.set(runId, { tracker, chunks: 0, provider });
      if (this.runs.size > MAX_TRACKED_RUNS) {
        const oldest = this.runs.keys().next();
        if (oldest.done !== true) this.runs.delete(oldest.value);
      }
    } catch {
      // Telemetry never breaks the application's call.
    }
  }

  // Bounded: runs whose end never comes (a crashed process half-way) must not pile up.
  private rememberParent(runId: string, parentRunId: string | undefined): void {
    this.parents.set(runId, parentRunId);
    if (this.parents.size > MAX_TRACKED_RUNS) {
      const oldest = this.parents.keys().next();
      if (oldest.done !== true) this.parents.delete(oldest.value);
    }
  }

  private takeRun(runId: string): ActiveRun | undefined {
    const run = this.runs.get(runId);
    this.runs.delete(runId);
    return run;
  }

  private rootOf(runId: string): string {
    let current = runId;
    // Bounded walk: a malformed parent map can never loop forever.
    for (let depth = 0; depth < 1000; depth += 1) {
      const parent = this.parents.get(current);
      if (parent === undefined) return current;
      current = parent;
    }
    return current;
  }
}

/** Creates the llmeter LangChain callback handler; see `LlmeterCallbackHandler`. */
export function createLlmeterCallbackHandler(
  options: LlmeterCallbackHandlerOptions = {},
): LlmeterCallbackHandler {
  return new LlmeterCallbackHandler(options);
}

function providerOf(
  llm: Serialized,
  metadata: Record<string, unknown> | undefined,
  invocationParams: Record<string, unknown>,
): string {
  const named = metadata?.ls_provider ?? invocationParams.provider;
  if (typeof named === "string" && named !== "") return normalizeProviderName(named);
  const className = llm.id?.at(-1);
  return typeof className === "string" ? normalizeProviderName(className) : "unknown";
}

function modelOf(
  metadata: Record<string, unknown> | undefined,
  invocationParams: Record<string, unknown>,
): string {
  for (const value of [
    metadata?.ls_model_name,
    invocationParams.model,
    invocationParams.model_name,
    invocationParams.modelName,
  ]) {
    if (typeof value === "string" && value !== "") return value;
  }
  return "unknown";
}

function attributionFromMetadata(metadata: Record<string, unknown> | undefined): AttributionInput {
  const attribution: AttributionInput = {};
  if (metadata === undefined) return attribution;
  for (const [key, field] of METADATA_ATTRIBUTION) {
    const value = metadata[key];
    if (typeof value === "string" && value !== "" && attribution[field] === undefined)
      attribution[field] = value;
  }
  return attribution;
}

function anthropicCumulativeOutput(chunk: unknown): number | undefined {
  const usage = (
    chunk as
      | { message?: { usage_metadata?: { input_tokens?: unknown; output_tokens?: unknown } } }
      | undefined
  )?.message?.usage_metadata;
  // message_delta chunks are the ones with usage but no input count.
  if (usage?.input_tokens !== 0 || typeof usage.output_tokens !== "number") return undefined;
  return usage.output_tokens;
}

function hasToolCallChunk(chunk: unknown): boolean {
  const message = (chunk as { message?: { tool_call_chunks?: unknown[] } } | undefined)?.message;
  return (message?.tool_call_chunks?.length ?? 0) > 0;
}
