/**
 * `clonecast import-rtvc`: converts a user's RTVC checkpoints (encoder.pt, synthesizer.pt,
 * vocoder.pt) into a clonecast model directory by running the Python importer
 * (training/clonecast_train/rtvc/export.py) with Debian's torch. The weights stay the user's:
 * nothing is downloaded or bundled.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The three checkpoints, the output directory and the vocoder options. */
export interface ImportRtvcOptions {
  readonly encoder: string;
  readonly synthesizer: string;
  readonly vocoder: string;
  readonly out: string;
  /** Serve the int8 WaveRNN loop (about 5x faster, not bit-exact); default: RTVC's float32. */
  readonly int8Vocoder?: boolean;
  /** Serve the int8 Tacotron decoder step (about 2.5x faster, not bit-exact); default: RTVC's float32. */
  readonly int8Decoder?: boolean;
  /** Stream the WaveRNN in growing folds (RTVC's batched mode; faster); default: RTVC's unbatched mode. */
  readonly streamFolds?: boolean;
  /** Python with torch and onnx (default: CLONECAST_PYTHON, else /usr/bin/python3). */
  readonly python?: string;
}

/** The importer's summary line. */
export interface ImportRtvcResult {
  readonly out: string;
  /** Parameters of each imported network. */
  readonly parameters: { readonly encoder: number; readonly synthesizer: number; readonly vocoder: number };
  readonly files: readonly string[];
}

/** A refused checkpoint (`rtvc_checkpoint_invalid`) or a failed importer run (`rtvc_import_failed`). */
export class ImportRtvcError extends Error {
  constructor(readonly code: 'rtvc_checkpoint_invalid' | 'rtvc_import_failed', message: string) {
    super(message);
    this.name = 'ImportRtvcError';
  }
}

/** `<repo>/training`, found from this module (src/client or dist/src/client). */
function trainingDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'training', 'clonecast_train'))) {
    const up = dirname(dir);
    if (up === dir) throw new ImportRtvcError('rtvc_import_failed', 'cannot find training/clonecast_train next to this installation');
    dir = up;
  }
  return join(dir, 'training');
}

/**
 * Runs the importer; resolves with its summary.
 * @throws ImportRtvcError `rtvc_checkpoint_invalid` (a refused file, named) or `rtvc_import_failed`.
 */
export async function importRtvc(options: ImportRtvcOptions): Promise<ImportRtvcResult> {
  const python = options.python ?? process.env.CLONECAST_PYTHON ?? '/usr/bin/python3';
  const args = ['-m', 'clonecast_train.rtvc.export', '--encoder', resolve(options.encoder), '--synthesizer', resolve(options.synthesizer),
    '--vocoder', resolve(options.vocoder), '--out', resolve(options.out), ...(options.int8Vocoder ? ['--int8-vocoder'] : []),
    ...(options.int8Decoder ? ['--int8-decoder'] : []), ...(options.streamFolds ? ['--stream-folds'] : [])];
  const child = spawn(python, args, { cwd: trainingDir(), env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', (err) => fail(new ImportRtvcError('rtvc_import_failed', `cannot run ${python}: ${err.message}`)));
    child.once('close', done);
  });
  if (code === 2) throw new ImportRtvcError('rtvc_checkpoint_invalid', stderr.trim().replace(/^import-rtvc: /, ''));
  if (code !== 0) throw new ImportRtvcError('rtvc_import_failed', `${python} exited with ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}`);
  return JSON.parse(stdout.trim().split('\n').pop()!) as ImportRtvcResult;
}
