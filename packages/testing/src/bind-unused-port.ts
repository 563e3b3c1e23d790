// bindUnusedPort: a listening socket on an unused loopback port (Tornado's bind_unused_port).

import { close, getsockname } from "@t/poller-native";
import { bindSockets } from "@t/tcpserver";

/** A bound, listening, non-blocking socket and its port. */
export interface UnusedPort {
  /** The listening socket's descriptor (hand it to `TCPServer.addSockets`, or close it). */
  readonly fd: number;
  /** The port the kernel picked. */
  readonly port: number;
  /** Close the socket (idempotent). */
  close(): void;
}

/**
 * Bind a listening socket to port 0 of `address` ("127.0.0.1" or "::1") and report the port the
 * kernel chose. The socket stays open until `close()` (or until a server that adopted it with
 * `addSockets` stops), so no other process can take the port meanwhile.
 */
export async function bindUnusedPort(address = "127.0.0.1"): Promise<UnusedPort> {
  if (address !== "127.0.0.1" && address !== "::1") {
    throw new RangeError(`address must be "127.0.0.1" or "::1" (loopback only), got ${address}`);
  }
  const [fd] = await bindSockets(0, address);
  const { port } = getsockname(fd);
  let open = true;
  return {
    fd,
    port,
    close(): void {
      if (!open) return;
      open = false;
      close(fd);
    },
  };
}
