/**
 * Protocol v1 wire types and parsing (docs/protocol.md). Parsing validates every field of a client
 * message and throws a ProtocolError naming the first problem; the session never sees a malformed
 * message. Shared with the SDK (src/client/), which imports the types and the frame codec.
 */
import { protocolError, type ErrorMessage } from './errors.js';

export const PROTOCOL_VERSION = 1;
/** WebSocket path of the streaming endpoint. */
export const STREAM_PATH = '/v1/stream';

export const MIN_INPUT_RATE = 8000;
export const MAX_INPUT_RATE = 48000;
/** Output rates per format. Opus always runs at 48 kHz (20 ms = 960 samples per channel). */
export const OUTPUT_RATES = { opus: [48000], pcm: [16000, 24000, 48000] } as const;
/** Duration of every output audio frame, ms. */
export const FRAME_MS = 20;
/** Utterance ids: what a client may use to name utterances (also safe in logs). */
export const UTTERANCE_ID = /^[A-Za-z0-9._:-]{1,64}$/;
export const MAX_VOICE_NAME_CHARS = 100;
/** Decimals of the embedding vectors sent to clients (unit norm within about 1e-5 for 256-d). */
export const EMBEDDING_DECIMALS = 6;

// ---- client -> server -------------------------------------------------------------------------

export type OutputFormatName = 'opus' | 'pcm';

/** The audio a session sends, resolved from `start.output`. */
export interface OutputFormat {
  readonly format: OutputFormatName;
  /** Hz: 48000 for opus; 16000, 24000 or 48000 for pcm. */
  readonly sampleRate: number;
  readonly channels: 1 | 2;
}

export interface StartMessage {
  readonly type: 'start';
  /** Reference audio format (16-bit LE mono PCM), or null when `voice` is given. */
  readonly audio: { readonly sampleRate: number } | null;
  /** Saved voice id, or null when reference audio is streamed. */
  readonly voice: string | null;
  readonly output: OutputFormat;
}
export interface EnrollEndMessage {
  readonly type: 'enroll.end';
}
export interface SpeakMessage {
  readonly type: 'speak';
  readonly id: string;
  readonly text: string;
  /** False when more text for this id will follow. */
  readonly final: boolean;
  /** Seed of the vocoder's sampler (integer 0..2^32-1); absent: random. Same seed, text and voice: same audio. */
  readonly seed?: number;
}
export interface CancelMessage {
  readonly type: 'cancel';
  readonly id: string;
}
export interface VoiceSaveMessage {
  readonly type: 'voice.save';
  readonly name: string | null;
}

export type ClientMessage = StartMessage | EnrollEndMessage | SpeakMessage | CancelMessage | VoiceSaveMessage;
export type ClientMessageType = ClientMessage['type'];

// ---- server -> client -------------------------------------------------------------------------

export interface HelloMessage {
  readonly type: 'hello';
  readonly protocol: typeof PROTOCOL_VERSION;
  readonly session: string;
  readonly limits: Readonly<Record<string, number>>;
}
export interface StartedMessage {
  readonly type: 'started';
  readonly state: 'enrolling' | 'ready';
  readonly voice: string | null;
  readonly input: { readonly sampleRate: number } | null;
  readonly output: OutputFormat & { readonly frameMs: typeof FRAME_MS };
  /** The saved voice's L2-normalised embedding when `voice` is given; null while enrolling. */
  readonly embedding: number[] | null;
}
export interface EmbeddingMessage {
  readonly type: 'embedding';
  readonly windows: number;
  /** Seconds of speech (VAD-kept audio) seen so far. */
  readonly speechSeconds: number;
  /** Cosine between this estimate and the previous one; null for the first window. */
  readonly movedCosine: number | null;
  /** This estimate: the L2-normalised embedding (see `embeddingJson`). */
  readonly embedding: number[];
}
export interface ReadyMessage {
  readonly type: 'ready';
  readonly windows: number;
  readonly speechSeconds: number;
  /** The session's voice: its L2-normalised embedding. */
  readonly embedding: number[];
}
export interface QueuedMessage {
  readonly type: 'queued';
  readonly id: string;
  /** Index carried in the header of this utterance's audio frames. */
  readonly utterance: number;
  /** Utterances ahead of this one (0 = next to play). */
  readonly position: number;
}
export type UtteranceOutcome = 'completed' | 'cancelled' | 'failed';
export interface DoneMessage {
  readonly type: 'done';
  readonly id: string;
  readonly utterance: number;
  readonly outcome: UtteranceOutcome;
  readonly frames: number;
  /** Seconds of audio sent. */
  readonly audioSeconds: number;
  /** ms from "could start" to the first frame sent; null when no frame was sent. */
  readonly ttfaMs: number | null;
  /** Production seconds / audio seconds; null when no audio was sent. */
  readonly rtf: number | null;
  /** ms from the first `speak` to reaching the head of the queue. */
  readonly queueMs: number;
  /** Seconds spent per stage for this utterance. */
  readonly stages: { readonly synth: number; readonly vocode: number; readonly encode: number };
  readonly code?: string;
}
export interface VoiceSavedMessage {
  readonly type: 'voice.saved';
  readonly voice: string;
  readonly name: string | null;
  /** The stored voice's L2-normalised embedding (what `start {voice}` of this id sends back). */
  readonly embedding: number[];
}

export type ServerMessage =
  | HelloMessage
  | StartedMessage
  | EmbeddingMessage
  | ReadyMessage
  | QueuedMessage
  | DoneMessage
  | VoiceSavedMessage
  | ErrorMessage;

/**
 * A speaker embedding as sent on the wire: the pipeline's vector, each value rounded to
 * EMBEDDING_DECIMALS (formatting only; the same Float32Array always gives the same numbers).
 */
export function embeddingJson(embedding: Float32Array): number[] {
  const f = 10 ** EMBEDDING_DECIMALS;
  return Array.from(embedding, (x) => Math.round(x * f) / f);
}

// ---- parsing ----------------------------------------------------------------------------------

type Json = Record<string, unknown>;

/**
 * Parses one text frame into a validated client message.
 * @throws ProtocolError `malformed_json`, `unknown_type`, `missing_field`, `invalid_field`,
 *   `unsupported_sample_rate` (with the message's `id` when it has a usable one).
 */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw protocolError('malformed_json', 'text frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw protocolError('malformed_json', 'text frame must be a JSON object');
  }
  const msg = value as Json;
  const id = typeof msg.id === 'string' && UTTERANCE_ID.test(msg.id) ? msg.id : undefined;
  if (!('type' in msg)) throw protocolError('missing_field', 'field "type" is required', id);
  rejectNonFinite(msg, id);
  switch (msg.type) {
    case 'start':
      return parseStart(msg);
    case 'enroll.end':
      return { type: 'enroll.end' };
    case 'speak':
      return parseSpeak(msg);
    case 'cancel':
      return { type: 'cancel', id: utteranceId(msg) };
    case 'voice.save': {
      const name = optional(msg, 'name', 'string', undefined);
      if (name !== undefined && (name.length === 0 || name.length > MAX_VOICE_NAME_CHARS)) {
        throw protocolError('invalid_field', `field "name" must be 1..${MAX_VOICE_NAME_CHARS} characters`);
      }
      return { type: 'voice.save', name: name ?? null };
    }
    default:
      throw protocolError(
        'unknown_type',
        `unknown message type ${JSON.stringify(msg.type)}; expected start, enroll.end, speak, cancel or voice.save`,
        id,
      );
  }
}

function parseStart(msg: Json): StartMessage {
  const hasAudio = msg.audio !== undefined;
  const hasVoice = msg.voice !== undefined;
  if (hasAudio === hasVoice) {
    throw protocolError(hasAudio ? 'invalid_field' : 'missing_field', 'start needs exactly one of "audio" and "voice"');
  }
  let audio: StartMessage['audio'] = null;
  if (hasAudio) {
    const a = object(msg.audio, 'audio');
    const encoding = optional(a, 'encoding', 'string', 'audio.');
    if (encoding !== undefined && encoding !== 'pcm_s16le') {
      throw protocolError('invalid_field', 'field "audio.encoding" must be "pcm_s16le"');
    }
    const channels = optional(a, 'channels', 'number', 'audio.');
    if (channels !== undefined && channels !== 1) throw protocolError('invalid_field', 'field "audio.channels" must be 1 (mono)');
    const rate = required(a, 'sampleRate', 'number', 'audio.');
    if (!Number.isInteger(rate) || rate < MIN_INPUT_RATE || rate > MAX_INPUT_RATE) {
      throw protocolError(
        'unsupported_sample_rate',
        `audio.sampleRate ${rate} is not supported; use an integer in ${MIN_INPUT_RATE}..${MAX_INPUT_RATE}`,
      );
    }
    audio = { sampleRate: rate };
  }
  let voice: string | null = null;
  if (hasVoice) voice = required(msg, 'voice', 'string', '');
  return { type: 'start', audio, voice, output: parseOutput(msg.output) };
}

function parseOutput(value: unknown): OutputFormat {
  if (value === undefined) return { format: 'opus', sampleRate: 48000, channels: 1 };
  const o = object(value, 'output');
  const format = optional(o, 'format', 'string', 'output.') ?? 'opus';
  if (format !== 'opus' && format !== 'pcm') throw protocolError('invalid_field', 'field "output.format" must be "opus" or "pcm"');
  const allowed: readonly number[] = OUTPUT_RATES[format];
  const sampleRate = optional(o, 'sampleRate', 'number', 'output.') ?? 48000;
  if (!allowed.includes(sampleRate)) {
    throw protocolError('unsupported_sample_rate', `output.sampleRate for ${format} must be one of ${allowed.join(', ')}`);
  }
  const channels = optional(o, 'channels', 'number', 'output.') ?? 1;
  if (channels !== 1 && channels !== 2) throw protocolError('invalid_field', 'field "output.channels" must be 1 or 2');
  return { format, sampleRate, channels };
}

function parseSpeak(msg: Json): SpeakMessage {
  const id = utteranceId(msg);
  const text = required(msg, 'text', 'string', '', id);
  const final = optional(msg, 'final', 'boolean', '', id) ?? true;
  const seed = optional(msg, 'seed', 'number', '', id);
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)) {
    throw protocolError('invalid_field', 'field "seed" must be an integer in 0..4294967295', id);
  }
  return seed === undefined ? { type: 'speak', id, text, final } : { type: 'speak', id, text, final, seed };
}

function utteranceId(msg: Json): string {
  const id = required(msg, 'id', 'string', '');
  if (!UTTERANCE_ID.test(id)) throw protocolError('invalid_field', 'field "id" must be 1..64 characters of A-Za-z0-9._:-');
  return id;
}

interface FieldTypes {
  string: string;
  number: number;
  boolean: boolean;
}

function required<K extends keyof FieldTypes>(obj: Json, key: string, kind: K, prefix: string, id?: string): FieldTypes[K] {
  const value = optional(obj, key, kind, prefix, id);
  if (value === undefined) throw protocolError('missing_field', `field "${prefix}${key}" is required`, id);
  return value;
}

function optional<K extends keyof FieldTypes>(
  obj: Json,
  key: string,
  kind: K,
  prefix: string | undefined,
  id?: string,
): FieldTypes[K] | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== kind) throw protocolError('invalid_field', `field "${prefix ?? ''}${key}" must be a ${kind}`, id);
  return value as FieldTypes[K];
}

function object(value: unknown, name: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw protocolError('invalid_field', `field "${name}" must be an object`);
  }
  return value as Json;
}

/** JSON.parse turns 1e999 into Infinity: refuse any non-finite number anywhere in the message. */
function rejectNonFinite(value: unknown, id: string | undefined, path = ''): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw protocolError('invalid_field', `field "${path}" is not a finite number`, id);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) rejectNonFinite(v, id, path ? `${path}.${k}` : k);
  }
}

// ---- audio frames (server -> client) ------------------------------------------------------------

export const AUDIO_FRAME_VERSION = 1;
export const AUDIO_HEADER_BYTES = 10;
export const FLAG_LAST = 1;
export const FLAG_PCM = 2;

/** A decoded binary audio frame. `payload` is a view into the frame's buffer. */
export interface AudioFrame {
  readonly utterance: number;
  readonly sequence: number;
  readonly last: boolean;
  readonly format: OutputFormatName;
  /** One Opus packet (20 ms, 48 kHz) or 20 ms of 16-bit LE interleaved PCM. */
  readonly payload: Uint8Array;
}

/** Builds one binary audio frame: 10-byte header (docs/protocol.md) + payload. */
export function encodeAudioFrame(frame: AudioFrame): Uint8Array {
  const out = new Uint8Array(AUDIO_HEADER_BYTES + frame.payload.length);
  const view = new DataView(out.buffer);
  out[0] = AUDIO_FRAME_VERSION;
  out[1] = (frame.last ? FLAG_LAST : 0) | (frame.format === 'pcm' ? FLAG_PCM : 0);
  view.setUint32(2, frame.utterance, true);
  view.setUint32(6, frame.sequence, true);
  out.set(frame.payload, AUDIO_HEADER_BYTES);
  return out;
}

/** Parses a binary audio frame from the server. @throws Error on a short frame or unknown version. */
export function decodeAudioFrame(bytes: Uint8Array): AudioFrame {
  if (bytes.length < AUDIO_HEADER_BYTES) throw new Error(`audio frame of ${bytes.length} bytes is shorter than its header`);
  if (bytes[0] !== AUDIO_FRAME_VERSION) throw new Error(`audio frame version ${bytes[0]} is not ${AUDIO_FRAME_VERSION}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = bytes[1];
  return {
    utterance: view.getUint32(2, true),
    sequence: view.getUint32(6, true),
    last: (flags & FLAG_LAST) !== 0,
    format: (flags & FLAG_PCM) !== 0 ? 'pcm' : 'opus',
    payload: bytes.subarray(AUDIO_HEADER_BYTES),
  };
}
