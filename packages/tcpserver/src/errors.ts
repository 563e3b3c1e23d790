// Error classes of @t/tcpserver, each with a stable `code` a program may branch on.

/** Base class of every error this package throws; `code` is stable across versions. */
export class TCPServerError extends Error {
  /** Stable machine-readable code, e.g. `T_ERR_CONNECT_TIMEOUT`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TCPServerError";
    this.code = code;
  }
}

/** `TCPClient.connect` did not finish (resolve, connect, TLS handshake) within its `timeoutMs`. */
export class ConnectTimeoutError extends TCPServerError {
  declare readonly code: "T_ERR_CONNECT_TIMEOUT";
  /** The host that was being connected to. */
  readonly host: string;
  /** The port that was being connected to. */
  readonly port: number;
  constructor(host: string, port: number, timeoutMs: number) {
    super("T_ERR_CONNECT_TIMEOUT", `connect to ${host}:${port} timed out after ${timeoutMs} ms`);
    this.name = "ConnectTimeoutError";
    this.host = host;
    this.port = port;
  }
}

/** A name resolved to no address usable with the requested family (bind or connect). */
export class NoAddressError extends TCPServerError {
  declare readonly code: "T_ERR_NO_ADDRESS";
  constructor(message: string) {
    super("T_ERR_NO_ADDRESS", message);
    this.name = "NoAddressError";
  }
}

/** A pre-fork supervisor gave up: children died abnormally more than `maxRestarts` times. */
export class TooManyRestartsError extends TCPServerError {
  declare readonly code: "T_ERR_TOO_MANY_RESTARTS";
  constructor(maxRestarts: number) {
    super(
      "T_ERR_TOO_MANY_RESTARTS",
      `too many child restarts (more than maxRestarts = ${maxRestarts}), giving up`,
    );
    this.name = "TooManyRestartsError";
  }
}

/** A server or process operation called in a state that does not allow it (e.g. `start` twice). */
export class ServerStateError extends TCPServerError {
  declare readonly code: "T_ERR_SERVER_STATE";
  constructor(message: string) {
    super("T_ERR_SERVER_STATE", message);
    this.name = "ServerStateError";
  }
}

/** Every code exported by this package (for documentation checks and `switch` exhaustiveness). */
export const ERROR_CODES = [
  "T_ERR_CONNECT_TIMEOUT",
  "T_ERR_NO_ADDRESS",
  "T_ERR_TOO_MANY_RESTARTS",
  "T_ERR_SERVER_STATE",
] as const;
