/**
 * One utterance of a session: its text (one piece or streamed pieces), split into sentences as
 * they complete, and its cancellation. The player pulls sentences with `nextSentence()`, which
 * waits while more text may come.
 */
import { protocolError } from './errors.js';
import type { SentenceSplitter } from './speechEngine.js';

export type UtteranceStatus = 'queued' | 'playing' | 'finished';

export class Utterance {
  status: UtteranceStatus = 'queued';
  /** performance.now() of the first `speak` of this id. */
  readonly createdAt = performance.now();
  private readonly controller = new AbortController();
  private readonly pending: string[] = [];
  private chars = 0;
  private final = false;
  private wake: (() => void) | null = null;

  constructor(
    /** Client's id for the utterance. */
    readonly id: string,
    /** Session-wide index carried in audio frame headers. */
    readonly index: number,
    private readonly splitter: SentenceSplitter,
    private readonly maxChars: number,
    /** Sampler seed from the first `speak` (sentence i uses seed + i), or null for random. */
    readonly seed: number | null = null,
  ) {}

  /** Aborts when the utterance is cancelled (by the client or because the session closed). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get isFinal(): boolean {
    return this.final;
  }

  /**
   * Adds a text piece; complete sentences become available to the player.
   * @throws ProtocolError `duplicate_id` (already final), `text_too_long`.
   */
  append(text: string, final: boolean): void {
    if (this.final) throw protocolError('duplicate_id', `utterance ${this.id} already has its final text`, this.id);
    if (this.chars + text.length > this.maxChars) {
      throw protocolError('text_too_long', `utterance text is longer than ${this.maxChars} characters`, this.id);
    }
    this.chars += text.length;
    this.pending.push(...this.splitter.push(text));
    if (final) {
      this.final = true;
      this.pending.push(...this.splitter.flush());
    }
    this.wakePlayer();
  }

  /** The next complete sentence; null when the text is final and all sentences were taken, or on cancel. */
  async nextSentence(): Promise<string | null> {
    for (;;) {
      if (this.signal.aborted) return null;
      const sentence = this.pending.shift();
      if (sentence !== undefined) return sentence;
      if (this.final) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  cancel(): void {
    this.controller.abort();
    this.wakePlayer();
  }

  private wakePlayer(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
