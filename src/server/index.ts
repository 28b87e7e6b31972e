/** The clonecast server (docs/protocol.md): start it, and the protocol types clients share. */
export { startServer, type RunningServer, type ServerOptions, type ServerStats } from './server.js';
export { DEFAULT_LIMITS, type Limits } from './limits.js';
export { CloseCode, ERROR_CODES, type ErrorCode } from './errors.js';
export * from './protocol.js';
