// Typed event listeners whose exceptions are logged instead of breaking the emitter's caller.

import { EventEmitter } from "node:events";
import type { Logger } from "@t/ioloop";

type Listener = (...args: unknown[]) => void;

/**
 * A small typed wrapper over EventEmitter: `emit` never throws — a listener's exception is
 * logged with `owner` and the event name, so a buggy listener cannot break a connection.
 */
export class Listeners<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly owner: string,
    private readonly logger: () => Logger,
  ) {}

  /** Add `listener` for `event`. */
  on<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): void {
    this.emitter.on(event, listener as Listener);
  }

  /** Add `listener` for the next `event` only. */
  once<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): void {
    this.emitter.once(event, listener as Listener);
  }

  /** Remove `listener`. */
  off<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): void {
    this.emitter.off(event, listener as Listener);
  }

  /** Call the listeners of `event`; a listener that throws is logged. */
  emit<E extends keyof Events & string>(event: E, ...args: Events[E]): void {
    try {
      this.emitter.emit(event, ...args);
    } catch (err) {
      this.logger().error(err, `${this.owner} "${event}" listener threw`);
    }
  }
}
