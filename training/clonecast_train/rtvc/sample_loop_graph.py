"""The ONNX `Loop` running RTVC's WaveRNN sample by sample, with the sampler inside.

The loop body is the exported single-step graph (rtvc_vocoder_step.onnx, so step and loop compute
the same arithmetic) plus RTVC's sampler restated in ONNX ops: p = softmax / sum, c = cumsum(p)
(float32), c /= c[-1], class = #{j : c_j < u} with the float64 uniform u, x = 2 * class / (C - 1) - 1.
  inputs  up_mels [B, L, n_mels], aux [B, L, res_out] float32; uniforms [B, L] float64;
          h1 [B, R], h2 [B, R], x [B, 1] float32 (carried state; zeros for a fresh row)
  outputs classes [B, L] int64, h1_out, h2_out, x_out
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 14


def build_sample_loop(step: onnx.ModelProto, classes: int) -> onnx.ModelProto:
    """step: graph with inputs (x, m_t, aux_t, h1, h2) and outputs (logits, h1_out, h2_out)."""
    g = step.graph
    f32, f64, i64 = TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.INT64
    step_in = [i.name for i in g.input]
    step_out = [o.name for o in g.output]
    if step_in != ["x", "m_t", "aux_t", "h1", "h2"] or step_out != ["logits", "h1_out", "h2_out"]:
        raise ValueError(f"unexpected step graph signature {step_in} -> {step_out}")
    # Body names must not shadow the outer graph's (whose outputs are h1_out, h2_out, ...).
    rename = {"x": "b_x", "h1": "b_h1", "h2": "b_h2", "m_t": "b_m", "aux_t": "b_aux",
              "logits": "b_logits", "h1_out": "b_h1_out", "h2_out": "b_h2_out"}
    body_nodes = [
        helper.make_node("Gather", ["up_mels", "i"], ["b_m"], axis=1),
        helper.make_node("Gather", ["aux", "i"], ["b_aux"], axis=1),
        helper.make_node("Gather", ["uniforms", "i"], ["b_u1"], axis=1),
        helper.make_node("Unsqueeze", ["b_u1", "ax1"], ["b_u"]),
    ]
    for node in g.node:
        n = onnx.NodeProto()
        n.CopyFrom(node)
        n.input[:] = [rename.get(x, x) for x in n.input]
        n.output[:] = [rename.get(x, x) for x in n.output]
        body_nodes.append(n)
    body_nodes += [
        helper.make_node("Softmax", ["b_logits"], ["s_probs"], axis=1),
        helper.make_node("ReduceSum", ["s_probs", "ax1"], ["s_sum"], keepdims=1),
        helper.make_node("Div", ["s_probs", "s_sum"], ["s_p"]),
        helper.make_node("CumSum", ["s_p", "ax1_scalar"], ["s_c"]),
        helper.make_node("Slice", ["s_c", "last_start", "last_end", "ax1"], ["s_last"]),
        helper.make_node("Div", ["s_c", "s_last"], ["s_cn"]),
        helper.make_node("Cast", ["s_cn"], ["s_cd"], to=f64),
        helper.make_node("Less", ["s_cd", "b_u"], ["s_lt"]),
        helper.make_node("Cast", ["s_lt"], ["s_lti"], to=i64),
        helper.make_node("ReduceSum", ["s_lti", "ax1"], ["cls"], keepdims=0),
        helper.make_node("Cast", ["cls"], ["s_clsf"], to=f32),
        helper.make_node("Mul", ["s_clsf", "two"], ["s_2c"]),
        helper.make_node("Div", ["s_2c", "cmax"], ["s_q"]),
        helper.make_node("Sub", ["s_q", "one"], ["s_x1"]),
        helper.make_node("Unsqueeze", ["s_x1", "ax1"], ["x_next"]),
        helper.make_node("Identity", ["cond"], ["cond_out"]),
        helper.make_node("Identity", ["b_h1_out"], ["h1_next"]),
        helper.make_node("Identity", ["b_h2_out"], ["h2_next"]),
    ]
    body = helper.make_graph(
        body_nodes, "sample_step",
        [helper.make_tensor_value_info("i", i64, []), helper.make_tensor_value_info("cond", TensorProto.BOOL, []),
         helper.make_tensor_value_info("b_h1", f32, None), helper.make_tensor_value_info("b_h2", f32, None),
         helper.make_tensor_value_info("b_x", f32, None)],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("h1_next", f32, None), helper.make_tensor_value_info("h2_next", f32, None),
         helper.make_tensor_value_info("x_next", f32, None), helper.make_tensor_value_info("cls", i64, None)],
    )
    consts = [
        numpy_helper.from_array(np.array([1], dtype=np.int64), "ax1"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "ax1_scalar"),
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "last_start"),
        numpy_helper.from_array(np.array([classes], dtype=np.int64), "last_end"),
        numpy_helper.from_array(np.array(2.0, dtype=np.float32), "two"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
        numpy_helper.from_array(np.array(classes - 1.0, dtype=np.float32), "cmax"),
        numpy_helper.from_array(np.array(True), "true"),
    ]
    nodes = [
        helper.make_node("Shape", ["up_mels"], ["shape"]),
        helper.make_node("Gather", ["shape", "ax1_scalar"], ["L"], axis=0),
        helper.make_node("Loop", ["L", "true", "h1", "h2", "x"], ["h1_out", "h2_out", "x_out", "cls_lb"], body=body),
        helper.make_node("Transpose", ["cls_lb"], ["classes"], perm=[1, 0]),
    ]
    graph = helper.make_graph(
        nodes, "rtvc_wavernn_sample_loop",
        [helper.make_tensor_value_info("up_mels", f32, ["B", "L", None]), helper.make_tensor_value_info("aux", f32, ["B", "L", None]),
         helper.make_tensor_value_info("uniforms", f64, ["B", "L"]), helper.make_tensor_value_info("h1", f32, ["B", None]),
         helper.make_tensor_value_info("h2", f32, ["B", None]), helper.make_tensor_value_info("x", f32, ["B", 1])],
        [helper.make_tensor_value_info("classes", i64, ["B", "L"]), helper.make_tensor_value_info("h1_out", f32, ["B", None]),
         helper.make_tensor_value_info("h2_out", f32, ["B", None]), helper.make_tensor_value_info("x_out", f32, ["B", 1])],
        initializer=list(g.initializer) + consts,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="clonecast-rtvc-import")
    model.ir_version = step.ir_version
    onnx.checker.check_model(model)
    return model
