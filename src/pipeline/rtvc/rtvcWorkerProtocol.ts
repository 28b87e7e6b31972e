/**
 * Messages between the RTVC pipeline (main thread) and its two inference workers (discriminated
 * unions): the `synthesizer` worker (speaker encoder, Tacotron) and the `vocoder` worker (WaveRNN),
 * so one chunk's mel is decoded while the previous one is vocoded, on the other core. Utterances
 * live in the workers and are pulled one chunk at a time, so a slow reader pauses synthesis and a
 * cancel (`end`) frees it at once.
 */
export type RtvcWorkerRole = 'synthesizer' | 'vocoder';

/** Main thread -> worker. `embed` and `mel-*` go to the synthesizer, `voc-*` to the vocoder. */
export type RtvcRequest =
  | { readonly kind: 'embed'; readonly id: number; readonly wav: Float32Array }
  | { readonly kind: 'mel-start'; readonly id: number; readonly utterance: number; readonly ids: Int32Array; readonly speaker: Float32Array; readonly seed: number }
  | { readonly kind: 'mel-next'; readonly id: number; readonly utterance: number }
  | { readonly kind: 'voc-start'; readonly id: number; readonly utterance: number; readonly seed: number }
  | { readonly kind: 'voc-push'; readonly id: number; readonly utterance: number; readonly mel: Float32Array; readonly final: boolean }
  | { readonly kind: 'end'; readonly utterance: number }
  /** Test only (honoured when `testHooks`): the worker's next `mel-next` / `voc-push` meets `fault`. */
  | { readonly kind: 'test-arm'; readonly id: number; readonly fault: 'crash' | 'exit' | 'throw' }
  | { readonly kind: 'shutdown' };

/** Worker -> main thread; every reply carries the id of its request. */
export type RtvcResponse =
  | { readonly kind: 'ready' }
  | { readonly kind: 'load-failed'; readonly message: string; readonly problems?: readonly string[] }
  | { readonly kind: 'embedded'; readonly id: number; readonly embedding: Float32Array; readonly windows: number }
  | { readonly kind: 'started'; readonly id: number }
  | { readonly kind: 'mel'; readonly id: number; readonly mel: Float32Array; readonly final: boolean; readonly synthSeconds: number }
  | { readonly kind: 'piece'; readonly id: number; readonly samples: Float32Array; readonly final: boolean; readonly vocodeSeconds: number }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };

/** `workerData` of an RTVC worker. */
export interface RtvcWorkerData {
  readonly modelsDir: string;
  readonly role: RtvcWorkerRole;
  /** CLONECAST_TEST_HOOKS=1 when the pipeline was created: only then is `test-arm` honoured. */
  readonly testHooks: boolean;
}
