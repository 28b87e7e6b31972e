"""The ONNX `Loop` graph that runs the vocoder's sample loop (the engine's fallback when the native
addon is absent). Built with onnx.helper: torch.onnx cannot export a sampling loop.

One call runs N samples for B independent streams:
  inputs  cond [N, B, 2*H1 + 3*H2] float32   interpolated per-sample conditioning (biases folded in)
          lpc [N, B, P] float32               each sample's block's prediction coefficients (lpc.py)
          uniform [N, B] float32              sampler's uniforms in [0, 1) (seeded RNG of the engine)
          h1 [B, H1], h2 [B, H2] float32      carried recurrent state
          prev [B] int64                      class of the last sample of the previous call
          hist [B, P] float32                 the last P decoded samples, most recent first
  outputs classes [N, B] int64, h1_out, h2_out, prev_out, hist_out (same shapes as the inputs)
Linear prediction (reference.py): p = clip(-sum(lpc * hist), -1, 1); the network sees mulaw(p)
through embed_pred and samples the excitation class e; the sample's class is mulaw(clip(p + decode(e))).
Layer 2 is a GRU (gates r, z, n; PyTorch's formulation): gi = cond2 + h1 Wi, gh = h2 Wh + bh,
r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z), n = tanh(gi_n + r * gh_n), h2' = n + z * (h2 - n).
Sampling is by inverse CDF: class = #{j : cumsum(softmax(logits))_j < u}, capped at 511.
The per-sample arithmetic order is the one the native addon (native/src/sampleLoop.cc) follows.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 14


def mulaw_decode_table(classes: int) -> np.ndarray:
    """[classes] float32: each class's decoded value (mulaw.decode)."""
    from .mulaw import decode
    return decode(np.arange(classes)).astype(np.float32)


def build_loop_model(w: dict[str, np.ndarray], h1: int, h2: int, classes: int, order: int) -> onnx.ModelProto:
    """w: engine tensors (see export.engine_tensors); returns a checked ModelProto."""
    D = 2 * h1 + 3 * h2
    f32 = TensorProto.FLOAT
    i64 = TensorProto.INT64

    def const(name: str, arr) -> onnx.TensorProto:
        return numpy_helper.from_array(np.asarray(arr), name)

    inits = [
        const("E", w["embed"].astype(np.float32)),
        const("EP", w["embed_pred"].astype(np.float32)),
        const("decode_table", mulaw_decode_table(classes)),
        const("one", np.array(1.0, dtype=np.float32)),
        const("minus_one", np.array(-1.0, dtype=np.float32)),
        const("mu", np.array(classes - 1, dtype=np.float32)),
        const("inv_log_levels", np.array(1.0 / np.log(classes), dtype=np.float32)),
        const("half_mu", np.array((classes - 1) / 2.0, dtype=np.float32)),
        const("hist_keep_start", np.array([0], dtype=np.int64)),
        const("hist_keep_end", np.array([order - 1], dtype=np.int64)),
        const("ax_last", np.array([1], dtype=np.int64)),
        const("Wi", w["gru_wi"].astype(np.float32)),
        const("Wh", w["gru_wh"].astype(np.float32)),
        const("bh", w["gru_bh"].astype(np.float32)),
        const("Wo1", w["fc1_w"].astype(np.float32)),
        const("bo1", w["fc1_b"].astype(np.float32)),
        const("Wo2", w["fc2_w"].astype(np.float32)),
        const("bo2", w["fc2_b"].astype(np.float32)),
        const("half", np.array(0.5, dtype=np.float32)),
        const("idx0", np.array([0], dtype=np.int64)),
        const("last_class", np.array(classes - 1, dtype=np.int64)),
        const("split_c", np.array([2 * h1, 3 * h2], dtype=np.int64)),
        const("split_h1", np.array([h1, h1], dtype=np.int64)),
        const("split_h2", np.array([h2, h2, h2], dtype=np.int64)),
        const("ax1", np.array([1], dtype=np.int64)),
        const("true", np.array(True)),
    ]

    def minGru(prefix: str, x: str, h: str, halves: str) -> list:
        # h' = h + z * (g(k) - h), z = sigmoid(z_pre), g(k) = k + 0.5 if k >= 0 else sigmoid(k)
        # = max(k + 0.5, sigmoid(k)) (the two meet at k = 0 and cross nowhere else): one node less.
        p = prefix
        return [
            helper.make_node("Split", [x, halves], [p + "zp", p + "k"], axis=1),
            helper.make_node("Sigmoid", [p + "zp"], [p + "z"]),
            helper.make_node("Add", [p + "k", "half"], [p + "lin"]),
            helper.make_node("Sigmoid", [p + "k"], [p + "sig"]),
            helper.make_node("Max", [p + "lin", p + "sig"], [p + "g"]),
            helper.make_node("Sub", [p + "g", h], [p + "d"]),
            helper.make_node("Mul", [p + "z", p + "d"], [p + "zd"]),
            helper.make_node("Add", [h, p + "zd"], [p + "h"]),
        ]

    def mulaw_class(prefix: str, x: str) -> list:
        # floor((sign(x) * log1p(mu |x|) / log(mu + 1) + 1) * mu / 2 + 0.5), x already in [-1, 1]
        p = prefix
        return [
            helper.make_node("Abs", [x], [p + "abs"]),
            helper.make_node("Mul", [p + "abs", "mu"], [p + "mx"]),
            helper.make_node("Add", [p + "mx", "one"], [p + "mx1"]),
            helper.make_node("Log", [p + "mx1"], [p + "log"]),
            helper.make_node("Mul", [p + "log", "inv_log_levels"], [p + "mag"]),
            helper.make_node("Sign", [x], [p + "sign"]),
            helper.make_node("Mul", [p + "sign", p + "mag"], [p + "y"]),
            helper.make_node("Add", [p + "y", "one"], [p + "y1"]),
            helper.make_node("Mul", [p + "y1", "half_mu"], [p + "pos"]),
            helper.make_node("Add", [p + "pos", "half"], [p + "pos_r"]),
            helper.make_node("Floor", [p + "pos_r"], [p + "fl"]),
            helper.make_node("Cast", [p + "fl"], [p + "cls"], to=i64),
        ]

    body_nodes = [
        helper.make_node("Gather", ["cond", "i"], ["c"], axis=0),
        helper.make_node("Gather", ["lpc", "i"], ["a"], axis=0),
        helper.make_node("Gather", ["uniform", "i"], ["u"], axis=0),
        # p = clip(-sum_k a_k hist_k, -1, 1)
        helper.make_node("Mul", ["a", "hist_in"], ["a_hist"]),
        helper.make_node("ReduceSum", ["a_hist", "ax_last"], ["neg_p"], keepdims=0),
        helper.make_node("Neg", ["neg_p"], ["p_raw"]),
        helper.make_node("Clip", ["p_raw", "minus_one", "one"], ["pred"]),
        *mulaw_class("pq_", "pred"),
        helper.make_node("Split", ["c", "split_c"], ["c1", "c2"], axis=1),
        helper.make_node("Gather", ["E", "prev_in"], ["e"], axis=0),
        helper.make_node("Gather", ["EP", "pq_cls"], ["ep"], axis=0),
        helper.make_node("Add", ["c1", "e"], ["x1_e"]),
        helper.make_node("Add", ["x1_e", "ep"], ["x1"]),
        *minGru("l1_", "x1", "h1_in", "split_h1"),
        helper.make_node("MatMul", ["l1_h", "Wi"], ["gi_mm"]),
        helper.make_node("Add", ["c2", "gi_mm"], ["gi"]),
        helper.make_node("MatMul", ["h2_in", "Wh"], ["gh_mm"]),
        helper.make_node("Add", ["gh_mm", "bh"], ["gh"]),
        *[helper.make_node("Split", [src, "split_h2"], [f"{src}_r", f"{src}_z", f"{src}_n"], axis=1) for src in ("gi", "gh")],
        helper.make_node("Add", ["gi_r", "gh_r"], ["r_pre"]),
        helper.make_node("Sigmoid", ["r_pre"], ["r"]),
        helper.make_node("Add", ["gi_z", "gh_z"], ["z2_pre"]),
        helper.make_node("Sigmoid", ["z2_pre"], ["z2"]),
        helper.make_node("Mul", ["r", "gh_n"], ["r_ghn"]),
        helper.make_node("Add", ["gi_n", "r_ghn"], ["n_pre"]),
        helper.make_node("Tanh", ["n_pre"], ["n2"]),
        helper.make_node("Sub", ["h2_in", "n2"], ["h_minus_n"]),
        helper.make_node("Mul", ["z2", "h_minus_n"], ["z_hmn"]),
        helper.make_node("Add", ["n2", "z_hmn"], ["l2_h"]),
        helper.make_node("MatMul", ["l2_h", "Wo1"], ["f_mm"]),
        helper.make_node("Add", ["f_mm", "bo1"], ["f_pre"]),
        helper.make_node("Relu", ["f_pre"], ["f"]),
        helper.make_node("MatMul", ["f", "Wo2"], ["o_mm"]),
        helper.make_node("Add", ["o_mm", "bo2"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["p"], axis=-1),
        helper.make_node("CumSum", ["p", "ax1"], ["cdf"]),
        helper.make_node("Unsqueeze", ["u", "ax1"], ["u_col"]),
        helper.make_node("Less", ["cdf", "u_col"], ["below"]),
        helper.make_node("Cast", ["below"], ["below_i"], to=i64),
        helper.make_node("ReduceSum", ["below_i", "ax1"], ["count"], keepdims=0),
        helper.make_node("Min", ["count", "last_class"], ["exc"]),
        # s = clip(p + decode(exc), -1, 1); its class is the sample; its decoded value enters the history
        helper.make_node("Gather", ["decode_table", "exc"], ["exc_value"], axis=0),
        helper.make_node("Add", ["pred", "exc_value"], ["s_raw"]),
        helper.make_node("Clip", ["s_raw", "minus_one", "one"], ["s"]),
        *mulaw_class("sq_", "s"),
        helper.make_node("Identity", ["sq_cls"], ["cls"]),
        helper.make_node("Gather", ["decode_table", "cls"], ["s_value"], axis=0),
        helper.make_node("Unsqueeze", ["s_value", "ax1"], ["s_col"]),
        helper.make_node("Slice", ["hist_in", "hist_keep_start", "hist_keep_end", "ax1"], ["hist_rest"]),
        helper.make_node("Concat", ["s_col", "hist_rest"], ["hist_new"], axis=1),
        helper.make_node("Identity", ["cond_in"], ["cond_out"]),
        helper.make_node("Identity", ["cls"], ["cls_scan"]),
    ]
    body = helper.make_graph(
        body_nodes, "sample_step",
        [helper.make_tensor_value_info("i", i64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("h1_in", f32, ["B", h1]),
         helper.make_tensor_value_info("h2_in", f32, ["B", h2]),
         helper.make_tensor_value_info("prev_in", i64, ["B"]),
         helper.make_tensor_value_info("hist_in", f32, ["B", order])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("l1_h", f32, ["B", h1]),
         helper.make_tensor_value_info("l2_h", f32, ["B", h2]),
         helper.make_tensor_value_info("cls", i64, ["B"]),
         helper.make_tensor_value_info("hist_new", f32, ["B", order]),
         helper.make_tensor_value_info("cls_scan", i64, ["B"])],
    )
    main_nodes = [
        helper.make_node("Shape", ["cond"], ["cond_shape"]),
        helper.make_node("Gather", ["cond_shape", "idx0"], ["n_vec"], axis=0),
        helper.make_node("Squeeze", ["n_vec", "idx0"], ["n"]),
        helper.make_node("Loop", ["n", "true", "h1", "h2", "prev", "hist"],
                         ["h1_out", "h2_out", "prev_out", "hist_out", "classes"], body=body),
    ]
    graph = helper.make_graph(
        main_nodes, "clonecast_wavernn_loop",
        [helper.make_tensor_value_info("cond", f32, ["N", "B", D]),
         helper.make_tensor_value_info("lpc", f32, ["N", "B", order]),
         helper.make_tensor_value_info("uniform", f32, ["N", "B"]),
         helper.make_tensor_value_info("h1", f32, ["B", h1]),
         helper.make_tensor_value_info("h2", f32, ["B", h2]),
         helper.make_tensor_value_info("prev", i64, ["B"]),
         helper.make_tensor_value_info("hist", f32, ["B", order])],
        [helper.make_tensor_value_info("classes", i64, ["N", "B"]),
         helper.make_tensor_value_info("h1_out", f32, ["B", h1]),
         helper.make_tensor_value_info("h2_out", f32, ["B", h2]),
         helper.make_tensor_value_info("prev_out", i64, ["B"]),
         helper.make_tensor_value_info("hist_out", f32, ["B", order])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="clonecast_train.vocoder")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
