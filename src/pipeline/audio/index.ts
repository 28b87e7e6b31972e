/** DSP shared by the pipeline stages: FFT, STFT, log-mel features, resampling, WAV. */
export { ComplexFft, RealFft } from './fft.js';
export { FeatureSpecError, frameCount, validateFeatureSpec, type FeatureSpec } from './featureSpec.js';
export { computeLogMel, createLogMelExtractor, type LogMelExtractor, type LogMelFrames } from './logMel.js';
export { denseFilterbank, hzToMelSlaney, melFilterbank, melToHzSlaney, type MelFilterbank } from './melFilterbank.js';
export { Deemphasis, Preemphasis } from './preemphasis.js';
export { createResampler, MAX_RATE, MIN_RATE, resample, SampleRateError, type Resampler, type ResamplerOptions } from './resampler.js';
export { Stft, type Spectrogram } from './stft.js';
export { floatToInt16, int16ToFloat, readWav, toMono, WavError, writeWav, type WavAudio } from './wav.js';
export { periodicHann } from './window.js';
