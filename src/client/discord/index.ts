/** Discord integration: clonecast utterances as `@discordjs/voice` AudioResources (optional peer dependency). */
export { speakResource, utteranceResource, type UtteranceResourceOptions } from './audioResource.js';
export { DISCORD_OUTPUT, opusPacketStream, type OpusPacketStreamOptions, type OpusUtterance } from './opusPacketStream.js';
