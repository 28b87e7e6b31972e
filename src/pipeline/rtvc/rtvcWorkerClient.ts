/**
 * The main thread's handle on one RTVC worker (rtvcWorker.ts): starts it, resolves `ready` when
 * its graphs are open (ManifestError if not), and turns requests into promises of their replies.
 */
import { Worker } from 'node:worker_threads';
import { ManifestError } from '../runtime/modelManifest.js';
import type { RtvcRequest, RtvcResponse, RtvcWorkerData, RtvcWorkerRole } from './rtvcWorkerProtocol.js';

type Pending = { resolve: (r: RtvcResponse) => void; reject: (e: Error) => void };

/** A request the worker answers (everything but fire-and-forget `end` / `shutdown`), without its id. */
export type RtvcCall = Exclude<RtvcRequest, { kind: 'end' | 'shutdown' }> extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** One worker thread of a role; `call` sends a request and resolves with its reply. */
export class RtvcWorkerClient {
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private up = false;
  private exited = false;
  private closing = false;

  /** `onCrash` runs when the worker ends on its own after loading (not after `close`). */
  constructor(modelsDir: string, readonly role: RtvcWorkerRole, testHooks: boolean, onCrash?: () => void) {
    this.worker = new Worker(new URL('./rtvcWorker.js', import.meta.url), { workerData: { modelsDir, role, testHooks } satisfies RtvcWorkerData });
    this.worker.on('error', () => undefined); // an uncaught error in the worker: reported by 'exit'
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (msg: RtvcResponse) => {
        if (msg.kind === 'ready') {
          this.up = true;
          resolve();
        } else if (msg.kind === 'load-failed') reject(new ManifestError(msg.problems ?? [msg.message]));
        else {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.kind === 'failed') p?.reject(Object.assign(new Error(msg.message), { code: 'inference_failed' }));
          else p?.resolve(msg);
        }
      });
      this.worker.on('exit', (code) => {
        const wasUp = this.up;
        this.up = false;
        this.exited = true;
        reject(new Error(`the RTVC ${role} worker exited (${code}) before loading`));
        for (const p of this.pending.values()) p.reject(Object.assign(new Error(`the RTVC ${role} worker exited (${code})`), { code: 'worker_crashed' }));
        this.pending.clear();
        if (wasUp && !this.closing) onCrash?.();
      });
    });
    this.ready.catch(() => undefined);
  }

  get isUp(): boolean {
    return this.up;
  }

  call(req: RtvcCall): Promise<RtvcResponse> {
    if (this.exited) return Promise.reject(Object.assign(new Error(`the RTVC ${this.role} worker has exited`), { code: 'worker_crashed' }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  /** Drops an utterance's state in the worker. */
  end(utterance: number): void {
    if (!this.exited) this.worker.postMessage({ kind: 'end', utterance } satisfies RtvcRequest);
  }

  /** Lets the worker release its graphs and exit (terminating it mid-run would abort the process). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.exited) return;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage({ kind: 'shutdown' } satisfies RtvcRequest);
    await exited;
  }
}
