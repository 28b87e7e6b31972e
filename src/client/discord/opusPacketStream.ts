/**
 * A clonecast utterance as an object-mode Readable of raw Opus packets, the input
 * `@discordjs/voice` plays as `StreamType.Opus`. Packets are the server's own (no transcoding).
 * No Discord import here: any Opus sink can read this stream.
 */
import { Readable } from 'node:stream';
import type { AudioFrame } from '../../server/protocol.js';
import { CloneCastError } from '../errors.js';

/** The session output Discord plays as is: pass as `CloneCastClient.connect(url, { output: DISCORD_OUTPUT })`. */
export const DISCORD_OUTPUT = { format: 'opus', sampleRate: 48000, channels: 2 } as const;

/** What the stream reads: a Speech from the SDK, or any iterable of opus audio frames. */
export interface OpusUtterance extends AsyncIterable<AudioFrame> {
  /** Called when the stream is destroyed before the utterance ended (e.g. the player stopped). */
  cancel?(): void;
  /** Rejects when the server refuses the utterance (Speech.queued). */
  readonly queued?: Promise<unknown>;
}

export interface OpusPacketStreamOptions {
  /**
   * Packets held before the first one is readable (default 3 = 60 ms). Discord's player reads one
   * packet per 20 ms from the moment the stream becomes readable and stops a resource after 5 empty
   * reads in a row, so a small cushion absorbs the gap between the server's first frames.
   */
  readonly prebufferFrames?: number;
}

/**
 * Object-mode Readable yielding one `Buffer` per 20 ms Opus packet, in sequence order, ending when
 * the utterance ends. Destroying it cancels the utterance. A PCM frame destroys the stream with
 * CloneCastError `bad_format` (start the session with `output: {format: 'opus'}`); a refused or
 * failed utterance destroys it with the server's error.
 */
export function opusPacketStream(utterance: OpusUtterance, options: OpusPacketStreamOptions = {}): Readable {
  const iterator = utterance[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let primed = (options.prebufferFrames ?? 3) <= 0;
  let pumping = false;
  let ended = false;

  const stream = new Readable({
    objectMode: true,
    read() {
      if (!pumping) void pump();
    },
    destroy(error, callback) {
      if (!ended) {
        ended = true;
        utterance.cancel?.();
        void iterator.return?.();
      }
      callback(error);
    },
  });

  // A refused speak gets no `done`, and Speech's iterator is not woken by the refusal: end here.
  utterance.queued?.catch((error: unknown) => {
    ended = true;
    stream.destroy(error as Error);
  });

  /** Pulls frames until the stream wants no more (push returned false) or the utterance ends. */
  async function pump(): Promise<void> {
    pumping = true;
    try {
      for (;;) {
        const next = await iterator.next();
        if (stream.destroyed) return;
        if (next.done) {
          ended = true;
          for (const packet of held.splice(0)) stream.push(packet);
          stream.push(null);
          return;
        }
        const frame = next.value;
        if (frame.format !== 'opus') {
          throw new CloneCastError('bad_format', `utterance frame ${frame.sequence} is ${frame.format}, not opus`);
        }
        const packet = Buffer.from(frame.payload.buffer, frame.payload.byteOffset, frame.payload.byteLength);
        if (!primed) {
          held.push(packet);
          if (held.length < (options.prebufferFrames ?? 3)) continue;
          primed = true;
          const first = held.splice(0);
          let more = true;
          for (const p of first) more = stream.push(p);
          if (!more) return;
          continue;
        }
        if (!stream.push(packet)) return;
      }
    } catch (error) {
      ended = true;
      stream.destroy(error as Error);
    } finally {
      pumping = false;
    }
  }

  return stream;
}
