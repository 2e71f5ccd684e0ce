/**
 * The gRPC server of a go-plugin plugin: tfplugin6.Provider next to go-plugin's controller, stdio
 * and broker services and gRPC health, on a unix socket, with mutual TLS when the client asks.
 * @grpc/grpc-js serves; @grpc/proto-loader reads the vendored .proto files at start.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The .proto files: next to the bundle (`dist/proto`) or in the package (`proto/`). */
export function protoDir(): string {
  const candidates = [join(__dirname, 'proto'), join(__dirname, '..', '..', 'proto'), join(__dirname, '..', 'proto')];
  const found = candidates.find((d) => existsSync(join(d, 'tfplugin6.proto')));
  if (!found) throw new Error(`tfplugin6.proto not found (looked in ${candidates.join(', ')})`);
  return found;
}

type Handler = (request: never) => Promise<unknown>;
export type ProviderHandlers = Readonly<Record<string, Handler>>;

export interface ServeOptions {
  readonly socketPath: string;
  readonly provider: ProviderHandlers;
  /** Mutual TLS: our certificate and key, and the one client certificate accepted. */
  readonly tls?: { readonly certPem: string; readonly keyPem: string; readonly clientCertPem: string };
  /** Called when the client asks us to stop (GRPCController.Shutdown). */
  readonly onShutdown: () => void;
  /** Every RPC, with its method name (the benchmark counts them). */
  readonly onCall?: (method: string) => void;
}

function load(file: string): grpc.GrpcObject {
  const def = protoLoader.loadSync(join(protoDir(), file), { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  return grpc.loadPackageDefinition(def);
}

const serviceOf = (pkg: grpc.GrpcObject, path: string): grpc.ServiceDefinition => {
  let node: unknown = pkg;
  for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
  return (node as { service: grpc.ServiceDefinition }).service;
};

/** Unary handlers from async functions; an exception becomes an INTERNAL status with its message. */
function unary(name: string, fn: Handler, onCall?: (m: string) => void): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    onCall?.(name);
    fn(call.request as never).then(
      (res) => callback(null, res),
      (err: unknown) => {
        process.stderr.write(`[ERROR] ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        callback({ code: grpc.status.INTERNAL, details: `${name}: ${err instanceof Error ? err.message : String(err)}` });
      },
    );
  };
}

export async function serve(options: ServeOptions): Promise<grpc.Server> {
  const server = new grpc.Server();
  const tf = load('tfplugin6.proto');
  const plugin = load('go-plugin.proto');
  const health = load('health.proto');

  const providerService = serviceOf(tf, 'tfplugin6.Provider');
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, fn] of Object.entries(options.provider)) {
    if (!providerService[name]) throw new Error(`tfplugin6.Provider has no method ${name}`);
    impl[name] = unary(name, fn, options.onCall);
  }
  // methods left out answer UNIMPLEMENTED, which is how the protocol says "not supported"
  server.addService(providerService, impl);

  server.addService(serviceOf(plugin, 'plugin.GRPCController'), {
    Shutdown: (_call: unknown, callback: grpc.sendUnaryData<object>) => {
      callback(null, {});
      setImmediate(options.onShutdown);
    },
  });
  // stdout and stderr stay the process's own (Terraform logs our stderr): the stream stays open, empty
  const open = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  server.addService(serviceOf(plugin, 'plugin.GRPCStdio'), {
    StreamStdio: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      open.add(call);
      call.on('cancelled', () => open.delete(call));
    },
  });
  server.addService(serviceOf(plugin, 'plugin.GRPCBroker'), {
    StartStream: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      call.on('data', () => undefined);
      call.on('end', () => call.end());
    },
  });
  server.addService(serviceOf(health, 'grpc.health.v1.Health'), {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const known = call.request.service === '' || call.request.service === 'plugin';
      callback(null, { status: known ? 'SERVING' : 'SERVICE_UNKNOWN' });
    },
    Watch: (call: grpc.ServerWritableStream<{ service: string }, unknown>) => {
      call.write({ status: 'SERVING' });
    },
  });

  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(Buffer.from(options.tls.clientCertPem), [{ private_key: Buffer.from(options.tls.keyPem), cert_chain: Buffer.from(options.tls.certPem) }], true)
    : grpc.ServerCredentials.createInsecure();
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${options.socketPath}`, credentials, (err) => (err ? reject(err) : resolve())));
  return server;
}
