import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deterministicKeep } from '../../../src/pipeline/rtvc/prenetDropout.js';
import { RtvcMelStream } from '../../../src/pipeline/rtvc/rtvcMelStream.js';
import { openRtvcSessions, readRtvcManifest, type RtvcManifest } from '../../../src/pipeline/rtvc/rtvcModels.js';
import { decoderSteps, runPostnet } from '../../../src/pipeline/rtvc/tacotronDecoder.js';
import { textToSequence } from '../../../src/pipeline/rtvc/textToSequence.js';
import { maxAbsDiff } from '../../helpers/npz.js';
import { rtvcGolden, smallRtvcModels } from '../../helpers/rtvcFixtures.js';

const base = readRtvcManifest(smallRtvcModels());
const sessions = openRtvcSessions(base);
const speaker = rtvcGolden('synthesizer_golden.npz').speaker_embedding.data as Float32Array;
const FRAMES = 200;
const ids = textToSequence('Hello there, how are you? This is a longer sentence for the postnet.', base.symbols).ids;

/** Streamed mel (chunks concatenated) and RTVC's whole-utterance postnet of the same decoder frames. */
function streamedAndWhole(postnetContext: number): { streamed: Float32Array; whole: Float32Array; chunks: number } {
  const m: RtvcManifest = { ...base, tacotron: { ...base.tacotron, maxFrames: FRAMES, stopProbability: 2 }, trimThreshold: -100, postnetContext };
  const stream = new RtvcMelStream(sessions.tacotron, m, { ids, speaker, keep: deterministicKeep });
  const parts: number[] = [];
  let chunks = 0;
  for (;;) {
    const c = stream.next();
    parts.push(...c.mel);
    chunks++;
    if (c.final) break;
  }
  const frames: number[] = [];
  for (const step of decoderSteps(sessions.tacotron, m.tacotron, ids, speaker, { keep: deterministicKeep })) frames.push(...step.frames);
  return { streamed: Float32Array.from(parts), whole: runPostnet(sessions.tacotron, Float32Array.from(frames), 80), chunks };
}

test('with a postnet context covering the utterance, the streamed mel is RTVC\'s whole-utterance postnet', () => {
  const { streamed, whole, chunks } = streamedAndWhole(FRAMES);
  assert.ok(chunks > 1);
  assert.ok(maxAbsDiff(streamed, whole) < 1e-5);
});

test('with the default context (24 frames each side) the streamed mel stays close to it', () => {
  const { streamed, whole } = streamedAndWhole(base.postnetContext);
  assert.is(base.postnetContext, 24);
  assert.is(streamed.length, whole.length);
  const d = maxAbsDiff(streamed, whole);
  assert.ok(d > 0 && d < 0.05, `max deviation ${d} (mel range about +-4)`);
});

test.run();
