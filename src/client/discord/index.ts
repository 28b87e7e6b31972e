/** Discord integration: clonecast utterances as `@discordjs/voice` AudioResources (optional peer dependency). */
export { DISCORD_OUTPUT, speakResource, utteranceResource, type UtteranceResourceOptions } from './audioResource.js';
export { opusPacketStream, type OpusPacketStreamOptions, type OpusUtterance } from './opusPacketStream.js';
