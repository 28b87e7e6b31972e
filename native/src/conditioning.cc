#include "conditioning.h"

#include <algorithm>

#include "matmul.h"

namespace clonecast {
namespace {

// Valid 1-d convolution over rows as `kernel` shifted matrix products, then leaky ReLU.
void convLeaky(const float* x, int in, int rows, const std::vector<float>& w, const std::vector<float>& b, int out, int kernel,
               float* y) {
  for (int r = 0; r < rows; r++) std::copy(b.begin(), b.end(), y + static_cast<size_t>(r) * out);
  for (int k = 0; k < kernel; k++) matmulAcc(x + static_cast<size_t>(k) * in, rows, in, w.data() + static_cast<size_t>(k) * in * out, out, y);
  for (size_t i = 0; i < static_cast<size_t>(rows) * out; i++) y[i] = y[i] >= 0.0f ? y[i] : 0.1f * y[i];
}

}  // namespace

std::vector<float> reorderConv(const float* w, int out, int in, int k) {
  std::vector<float> r(static_cast<size_t>(out) * in * k);
  for (int o = 0; o < out; o++)
    for (int i = 0; i < in; i++)
      for (int j = 0; j < k; j++) r[(static_cast<size_t>(j) * in + i) * out + o] = w[(static_cast<size_t>(o) * in + i) * k + j];
  return r;
}

void conditionFrames(const CondWeights& w, const float* mel, int rows, float* out) {
  const int rows1 = rows - w.kernel1 + 1, rows2 = rows1 - w.kernel2 + 1, C = w.channels;
  if (rows2 <= 0) return;
  std::vector<float> h1(static_cast<size_t>(rows1) * C), h2(static_cast<size_t>(rows2) * C);
  convLeaky(mel, w.nMels, rows1, w.conv1, w.conv1b, C, w.kernel1, h1.data());
  convLeaky(h1.data(), C, rows2, w.conv2, w.conv2b, C, w.kernel2, h2.data());
  for (int r = 0; r < rows2; r++) std::copy(w.condB.begin(), w.condB.end(), out + static_cast<size_t>(r) * w.condDim);
  matmulAcc(h2.data(), rows2, C, w.condW.data(), w.condDim, out);
}

}  // namespace clonecast
