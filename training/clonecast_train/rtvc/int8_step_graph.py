"""A step graph with int8 weights: every Gemm on a weight matrix becomes DynamicQuantizeLinear
(activations to uint8, per call) + MatMulInteger against the weights quantised symmetrically per
output row to int8, rescaled in float32 and biased (onnxruntime fuses the chain into one
DynamicQuantizeMatMul). Used for RTVC's Tacotron decoder step (`--int8-decoder`): one decoder step
reads ~76 MB of fp32 weights, int8 reads a quarter of that (2.4 -> 1.0 ms per mel frame here,
docs/notes/rtvc.md). The WaveRNN's int8 loop is written by hand (frame_rate_graphs.py). The
numbers are no longer bit-exact to RTVC's.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize_step(step: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of `step` with int8 weight matrices (inputs and outputs unchanged)."""
    model = onnx.ModelProto()
    model.CopyFrom(step)
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    nodes, replaced = [], set()
    for n in g.node:
        transposed = any(a.name == "transB" and a.i == 1 for a in n.attribute)
        if n.op_type != "Gemm" or len(n.input) != 3 or n.input[1] not in inits or not transposed:
            nodes.append(n)
            continue
        x, w_name, b_name = n.input
        w = numpy_helper.to_array(inits[w_name]).astype(np.float32)  # [out, in]
        scale = np.abs(w).max(axis=1) / 127.0
        scale[scale == 0] = 1.0
        wq = np.clip(np.round(w / scale[:, None]), -127, 127).astype(np.int8).T.copy()  # [in, out]
        p = "q_" + w_name.replace(".", "_").replace("/", "_")
        g.initializer.extend([numpy_helper.from_array(wq, p + "_w"), numpy_helper.from_array(scale.astype(np.float32), p + "_s")])
        replaced.add(w_name)
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [x], [p + "_xq", p + "_xs", p + "_xz"]),
            helper.make_node("MatMulInteger", [p + "_xq", p + "_w", p + "_xz"], [p + "_acc"]),
            helper.make_node("Cast", [p + "_acc"], [p + "_accf"], to=TensorProto.FLOAT),
            helper.make_node("Mul", [p + "_xs", p + "_s"], [p + "_scale"]),
            helper.make_node("Mul", [p + "_accf", p + "_scale"], [p + "_y"]),
            helper.make_node("Add", [p + "_y", b_name], [n.output[0]]),
        ]
    if not replaced:
        raise ValueError("no Gemm weight matrix to quantise in the step graph")
    del g.node[:]
    g.node.extend(nodes)
    kept = [i for i in g.initializer if i.name not in replaced]
    del g.initializer[:]
    g.initializer.extend(kept)
    onnx.checker.check_model(model)
    return model
