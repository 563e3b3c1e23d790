// Incremental UTF-8 validation (RFC 3629) for text messages that arrive in fragments.

/*
 * A deterministic automaton over byte classes, built from the table of well-formed byte
 * sequences (Unicode 15, table 3-7). States:
 *   0 accept, 1..3 expect that many continuation bytes 80..BF,
 *   4 after E0 (next A0..BF), 5 after ED (next 80..9F, no surrogates),
 *   6 after F0 (next 90..BF), 7 after F4 (next 80..8F, nothing above U+10FFFF), 8 reject.
 * Byte classes:
 *   0 00..7F, 1 80..8F, 2 90..9F, 3 A0..BF, 4 C0..C1 F5..FF, 5 C2..DF,
 *   6 E0, 7 E1..EC EE..EF, 8 ED, 9 F0, 10 F1..F3, 11 F4
 */
const ACCEPT = 0;
const REJECT = 8;
const CLASSES = 12;

const BYTE_CLASS = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  let c: number;
  if (b < 0x80) c = 0;
  else if (b < 0x90) c = 1;
  else if (b < 0xa0) c = 2;
  else if (b < 0xc0) c = 3;
  else if (b < 0xc2) c = 4;
  else if (b < 0xe0) c = 5;
  else if (b === 0xe0) c = 6;
  else if (b === 0xed) c = 8;
  else if (b < 0xf0) c = 7;
  else if (b === 0xf0) c = 9;
  else if (b < 0xf4) c = 10;
  else if (b === 0xf4) c = 11;
  else c = 4;
  BYTE_CLASS[b] = c;
}

const TRANSITIONS = new Uint8Array(9 * CLASSES).fill(REJECT);
{
  const set = (state: number, classes: number[], next: number) => {
    for (const c of classes) TRANSITIONS[state * CLASSES + c] = next;
  };
  const CONT = [1, 2, 3];
  set(ACCEPT, [0], ACCEPT);
  set(ACCEPT, [5], 1);
  set(ACCEPT, [6], 4);
  set(ACCEPT, [7], 2);
  set(ACCEPT, [8], 5);
  set(ACCEPT, [9], 6);
  set(ACCEPT, [10], 3);
  set(ACCEPT, [11], 7);
  set(1, CONT, ACCEPT);
  set(2, CONT, 1);
  set(3, CONT, 2);
  set(4, [3], 1);
  set(5, [1, 2], 1);
  set(6, [2, 3], 2);
  set(7, [1], 2);
}

/**
 * Validates UTF-8 text fed in arbitrary pieces: a sequence split between fragments is carried
 * over in `state`, and invalid input is reported as soon as the offending byte is seen.
 * Runs of ASCII are skipped without table lookups.
 */
export class Utf8Validator {
  private state = ACCEPT;

  /** Feed `buf[start, end)`; false once the input can no longer be valid UTF-8. */
  update(buf: Uint8Array, start = 0, end = buf.length): boolean {
    let state = this.state;
    let i = start;
    while (i < end) {
      if (state === ACCEPT) {
        // Fast path: skip ASCII.
        while (i < end && buf[i] < 0x80) i++;
        if (i === end) break;
      }
      state = TRANSITIONS[state * CLASSES + BYTE_CLASS[buf[i]]];
      if (state === REJECT) {
        this.state = REJECT;
        return false;
      }
      i++;
    }
    this.state = state;
    return true;
  }

  /** True when everything fed so far is complete, valid UTF-8 (no sequence left open). */
  complete(): boolean {
    return this.state === ACCEPT;
  }

  /** Forget all input (start a new message). */
  reset(): void {
    this.state = ACCEPT;
  }
}
