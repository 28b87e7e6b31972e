// Runs synth_encoder.onnx and synth_decoder.onnx in Node with onnxruntime-node, as the server does,
// for the Python parity checks (python onnxruntime is not installed here).
// Usage: node run_onnx.mjs MODELS_DIR INPUT.json > OUTPUT.json
// INPUT.json: {"symbols": [N ints], "speaker": [256], "frames": [T*H floats], "hiddenDim": H,
//              "chunkFrames": K, "context": C}
// OUTPUT.json: {"hidden": [N*H], "durations": [N], "melWhole": [T*80], "melChunked": [T*80]}
// melChunked decodes frames [s, s+K) from input [max(0, s-C), min(T, s+K+C)) and keeps the middle.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [modelsDir, inputPath] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, 'utf8'));
const encoder = await ort.InferenceSession.create(join(modelsDir, 'synth_encoder.onnx'));
const decoder = await ort.InferenceSession.create(join(modelsDir, 'synth_decoder.onnx'));

const n = input.symbols.length;
const enc = await encoder.run({
  symbols: new ort.Tensor('int64', BigInt64Array.from(input.symbols.map(BigInt)), [1, n]),
  speaker: new ort.Tensor('float32', Float32Array.from(input.speaker), [1, input.speaker.length]),
});

const H = input.hiddenDim;
const frames = Float32Array.from(input.frames);
const T = frames.length / H;
async function decode(start, end) {
  const slice = frames.slice(start * H, end * H);
  const out = await decoder.run({ frames: new ort.Tensor('float32', slice, [1, end - start, H]) });
  return out.mel.data;
}
const melWhole = await decode(0, T);
const melChunked = new Float32Array(T * 80);
for (let s = 0; s < T; s += input.chunkFrames) {
  const e = Math.min(T, s + input.chunkFrames);
  const from = Math.max(0, s - input.context);
  const to = Math.min(T, e + input.context);
  const mel = await decode(from, to);
  melChunked.set(mel.subarray((s - from) * 80, (e - from) * 80), s * 80);
}
process.stdout.write(JSON.stringify({
  hidden: Array.from(enc.hidden.data), hiddenDims: enc.hidden.dims,
  durations: Array.from(enc.durations.data),
  melWhole: Array.from(melWhole), melChunked: Array.from(melChunked),
}));
