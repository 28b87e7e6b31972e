/**
 * Progressive mel bookkeeping shared by the vocoder engines. An utterance's mel is padded at both
 * ends by repeating its first/last frame `pad` times; output block i (frame i's hop samples) needs
 * padded rows i .. i + 2*pad (frames i - pad .. i + pad). A chunk adds rows; every block whose
 * window is complete is emitted; rows still needed are carried in the stream state. At the final
 * chunk the end padding completes the last windows, so an utterance of T frames gives T blocks
 * however it was cut into chunks.
 */
import { VocoderError } from './errors.js';
import type { StreamState } from './streamState.js';

export interface MelWindow {
  /** Padded mel rows [rows][nMels]: the carried tail followed by this chunk's rows. */
  readonly rows: Float32Array;
  readonly rowCount: number;
  /** Blocks to emit now; block j (0-based here) uses rows j .. j + 2*pad. */
  readonly blocks: number;
}

/**
 * Adds `frames` mel rows to the stream and updates `state` (tail, framesSeen, blocksEmitted).
 * @param keepBefore extra rows to keep before the next block's window (left context for engines that use it)
 * @returns the rows covering the blocks to emit now (the first returned row is the first block's window start, minus keepBefore where available)
 */
export function advanceMel(
  state: StreamState, mel: Float32Array, frames: number, final: boolean, pad: number, nMels: number, keepBefore = 0,
): MelWindow & { readonly firstBlockRow: number } {
  const received = state.framesSeen;
  const total = received + frames;
  // Counters of a state are only trusted when they describe a tail this function could have left.
  const expectedTail = received === 0 ? 0 : received + pad - state.blocksEmitted;
  if (state.blocksEmitted > received || state.tailRows < expectedTail || state.tailRows > expectedTail + keepBefore) {
    throw new VocoderError('vocoder_bad_state', `vocoder state rejected: inconsistent counters (frames ${received}, blocks ${state.blocksEmitted}, tail ${state.tailRows})`);
  }
  const window = 2 * pad + 1;
  const startPad = received === 0 && frames > 0 ? pad : 0;
  const endPad = final && total > 0 ? pad : 0;
  const rowCount = state.tailRows + startPad + frames + endPad;
  const rows = new Float32Array(rowCount * nMels);
  rows.set(state.tail.subarray(0, state.tailRows * nMels), 0);
  let at = state.tailRows;
  for (let p = 0; p < startPad; p++, at++) rows.set(mel.subarray(0, nMels), at * nMels);
  rows.set(mel.subarray(0, frames * nMels), at * nMels);
  at += frames;
  for (let p = 0; p < endPad; p++, at++) rows.copyWithin(at * nMels, (at - 1) * nMels, at * nMels);

  // Padded index of rows[0]: everything received so far (with the start padding) minus the tail.
  const start = received === 0 ? 0 : received + pad - state.tailRows;
  const firstBlock = state.blocksEmitted;
  const blocks = Math.max(0, start + rowCount - window + 1 - firstBlock);
  const firstBlockRow = firstBlock - start;

  const keepFrom = Math.max(0, firstBlockRow + blocks - keepBefore);
  state.tail = rows.slice(keepFrom * nMels, rowCount * nMels);
  state.tailRows = rowCount - keepFrom;
  state.framesSeen = total;
  state.blocksEmitted = firstBlock + blocks;
  if (final) state.finished = true;
  return { rows, rowCount, blocks, firstBlockRow };
}
