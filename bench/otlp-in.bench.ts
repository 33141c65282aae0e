// What the OTLP receiver costs per span: decoding an ExportTraceServiceRequest (protobuf with
// @bufbuild/protobuf's wire reader, or OTLP JSON) and turning its GenAI spans into usage events.
// Run: node_modules/.bin/node bench/otlp-in.bench.ts   (OTLP_IN_BENCH_SPANS, OTLP_IN_BENCH_ROUNDS)
// The payloads come from the OpenTelemetry SDK's own serializers: 1 span in 4 is not GenAI (an
// HTTP span), as in a Collector's mixed pipeline. CPU time, median of alternating rounds.
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { decodeOtlpJson } from "../src/otlp-in/decode-otlp-json.ts";
import { decodeOtlpProtobuf } from "../src/otlp-in/decode-otlp-protobuf.ts";
import { genAiSpanEvent } from "../src/otlp-in/genai-span-event.ts";
import type { ReceivedResourceSpans } from "../src/otlp-in/received-spans.ts";
import { finishedSpans } from "../test/otlp-in/sdk-spans.ts";
import { median, printTable } from "./measure.ts";

const SPANS = Number(process.env.OTLP_IN_BENCH_SPANS ?? 2000);
const ROUNDS = Number(process.env.OTLP_IN_BENCH_ROUNDS ?? 7);
const REPEATS = 20;

const spans = await finishedSpans(
  Array.from({ length: SPANS }, (_, index) =>
    index % 4 === 3
      ? { name: "GET /", attributes: { "http.request.method": "GET", "url.path": "/" } }
      : {
          name: "chat gpt-4o-mini",
          attributes: {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.response.id": `chatcmpl-${index}`,
            "gen_ai.response.finish_reasons": ["stop"],
            "gen_ai.usage.input_tokens": 1000 + index,
            "gen_ai.usage.output_tokens": 200,
            "gen_ai.usage.cache_read.input_tokens": 512,
            "server.address": "api.openai.com",
            "server.port": 443,
            "llmeter.tenant.id": `tenant-${index % 10}`,
          },
        },
  ),
  { "service.name": "bench", "deployment.environment.name": "bench" },
);
const protobuf = ProtobufTraceSerializer.serializeRequest(spans)!;
const json = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!);

function events(resourceSpans: ReceivedResourceSpans[]): number {
  let count = 0;
  for (const { resource, spans: received } of resourceSpans)
    for (const span of received) if (genAiSpanEvent(span, resource).kind === "event") count += 1;
  return count;
}

const cases: Record<string, () => number> = {
  "protobuf decode": () => decodeOtlpProtobuf(protobuf).length,
  "protobuf decode + events": () => events(decodeOtlpProtobuf(protobuf)),
  "JSON.parse alone (baseline)": () => (JSON.parse(json) as unknown[]).length,
  "JSON decode": () => decodeOtlpJson(json).length,
  "JSON decode + events": () => events(decodeOtlpJson(json)),
};

const samples: Record<string, number[]> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(cases)) {
    run(); // warm
    const before = process.cpuUsage();
    for (let repeat = 0; repeat < REPEATS; repeat++) run();
    const used = process.cpuUsage(before);
    samples[name] = [...(samples[name] ?? []), (used.user + used.system) / (REPEATS * SPANS)];
  }
}

printTable(
  `OTLP in: CPU per span, ${SPANS} spans per export (${protobuf.length} bytes protobuf, ${json.length} bytes JSON), median of ${ROUNDS} rounds`,
  Object.entries(samples).map(([name, values]) => ({
    case: name,
    "µs per span": Number(median(values).toFixed(2)),
    "spans per CPU second": Math.round(1e6 / median(values)),
  })),
);
