// The gateway under load: 1,000 streams at once, each delivered whole and recorded once with its
// exact usage; and a soak (5 s in CI, LLMETER_SOAK_SECONDS for the long run) of plain and
// streamed calls from concurrent clients: nothing lost or double-counted, memory flat once warm.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Agent, request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { type GatewayRig, startGatewayRig } from "./gateway-harness.ts";

const SOAK_SECONDS = Number(process.env.LLMETER_SOAK_SECONDS ?? "5");
const CHUNKS = 20;
const chat = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello, gateway." }] };
let rig: GatewayRig | undefined;
let client: Agent | undefined;

afterEach(async () => {
  await client?.close();
  await rig?.close();
  client = undefined;
  rig = undefined;
});

const collectGarbage = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

function heapMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** One call through the gateway: the status and the body's text. */
async function call(stream: boolean): Promise<{ status: number; text: string }> {
  const response = await request(`${rig?.gateway.url}/openai/v1/chat/completions`, {
    method: "POST",
    dispatcher: client,
    headers: { "content-type": "application/json", authorization: "Bearer sk-load" },
    body: JSON.stringify(stream ? { ...chat, stream: true } : chat),
  });
  return { status: response.statusCode, text: await response.body.text() };
}

/** The `data:` payloads of an SSE body, `[DONE]` included. */
function dataLines(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => line.slice(6));
}

describe("the gateway under load", () => {
  it("1,000 concurrent streams: each arrives whole, each is one event with its exact usage", {
    timeout: 180_000,
  }, async () => {
    rig = await startGatewayRig({ chunks: CHUNKS });
    client = new Agent({ connections: 1000 });
    // The same stream straight from the mock: what each client must see, and (asked with
    // include_usage, as the gateway asks for it) the usage each event must carry.
    const direct = async (includeUsage: boolean) => {
      const response = await fetch(`${rig?.direct.openaiBaseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          ...chat,
          stream: true,
          ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
        }),
      });
      return dataLines(await response.text());
    };
    const expectedLines = (await direct(false)).length;
    const usageChunk = (await direct(true))
      .filter((line) => line !== "[DONE]")
      .map(
        (line) =>
          JSON.parse(line) as {
            usage?: { prompt_tokens: number; completion_tokens: number } | null;
          },
      )
      .find((chunk) => chunk.usage != null)?.usage;
    expect(usageChunk).toBeDefined();
    const results = await Promise.all(Array.from({ length: 1000 }, () => call(true)));
    expect(results.filter((result) => result.status !== 200)).toEqual([]);
    for (const { text } of results) {
      const lines = dataLines(text);
      expect(lines).toHaveLength(expectedLines);
      expect(lines.at(-1)).toBe("[DONE]");
    }
    const events = await rig.ledgerEvents();
    expect(events).toHaveLength(1000);
    expect(new Set(events.map((event) => event.id)).size).toBe(1000);
    const usage = new Set(events.map((event) => `${event.inputTokens}/${event.outputTokens}`));
    expect([...usage]).toEqual([`${usageChunk?.prompt_tokens}/${usageChunk?.completion_tokens}`]);
    expect(events.every((event) => event.streaming && event.success)).toBe(true);
  });

  it(`soak: ${SOAK_SECONDS} s of plain and streamed calls from 32 clients, nothing lost, memory flat`, {
    timeout: (SOAK_SECONDS + 120) * 1000,
  }, async () => {
    rig = await startGatewayRig({ chunks: CHUNKS });
    client = new Agent({ connections: 32 });
    const deadline = performance.now() + SOAK_SECONDS * 1000;
    let calls = 0;
    let failures = 0;
    let heapWarmMb = 0;
    let heapMaxMb = 0;
    const worker = async (index: number) => {
      while (performance.now() < deadline) {
        const { status } = await call((calls + index) % 2 === 0);
        calls += 1;
        if (status !== 200) failures += 1;
      }
    };
    const sampler = setInterval(() => {
      const heap = heapMb();
      if (heapWarmMb === 0) heapWarmMb = heap;
      heapMaxMb = Math.max(heapMaxMb, heap);
    }, 1000);
    try {
      await Promise.all(Array.from({ length: 32 }, (_, index) => worker(index)));
    } finally {
      clearInterval(sampler);
    }
    // The heap once the traffic stopped, before the test itself reads the ledger.
    const heapEndMb = heapMb();
    const recorded = await rig.ledgerCount();
    console.info(
      `gateway soak: ${calls} calls in ${SOAK_SECONDS} s, heap warm ${heapWarmMb.toFixed(1)} MB, max ${heapMaxMb.toFixed(1)} MB, end ${heapEndMb.toFixed(1)} MB`,
    );
    expect(calls).toBeGreaterThan(0);
    expect(failures).toBe(0);
    expect(recorded).toBe(calls);
    const dropped = Object.values(rig.gateway.meter.getHealth().droppedBySink);
    expect(dropped.every((count) => count === 0)).toBe(true);
    // Flat memory: what the heap holds after GC does not grow with the number of calls. The
    // meter's live window keeps at most 10,000 events; growth past warm-up stays within a fixed
    // allowance whatever the duration.
    expect(heapEndMb - heapWarmMb).toBeLessThan(64);
  });
});
