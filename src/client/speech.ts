/**
 * One utterance as the SDK sees it: the audio frames the server streams for it, as an async
 * iterable, and its `done` summary. Fed by CloneCastClient; frames are buffered until read.
 */
import type { AudioFrame, DoneMessage, QueuedMessage } from '../server/protocol.js';
import { CloneCastError } from './errors.js';

/** An utterance in progress: `for await (const frame of speech)` yields its 20 ms audio frames in order. */
export class Speech implements AsyncIterable<AudioFrame> {
  /** Resolves with `queued` (utterance index, queue position); rejects when the server refuses the speak. */
  readonly queued: Promise<QueuedMessage>;
  /** Resolves with `done` when the utterance completed or was cancelled; rejects when it failed. */
  readonly done: Promise<DoneMessage>;
  /** performance.now() when the speak was sent, and when its first frame arrived. */
  readonly sentAt = performance.now();
  firstFrameAt: number | null = null;

  private readonly frames: AudioFrame[] = [];
  private wake: (() => void) | null = null;
  private finished = false;
  private wasQueued = false;
  private failure: CloneCastError | null = null;
  private settleQueued!: { resolve: (m: QueuedMessage) => void; reject: (e: Error) => void };
  private settleDone!: { resolve: (m: DoneMessage) => void; reject: (e: Error) => void };

  constructor(
    readonly id: string,
    private readonly send: (message: object) => void,
  ) {
    this.queued = new Promise((resolve, reject) => (this.settleQueued = { resolve, reject }));
    this.done = new Promise((resolve, reject) => (this.settleDone = { resolve, reject }));
    // Callers may only iterate, or only await one of them: never leave a rejection unhandled.
    this.queued.catch(() => undefined);
    this.done.catch(() => undefined);
  }

  /** Appends text to a streamed utterance (`final: false` keeps it open for more). */
  append(text: string, options: { final?: boolean } = {}): void {
    this.send({ type: 'speak', id: this.id, text, final: options.final ?? true });
  }

  /** Asks the server to stop this utterance (barge-in); `done` then reports `cancelled`. */
  cancel(): void {
    if (!this.finished) this.send({ type: 'cancel', id: this.id });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<AudioFrame> {
    for (;;) {
      const frame = this.frames.shift();
      if (frame) {
        yield frame;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.finished) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** @internal the client routes the server's messages for this utterance here. */
  onQueued(message: QueuedMessage): void {
    this.wasQueued = true;
    this.settleQueued.resolve(message);
  }

  /** @internal */
  onFrame(frame: AudioFrame): void {
    this.firstFrameAt ??= performance.now();
    this.frames.push(frame);
    this.notify();
  }

  /** @internal an `error` naming this utterance: before `queued` the speak was refused. */
  onError(error: CloneCastError): void {
    this.failure = error;
    this.settleQueued.reject(error);
    // Refused before `queued`: no frames and possibly no `done` will follow, so end it here.
    if (!this.wasQueued) {
      this.finished = true;
      this.settleDone.reject(error);
    }
    this.notify(); // a pending iteration must see the failure now, not hang
  }

  /** @internal */
  onDone(message: DoneMessage): void {
    this.finished = true;
    if (message.outcome === 'failed') {
      this.failure ??= new CloneCastError(message.code ?? 'internal', `utterance ${this.id} failed`, this.id);
      this.settleDone.reject(this.failure);
    } else {
      this.settleDone.resolve(message);
    }
    this.notify();
  }

  /** @internal the utterance will get no `done` (refused, or the connection closed). */
  abort(error: CloneCastError): void {
    if (this.finished) return;
    this.finished = true;
    this.failure ??= error;
    this.settleQueued.reject(this.failure);
    this.settleDone.reject(this.failure);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
