// The wire protocol: message kinds carried in each frame (msgpack-rpc's layout plus hello and fatal).

/**
 * `[0, id, method, args]` — a call expecting a reply. Ids are unsigned 32-bit integers chosen by
 * the sender, unique among its calls in flight.
 */
export const REQUEST = 0;
/** `[1, id, error, result]` — the reply to a request or hello; `error` is null or a WireError map. */
export const RESPONSE = 1;
/** `[2, method, args]` — a call without a reply. */
export const NOTIFY = 2;
/**
 * `[3, id, clientId]` or `[3, id, clientId, auth]` — the client's first frame; answered by a
 * RESPONSE. `auth` is a map `{ hmac?: bin, credentials?: any }`. A server with a secret answers
 * the first hello with an error carrying `data: { nonce }` (a challenge); the client then sends
 * the hello again, same id, with `hmac` = HMAC-SHA256(secret, nonce ‖ UTF-8 clientId).
 */
export const HELLO = 3;
/** `[4, error]` — sent once before a side closes the connection because of a protocol fault. */
export const FATAL = 4;

/** Bytes of the big-endian length prefix in front of every msgpack payload. */
export const LENGTH_PREFIX_BYTES = 4;

/** Default `maxFrameBytes`: 8 MiB of payload per frame. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;
/** Longest error message sent when an error reply would not fit a frame (it is truncated). */
export const MAX_ERROR_MESSAGE_LENGTH = 1024;

/** Longest accepted client id and method name, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 256;

/** Bytes of the random nonce a server's challenge carries. */
export const NONCE_BYTES = 32;
/** Bytes of the hello's HMAC-SHA256. */
export const HMAC_BYTES = 32;
