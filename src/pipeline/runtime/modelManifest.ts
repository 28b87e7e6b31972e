/**
 * Loads and validates `models/manifest.json` (docs/models.md): the one place the server learns what
 * models it serves, which features they expect, and where their files are. Every problem found is
 * reported at once, each naming the file and what is wrong with it.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeatureSpecError, validateFeatureSpec, type FeatureSpec } from '../audio/featureSpec.js';

export type { FeatureSpec };

/** The only manifest format this loader reads. */
export const MANIFEST_FORMAT = 'clonecast-models/1';

/** A file of the model directory with its checksum; `path` is absolute, added by the loader. */
export interface FileEntry {
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly path: string;
}

/** ONNX input/output names to shapes (`-1` marks a dynamic axis). */
export type TensorShapes = Readonly<Record<string, readonly number[]>>;

/** Fields every model section has, whatever its family. */
export interface ModelSection {
  readonly family: string;
  readonly hparams: Readonly<Record<string, unknown>>;
  readonly trainedOn: string;
  /** Name of the FeatureSpec (a key of `features`) the model consumes or produces. */
  readonly features: string;
}

/** `encoder` of family `clonecast-ge2e`: `mels [B, partialFrames, nMels]` -> `embedding [B, embeddingDim]`. */
export interface EncoderSection extends ModelSection {
  readonly file: FileEntry;
  readonly inputs: TensorShapes;
  readonly outputs: TensorShapes;
  /** Frames per partial window (160 = 1.6 s at hop 10 ms). */
  readonly partialFrames: number;
  /** Frames between partial window starts (80 = 50 % overlap). */
  readonly partialHop: number;
  readonly embeddingDim: number;
  readonly vad: { readonly frameThresholdDb: number };
}

/** One ONNX graph of a multi-file model. */
export interface OnnxGraph {
  readonly file: FileEntry;
  readonly inputs: TensorShapes;
  readonly outputs: TensorShapes;
}

/**
 * `synthesizer` of family `clonecast-durtts`: `synth_encoder.onnx` (symbols, speaker -> hidden,
 * durations) and the chunkable `synth_decoder.onnx` (frames -> mel).
 */
export interface SynthesizerSection extends ModelSection {
  readonly encoder: OnnxGraph;
  readonly decoder: OnnxGraph;
  /** Symbol table: index = id, id 0 is padding. */
  readonly symbols: readonly string[];
  readonly text: { readonly normalizer: string };
  /** Default mel frames per decoded chunk. */
  readonly chunkFrames: number;
  /** Frames of context the decoder needs on each side for exact chunked decoding. */
  readonly decoderContext: number;
  readonly hiddenDim: number;
}

/** `vocoder`: its files and fields belong to src/pipeline/vocoder; only the common fields are checked here. */
export interface VocoderSection extends ModelSection {
  readonly [field: string]: unknown;
}

/** A validated manifest; the directory it came from is `dir`. */
export interface ModelManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly dir: string;
  readonly features: Readonly<Record<string, FeatureSpec>>;
  readonly encoder: EncoderSection;
  readonly synthesizer: SynthesizerSection;
  /** Absent when no vocoder weights are installed (Griffin-Lim still works). */
  readonly vocoder?: VocoderSection;
  /** Every file entry found anywhere in the manifest, all verified. */
  readonly files: readonly FileEntry[];
}

/** Families of each section this server can run. */
export const SUPPORTED_FAMILIES = {
  encoder: ['clonecast-ge2e'],
  synthesizer: ['clonecast-durtts'],
  vocoder: ['clonecast-wavernn'],
} as const;

/** Raised when the manifest or one of its files is unusable; `problems` lists each, naming the file. */
export class ManifestError extends Error {
  readonly code = 'models_invalid';
  constructor(readonly problems: readonly string[]) {
    super(`invalid model directory:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ManifestError';
  }
}

/** `<repo>/models`, found relative to this module (src/ or dist/src/). */
export function defaultModelsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const up = dirname(dir);
    if (dir.endsWith(join('src', 'pipeline', 'runtime'))) {
      const srcRoot = dirname(dirname(dir));
      const root = srcRoot.endsWith(join('dist', 'src')) ? dirname(dirname(srcRoot)) : dirname(srcRoot);
      return join(root, 'models');
    }
    if (up === dir) return resolve('models');
    dir = up;
  }
}

/** The models directory to use: explicit argument, else `CLONECAST_MODELS`, else `<repo>/models`. */
export function resolveModelsDir(explicit?: string): string {
  const chosen = explicit ?? process.env.CLONECAST_MODELS;
  return chosen && chosen.length > 0 ? resolve(chosen) : defaultModelsDir();
}

export interface LoadManifestOptions {
  /** Check every file's sha256 (default true). Byte sizes are always checked. */
  readonly verifyChecksums?: boolean;
}

/**
 * Reads `<dir>/manifest.json`, validates every section and verifies every file it names.
 * @throws ManifestError listing every problem found, each naming the file.
 */
export async function loadManifest(modelsDir?: string, options: LoadManifestOptions = {}): Promise<ModelManifest> {
  const dir = resolveModelsDir(modelsDir);
  const manifestPath = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (err) {
    throw new ManifestError([`${manifestPath}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ManifestError([`${manifestPath}: invalid JSON (${(err as Error).message})`]);
  }
  const checker = new ManifestChecker(dir, manifestPath);
  const manifest = checker.manifest(raw);
  if (checker.problems.length === 0 && manifest) {
    await checker.verifyFiles(manifest.files, options.verifyChecksums ?? true);
  }
  if (checker.problems.length > 0 || !manifest) throw new ManifestError(checker.problems);
  return manifest;
}

/** Parses the manifest object and collects problems; never throws. */
class ManifestChecker {
  readonly problems: string[] = [];
  private readonly files: FileEntry[] = [];

  constructor(private readonly dir: string, private readonly manifestPath: string) {}

  manifest(raw: unknown): ModelManifest | null {
    if (!isObject(raw)) {
      this.problem('', 'must be a JSON object');
      return null;
    }
    if (raw.format !== MANIFEST_FORMAT) this.problem('format', `must be "${MANIFEST_FORMAT}", got ${JSON.stringify(raw.format)}`);
    const features = this.features(raw.features);
    const encoder = this.encoder(raw.encoder, features);
    const synthesizer = this.synthesizer(raw.synthesizer, features);
    const vocoder = raw.vocoder === undefined ? undefined : this.vocoder(raw.vocoder, features);
    if (!encoder || !synthesizer) return null;
    return { format: MANIFEST_FORMAT, dir: this.dir, features, encoder, synthesizer, vocoder, files: this.files };
  }

  /** Checks size and checksum of every file entry, naming the file on any mismatch. */
  async verifyFiles(files: readonly FileEntry[], checksums: boolean): Promise<void> {
    for (const entry of files) {
      let size: number;
      try {
        size = (await stat(entry.path)).size;
      } catch {
        this.problems.push(`${entry.path}: missing (named by ${this.manifestPath})`);
        continue;
      }
      if (size !== entry.bytes) {
        this.problems.push(`${entry.path}: size ${size} bytes, manifest says ${entry.bytes}`);
        continue;
      }
      if (!checksums) continue;
      const digest = createHash('sha256').update(await readFile(entry.path)).digest('hex');
      if (digest !== entry.sha256.toLowerCase()) {
        this.problems.push(`${entry.path}: sha256 mismatch (file ${digest}, manifest ${entry.sha256})`);
      }
    }
  }

  private features(raw: unknown): Record<string, FeatureSpec> {
    const out: Record<string, FeatureSpec> = {};
    if (!isObject(raw)) {
      this.problem('features', 'must be an object of named FeatureSpecs');
      return out;
    }
    for (const [name, spec] of Object.entries(raw)) {
      const at = `features.${name}`;
      if (!isObject(spec)) {
        this.problem(at, 'must be an object');
        continue;
      }
      try {
        out[name] = validateFeatureSpec(spec);
      } catch (err) {
        const problems = err instanceof FeatureSpecError ? err.problems : [String(err)];
        for (const p of problems) this.problem(at, p);
      }
    }
    return out;
  }

  private common(raw: Record<string, unknown>, section: keyof typeof SUPPORTED_FAMILIES, features: Record<string, FeatureSpec>): boolean {
    const families: readonly string[] = SUPPORTED_FAMILIES[section];
    if (typeof raw.family !== 'string' || !families.includes(raw.family)) {
      this.problem(`${section}.family`, `unsupported family ${JSON.stringify(raw.family)} (supported: ${families.join(', ')})`);
      return false;
    }
    if (typeof raw.features !== 'string' || !(raw.features in features)) {
      this.problem(`${section}.features`, `must name one of features (${Object.keys(features).join(', ')}), got ${JSON.stringify(raw.features)}`);
    }
    if (raw.hparams !== undefined && !isObject(raw.hparams)) this.problem(`${section}.hparams`, 'must be an object');
    if (raw.trainedOn !== undefined && typeof raw.trainedOn !== 'string') this.problem(`${section}.trainedOn`, 'must be a string');
    return true;
  }

  private encoder(raw: unknown, features: Record<string, FeatureSpec>): EncoderSection | null {
    if (!isObject(raw)) {
      this.problem('encoder', 'missing (the speaker encoder section is required)');
      return null;
    }
    if (!this.common(raw, 'encoder', features)) return null;
    const file = this.fileEntry(raw.file, 'encoder.file');
    this.shapes(raw.inputs, 'encoder.inputs');
    this.shapes(raw.outputs, 'encoder.outputs');
    for (const key of ['partialFrames', 'partialHop', 'embeddingDim'] as const) this.positiveInt(raw, key, 'encoder');
    if (!isObject(raw.vad) || !Number.isFinite(raw.vad.frameThresholdDb)) this.problem('encoder.vad', 'must be { frameThresholdDb: number }');
    if (!file) return null;
    return { hparams: {}, trainedOn: '', ...raw, file } as unknown as EncoderSection;
  }

  private synthesizer(raw: unknown, features: Record<string, FeatureSpec>): SynthesizerSection | null {
    if (!isObject(raw)) {
      this.problem('synthesizer', 'missing (the synthesizer section is required)');
      return null;
    }
    if (!this.common(raw, 'synthesizer', features)) return null;
    const encoder = this.graph(raw.encoder, 'synthesizer.encoder');
    const decoder = this.graph(raw.decoder, 'synthesizer.decoder');
    if (!Array.isArray(raw.symbols) || raw.symbols.length < 2 || !raw.symbols.every((s) => typeof s === 'string')) {
      this.problem('synthesizer.symbols', 'must be an array of strings (index = id, id 0 is padding)');
    }
    if (!isObject(raw.text) || typeof raw.text.normalizer !== 'string') this.problem('synthesizer.text', 'must be { normalizer: string }');
    for (const key of ['chunkFrames', 'hiddenDim'] as const) this.positiveInt(raw, key, 'synthesizer');
    if (!Number.isInteger(raw.decoderContext) || (raw.decoderContext as number) < 0) {
      this.problem('synthesizer.decoderContext', `must be an integer >= 0, got ${JSON.stringify(raw.decoderContext)}`);
    }
    if (!encoder || !decoder) return null;
    return { hparams: {}, trainedOn: '', ...raw, encoder, decoder } as unknown as SynthesizerSection;
  }

  private vocoder(raw: unknown, features: Record<string, FeatureSpec>): VocoderSection | undefined {
    if (!isObject(raw)) {
      this.problem('vocoder', 'must be an object');
      return undefined;
    }
    if (!this.common(raw, 'vocoder', features)) return undefined;
    const resolved = this.fileEntriesWithin(raw, 'vocoder');
    return { hparams: {}, trainedOn: '', ...(resolved as Record<string, unknown>) } as VocoderSection;
  }

  /** Replaces every `{file, sha256, bytes}` object under `value` with a checked FileEntry. */
  private fileEntriesWithin(value: unknown, at: string): unknown {
    if (Array.isArray(value)) return value.map((v, i) => this.fileEntriesWithin(v, `${at}[${i}]`));
    if (!isObject(value)) return value;
    if (typeof value.file === 'string' && 'sha256' in value) return this.fileEntry(value, at) ?? value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = this.fileEntriesWithin(v, `${at}.${key}`);
    return out;
  }

  private graph(raw: unknown, at: string): OnnxGraph | null {
    if (!isObject(raw)) {
      this.problem(at, 'must be { file: {file, sha256, bytes}, inputs, outputs }');
      return null;
    }
    const file = this.fileEntry(raw.file, `${at}.file`);
    this.shapes(raw.inputs, `${at}.inputs`);
    this.shapes(raw.outputs, `${at}.outputs`);
    return file ? { ...(raw as object), file } as OnnxGraph : null;
  }

  private fileEntry(raw: unknown, at: string): FileEntry | null {
    if (!isObject(raw) || typeof raw.file !== 'string') {
      this.problem(at, 'must be a file entry { file, sha256, bytes }');
      return null;
    }
    const name = raw.file;
    const where = `${join(this.dir, name)} (${at})`;
    let ok = true;
    if (name.length === 0 || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      this.problems.push(`${where}: file name must be a plain name inside the models directory`);
      ok = false;
    }
    if (typeof raw.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(raw.sha256)) {
      this.problems.push(`${where}: sha256 must be 64 hex digits, got ${JSON.stringify(raw.sha256)}`);
      ok = false;
    }
    if (!Number.isInteger(raw.bytes) || (raw.bytes as number) < 0) {
      this.problems.push(`${where}: bytes must be a non-negative integer, got ${JSON.stringify(raw.bytes)}`);
      ok = false;
    }
    if (!ok) return null;
    const entry: FileEntry = { file: name, sha256: raw.sha256 as string, bytes: raw.bytes as number, path: join(this.dir, name) };
    this.files.push(entry);
    return entry;
  }

  private shapes(raw: unknown, at: string): void {
    if (!isObject(raw)) {
      this.problem(at, 'must map ONNX names to shapes');
      return;
    }
    for (const [name, dims] of Object.entries(raw)) {
      if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d >= -1)) {
        this.problem(`${at}.${name}`, `must be an array of integers (-1 = dynamic), got ${JSON.stringify(dims)}`);
      }
    }
  }

  private positiveInt(obj: Record<string, unknown>, key: string, at: string): void {
    const v = obj[key];
    if (!Number.isInteger(v) || (v as number) <= 0) this.problem(`${at}.${key}`, `must be a positive integer, got ${JSON.stringify(v)}`);
  }

  private problem(at: string, what: string): void {
    this.problems.push(`${this.manifestPath}${at ? ` ${at}` : ''}: ${what}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
