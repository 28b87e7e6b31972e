// Runs models/encoder.onnx (or argv[2]) in Node with onnxruntime-node, as the server does.
// Usage: node run_encoder_onnx.mjs MODEL.onnx [INPUT.json]
// INPUT.json: {"batch": B, "mels": [B*160*40 floats]}; without it, a batch of 2 zero-and-ramp partials.
// Prints {"dims": [...], "embedding": [...]} as JSON on stdout.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const [modelPath, inputPath] = process.argv.slice(2);
const input = inputPath
  ? JSON.parse(readFileSync(inputPath, 'utf8'))
  : { batch: 2, mels: Array.from({ length: 2 * 160 * 40 }, (_, i) => -8 + (i % 40) * 0.1) };
const session = await ort.InferenceSession.create(modelPath);
const mels = new ort.Tensor('float32', Float32Array.from(input.mels), [input.batch, 160, 40]);
const out = await session.run({ mels });
const embedding = out.embedding;
process.stdout.write(JSON.stringify({ dims: embedding.dims, embedding: Array.from(embedding.data) }));
