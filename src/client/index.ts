/** The clonecast Node SDK: a typed client of the streaming protocol v1 (docs/protocol.md). */
export { CloneCastClient, type ConnectOptions, type EnrollOptions, type SpeakOptions } from './cloneCastClient.js';
export { CloneCastError } from './errors.js';
export { readReferenceWav, type ReferencePcm } from './referenceAudio.js';
export { say, SAY_OUTPUT_RATE, type SayOptions, type SayResult } from './say.js';
export { Speech } from './speech.js';
export type { AudioFrame, DoneMessage, EmbeddingMessage, OutputFormat, ReadyMessage, StartedMessage, VoiceSavedMessage } from '../server/protocol.js';
