"""Shrink a training checkpoint to what export needs: the model's tensors (optionally float16).

The GPU machine returns files of at most 16 MiB; optimiser state triples a checkpoint's size.
Usage: python slim_checkpoint.py IN.pt OUT.pt [--half]
"""
import sys

import torch


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    half = "--half" in sys.argv
    state = torch.load(src, map_location="cpu")
    slim = {}
    for key, value in state.items():
        if key in ("opt", "optimizer", "optim", "optimiser", "scaler"):
            continue
        if isinstance(value, dict) and all(torch.is_tensor(v) for v in value.values()) and half:
            value = {k: (v.half() if v.is_floating_point() else v) for k, v in value.items()}
        slim[key] = value
    slim["slimmed"] = {"half": half, "from": src}
    torch.save(slim, dst)
    print(f"{src} -> {dst} keys={sorted(k for k in slim)}")


if __name__ == "__main__":
    main()
