/** What the audio output can be: validated once, when a session starts. */

/** Opus packets (always 48 kHz) or raw 16-bit little-endian PCM, channels interleaved. */
export type OutputFormat = 'opus' | 'pcm';

/** A validated output configuration. */
export interface OutputConfig {
  readonly format: OutputFormat;
  /** Hz: 48000 for opus; 16000, 24000 or 48000 for pcm. */
  readonly sampleRate: number;
  /** 1, or 2 (the mono voice duplicated; Discord wants 48 kHz stereo Opus). */
  readonly channels: 1 | 2;
  /** Opus bitrate in bits/s (default: libopus chooses). Ignored for pcm. */
  readonly bitrate?: number;
}

/** Every frame is this long, for every format. */
export const FRAME_MS = 20;
/** Opus always runs at 48 kHz here (any Opus decoder plays it). */
export const OPUS_SAMPLE_RATE = 48000;
/** Output rates allowed for raw PCM. */
export const PCM_SAMPLE_RATES: readonly number[] = [16000, 24000, 48000];

/** A bad output configuration; `code` matches the protocol's error codes (docs/protocol.md). */
export class OutputConfigError extends Error {
  constructor(readonly code: 'unsupported_sample_rate' | 'invalid_field', message: string) {
    super(message);
    this.name = 'OutputConfigError';
  }
}

/** Samples per channel in one frame at `sampleRate` (960 at 48 kHz). */
export function samplesPerFrame(sampleRate: number): number {
  return (sampleRate * FRAME_MS) / 1000;
}

/** Checks an untrusted configuration and returns it typed; throws OutputConfigError. */
export function validateOutputConfig(config: { format?: unknown; sampleRate?: unknown; channels?: unknown; bitrate?: unknown }): OutputConfig {
  const { format, sampleRate, channels, bitrate } = config;
  if (format !== 'opus' && format !== 'pcm') throw new OutputConfigError('invalid_field', `output format must be "opus" or "pcm", got ${JSON.stringify(format)}`);
  if (channels !== 1 && channels !== 2) throw new OutputConfigError('invalid_field', `output channels must be 1 or 2, got ${JSON.stringify(channels)}`);
  const allowed = format === 'opus' ? [OPUS_SAMPLE_RATE] : PCM_SAMPLE_RATES;
  if (typeof sampleRate !== 'number' || !allowed.includes(sampleRate)) {
    throw new OutputConfigError('unsupported_sample_rate', `${format} output sample rate must be ${allowed.join(', ')}, got ${JSON.stringify(sampleRate)}`);
  }
  if (bitrate !== undefined && (typeof bitrate !== 'number' || !Number.isInteger(bitrate) || bitrate < 6000 || bitrate > 510000)) {
    throw new OutputConfigError('invalid_field', `opus bitrate must be an integer in 6000..510000, got ${JSON.stringify(bitrate)}`);
  }
  return { format, sampleRate, channels, ...(bitrate === undefined ? {} : { bitrate: bitrate as number }) };
}
