// Small pieces shared by the Application and the routers: listening with an HTTPServer, and
// gathering a body that a delegate buffers.

import {
  BodyAccumulator,
  HTTPServer,
  type HTTPServerConnectionDelegate,
  type HTTPServerOptions,
} from "@t/httpserver";
import type { BindOptions } from "@t/tcpserver";

/**
 * Start an HTTPServer for `delegate` on `port` (0 picks a free one) and resolve with the server
 * once it listens (`Application.listen`, `RuleRouter.listen`).
 */
export async function listenWith(
  delegate: HTTPServerConnectionDelegate<unknown, never>,
  port: number,
  address: string | undefined,
  serverOptions: HTTPServerOptions,
  bindOptions: BindOptions | undefined,
): Promise<HTTPServer> {
  const server = new HTTPServer(delegate, serverOptions);
  await server.listen(port, address, bindOptions);
  return server;
}

/**
 * Append `chunk` to a buffered body, made on the first chunk (one growable buffer, never a
 * Buffer per chunk); returns the accumulator to keep.
 */
export function appendBody(body: BodyAccumulator | null, chunk: Buffer): BodyAccumulator {
  let acc = body;
  if (acc === null) {
    acc = new BodyAccumulator();
    acc.reset(chunk.length);
  }
  acc.append(chunk, 0, chunk.length);
  return acc;
}
