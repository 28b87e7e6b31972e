// N-API binding of the vocoder sample loop (plain C API, no dependencies beyond Node's headers).
//
//   const loop = addon.createLoop({ hidden1, hidden2, fc, classes, hop, order, interp, embed, embedPred, decode, gruWi, gruWh,
//                                   gruBh, fc1W, fc1B, fc2W, fc2B, nMels, channels, kernel1, kernel2, conv1W, conv1B, conv2W,
//                                   conv2B, condW, condB })
//   addon.condition(loop, mel, rows, out)                       // conditioning net: mel rows -> frame rows
//   addon.run(loop, condRows, lpcRows, blocks, uniform, streams, h1, h2, prev, hist, out)
//                                                               // typed arrays; h1, h2, prev, hist, out updated
//   addon.interfaceVersion                                      // 2
//
// Weights are copied into the loop object; calls work on the caller's buffers synchronously.
#include <node_api.h>

#include <cstring>
#include <string>

#include "conditioning.h"
#include "sampleLoop.h"

namespace {

using clonecast::CondWeights;
using clonecast::LoopWeights;

struct Model {
  LoopWeights loop;
  CondWeights cond;
};

napi_value Throw(napi_env env, const std::string& message) {
  napi_throw_error(env, "ERR_CLONECAST_NATIVE", message.c_str());
  return nullptr;
}

// Typed array `value` of the given element type -> (data, length); false if it is not one.
bool TypedArray(napi_env env, napi_value value, napi_typedarray_type want, void** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok) return false;
  return type == want;
}

bool IntProp(napi_env env, napi_value obj, const char* name, int* out) {
  napi_value v;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return false;
  int32_t i;
  if (napi_get_value_int32(env, v, &i) != napi_ok || i <= 0) return false;
  *out = i;
  return true;
}

bool FloatProp(napi_env env, napi_value obj, const char* name, size_t expected, std::vector<float>* out) {
  napi_value v;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return false;
  void* data;
  size_t length;
  if (!TypedArray(env, v, napi_float32_array, &data, &length) || length != expected) return false;
  out->assign(static_cast<float*>(data), static_cast<float*>(data) + length);
  return true;
}

void Finalize(napi_env, void* data, void*) { delete static_cast<Model*>(data); }

napi_value CreateLoop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value obj;
  napi_get_cb_info(env, info, &argc, &obj, nullptr, nullptr);
  if (argc < 1) return Throw(env, "createLoop(weights) needs the weights object");
  auto* model = new Model();
  LoopWeights* w = &model->loop;
  CondWeights* c = &model->cond;
  const bool dims = IntProp(env, obj, "hidden1", &w->hidden1) && IntProp(env, obj, "hidden2", &w->hidden2) &&
                    IntProp(env, obj, "fc", &w->fc) && IntProp(env, obj, "classes", &w->classes) &&
                    IntProp(env, obj, "hop", &w->hop) && IntProp(env, obj, "order", &w->order) && IntProp(env, obj, "nMels", &c->nMels) &&
                    IntProp(env, obj, "channels", &c->channels) && IntProp(env, obj, "kernel1", &c->kernel1) &&
                    IntProp(env, obj, "kernel2", &c->kernel2);
  if (!dims) {
    delete model;
    return Throw(env, "createLoop: hidden1, hidden2, fc, classes, hop, order, nMels, channels, kernel1, kernel2 must be positive integers");
  }
  c->condDim = 2 * w->hidden1 + 3 * w->hidden2;
  const size_t M = c->nMels, CH = c->channels, K1 = c->kernel1, K2 = c->kernel2, CD = c->condDim;
  const size_t H1 = w->hidden1, H2 = w->hidden2, FC = w->fc, C = w->classes;
  const char* bad = nullptr;
  if (!FloatProp(env, obj, "interp", 3 * static_cast<size_t>(w->hop), &w->interp)) bad = "interp";
  else if (!FloatProp(env, obj, "embed", C * 2 * H1, &w->embed)) bad = "embed";
  else if (!FloatProp(env, obj, "embedPred", C * 2 * H1, &w->embedPred)) bad = "embedPred";
  else if (!FloatProp(env, obj, "decode", C, &w->decode)) bad = "decode";
  else if (!FloatProp(env, obj, "gruWi", H1 * 3 * H2, &w->gruWi)) bad = "gruWi";
  else if (!FloatProp(env, obj, "gruWh", H2 * 3 * H2, &w->gruWh)) bad = "gruWh";
  else if (!FloatProp(env, obj, "gruBh", 3 * H2, &w->gruBh)) bad = "gruBh";
  else if (!FloatProp(env, obj, "fc1W", H2 * FC, &w->fc1w)) bad = "fc1W";
  else if (!FloatProp(env, obj, "fc1B", FC, &w->fc1b)) bad = "fc1B";
  else if (!FloatProp(env, obj, "fc2W", FC * C, &w->fc2w)) bad = "fc2W";
  else if (!FloatProp(env, obj, "fc2B", C, &w->fc2b)) bad = "fc2B";
  else if (!FloatProp(env, obj, "conv1W", CH * M * K1, &c->conv1)) bad = "conv1W";
  else if (!FloatProp(env, obj, "conv1B", CH, &c->conv1b)) bad = "conv1B";
  else if (!FloatProp(env, obj, "conv2W", CH * CH * K2, &c->conv2)) bad = "conv2W";
  else if (!FloatProp(env, obj, "conv2B", CH, &c->conv2b)) bad = "conv2B";
  else if (!FloatProp(env, obj, "condW", CH * CD, &c->condW)) bad = "condW";
  else if (!FloatProp(env, obj, "condB", CD, &c->condB)) bad = "condB";
  if (bad) {
    delete model;
    return Throw(env, std::string("createLoop: ") + bad + " must be a Float32Array of the size its dims give");
  }
  c->conv1 = clonecast::reorderConv(c->conv1.data(), c->channels, c->nMels, c->kernel1);
  c->conv2 = clonecast::reorderConv(c->conv2.data(), c->channels, c->channels, c->kernel2);
  napi_value external;
  napi_create_external(env, model, Finalize, nullptr, &external);
  return external;
}

napi_value Condition(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 4) return Throw(env, "condition(loop, mel, rows, out) needs 4 arguments");
  Model* model;
  if (napi_get_value_external(env, argv[0], reinterpret_cast<void**>(&model)) != napi_ok) return Throw(env, "condition: loop is not a createLoop() object");
  const CondWeights& c = model->cond;
  int32_t rows;
  if (napi_get_value_int32(env, argv[2], &rows) != napi_ok || rows < 0) return Throw(env, "condition: rows must be >= 0");
  const int outRows = rows - c.kernel1 - c.kernel2 + 2;
  void *mel, *out;
  size_t lm, lo;
  if (!TypedArray(env, argv[1], napi_float32_array, &mel, &lm) || lm < static_cast<size_t>(rows) * c.nMels) return Throw(env, "condition: mel must be a Float32Array of rows*nMels");
  if (!TypedArray(env, argv[3], napi_float32_array, &out, &lo) || (outRows > 0 && lo < static_cast<size_t>(outRows) * c.condDim)) {
    return Throw(env, "condition: out must be a Float32Array of (rows - context*2)*condDim");
  }
  clonecast::conditionFrames(c, static_cast<float*>(mel), rows, static_cast<float*>(out));
  return nullptr;
}

napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 11) return Throw(env, "run(loop, condRows, lpcRows, blocks, uniform, streams, h1, h2, prev, hist, out) needs 11 arguments");
  Model* model;
  if (napi_get_value_external(env, argv[0], reinterpret_cast<void**>(&model)) != napi_ok) return Throw(env, "run: loop is not a createLoop() object");
  LoopWeights* w = &model->loop;
  int32_t blocks, streams;
  if (napi_get_value_int32(env, argv[3], &blocks) != napi_ok || napi_get_value_int32(env, argv[5], &streams) != napi_ok || blocks < 0 ||
      streams < 1) {
    return Throw(env, "run: blocks must be >= 0 and streams >= 1");
  }
  const size_t D = 2 * w->hidden1 + 3 * w->hidden2, N = static_cast<size_t>(blocks) * w->hop, B = streams, P = w->order;
  void *cond, *lpc, *uniform, *h1, *h2, *prev, *hist, *out;
  size_t lc, ll, lu, lh1, lh2, lp, lhi, lo;
  if (!TypedArray(env, argv[1], napi_float32_array, &cond, &lc) || lc < (blocks + 2) * B * D) return Throw(env, "run: condRows must be a Float32Array of (blocks+2)*streams*condDim");
  if (!TypedArray(env, argv[2], napi_float32_array, &lpc, &ll) || ll < blocks * B * P) return Throw(env, "run: lpcRows must be a Float32Array of blocks*streams*order");
  if (!TypedArray(env, argv[4], napi_float32_array, &uniform, &lu) || lu < N * B) return Throw(env, "run: uniform must be a Float32Array of blocks*hop*streams");
  if (!TypedArray(env, argv[6], napi_float32_array, &h1, &lh1) || lh1 != B * w->hidden1) return Throw(env, "run: h1 must be a Float32Array of streams*hidden1");
  if (!TypedArray(env, argv[7], napi_float32_array, &h2, &lh2) || lh2 != B * w->hidden2) return Throw(env, "run: h2 must be a Float32Array of streams*hidden2");
  if (!TypedArray(env, argv[8], napi_int32_array, &prev, &lp) || lp != B) return Throw(env, "run: prev must be an Int32Array of streams");
  if (!TypedArray(env, argv[9], napi_float32_array, &hist, &lhi) || lhi != B * P) return Throw(env, "run: hist must be a Float32Array of streams*order");
  if (!TypedArray(env, argv[10], napi_int32_array, &out, &lo) || lo < N * B) return Throw(env, "run: out must be an Int32Array of blocks*hop*streams");
  for (size_t b = 0; b < B; b++) {
    const int32_t p = static_cast<int32_t*>(prev)[b];
    if (p < 0 || p >= w->classes) return Throw(env, "run: prev class out of range");
  }
  clonecast::runSampleLoop(*w, static_cast<float*>(cond), static_cast<float*>(lpc), blocks, static_cast<float*>(uniform), streams,
                           static_cast<float*>(h1), static_cast<float*>(h2), static_cast<int32_t*>(prev), static_cast<float*>(hist),
                           static_cast<int32_t*>(out));
  return nullptr;
}

// Version of the interface above; src/pipeline/vocoder/nativeLoop.ts falls back to the ONNX engine
// when a stale build reports another (2: linear prediction, lpcRows and hist).
constexpr int32_t kInterfaceVersion = 2;

napi_value Init(napi_env env, napi_value exports) {
  napi_value version;
  napi_create_int32(env, kInterfaceVersion, &version);
  napi_property_descriptor props[] = {
      {"createLoop", nullptr, CreateLoop, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"condition", nullptr, Condition, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"run", nullptr, Run, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"interfaceVersion", nullptr, nullptr, nullptr, nullptr, version, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, 4, props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
