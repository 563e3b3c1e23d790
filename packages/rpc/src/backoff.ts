// Backoff: bounded exponential reconnect delays with jitter.

/** Options of {@link Backoff} (and of `RpcClient`'s `reconnect`). */
export interface BackoffOptions {
  /** Delay before the first retry, ms. Default 100. */
  initialDelayMs?: number;
  /** Upper bound of any delay, ms. Default 10000. */
  maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /**
   * Fraction of each delay that is randomised, 0..1: the delay is drawn uniformly from
   * `[d·(1-jitter), d]`. Default 0.5 (keeps reconnecting clients from arriving in lockstep).
   */
  jitter?: number;
  /** Attempts before giving up; `Infinity` never gives up. Default Infinity. */
  maxAttempts?: number;
}

function checkNumber(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < min || value > max) {
    throw new RangeError(
      `backoff: ${name} must be a number in ${min}..${max}, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Computes retry delays: `min(maxDelayMs, initialDelayMs · factor^attempt)`, jittered downwards.
 * `next()` returns the next delay or -1 once `maxAttempts` delays were handed out; `reset()` after
 * a success starts over.
 */
export class Backoff {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly jitter: number;
  readonly maxAttempts: number;
  private attempt = 0;
  private readonly random: () => number;

  constructor(options?: BackoffOptions, random: () => number = Math.random) {
    this.initialDelayMs = checkNumber(options?.initialDelayMs ?? 100, "initialDelayMs", 0, 2 ** 31);
    this.maxDelayMs = checkNumber(options?.maxDelayMs ?? 10_000, "maxDelayMs", 0, 2 ** 31);
    if (this.maxDelayMs < this.initialDelayMs) {
      throw new RangeError("backoff: maxDelayMs must be >= initialDelayMs");
    }
    this.factor = checkNumber(options?.factor ?? 2, "factor", 1, 1000);
    this.jitter = checkNumber(options?.jitter ?? 0.5, "jitter", 0, 1);
    const maxAttempts = options?.maxAttempts ?? Number.POSITIVE_INFINITY;
    if (
      maxAttempts !== Number.POSITIVE_INFINITY &&
      (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    ) {
      throw new RangeError(
        `backoff: maxAttempts must be a positive integer or Infinity, got ${maxAttempts}`,
      );
    }
    this.maxAttempts = maxAttempts;
    this.random = random;
  }

  /** Attempts handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The next delay in ms, or -1 when the attempts are used up. */
  next(): number {
    if (this.attempt >= this.maxAttempts) return -1;
    const base = Math.min(this.maxDelayMs, this.initialDelayMs * this.factor ** this.attempt);
    this.attempt++;
    return Math.round(base * (1 - this.jitter * this.random()));
  }

  /** Start over (after a successful connect). */
  reset(): void {
    this.attempt = 0;
  }
}
