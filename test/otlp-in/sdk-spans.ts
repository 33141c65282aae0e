import type { Attributes } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";

/** Finished spans made by the real trace SDK, one per entry, under one resource. */
export async function finishedSpans(
  spans: Array<{ name: string; attributes: Attributes; error?: boolean }>,
  resource: Attributes = { "service.name": "sdk-spans" },
): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer("sdk-spans");
  for (const { name, attributes, error } of spans) {
    const span = tracer.startSpan(name, { attributes });
    if (error === true) span.setStatus({ code: 2, message: "boom" });
    span.end();
  }
  await provider.forceFlush();
  const finished = memory.getFinishedSpans() as ReadableSpan[];
  await provider.shutdown();
  return finished;
}
