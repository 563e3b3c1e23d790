// Frame opcodes of RFC 6455 §5.2.

/** A continuation of a fragmented message. */
export const OP_CONTINUATION = 0x0;
/** A text (UTF-8) message or its first fragment. */
export const OP_TEXT = 0x1;
/** A binary message or its first fragment. */
export const OP_BINARY = 0x2;
/** Close control frame. */
export const OP_CLOSE = 0x8;
/** Ping control frame. */
export const OP_PING = 0x9;
/** Pong control frame. */
export const OP_PONG = 0xa;
