import type { z } from "zod";
import type { JsonRpcRequest } from "../protocol/index.js";
import { logger } from "../telemetry/index.js";
import { JsonRpcError } from "./errors.js";

const log = logger("spool_rpc::methods");

/**
 * One JSON-RPC method as both sides see it: its name and the zod schemas of its params and
 * result. Servers register a handler for it (`implement`); clients call it (`RpcConnection.call`)
 * with params and results typed from the same schemas.
 */
export interface MethodDescriptor<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly method: string;
  readonly params: P;
  readonly result: R;
}

/** What a handler receives (defaults applied). */
export type MethodParams<D extends MethodDescriptor> = z.output<D["params"]>;
/** What a caller sends. */
export type MethodParamsInput<D extends MethodDescriptor> = z.input<D["params"]>;
/** What a caller receives. */
export type MethodResult<D extends MethodDescriptor> = z.output<D["result"]>;

/**
 * Declares a method.
 *
 * @example
 * const modelList = defineMethod({ method: "model/list", params: ModelListParamsSchema, result: ModelListResponseSchema });
 */
export function defineMethod<P extends z.ZodType, R extends z.ZodType>(descriptor: {
  method: string;
  params: P;
  result: R;
}): MethodDescriptor<P, R> {
  return Object.freeze({ method: descriptor.method, params: descriptor.params, result: descriptor.result });
}

/** A server's handler of one method; `C` is what the server hands every handler. */
export type MethodHandler<D extends MethodDescriptor, C> = (
  params: MethodParams<D>,
  ctx: C,
) => z.input<D["result"]> | Promise<z.input<D["result"]>>;

/** A descriptor bound to its handler, ready for a `MethodTable`. */
export interface MethodImplementation<C> {
  readonly descriptor: MethodDescriptor;
  handle(params: unknown, ctx: C): unknown;
}

/** Binds a handler to its descriptor, keeping the two's types tied. */
export function implement<D extends MethodDescriptor, C>(
  descriptor: D,
  handle: MethodHandler<D, C>,
): MethodImplementation<C> {
  return { descriptor, handle: handle as (params: unknown, ctx: C) => unknown };
}

/** Renders a zod issue path the way clients read it: `clientInfo.name`, `input[0].text`. */
export function formatIssuePath(path: readonly PropertyKey[], empty = "params"): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out || empty;
}

/** The `-32602` a method's params get when they fail its schema: the first issue, path first. */
export function invalidParams(error: z.ZodError): JsonRpcError {
  const issue = error.issues[0]!;
  return JsonRpcError.invalidParams(`Invalid params: ${formatIssuePath(issue.path)}: ${issue.message}`);
}

export interface MethodTableOptions {
  /**
   * The handshake method: until it has succeeded once, every other method gets `Not
   * initialized`; a second one gets `Already initialized`. Omit for a server without one.
   */
  initialize?: string;
}

/**
 * A server's methods, built once per process. Each connection gets its own `dispatcher()`, which
 * owns that connection's initialize gate.
 */
export class MethodTable<C> {
  private readonly byName = new Map<string, MethodImplementation<C>>();

  constructor(
    implementations: readonly MethodImplementation<C>[],
    readonly options: MethodTableOptions = {},
  ) {
    for (const impl of implementations) {
      const name = impl.descriptor.method;
      if (this.byName.has(name)) throw new TypeError(`method ${name} is registered twice`);
      this.byName.set(name, impl);
    }
  }

  get(method: string): MethodImplementation<C> | undefined {
    return this.byName.get(method);
  }

  /** The method names, in registration order: the documentation of the surface. */
  get methods(): string[] {
    return [...this.byName.keys()];
  }

  /** This table plus more methods (a server that adds its own, a test's probe method). */
  with(more: readonly MethodImplementation<C>[]): MethodTable<C> {
    return new MethodTable([...this.byName.values(), ...more], this.options);
  }

  dispatcher(options: DispatcherOptions = {}): MethodDispatcher<C> {
    return new MethodDispatcher(this, options);
  }
}

export interface DispatcherOptions {
  /**
   * Checks every result against its descriptor's schema and answers -32603 when it fails (a
   * server bug, logged). Default: on under `npm test` (`SPOOL_TEST=1`), off otherwise.
   */
  validateResults?: boolean;
}

type Gate = "new" | "initializing" | "ready";

/**
 * Runs one connection's requests through the table: the initialize gate, params validation
 * (-32602 naming the path), the handler, and (in tests) result validation. Throws `JsonRpcError`
 * for the connection to answer with; anything else a handler throws passes through as -32603.
 */
export class MethodDispatcher<C> {
  private gate: Gate;
  private readonly validateResults: boolean;

  constructor(
    private readonly table: MethodTable<C>,
    options: DispatcherOptions = {},
  ) {
    this.gate = table.options.initialize === undefined ? "ready" : "new";
    this.validateResults = options.validateResults ?? process.env.SPOOL_TEST === "1";
  }

  /** True once the handshake succeeded (always, for a table without one). */
  get initialized(): boolean {
    return this.gate === "ready";
  }

  async dispatch(request: JsonRpcRequest, ctx: C): Promise<unknown> {
    const isInitialize = request.method === this.table.options.initialize;
    if (isInitialize) {
      if (this.gate !== "new") throw JsonRpcError.invalidRequest("Already initialized");
    } else if (this.gate !== "ready") {
      throw JsonRpcError.invalidRequest("Not initialized");
    }
    const impl = this.table.get(request.method);
    if (!impl) throw JsonRpcError.methodNotFound(request.method);
    const parsed = impl.descriptor.params.safeParse(request.params ?? {});
    if (!parsed.success) throw invalidParams(parsed.error);
    if (!isInitialize) return this.checked(impl, await impl.handle(parsed.data, ctx));
    // Held while the handshake runs, so a concurrent second initialize is refused too.
    this.gate = "initializing";
    try {
      const result = this.checked(impl, await impl.handle(parsed.data, ctx));
      this.gate = "ready";
      return result;
    } catch (err) {
      this.gate = "new";
      throw err;
    }
  }

  private checked(impl: MethodImplementation<C>, result: unknown): unknown {
    if (!this.validateResults) return result;
    const r = impl.descriptor.result.safeParse(result ?? {});
    if (r.success) return result;
    const issue = r.error.issues[0]!;
    log.error("handler result does not match its method's result schema", {
      rpc_method: impl.descriptor.method,
      path: formatIssuePath(issue.path, "result"),
      error: issue.message,
    });
    throw JsonRpcError.internal(`Internal error: ${impl.descriptor.method} produced an invalid result`);
  }
}
