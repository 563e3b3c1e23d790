// Error classes of @t/tcpserver, each with a stable `code` a program may branch on.

/**
 * Base class of every error @t/tcpserver throws: catch them all with `instanceof TCPServerError`
 * (within one installed copy of the package) or branch on `code`, which is stable across versions
 * and copies. The base's own code, `T_ERR_TCPSERVER`, is never thrown by the package itself.
 */
export class TCPServerError extends Error {
  override readonly name: string = "TCPServerError";
  /** Stable machine-readable code, e.g. `T_ERR_CONNECT_TIMEOUT` (a {@link BindError}'s is the errno name). */
  readonly code: string = "T_ERR_TCPSERVER";
  /**
   * @param message - what went wrong.
   * @param options - `cause`: the underlying error.
   */
  constructor(message?: string, options?: ErrorOptions);
  /**
   * @deprecated Pass only the message (each subclass sets its own `code`); this form sets `code`
   *   to the given string.
   */
  constructor(code: string, message: string, options?: ErrorOptions);
  constructor(
    messageOrCode?: string,
    messageOrOptions?: string | ErrorOptions,
    options?: ErrorOptions,
  ) {
    if (typeof messageOrOptions === "string") {
      super(messageOrOptions, options);
      this.code = messageOrCode as string;
    } else {
      super(messageOrCode, messageOrOptions);
    }
  }
}

/** `TCPClient.connect` did not finish (resolve, connect, TLS handshake) within its `timeoutMs`. */
export class ConnectTimeoutError extends TCPServerError {
  override readonly name = "ConnectTimeoutError";
  override readonly code = "T_ERR_CONNECT_TIMEOUT";
  /** The host that was being connected to. */
  readonly host: string;
  /** The port that was being connected to. */
  readonly port: number;
  constructor(host: string, port: number, timeoutMs: number) {
    super(`connect to ${host}:${port} timed out after ${timeoutMs} ms`);
    this.host = host;
    this.port = port;
  }
}

/** A name resolved to no address usable with the requested family (bind or connect). */
export class NoAddressError extends TCPServerError {
  override readonly name = "NoAddressError";
  override readonly code = "T_ERR_NO_ADDRESS";
  constructor(message: string) {
    super(message);
  }
}

/** A pre-fork supervisor gave up: children died abnormally more than `maxRestarts` times. */
export class TooManyRestartsError extends TCPServerError {
  override readonly name = "TooManyRestartsError";
  override readonly code = "T_ERR_TOO_MANY_RESTARTS";
  constructor(maxRestarts: number) {
    super(`too many child restarts (more than maxRestarts = ${maxRestarts}), giving up`);
  }
}

/** A server or process operation called in a state that does not allow it (e.g. `start` twice). */
export class ServerStateError extends TCPServerError {
  override readonly name = "ServerStateError";
  override readonly code = "T_ERR_SERVER_STATE";
  constructor(message: string) {
    super(message);
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
  override readonly name = "BindError";
  /** The kernel's errno name (`EADDRINUSE`, `EACCES`, …), as in Node's own `listen` errors. */
  override readonly code: string;
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
      `cannot listen on ${formatListenAddress(address, port)}: ${failure.description} ` +
        `(${failure.code}); ${bindAdvice(failure.code, address, port)}`,
    );
    this.code = failure.code;
    this.errno = failure.errno;
    this.syscall = failure.syscall;
    this.address = address;
    if (port !== undefined) this.port = port;
  }
}

/**
 * Every code of this package, by class name (the README's Errors table lists each).
 * {@link BindError} is not here: its `code` is the kernel's errno name. Compare `err.code` with
 * these rather than using `instanceof` across package boundaries: a program may load two copies
 * of @t/tcpserver.
 */
export const ERROR_CODES = Object.freeze({
  TCPServerError: "T_ERR_TCPSERVER",
  ConnectTimeoutError: "T_ERR_CONNECT_TIMEOUT",
  NoAddressError: "T_ERR_NO_ADDRESS",
  TooManyRestartsError: "T_ERR_TOO_MANY_RESTARTS",
  ServerStateError: "T_ERR_SERVER_STATE",
} as const);
