// Register-tiled matrix products shared by the sample loop and the conditioning net.
// Each output element is accumulated in the same order (i = 0 .. in-1) whatever the tile shape, so
// a row's result does not depend on how many rows are computed together.
#pragma once

#include <cstddef>

namespace clonecast {

// acc[b][o0 .. o0+T) += sum_i x[b][i] * W[i][o0 ..] for NB rows of x: the NB x T accumulators stay in
// registers over the whole i loop (one weight load per NB FMAs, no stores until the end). NB*T/16 >= 8
// independent accumulator chains hide the FMA latency (4 cycles, 2 per cycle).
template <int NB, int T>
inline void tileKernel(const float* __restrict x, int in, const float* __restrict W, int out, int o0, float* __restrict acc) {
  float a[NB][T];
  for (int b = 0; b < NB; b++)
    for (int o = 0; o < T; o++) a[b][o] = acc[static_cast<size_t>(b) * out + o0 + o];
  for (int i = 0; i < in; i++) {
    const float* __restrict row = W + static_cast<size_t>(i) * out + o0;
    for (int b = 0; b < NB; b++) {
      const float v = x[b * in + i];
      for (int o = 0; o < T; o++) a[b][o] += v * row[o];
    }
  }
  for (int b = 0; b < NB; b++)
    for (int o = 0; o < T; o++) acc[static_cast<size_t>(b) * out + o0 + o] = a[b][o];
}

// acc[b][o] += sum_i x[b][i] * W[i][o] for B rows of x (row-major, W [in][out]).
inline void matmulAcc(const float* __restrict x, int B, int in, const float* __restrict W, int out, float* __restrict acc) {
  int b0 = 0;
  for (; b0 + 4 <= B; b0 += 4)
    for (int o0 = 0; o0 + 64 <= out; o0 += 64) tileKernel<4, 64>(x + b0 * in, in, W, out, o0, acc + static_cast<size_t>(b0) * out);
  for (; b0 + 2 <= B; b0 += 2)
    for (int o0 = 0; o0 + 64 <= out; o0 += 64) tileKernel<2, 64>(x + b0 * in, in, W, out, o0, acc + static_cast<size_t>(b0) * out);
  for (; b0 < B; b0++)
    for (int o0 = 0; o0 + 128 <= out; o0 += 128) tileKernel<1, 128>(x + b0 * in, in, W, out, o0, acc + static_cast<size_t>(b0) * out);
  // Columns the tiles did not cover (widths that are not a multiple of 128 for single rows, 64 for pairs).
  const int tiledPairs = out - out % 64, tiledSingle = out - out % 128;
  for (int b = 0; b < B; b++) {
    const int from = b < B - B % 2 ? tiledPairs : tiledSingle;
    for (int i = 0; i < in; i++)
      for (int o = from; o < out; o++) acc[static_cast<size_t>(b) * out + o] += x[b * in + i] * W[static_cast<size_t>(i) * out + o];
  }
}

}  // namespace clonecast
