/**
 * An imported RTVC model directory (training/clonecast_train/rtvc/export.py): its manifest, read
 * and checked here because its sections (families rtvc-ge2e, rtvc-tacotron, rtvc-wavernn) differ
 * from clonecast's own, and its ONNX sessions. Every file entry's size and sha256 are verified.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestError, MANIFEST_FORMAT } from '../runtime/modelManifest.js';
import { createOnnxSession, type OnnxSession, type OnnxSessionOptions } from '../runtime/onnxRuntime.js';
import { EncoderMel } from './encoderMel.js';
import type { SpeakerEmbedderConfig } from './speakerEmbedding.js';
import { tacotronConfig, type TacotronConfig, type TacotronGraphs } from './tacotronDecoder.js';
import type { RtvcSymbolTable } from './textToSequence.js';
import { wavernnConfig, type WavernnConfig, type WavernnGraphs } from './wavernnVocoder.js';

/** Family of each manifest section of an imported RTVC directory. */
export const RTVC_FAMILIES = { encoder: 'rtvc-ge2e', synthesizer: 'rtvc-tacotron', vocoder: 'rtvc-wavernn' } as const;

/** True when `dir/manifest.json` describes imported RTVC models (its encoder is rtvc-ge2e). */
export function isRtvcModelsDir(dir: string): boolean {
  try {
    const raw = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    return raw?.encoder?.family === RTVC_FAMILIES.encoder;
  } catch {
    return false;
  }
}

/** The parsed sections, with everything the server's RTVC path needs. */
export interface RtvcManifest {
  readonly dir: string;
  readonly raw: Record<string, any>;
  readonly embedder: SpeakerEmbedderConfig;
  readonly tacotron: TacotronConfig;
  readonly wavernn: WavernnConfig;
  readonly symbols: RtvcSymbolTable;
  readonly trimThreshold: number;
  readonly prenetDropout: number;
  /** Postnet frames of context on each side when the spectrogram is made chunk by chunk. */
  readonly postnetContext: number;
  readonly sampleRate: number;
  /** sha256 of the encoder graph: voices are only comparable under one encoder. */
  readonly encoderId: string;
  /** The WaveRNN sample loop served: RTVC's float32 arithmetic, or int8 weights with frame-rate aux (~5x faster, not bit-exact). */
  readonly servedLoop: VocoderLoop;
  /** The Tacotron decoder step served: RTVC's float32 arithmetic, or int8 weight matrices (~2.5x faster, not bit-exact). */
  readonly servedDecoder: DecoderStepKind;
  /**
   * Folded (batched) WaveRNN streaming, from the manifest's `vocoder.streamFolds`; absent: RTVC's
   * unbatched mode, one sequential row (foldedWavernnStream.ts says why folds are faster).
   */
  readonly folds?: StreamFolds;
}

/** A growing fold schedule (samples, overlaps included): first, first + growth x audio before, at most max. */
export interface StreamFolds {
  readonly first: number;
  readonly growth: number;
  readonly max: number;
  readonly overlap: number;
  readonly maxRows: number;
}

/** Which exported WaveRNN sample loop runs. */
export type VocoderLoop = 'float32' | 'int8';

/** Which exported Tacotron decoder step runs. */
export type DecoderStepKind = 'float32' | 'int8';

/** Default postnet context (frames each side) for streaming; the postnet's bi-GRU sees more in RTVC. */
export const DEFAULT_POSTNET_CONTEXT = 24;

/** @throws ManifestError naming every problem found. */
export function readRtvcManifest(dir: string): RtvcManifest {
  const path = join(dir, 'manifest.json');
  const problems: string[] = [];
  let raw: Record<string, any>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ManifestError([`${path}: cannot read or parse (${(err as Error).message})`]);
  }
  if (raw.format !== MANIFEST_FORMAT) problems.push(`${path} format: must be "${MANIFEST_FORMAT}"`);
  for (const [section, family] of Object.entries(RTVC_FAMILIES)) {
    if (raw[section]?.family !== family) problems.push(`${path} ${section}.family: must be "${family}", got ${JSON.stringify(raw[section]?.family)}`);
  }
  const visit = (v: unknown, at: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${at}[${i}]`));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.file === 'string' && typeof o.sha256 === 'string') problems.push(...checkFile(dir, o as { file: string; sha256: string; bytes: number }, at));
      else for (const [k, x] of Object.entries(o)) visit(x, `${at}.${k}`);
    }
  };
  for (const section of Object.keys(RTVC_FAMILIES)) visit(raw[section], section);
  if (raw.vocoder?.servedLoop === 'int8' && !raw.vocoder?.upsampleInt8) {
    problems.push(`${path} vocoder.servedLoop "int8" needs vocoder.upsampleInt8 (the frame-rate upsampler its loop reads): imported by an older clonecast, import it again`);
  }
  if (raw.synthesizer?.servedDecoder === 'int8' && !raw.synthesizer?.decoderStepInt8) problems.push(`${path} synthesizer.servedDecoder "int8" needs synthesizer.decoderStepInt8`);
  if (problems.length > 0) throw new ManifestError(problems);
  const enc = raw.encoder;
  const melSpec = raw.features[enc.features];
  return {
    dir, raw,
    embedder: { ...enc, hopLength: melSpec.hopLength, mel: new EncoderMel(melSpec), normalize: enc.normalize, embeddingDim: enc.embeddingDim },
    tacotron: tacotronConfig(raw.synthesizer),
    wavernn: wavernnConfig(raw.vocoder),
    symbols: { symbols: raw.synthesizer.symbols, padId: raw.synthesizer.padId, eosId: raw.synthesizer.eosId },
    trimThreshold: raw.synthesizer.trimThreshold,
    prenetDropout: raw.synthesizer.prenetDropout,
    postnetContext: raw.synthesizer.postnetContext ?? DEFAULT_POSTNET_CONTEXT,
    sampleRate: melSpec.sampleRate,
    encoderId: enc.file.sha256,
    servedLoop: raw.vocoder.servedLoop === 'int8' && raw.vocoder.sampleLoopInt8 ? 'int8' : 'float32',
    servedDecoder: raw.synthesizer.servedDecoder === 'int8' ? 'int8' : 'float32',
    folds: raw.vocoder.streamFolds ?? undefined,
  };
}

function checkFile(dir: string, entry: { file: string; sha256: string; bytes: number }, at: string): string[] {
  const path = join(dir, entry.file);
  if (entry.file.includes('/') || entry.file.startsWith('.')) return [`${path} (${at}): file name must be a plain name inside the models directory`];
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return [`${path}: missing (named by ${at})`];
  }
  if (size !== entry.bytes) return [`${path}: size ${size} bytes, manifest says ${entry.bytes}`];
  const digest = createHash('sha256').update(readFileSync(path)).digest('hex');
  return digest === entry.sha256 ? [] : [`${path}: sha256 mismatch (file ${digest}, manifest ${entry.sha256})`];
}

/** The ONNX sessions of an RTVC directory. */
export interface RtvcSessions {
  readonly encoder: OnnxSession;
  readonly tacotron: TacotronGraphs;
  readonly wavernn: WavernnGraphs;
  release(): void;
}

const openGraph = (m: RtvcManifest, entry: { file: { file: string } }, options?: OnnxSessionOptions) => createOnnxSession(join(m.dir, entry.file.file), options);

/** The speaker encoder and Tacotron graphs (the synthesizer thread's); `decoder` overrides the manifest's `servedDecoder`. */
export function openSynthesizerSessions(m: RtvcManifest, decoder: DecoderStepKind = m.servedDecoder): Pick<RtvcSessions, 'encoder' | 'tacotron' | 'release'> {
  const s = m.raw.synthesizer;
  if (decoder === 'int8' && !s.decoderStepInt8) throw new ManifestError([`${join(m.dir, 'manifest.json')} synthesizer.decoderStepInt8: missing (imported by an older clonecast, import it again)`]);
  const encoder = openGraph(m, m.raw.encoder);
  const tacotron = { encoder: openGraph(m, s.encoder), step: openGraph(m, decoder === 'int8' ? s.decoderStepInt8 : s.decoderStep), postnet: openGraph(m, s.postnet) };
  return { encoder, tacotron, release: () => [encoder, ...Object.values(tacotron)].forEach((x) => x.release()) };
}

/**
 * The WaveRNN graphs (the vocoder thread's); `loop` overrides the manifest's `servedLoop`. The int8
 * loop comes with its own upsampler (frame-rate aux, the mel path as one ConvTranspose: faster, and
 * within 1e-6 of the exact one); the float32 loop keeps RTVC's stage-by-stage upsampler.
 */
export function openVocoderSessions(m: RtvcManifest, loop: VocoderLoop = m.servedLoop): Pick<RtvcSessions, 'wavernn' | 'release'> {
  const v = m.raw.vocoder;
  if (loop === 'int8' && !v.upsampleInt8) throw new ManifestError([`${join(m.dir, 'manifest.json')} vocoder.upsampleInt8: missing (imported by an older clonecast, import it again)`]);
  // the vocoder sees a different shape on nearly every call (rows x steps, chunk lengths): without
  // the arena its memory is freed instead of kept per shape (measured: 339 MB peak instead of 747)
  const varying = { enableCpuMemArena: false };
  const int8 = loop === 'int8';
  const upsample = openGraph(m, int8 ? v.upsampleInt8 : v.upsample, varying);
  const sampleLoop = openGraph(m, int8 ? v.sampleLoopInt8 : v.sampleLoop, varying);
  const wavernn: WavernnGraphs = { upsample, loop: sampleLoop, auxAtFrameRate: int8 };
  return { wavernn, release: () => (upsample.release(), sampleLoop.release()) };
}

/** Opens every graph; `loop` and `decoder` override the manifest's `servedLoop` and `servedDecoder`. */
export function openRtvcSessions(m: RtvcManifest, loop: VocoderLoop = m.servedLoop, decoder: DecoderStepKind = m.servedDecoder): RtvcSessions {
  const synth = openSynthesizerSessions(m, decoder);
  const voc = openVocoderSessions(m, loop);
  return { encoder: synth.encoder, tacotron: synth.tacotron, wavernn: voc.wavernn, release: () => (synth.release(), voc.release()) };
}
