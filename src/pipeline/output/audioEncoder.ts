import { createResampler, type Resampler } from '../audio/resampler.js';
import { floatToInt16 } from '../audio/wav.js';
import { OpusFrameEncoder } from './opusCodec.js';
import { type OutputConfig, samplesPerFrame, validateOutputConfig } from './outputFormat.js';

/** The pipeline's native output rate (Hz): vocoder samples arrive at this rate. */
export const PIPELINE_SAMPLE_RATE = 16000;

/**
 * Turns the vocoder's 16 kHz float samples into 20 ms output frames: Opus packets or raw
 * 16-bit LE PCM (channels interleaved), at the configured rate and channel count.
 */
export interface AudioEncoder {
  readonly config: OutputConfig;
  /** Samples per channel in each frame (rate / 50). */
  readonly samplesPerFrame: number;
  /** Feeds 16 kHz float samples in [-1, 1]; returns the frames they complete (maybe none). */
  push(samples16k: Float32Array): Uint8Array[];
  /**
   * Ends the utterance: drains the resampler and returns the remaining frames, the last one
   * zero-padded to 20 ms (none if nothing is pending). The encoder is then ready for the next
   * utterance (Opus keeps its encoder state, so consecutive utterances join smoothly).
   * With `atLeastOneFrame`, an encoder with nothing pending emits one frame of silence, so a
   * streaming sender always has a final frame to flag as the last without holding frames back.
   */
  flush(options?: { readonly atLeastOneFrame?: boolean }): Uint8Array[];
}

/**
 * Creates an encoder for one output stream. Throws OutputConfigError (codes
 * `unsupported_sample_rate` / `invalid_field`) for a configuration the protocol does not allow.
 */
export function createAudioEncoder(config: { format: string; sampleRate: number; channels: number; bitrate?: number }): AudioEncoder {
  return new FramedEncoder(validateOutputConfig(config));
}

class FramedEncoder implements AudioEncoder {
  readonly samplesPerFrame: number;
  private resampler: Resampler;
  private readonly opus: OpusFrameEncoder | null;
  /** The frame being filled, interleaved. */
  private readonly frame: Int16Array;
  private filled = 0;

  constructor(readonly config: OutputConfig) {
    this.samplesPerFrame = samplesPerFrame(config.sampleRate);
    this.resampler = createResampler(PIPELINE_SAMPLE_RATE, config.sampleRate);
    this.opus = config.format === 'opus' ? new OpusFrameEncoder(config.channels, config.bitrate) : null;
    this.frame = new Int16Array(this.samplesPerFrame * config.channels);
  }

  push(samples16k: Float32Array): Uint8Array[] {
    return this.frameUp(this.resampler.push(samples16k));
  }

  flush(options?: { readonly atLeastOneFrame?: boolean }): Uint8Array[] {
    const frames = this.frameUp(this.resampler.flush());
    if (this.filled > 0 || (frames.length === 0 && options?.atLeastOneFrame === true)) {
      this.frame.fill(0, this.filled * this.config.channels);
      frames.push(this.emit());
    }
    this.resampler = createResampler(PIPELINE_SAMPLE_RATE, this.config.sampleRate);
    return frames;
  }

  private frameUp(samples: Float32Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const channels = this.config.channels;
    for (let i = 0; i < samples.length; i++) {
      const v = floatToInt16(samples[i]);
      const at = this.filled * channels;
      this.frame[at] = v;
      if (channels === 2) this.frame[at + 1] = v;
      if (++this.filled === this.samplesPerFrame) out.push(this.emit());
    }
    return out;
  }

  private emit(): Uint8Array {
    this.filled = 0;
    if (this.opus) return this.opus.encode(this.frame);
    const bytes = new Uint8Array(this.frame.length * 2);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < this.frame.length; i++) view.setInt16(2 * i, this.frame[i], true);
    return bytes;
  }
}
