// Protocol v1 over the browser's WebSocket (docs/protocol.md): JSON control messages, binary
// reference PCM up, binary audio frames (10-byte header + payload) down.

/** Parses one server audio frame: { utterance, sequence, last, pcm, payload }. */
export function parseAudioFrame(buffer) {
  const view = new DataView(buffer);
  const flags = view.getUint8(1);
  return {
    utterance: view.getUint32(2, true),
    sequence: view.getUint32(6, true),
    last: (flags & 1) !== 0,
    pcm: (flags & 2) !== 0,
    payload: new Uint8Array(buffer, 10),
  };
}

/**
 * Opens `/v1/stream` on the page's own server. `handlers.message(m)` gets every JSON message,
 * `handlers.frame(f)` every audio frame, `handlers.close(code)` the end. Resolves with the session
 * once `hello` arrived.
 */
export function openSession(handlers) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/v1/stream`);
  ws.binaryType = 'arraybuffer';
  return new Promise((resolve, reject) => {
    const session = {
      hello: null,
      send: (message) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(message)),
      sendPcm: (int16) => ws.readyState === WebSocket.OPEN && ws.send(int16),
      close: () => ws.close(1000),
      get open() {
        return ws.readyState === WebSocket.OPEN;
      },
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return handlers.frame(parseAudioFrame(event.data));
      const message = JSON.parse(event.data);
      if (message.type === 'hello') {
        session.hello = message;
        resolve(session);
      }
      handlers.message(message);
    };
    ws.onclose = (event) => {
      reject(new Error(`connection closed (${event.code})`));
      handlers.close(event.code);
    };
  });
}
