/**
 * Reads numpy `.npz` archives (zip of `.npy` files, stored or deflated, zip64 aware) for tests
 * that compare against goldens written by Python. Supports the dtypes the fixtures use.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface NpyArray {
  readonly dtype: 'f4' | 'f8' | 'i8' | 'i2' | 'u1' | 'i4';
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | BigInt64Array | Int16Array | Uint8Array | Int32Array;
}

/** name (without `.npy`) -> array. */
export function readNpz(path: string): Record<string, NpyArray> {
  const buf = readFileSync(path);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${path}: not a zip archive`);
  const entries = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out: Record<string, NpyArray> = {};
  for (let e = 0; e < entries; e++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${path}: bad central directory`);
    const method = buf.readUInt16LE(at + 10);
    let compressed = buf.readUInt32LE(at + 20);
    let uncompressed = buf.readUInt32LE(at + 24);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    let local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    // zip64 extra field: the 0xffffffff fields follow, in order
    for (let x = at + 46 + nameLen; x < at + 46 + nameLen + extraLen; ) {
      const id = buf.readUInt16LE(x);
      const size = buf.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let p = x + 4;
        if (uncompressed === 0xffffffff) (uncompressed = Number(buf.readBigUInt64LE(p))), (p += 8);
        if (compressed === 0xffffffff) (compressed = Number(buf.readBigUInt64LE(p))), (p += 8);
        if (local === 0xffffffff) local = Number(buf.readBigUInt64LE(p));
      }
      x += 4 + size;
    }
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataAt, dataAt + compressed);
    const npy = method === 8 ? inflateRawSync(raw) : method === 0 ? raw : null;
    if (!npy) throw new Error(`${path}: ${name} uses unsupported zip method ${method}`);
    out[name.replace(/\.npy$/, '')] = parseNpy(Buffer.from(npy), `${path}:${name}`);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

function parseNpy(b: Buffer, where: string): NpyArray {
  if (b.readUInt8(0) !== 0x93 || b.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${where}: not an .npy`);
  const major = b.readUInt8(6);
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([<>|=])(\w+)'/.exec(header);
  const shapeMatch = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shapeMatch) throw new Error(`${where}: unsupported header ${header}`);
  if (descr[1] === '>') throw new Error(`${where}: big-endian data`);
  const shape = shapeMatch[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const body = b.subarray(start + headerLen);
  const bytes = new Uint8Array(body.length);
  bytes.set(body);
  const ab = bytes.buffer;
  const dtype = descr[2] as NpyArray['dtype'];
  const make = {
    f4: () => new Float32Array(ab), f8: () => new Float64Array(ab), i8: () => new BigInt64Array(ab),
    i2: () => new Int16Array(ab), u1: () => new Uint8Array(ab), i4: () => new Int32Array(ab),
  }[dtype];
  if (!make) throw new Error(`${where}: unsupported dtype ${descr[2]}`);
  const data = make();
  return { dtype, shape, data: /'fortran_order':\s*True/.test(header) ? toRowMajor(data, shape) : data };
}

/** Column-major (Fortran) data -> the same array in row-major order. */
function toRowMajor<T extends NpyArray['data']>(data: T, shape: readonly number[]): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const fStrides = shape.map((_, k) => shape.slice(0, k).reduce((a, b) => a * b, 1));
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < data.length; i++) {
    let src = 0;
    for (let k = 0; k < shape.length; k++) src += idx[k] * fStrides[k];
    (out as unknown as number[])[i] = (data as unknown as number[])[src];
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Largest |a - b| over two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Float view of a numeric array (int64 converted). */
export function asNumbers(a: NpyArray): Float64Array {
  return a.data instanceof BigInt64Array ? Float64Array.from(a.data, Number) : Float64Array.from(a.data as ArrayLike<number>);
}
