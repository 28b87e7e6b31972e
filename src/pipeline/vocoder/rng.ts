/**
 * The sampler's seeded uniform generator (mulberry32): 32 bits of state, so it travels inside the
 * stream state; both engines take the uniforms drawn here (and training/clonecast_train/vocoder/reference.py
 * draws the same ones with its mulberry32).
 */

/** Advances `state` and returns [next state, uniform in [0, 1) with 24 bits (exact in float32)]. */
export function nextUniform(state: number): [number, number] {
  const s = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(s ^ (s >>> 15), s | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const r = (t ^ (t >>> 14)) >>> 0;
  return [s >>> 0, (r >>> 8) / 16777216];
}

/**
 * Fills `out[offset + i*stride]` for i < count with uniforms; returns the advanced state.
 * The stride lets one call fill one stream's column of an [N, B] batch.
 */
export function fillUniforms(state: number, out: Float32Array, count: number, offset = 0, stride = 1): number {
  let s = state;
  for (let i = 0; i < count; i++) {
    const [next, u] = nextUniform(s);
    s = next;
    out[offset + i * stride] = u;
  }
  return s;
}
