/**
 * Messages between the RTVC pipeline (main thread) and its inference worker (discriminated unions).
 * Utterances live in the worker and are pulled one piece at a time (`next`), so a slow reader
 * pauses synthesis and a cancel (`end`) frees it at once.
 */
export type RtvcRequest =
  | { readonly kind: 'embed'; readonly id: number; readonly wav: Float32Array }
  | { readonly kind: 'start'; readonly id: number; readonly utterance: number; readonly ids: Int32Array; readonly speaker: Float32Array; readonly seed: number }
  | { readonly kind: 'next'; readonly id: number; readonly utterance: number }
  | { readonly kind: 'end'; readonly utterance: number }
  | { readonly kind: 'shutdown' };

export type RtvcResponse =
  | { readonly kind: 'ready' }
  | { readonly kind: 'load-failed'; readonly message: string; readonly problems?: readonly string[] }
  | { readonly kind: 'embedded'; readonly id: number; readonly embedding: Float32Array; readonly windows: number }
  | { readonly kind: 'started'; readonly id: number }
  | { readonly kind: 'piece'; readonly id: number; readonly samples: Float32Array; readonly final: boolean; readonly synthSeconds: number; readonly vocodeSeconds: number }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };

export interface RtvcWorkerData {
  readonly modelsDir: string;
}
