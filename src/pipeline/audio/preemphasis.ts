/**
 * Streaming pre-emphasis y[n] = x[n] - a*x[n-1] with x[-1] = 0. The last input sample is carried
 * between calls, so processing a signal in pieces equals processing it whole.
 */
export class Preemphasis {
  private previous = 0;

  /** @param coefficient `a`; 0 makes this a copy. */
  constructor(readonly coefficient: number) {}

  /** Filters `input` into `output` (same length, may be the same array). */
  process(input: ArrayLike<number>, output: Float32Array | Float64Array): void {
    const a = this.coefficient;
    let prev = this.previous;
    for (let i = 0; i < input.length; i++) {
      const x = input[i];
      output[i] = x - a * prev;
      prev = x;
    }
    this.previous = prev;
  }

  /** Forget the carried sample (start of a new signal). */
  reset(): void {
    this.previous = 0;
  }
}

/**
 * Streaming de-emphasis, the inverse filter y[n] = x[n] + a*y[n-1] (y[-1] = 0): undoes
 * {@link Preemphasis} exactly (e.g. after a vocoder or Griffin-Lim that outputs pre-emphasised audio).
 */
export class Deemphasis {
  private previous = 0;

  constructor(readonly coefficient: number) {}

  /** Filters `input` into `output` (same length, may be the same array). */
  process(input: ArrayLike<number>, output: Float32Array | Float64Array): void {
    const a = this.coefficient;
    let prev = this.previous;
    for (let i = 0; i < input.length; i++) {
      prev = input[i] + a * prev;
      output[i] = prev;
    }
    this.previous = prev;
  }

  reset(): void {
    this.previous = 0;
  }
}
