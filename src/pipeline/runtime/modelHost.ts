/**
 * The models of one thread: the manifest's ONNX sessions by role plus the vocoder engine. Used by each
 * inference worker and, without threads, by the in-process client. All calls are synchronous.
 */
import type { ModelManifest, TensorShapes } from './modelManifest.js';
import { createOnnxSession, type OnnxSession, type OnnxValueInfo } from './onnxRuntime.js';
import { RuntimeError } from './errors.js';
import type { ModelKey, Tensor, VocodeRequest, VocodeResult } from './tasks.js';

/** What the host needs of src/pipeline/vocoder's engine (`createVocoder(modelsDir, manifest)`). */
export interface VocoderEngine {
  /** 'native' | 'onnx-loop' | 'griffin-lim' | ... */
  readonly engine: string;
  vocode(request: VocodeRequest): VocodeResult;
  /** Chunks of several streams in one call (each result equals `vocode` of its request). */
  vocodeBatch?(requests: readonly VocodeRequest[]): VocodeResult[];
}

export interface ModelHost {
  /** Engine name of the vocoder, or `unavailable: <why>`. */
  readonly vocoderEngine: string;
  /** @throws Error naming the model and the problem. */
  run(model: ModelKey, feeds: Readonly<Record<string, Tensor>>): Record<string, Tensor>;
  /** @throws RuntimeError `vocoder_unavailable` when no engine could be created. */
  vocode(request: VocodeRequest): VocodeResult;
  /**
   * Several streams' chunks at once (the engine batches them). If the batch call fails, each request
   * is retried alone, so one bad request fails only itself. Returns a result or an error per request.
   */
  vocodeBatch(requests: readonly VocodeRequest[]): (VocodeResult | Error)[];
  /**
   * Runs every model once on a small made-up input, so the first real request does not pay for
   * ORT's and the vocoder's lazy initialisation. @throws Error naming the model that failed.
   */
  warmUp(): void;
  close(): void;
}

/**
 * Creates the sessions and the vocoder. Each session's input and output names are checked against
 * the manifest, so a model exported with other names fails here, naming its file.
 */
export async function loadModelHost(manifest: ModelManifest): Promise<ModelHost> {
  const graphs: Record<ModelKey, { path: string; inputs: TensorShapes; outputs: TensorShapes }> = {
    encoder: { path: manifest.encoder.file.path, inputs: manifest.encoder.inputs, outputs: manifest.encoder.outputs },
    synthEncoder: { path: manifest.synthesizer.encoder.file.path, ...manifest.synthesizer.encoder },
    synthDecoder: { path: manifest.synthesizer.decoder.file.path, ...manifest.synthesizer.decoder },
  };
  const sessions = {} as Record<ModelKey, OnnxSession>;
  for (const key of Object.keys(graphs) as ModelKey[]) {
    const graph = graphs[key];
    const session = createOnnxSession(graph.path);
    checkNames(graph.path, 'input', session.inputs.map((i) => i.name), Object.keys(graph.inputs));
    checkNames(graph.path, 'output', session.outputs.map((o) => o.name), Object.keys(graph.outputs));
    sessions[key] = session;
  }
  const vocoder = await loadVocoder(manifest);
  return {
    vocoderEngine: 'engine' in vocoder ? vocoder.engine : `unavailable: ${vocoder.unavailable}`,
    run(model, feeds) {
      const session = sessions[model];
      if (!session) throw new Error(`unknown model "${model}" (models: ${Object.keys(sessions).join(', ')})`);
      return session.runSync(feeds);
    },
    vocode(request) {
      if (!('engine' in vocoder)) throw new RuntimeError('vocoder_unavailable', `vocoder unavailable: ${vocoder.unavailable}`);
      return vocoder.vocode(request);
    },
    vocodeBatch(requests) {
      if (!('engine' in vocoder)) return requests.map(() => new RuntimeError('vocoder_unavailable', `vocoder unavailable: ${vocoder.unavailable}`));
      if (vocoder.vocodeBatch && requests.length > 1) {
        try {
          return vocoder.vocodeBatch(requests);
        } catch {
          // fall through: find out which request is at fault
        }
      }
      return requests.map((r) => {
        try {
          return vocoder.vocode(r);
        } catch (err) {
          return err as Error;
        }
      });
    },
    warmUp() {
      for (const [key, session] of Object.entries(sessions)) {
        try {
          session.runSync(Object.fromEntries(session.inputs.map((input) => [input.name, warmUpTensor(input)])));
        } catch (err) {
          throw new Error(`warm-up of ${key} failed: ${(err as Error).message}`);
        }
      }
      if ('engine' in vocoder) {
        const nMels = manifest.features[manifest.synthesizer.features].nMels;
        vocoder.vocode({ mel: new Float32Array(WARM_UP_FRAMES * nMels).fill(-5), frames: WARM_UP_FRAMES, final: true, state: null, seed: 0 });
      }
    },
    close() {
      for (const s of Object.values(sessions)) s.release();
    },
  };
}

/** Length of dynamic axes (after the batch axis) and mel frames in warm-up inputs. */
const WARM_UP_FRAMES = 8;

/** A small valid input: batch 1, dynamic axes WARM_UP_FRAMES long; floats 0, integers 1 (a real symbol id). */
function warmUpTensor(input: OnnxValueInfo): Tensor {
  const dims = input.shape.map((d, axis) => (typeof d === 'number' && d > 0 ? d : axis === 0 ? 1 : WARM_UP_FRAMES));
  const size = dims.reduce((a, b) => a * b, 1);
  switch (input.type) {
    case 'int64':
      return { type: 'int64', data: new BigInt64Array(size).fill(1n), dims };
    case 'int32':
      return { type: 'int32', data: new Int32Array(size).fill(1), dims };
    default:
      return { type: 'float32', data: new Float32Array(size), dims };
  }
}

function checkNames(path: string, what: string, actual: readonly string[], expected: readonly string[]): void {
  const missing = expected.filter((n) => !actual.includes(n));
  if (missing.length > 0) {
    throw new Error(`${path}: manifest names ${what}(s) ${missing.join(', ')} but the model has ${actual.join(', ')}`);
  }
}

/**
 * The vocoder module (engineer C's src/pipeline/vocoder) is loaded by URL so the runtime still starts,
 * with a clear 'vocoder unavailable' failure per request, when that module or its weights are absent.
 */
async function loadVocoder(manifest: ModelManifest): Promise<VocoderEngine | { unavailable: string }> {
  const url = new URL('../vocoder/index.js', import.meta.url).href;
  let mod: { createVocoder?: (modelsDir: string, manifest: ModelManifest) => Promise<VocoderEngine> };
  try {
    mod = await import(url);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes('vocoder')) return { unavailable: 'src/pipeline/vocoder is not built' };
    return { unavailable: `cannot load src/pipeline/vocoder (${e.message})` };
  }
  if (typeof mod.createVocoder !== 'function') return { unavailable: 'src/pipeline/vocoder exports no createVocoder' };
  try {
    return await mod.createVocoder(manifest.dir, manifest);
  } catch (err) {
    return { unavailable: (err as Error).message };
  }
}
