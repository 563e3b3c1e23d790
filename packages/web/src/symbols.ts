// The internal slots of a RequestHandler that request-dispatcher.ts drives (fastify's lib/symbols.js).

/*
 * Keys of the members the dispatcher reads and calls on a handler, kept off the class's named
 * API so that they cannot clash with a subclass's own members and do not show up next to
 * Tornado's methods in an editor. They are not exported from the package.
 *
 * `Symbol.for`, not `Symbol()`: a handler class may come from another installed copy of @t/web
 * than the Application that runs it (an app's copy running @t/websocket's WebSocketHandler,
 * built on that package's copy), and routes accept handler classes by shape for that reason.
 * Registered keys keep that working; they are still absent from every public type and name.
 */

/** Method: turn a value thrown by the handler into a response and a log line. */
export const kHandleError: unique symbol = Symbol.for("@t/web.handleError");

/** Method: the connection closed before the response finished. */
export const kConnectionClosed: unique symbol = Symbol.for("@t/web.connectionClosed");

/** Field: the chunks the default `dataReceived` collected, made `request.body` before the verb method. */
export const kStreamedChunks: unique symbol = Symbol.for("@t/web.streamedChunks");

/** Method: give the handler its request id and the header that carries it back. */
export const kSetRequestId: unique symbol = Symbol.for("@t/web.setRequestId");
