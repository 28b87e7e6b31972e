"""CLI: python -m clonecast_train.encoder {pack,train,pool,eer,export} ... (run from training/)."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch

from .export import REPO_MODELS, export_and_register
from .model import SpeakerEncoder


def _export(args: argparse.Namespace) -> None:
    torch.manual_seed(args.seed)
    model = SpeakerEncoder()
    if args.random:
        trained_on = "nothing (random weights, seed %d): placeholder for pipeline tests" % args.seed
        extra = {}
    else:
        from .checkpoints import load_for_export
        model, trained_on, extra = load_for_export(Path(args.checkpoint))
    path = export_and_register(model, Path(args.models), trained_on, extra)
    print(f"wrote {path} ({os.path.getsize(path)} bytes) and the manifest's encoder section")


def main(argv: list[str] | None = None) -> None:
    torch.set_num_threads(int(os.environ.get("CLONECAST_THREADS", "2")))
    parser = argparse.ArgumentParser(prog="python -m clonecast_train.encoder")
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("export", help="checkpoint (or random weights) -> models/encoder.onnx + manifest")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--checkpoint", help="a checkpoint .pt file or a run directory (latest checkpoint)")
    group.add_argument("--random", action="store_true", help="random weights (pipeline placeholder)")
    p.add_argument("--models", default=str(REPO_MODELS))
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_export)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
