import type { LogMelFrames } from '../audio/logMel.js';

/**
 * Frame voice activity (docs/models.md): an encoderMel frame is speech when the RMS of its raw
 * samples is at least `thresholdDb` dBFS. Returns the speech frames' mel rows, in order, as a new
 * row-major `[speechFrames][channels]` array; non-speech frames are dropped.
 */
export function selectSpeechFrames(mel: LogMelFrames, thresholdDb: number): { data: Float32Array; frames: number } {
  let frames = 0;
  for (let i = 0; i < mel.frames; i++) if (mel.rmsDb[i] >= thresholdDb) frames++;
  const data = new Float32Array(frames * mel.channels);
  let at = 0;
  for (let i = 0; i < mel.frames; i++) {
    if (mel.rmsDb[i] < thresholdDb) continue;
    data.set(mel.data.subarray(i * mel.channels, (i + 1) * mel.channels), at);
    at += mel.channels;
  }
  return { data, frames };
}
