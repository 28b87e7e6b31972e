/**
 * `npm run bench:rtvc`: one stream of RTVC-size models (full-size layouts of shapes.json with random
 * weights, or your imported directory) through the server's RTVC path (RtvcUtterance: Tacotron
 * steps -> postnet window -> progressive WaveRNN), side by side with RTVC's own figures on this
 * machine (issue 7). Random weights have a meaningless stop token, so each sentence is bounded at a
 * typical speaking length (0.35 s per word) and RTVC's trailing-silence trim is off (their mels are
 * quiet); the cost per frame and per sample is what is measured.
 *
 *   node dist/load-tests/rtvcBench.js [--models DIR] [--loop float32|int8] [--decoder float32|int8] [--folds FIRST,GROWTH,MAX[,OVERLAP]] [--threads 1|2] [--json]
 * --folds: stream the WaveRNN in growing folds (RTVC's batched mode, foldedWavernnStream.ts).
 * --loop: the WaveRNN sample loop to run (default: the directory's `servedLoop`; RTVC's float32).
 * --decoder: the Tacotron decoder step to run (default: the directory's `servedDecoder`; RTVC's float32).
 * --threads 2: the server's layout instead of one thread: RtvcVoicePipeline, synthesizer and vocoder
 *   on two worker threads, one warm-up utterance of each sentence before the timed one (the server
 *   is long-running); the manifest's limits are forced in a copy of the directory (graphs linked).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openRtvcSessions, readRtvcManifest, type DecoderStepKind, type StreamFolds, type VocoderLoop } from '../src/pipeline/rtvc/rtvcModels.js';
import { RtvcVoicePipeline } from '../src/pipeline/rtvc/rtvcVoicePipeline.js';
import { RtvcUtterance } from '../src/pipeline/rtvc/rtvcUtterance.js';
import { embedUtterance } from '../src/pipeline/rtvc/speakerEmbedding.js';
import { textToSequence } from '../src/pipeline/rtvc/textToSequence.js';
import { utteranceRandomness } from '../src/pipeline/rtvc/utteranceRandomness.js';

/** RTVC on this machine (issue 7): time to first audio and WaveRNN real-time factor per sentence; Tacotron 4.6 ms per frame. */
const RTVC = [
  { words: 5, ttfaS: 14.2, vocoderRtf: 7.5 },
  { words: 13, ttfaS: 17.5, vocoderRtf: 3.7 },
  { words: 25, ttfaS: 22.4, vocoderRtf: 2.3 },
];
const RTVC_TACOTRON_MS_PER_FRAME = 4.6;
const SENTENCES: Record<number, string> = {
  5: 'Please call me back soon.',
  13: 'The meeting has been moved to Thursday morning, so please bring the new report.',
  25: 'When the train finally arrived at the station, everyone on the platform rushed forward, hoping to find a seat before the long ride into the city began.',
};
const SECONDS_PER_WORD = 0.35;
const REPO = resolve(fileURLToPath(new URL('../../', import.meta.url)));

function randomFullSizeModels(): { dir: string; cleanup: () => void } {
  const shapes = resolve(REPO, '..', 'shared', 'rtvc-parity', 'shapes.json');
  if (!existsSync(shapes)) throw new Error(`${shapes} is missing: pass --models DIR (an imported RTVC directory)`);
  const root = mkdtempSync(join(tmpdir(), 'clonecast-rtvc-bench-'));
  const py = (args: string[]) => execFileSync('/usr/bin/python3', args, { cwd: join(REPO, 'training'), env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }, stdio: ['ignore', 'pipe', 'inherit'] });
  py(['-m', 'clonecast_train.rtvc.random_checkpoints', '--shapes', shapes, '--out', join(root, 'ckpt')]);
  py(['-m', 'clonecast_train.rtvc.export', '--encoder', join(root, 'ckpt', 'encoder.pt'), '--synthesizer', join(root, 'ckpt', 'synthesizer.pt'),
    '--vocoder', join(root, 'ckpt', 'vocoder.pt'), '--out', join(root, 'models')]);
  return { dir: join(root, 'models'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** The server's layout: a copy of `dir` (graphs linked) whose manifest forces `frames` and the chosen graphs, served by RtvcVoicePipeline. */
async function twoThreads(dir: string, frames: number, text: string, speaker: Float32Array, loop: VocoderLoop, decoder: DecoderStepKind, folds: StreamFolds | undefined) {
  const copy = mkdtempSync(join(tmpdir(), 'clonecast-rtvc-bench-served-'));
  try {
    for (const f of readdirSync(dir)) if (f.endsWith('.onnx')) symlinkSync(join(dir, f), join(copy, f));
    const raw = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    // random weights: their stop token is noise (2 never fires) and their quiet mels would be trimmed as silence
    raw.synthesizer = { ...raw.synthesizer, maxFrames: frames, stopProbability: 2, trimThreshold: -1e9, servedDecoder: decoder };
    raw.vocoder = { ...raw.vocoder, servedLoop: loop };
    if (folds) raw.vocoder.streamFolds = folds;
    else delete raw.vocoder.streamFolds;
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify(raw));
    const pipeline = new RtvcVoicePipeline(copy);
    await pipeline.ready;
    try {
      let result = { first: null as number | null, samples: 0, wall: 0, synth: 0, vocode: 0 };
      for (let run = 0; run < 2; run++) {
        const start = performance.now();
        const speech = pipeline.speak({ text, embedding: speaker, seed: 1 });
        let first: number | null = null, samples = 0;
        for await (const piece of speech) {
          if (piece.length > 0) first ??= performance.now() - start;
          samples += piece.length;
        }
        result = { first, samples, wall: (performance.now() - start) / 1000, synth: speech.timings.synthSeconds, vocode: speech.timings.vocodeSeconds };
      }
      return result;
    } finally {
      await pipeline.close();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

const { values } = parseArgs({ options: { models: { type: 'string' }, loop: { type: 'string' }, decoder: { type: 'string' }, folds: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' } } });
if (values.threads !== undefined && values.threads !== '1' && values.threads !== '2') throw new Error(`--threads must be 1 or 2, not ${values.threads}`);
const threads = Number(values.threads ?? 1);
const foldArgs = values.folds?.split(',').map(Number);
if (foldArgs && (foldArgs.length < 3 || foldArgs.length > 4 || !foldArgs.every(Number.isFinite))) throw new Error('--folds wants FIRST,GROWTH,MAX[,OVERLAP] (samples, factor, samples, samples)');
for (const flag of ['loop', 'decoder'] as const) {
  const v = values[flag];
  if (v !== undefined && v !== 'float32' && v !== 'int8') throw new Error(`--${flag} must be float32 or int8, not ${v}`);
}
const models = values.models ? { dir: resolve(values.models), cleanup: () => undefined } : randomFullSizeModels();
try {
  const base = readRtvcManifest(models.dir);
  const loop = (values.loop as 'float32' | 'int8' | undefined) ?? base.servedLoop;
  const decoder = (values.decoder as 'float32' | 'int8' | undefined) ?? base.servedDecoder;
  const sessions = openRtvcSessions(base, loop, decoder);
  const speaker = embedUtterance(sessions.encoder, base.embedder, Float32Array.from({ length: 48000 }, (_, i) => 0.1 * Math.sin(i / 7))).embedding;
  const rows = [];
  for (const ref of RTVC) {
    const frames = Math.round(ref.words * SECONDS_PER_WORD * base.sampleRate / base.wavernn.hop / base.tacotron.r) * base.tacotron.r;
    // random weights: their stop token is noise and their quiet mels would be trimmed as silence
    const folds = foldArgs ? { first: foldArgs[0], growth: foldArgs[1], max: foldArgs[2], overlap: foldArgs[3] ?? base.wavernn.fold.overlap, maxRows: 16 } : base.folds;
    let first: number | null = null, samples = 0, synth = 0, vocode = 0, wall = 0;
    if (threads === 2) {
      ({ first, samples, synth, vocode, wall } = await twoThreads(models.dir, frames, SENTENCES[ref.words], speaker, loop, decoder, folds));
    } else {
      const m = { ...base, tacotron: { ...base.tacotron, maxFrames: frames, stopProbability: Infinity }, trimThreshold: -Infinity, folds };
      const u = new RtvcUtterance(sessions, m, { ids: textToSequence(SENTENCES[ref.words], m.symbols).ids, speaker, ...utteranceRandomness(1, m.prenetDropout) });
      const start = performance.now();
      while (!u.done) {
        const p = u.next();
        synth += p.synthSeconds;
        vocode += p.vocodeSeconds;
        samples += p.samples.length;
        if (p.samples.length > 0) first ??= performance.now() - start;
      }
      wall = (performance.now() - start) / 1000;
    }
    const audio = samples / base.sampleRate;
    rows.push({
      words: ref.words, frames, audioS: +audio.toFixed(2), ttfaMs: +(first ?? 0).toFixed(0), rtf: +(wall / audio).toFixed(2),
      tacotronMsPerFrame: +((synth * 1000) / frames).toFixed(2), vocoderRtf: +(vocode / audio).toFixed(2),
      rtvc: { ttfaMs: ref.ttfaS * 1000, vocoderRtf: ref.vocoderRtf, tacotronMsPerFrame: RTVC_TACOTRON_MS_PER_FRAME },
    });
  }
  sessions.release();
  if (values.json) process.stdout.write(`${JSON.stringify({ models: models.dir, loop, decoder, threads, rows })}\n`);
  else {
    const f = foldArgs ? values.folds : base.folds ? `${base.folds.first},${base.folds.growth},${base.folds.max},${base.folds.overlap}` : null;
    process.stdout.write(`RTVC-size models, one stream on ${threads === 2 ? 'two threads (the server\'s synthesizer + vocoder workers, warm)' : 'one thread'}, ${decoder} Tacotron decoder, ${loop} WaveRNN loop, ${f ? `folds ${f}` : 'unbatched'} (target: first audio <= 300 ms, rtf <= 1)\n`);
    process.stdout.write('words  audio s  TTFA ms (RTVC)      rtf  Tacotron ms/frame (RTVC)  WaveRNN rtf (RTVC)\n');
    for (const r of rows) {
      process.stdout.write(`${String(r.words).padStart(5)}  ${r.audioS.toFixed(2).padStart(7)}  ${String(r.ttfaMs).padStart(7)} (${r.rtvc.ttfaMs})  ${r.rtf.toFixed(2).padStart(6)}  ` +
        `${r.tacotronMsPerFrame.toFixed(2).padStart(17)} (${r.rtvc.tacotronMsPerFrame})  ${r.vocoderRtf.toFixed(2).padStart(11)} (${r.rtvc.vocoderRtf})\n`);
    }
  }
} finally {
  models.cleanup();
}
