/**
 * The RTVC parity fixtures (../shared/rtvc-parity beside the repository; CI has /shared beside
 * the clone) and a model directory imported from its small checkpoints by the Python importer,
 * made once per test process in a temporary directory. Missing fixtures fail loudly.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
