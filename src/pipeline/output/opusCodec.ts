/**
 * The only module that touches @discordjs/opus. libopus aborts the whole process (uncatchably)
 * when handed a frame of a size it does not support, so every buffer is checked here first.
 */
import opus from '@discordjs/opus';
import { FRAME_MS, OPUS_SAMPLE_RATE, samplesPerFrame } from './outputFormat.js';

/** Frame sizes (samples per channel at 48 kHz) libopus accepts: 2.5, 5, 10, 20, 40, 60 ms. */
const VALID_FRAME_SIZES = [120, 240, 480, 960, 1920, 2880];

/** A frame whose size libopus would not accept (caught before it reaches libopus). */
export class OpusFrameError extends Error {
  readonly code = 'invalid_opus_frame';
  constructor(message: string) {
    super(message);
    this.name = 'OpusFrameError';
  }
}

/** Encodes 20 ms frames of 48 kHz interleaved int16 PCM into Opus packets. */
export class OpusFrameEncoder {
  private readonly encoder: opus.OpusEncoder;
  /** Samples per channel in each frame (960). */
  readonly frameSize = samplesPerFrame(OPUS_SAMPLE_RATE);

  constructor(readonly channels: 1 | 2, bitrate?: number) {
    this.encoder = new opus.OpusEncoder(OPUS_SAMPLE_RATE, channels);
    if (bitrate !== undefined) this.encoder.setBitrate(bitrate);
  }

  /** One packet for exactly one 20 ms frame (`960 * channels` samples); anything else throws. */
  encode(frame: Int16Array): Uint8Array {
    if (frame.length !== this.frameSize * this.channels) {
      throw new OpusFrameError(`an Opus frame must hold ${this.frameSize * this.channels} samples (${FRAME_MS} ms x ${this.channels} ch at 48 kHz), got ${frame.length}`);
    }
    return this.encoder.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
  }
}

/**
 * Decodes Opus packets back to 48 kHz interleaved int16 PCM (for tests, the CLI and the SDK).
 * Packets of any valid duration decode; garbage throws an Error from libopus.
 */
export class OpusPacketDecoder {
  private readonly decoder: opus.OpusEncoder;

  constructor(readonly channels: 1 | 2) {
    this.decoder = new opus.OpusEncoder(OPUS_SAMPLE_RATE, channels);
  }

  /** Interleaved samples of one packet (960 * channels for a 20 ms packet). */
  decode(packet: Uint8Array): Int16Array {
    if (packet.length === 0) throw new OpusFrameError('an empty Opus packet');
    const pcm = this.decoder.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength));
    const samples = new Int16Array(pcm.byteLength >> 1);
    for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(2 * i);
    if (!VALID_FRAME_SIZES.includes(samples.length / this.channels)) {
      throw new OpusFrameError(`decoded an unexpected ${samples.length / this.channels} samples per channel`);
    }
    return samples;
  }
}
