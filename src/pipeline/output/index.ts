/** Audio output: 16 kHz float -> 20 ms Opus packets or raw PCM frames. */
export { createAudioEncoder, PIPELINE_SAMPLE_RATE, type AudioEncoder } from './audioEncoder.js';
export { OpusFrameEncoder, OpusPacketDecoder, OpusFrameError } from './opusCodec.js';
export {
  FRAME_MS, OPUS_SAMPLE_RATE, PCM_SAMPLE_RATES, OutputConfigError, samplesPerFrame, validateOutputConfig,
  type OutputConfig, type OutputFormat,
} from './outputFormat.js';
