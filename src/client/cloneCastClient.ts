/**
 * Typed Node SDK for the clonecast streaming protocol v1 (docs/protocol.md).
 *
 * ```ts
 * const client = await CloneCastClient.connect('ws://localhost:8080');
 * await client.enrollWav('me.wav');                 // clone from a reference recording
 * for await (const frame of client.speak('Hello there.')) play(frame.payload); // 20 ms Opus packets
 * const voiceId = await client.saveVoice('me');      // reuse later with client.useVoice(voiceId)
 * await client.close();
 * ```
 * A session enrolls once (or loads one saved voice); for another voice, open another connection.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import {
  decodeAudioFrame,
  STREAM_PATH,
  type EmbeddingMessage,
  type HelloMessage,
  type OutputFormat,
  type ReadyMessage,
  type ServerMessage,
  type StartedMessage,
  type VoiceSavedMessage,
} from '../server/protocol.js';
import { CloneCastError } from './errors.js';
import { readReferenceWav } from './referenceAudio.js';
import { Speech } from './speech.js';

export interface ConnectOptions {
  /** Output audio (default opus, 48 kHz, mono). */
  readonly output?: Partial<OutputFormat>;
  /** Longest wait for the connection and the server's `hello`, ms (default 10000). */
  readonly timeoutMs?: number;
}

export interface EnrollOptions {
  /** Bytes of PCM per binary frame (default 6400: 200 ms at 16 kHz). */
  readonly chunkBytes?: number;
  /** Called for each `embedding` event while the reference streams. */
  readonly onEmbedding?: (event: EmbeddingMessage) => void;
}

export interface SpeakOptions {
  /** Utterance id (default: `u<n>`). */
  readonly id?: string;
  /** False: more text follows through `speech.append` (e.g. LLM tokens). Default true. */
  readonly final?: boolean;
}

type ControlReply = StartedMessage | ReadyMessage | VoiceSavedMessage;

/** A connected session. Emits `embedding` (EmbeddingMessage) and `error` (CloneCastError without an utterance id, when nothing awaits it). */
export class CloneCastClient extends EventEmitter {
  private readonly speeches = new Map<string, Speech>();
  private readonly byUtterance = new Map<number, Speech>();
  /** Control requests (start, enroll.end, voice.save) are answered in order; errors without id go to the oldest. */
  private readonly waiters: { types: readonly string[]; resolve: (m: ControlReply) => void; reject: (e: Error) => void }[] = [];
  private started: StartedMessage | null = null;
  private closedError: CloneCastError | null = null;
  private nextUtterance = 1;

  private constructor(
    private readonly socket: WebSocket,
    /** The server's greeting: session id and limits. */
    readonly hello: HelloMessage,
    private readonly output: Partial<OutputFormat>,
  ) {
    super();
    socket.on('message', (data: Buffer, isBinary: boolean) => (isBinary ? this.onBinary(data) : this.onText(data.toString('utf8'))));
    socket.on('close', (code: number, reason: Buffer) => this.onClose(code, reason.toString()));
    socket.on('error', () => undefined); // followed by 'close', which settles everything
  }

  /**
   * Opens a session. `url` is the server (`ws://host:port`); the stream path is added when absent.
   * @throws CloneCastError `closed` or `timeout` when no `hello` arrives.
   */
  static async connect(url: string, options: ConnectOptions = {}): Promise<CloneCastClient> {
    const target = new URL(url);
    if (target.pathname === '/' || target.pathname === '') target.pathname = STREAM_PATH;
    const socket = new WebSocket(target);
    const timeoutMs = options.timeoutMs ?? 10000;
    const hello = await new Promise<HelloMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new CloneCastError('timeout', `no hello from ${target.href} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('message', (data: Buffer) => {
        clearTimeout(timer);
        const m = JSON.parse(data.toString('utf8')) as ServerMessage;
        if (m.type === 'hello') resolve(m);
        else reject(new CloneCastError('protocol', `expected hello, got ${m.type}`));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new CloneCastError('closed', `cannot connect to ${target.href}: ${err.message}`));
      });
    });
    return new CloneCastClient(socket, hello, options.output ?? {});
  }

  /** The resolved session format, once started. */
  get session(): StartedMessage | null {
    return this.started;
  }

  /**
   * Clones a voice from 16-bit mono PCM: starts the session with this input rate, streams the audio,
   * ends enrollment and resolves with the server's `ready` (windows, seconds of speech).
   * @throws CloneCastError `no_voice` when the audio held too little speech for one encoder window.
   */
  async enroll(pcm: Int16Array, sampleRate: number, options: EnrollOptions = {}): Promise<ReadyMessage> {
    const listener = options.onEmbedding;
    if (listener) this.on('embedding', listener);
    try {
      await this.start({ audio: { sampleRate } });
      // Audio past the server's limit would end the enrollment early with an error: send only what fits.
      const limit = this.hello.limits.maxReferenceSeconds;
      const samples = limit ? pcm.subarray(0, Math.floor(limit * sampleRate)) : pcm;
      const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
      const chunk = Math.max(2, (options.chunkBytes ?? 6400) & ~1);
      for (let at = 0; at < bytes.length; at += chunk) this.sendBinary(bytes.subarray(at, at + chunk));
      return (await this.request({ type: 'enroll.end' }, ['ready'])) as ReadyMessage;
    } finally {
      if (listener) this.off('embedding', listener);
    }
  }

  /** `enroll` from a 16-bit PCM WAV file (path or bytes; any rate, mono or stereo). */
  async enrollWav(source: string | Uint8Array, options: EnrollOptions = {}): Promise<ReadyMessage> {
    const { pcm, sampleRate } = await readReferenceWav(source);
    return this.enroll(pcm, sampleRate, options);
  }

  /** Starts the session with a saved voice instead of enrolling. @throws CloneCastError `unknown_voice`. */
  async useVoice(voiceId: string): Promise<StartedMessage> {
    return this.start({ voice: voiceId });
  }

  /** Stores the session's voice on the server; resolves with its id (for `useVoice` in later sessions). */
  async saveVoice(name?: string): Promise<string> {
    const reply = await this.request(name === undefined ? { type: 'voice.save' } : { type: 'voice.save', name }, ['voice.saved']);
    return (reply as VoiceSavedMessage).voice;
  }

  /**
   * Queues an utterance; iterate the returned Speech for its audio frames (Opus packets or PCM, per
   * the session's output). Utterances play one after another in the order they were spoken.
   */
  speak(text: string, options: SpeakOptions = {}): Speech {
    const id = options.id ?? `u${this.nextUtterance++}`;
    const speech = new Speech(id, (m) => this.sendJson(m));
    if (this.closedError) {
      speech.abort(this.closedError);
      return speech;
    }
    this.speeches.set(id, speech);
    speech.queued.catch(() => this.speeches.delete(id));
    this.sendJson({ type: 'speak', id, text, final: options.final ?? true });
    return speech;
  }

  /** Cancels a queued or playing utterance by id. */
  cancel(id: string): void {
    this.sendJson({ type: 'cancel', id });
  }

  /** Closes the session (code 1000) and waits for the socket to close. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close(1000);
    });
  }

  private async start(what: { audio: { sampleRate: number } } | { voice: string }): Promise<StartedMessage> {
    if (this.started) throw new CloneCastError('already_started', 'this session already has a voice; open another connection');
    const output: Record<string, unknown> = {};
    if (this.output.format) output.format = this.output.format;
    if (this.output.sampleRate) output.sampleRate = this.output.sampleRate;
    if (this.output.channels) output.channels = this.output.channels;
    this.started = (await this.request({ type: 'start', ...what, output }, ['started'])) as StartedMessage;
    return this.started;
  }

  private request(message: object, types: readonly string[]): Promise<ControlReply> {
    return new Promise((resolve, reject) => {
      if (this.closedError) return reject(this.closedError);
      this.waiters.push({ types, resolve, reject });
      this.sendJson(message);
    });
  }

  private sendJson(message: object): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private sendBinary(bytes: Uint8Array): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(bytes, { binary: true });
  }

  private onText(text: string): void {
    let m: ServerMessage;
    try {
      m = JSON.parse(text) as ServerMessage;
    } catch {
      this.emitError(new CloneCastError('protocol', 'server sent a text frame that is not JSON'));
      return;
    }
    switch (m.type) {
      case 'embedding':
        this.emit('embedding', m);
        break;
      case 'queued': {
        // Mapped synchronously: ws may deliver the first audio frame in the same tick.
        const speech = this.speeches.get(m.id);
        if (speech) {
          this.byUtterance.set(m.utterance, speech);
          speech.onQueued(m);
        }
        break;
      }
      case 'done': {
        const speech = this.speeches.get(m.id);
        this.speeches.delete(m.id);
        this.byUtterance.delete(m.utterance);
        speech?.onDone(m);
        break;
      }
      case 'error': {
        const error = new CloneCastError(m.code, m.message, m.id);
        const speech = m.id === undefined ? undefined : this.speeches.get(m.id);
        if (speech) speech.onError(error);
        else if (this.waiters.length > 0) this.waiters.shift()!.reject(error);
        else this.emitError(error);
        break;
      }
      case 'started':
      case 'ready':
      case 'voice.saved': {
        const at = this.waiters.findIndex((w) => w.types.includes(m.type));
        if (at >= 0) this.waiters.splice(at, 1)[0].resolve(m as ControlReply);
        break;
      }
      default:
        break; // hello is consumed by connect; unknown types are ignored for forward compatibility
    }
  }

  private onBinary(data: Buffer): void {
    let frame;
    try {
      frame = decodeAudioFrame(data);
    } catch (err) {
      this.emitError(new CloneCastError('protocol', (err as Error).message));
      return;
    }
    this.byUtterance.get(frame.utterance)?.onFrame(frame);
  }

  private onClose(code: number, reason: string): void {
    this.closedError = new CloneCastError('closed', `connection closed (${code}${reason ? ` ${reason}` : ''})`);
    for (const w of this.waiters.splice(0)) w.reject(this.closedError);
    for (const s of this.speeches.values()) s.abort(this.closedError);
    this.speeches.clear();
    this.byUtterance.clear();
  }

  private emitError(error: CloneCastError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}
