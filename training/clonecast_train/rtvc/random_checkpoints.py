"""`python3 -m clonecast_train.rtvc.random_checkpoints --shapes shapes.json --out DIR`: random-weight
checkpoints in the exact layout of RTVC's released encoder.pt / synthesizer.pt / vocoder.pt (as
listed by ../shared/rtvc-parity/shapes.json), to measure the server on networks of RTVC's size
when no real weights are at hand. Sound is meaningless; shapes, sizes and cost are RTVC's.
Writes into DIR only (never commit them: about 440 MB).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import torch

DTYPES = {"float32": torch.float32, "int64": torch.int64, "int32": torch.int32}


def random_tensor(name: str, shape: list[int], dtype: str, gen: torch.Generator) -> torch.Tensor:
    """A plausible value for each kind of tensor: positive variances, unit-ish BatchNorm gains,
    1/k upsampling kernels, and weights uniform in +-1/sqrt(fan_in) so activations stay in range."""
    if dtype != "float32":
        value = 2 if name == "decoder.r" else 0
        return torch.full(shape, value, dtype=DTYPES[dtype])
    if name == "stop_threshold":
        return torch.tensor(-3.4)
    if name.endswith("running_var"):
        return torch.rand(shape, generator=gen) + 0.5
    if name.endswith("running_mean"):
        return torch.randn(shape, generator=gen) * 0.1
    is_norm = "bnorm" in name or "batch_norm" in name
    if is_norm and name.endswith("weight"):
        return 1 + torch.randn(shape, generator=gen) * 0.1
    if "up_layers" in name:
        return (1 + torch.randn(shape, generator=gen) * 0.1) / shape[-1]
    fan_in = math.prod(shape[1:]) if len(shape) > 1 else (shape[0] if shape else 1)
    bound = 1 / math.sqrt(max(1, fan_in))
    return (torch.rand(shape, generator=gen) * 2 - 1) * bound


def build_state(layout: list[dict], seed: int) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return {e["name"]: random_tensor(e["name"], e["shape"], e["dtype"], gen) for e in layout}


def write_checkpoints(shapes_path: Path, out: Path, seed: int = 1) -> dict[str, Path]:
    shapes = json.loads(Path(shapes_path).read_text())["checkpoints"]
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for i, (fname, info) in enumerate(sorted(shapes.items())):
        state = build_state(info["model_state"], seed + i)
        ckpt = {"model_state": state}
        if fname == "encoder.pt":
            ckpt["step"] = 0
        path = out / fname
        torch.save(ckpt, path)
        paths[fname.removesuffix(".pt")] = path
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shapes", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    paths = write_checkpoints(args.shapes, args.out, args.seed)
    print(json.dumps({k: str(v) for k, v in paths.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
