// Builds the native vocoder addon (run by `npm install`; never fails the install). Uses the Node
// headers installed beside the running node when present (no download needed), else lets node-gyp
// fetch them. Without a compiler or headers the vocoder runs on its ONNX Loop fallback.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = dirname(dirname(process.execPath));
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;

function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  for (const base of [here, dirname(process.execPath)]) {
    try {
      return createRequire(join(base, 'x.js')).resolve('node-gyp/bin/node-gyp.js');
    } catch {}
  }
  const npmBundled = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(npmBundled) ? npmBundled : null;
}

const gyp = nodeGyp();
if (!gyp) {
  console.warn('clonecast: node-gyp not found; native vocoder not built, the ONNX fallback will be used');
  process.exit(0);
}
const args = [gyp, 'rebuild', '-C', here, ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (result.status !== 0) {
  console.warn('clonecast: native vocoder not built; the ONNX fallback will be used');
}
process.exit(0);
