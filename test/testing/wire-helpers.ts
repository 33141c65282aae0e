// Helpers for the mock provider tests: raw HTTP calls (to check framing the SDKs would tolerate)
// and the token rule the mock documents, restated so tests compute expectations independently.

/** POSTs JSON and returns the status, headers and raw body text. */
export async function postRaw(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Splits an SSE body into events ({ event, data }) by the given delimiter. */
export function parseSse(
  text: string,
  delimiter = "\n\n",
): Array<{ event?: string; data: string }> {
  expectEndsWith(text, delimiter);
  return text
    .split(delimiter)
    .filter((block) => block !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))?.slice("event: ".length);
      const dataLine = lines.find((line) => line.startsWith("data: "));
      if (dataLine === undefined)
        throw new Error(`SSE block without data: ${JSON.stringify(block)}`);
      const data = dataLine.slice("data: ".length);
      return event === undefined ? { data } : { event, data };
    });
}

function expectEndsWith(text: string, suffix: string): void {
  if (!text.endsWith(suffix))
    throw new Error(`SSE body does not end with ${JSON.stringify(suffix)}`);
}

/** The documented prompt rule: each message costs 3 tokens plus ceil(length / 4) of its text. */
export function expectedPromptTokens(...messageTexts: string[]): number {
  return messageTexts.reduce((total, text) => total + 3 + Math.ceil(text.length / 4), 0);
}

/** Counts whitespace-separated words. */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => word !== "").length;
}
