import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deterministicKeep, injectedKeep, seededKeep, type KeepSource } from '../../../src/pipeline/rtvc/prenetDropout.js';
import { decoderSteps, runPostnet, tacotronConfig, untrimmedFrames, type TacotronGraphs } from '../../../src/pipeline/rtvc/tacotronDecoder.js';
import { maxAbsDiff } from '../../helpers/npz.js';
import { frameMajor, rtvcGolden, smallRtvcSection } from '../../helpers/rtvcFixtures.js';

const g = rtvcGolden('synthesizer_golden.npz');
const { section, open } = smallRtvcSection('synthesizer');
const config = tacotronConfig(section);
const graphs: TacotronGraphs = { encoder: open('encoder'), step: open('decoderStep'), postnet: open('postnet') };
const speaker = g.speaker_embedding.data as Float32Array;
const ids = (j: number) => Int32Array.from(g[`text${j}_ids`].data as BigInt64Array, Number);
const FORCED = 80;

function run(j: number, keep: KeepSource, forceFrames: number | undefined = FORCED, with_ = graphs) {
  const steps = [...decoderSteps(with_, config, ids(j), speaker, { keep, forceFrames })];
  const frames = new Float32Array(steps.length * config.r * config.nMels);
  steps.forEach((s, i) => frames.set(s.frames, i * s.frames.length));
  return { steps, frames, mel: runPostnet(with_, frames, config.nMels) };
}

test('deterministic mode: decoder mels, postnet mel, attention and stop tokens match RTVC (1e-4) for both texts', () => {
  for (const j of [0, 1]) {
    const out = run(j, deterministicKeep);
    assert.is(out.steps.length, 40);
    assert.ok(out.steps[39].last && !out.steps[38].last);
    assert.ok(maxAbsDiff(out.frames, frameMajor(g[`det_text${j}_decoder_mels`])) < 1e-4, `decoder mels ${j}`);
    assert.ok(maxAbsDiff(out.mel, frameMajor(g[`det_text${j}_mel`])) < 1e-4, `mel ${j}: ${maxAbsDiff(out.mel, frameMajor(g[`det_text${j}_mel`]))}`);
    const attn = new Float32Array(out.steps.flatMap((s) => Array.from(s.attention)));
    assert.ok(maxAbsDiff(attn, g[`det_text${j}_attn_all`].data as Float32Array) < 1e-5, `attention ${j}`);
    assert.ok(maxAbsDiff(out.steps.map((s) => s.stop), g[`det_text${j}_stop_all`].data as Float32Array) < 1e-5, `stop ${j}`);
    assert.is(untrimmedFrames(out.mel, config.nMels, section.trimThreshold), 80);
  }
});

test('RTVC\'s recorded dropout masks injected reproduce its dropout-on output', () => {
  const mask = (k: string) => g[`drop_text0_${k}`].data as Uint8Array;
  const [e1, e2] = config.prenetUnits.encoder;
  const [d1, d2] = config.prenetUnits.decoder;
  const keep = injectedKeep({ enc1: mask('enc_prenet_mask1'), enc2: mask('enc_prenet_mask2'), dec1: mask('dec_prenet_mask1'), dec2: mask('dec_prenet_mask2') },
    { enc1: e1, enc2: e2, dec1: d1, dec2: d2 }, section.prenetDropout);
  const out = run(0, keep);
  assert.ok(maxAbsDiff(out.frames, frameMajor(g.drop_text0_decoder_mels)) < 1e-4, 'decoder mels');
  assert.ok(maxAbsDiff(out.mel, frameMajor(g.drop_text0_mel)) < 1e-4, 'mel');
  assert.ok(maxAbsDiff(out.steps.map((s) => s.stop), g.drop_text0_stop_all.data as Float32Array) < 1e-5, 'stop');
});

test('seeded dropout: the same seed gives the same mel, another seed another', () => {
  const a = run(0, seededKeep(7, 0.5), 20).mel;
  assert.equal(Array.from(run(0, seededKeep(7, 0.5), 20).mel), Array.from(a));
  assert.ok(maxAbsDiff(run(0, seededKeep(8, 0.5), 20).mel, a) > 1e-2);
});

test('the natural stop rule runs to maxFrames when the stop token never fires, as RTVC did', () => {
  const steps = [...decoderSteps(graphs, config, ids(0), speaker, { keep: deterministicKeep })];
  assert.is(steps.length * config.r, 2000);
  assert.ok(maxAbsDiff(steps.map((s) => s.stop), g.natural_text0_stop_all.data as Float32Array) < 1e-4);
});

test('the int8 decoder step stays close to RTVC in deterministic mode: postnet mels within 0.1 (mean 0.02; range +-4.3), attention within 0.01', () => {
  const int8: TacotronGraphs = { ...graphs, step: open('decoderStepInt8') };
  for (const j of [0, 1]) {
    const out = run(j, deterministicKeep, FORCED, int8);
    const want = frameMajor(g[`det_text${j}_mel`]);
    const range = Math.max(...Array.from(want, Math.abs));
    const dev = maxAbsDiff(out.mel, want);
    let sum = 0;
    for (let i = 0; i < want.length; i++) sum += Math.abs(out.mel[i] - want[i]);
    assert.ok(range > 4, 'the golden mel spans RTVC\'s range');
    assert.ok(dev < 0.1, `mel ${j}: max ${dev}`); // measured 0.067 and 0.057
    assert.ok(sum / want.length < 0.02, `mel ${j}: mean ${sum / want.length}`); // measured 0.012
    const attn = new Float32Array(out.steps.flatMap((s) => Array.from(s.attention)));
    assert.ok(maxAbsDiff(attn, g[`det_text${j}_attn_all`].data as Float32Array) < 0.01, `attention ${j}: ${maxAbsDiff(attn, g[`det_text${j}_attn_all`].data as Float32Array)}`);
    assert.is(out.steps.length, 40);
  }
  int8.step.release();
});

test.run();
