// Close status codes of RFC 6455 §7.4 and the IANA registry, and which may appear on the wire.

/** Normal closure. */
export const CLOSE_NORMAL = 1000;
/** The endpoint is going away (server shutdown, page navigation). */
export const CLOSE_GOING_AWAY = 1001;
/** The peer broke the protocol. */
export const CLOSE_PROTOCOL_ERROR = 1002;
/** A data type the endpoint cannot accept. */
export const CLOSE_UNSUPPORTED_DATA = 1003;
/** No status code was present in the close frame (never sent on the wire). */
export const CLOSE_NO_STATUS = 1005;
/** The connection dropped without a close frame (never sent on the wire). */
export const CLOSE_ABNORMAL = 1006;
/** A text message was not valid UTF-8 (or data inconsistent with its type). */
export const CLOSE_INVALID_PAYLOAD = 1007;
/** A message violated the endpoint's policy. */
export const CLOSE_POLICY_VIOLATION = 1008;
/** A message was too big to process. */
export const CLOSE_MESSAGE_TOO_BIG = 1009;
/** The client expected an extension the server did not negotiate. */
export const CLOSE_MANDATORY_EXTENSION = 1010;
/** The server hit an unexpected condition. */
export const CLOSE_INTERNAL_ERROR = 1011;

/**
 * True when `code` may be carried by a close frame: 1000–1003, 1007–1014 (registered by IANA;
 * 1004 is reserved, 1005/1006/1015 are never sent) and 3000–4999 (libraries and applications).
 */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}
