/**
 * A raw protocol v1 client for server tests: a real `ws` socket that records every message in
 * arrival order and lets a test await the next one. Waits have a generous hang guard (a test
 * that would hang fails with a message instead); no test asserts on timing.
 */
import WebSocket from 'ws';
import { decodeAudioFrame, type AudioFrame, type ServerMessage } from '../../src/server/protocol.js';

const HANG_GUARD_MS = 120_000;

export type Received = { readonly kind: 'json'; readonly msg: ServerMessage & Record<string, any> } | { readonly kind: 'audio'; readonly frame: AudioFrame };

export class TestClient {
  readonly received: Received[] = [];
  private cursor = 0;
  private wake: (() => void) | null = null;
  closeCode: number | null = null;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const bytes = data as Buffer;
      this.received.push(
        isBinary
          ? { kind: 'audio', frame: decodeAudioFrame(new Uint8Array(bytes)) }
          : { kind: 'json', msg: JSON.parse(bytes.toString('utf8')) },
      );
      this.poke();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        this.poke();
        resolve(code);
      }),
    );
  }

  /** Connects to `ws://127.0.0.1:port/v1/stream` and waits for `hello`. */
  static async connect(port: number, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`, options);
    const client = new TestClient(ws); // listen before 'open': hello may arrive in the same read
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await client.next('hello');
    return client;
  }

  json(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  binary(bytes: Uint8Array): void {
    this.ws.send(bytes, { binary: true });
  }

  /**
   * The next JSON message (of `type`, if given), skipping audio frames and other types.
   * Rejects if the socket closes first.
   */
  async next(type?: string): Promise<ServerMessage & Record<string, any>> {
    for (;;) {
      const item = await this.nextItem();
      if (item.kind === 'json' && (type === undefined || item.msg.type === type)) return item.msg;
    }
  }

  /** The next error event; asserts nothing itself. */
  async nextError(): Promise<{ code: string; message: string; id?: string }> {
    return (await this.next('error')) as never;
  }

  /** Every audio frame received so far for an utterance index. */
  frames(utterance: number): AudioFrame[] {
    return this.received.flatMap((r) => (r.kind === 'audio' && r.frame.utterance === utterance ? [r.frame] : []));
  }

  /** Messages of one type received so far. */
  all(type: string): (ServerMessage & Record<string, any>)[] {
    return this.received.flatMap((r) => (r.kind === 'json' && r.msg.type === type ? [r.msg] : []));
  }

  /** Waits until `predicate()` holds (checked after every arrival), without consuming messages. */
  async until(predicate: () => boolean): Promise<void> {
    const deadline = Date.now() + HANG_GUARD_MS;
    while (!predicate()) {
      if (this.closeCode !== null) throw new Error(`socket closed (${this.closeCode}) while waiting`);
      if (Date.now() > deadline) throw new Error('hang guard: condition never held');
      await this.arrival();
    }
  }

  close(): void {
    this.ws.close();
  }

  private arrival(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      setTimeout(resolve, 1000).unref();
    });
  }

  private async nextItem(): Promise<Received> {
    const deadline = Date.now() + HANG_GUARD_MS;
    for (;;) {
      const item = this.received[this.cursor];
      if (item !== undefined) {
        this.cursor += 1;
        return item;
      }
      if (this.closeCode !== null) throw new Error(`socket closed (${this.closeCode}) while waiting for a message`);
      if (Date.now() > deadline) throw new Error('hang guard: no message arrived');
      await this.arrival();
    }
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
