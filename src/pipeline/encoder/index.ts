/** Speaker encoder stage: reference audio -> voice embedding, incrementally or whole. */
export { embedderConfigFromManifest, validateEmbedderConfig, type EmbedderConfig } from './embedderConfig.js';
export { embedWhole, type WholeEmbedding } from './embedWhole.js';
export { cosine } from './partials.js';
export {
  slidingWindowEmbedder, type EmbeddingUpdate, type SlidingWindowEmbedder, type SlidingWindowEmbedderOptions,
} from './slidingWindowEmbedder.js';
export { selectSpeechFrames } from './vad.js';
