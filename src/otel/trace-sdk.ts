import type {
  AlwaysOnSampler,
  InMemorySpanExporter,
  SpanExporter,
  SpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";

/**
 * The OpenTelemetry JS trace SDK under either of its names: `@opentelemetry/sdk-trace` on the 3.x
 * line, `@opentelemetry/sdk-trace-base` on the 2.x line. The two lines cannot be installed side by
 * side (their `@opentelemetry/api` ranges do not overlap), so the first that loads is the user's.
 */
export const TRACE_SDK_PACKAGES = ["@opentelemetry/sdk-trace", "@opentelemetry/sdk-trace-base"];

/** What llmeter uses of the trace SDK, the same on both lines. */
export interface TraceSdk {
  /** Which package was loaded. */
  readonly packageName: string;
  createTracerProvider(
    options: NonNullable<ConstructorParameters<typeof TracerProvider>[0]>,
  ): TracerProvider;
  batchSpanProcessor(exporter: SpanExporter): SpanProcessor;
  simpleSpanProcessor(exporter: SpanExporter): SpanProcessor;
  inMemorySpanExporter(): InMemorySpanExporter;
  alwaysOnSampler(): AlwaysOnSampler;
}

type Constructor = new (...parameters: unknown[]) => unknown;

// 3.x exports `TracerProvider` and processors taking `{ exporter }`; 2.x exports
// `BasicTracerProvider` and processors taking the exporter itself.
function adapt(packageName: string, module: Record<string, unknown>): TraceSdk {
  const line3 = typeof module.TracerProvider === "function";
  const provider = (line3 ? module.TracerProvider : module.BasicTracerProvider) as Constructor;
  const processor = (name: string, exporter: SpanExporter) =>
    new (module[name] as Constructor)(line3 ? { exporter } : exporter) as SpanProcessor;
  return {
    packageName,
    createTracerProvider: (options) => new provider(options) as TracerProvider,
    batchSpanProcessor: (exporter) => processor("BatchSpanProcessor", exporter),
    simpleSpanProcessor: (exporter) => processor("SimpleSpanProcessor", exporter),
    inMemorySpanExporter: () =>
      new (module.InMemorySpanExporter as Constructor)() as InMemorySpanExporter,
    alwaysOnSampler: () => new (module.AlwaysOnSampler as Constructor)() as AlwaysOnSampler,
  };
}

/**
 * Loads the trace SDK the application has, 3.x first. `load` is `import()` (a parameter so the
 * fallback can be tested without installing the other line).
 */
export async function loadTraceSdk(
  load: (name: string) => Promise<unknown> = (name) => import(name),
): Promise<TraceSdk> {
  const failures: unknown[] = [];
  for (const name of TRACE_SDK_PACKAGES) {
    try {
      return adapt(name, (await load(name)) as Record<string, unknown>);
    } catch (error) {
      failures.push(error);
    }
  }
  throw new Error(
    `llmeter: this needs the optional package @opentelemetry/sdk-trace (OpenTelemetry JS 3.x; @opentelemetry/sdk-trace-base on the 2.x line); install it with \`npm install @opentelemetry/sdk-trace\``,
    { cause: new AggregateError(failures, "no OpenTelemetry trace SDK could be loaded") },
  );
}
