"""CLI: pack | train | export | random (see training/notes/synthesizer.md)."""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from .export import export_and_register
from .model import SynthConfig, Synthesizer

REPO = Path(__file__).resolve().parents[3]


def random_model(seed: int) -> Synthesizer:
    """Random weights with a duration bias of ~5 frames per symbol, so placeholder output has a length."""
    torch.manual_seed(seed)
    model = Synthesizer(SynthConfig())
    with torch.no_grad():
        model.duration.proj.bias.fill_(float(torch.log(torch.tensor(6.0))))
        model.decoder.mel_mean.fill_(-4.0)
    return model.eval()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="clonecast_train.synthesizer")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("random", help="export a random-weight model (placeholder for pipeline tests)")
    p.add_argument("--models", type=Path, default=REPO / "models")
    p.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.cmd == "random":
        model = random_model(args.seed)
        enc, dec = export_and_register(model, args.models, f"nothing (random weights, seed {args.seed}): placeholder for pipeline tests")
        print(f"wrote {enc} and {dec}")


if __name__ == "__main__":
    main()
