/**
 * RIFF/WAVE files of 16-bit PCM, mono or stereo (any channel count on read), any sample rate.
 * Samples are float in [-1, 1] (int16 / 32768), one Float32Array per channel.
 */

/** Decoded WAV audio: `channels[c][i]` is sample i of channel c. */
export interface WavAudio {
  readonly sampleRate: number;
  readonly channels: readonly Float32Array[];
}

/** A file that is not a 16-bit PCM WAV, with a stable code and the reason. */
export class WavError extends Error {
  readonly code = 'invalid_wav';
  constructor(message: string) {
    super(`invalid WAV: ${message}`);
    this.name = 'WavError';
  }
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Parses a 16-bit PCM WAV (also WAVE_FORMAT_EXTENSIBLE with a PCM subformat). */
export function readWav(bytes: Uint8Array): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new WavError('missing RIFF/WAVE header');
  let format: { channels: number; sampleRate: number; bits: number; code: number } | null = null;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new WavError('fmt chunk too short');
      let code = view.getUint16(body, true);
      if (code === WAVE_FORMAT_EXTENSIBLE && size >= 40) code = view.getUint16(body + 24, true);
      format = { code, channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      if (!format) throw new WavError('data chunk before fmt chunk');
      if (format.code !== WAVE_FORMAT_PCM) throw new WavError(`format code ${format.code} is not PCM`);
      if (format.bits !== 16) throw new WavError(`${format.bits}-bit samples (only 16-bit PCM is supported)`);
      if (format.channels < 1) throw new WavError('zero channels');
      if (format.sampleRate < 1) throw new WavError('zero sample rate');
      // Streams written without a final size use 0 or 0xffffffff: take what is there.
      const available = bytes.length - body;
      const length = size === 0 || size > available ? available : size;
      const frames = Math.floor(length / (2 * format.channels));
      const channels = Array.from({ length: format.channels }, () => new Float32Array(frames));
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < format.channels; c++) {
          channels[c][i] = view.getInt16(body + 2 * (i * format.channels + c), true) / 32768;
        }
      }
      return { sampleRate: format.sampleRate, channels };
    }
    at = body + size + (size & 1); // chunks are padded to even length
  }
  throw new WavError(format ? 'no data chunk' : 'no fmt chunk');
}

/** Encodes channels of float samples (clipped to [-1, 1)) as a 16-bit PCM WAV file. */
export function writeWav(audio: WavAudio): Uint8Array {
  const channelCount = audio.channels.length;
  if (channelCount < 1) throw new RangeError('writeWav needs at least one channel');
  const frames = audio.channels[0].length;
  if (audio.channels.some((c) => c.length !== frames)) throw new RangeError('writeWav channels differ in length');
  if (!Number.isInteger(audio.sampleRate) || audio.sampleRate < 1) throw new RangeError(`bad sample rate ${audio.sampleRate}`);
  const dataBytes = frames * channelCount * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const put = (at: number, s: string) => { for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i); };
  put(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, WAVE_FORMAT_PCM, true);
  view.setUint16(22, channelCount, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * channelCount * 2, true);
  view.setUint16(32, channelCount * 2, true);
  view.setUint16(34, 16, true);
  put(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channelCount; c++) view.setInt16(44 + 2 * (i * channelCount + c), floatToInt16(audio.channels[c][i]), true);
  }
  return out;
}

/** Average of all channels (the pipeline works on mono). */
export function toMono(audio: WavAudio): Float32Array {
  const [first, ...rest] = audio.channels;
  if (rest.length === 0) return first;
  const mono = new Float32Array(first.length);
  for (const ch of audio.channels) for (let i = 0; i < mono.length; i++) mono[i] += ch[i];
  for (let i = 0; i < mono.length; i++) mono[i] /= audio.channels.length;
  return mono;
}

/** float in [-1, 1] -> int16, rounding and saturating (1.0 -> 32767). */
export function floatToInt16(x: number): number {
  const v = Math.round(x * 32768);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** Int16 PCM -> float in [-1, 1) (int16 / 32768). */
export function int16ToFloat(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i] / 32768;
  return out;
}
