// Both OpenTelemetry JS lines are found without installing the 2.x one: the loader and the logs
// API lookup take the import and the module, and get them in each line's real shape.
import * as api from "@opentelemetry/api";
import * as apiLogs from "@opentelemetry/api-logs";
import * as sdkTrace from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { pickLogsApi } from "./logs-api.ts";
import { loadTraceSdk } from "./trace-sdk.ts";

function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from /app/index.js`), {
    code: "ERR_MODULE_NOT_FOUND",
  });
}

// The 2.x `@opentelemetry/sdk-trace-base` surface: `BasicTracerProvider`, and processors that take
// the exporter itself (built on the 3.x classes, as that line is not installed here).
const sdkTraceBase2 = {
  BasicTracerProvider: sdkTrace.TracerProvider,
  SimpleSpanProcessor: class extends sdkTrace.SimpleSpanProcessor {
    constructor(exporter: sdkTrace.SpanExporter) {
      super({ exporter });
    }
  },
  BatchSpanProcessor: sdkTrace.BatchSpanProcessor,
  InMemorySpanExporter: sdkTrace.InMemorySpanExporter,
  AlwaysOnSampler: sdkTrace.AlwaysOnSampler,
};

async function recordOneSpan(sdk: Awaited<ReturnType<typeof loadTraceSdk>>): Promise<string[]> {
  const spans = sdk.inMemorySpanExporter();
  const provider = sdk.createTracerProvider({
    spanProcessors: [sdk.simpleSpanProcessor(spans)],
    sampler: sdk.alwaysOnSampler(),
  });
  provider.getTracer("test").startSpan("chat gpt-4o").end();
  await provider.forceFlush();
  const names = spans.getFinishedSpans().map((span) => span.name);
  await provider.shutdown();
  return names;
}

describe("loadTraceSdk", () => {
  it("uses @opentelemetry/sdk-trace (3.x) when it is installed", async () => {
    const asked: string[] = [];
    const sdk = await loadTraceSdk(async (name) => {
      asked.push(name);
      return import(name);
    });
    expect(sdk.packageName).toBe("@opentelemetry/sdk-trace");
    expect(asked).toEqual(["@opentelemetry/sdk-trace"]);
    expect(await recordOneSpan(sdk)).toEqual(["chat gpt-4o"]);
  });

  it("falls back to @opentelemetry/sdk-trace-base (2.x) and its constructors", async () => {
    const sdk = await loadTraceSdk(async (name) => {
      if (name === "@opentelemetry/sdk-trace-base") return sdkTraceBase2;
      throw notFound(name);
    });
    expect(sdk.packageName).toBe("@opentelemetry/sdk-trace-base");
    expect(await recordOneSpan(sdk)).toEqual(["chat gpt-4o"]);
  });

  it("names the package to install when neither line is there", async () => {
    await expect(loadTraceSdk(async (name) => Promise.reject(notFound(name)))).rejects.toThrow(
      "this needs the optional package @opentelemetry/sdk-trace (OpenTelemetry JS 3.x; @opentelemetry/sdk-trace-base on the 2.x line); install it with `npm install @opentelemetry/sdk-trace`",
    );
  });
});

describe("pickLogsApi", () => {
  it("uses the logs API of @opentelemetry/api from 1.10 on", () => {
    expect(
      pickLogsApi(api, () => {
        throw new Error("the legacy package must not be loaded");
      }),
    ).toBe(api.logs);
  });

  it("uses @opentelemetry/api-logs with an @opentelemetry/api before 1.10", () => {
    const { logs: _absent, ...api19 } = api;
    expect(pickLogsApi(api19, () => apiLogs)).toBe(apiLogs.logs);
  });

  it("says what to install when an older API has no @opentelemetry/api-logs beside it", () => {
    const { logs: _absent, ...api19 } = api;
    expect(() =>
      pickLogsApi(api19, () => {
        throw notFound("@opentelemetry/api-logs");
      }),
    ).toThrow(
      "`npm install @opentelemetry/api@^1.10.0` or install it with `npm install @opentelemetry/api-logs`",
    );
  });
});
