/**
 * Plays one utterance: sentences -> pipeline audio -> 20 ms frames -> socket, with backpressure,
 * cancellation checked before every frame, and the figures of its `done` event. Frames leave as
 * soon as they are encoded; the encoder's final flush always yields a frame, which carries the
 * last-frame flag (so no frame waits for the next vocoder chunk).
 */
import { waitForDrain, type BufferedSocket } from './backpressure.js';
import { CloseCode, protocolError, toProtocolError, type ProtocolError } from './errors.js';
import type { ServerMetrics } from './metrics.js';
import { FRAME_MS, encodeAudioFrame, type OutputFormat, type UtteranceOutcome } from './protocol.js';
import type { SpeechEngine, StageSeconds } from './speechEngine.js';
import type { Utterance } from './utterance.js';

/** What the player needs from its session. */
export interface PlayerContext {
  readonly engine: SpeechEngine;
  readonly output: OutputFormat;
  readonly socket: BufferedSocket;
  readonly maxBufferedBytes: number;
  readonly slowReaderTimeoutMs: number;
  readonly metrics: ServerMetrics;
  /** The session's current voice (read when each sentence starts). */
  embedding(): Float32Array;
  sendBinary(bytes: Uint8Array): void;
  /** Closes the socket (slow reader). */
  close(code: number, reason: string): void;
}

export interface PlayResult {
  readonly outcome: UtteranceOutcome;
  /** Set when outcome is 'failed'. */
  readonly error: ProtocolError | null;
  readonly frames: number;
  readonly audioSeconds: number;
  readonly ttfaMs: number | null;
  readonly rtf: number | null;
  readonly stages: { readonly synth: number; readonly vocode: number; readonly encode: number };
}

/** Plays `utterance` to the end, to its cancellation, or to a failure; never throws. */
export async function playUtterance(ctx: PlayerContext, utterance: Utterance): Promise<PlayResult> {
  const stages: StageSeconds = { synth: 0, vocode: 0 };
  const signal = utterance.signal;
  let encodeSeconds = 0;
  let busySeconds = 0;
  let frames = 0;
  let couldStartAt: number | null = null;
  let firstFrameAt: number | null = null;
  let spokeAnything = false;
  let sentenceIndex = 0;

  /** Set when the socket went away or was dropped as a slow reader: nothing more is sent. */
  let socketGone = false;

  /** Sends one frame (after backpressure allows); false when playback must stop. */
  const sendFrame = async (packet: Uint8Array, last: boolean): Promise<boolean> => {
    if (socketGone || signal.aborted) return false;
    {
      const drain = await waitForDrain(ctx.socket, ctx.maxBufferedBytes, ctx.slowReaderTimeoutMs, signal);
      if (drain === 'timeout') {
        ctx.metrics.countError(`close_${CloseCode.slowReader}`);
        ctx.close(CloseCode.slowReader, 'slow reader');
      }
      if (drain === 'timeout' || drain === 'closed') socketGone = true;
      if (drain !== 'drained' || signal.aborted) return false;
      ctx.sendBinary(
        encodeAudioFrame({ utterance: utterance.index, sequence: frames, last, format: ctx.output.format, payload: packet }),
      );
      frames += 1;
      ctx.metrics.countFrame(ctx.output.format);
      firstFrameAt ??= performance.now();
    }
    return true;
  };

  const encode = (fn: () => Uint8Array[]): Uint8Array[] => {
    const t0 = performance.now();
    const packets = fn();
    const seconds = (performance.now() - t0) / 1000;
    encodeSeconds += seconds;
    busySeconds += seconds;
    ctx.metrics.observeStage('encode', seconds);
    return packets;
  };

  let error: ProtocolError | null = null;
  try {
    const encoder = ctx.engine.createFrameEncoder(ctx.output);
    play: for (;;) {
      const sentence = await utterance.nextSentence();
      if (sentence === null) break;
      if (ctx.engine.checkText(sentence) !== null) continue; // nothing speakable in this sentence
      couldStartAt ??= performance.now();
      spokeAnything = true;
      // Each sentence gets its own seed, so a seeded utterance is reproducible sentence by sentence.
      const seed = utterance.seed === null ? undefined : (utterance.seed + sentenceIndex) >>> 0;
      sentenceIndex += 1;
      const audio = ctx.engine.synthesize({ text: sentence, embedding: ctx.embedding(), seed, signal, stages })[Symbol.asyncIterator]();
      for (;;) {
        const t0 = performance.now();
        const step = await audio.next();
        busySeconds += (performance.now() - t0) / 1000;
        if (step.done) break;
        if (signal.aborted) {
          await audio.return?.();
          break play;
        }
        for (const packet of encode(() => encoder.push(step.value))) {
          if (!(await sendFrame(packet, false))) {
            await audio.return?.();
            break play;
          }
        }
      }
    }
    if (!signal.aborted && !socketGone && !spokeAnything) {
      error = protocolError('no_speakable_text', 'the text has nothing the synthesizer can say', utterance.id);
    } else if (!signal.aborted && !socketGone) {
      const tail = encode(() => encoder.flush({ atLeastOneFrame: true }));
      for (let i = 0; i < tail.length; i++) {
        if (!(await sendFrame(tail[i], i === tail.length - 1))) break; // the flush's last frame is the utterance's last
      }
    }
  } catch (err) {
    if (!signal.aborted) error = toProtocolError(err, utterance.id); // a cancelled task's rejection is not a failure
  }

  const audioSeconds = (frames * FRAME_MS) / 1000;
  // Cut short by the client (cancel) or by its socket going away: cancelled either way.
  const outcome: UtteranceOutcome = error !== null ? 'failed' : signal.aborted || socketGone ? 'cancelled' : 'completed';
  const ttfaMs = firstFrameAt !== null && couldStartAt !== null ? firstFrameAt - couldStartAt : null;
  const rtf = audioSeconds > 0 ? busySeconds / audioSeconds : null;
  if (ttfaMs !== null) ctx.metrics.timeToFirstAudio.observe({ format: ctx.output.format }, ttfaMs / 1000);
  if (rtf !== null && outcome === 'completed') ctx.metrics.realTimeFactor.observe(rtf);
  return {
    outcome,
    error,
    frames,
    audioSeconds,
    ttfaMs,
    rtf,
    stages: { synth: stages.synth, vocode: stages.vocode, encode: encodeSeconds },
  };
}
