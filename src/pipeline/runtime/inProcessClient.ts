/**
 * The `InferenceClient` without threads: the same models and vocoder as a worker, run on the calling
 * thread. For unit tests of other stages and for tools; the server uses the worker pool.
 */
import { loadModelHost } from './modelHost.js';
import { loadManifest, type ModelManifest } from './modelManifest.js';
import type { InferenceClient } from './tasks.js';

export interface InProcessClient extends InferenceClient {
  readonly manifest: ModelManifest;
  /** Vocoder engine name, or `unavailable: <why>`. */
  readonly vocoderEngine: string;
  close(): void;
}

/**
 * Loads and verifies the manifest of `modelsDir` (default: CLONECAST_MODELS, else <repo>/models) and
 * its models. Calls block the thread for the duration of the inference.
 * @throws ManifestError when the models directory is unusable.
 */
export async function createInProcessClient(modelsDir?: string): Promise<InProcessClient> {
  const manifest = await loadManifest(modelsDir);
  const host = await loadModelHost(manifest);
  return {
    manifest,
    vocoderEngine: host.vocoderEngine,
    run: async (model, feeds) => host.run(model, feeds),
    vocode: async (request) => host.vocode(request),
    close: () => host.close(),
  };
}
