/**
 * One WebSocket session (docs/protocol.md, "Session lifecycle"): a state machine over the voice
 * (`awaitingStart -> enrolling -> ready -> closed`) plus a queue of utterances played one at a time.
 * Client messages are handled strictly in arrival order through one inbox; the socket is paused
 * while the inbox holds too much, so a fast sender cannot grow memory without bound.
 */
import type { WebSocket } from 'ws';
import { nanoid } from 'nanoid';
import { CloseCode, protocolError, toProtocolError, type ProtocolError } from './errors.js';
import type { Limits } from './limits.js';
import type { ServerMetrics } from './metrics.js';
import { playUtterance, type PlayResult } from './player.js';
import {
  FRAME_MS,
  PROTOCOL_VERSION,
  embeddingJson,
  parseClientMessage,
  type CancelMessage,
  type OutputFormat,
  type ServerMessage,
  type SpeakMessage,
  type StartMessage,
  type VoiceSaveMessage,
} from './protocol.js';
import type { Enrollment, SpeechEngine } from './speechEngine.js';
import { Utterance } from './utterance.js';
import type { VoiceStore } from './voiceStore.js';

/** A usable speaker voice. */
interface Voice {
  readonly embedding: Float32Array;
  readonly windows: number;
  readonly speechSeconds: number;
  /** Stored voice id when the voice came from the store. */
  readonly id: string | null;
}

/** Session states; each holds only the resources alive in it. */
export type SessionState =
  | { readonly status: 'awaitingStart' }
  | {
      readonly status: 'enrolling';
      readonly enrollment: Enrollment;
      readonly inputRate: number;
      readonly output: OutputFormat;
      /** Reference samples accepted so far (at `inputRate`). */
      referenceSamples: number;
      /** Newest estimate, null until the first window completes. */
      voice: Voice | null;
    }
  | { readonly status: 'ready'; readonly output: OutputFormat; readonly voice: Voice }
  | { readonly status: 'closed' };

export interface SessionDeps {
  readonly engine: SpeechEngine;
  readonly store: VoiceStore;
  readonly limits: Limits;
  readonly metrics: ServerMetrics;
  /** Called once when the session has closed and released everything. */
  readonly onClosed: (session: Session) => void;
  /** Where unexpected faults are reported (default console.error). */
  readonly log?: (message: string, err: unknown) => void;
  /** Server-wide playing-utterance slots (`maxActiveUtterances`); none: unlimited. */
  readonly utteranceSlots?: { tryAcquire(): boolean; release(): void };
  /** Per-IP message rate limit: false drops the message (`rate_limited`). Default: always true. */
  readonly admitMessage?: () => boolean;
  /** Server-wide count of received bytes waiting in session inboxes (for `RunningServer.stats()`). */
  readonly inbound?: { bytes: number };
}

/** Inbox bounds before the socket is paused. */
const INBOX_MAX_MESSAGES = 32;
/** At most one `rate_limited` error per this many ms per session: dropping must not amplify a flood. */
const RATE_LIMITED_REPORT_MS = 1000;

export class Session {
  readonly id = nanoid(12);
  private current: SessionState = { status: 'awaitingStart' };
  /** Unfinished utterances in play order; the head is playing when `playing` is true. */
  private readonly queue: Utterance[] = [];
  private nextUtteranceIndex = 0;
  private playing = false;
  private inbox: Promise<void> = Promise.resolve();
  private inboxMessages = 0;
  private inboxBytes = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Set when the server drains for shutdown: no new utterances, queued ones still play. */
  private draining = false;
  private lastRateLimitReport = -Infinity;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: SessionDeps,
  ) {
    deps.metrics.activeSessions.inc();
    ws.on('message', (data, isBinary) => this.receive(toBuffer(data), isBinary));
    ws.on('close', () => this.close());
    ws.on('error', () => this.close());
    this.armIdleTimer();
    this.send({ type: 'hello', protocol: PROTOCOL_VERSION, session: this.id, limits: { ...deps.limits } });
  }

  get state(): SessionState {
    return this.current;
  }

  /** Unfinished utterances (queued + playing); 0 once closed. */
  get pendingUtterances(): number {
    return this.current.status === 'closed' ? 0 : this.queue.length;
  }

  /** Shutdown drain: later `speak`s of new ids are refused with `shutting_down`; queued utterances finish. */
  stopAccepting(): void {
    this.draining = true;
  }

  /** The one state setter: releases what the old state owned. */
  private set state(next: SessionState) {
    const old = this.current;
    if (old.status === 'enrolling' && (next.status !== 'enrolling' || next.enrollment !== old.enrollment)) {
      old.enrollment.close();
    }
    if (next.status === 'closed') {
      for (const utterance of this.queue) utterance.cancel();
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    this.current = next;
  }

  /** Closes the session (and the socket, if still open) and cancels all its work. Idempotent. */
  close(code: number = CloseCode.normal, reason = ''): void {
    if (this.current.status === 'closed') return;
    this.state = { status: 'closed' };
    this.deps.metrics.activeSessions.dec();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
    this.deps.onClosed(this);
  }

  // ---- inbox --------------------------------------------------------------------------------

  private receive(data: Buffer, isBinary: boolean): void {
    if (this.current.status === 'closed') return;
    if (this.deps.admitMessage !== undefined && !this.deps.admitMessage()) {
      const now = performance.now();
      if (now - this.lastRateLimitReport >= RATE_LIMITED_REPORT_MS) {
        this.lastRateLimitReport = now;
        this.report(protocolError('rate_limited', `more than ${this.deps.limits.maxMessagesPerSecond} messages per second from this address: dropped`));
      }
      return;
    }
    this.armIdleTimer();
    this.inboxMessages += 1;
    this.inboxBytes += data.length;
    if (this.deps.inbound) this.deps.inbound.bytes += data.length;
    if (this.inboxMessages > INBOX_MAX_MESSAGES || this.inboxBytes > this.deps.limits.maxFrameBytes) this.ws.pause();
    this.inbox = this.inbox.then(async () => {
      try {
        if (this.current.status === 'closed') return;
        if (isBinary) await this.onAudio(data);
        else await this.onMessage(data.toString('utf8'));
      } catch (err) {
        this.report(err);
      } finally {
        this.inboxMessages -= 1;
        this.inboxBytes -= data.length;
        if (this.deps.inbound) this.deps.inbound.bytes -= data.length;
        if (this.ws.isPaused && this.inboxMessages <= INBOX_MAX_MESSAGES / 2) this.ws.resume();
      }
    });
  }

  private async onMessage(text: string): Promise<void> {
    const msg = parseClientMessage(text);
    switch (msg.type) {
      case 'start':
        return this.onStart(msg);
      case 'enroll.end':
        return this.onEnrollEnd();
      case 'speak':
        return this.onSpeak(msg);
      case 'cancel':
        return this.onCancel(msg);
      case 'voice.save':
        return this.onVoiceSave(msg);
    }
  }

  // ---- voice ----------------------------------------------------------------------------------

  private async onStart(msg: StartMessage): Promise<void> {
    if (this.current.status !== 'awaitingStart') throw protocolError('already_started', 'this session has already started');
    const { engine, store } = this.deps;
    await engine.ready;
    let loaded: Voice | null = null;
    if (msg.voice !== null) {
      const stored = await store.load(msg.voice, { embeddingDim: engine.embeddingDim, encoder: engine.encoderId });
      if (this.current.status !== 'awaitingStart') return; // closed while loading
      loaded = { embedding: stored.embedding, windows: stored.windows, speechSeconds: stored.speechSeconds, id: stored.id };
      this.state = { status: 'ready', output: msg.output, voice: loaded };
    } else {
      const inputRate = msg.audio!.sampleRate;
      this.state = {
        status: 'enrolling',
        enrollment: engine.createEnrollment(inputRate),
        inputRate,
        output: msg.output,
        referenceSamples: 0,
        voice: null,
      };
    }
    this.send({
      type: 'started',
      state: msg.voice !== null ? 'ready' : 'enrolling',
      voice: msg.voice,
      input: msg.audio,
      output: { ...msg.output, frameMs: FRAME_MS },
      embedding: loaded === null ? null : embeddingJson(loaded.embedding),
    });
  }

  private async onAudio(bytes: Buffer): Promise<void> {
    const state = this.current;
    if (state.status === 'awaitingStart') throw protocolError('not_started', 'send start before audio');
    if (state.status !== 'enrolling') throw protocolError('unexpected_audio', 'reference audio is only accepted while enrolling');
    if (bytes.length % 2 !== 0) throw protocolError('odd_byte_count', `audio chunk of ${bytes.length} bytes is not whole 16-bit samples`);
    const allowed = Math.floor(this.deps.limits.maxReferenceSeconds * state.inputRate) - state.referenceSamples;
    const samples = Math.min(bytes.length / 2, Math.max(0, allowed));
    if (samples > 0) {
      state.referenceSamples += samples;
      const pcm = new Int16Array(samples);
      new Uint8Array(pcm.buffer).set(bytes.subarray(0, samples * 2)); // copy: ws buffers may be pooled/unaligned
      const updates = await state.enrollment.push(pcm);
      if (this.current !== state) return; // closed meanwhile
      for (const u of updates) {
        state.voice = { embedding: u.embedding, windows: u.windows, speechSeconds: u.speechSeconds, id: null };
        this.send({ type: 'embedding', windows: u.windows, speechSeconds: u.speechSeconds, movedCosine: u.movedCosine, embedding: embeddingJson(u.embedding) });
      }
    }
    if (samples < bytes.length / 2) {
      this.report(protocolError('reference_too_long', `reference audio is limited to ${this.deps.limits.maxReferenceSeconds} s; the rest was dropped`));
      await this.onEnrollEnd();
    }
  }

  private async onEnrollEnd(): Promise<void> {
    const state = this.current;
    if (state.status === 'awaitingStart') throw protocolError('not_started', 'send start first');
    if (state.status === 'ready') {
      this.sendReady(state.voice);
      return;
    }
    if (state.status !== 'enrolling') return;
    if (state.voice === null) throw protocolError('no_voice', 'no encoder window has completed yet: send more speech');
    this.state = { status: 'ready', output: state.output, voice: state.voice };
    this.sendReady(state.voice);
  }

  private sendReady(voice: Voice): void {
    this.send({ type: 'ready', windows: voice.windows, speechSeconds: voice.speechSeconds, embedding: embeddingJson(voice.embedding) });
  }

  private async onVoiceSave(msg: VoiceSaveMessage): Promise<void> {
    const voice = this.voice();
    const { engine, store } = this.deps;
    const stored = await store.save({
      name: msg.name,
      embedding: voice.embedding,
      windows: voice.windows,
      speechSeconds: voice.speechSeconds,
      encoder: engine.encoderId,
    });
    this.send({ type: 'voice.saved', voice: stored.id, name: stored.name, embedding: embeddingJson(stored.embedding) });
  }

  /** The session's current voice. @throws ProtocolError `not_started`, `no_voice`. */
  private voice(id?: string): Voice {
    const state = this.current;
    if (state.status === 'awaitingStart') throw protocolError('not_started', 'send start first', id);
    if (state.status === 'closed' || (state.status === 'enrolling' && state.voice === null)) {
      throw protocolError('no_voice', 'no voice yet: stream reference audio until an embedding event arrives', id);
    }
    return state.voice!;
  }

  // ---- utterances -----------------------------------------------------------------------------

  private onSpeak(msg: SpeakMessage): void {
    const open = this.queue.find((u) => u.id === msg.id);
    if (open !== undefined) {
      open.append(msg.text, msg.final);
      return;
    }
    this.voice(msg.id);
    if (this.draining) throw protocolError('shutting_down', 'the server is shutting down: no new utterances', msg.id);
    const { engine, limits } = this.deps;
    if (this.queue.length >= limits.maxQueuedUtterances) {
      throw protocolError('queue_full', `at most ${limits.maxQueuedUtterances} unfinished utterances per session`, msg.id);
    }
    if (msg.final) {
      const code = engine.checkText(msg.text);
      if (code !== null) throw protocolError(code, 'the text has nothing the synthesizer can say', msg.id);
    }
    const utterance = new Utterance(msg.id, this.nextUtteranceIndex, engine.createSentenceSplitter(), limits.maxTextChars, msg.seed ?? null);
    utterance.append(msg.text, msg.final);
    this.nextUtteranceIndex += 1;
    this.queue.push(utterance);
    this.send({ type: 'queued', id: msg.id, utterance: utterance.index, position: this.queue.length - 1 });
    void this.playQueue();
  }

  private onCancel(msg: CancelMessage): void {
    if (this.current.status === 'awaitingStart') throw protocolError('not_started', 'send start first', msg.id);
    const utterance = this.queue.find((u) => u.id === msg.id);
    if (utterance === undefined) throw protocolError('unknown_utterance', `no queued or playing utterance ${msg.id}`, msg.id);
    utterance.cancel();
    if (utterance.status === 'queued') {
      this.queue.splice(this.queue.indexOf(utterance), 1);
      this.finish(utterance, {
        outcome: 'cancelled',
        error: null,
        frames: 0,
        audioSeconds: 0,
        ttfaMs: null,
        rtf: null,
        stages: { synth: 0, vocode: 0, encode: 0 },
      }, performance.now() - utterance.createdAt);
    }
  }

  /** Plays queued utterances one at a time until the queue is empty; one loop per session. */
  private async playQueue(): Promise<void> {
    if (this.playing) return;
    this.playing = true;
    try {
      while (this.queue.length > 0 && this.current.status !== 'closed') {
        const utterance = this.queue[0];
        utterance.status = 'playing';
        const queueMs = performance.now() - utterance.createdAt;
        this.deps.metrics.queueWait.observe({ queue: 'session' }, queueMs / 1000);
        const slots = this.deps.utteranceSlots;
        let result: PlayResult;
        if (slots === undefined || slots.tryAcquire()) {
          try {
            result = await playUtterance(this.playerContext(), utterance);
          } finally {
            slots?.release();
          }
        } else {
          // At capacity: refuse at once, so the streams already playing keep their real-time budget.
          result = refusedAtCapacity(utterance.id, this.deps.limits.maxActiveUtterances);
        }
        this.queue.splice(this.queue.indexOf(utterance), 1);
        this.finish(utterance, result, queueMs);
      }
    } catch (err) {
      // playUtterance never throws; anything here is a bug in the session itself: drop only this session.
      (this.deps.log ?? defaultLog)(`session ${this.id}: play loop fault`, err);
      this.close(CloseCode.internalError, 'internal error');
    } finally {
      this.playing = false;
      this.armIdleTimer();
    }
  }

  private playerContext() {
    const state = this.current as Extract<SessionState, { status: 'enrolling' | 'ready' }>;
    const { engine, limits, metrics } = this.deps;
    return {
      engine,
      output: state.output,
      socket: this.ws,
      maxBufferedBytes: limits.maxBufferedBytes,
      slowReaderTimeoutMs: limits.slowReaderTimeoutMs,
      metrics,
      embedding: () => this.voice().embedding,
      sendBinary: (bytes: Uint8Array) => this.ws.send(bytes, { binary: true }),
      close: (code: number, reason: string) => this.close(code, reason),
    };
  }

  private finish(utterance: Utterance, result: PlayResult, queueMs: number): void {
    utterance.status = 'finished';
    this.deps.metrics.countUtterance(result.outcome);
    if (this.current.status === 'closed') return;
    if (result.error !== null) this.report(result.error);
    this.send({
      type: 'done',
      id: utterance.id,
      utterance: utterance.index,
      outcome: result.outcome,
      frames: result.frames,
      audioSeconds: result.audioSeconds,
      ttfaMs: round(result.ttfaMs),
      rtf: round(result.rtf, 4),
      queueMs: round(queueMs)!,
      stages: { synth: round(result.stages.synth, 4)!, vocode: round(result.stages.vocode, 4)!, encode: round(result.stages.encode, 4)! },
      ...(result.error !== null ? { code: result.error.code } : {}),
    });
  }

  // ---- output ---------------------------------------------------------------------------------

  private send(msg: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** Sends a failure to the client as a coded error; unexpected faults are logged, not leaked. */
  private report(err: unknown): void {
    const error: ProtocolError = toProtocolError(err);
    if (error.code === 'internal') (this.deps.log ?? defaultLog)(`session ${this.id}: unexpected fault`, err);
    this.deps.metrics.countError(error.code);
    this.send(error.toMessage());
  }

  /** Idle timeout: closes with 4000 when no client message came for a while and nothing plays. */
  private armIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.current.status === 'closed') return;
    this.idleTimer = setTimeout(() => {
      if (this.queue.length > 0 || this.inboxMessages > 0) return this.armIdleTimer();
      this.deps.metrics.countError(`close_${CloseCode.idleTimeout}`);
      this.close(CloseCode.idleTimeout, 'idle timeout');
    }, this.deps.limits.idleTimeoutMs);
    this.idleTimer.unref();
  }
}

function refusedAtCapacity(id: string, max: number): PlayResult {
  return {
    outcome: 'failed',
    error: protocolError('busy', `the server is at capacity (${max} utterances playing): retry later`, id),
    frames: 0,
    audioSeconds: 0,
    ttfaMs: null,
    rtf: null,
    stages: { synth: 0, vocode: 0, encode: 0 },
  };
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function round(value: number | null, digits = 1): number | null {
  if (value === null) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function defaultLog(message: string, err: unknown): void {
  console.error(message, err);
}
