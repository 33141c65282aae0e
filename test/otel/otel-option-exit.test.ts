// A script that uses llmeter's own export (`otel: { endpoint }`) and ends without calling
// meter.shutdown(): what the batch processors held is still sent when the event loop runs dry.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = join(ROOT, "node_modules/.bin/node");

// biome-ignore lint/suspicious/noExplicitAny: decoded OTLP payloads are untyped; the assertions check their shape.
type Json = Record<string, any>;

function script(endpoint: string): string {
  return `
import { createMeter } from ${JSON.stringify(pathToFileURL(join(ROOT, "src/meter/create-meter.ts")).href)};
const meter = createMeter({
  store: false,
  otel: { endpoint: ${JSON.stringify(endpoint)}, protocol: "http/json", serviceName: "nightly-job" },
});
meter.recordLlm({ provider: "openai", model: "gpt-4o", inputTokens: 50, outputTokens: 5 });
meter.recordLlm({ provider: "openai", model: "gpt-4o-mini", inputTokens: 9, outputTokens: 1 });
// No meter.shutdown(): the script just ends.
`;
}

describe("llmeter's own export when the process ends by itself", () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());

  it("sends the spans, metrics and logs still buffered", async () => {
    const directory = mkdtempSync(join(tmpdir(), "llmeter-otel-exit-"));
    writeFileSync(join(directory, "job.mts"), script(receiver.url));
    await promisify(execFile)(NODE, ["job.mts"], {
      cwd: directory,
      env: { ...process.env, LLMETER_OTEL: "", NODE_OPTIONS: "" },
    });
    const spans = receiver.requests
      .filter((request) => request.path === "/v1/traces")
      .flatMap((request) =>
        (request.body as Json).resourceSpans.flatMap((resource: Json) =>
          resource.scopeSpans.flatMap((scope: Json) => scope.spans),
        ),
      );
    expect(spans.map((span: Json) => span.name).sort()).toEqual([
      "chat gpt-4o",
      "chat gpt-4o-mini",
    ]);
    const paths = new Set(receiver.requests.map((request) => request.path));
    expect(paths).toEqual(new Set(["/v1/traces", "/v1/metrics", "/v1/logs"]));
  });
});
