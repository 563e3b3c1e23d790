// requestFromHead: the HTTPServerRequest for a request head read on a connection.

import {
  type HTTP1Connection,
  type HTTPHeaders,
  HTTPServerRequest,
  type RequestStartLine,
} from "@t/httpserver";

/**
 * @internal The request a dispatcher or router works with: method, target and version from the
 * start line, the headers, and the connection's peer address, protocol and response side.
 */
export function requestFromHead(
  startLine: RequestStartLine,
  headers: HTTPHeaders,
  conn: HTTP1Connection,
): HTTPServerRequest {
  const request = new HTTPServerRequest();
  request.method = startLine.method;
  request.uri = startLine.path;
  request.version = startLine.version;
  request.headers = headers;
  request.remoteIp = conn.remoteIp;
  request.protocol = conn.protocol;
  request.connection = conn;
  return request;
}
