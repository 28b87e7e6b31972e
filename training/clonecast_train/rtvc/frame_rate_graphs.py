"""The fast WaveRNN graphs served beside the int8 loop (`servedLoop: "int8"`): same model, less work
per sample, not bit-exact (the float32 graphs stay RTVC's arithmetic).

* `FrameRateUpsample` (rtvc_vocoder_upsample_frames.onnx): the upsampler's three stretch + conv
  stages are linear, bias-free and shift-invariant, so they are one ConvTranspose1d of stride hop
  whose kernel is their impulse response (edge effects stay inside RTVC's `pad` frames); the
  MelResNet's `aux` leaves at frame rate instead of stretched to the sample rate.
    mel [B, n_mels, T + 2 pad] -> up_mels [B, T hop, n_mels], aux [B, T, res_out]
* `build_frame_rate_int8_loop` (rtvc_vocoder_loop_int8.onnx): the sample loop with int8 weight
  matrices, written out by hand (about a third of the traced step graph's per-sample nodes). Every
  aux term of the step (I, rnn2's input gates, fc1, fc2 each read a quarter of aux, plus their
  biases) is linear in aux, so it is computed once per frame in float32 before the Loop; the Loop
  body gathers row b's frame floor((aux_offset_b + i) / hop) at step i.
    inputs  up_mels [B, L, n_mels], aux [B, F, res_out] float32 (frame rate), aux_offset [B, 1] int64
            (row b's step 0 is sample aux_offset_b of its aux frame 0), uniforms [B, L] float64,
            h1 [B, R], h2 [B, R], x [B, 1]
    outputs classes [B, L] int64, h1_out, h2_out, x_out (as the float32 loop)
  The sampler is RTVC's inverse CDF, class = #{j : c_j < u c_last} with c = cumsum(softmax) in
  float32 (RTVC divides c by c_last and compares in float64: the same but for rounding).
"""
from __future__ import annotations

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

from .sample_loop_graph import OPSET
from .wavernn import Upsample, WaveRnn

MS_DOMAIN = "com.microsoft"


def impulse_response(up: Upsample) -> tuple[np.ndarray, int]:
    """(h, a): the stretch + conv stages map frame t to samples n with weight h[n - t hop + a]."""
    d = up.dims
    frames, t0 = 24, 12
    x = torch.zeros(1, 1, 1, frames)
    x[..., t0] = 1.0
    with torch.no_grad():
        m = x
        for f, conv in zip(d.upsample_factors, up.up_layers[1::2]):
            m = conv(m.unsqueeze(-1).expand(*m.shape, f).flatten(-2))
    r = m.flatten().numpy().astype(np.float64)
    nz = np.flatnonzero(r)
    first, last = int(nz[0]), int(nz[-1])
    if first == 0 or last == r.size - 1:
        raise ValueError("upsampler impulse response does not fit the probe")
    return r[first:last + 1].astype(np.float32), t0 * d.hop - first


class FrameRateUpsample(nn.Module):
    """mel [B, n_mels, W] -> up_mels [B, (W - 2 pad) hop, n_mels], aux [B, W - 2 pad, res_out]."""

    def __init__(self, up: Upsample):
        super().__init__()
        d = up.dims
        self.dims = d
        self.resnet = up.resnet
        h, self.lead = impulse_response(up)
        self.register_buffer("kernel", torch.from_numpy(h).view(1, 1, -1).repeat(d.n_mels, 1, 1))

    def forward(self, mel):
        d = self.dims
        W = mel.shape[2]
        aux = self.resnet(mel)
        m = F.conv_transpose1d(mel, self.kernel, stride=d.hop, groups=d.n_mels)
        start = d.pad * d.hop + self.lead
        m = m[:, :, start:start + (W - 2 * d.pad) * d.hop]
        return m.transpose(1, 2), aux.transpose(1, 2)


def _quantize(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[out, in] float32 -> ([in, out] int8, [out] scale): symmetric per output row (int8_step_graph)."""
    scale = np.abs(w).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    wq = np.clip(np.round(w / scale[:, None]), -127, 127).astype(np.int8).T.copy()
    return wq, scale.astype(np.float32)


def build_frame_rate_int8_loop(model: WaveRnn) -> onnx.ModelProto:
    d = model.dims
    a, R, M, C = d.aux_dims, d.rnn_dims, d.n_mels, d.classes
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items() if v.dtype == torch.float32}
    inits: list[onnx.TensorProto] = []

    def const(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    nodes: list[onnx.NodeProto] = []

    def node(op: str, inputs: list[str], outputs: list[str] | str, domain: str = "", **attrs) -> str:
        outs = [outputs] if isinstance(outputs, str) else outputs
        nodes.append(helper.make_node(op, inputs, outs, domain=domain, **attrs))
        return outs[0]

    def qmatmul(x: str, w: np.ndarray, name: str, bias: np.ndarray | None = None) -> str:
        wq, s = _quantize(w)
        ins = [x, const(f"{name}_wq", wq), const(f"{name}_ws", s), ""]
        if bias is not None:
            ins.append(const(f"{name}_b", bias.astype(np.float32)))
        return node("DynamicQuantizeMatMul", ins, f"{name}_y", domain=MS_DOMAIN)

    def split(x: str, sizes: list[int], outs: list[str]) -> None:
        key = "split_" + "_".join(map(str, sizes))
        if key not in {i.name for i in inits}:
            const(key, np.array(sizes, dtype=np.int64))
        node("Split", [x, key], outs, axis=1)

    def gru(gi: str, gh: str, h: str, name: str) -> str:
        split(gi, [2 * R, R], [f"{name}_irz", f"{name}_in"])
        split(gh, [2 * R, R], [f"{name}_hrz", f"{name}_hn"])
        node("Add", [f"{name}_irz", f"{name}_hrz"], f"{name}_rz_pre")
        node("Sigmoid", [f"{name}_rz_pre"], f"{name}_rz")
        split(f"{name}_rz", [R, R], [f"{name}_r", f"{name}_z"])
        node("Mul", [f"{name}_r", f"{name}_hn"], f"{name}_rhn")
        node("Add", [f"{name}_in", f"{name}_rhn"], f"{name}_n_pre")
        node("Tanh", [f"{name}_n_pre"], f"{name}_n")
        node("Sub", [h, f"{name}_n"], f"{name}_hmn")
        node("Mul", [f"{name}_z", f"{name}_hmn"], f"{name}_zhmn")
        return node("Add", [f"{name}_n", f"{name}_zhmn"], f"{name}_h")

    # --- body ---
    node("Unsqueeze", ["i", "ax0"], "b_i1")
    node("Gather", ["up_mels", "i"], "b_m", axis=1)
    node("Gather", ["u32", "b_i1"], "b_u", axis=1)
    node("Add", ["aux_offset", "i"], "b_pos")
    node("Div", ["b_pos", "hop"], "b_frame")
    node("GatherND", ["proj", "b_frame"], "b_proj", batch_dims=1)
    split("b_proj", [R, 3 * R, d.fc_dims, d.fc_dims], ["p_I", "p_2", "p_3", "p_4"])
    node("Concat", ["b_x", "b_m"], "b_xm", axis=1)
    wI = sd["I.weight"]
    xI = node("Add", [qmatmul("b_xm", wI[:, :1 + M], "I"), "p_I"], "b_xI")
    gi1 = qmatmul(xI, sd["rnn1.weight_ih_l0"], "ih1", sd["rnn1.bias_ih_l0"])
    gh1 = qmatmul("b_h1", sd["rnn1.weight_hh_l0"], "hh1", sd["rnn1.bias_hh_l0"])
    h1 = gru(gi1, gh1, "b_h1", "g1")
    x2 = node("Add", [xI, h1], "b_x2")
    gi2 = node("Add", [qmatmul(x2, sd["rnn2.weight_ih_l0"][:, :R], "ih2"), "p_2"], "b_gi2")
    gh2 = qmatmul("b_h2", sd["rnn2.weight_hh_l0"], "hh2", sd["rnn2.bias_hh_l0"])
    h2 = gru(gi2, gh2, "b_h2", "g2")
    x3 = node("Add", [x2, h2], "b_x3")
    f1 = node("Relu", [node("Add", [qmatmul(x3, sd["fc1.weight"][:, :R], "fc1"), "p_3"], "b_f1_pre")], "b_f1")
    f2 = node("Relu", [node("Add", [qmatmul(f1, sd["fc2.weight"][:, :d.fc_dims], "fc2"), "p_4"], "b_f2_pre")], "b_f2")
    logits = qmatmul(f2, sd["fc3.weight"], "fc3", sd["fc3.bias"])
    node("Softmax", [logits], "s_p", axis=1)
    node("CumSum", ["s_p", "ax1_scalar"], "s_c")
    node("Slice", ["s_c", "last_start", "last_end", "ax1"], "s_last")
    node("Mul", ["b_u", "s_last"], "s_t")
    node("Less", ["s_c", "s_t"], "s_lt")
    node("Cast", ["s_lt"], "s_ltf", to=f32)
    node("ReduceSum", ["s_ltf", "ax1"], "cls", keepdims=1)
    node("Mul", ["cls", "two_over_cmax"], "s_2c")
    node("Add", ["s_2c", "minus_one"], "x_next")
    node("Identity", ["cond"], "cond_out")
    body = helper.make_graph(
        nodes, "sample_step",
        [helper.make_tensor_value_info("i", i64, []), helper.make_tensor_value_info("cond", TensorProto.BOOL, []),
         helper.make_tensor_value_info("b_h1", f32, None), helper.make_tensor_value_info("b_h2", f32, None),
         helper.make_tensor_value_info("b_x", f32, None)],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info(h1, f32, None), helper.make_tensor_value_info(h2, f32, None),
         helper.make_tensor_value_info("x_next", f32, None), helper.make_tensor_value_info("cls", f32, None)],
    )
    # --- outer graph: per-frame aux terms, the Loop, classes ---
    body_inits = inits
    inits = []
    nodes = []
    proj_w = np.zeros((d.res_out_dims, R + 3 * R + 2 * d.fc_dims), dtype=np.float32)
    cols = [(wI[:, 1 + M:], 0, R), (sd["rnn2.weight_ih_l0"][:, R:], R, 4 * R),
            (sd["fc1.weight"][:, R:], 4 * R, 4 * R + d.fc_dims), (sd["fc2.weight"][:, d.fc_dims:], 4 * R + d.fc_dims, 4 * R + 2 * d.fc_dims)]
    for k, (w, lo, hi) in enumerate(cols):
        proj_w[k * a:(k + 1) * a, lo:hi] = w.T
    proj_b = np.concatenate([sd["I.bias"], sd["rnn2.bias_ih_l0"], sd["fc1.bias"], sd["fc2.bias"]]).astype(np.float32)
    node("MatMul", ["aux", const("proj_w", proj_w)], "proj_nb")
    node("Add", ["proj_nb", const("proj_b", proj_b)], "proj")
    node("Cast", ["uniforms"], "u32", to=f32)
    node("Shape", ["up_mels"], "shape")
    node("Gather", ["shape", "ax1_scalar"], "L", axis=0)
    node("Loop", ["L", "true", "h1", "h2", "x"], ["h1_out", "h2_out", "x_out", "cls_lb1"], body=body)
    node("Squeeze", ["cls_lb1", "ax2"], "cls_lb")
    node("Transpose", ["cls_lb"], "cls_bl", perm=[1, 0])
    node("Cast", ["cls_bl"], "classes", to=i64)
    shared = [
        numpy_helper.from_array(np.array([0], dtype=np.int64), "ax0"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "ax1"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "ax2"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "ax1_scalar"),
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "last_start"),
        numpy_helper.from_array(np.array([C], dtype=np.int64), "last_end"),
        numpy_helper.from_array(np.array(d.hop, dtype=np.int64), "hop"),
        numpy_helper.from_array(np.array(2.0 / (C - 1.0), dtype=np.float32), "two_over_cmax"),
        numpy_helper.from_array(np.array(-1.0, dtype=np.float32), "minus_one"),
        numpy_helper.from_array(np.array(True), "true"),
    ]
    graph = helper.make_graph(
        nodes, "rtvc_wavernn_sample_loop_int8_frame_rate",
        [helper.make_tensor_value_info("up_mels", f32, ["B", "L", M]), helper.make_tensor_value_info("aux", f32, ["B", "F", d.res_out_dims]),
         helper.make_tensor_value_info("aux_offset", i64, ["B", 1]), helper.make_tensor_value_info("uniforms", TensorProto.DOUBLE, ["B", "L"]),
         helper.make_tensor_value_info("h1", f32, ["B", R]), helper.make_tensor_value_info("h2", f32, ["B", R]),
         helper.make_tensor_value_info("x", f32, ["B", 1])],
        [helper.make_tensor_value_info("classes", i64, ["B", "L"]), helper.make_tensor_value_info("h1_out", f32, ["B", R]),
         helper.make_tensor_value_info("h2_out", f32, ["B", R]), helper.make_tensor_value_info("x_out", f32, ["B", 1])],
        initializer=body_inits + inits + shared,
    )
    model_proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(MS_DOMAIN, 1)],
                                    producer_name="clonecast-rtvc-import")
    model_proto.ir_version = 7
    onnx.checker.check_model(model_proto)
    return model_proto
