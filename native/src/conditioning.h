// The vocoder's conditioning net (mel rows -> per-frame pre-activations), the same arithmetic as
// src/pipeline/vocoder/conditioning.ts in float32: conv (k1) -> leaky ReLU 0.1 -> conv (k2) -> leaky
// ReLU -> linear. Valid convolutions: `rows` mel rows give rows - (k1 - 1) - (k2 - 1) output rows.
#pragma once

#include <vector>

namespace clonecast {

struct CondWeights {
  int nMels, channels, kernel1, kernel2, condDim;
  std::vector<float> conv1;  // [kernel1][nMels][channels] (reordered from [out][in][k])
  std::vector<float> conv1b;
  std::vector<float> conv2;  // [kernel2][channels][channels]
  std::vector<float> conv2b;
  std::vector<float> condW;  // [channels][condDim]
  std::vector<float> condB;
};

// Reorders a conv weight [out][in][k] to [k][in][out].
std::vector<float> reorderConv(const float* w, int out, int in, int k);

// mel [rows][nMels] -> out [rows - k1 - k2 + 2][condDim].
void conditionFrames(const CondWeights& w, const float* mel, int rows, float* out);

}  // namespace clonecast
