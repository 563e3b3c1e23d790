// The access log line written for every finished request.

/** `200 GET /path (127.0.0.1) 1.23ms` (Tornado's `log_request` format). */
export function formatAccessLine(
  statusCode: number,
  requestSummary: string,
  requestTimeMs: number,
): string {
  return `${statusCode} ${requestSummary} ${requestTimeMs.toFixed(2)}ms`;
}
