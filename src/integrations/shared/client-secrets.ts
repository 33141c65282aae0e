/** The client fields that hold credentials, across the SDKs llmeter instruments. */
const SECRET_FIELDS = ["apiKey", "authToken", "adminApiKey"] as const;

/**
 * Reads the credentials an SDK client was configured with (`apiKey`, Anthropic's `authToken`), so
 * the meter can remove them from error messages whatever their shape (see redact-secrets.ts).
 * The client may rotate its key (OpenAI's `apiKey` function refreshes `client.apiKey`): read on
 * every call, and the same array comes back while the values are unchanged, so a call allocates
 * nothing.
 *
 * @example
 * const secrets = clientSecrets(client);
 * info.secrets = secrets(); // ["sk-proj-..."] or undefined
 */
export function clientSecrets(client: object): () => readonly string[] | undefined {
  let last: string[] | undefined;
  return () => {
    let changed = false;
    let count = 0;
    for (const field of SECRET_FIELDS) {
      const value = readField(client, field);
      if (value === undefined) continue;
      if (last?.[count] !== value) changed = true;
      count += 1;
    }
    if (!changed && count === (last?.length ?? 0)) return last;
    last = [];
    for (const field of SECRET_FIELDS) {
      const value = readField(client, field);
      if (value !== undefined) last.push(value);
    }
    if (last.length === 0) last = undefined;
    return last;
  };
}

function readField(client: object, field: string): string | undefined {
  try {
    const value = (client as Record<string, unknown>)[field];
    return typeof value === "string" && value.length > 0 ? value : undefined;
  } catch {
    // A getter that throws: no secret known, the patterns still apply.
    return undefined;
  }
}
