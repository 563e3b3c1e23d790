// Error classes of @t/rpc, each with a stable `code`.

/** Shape of an error as it travels on the wire (a msgpack map). */
export interface WireError {
  /** The error's class name on the side that raised it (e.g. `"TypeError"`). */
  name: string;
  /** Human-readable message. */
  message: string;
  /** A stable code (e.g. `"T_ERR_RPC_METHOD_NOT_FOUND"`, or the handler's own `err.code`), or null. */
  code: string | null;
  /** Extra data the handler attached as `err.data` (must be msgpack-encodable), if any. */
  data?: unknown;
}

/**
 * Base class of every error @t/rpc throws: catch them all with `instanceof RpcError` (within one
 * installed copy of the package) or branch on `code`, which is stable across versions and copies.
 * The base's own code, `T_ERR_RPC`, is never thrown by the package itself.
 */
export class RpcError extends Error {
  override readonly name: string = "RpcError";
  /** Stable machine-readable code, `T_ERR_RPC_…`. */
  readonly code: string = "T_ERR_RPC";
}

/**
 * A remote handler failed: it threw, or its promise rejected. `remoteName`, `remoteCode` and
 * `data` carry what the peer reported; `message` is the remote message. Stacks never travel.
 */
export class RpcRemoteError extends RpcError {
  override readonly name = "RpcRemoteError";
  override readonly code = "T_ERR_RPC_REMOTE";
  /** The error class name on the remote side (e.g. `"TypeError"`). */
  readonly remoteName: string;
  /** The remote error's `code`, if it had a string one. */
  readonly remoteCode: string | null;
  /** The remote error's `data`, if any. */
  readonly data: unknown;
  constructor(message = "remote handler failed", remote?: Partial<WireError>) {
    super(message);
    this.remoteName = remote?.name ?? "Error";
    this.remoteCode = remote?.code ?? null;
    this.data = remote?.data;
  }
}

/** The peer has no handler registered under the called name. */
export class RpcMethodNotFoundError extends RpcError {
  override readonly name = "RpcMethodNotFoundError";
  override readonly code = "T_ERR_RPC_METHOD_NOT_FOUND";
}

/** No reply arrived within the call's `timeoutMs`; a late reply is ignored. */
export class RpcTimeoutError extends RpcError {
  override readonly name = "RpcTimeoutError";
  override readonly code = "T_ERR_RPC_TIMEOUT";
}

/** The peer's handler did not settle within the peer's `handlerTimeoutMs`. */
export class RpcHandlerTimeoutError extends RpcError {
  override readonly name = "RpcHandlerTimeoutError";
  override readonly code = "T_ERR_RPC_HANDLER_TIMEOUT";
}

/**
 * The connection is not established or closed while the call was in flight. `cause` holds why
 * (a StreamClosedError, an RpcProtocolError, …) when known.
 */
export class RpcDisconnectedError extends RpcError {
  override readonly name = "RpcDisconnectedError";
  override readonly code = "T_ERR_RPC_DISCONNECTED";
  constructor(message = "RPC connection is closed", cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/**
 * A frame exceeded `maxFrameBytes`. Sending: the call rejects and the connection stays open.
 * Receiving: the connection is closed (the peer is not speaking the protocol within limits).
 */
export class RpcFrameTooLargeError extends RpcError {
  override readonly name = "RpcFrameTooLargeError";
  override readonly code = "T_ERR_RPC_FRAME_TOO_LARGE";
}

/** The peer sent bytes that are not valid frames or messages; the connection is closed. */
export class RpcProtocolError extends RpcError {
  override readonly name = "RpcProtocolError";
  override readonly code = "T_ERR_RPC_PROTOCOL";
}

/** Arguments or a result could not be encoded as msgpack (functions, symbols, BigInt, …). */
export class RpcEncodeError extends RpcError {
  override readonly name = "RpcEncodeError";
  override readonly code = "T_ERR_RPC_ENCODE";
}

/** `server.call` named a client id that is not connected. */
export class RpcUnknownClientError extends RpcError {
  override readonly name = "RpcUnknownClientError";
  override readonly code = "T_ERR_RPC_UNKNOWN_CLIENT";
}

/** The server is shutting down and takes no new calls. */
export class RpcShuttingDownError extends RpcError {
  override readonly name = "RpcShuttingDownError";
  override readonly code = "T_ERR_RPC_SHUTTING_DOWN";
}

/**
 * The peer has as many calls running on this connection as `maxInflightPerConnection` allows
 * and cannot pause reading (it is itself waiting for replies on the same connection). The
 * handler never ran, so the call is safe to retry.
 */
export class RpcOverloadedError extends RpcError {
  override readonly name = "RpcOverloadedError";
  override readonly code = "T_ERR_RPC_OVERLOADED";
}

/**
 * The server refused the hello: the HMAC of its challenge did not match the client's secret,
 * the `authenticate` hook said no, or the server asks for a secret the client does not have.
 * The connection is closed.
 */
export class RpcAuthenticationError extends RpcError {
  override readonly name = "RpcAuthenticationError";
  override readonly code = "T_ERR_RPC_AUTH";
}

/**
 * The server refused the hello because another live connection already uses this client id
 * (`onDuplicateClientId: "reject"`, the default). The live connection is left alone.
 */
export class RpcDuplicateClientError extends RpcError {
  override readonly name = "RpcDuplicateClientError";
  override readonly code = "T_ERR_RPC_DUPLICATE_CLIENT";
}

/** A handler is already registered under this name (a programmer error, thrown by `register`). */
export class RpcDuplicateMethodError extends RpcError {
  override readonly name = "RpcDuplicateMethodError";
  override readonly code = "T_ERR_RPC_DUPLICATE_METHOD";
}

/**
 * Every code of this package, by class name (the README's Errors table lists each). Compare
 * `err.code` with these rather than using `instanceof` across package boundaries: a program may
 * load two copies of @t/rpc.
 */
export const ERROR_CODES = Object.freeze({
  RpcError: "T_ERR_RPC",
  RpcRemoteError: "T_ERR_RPC_REMOTE",
  RpcMethodNotFoundError: "T_ERR_RPC_METHOD_NOT_FOUND",
  RpcTimeoutError: "T_ERR_RPC_TIMEOUT",
  RpcHandlerTimeoutError: "T_ERR_RPC_HANDLER_TIMEOUT",
  RpcDisconnectedError: "T_ERR_RPC_DISCONNECTED",
  RpcFrameTooLargeError: "T_ERR_RPC_FRAME_TOO_LARGE",
  RpcProtocolError: "T_ERR_RPC_PROTOCOL",
  RpcEncodeError: "T_ERR_RPC_ENCODE",
  RpcUnknownClientError: "T_ERR_RPC_UNKNOWN_CLIENT",
  RpcShuttingDownError: "T_ERR_RPC_SHUTTING_DOWN",
  RpcOverloadedError: "T_ERR_RPC_OVERLOADED",
  RpcAuthenticationError: "T_ERR_RPC_AUTH",
  RpcDuplicateClientError: "T_ERR_RPC_DUPLICATE_CLIENT",
  RpcDuplicateMethodError: "T_ERR_RPC_DUPLICATE_METHOD",
} as const);

/** Our classes a wire error with the same name and code is turned back into on the caller side. */
const KNOWN: Readonly<Record<string, new (message: string) => RpcError>> = {
  T_ERR_RPC_METHOD_NOT_FOUND: RpcMethodNotFoundError,
  T_ERR_RPC_HANDLER_TIMEOUT: RpcHandlerTimeoutError,
  T_ERR_RPC_SHUTTING_DOWN: RpcShuttingDownError,
  T_ERR_RPC_FRAME_TOO_LARGE: RpcFrameTooLargeError,
  T_ERR_RPC_ENCODE: RpcEncodeError,
  T_ERR_RPC_PROTOCOL: RpcProtocolError,
  T_ERR_RPC_OVERLOADED: RpcOverloadedError,
  T_ERR_RPC_AUTH: RpcAuthenticationError,
  T_ERR_RPC_DUPLICATE_CLIENT: RpcDuplicateClientError,
};

/** Turn any thrown value into the wire shape (never throws). */
export function toWireError(err: unknown): WireError {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; data?: unknown };
    const wire: WireError = {
      name: typeof e.name === "string" ? e.name : "Error",
      message: typeof e.message === "string" ? e.message : String(e.message),
      code: typeof e.code === "string" ? e.code : null,
    };
    if (e.data !== undefined) wire.data = e.data;
    return wire;
  }
  return { name: "Error", message: String(err), code: null };
}

/** Turn a wire error from the peer back into an Error (our class for our codes). */
export function fromWireError(wire: unknown): RpcError {
  if (wire === null || typeof wire !== "object") {
    return new RpcRemoteError(String(wire));
  }
  const w = wire as Partial<WireError>;
  const message = typeof w.message === "string" ? w.message : "remote handler failed";
  const code = typeof w.code === "string" ? w.code : null;
  if (code !== null && Object.hasOwn(KNOWN, code)) {
    const Known = KNOWN[code];
    if (w.name === Known.name) return new Known(message);
  }
  return new RpcRemoteError(message, {
    name: typeof w.name === "string" ? w.name : "Error",
    code,
    data: w.data,
  });
}
