import * as grpc from "@grpc/grpc-js";
import {
  OTLP_GRPC_METHODS,
  OtlpCollector,
  decodeOtlpProtobuf,
  type OtlpSignalPath,
} from "../../src/otlp-receiver/index.js";

export interface OtlpGrpcReceiver extends OtlpCollector {
  /** `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A real gRPC OTLP receiver (TraceService, LogsService, MetricsService `Export`) for tests, on
 * @grpc/grpc-js, optionally with TLS / mutual TLS. Decodes requests with the same OTLP protobuf
 * definitions as the HTTP receiver and collects into an `OtlpCollector`.
 */
export async function startOtlpGrpcReceiver(
  options: { tls?: { key: Buffer; cert: Buffer; ca?: Buffer; requireClientCert?: boolean } } = {},
): Promise<OtlpGrpcReceiver> {
  const collector = new OtlpCollector();
  const server = new grpc.Server();
  const definition: Record<string, grpc.MethodDefinition<Buffer, unknown>> = {};
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [signal, method] of Object.entries(OTLP_GRPC_METHODS) as [OtlpSignalPath, string][]) {
    const name = `export${signal.replaceAll("/", "_")}`;
    definition[name] = {
      path: method,
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: () => Buffer.alloc(0),
      responseDeserialize: (b: Buffer) => b,
      originalName: "Export",
    };
    impl[name] = (call: grpc.ServerUnaryCall<Buffer, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      decodeOtlpProtobuf(signal, call.request).then(
        (body) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(call.metadata.getMap())) headers[k] = String(v);
          collector.ingest({ path: signal, contentType: "application/grpc", headers }, body);
          callback(null, {});
        },
        (err: Error) => callback({ code: grpc.status.INVALID_ARGUMENT, details: err.message }),
      );
    };
  }
  server.addService(definition as grpc.ServiceDefinition, impl);
  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(
        options.tls.ca ?? null,
        [{ private_key: options.tls.key, cert_chain: options.tls.cert }],
        options.tls.requireClientCert ?? false,
      )
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return Object.assign(collector, {
    url: options.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  });
}
