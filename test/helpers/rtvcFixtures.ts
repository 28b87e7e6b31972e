/**
 * The RTVC parity fixtures (../shared/rtvc-parity beside the repository; CI has /shared beside
 * the clone) and a model directory imported from its small checkpoints by the Python importer,
 * made once per test process in a temporary directory. Missing fixtures fail loudly.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOnnxSession, type OnnxSession } from '../../src/pipeline/runtime/onnxRuntime.js';
import { readNpz, type NpyArray } from './npz.js';

/** Repository root (this file runs from dist/test/helpers). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
export const RTVC_FIXTURES = resolve(REPO_ROOT, '..', 'shared', 'rtvc-parity');

export function rtvcFixture(name: string): string {
  const path = join(RTVC_FIXTURES, name);
  if (!existsSync(path)) {
    throw new Error(`RTVC parity fixture ${path} is missing: these tests need ../shared/rtvc-parity beside the repository root`);
  }
  return path;
}

const goldens = new Map<string, Record<string, NpyArray>>();
export function rtvcGolden(name: 'encoder_golden.npz' | 'synthesizer_golden.npz' | 'vocoder_golden.npz'): Record<string, NpyArray> {
  let g = goldens.get(name);
  if (!g) goldens.set(name, (g = readNpz(rtvcFixture(name))));
  return g;
}

/** Runs `python3 -m clonecast_train.rtvc.export` on three checkpoints; returns its JSON line. */
export function runRtvcImporter(encoder: string, synthesizer: string, vocoder: string, out: string): unknown {
  const stdout = execFileSync('/usr/bin/python3', ['-m', 'clonecast_train.rtvc.export', '--encoder', encoder,
    '--synthesizer', synthesizer, '--vocoder', vocoder, '--out', out], {
    cwd: join(REPO_ROOT, 'training'), encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' },
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

let imported: string | null = null;
/** A model directory imported from the small checkpoints (shared by this process's tests). */
export function smallRtvcModels(): string {
  if (imported) return imported;
  const root = mkdtempSync(join(tmpdir(), 'clonecast-rtvc-'));
  const out = join(root, 'models');
  runRtvcImporter(rtvcFixture('small_encoder.pt'), rtvcFixture('small_synthesizer.pt'), rtvcFixture('small_vocoder.pt'), out);
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  imported = out;
  return out;
}

/** A manifest section of the imported small models, and an ONNX session on any of its graphs by key. */
export function smallRtvcSection(kind: 'encoder' | 'synthesizer' | 'vocoder'): {
  readonly section: Record<string, any>; // the manifest section as parsed JSON
  open(key: string): OnnxSession;
} {
  const models = smallRtvcModels();
  const section = JSON.parse(readFileSync(join(models, 'manifest.json'), 'utf8'))[kind];
  return { section, open: (key) => createOnnxSession(join(models, section[key].file.file)) };
}

/** A golden [mels][frames] array as frames [frames][mels], the layout the Node code takes. */
export function frameMajor(a: NpyArray): Float32Array {
  const [M, T] = a.shape;
  const d = a.data as Float32Array;
  const out = new Float32Array(M * T);
  for (let m = 0; m < M; m++) for (let t = 0; t < T; t++) out[t * M + m] = d[m * T + t];
  return out;
}

/** Audio pieces joined in order. */
export function joinPieces(pieces: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(pieces.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
