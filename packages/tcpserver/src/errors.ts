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

/** What to change, per errno name, when binding or listening fails (see {@link BindError}). */
function bindAdvice(code: string, host: string, port: number | undefined): string {
  const unix = port === undefined;
  switch (code) {
    case "EADDRINUSE":
      return unix
        ? "another socket is already bound to this path; stop the program using it or choose another path"
        : `another socket is already listening on port ${port}; stop the program using it, or pass another port (0 lets the system pick a free one)`;
    case "EACCES":
    case "EPERM":
      if (unix) {
        return "this user may not create the socket file there; choose a path in a directory it can write to";
      }
      return port !== undefined && port > 0 && port < 1024
        ? `ports below 1024 need root or the CAP_NET_BIND_SERVICE capability; pass a port of 1024 or above (e.g. 8080) and put a proxy in front, or grant the capability`
        : "this user or a security policy may not bind it; pass another port or address";
    case "EADDRNOTAVAIL":
      return `${host} is not an address of this machine; pass one of its own addresses, 127.0.0.1 (or ::1) for this machine only, or no address to listen on every interface`;
    case "EAFNOSUPPORT":
      return `this machine has no ${host.includes(":") ? "IPv6" : "IPv4"} support; bind an address of the other family`;
    default:
      return "check the address and port";
  }
}

/** The address as people write it: `host:port`, `[v6]:port`, or the Unix socket path. */
function formatListenAddress(address: string, port: number | undefined): string {
  if (port === undefined) return address;
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Binding or listening on an address failed (`bindSockets`, `bindUnixSocket`, and so
 * `TCPServer.listen`/`bind`, `HTTPServer.listen`, `Application.listen`). The message is one line
 * that names the address, what went wrong and what to change, e.g. `cannot listen on
 * 127.0.0.1:8888: address already in use (EADDRINUSE); another socket is already listening on
 * port 8888; stop the program using it, or pass another port (0 lets the system pick a free one)`.
 *
 * Like Node's own `listen` errors, `code` is the kernel's errno name (`EADDRINUSE`, `EACCES`,
 * `EADDRNOTAVAIL`, …) and `errno`/`syscall` are kept, so `err.code === "EADDRINUSE"` works as it
 * does with `net.Server`. The low-level error is not attached, so no addon frames are printed.
 */
export class BindError extends TCPServerError {
  /** Negative errno, like Node (`-98` for EADDRINUSE on Linux). */
  readonly errno: number;
  /** The call that failed: `"bind"` or `"listen"`. */
  readonly syscall: string;
  /** The IP address (or Unix socket path) that could not be bound. */
  readonly address: string;
  /** The port that could not be bound; absent for a Unix socket. */
  readonly port?: number;
  /**
   * @param failure - the system error of `bind(2)`/`listen(2)`: `code`, `errno`, `syscall`, and
   *   `description`, the kernel's wording (e.g. "address already in use").
   * @param address - the IP address or Unix socket path.
   * @param port - the port; `undefined` for a Unix socket.
   */
  constructor(
    failure: { code: string; errno: number; syscall: string; description: string },
    address: string,
    port: number | undefined,
  ) {
    super(
      failure.code,
      `cannot listen on ${formatListenAddress(address, port)}: ${failure.description} ` +
        `(${failure.code}); ${bindAdvice(failure.code, address, port)}`,
    );
    this.name = "BindError";
    this.errno = failure.errno;
    this.syscall = failure.syscall;
    this.address = address;
    if (port !== undefined) this.port = port;
  }
}

/** Every code exported by this package (for documentation checks and `switch` exhaustiveness). */
export const ERROR_CODES = [
  "T_ERR_CONNECT_TIMEOUT",
  "T_ERR_NO_ADDRESS",
  "T_ERR_TOO_MANY_RESTARTS",
  "T_ERR_SERVER_STATE",
] as const;
