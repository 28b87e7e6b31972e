/**
 * The vocoder stage: synthMel chunks in, 16 kHz samples out, progressively per chunk with the
 * stream's state carried in the request (src/pipeline/runtime/tasks.ts). Engines:
 *  - 'native'     the clonecast-wavernn network in the C++ addon (native/), fastest;
 *  - 'onnx-loop'  the same network as an ONNX Loop graph, when the addon is not built;
 *  - 'griffin-lim' weightless phase reconstruction, always available (`engine: 'griffin-lim'`).
 */
import type { FeatureSpec } from '../audio/featureSpec.js';
import type { VocodeRequest, VocodeResult } from '../runtime/tasks.js';
import { Conditioning } from './conditioning.js';
import { VocoderError } from './errors.js';
import { GriffinLimVocoder, type GriffinLimOptions } from './griffinLim.js';
import { MelLpc } from './lpc.js';
import { loadNativeSampleLoop } from './nativeLoop.js';
import { NeuralVocoder } from './neuralVocoder.js';
import { OnnxSampleLoop } from './onnxLoop.js';
import { validateRequest } from './request.js';
import { loadVocoderModel, type VocoderFileEntry } from './vocoderModel.js';

export { VocoderError, type VocoderErrorCode } from './errors.js';
export { MAX_CHUNK_FRAMES } from './request.js';

export type VocoderEngine = 'native' | 'onnx-loop' | 'griffin-lim';

/** What createVocoder reads of the manifest (structurally a subset of runtime/modelManifest's ModelManifest). */
export interface VocoderManifest {
  readonly features: Readonly<Record<string, FeatureSpec>>;
  readonly vocoder?: Readonly<Record<string, unknown>>;
}

export interface Vocoder {
  /** The default engine: 'native', 'onnx-loop', or 'griffin-lim' when no vocoder weights are installed. */
  readonly engine: VocoderEngine;
  /**
   * Vocodes one chunk of one stream (synchronous: runs inside a worker). Returns the samples this
   * chunk completes (hop samples per frame, lagging the mel by the network's context until the
   * final chunk) and the state to send with the stream's next chunk.
   * @throws VocoderError `vocoder_bad_request` | `vocoder_bad_state`
   */
  vocode(req: VocodeRequest): VocodeResult;
  /**
   * Chunks of several streams (one each) in one go: the neural engines run streams whose chunks
   * complete the same number of samples as one batch. Each result equals vocode() of its request.
   */
  vocodeBatch(reqs: readonly VocodeRequest[]): VocodeResult[];
  release(): void;
}

export interface CreateVocoderOptions {
  /**
   * Force an engine (benchmarks, tests, operators via CLONECAST_VOCODER_ENGINE=native|onnx-loop|griffin-lim);
   * default: native if built, else onnx-loop, else griffin-lim.
   */
  readonly engine?: VocoderEngine;
  readonly griffinLim?: GriffinLimOptions;
}

/**
 * @param modelsDir directory of the manifest (file paths of the vocoder section are relative to it
 *   unless the loader added absolute `path`s)
 * @param manifest the parsed manifest; `features.synthMel` is required, `vocoder` optional
 * @throws VocoderError `vocoder_bad_model` (bad section or weights), `vocoder_unavailable` (forced engine cannot run)
 */
export async function createVocoder(modelsDir: string, manifest: VocoderManifest, options: CreateVocoderOptions = {}): Promise<Vocoder> {
  const spec = manifest.features.synthMel;
  if (!spec) throw new VocoderError('vocoder_bad_model', 'manifest has no features.synthMel (the vocoder input definition)');
  const griffinLim = new GriffinLimVocoder(spec, options.griffinLim);
  let neural: NeuralVocoder | null = null;
  let release = () => {};
  const wanted = options.engine ?? engineFromEnv();
  if (manifest.vocoder && wanted !== 'griffin-lim') {
    const model = loadVocoderModel(manifest.vocoder, modelsDir);
    if (model.dims.hop !== spec.hopLength || model.dims.nMels !== spec.nMels) {
      throw new VocoderError('vocoder_bad_model', `vocoder hop ${model.dims.hop} / ${model.dims.nMels} mels do not match synthMel (${spec.hopLength} / ${spec.nMels})`);
    }
    const weightsEntry = (manifest.vocoder.files as Record<string, VocoderFileEntry>).weights;
    const fingerprint = parseInt(weightsEntry.sha256.slice(0, 8), 16) >>> 0;
    const conditioning = new Conditioning(model.dims, model.weights);
    const native = wanted === 'onnx-loop' ? null : loadNativeSampleLoop(model, conditioning.interp);
    if (wanted === 'native' && !native) throw new VocoderError('vocoder_unavailable', 'the native vocoder addon is not built (npm run build:native)');
    const loop = native ?? new OnnxSampleLoop(model.loopPath, model.dims, conditioning);
    neural = new NeuralVocoder(model, conditioning, new MelLpc(spec, model.lpc), loop, fingerprint, spec.sampleRate);
    release = () => (loop instanceof OnnxSampleLoop ? loop.release() : undefined);
  } else if (wanted && wanted !== 'griffin-lim') {
    throw new VocoderError('vocoder_unavailable', `engine ${wanted} needs vocoder weights, and the manifest has no vocoder section`);
  }
  const pick = (req: VocodeRequest): NeuralVocoder | GriffinLimVocoder =>
    req.engine === 'griffin-lim' || !neural ? griffinLim : neural;
  return {
    engine: (neural?.engine ?? 'griffin-lim') as VocoderEngine,
    vocode(req) {
      validateRequest(req, spec.nMels);
      return pick(req).vocode(req);
    },
    vocodeBatch(reqs) {
      reqs.forEach((r) => validateRequest(r, spec.nMels));
      const results: VocodeResult[] = new Array(reqs.length);
      const batch = reqs.map((r, i) => [r, i] as const).filter(([r]) => pick(r) === neural);
      if (neural && batch.length) neural.vocodeBatch(batch.map(([r]) => r)).forEach((res, j) => (results[batch[j][1]] = res));
      reqs.forEach((r, i) => {
        if (!results[i]) results[i] = griffinLim.vocode(r);
      });
      return results;
    },
    release,
  };
}

/**
 * CLONECAST_VOCODER_ENGINE, when set, names the default engine. (CLONECAST_VOCODER is the server's
 * choice between the neural vocoder and Griffin-Lim; this one picks how the neural vocoder runs.)
 */
function engineFromEnv(): VocoderEngine | undefined {
  const value = process.env.CLONECAST_VOCODER_ENGINE;
  if (value === undefined || value === '') return undefined;
  const engines: readonly VocoderEngine[] = ['native', 'onnx-loop', 'griffin-lim'];
  if (!engines.includes(value as VocoderEngine)) {
    throw new VocoderError('vocoder_unavailable', `CLONECAST_VOCODER_ENGINE must be one of ${engines.join(', ')} (got "${value}")`);
  }
  return value as VocoderEngine;
}
