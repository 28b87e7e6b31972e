"""Export a vocoder checkpoint (or random weights) to models/: weights file + ONNX Loop + manifest.

    cd training && /usr/bin/python3 -m clonecast_train.vocoder.export --ckpt ../runs/vocoder/latest.pt --models ../models
    cd training && /usr/bin/python3 -m clonecast_train.vocoder.export --random --models ../models

Files:
  vocoder_weights.bin  every engine tensor, float32 little-endian, concatenated; the manifest's
                       `tensors` gives each one's offset (in floats) and row-major shape.
  vocoder_loop.onnx    the sample loop as an ONNX Loop (loop_graph.py), for the fallback engine.
Layout conventions: matrices are stored [in, out] (x @ W); conv weights [out, in, kernel];
the log-mel normalisation is folded into conv1.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
import torch

from ..features import SYNTH_MEL
from ..manifest import file_entry, update_manifest
from .lpc import LAG_WINDOW_HZ, NOISE_FLOOR
from .model import MEL_MEAN, MEL_SCALE, Vocoder, VocoderConfig
from .mulaw import BITS
from .reference import REPO, write_parity_fixture

# Order of tensors in vocoder_weights.bin.
TENSOR_ORDER = ["conv1_w", "conv1_b", "conv2_w", "conv2_b", "cond_w", "cond_b",
                "embed", "embed_pred", "gru_wi", "gru_wh", "gru_bh", "fc1_w", "fc1_b", "fc2_w", "fc2_b"]


def engine_tensors(model: Vocoder, temperature: float = 1.0) -> dict[str, np.ndarray]:
    """The model's weights as the engines use them (float32, normalisation folded, [in, out]).

    `temperature` T < 1 sharpens the sampled distribution (softmax(logits / T)): folded into the
    output layer, so every engine samples at it with no change of its own.

    The GRU's input weights on the layer-2 conditioning features are folded into the conditioning
    output (both linear, and interpolation commutes with them), so the engines get per-frame
    pre-activations [layer 1 (2*H1) | layer-2 input gates r, z, n (3*H2, with b_ih)].
    """
    sd = {k: v.detach().cpu().double().numpy() for k, v in model.state_dict().items()}
    h1 = model.cfg.hidden1
    w1 = sd["conv1.weight"] / MEL_SCALE                      # conv1((m - mean)/scale)
    b1 = sd["conv1.bias"] - w1.sum(axis=(1, 2)) * MEL_MEAN
    wc, bc = sd["cond_out.weight"], sd["cond_out.bias"]       # [2*H1 + cond2, C]
    wih, bih = sd["gru.weight_ih_l0"], sd["gru.bias_ih_l0"]   # [3*H2, H1 + cond2], gates r, z, n
    wih_h1, wih_c = wih[:, :h1], wih[:, h1:]
    cond_w = np.concatenate([wc[:2 * h1], wih_c @ wc[2 * h1:]], axis=0)
    cond_b = np.concatenate([bc[:2 * h1], wih_c @ bc[2 * h1:] + bih])
    out = {
        "conv1_w": w1, "conv1_b": b1,
        "conv2_w": sd["conv2.weight"], "conv2_b": sd["conv2.bias"],
        "cond_w": cond_w.T, "cond_b": cond_b,
        "embed": sd["embed.weight"], "embed_pred": sd["embed_pred.weight"],
        "gru_wi": wih_h1.T, "gru_wh": sd["gru.weight_hh_l0"].T, "gru_bh": sd["gru.bias_hh_l0"],
        "fc1_w": sd["fc1.weight"].T, "fc1_b": sd["fc1.bias"],
        "fc2_w": sd["fc2.weight"].T / temperature, "fc2_b": sd["fc2.bias"] / temperature,
    }
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def export(model: Vocoder, models_dir: Path, trained_on: str, extra_hparams: dict | None = None,
           temperature: float = 1.0, served_engine: str | None = None) -> dict:
    """Writes the weights file, the Loop graph and the manifest's `vocoder` section. `served_engine`
    ("wavernn" or "griffin-lim") is what the server uses by default; None keeps the directory's choice."""
    from .loop_graph import build_loop_model

    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    model = model.eval()
    cfg = model.cfg
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    tensors = engine_tensors(model, temperature)

    layout, offset, blobs = {}, 0, []
    for name in TENSOR_ORDER:
        arr = tensors[name]
        layout[name] = {"offset": offset, "shape": list(arr.shape)}
        offset += arr.size
        blobs.append(arr.astype("<f4").tobytes())
    weights_path = models_dir / "vocoder_weights.bin"
    weights_path.write_bytes(b"".join(blobs))

    loop = build_loop_model(tensors, cfg.hidden1, cfg.hidden2, cfg.classes, cfg.lpc_order)
    loop_path = models_dir / "vocoder_loop.onnx"
    onnx.save(loop, str(loop_path))

    d = cfg.engine_cond_dim
    entry = {
        "family": "clonecast-wavernn",
        "features": "synthMel",
        "hopLength": cfg.hop,
        "muBits": BITS,
        "preemphasis": SYNTH_MEL["preemphasis"],
        "context": cfg.context,
        "hidden1": cfg.hidden1,
        "hidden2": cfg.hidden2,
        "layer2": "gru",
        "fc": cfg.fc,
        "condChannels": cfg.cond_channels,
        "condDim": d,
        # Linear prediction from each block's mel frame (lpc.py): the network predicts the excitation.
        "lpc": {"order": cfg.lpc_order, "lagWindowHz": LAG_WINDOW_HZ, "noiseFloor": NOISE_FLOOR},
        "files": {"weights": file_entry(weights_path), "loop": file_entry(loop_path)},
        "tensors": layout,
        "inputs": {"cond": [-1, -1, d], "lpc": [-1, -1, cfg.lpc_order], "uniform": [-1, -1],
                   "h1": [-1, cfg.hidden1], "h2": [-1, cfg.hidden2], "prev": [-1], "hist": [-1, cfg.lpc_order]},
        "outputs": {"classes": [-1, -1], "h1_out": [-1, cfg.hidden1], "h2_out": [-1, cfg.hidden2],
                    "prev_out": [-1], "hist_out": [-1, cfg.lpc_order]},
        "hparams": {**cfg.to_dict(), "temperature": temperature, **(extra_hparams or {})},
        "trainedOn": trained_on,
    }
    if served_engine is None:
        served_engine = previous_served_engine(models_dir)
    if served_engine is not None:
        if served_engine not in ("wavernn", "griffin-lim"):
            raise ValueError(f'served_engine must be "wavernn" or "griffin-lim", got {served_engine!r}')
        entry["servedEngine"] = served_engine
    update_manifest(models_dir, "vocoder", entry)
    if models_dir.resolve() == (REPO / "models").resolve():
        # The Node engines' parity test (test/pipeline/vocoder/parity.test.ts) follows the installed weights.
        write_parity_fixture(models_dir, REPO / "test" / "fixtures" / "vocoder" / "parity.json")
    return entry


def previous_served_engine(models_dir: Path) -> str | None:
    """The `vocoder.servedEngine` already in models_dir/manifest.json, if any."""
    path = Path(models_dir) / "manifest.json"
    if not path.exists():
        return None
    return json.loads(path.read_text()).get("vocoder", {}).get("servedEngine")


def load_checkpoint(path: Path) -> tuple[Vocoder, dict]:
    ckpt = torch.load(path, map_location="cpu")
    cfg = VocoderConfig(**ckpt["config"])
    model = Vocoder(cfg)
    model.load_state_dict(ckpt["model"])
    return model, ckpt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", type=Path, help="checkpoint from clonecast_train.vocoder.train")
    ap.add_argument("--random", action="store_true", help="export random weights (seeded) for plumbing tests")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--models", type=Path, default=Path("../models"))
    ap.add_argument("--temperature", type=float, default=1.0, help="sampling temperature folded into the output layer")
    ap.add_argument("--served-engine", choices=["wavernn", "griffin-lim"], default=None,
                    help="what the server uses by default (default: keep the directory's choice)")
    args = ap.parse_args()
    if args.random == bool(args.ckpt):
        ap.error("give exactly one of --ckpt or --random")
    if args.random:
        torch.manual_seed(args.seed)
        model, info, extra = Vocoder(VocoderConfig()), f"random weights (seed {args.seed}), untrained", {}
    else:
        model, ckpt = load_checkpoint(args.ckpt)
        extra = {"steps": ckpt.get("step"), "segmentSamples": ckpt.get("segment_samples"),
                 "batch": ckpt.get("batch"), "valLoss": ckpt.get("val_loss")}
        info = ckpt.get("trained_on", "unknown")
    entry = export(model, args.models, info, extra, temperature=args.temperature, served_engine=args.served_engine)
    print(f"exported vocoder to {args.models}: {entry['files']}")


if __name__ == "__main__":
    main()
