"""`python3 -m clonecast_train.rtvc.export --encoder encoder.pt --synthesizer synthesizer.pt
--vocoder vocoder.pt --out DIR`: RTVC checkpoints -> ONNX graphs + manifest.json (docs/models.md,
families rtvc-ge2e, rtvc-tacotron, rtvc-wavernn). Prints one JSON line describing what it wrote.

Graphs (opset 14):
  rtvc_encoder.onnx          mels [B, T, 40] (power mel) -> embedding [B, E], linear [B, E]
  rtvc_tacotron_encoder.onnx chars [B, N], speaker [B, S], keep1/keep2 -> encoder_seq, encoder_seq_proj
  rtvc_tacotron_step.onnx    one decoder step (state in, state out; see tacotron.DecoderStep)
  rtvc_postnet.onnx          decoder_mels [B, 80, T] -> mel [B, 80, T]
  rtvc_vocoder_upsample.onnx mel [B, 80, T + 2 pad] -> up_mels [B, T hop, 80], aux [B, T hop, res_out]
  rtvc_vocoder_step.onnx     x, m_t, aux_t, h1, h2 -> logits, h1_out, h2_out
  rtvc_vocoder_loop.onnx     the sample loop with the sampler (sample_loop_graph.py)
  rtvc_vocoder_upsample_frames.onnx the upsampler served beside the int8 loop: mel path as one
                             ConvTranspose1d, aux at frame rate [B, T, res_out] (frame_rate_graphs.py)
  rtvc_vocoder_loop_int8.onnx the sample loop with int8 weight matrices, aux at frame rate
                             (frame_rate_graphs.py; ~5x faster than the float32 loop, not bit-exact)
  rtvc_tacotron_step_int8.onnx the decoder step with int8 weight matrices (int8_step_graph.py)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

import onnx
import torch
import torch.nn as nn

from ..manifest import FORMAT, file_entry
from .checkpoint import CheckpointError, load_checkpoint
from .encoder import SpeakerEncoder
from .frame_rate_graphs import FrameRateUpsample, build_frame_rate_int8_loop
from .int8_step_graph import quantize_step
from .sample_loop_graph import OPSET, build_sample_loop
from .symbols import EOS_ID, PAD_ID, SYMBOLS
from .synthesis import MAX_FRAMES, PRENET_DROPOUT, STOP_MIN_T
from .tacotron import Tacotron, gru_cell
from .vocoding import MEL_SCALE, OVERLAP, PREEMPHASIS, TARGET
from .wavernn import WaveRnn

#: Growing folds for streaming RTVC's batched WaveRNN mode (src/pipeline/rtvc/foldedWavernnStream.ts):
#: samples of the first fold and the largest, growth per sample of audio before a fold, RTVC's
#: hparams overlap (400), rows at once. Measured fastest here among the schedules tried (docs/notes/rtvc.md).
STREAM_FOLDS = {"first": 1600, "growth": 0.05, "max": 2400, "overlap": 400, "maxRows": 16}

#: Partial windows of RTVC's embed_utterance (encoder/params_data.py, inference.py).
PARTIAL_FRAMES, PARTIAL_HOP, MIN_COVERAGE = 160, 80, 0.75


class _Wrap(nn.Module):
    def __init__(self, fn, owner: nn.Module):
        super().__init__()
        self.owner = owner
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def _export(fn, owner: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str], dynamic: dict) -> None:
    wrapper = _Wrap(fn, owner).eval()  # eval() on the wrapper itself: BatchNorm must use running stats
    with torch.no_grad():
        torch.onnx.export(wrapper, args, str(path), input_names=inputs, output_names=outputs,
                          dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)


def _graph(path: Path, inputs: dict, outputs: dict) -> dict:
    return {"file": file_entry(path), "inputs": inputs, "outputs": outputs}


def export_encoder(model: SpeakerEncoder, out: Path) -> dict:
    n_mels, hidden = model.lstm.input_size, model.lstm.hidden_size
    E = model.linear.out_features
    path = out / "rtvc_encoder.onnx"
    _export(model.forward, model, (torch.rand(2, PARTIAL_FRAMES, n_mels),), path, ["mels"], ["embedding", "linear"],
            {"mels": {0: "B", 1: "T"}, "embedding": {0: "B"}, "linear": {0: "B"}})
    return {
        "family": "rtvc-ge2e", "features": "rtvcEncoderMel", "trainedOn": "imported RTVC checkpoint",
        **_graph(path, {"mels": [-1, -1, n_mels]}, {"embedding": [-1, E], "linear": [-1, E]}),
        "partialFrames": PARTIAL_FRAMES, "partialHop": PARTIAL_HOP, "minCoverage": MIN_COVERAGE, "embeddingDim": E,
        # RTVC's preprocess_wav: gain to -30 dBFS, only ever raised; webrtcvad trimming is not reproduced.
        "normalize": {"targetDbfs": -30, "increaseOnly": True},
        # Power mel (no log), STFT centred with zero padding (librosa 0.9.2 melspectrogram defaults).
        "melScale": "power", "center": "zeros",
        "hparams": {"n_mels": n_mels, "hidden": hidden, "layers": model.lstm.num_layers, "embedding": E},
    }


def export_synthesizer(model: Tacotron, out: Path, int8: bool = False) -> dict:
    d = model.dims
    N, B = 7, 1
    C = d.encoder_dims + d.speaker_dims
    chars = torch.randint(2, d.num_chars, (B, N))
    spk = torch.rand(B, d.speaker_dims)
    e1, e2 = d.encoder_prenet
    enc_path = out / "rtvc_tacotron_encoder.onnx"
    _export(model.encode, model, (chars, spk, torch.ones(B, N, e1), torch.ones(B, N, e2)), enc_path,
            ["chars", "speaker", "keep1", "keep2"], ["encoder_seq", "encoder_seq_proj"],
            {"chars": {0: "B", 1: "N"}, "speaker": {0: "B"}, "keep1": {0: "B", 1: "N"}, "keep2": {0: "B", 1: "N"},
             "encoder_seq": {0: "B", 1: "N"}, "encoder_seq_proj": {0: "B", 1: "N"}})
    with torch.no_grad():
        seq, proj = model.encode(chars, spk, torch.ones(B, N, e1), torch.ones(B, N, e2))
    D, L = d.decoder_dims, d.lstm_dims
    state_names = ["attn_hidden", "rnn1_hidden", "rnn1_cell", "rnn2_hidden", "rnn2_cell", "context", "cumulative"]
    state_shapes = {"attn_hidden": [-1, D], "rnn1_hidden": [-1, L], "rnn1_cell": [-1, L], "rnn2_hidden": [-1, L],
                    "rnn2_cell": [-1, L], "context": [-1, C], "cumulative": [-1, -1]}
    step_args = (seq, proj, torch.ones(B, N), torch.rand(B, d.n_mels), torch.rand(B, D), *(torch.rand(B, L) for _ in range(4)),
                 torch.rand(B, C), torch.rand(B, N), torch.ones(B, d.decoder_prenet[0]), torch.ones(B, d.decoder_prenet[1]))
    step_in = ["encoder_seq", "encoder_seq_proj", "char_mask", "prenet_in", *state_names, "keep1", "keep2"]
    step_out = ["mels", "attention", "stop", *(f"{n}_out" for n in state_names)]
    dyn = {n: {0: "B"} for n in step_in + step_out}
    for n in ["encoder_seq", "encoder_seq_proj", "char_mask", "cumulative", "attention", "cumulative_out"]:
        dyn[n] = {0: "B", 1: "N"}
    step_path = out / "rtvc_tacotron_step.onnx"
    _export(model.decoder.forward, model, step_args, step_path, step_in, step_out, dyn)
    step_int8_path = out / "rtvc_tacotron_step_int8.onnx"
    onnx.save(quantize_step(onnx.load(str(step_path))), str(step_int8_path))
    post_path = out / "rtvc_postnet.onnx"
    _export(model.post, model, (torch.rand(B, d.n_mels, 12),), post_path, ["decoder_mels"], ["mel"],
            {"decoder_mels": {0: "B", 2: "T"}, "mel": {0: "B", 2: "T"}})
    step_io = ({"encoder_seq": [-1, -1, C], "encoder_seq_proj": [-1, -1, D], "char_mask": [-1, -1],
                "prenet_in": [-1, d.n_mels], **state_shapes, "keep1": [-1, d.decoder_prenet[0]], "keep2": [-1, d.decoder_prenet[1]]},
               {"mels": [-1, d.n_mels, d.r], "attention": [-1, -1], "stop": [-1], **{f"{k}_out": v for k, v in state_shapes.items()}})
    return {
        "family": "rtvc-tacotron", "features": "rtvcSynthMel", "trainedOn": "imported RTVC checkpoint",
        "encoder": _graph(enc_path, {"chars": [-1, -1], "speaker": [-1, d.speaker_dims], "keep1": [-1, -1, e1], "keep2": [-1, -1, e2]},
                          {"encoder_seq": [-1, -1, C], "encoder_seq_proj": [-1, -1, D]}),
        "decoderStep": _graph(step_path, *step_io),
        "decoderStepInt8": _graph(step_int8_path, *step_io),
        # which decoder step the server runs: "float32" is RTVC's arithmetic; "int8" trades exactness for speed
        "servedDecoder": "int8" if int8 else "float32",
        "postnet": _graph(post_path, {"decoder_mels": [-1, d.n_mels, -1]}, {"mel": [-1, d.n_mels, -1]}),
        "symbols": SYMBOLS, "padId": PAD_ID, "eosId": EOS_ID, "text": {"normalizer": "rtvc-english-cleaners"},
        "r": d.r, "maxFrames": MAX_FRAMES, "stopMinFrames": STOP_MIN_T, "stopProbability": 0.5,
        "trimThreshold": d.stop_threshold, "prenetDropout": PRENET_DROPOUT,
        "prenetUnits": {"encoder": [e1, e2], "decoder": list(d.decoder_prenet)},
        "embeddingDim": d.speaker_dims, "hparams": d.to_dict(),
    }


def export_vocoder(model: WaveRnn, out: Path, int8: bool = False, stream_folds: bool = False) -> dict:
    d = model.dims
    up_path = out / "rtvc_vocoder_upsample.onnx"
    _export(model.upsample.forward, model, (torch.rand(1, d.n_mels, 9 + 2 * d.pad),), up_path, ["mel"], ["up_mels", "aux"],
            {"mel": {0: "B", 2: "W"}, "up_mels": {0: "B", 1: "L"}, "aux": {0: "B", 1: "L"}})
    step_path = out / "rtvc_vocoder_step.onnx"
    R = d.rnn_dims
    _export(lambda x, m, a, h1, h2: model.sample_step(x, m, a, h1, h2, cell=gru_cell), model,
            (torch.rand(2, 1), torch.rand(2, d.n_mels), torch.rand(2, d.res_out_dims), torch.rand(2, R), torch.rand(2, R)),
            step_path, ["x", "m_t", "aux_t", "h1", "h2"], ["logits", "h1_out", "h2_out"],
            {n: {0: "B"} for n in ["x", "m_t", "aux_t", "h1", "h2", "logits", "h1_out", "h2_out"]})
    loop_path = out / "rtvc_vocoder_loop.onnx"
    step = onnx.load(str(step_path))
    onnx.save(build_sample_loop(step, d.classes), str(loop_path))
    frames = FrameRateUpsample(model.upsample).eval()
    up_int8_path = out / "rtvc_vocoder_upsample_frames.onnx"
    _export(frames.forward, frames, (torch.rand(1, d.n_mels, 9 + 2 * d.pad),), up_int8_path, ["mel"], ["up_mels", "aux"],
            {"mel": {0: "B", 2: "W"}, "up_mels": {0: "B", 1: "L"}, "aux": {0: "B", 1: "T"}})
    int8_path = out / "rtvc_vocoder_loop_int8.onnx"
    onnx.save(build_frame_rate_int8_loop(model), str(int8_path))
    loop_io = ({"up_mels": [-1, -1, d.n_mels], "aux": [-1, -1, d.res_out_dims], "uniforms": [-1, -1], "h1": [-1, R], "h2": [-1, R], "x": [-1, 1]},
               {"classes": [-1, -1], "h1_out": [-1, R], "h2_out": [-1, R], "x_out": [-1, 1]})
    int8_in = {**loop_io[0], "aux": [-1, -1, d.res_out_dims], "aux_offset": [-1, 1]}
    return {
        "family": "rtvc-wavernn", "features": "rtvcSynthMel", "trainedOn": "imported RTVC checkpoint",
        "upsample": _graph(up_path, {"mel": [-1, d.n_mels, -1]}, {"up_mels": [-1, -1, d.n_mels], "aux": [-1, -1, d.res_out_dims]}),
        "step": _graph(step_path, {"x": [-1, 1], "m_t": [-1, d.n_mels], "aux_t": [-1, d.res_out_dims], "h1": [-1, R], "h2": [-1, R]},
                       {"logits": [-1, d.classes], "h1_out": [-1, R], "h2_out": [-1, R]}),
        "sampleLoop": _graph(loop_path, *loop_io),
        # the fast pair: aux at frame rate [B, T, res_out]; the loop reads row b's frame (aux_offset_b + i) // hop
        "upsampleInt8": _graph(up_int8_path, {"mel": [-1, d.n_mels, -1]}, {"up_mels": [-1, -1, d.n_mels], "aux": [-1, -1, d.res_out_dims]}),
        "sampleLoopInt8": _graph(int8_path, int8_in, loop_io[1]),
        # which loop the server runs: "float32" is RTVC's arithmetic; "int8" (with upsampleInt8) trades exactness for speed
        "servedLoop": "int8" if int8 else "float32",
        # present: stream in growing folds (RTVC's batched mode); absent: RTVC's unbatched mode
        **({"streamFolds": STREAM_FOLDS} if stream_folds else {}),
        "melScale": MEL_SCALE, "pad": d.pad, "hopLength": d.hop, "classes": d.classes, "rnnDims": R,
        "muLaw": True, "preemphasis": PREEMPHASIS, "fadeOutFrames": 20, "fold": {"target": TARGET, "overlap": OVERLAP},
        # Frames each side the upsampler needs for a chunk to equal the whole-utterance result.
        "context": d.pad + 1, "servedEngine": "wavernn", "hparams": d.to_dict(),
    }


#: RTVC's STFT/filterbank parameters as clonecast FeatureSpecs; how values are scaled (power mel,
#: RTVC's dB normalisation) and framed (centred) is stated by each section (`melScale`, `center`).
FEATURES = {
    "rtvcEncoderMel": {"sampleRate": 16000, "preemphasis": 0, "nFft": 400, "winLength": 400, "hopLength": 160, "window": "hann",
                       "nMels": 40, "fmin": 0, "fmax": 8000, "melScale": "slaney", "power": 2, "logFloor": 1e-10},
    "rtvcSynthMel": {"sampleRate": 16000, "preemphasis": 0.97, "nFft": 800, "winLength": 800, "hopLength": 200, "window": "hann",
                     "nMels": 80, "fmin": 55, "fmax": 7600, "melScale": "slaney", "power": 1, "logFloor": 1e-5},
}


def import_rtvc(encoder: Path, synthesizer: Path, vocoder: Path, out: Path, int8_vocoder: bool = False, stream_folds: bool = False,
                int8_decoder: bool = False) -> dict:
    """Validates all three checkpoints first (nothing is written if one is bad), then exports."""
    ckpts = {kind: load_checkpoint(p, kind) for kind, p in (("encoder", encoder), ("synthesizer", synthesizer), ("vocoder", vocoder))}
    models = {"encoder": SpeakerEncoder.from_checkpoint(ckpts["encoder"]),
              "synthesizer": Tacotron.from_checkpoint(ckpts["synthesizer"]),
              "vocoder": WaveRnn.from_checkpoint(ckpts["vocoder"])}
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"format": FORMAT, "family": "rtvc", "features": FEATURES,
                "encoder": export_encoder(models["encoder"], out),
                "synthesizer": export_synthesizer(models["synthesizer"], out, int8_decoder),
                "vocoder": export_vocoder(models["vocoder"], out, int8_vocoder, stream_folds)}
    for kind, ck in ckpts.items():
        manifest[kind]["source"] = {"file": ck.path.name, "step": ck.step,
                                    "parameters": int(sum(p.numel() for p in models[kind].parameters()))}
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp, out / "manifest.json")
    return {"out": str(out), "parameters": {k: manifest[k]["source"]["parameters"] for k in ckpts},
            "files": sorted(p.name for p in out.glob("*.onnx"))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Import RTVC checkpoints into a clonecast model directory.")
    ap.add_argument("--encoder", required=True, type=Path)
    ap.add_argument("--synthesizer", required=True, type=Path)
    ap.add_argument("--vocoder", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--int8-vocoder", action="store_true", help="serve the int8 WaveRNN loop (about 4x faster, not bit-exact)")
    ap.add_argument("--int8-decoder", action="store_true", help="serve the int8 Tacotron decoder step (about 2.5x faster, not bit-exact)")
    ap.add_argument("--stream-folds", action="store_true", help="stream the WaveRNN in growing folds (RTVC's batched mode; faster)")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    warnings.filterwarnings("ignore")  # torch.onnx tracer warnings: expected, and noise for the user
    try:
        result = import_rtvc(args.encoder, args.synthesizer, args.vocoder, args.out, args.int8_vocoder, args.stream_folds, args.int8_decoder)
    except CheckpointError as err:
        print(f"import-rtvc: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
