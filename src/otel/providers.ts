import {
  createNoopMeter,
  type Logger,
  type LoggerProvider,
  type Meter,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { pickLogsApi } from "./logs-api.ts";

/** Instrumentation scope name and version on every span, metric and log record we make. */
export const SCOPE_NAME = "llmeter";
export const SCOPE_VERSION = "0.1.0";

// The API's no-op tracer provider, the delegate of a proxy nobody registered a provider on.
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_METER = createNoopMeter();
const logs = pickLogsApi();

/**
 * Tracer, meter and logger, from the providers given or else the global ones, each `undefined`
 * while nothing is registered: then nothing is built or recorded, which is what makes an
 * unconfigured OpenTelemetry cost nothing. Globals are looked up again cheaply on each use, so a
 * provider registered after `import "llmeter/otel"` is picked up.
 */
export class ProviderLookup {
  private readonly tracerProvider: TracerProvider | undefined;
  private readonly meterProvider: MeterProvider | undefined;
  private readonly loggerProvider: LoggerProvider | undefined;
  private cachedMeterProvider: MeterProvider | undefined;
  private cachedMeter: Meter | undefined;
  private cachedLoggerProvider: LoggerProvider | undefined;
  private cachedLogger: Logger | undefined;
  private cachedTracer: Tracer | undefined;

  constructor(providers: {
    tracerProvider?: TracerProvider;
    meterProvider?: MeterProvider;
    loggerProvider?: LoggerProvider;
  }) {
    this.tracerProvider = providers.tracerProvider;
    this.meterProvider = providers.meterProvider;
    this.loggerProvider = providers.loggerProvider;
  }

  tracer(): Tracer | undefined {
    if (this.tracerProvider !== undefined) {
      this.cachedTracer ??= this.tracerProvider.getTracer(SCOPE_NAME, SCOPE_VERSION);
      return this.cachedTracer;
    }
    const global = trace.getTracerProvider();
    if (global instanceof ProxyTracerProvider && global.getDelegate() === NOOP_TRACER_PROVIDER)
      return undefined;
    // The global proxy forwards to whatever is registered, now or later.
    this.cachedTracer ??= trace.getTracer(SCOPE_NAME, SCOPE_VERSION);
    return this.cachedTracer;
  }

  /** The meter, and whether it is new (its instruments must then be created). */
  meter(): Meter | undefined {
    const provider = this.meterProvider ?? metrics.getMeterProvider();
    if (provider !== this.cachedMeterProvider) {
      this.cachedMeterProvider = provider;
      const meter = provider.getMeter(SCOPE_NAME, SCOPE_VERSION);
      this.cachedMeter = meter === NOOP_METER ? undefined : meter;
    }
    return this.cachedMeter;
  }

  logger(): Logger | undefined {
    const provider = this.loggerProvider ?? logs.getLoggerProvider();
    if (provider !== this.cachedLoggerProvider) {
      this.cachedLoggerProvider = provider;
      // Without a registered provider the logs API hands out its own proxy provider.
      const unregistered = this.loggerProvider === undefined && "_getDelegate" in provider;
      this.cachedLogger = unregistered ? undefined : provider.getLogger(SCOPE_NAME, SCOPE_VERSION);
    }
    return this.cachedLogger;
  }
}
