/**
 * The sample loop in the C++ addon (native/, built by `npm install` with node-gyp). When the addon
 * was not built (no compiler, failed build) or CLONECAST_NATIVE_VOCODER=0, this returns null and
 * the vocoder falls back to the ONNX Loop engine.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { muLawTable } from './mulaw.js';
import type { LoopState, SampleLoop } from './sampleLoop.js';
import type { VocoderModel } from './vocoderModel.js';

/** The addon interface this module speaks (addon.cc's kInterfaceVersion). */
const INTERFACE_VERSION = 2;

/** The addon's exports (native/src/addon.cc). */
interface NativeAddon {
  readonly interfaceVersion?: number;
  createLoop(weights: {
    hidden1: number; hidden2: number; fc: number; classes: number; hop: number; order: number; interp: Float32Array;
    nMels: number; channels: number; kernel1: number; kernel2: number;
    conv1W: Float32Array; conv1B: Float32Array; conv2W: Float32Array; conv2B: Float32Array; condW: Float32Array; condB: Float32Array;
    /** [classes] each class's decoded value (mulaw.ts, rounded to float32 as the ONNX graph's table). */
    decode: Float32Array;
    embed: Float32Array; embedPred: Float32Array;
    gruWi: Float32Array; gruWh: Float32Array; gruBh: Float32Array; fc1W: Float32Array; fc1B: Float32Array; fc2W: Float32Array; fc2B: Float32Array;
  }): object;
  condition(loop: object, mel: Float32Array, rows: number, out: Float32Array): void;
  run(loop: object, condRows: Float32Array, lpcRows: Float32Array, blocks: number, uniform: Float32Array, streams: number,
    h1: Float32Array, h2: Float32Array, prev: Int32Array, hist: Float32Array, out: Int32Array): void;
}

const ADDON = join('native', 'build', 'Release', 'clonecast_vocoder.node');

/** Path of the built addon: searched upwards from this module (src/ or dist/src/), null if absent. */
export function nativeAddonPath(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const candidate = join(dir, ADDON);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return null;
}

let addon: NativeAddon | null | undefined;

function loadAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  if (process.env.CLONECAST_NATIVE_VOCODER === '0') return addon;
  const path = nativeAddonPath();
  if (!path) return addon;
  try {
    const loaded = createRequire(import.meta.url)(path) as NativeAddon;
    if (loaded.interfaceVersion === INTERFACE_VERSION) addon = loaded;
    else {
      // Built from older sources (npm install rebuilds it): its run() takes other arguments.
      process.emitWarning(`clonecast: native vocoder at ${path} is a stale build (interface ${loaded.interfaceVersion ?? 1}, ` +
        `expected ${INTERFACE_VERSION}; npm run build:native rebuilds it), using the ONNX fallback`);
    }
  } catch (err) {
    // A stale or foreign build (other Node ABI, other CPU): fall back, but say why once.
    process.emitWarning(`clonecast: native vocoder at ${path} not loadable, using the ONNX fallback (${(err as Error).message})`);
  }
  return addon;
}

/** @param interp Conditioning.interp, so the addon interpolates exactly as the ONNX path does */
export function loadNativeSampleLoop(model: VocoderModel, interp: Float32Array): SampleLoop | null {
  const native = loadAddon();
  if (!native) return null;
  const { dims, weights: w } = model;
  const handle = native.createLoop({
    hidden1: dims.hidden1, hidden2: dims.hidden2, fc: dims.fc, classes: dims.classes, hop: dims.hop, order: dims.lpcOrder, interp,
    decode: Float32Array.from(muLawTable(dims.muBits)), embed: w.embed, embedPred: w.embedPred, gruWi: w.gruWi, gruWh: w.gruWh, gruBh: w.gruBh, fc1W: w.fc1W, fc1B: w.fc1B, fc2W: w.fc2W, fc2B: w.fc2B,
    nMels: dims.nMels, channels: dims.condChannels, kernel1: dims.kernel1, kernel2: dims.kernel2,
    conv1W: w.conv1W, conv1B: w.conv1B, conv2W: w.conv2W, conv2B: w.conv2B, condW: w.condW, condB: w.condB,
  });
  const context = (dims.kernel1 - 1) / 2 + (dims.kernel2 - 1) / 2;
  return {
    engine: 'native',
    run(condRows: Float32Array, lpcRows: Float32Array, blocks: number, uniform: Float32Array, streams: number, state: LoopState): Int32Array {
      const out = new Int32Array(blocks * dims.hop * streams);
      native.run(handle, condRows, lpcRows, blocks, uniform, streams, state.h1, state.h2, state.prev, state.hist, out);
      return out;
    },
    conditionFrames(mel: Float32Array, rows: number): Float32Array {
      const out = new Float32Array(Math.max(0, rows - 2 * context) * dims.condDim);
      native.condition(handle, mel, rows, out);
      return out;
    },
  };
}
