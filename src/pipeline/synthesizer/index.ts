/** Synthesizer stage: symbols + voice -> mel chunks, decoded progressively. */
export { synthesizeMelChunks, type SynthesisPlan, type SynthesisRequest } from './chunkedSynthesizer.js';
export { frameDurations, regulateLength } from './lengthRegulator.js';
export { synthConfigFromManifest, validateSynthConfig, type SynthConfig } from './synthConfig.js';
export { SynthesisError, type SynthesisErrorCode } from './synthesisError.js';
