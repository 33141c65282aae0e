// A tiny OTLP/gRPC receiver on loopback, built on @grpc/grpc-js (the gRPC exporters' own
// transport), that records every Export request of the three collector services, decoded.
import {
  type Metadata,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { otlpProtoRoot } from "./otlp-proto-schema.ts";

const root = otlpProtoRoot;

/** The three OTLP collector services and the request message each Export takes. */
const SERVICES = {
  traces: {
    path: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    request: root.lookupType("ExportTraceServiceRequest"),
  },
  metrics: {
    path: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    request: root.lookupType("ExportMetricsServiceRequest"),
  },
  logs: {
    path: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    request: root.lookupType("ExportLogsServiceRequest"),
  },
} as const;

export type OtlpSignal = keyof typeof SERVICES;

export interface ReceivedGrpcRequest {
  signal: OtlpSignal;
  /** The gRPC method path that was called. */
  path: string;
  metadata: Record<string, unknown>;
  /** The request decoded to OTLP/JSON's shape (camelCase, `resourceSpans`/`resourceMetrics`/`resourceLogs`). */
  body: Record<string, unknown>;
}

export interface OtlpGrpcReceiver {
  /**
   * `http://127.0.0.1:<port>` for plaintext gRPC, `https://...` with TLS: the exporters choose
   * the channel's security from the scheme.
   */
  url: string;
  requests: ReceivedGrpcRequest[];
  close(): Promise<void>;
}

// Raw buffers in and out: the test decodes the payload itself, as a collector would.
const identity = (buffer: Buffer) => buffer;

/** Starts the receiver on a free loopback port; with `tls`, it only speaks TLS. */
export async function startOtlpGrpcReceiver(
  options: { tls?: { key: Buffer; certificate: Buffer } } = {},
): Promise<OtlpGrpcReceiver> {
  const requests: ReceivedGrpcRequest[] = [];
  const server = new Server();
  for (const [signal, service] of Object.entries(SERVICES) as Array<
    [OtlpSignal, (typeof SERVICES)[OtlpSignal]]
  >) {
    const definition: ServiceDefinition = {
      Export: {
        path: service.path,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    };
    const implementation: UntypedServiceImplementation = {
      Export(
        call: { request: Buffer; metadata: Metadata },
        callback: (error: null, response: Buffer) => void,
      ) {
        const body = service.request.toObject(service.request.decode(call.request), {
          longs: String,
          bytes: String,
          defaults: false,
        });
        requests.push({ signal, path: service.path, metadata: call.metadata.getMap(), body });
        // An empty Export*ServiceResponse: everything was accepted.
        callback(null, Buffer.alloc(0));
      },
    };
    server.addService(definition, implementation);
  }
  const credentials =
    options.tls === undefined
      ? ServerCredentials.createInsecure()
      : ServerCredentials.createSsl(
          null,
          [{ private_key: options.tls.key, cert_chain: options.tls.certificate }],
          false,
        );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  return {
    url: `${options.tls === undefined ? "http" : "https"}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}

/** Every metric name in a decoded `ExportMetricsServiceRequest`. */
// biome-ignore lint/suspicious/noExplicitAny: decoded OTLP payloads are untyped.
export function metricNames(body: Record<string, any>): string[] {
  return (body.resourceMetrics ?? []).flatMap(
    // biome-ignore lint/suspicious/noExplicitAny: as above.
    (resource: any) =>
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      (resource.scopeMetrics ?? []).flatMap((scope: any) =>
        // biome-ignore lint/suspicious/noExplicitAny: as above.
        (scope.metrics ?? []).map((metric: any) => metric.name),
      ),
  );
}
