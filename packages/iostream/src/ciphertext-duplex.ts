// CiphertextDuplex: a Duplex moving TLS records through any ciphertext transport (the general path).

import { Duplex } from "node:stream";
import type { BaseIOStream } from "./base-iostream.js";

/** A stream carrying ciphertext: the socket IOStream a TLS session runs over. */
export interface CiphertextTransport {
  readonly loop: BaseIOStream["loop"];
  fileno(): number;
  readBytes(n: number, options?: { partial?: boolean }): Promise<Buffer>;
  write(data: Uint8Array): Promise<void>;
  close(error?: Error): void;
  closed(): boolean;
}

const CIPHERTEXT_CHUNK = 64 * 1024;

/**
 * A Duplex that moves ciphertext through a transport stream; a Node TLSSocket runs over it when
 * the transport is not a descriptor stream Node can take over (see SSLIOStream). A write's
 * callback runs once the transport handed its bytes to the kernel, so the Duplex's `finish`
 * means every record left.
 */
export class CiphertextDuplex extends Duplex {
  private pumping = false;

  constructor(private readonly transport: CiphertextTransport) {
    super({ allowHalfOpen: false });
  }

  override _read(): void {
    if (this.pumping) return;
    this.pumping = true;
    this.transport.readBytes(CIPHERTEXT_CHUNK, { partial: true }).then(
      (chunk) => {
        this.pumping = false;
        if (this.push(chunk)) this._read();
      },
      () => {
        this.pumping = false;
        this.push(null);
      },
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error) => void) {
    this.transport.write(chunk).then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err: Error | null) => void): void {
    this.transport.close();
    callback(err);
  }
}
