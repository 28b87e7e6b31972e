import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WavernnStream } from '../../../src/pipeline/rtvc/wavernnStream.js';
import { wavernnConfig, type WavernnGraphs } from '../../../src/pipeline/rtvc/wavernnVocoder.js';
import { maxAbsDiff } from '../../helpers/npz.js';
import { frameMajor, joinPieces, rtvcGolden, smallRtvcSection } from '../../helpers/rtvcFixtures.js';

const g = rtvcGolden('vocoder_golden.npz');
const { section, open } = smallRtvcSection('vocoder');
const config = wavernnConfig(section);
const graphs: WavernnGraphs = { upsample: open('upsample'), loop: open('sampleLoop') };
const [M, T] = g.mel.shape;
const mel = frameMajor(g.mel);

/** Feeds the golden mel in chunks of the given sizes; uniforms are RTVC's recorded unbatched draws. */
function stream(chunks: readonly number[], holdbackSamples: number) {
  const u = g.unbatched_u.data as Float64Array;
  let used = 0;
  const s = new WavernnStream(graphs, config, { uniforms: (n) => u.slice(used, (used += n)), holdbackSamples });
  const pieces: Float32Array[] = [];
  let at = 0;
  chunks.forEach((n, i) => {
    pieces.push(s.push(mel.slice(at * M, (at + n) * M), i === chunks.length - 1));
    at += n;
  });
  return { pieces, wav: joinPieces(pieces) };
}

test('progressive vocoding of mel chunks equals RTVC\'s unbatched infer_waveform (same uniforms)', () => {
  for (const chunks of [[6, 10, 16, 18], [50], [1, 1, 3, 45]]) {
    const { wav } = stream(chunks, config.fadeOutSamples);
    assert.is(wav.length, (T - 1) * 200);
    assert.ok(maxAbsDiff(wav, g.unbatched_wav.data as Float32Array) < 1e-4, `chunks ${chunks}`);
  }
});

test('audio comes out chunk by chunk, lagging the mel by the upsampler context', () => {
  const { pieces } = stream([6, 10, 16, 18], 0);
  assert.equal(pieces.map((p) => p.length), [(6 - config.context) * 200, 10 * 200, 16 * 200, (18 + config.context - 1) * 200]);
  const whole = g.unbatched_wav.data as Float32Array;
  // before the fade-out region, samples are RTVC's
  assert.ok(maxAbsDiff(pieces[0], whole.subarray(0, pieces[0].length)) < 1e-4);
});

test.run();
