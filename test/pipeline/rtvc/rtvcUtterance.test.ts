import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openRtvcSessions, readRtvcManifest, type RtvcManifest } from '../../../src/pipeline/rtvc/rtvcModels.js';
import { RtvcUtterance } from '../../../src/pipeline/rtvc/rtvcUtterance.js';
import { textToSequence } from '../../../src/pipeline/rtvc/textToSequence.js';
import { utteranceRandomness } from '../../../src/pipeline/rtvc/utteranceRandomness.js';
import { rtvcGolden, smallRtvcModels } from '../../helpers/rtvcFixtures.js';

const base = readRtvcManifest(smallRtvcModels());
const sessions = openRtvcSessions(base);
const speaker = rtvcGolden('synthesizer_golden.npz').speaker_embedding.data as Float32Array;
const FRAMES = 60;
// random weights: the stop token is noise (with dropout it can fire at 14 frames), so force the length; keep every frame
const bounded: RtvcManifest = { ...base, tacotron: { ...base.tacotron, maxFrames: FRAMES, stopProbability: Infinity }, trimThreshold: -Infinity };
const folded: RtvcManifest = { ...bounded, folds: { first: 1600, growth: 0.05, max: 2400, overlap: 400, maxRows: 16 } };

function speak(m: RtvcManifest, seed: number): { pieces: number; samples: Float32Array } {
  const u = new RtvcUtterance(sessions, m, { ids: textToSequence('Hello there, how are you?', m.symbols).ids, speaker, ...utteranceRandomness(seed, m.prenetDropout) });
  const out: number[] = [];
  let pieces = 0;
  while (!u.done) {
    const p = u.next();
    out.push(...p.samples);
    pieces++;
  }
  return { pieces, samples: Float32Array.from(out) };
}

for (const [name, m] of [['unbatched', bounded], ['folded', folded]] as const) {
  test(`${name}: (T - 1) x hop samples in several pieces, the same for the same seed, other for another`, () => {
    const a = speak(m, 5);
    assert.is(a.samples.length, (FRAMES - 1) * 200);
    assert.ok(a.pieces > 1, 'audio comes in pieces');
    assert.equal(Array.from(speak(m, 5).samples), Array.from(a.samples));
    assert.not.equal(Array.from(speak(m, 6).samples.subarray(0, 400)), Array.from(a.samples.subarray(0, 400)));
  });
}

test('folded and unbatched modes are different renderings of the same mel', () => {
  assert.not.equal(Array.from(speak(folded, 5).samples.subarray(2000, 2400)), Array.from(speak(bounded, 5).samples.subarray(2000, 2400)));
});

test.run();
