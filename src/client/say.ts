/**
 * `clonecast say`: clone a voice from a reference WAV (or use a saved voice), speak a text with it,
 * and write what the server streamed, decoded from Opus, as a 16 kHz mono WAV.
 */
import { writeFile } from 'node:fs/promises';
import { resample } from '../pipeline/audio/resampler.js';
import { writeWav } from '../pipeline/audio/wav.js';
import { OpusPacketDecoder } from '../pipeline/output/opusCodec.js';
import { CloneCastClient } from './cloneCastClient.js';
import { CloneCastError } from './errors.js';

/** Rate of the WAV `say` writes (Hz): the pipeline's own rate. */
export const SAY_OUTPUT_RATE = 16000;
const OPUS_RATE = 48000;

export interface SayOptions {
  /** Server URL, e.g. `ws://localhost:8080`. */
  readonly server: string;
  /** Reference recording to clone (16-bit PCM WAV, any rate, mono or stereo); or `voiceId`. */
  readonly voiceWav?: string;
  /** A voice saved earlier on this server. */
  readonly voiceId?: string;
  readonly text: string;
  /** Output WAV path. */
  readonly out: string;
  /** Save the cloned voice on the server and report its id. */
  readonly saveVoice?: boolean;
}

/** What one `say` measured. */
export interface SayResult {
  /** Client-side time to first audio: `speak` sent -> first audio frame received (ms). */
  readonly ttfaMs: number;
  /** Server's real-time factor for the utterance (production seconds / audio seconds). */
  readonly rtf: number | null;
  /** Seconds of audio written. */
  readonly audioSeconds: number;
  /** Encoder windows behind the voice (null when a saved voice was used). */
  readonly embeddingWindows: number | null;
  /** Id of the saved voice, when `saveVoice` was asked. */
  readonly voiceId?: string;
}

/** @throws CloneCastError with the server's or the SDK's code. */
export async function say(options: SayOptions): Promise<SayResult> {
  if ((options.voiceWav === undefined) === (options.voiceId === undefined)) {
    throw new CloneCastError('usage', 'give exactly one of a reference WAV and a saved voice id');
  }
  const client = await CloneCastClient.connect(options.server, { output: { format: 'opus', channels: 1 } });
  try {
    let windows: number | null = null;
    if (options.voiceWav !== undefined) windows = (await client.enrollWav(options.voiceWav)).windows;
    else await client.useVoice(options.voiceId!);
    const voiceId = options.saveVoice ? await client.saveVoice() : undefined;

    const speech = client.speak(options.text);
    const decoder = new OpusPacketDecoder(1);
    const pieces: Int16Array[] = [];
    for await (const frame of speech) pieces.push(decoder.decode(frame.payload));
    const done = await speech.done;

    const samples48k = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pieces) for (let i = 0; i < p.length; i++) samples48k[at++] = p[i] / 32768;
    const samples = resample(samples48k, OPUS_RATE, SAY_OUTPUT_RATE);
    await writeFile(options.out, writeWav({ sampleRate: SAY_OUTPUT_RATE, channels: [samples] }));
    return {
      ttfaMs: speech.firstFrameAt === null ? NaN : speech.firstFrameAt - speech.sentAt,
      rtf: done.rtf,
      audioSeconds: samples.length / SAY_OUTPUT_RATE,
      embeddingWindows: windows,
      ...(voiceId ? { voiceId } : {}),
    };
  } finally {
    await client.close();
  }
}
