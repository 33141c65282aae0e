import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { decodeOtlpJson } from "../../src/otlp-in/decode-otlp-json.ts";
import { decodeOtlpProtobuf } from "../../src/otlp-in/decode-otlp-protobuf.ts";
import { OtlpDecodeError } from "../../src/otlp-in/received-spans.ts";
import { finishedSpans } from "./sdk-spans.ts";

const ATTRIBUTES = {
  "gen_ai.provider.name": "anthropic",
  "gen_ai.request.model": "claude-sonnet-4-5",
  "gen_ai.usage.input_tokens": 4096,
  "gen_ai.request.temperature": 0.25,
  "gen_ai.request.stream": true,
  "gen_ai.response.finish_reasons": ["end_turn", "max_tokens"],
};

describe("the OTLP decoders", () => {
  it("read the SDK's own protobuf and JSON encodings of the same spans alike", async () => {
    const spans = await finishedSpans(
      [
        { name: "chat claude-sonnet-4-5", attributes: ATTRIBUTES },
        { name: "GET /", attributes: { "http.request.method": "GET" }, error: true },
      ],
      { "service.name": "decoder-test", "llmeter.tenant.id": "acme" },
    );
    const fromProtobuf = decodeOtlpProtobuf(ProtobufTraceSerializer.serializeRequest(spans)!);
    const fromJson = decodeOtlpJson(
      new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!),
    );
    expect(fromJson).toEqual(fromProtobuf);
    expect(fromProtobuf).toHaveLength(1);
    const [resourceSpans] = fromProtobuf;
    expect(Object.fromEntries(resourceSpans!.resource)).toMatchObject({
      "service.name": "decoder-test",
      "llmeter.tenant.id": "acme",
    });
    const [chat, http] = resourceSpans!.spans;
    const context = spans[0]!.spanContext();
    expect(chat).toMatchObject({
      traceId: context.traceId,
      spanId: context.spanId,
      name: "chat claude-sonnet-4-5",
      statusCode: 0,
    });
    expect(Object.fromEntries(chat!.attributes)).toMatchObject({
      "gen_ai.usage.input_tokens": 4096,
      "gen_ai.request.temperature": 0.25,
      "gen_ai.request.stream": true,
      "gen_ai.response.finish_reasons": ["end_turn", "max_tokens"],
    });
    const [seconds, nanos] = spans[0]!.startTime;
    expect(chat!.startTimeUnixNano).toBe(BigInt(seconds) * 1_000_000_000n + BigInt(nanos));
    expect(chat!.endTimeUnixNano >= chat!.startTimeUnixNano).toBe(true);
    expect(http!.statusCode).toBe(2);
  });

  it("say where a payload is malformed", () => {
    expect(() => decodeOtlpProtobuf(Uint8Array.of(0x0a, 0x05, 0x12))).toThrow(OtlpDecodeError);
    // Field 1 (resource_spans) as a varint instead of a message.
    expect(() => decodeOtlpProtobuf(Uint8Array.of(0x08, 0x01))).toThrow(
      /resource_spans: wire type 0/,
    );
    expect(() => decodeOtlpJson("[]")).toThrow(/the body: expected an object, got an array/);
    expect(() =>
      decodeOtlpJson(
        JSON.stringify({
          resourceSpans: [{ scopeSpans: [{ spans: [{ startTimeUnixNano: 1.5 }] }] }],
        }),
      ),
    ).toThrow(/spans\[0\]\.startTimeUnixNano: expected a 64-bit integer/);
    expect(() =>
      decodeOtlpJson(
        JSON.stringify({
          resourceSpans: [{ scopeSpans: [{ spans: [{ status: { code: "STATUS_CODE_ERROR" } }] }] }],
        }),
      ),
    ).toThrow(/status\.code: expected the enum as an integer/);
  });

  it("keep a sender's __proto__ key as only a key", () => {
    const [resourceSpans] = decodeOtlpJson(
      '{"resourceSpans":[{"resource":{"attributes":[{"key":"__proto__","value":{"stringValue":"x"}}]}}]}',
    );
    expect(resourceSpans!.resource.get("__proto__")).toBe("x");
    expect(Object.getPrototypeOf(resourceSpans!.resource)).toBe(Map.prototype);
  });

  it("take an empty export as no spans", () => {
    expect(decodeOtlpProtobuf(new Uint8Array())).toEqual([]);
    expect(decodeOtlpJson("{}")).toEqual([]);
  });
});
