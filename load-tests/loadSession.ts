/**
 * One simulated client of a load run: a raw protocol v1 socket that enrolls a voice from real
 * speech, then speaks sentences back to back like a live bot, each utterance only after the
 * previous one has played out at the 20 ms playout clock. Utterances are whole, streamed in
 * pieces (LLM-token style), or cancelled midway. Every utterance leaves an `UtteranceRecord`.
 */
import WebSocket from 'ws';
import { PlayoutClock } from './playoutClock.js';

export type UtteranceKind = 'whole' | 'streamed' | 'cancelled';

/** What one utterance looked like from the client. Times are performance.now() ms. */
export interface UtteranceRecord {
  readonly session: number;
  readonly kind: UtteranceKind;
  /** Label of the phase the utterance started in (the driver's). */
  readonly phase: string;
  readonly startedAt: number;
  /** Speak sent (for streamed: the piece that completed the first sentence) -> first audio frame, ms. */
  ttfaMs: number | null;
  frames: number;
  underruns: number;
  gapMs: number;
  /** Index of each late frame (see PlayoutClock). */
  lateFrames: number[];
  outcome: 'completed' | 'cancelled' | 'failed' | 'lost';
  /** Error code of a failed utterance. */
  code: string | null;
  /** Speak sent -> error received, ms (how fast a refusal came). */
  errorAfterMs: number | null;
  /** The server's `done.rtf` (production seconds / audio seconds). */
  serverRtf: number | null;
  audioSeconds: number;
}

export interface LoadSessionOptions {
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** Reference speech, 16-bit LE mono PCM at 16 kHz. */
  readonly reference: Uint8Array;
  readonly sentences: readonly string[];
  /** Share of utterances streamed in pieces, and of cancelled ones (the rest are whole). */
  readonly streamedShare: number;
  readonly cancelledShare: number;
  readonly prebufferMs: number;
  /** The driver's current phase label. */
  readonly phase: () => string;
  readonly onRecord: (record: UtteranceRecord) => void;
  /** Errors without an utterance id (e.g. `busy` while embedding), by code. */
  readonly onSessionError: (code: string) => void;
}

const TOKEN_INTERVAL_MS = 30;

/**
 * The k-th utterance kind of a deterministic, evenly spread sequence with the given shares (each
 * kind comes up whenever its running total crosses an integer), so even a short phase mixes kinds.
 */
function kindOf(k: number, cancelled: number, streamed: number): UtteranceKind {
  const crosses = (share: number) => Math.floor((k + 1) * share) > Math.floor(k * share);
  return crosses(cancelled) ? 'cancelled' : crosses(streamed) ? 'streamed' : 'whole';
}
const GUARD_MS = 60_000;

export class LoadSession {
  private ws: WebSocket | null = null;
  private stopped = false;
  private utteranceCount = 0;
  /** Resolves the current waiter on any socket event. */
  private wake: (() => void) | null = null;
  /** Received, not yet consumed; `at` = arrival, performance.now() ms. */
  private inbox: { at: number; json?: Record<string, any>; frameAt?: number; utterance?: number }[] = [];
  closedWith: number | null = null;

  constructor(
    readonly index: number,
    private readonly options: LoadSessionOptions,
  ) {}

  /** Connects, enrolls, then speaks until `stop()`; resolves when the session has ended. */
  async run(): Promise<void> {
    try {
      await this.connect();
      await this.enroll();
      while (!this.stopped) await this.speakOne();
    } catch (err) {
      if (!this.stopped) this.options.onSessionError(this.closedWith !== null ? `close_${this.closedWith}` : `client:${(err as Error).message}`);
    } finally {
      this.ws?.close();
    }
  }

  /** Ends the session after its current utterance. */
  stop(): void {
    this.stopped = true;
    this.poke();
  }

  private async connect(): Promise<void> {
    const ws = new WebSocket(this.options.url, { headers: this.options.headers });
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      const bytes = data as Buffer;
      const at = performance.now();
      if (isBinary) this.inbox.push({ at, frameAt: at, utterance: bytes.readUInt32LE(2) });
      else this.inbox.push({ at, json: JSON.parse(bytes.toString('utf8')) });
      this.poke();
    });
    ws.on('close', (code) => {
      this.closedWith = code;
      this.poke();
    });
    ws.on('error', () => {});
    await this.waitJson((m) => m.type === 'hello');
  }

  private async enroll(): Promise<void> {
    this.send({ type: 'start', audio: { sampleRate: 16000 }, output: { format: 'opus', channels: 2 } });
    await this.waitJson((m) => m.type === 'started');
    const ref = this.options.reference;
    for (let at = 0; at < ref.length; at += 3200) this.ws!.send(ref.subarray(at, Math.min(ref.length, at + 3200)));
    this.send({ type: 'enroll.end' });
    await this.waitJson((m) => m.type === 'ready');
  }

  private async speakOne(): Promise<void> {
    const o = this.options;
    const n = this.utteranceCount++;
    const id = `u${n}`;
    const kind = kindOf(this.index * 3 + n, o.cancelledShare, o.streamedShare);
    const text = o.sentences[(this.index + n) % o.sentences.length] + ' ' + o.sentences[(this.index + n + 1) % o.sentences.length];
    const clock = new PlayoutClock(20, o.prebufferMs);
    const record: UtteranceRecord = {
      session: this.index, kind, phase: o.phase(), startedAt: performance.now(), ttfaMs: null, frames: 0, underruns: 0,
      gapMs: 0, lateFrames: [], outcome: 'lost', code: null, errorAfterMs: null, serverRtf: null, audioSeconds: 0,
    };
    let ttfaFrom = record.startedAt;
    let utteranceIndex: number | null = null;
    let cancelAt = kind === 'cancelled' ? 5 + (n % 20) : Infinity;

    if (kind === 'streamed') {
      const words = text.split(' ');
      const firstSentenceEnd = words.findIndex((w) => /[.!?]$/.test(w));
      for (let i = 0; i < words.length; i++) {
        const last = i === words.length - 1;
        this.send({ type: 'speak', id, text: (i === 0 ? '' : ' ') + words[i], final: last });
        if (i === firstSentenceEnd) ttfaFrom = performance.now();
        if (!last) await new Promise((resolve) => setTimeout(resolve, TOKEN_INTERVAL_MS));
      }
    } else {
      this.send({ type: 'speak', id, text });
    }

    // Consume events until this utterance's `done` (or a refusal, or the socket closing).
    const deadline = performance.now() + GUARD_MS;
    for (;;) {
      const item = await this.nextItem(deadline);
      if (item.frameAt !== undefined) {
        if (item.utterance !== utteranceIndex) continue;
        clock.arrive(item.frameAt);
        record.frames += 1;
        record.ttfaMs ??= item.frameAt - ttfaFrom;
        if (record.frames === cancelAt) {
          this.send({ type: 'cancel', id });
          cancelAt = Infinity;
        }
        continue;
      }
      const m = item.json!;
      if (m.type === 'queued' && m.id === id) utteranceIndex = m.utterance;
      else if (m.type === 'error' && m.id === id) {
        record.code = m.code;
        record.errorAfterMs ??= item.at - record.startedAt; // arrival: the client may still be sending pieces
      } else if (m.type === 'error') o.onSessionError(m.code);
      else if (m.type === 'done' && m.id === id) {
        record.outcome = m.outcome;
        record.serverRtf = m.rtf;
        record.audioSeconds = m.audioSeconds;
        break;
      }
      if (record.code !== null && utteranceIndex === null) {
        record.outcome = 'failed'; // refused before it was queued (e.g. queue_full)
        break;
      }
    }
    record.underruns = clock.underruns;
    record.gapMs = clock.gapMs;
    record.lateFrames = clock.lateFrames;
    if (record.outcome === 'cancelled' && kind !== 'cancelled') record.outcome = 'lost';
    o.onRecord(record);
    // Like a live bot: the next utterance only after this one has played out.
    const playedOutAt = record.ttfaMs === null ? 0 : ttfaFrom + record.ttfaMs + o.prebufferMs + record.frames * 20 + clock.gapMs;
    const wait = playedOutAt - performance.now();
    if (wait > 0 && !this.stopped) await new Promise((resolve) => setTimeout(resolve, wait));
    if (record.code !== null) await new Promise((resolve) => setTimeout(resolve, 200)); // back off after a refusal
  }

  private send(msg: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private async waitJson(pred: (m: Record<string, any>) => boolean): Promise<Record<string, any>> {
    const deadline = performance.now() + GUARD_MS;
    for (;;) {
      const item = await this.nextItem(deadline);
      if (item.json && pred(item.json)) return item.json;
      if (item.json?.type === 'error') this.options.onSessionError(item.json.code);
    }
  }

  private async nextItem(deadline: number): Promise<{ at: number; json?: Record<string, any>; frameAt?: number; utterance?: number }> {
    for (;;) {
      const item = this.inbox.shift();
      if (item !== undefined) return item;
      if (this.closedWith !== null) throw new Error('socket closed');
      if (performance.now() > deadline) throw new Error('no answer within the guard time');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 500).unref();
      });
    }
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
