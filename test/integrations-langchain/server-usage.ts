/**
 * Test helper: a `fetch` that passes every request through unchanged and keeps, for each
 * response, the token usage the server reported (OpenAI or Anthropic wire format, JSON or SSE),
 * so tests compare what llmeter recorded with what the server really said, not with constants.
 */

/** Usage as a server reported it, in llmeter's convention (input includes cache reads/writes). */
export interface ServerUsage {
  id: string | undefined;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  cacheReadTokens: number | undefined;
}

export interface RecordingFetch {
  fetch: typeof fetch;
  /** One entry per finished response body, in completion order. */
  usages: ServerUsage[];
  /** Resolves when every response body seen so far has been read. */
  settled(): Promise<ServerUsage[]>;
}

export function createRecordingFetch(): RecordingFetch {
  const usages: ServerUsage[] = [];
  const pending: Promise<void>[] = [];
  const recordingFetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const response = await fetch(input, init);
    if (!response.ok || response.body === null) return response;
    const [forCaller, forUs] = response.body.tee();
    pending.push(
      new Response(forUs).text().then(
        (text) => {
          const usage = parseUsage(text);
          if (usage !== undefined) usages.push(usage);
        },
        // A body cut mid-way (the mock's broken stream) reported nothing.
        () => {},
      ),
    );
    return new Response(forCaller, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }) as typeof fetch;
  return {
    fetch: recordingFetch,
    usages,
    settled: async () => {
      await Promise.all(pending);
      return usages;
    },
  };
}

function parseUsage(text: string): ServerUsage | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) return usageFromPayloads([JSON.parse(trimmed)]);
  const payloads: unknown[] = [];
  for (const line of trimmed.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "" || data === "[DONE]") continue;
    payloads.push(JSON.parse(data));
  }
  return usageFromPayloads(payloads);
}

type Usage = Record<string, unknown> & {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number };
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
};

function usageFromPayloads(payloads: unknown[]): ServerUsage | undefined {
  let found: ServerUsage | undefined;
  for (const payload of payloads) {
    const body = payload as {
      id?: string;
      usage?: Usage;
      message?: { id?: string; usage?: Usage };
    };
    const usage = body.usage ?? body.message?.usage;
    const id = body.id ?? body.message?.id;
    if (usage === undefined || usage === null) continue;
    found ??= { id, inputTokens: undefined, outputTokens: undefined, cacheReadTokens: undefined };
    found.id ??= id;
    if (usage.prompt_tokens !== undefined) {
      // OpenAI chat completions / embeddings.
      found.inputTokens = usage.prompt_tokens;
      found.outputTokens = usage.completion_tokens;
      found.cacheReadTokens = usage.prompt_tokens_details?.cached_tokens;
    } else {
      // Anthropic: message_start has the input, message_delta the cumulative output.
      if (usage.input_tokens !== undefined && (body.message !== undefined || payloads.length === 1))
        found.inputTokens =
          usage.input_tokens +
          (usage.cache_read_input_tokens ?? 0) +
          (usage.cache_creation_input_tokens ?? 0);
      if (usage.cache_read_input_tokens !== undefined)
        found.cacheReadTokens ??= usage.cache_read_input_tokens;
      if (usage.output_tokens !== undefined) found.outputTokens = usage.output_tokens;
    }
  }
  return found;
}
