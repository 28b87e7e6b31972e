/** Text front end: normalisation (english-v1), symbol mapping, streamed sentence splitting. */
export { ENGLISH_V1, hasLetters, normalizeEnglish } from './normalize.js';
export { SymbolTable, TextError, NORMALIZERS, type TextErrorCode } from './symbols.js';
export { SentenceBuffer, type SentenceBufferOptions } from './sentenceBuffer.js';
