"""CLI: python -m clonecast_train.encoder {pack,train,pool,eer,export} ... (run from training/).

    pack    audio corpora -> ../.device-data/encoder.npz + encoder_eer.npz
    train   GE2E training from encoder.npz (--device cuda --minutes M), checkpoints in --out, resumes
    pool    checkpoint -> pools.npz {speaker: [n, 256] utterance embeddings}
    eer     checkpoint -> held-out EER (with random-weight and mean-mel baselines)
    export  checkpoint (or --random) -> models/encoder.onnx + manifest `encoder` section
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch

from .export import REPO_MODELS, export_and_register

REPO = Path(__file__).resolve().parents[3]
DEVICE_DATA = REPO / ".device-data"


def _pack(a: argparse.Namespace) -> None:
    from .pack import pack
    synthetic = None if a.no_synthetic else Path(a.synthetic)
    pack(Path(a.data_root), synthetic, Path(a.out), Path(a.eer_out), a.max_speaker_seconds, a.budget_mb, a.extra)


def _train(a: argparse.Namespace) -> None:
    from .train import train
    eer_data = Path(a.eer_data) if a.eer_data and Path(a.eer_data).exists() else None
    train(Path(a.data), Path(a.out), a.device, a.minutes, a.steps, a.speakers, a.per_speaker, a.lr,
          a.clip, a.checkpoint_minutes, eer_data, a.seed, a.log_every)


def _pool(a: argparse.Namespace) -> None:
    from .checkpoints import load_model
    from .pool import write_pools
    write_pools(load_model(Path(a.checkpoint)).to(a.device), [Path(p) for p in a.data], Path(a.out))


def _eer(a: argparse.Namespace) -> None:
    from .checkpoints import load_checkpoint, load_model
    from .data import PackedData
    from .eer import encoder_eer, mean_mel_eer, random_encoder_eer
    held = PackedData.load(a.data)
    what = f"{len(held.speakers)} held-out speakers, {held.n_utterances} utterances"
    print(f"EER on {what}:")
    print(f"  mean log-mel baseline:   {mean_mel_eer(held) * 100:.1f}%")
    print(f"  random-weight encoder:   {random_encoder_eer(held) * 100:.1f}%")
    if a.checkpoint:
        step = load_checkpoint(Path(a.checkpoint))["step"]
        print(f"  trained encoder ({step} steps): {encoder_eer(load_model(Path(a.checkpoint)).to(a.device), held) * 100:.1f}%")


def _export(a: argparse.Namespace) -> None:
    from .model import SpeakerEncoder
    if a.random:
        torch.manual_seed(a.seed)
        model, trained_on, extra = SpeakerEncoder(), f"nothing (random weights, seed {a.seed}): placeholder for pipeline tests", {}
    else:
        from .checkpoints import load_for_export
        model, trained_on, extra = load_for_export(Path(a.checkpoint))
    path = export_and_register(model, Path(a.models), trained_on, extra)
    print(f"wrote {path} ({os.path.getsize(path)} bytes) and the manifest's encoder section: {trained_on}")
    if Path(a.models).resolve() == REPO_MODELS.resolve() and not a.no_fixture:
        from ..manifest import file_entry
        from .fixture import SPEECH_WAV, write_fixture
        if SPEECH_WAV.exists():
            print(f"wrote {write_fixture(model, file_entry(path)['sha256'])} (server parity fixture)")


def main(argv: list[str] | None = None) -> None:
    torch.set_num_threads(int(os.environ.get("CLONECAST_THREADS", "2")))
    parser = argparse.ArgumentParser(prog="python -m clonecast_train.encoder")
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("pack", help="audio corpora -> packed uint8 encoderMel npz files")
    p.add_argument("--data-root", default=str(REPO.parent / "shared" / "data"))
    p.add_argument("--synthetic", default=str(REPO / "data" / "synthetic"))
    p.add_argument("--no-synthetic", action="store_true")
    p.add_argument("--extra", action="append", default=[], metavar="KIND:DIR",
                   help="more corpora: librispeech:DIR, vctk:DIR, ljspeech:DIR (repeatable)")
    p.add_argument("--out", default=str(DEVICE_DATA / "encoder.npz"))
    p.add_argument("--eer-out", default=str(DEVICE_DATA / "encoder_eer.npz"))
    p.add_argument("--max-speaker-seconds", type=float, default=60.0)
    p.add_argument("--budget-mb", type=float, default=22.0, help="cap on the uint8 mels (before compression)")
    p.set_defaults(func=_pack)

    p = sub.add_parser("train", help="GE2E training")
    p.add_argument("--data", default=str(DEVICE_DATA / "encoder.npz"))
    p.add_argument("--eer-data", default=str(DEVICE_DATA / "encoder_eer.npz"),
                   help="held-out npz: EER printed at each checkpoint (skipped if missing)")
    p.add_argument("--out", default=str(REPO / "runs" / "encoder"))
    p.add_argument("--device", default="cpu")
    p.add_argument("--minutes", type=float, default=3.0, help="wall-time budget of this call")
    p.add_argument("--steps", type=int, default=10 ** 9, help="stop at this total step count")
    p.add_argument("--speakers", type=int, default=64, help="N speakers per batch")
    p.add_argument("--per-speaker", type=int, default=10, help="M segments per speaker")
    p.add_argument("--lr", type=float, default=4e-4)
    p.add_argument("--clip", type=float, default=3.0)
    p.add_argument("--checkpoint-minutes", type=float, default=2.0)
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_train)

    p = sub.add_parser("pool", help="per-utterance embeddings of every packed speaker -> pools.npz")
    p.add_argument("--checkpoint", default=str(REPO / "runs" / "encoder"))
    p.add_argument("--data", nargs="+", default=[str(DEVICE_DATA / "encoder.npz")])
    p.add_argument("--out", default=str(DEVICE_DATA / "pools.npz"))
    p.add_argument("--device", default="cpu")
    p.set_defaults(func=_pool)

    p = sub.add_parser("eer", help="equal error rate on held-out speakers")
    p.add_argument("--checkpoint", default=None, help="checkpoint or run dir (omit: baselines only)")
    p.add_argument("--data", default=str(DEVICE_DATA / "encoder_eer.npz"))
    p.add_argument("--device", default="cpu")
    p.set_defaults(func=_eer)

    p = sub.add_parser("export", help="checkpoint (or random weights) -> models/encoder.onnx + manifest")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--checkpoint", help="a checkpoint .pt file or a run directory (latest checkpoint)")
    group.add_argument("--random", action="store_true", help="random weights (pipeline placeholder)")
    p.add_argument("--models", default=str(REPO_MODELS))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-fixture", action="store_true", help="skip test/fixtures/encoder/speech16k.embedding.json")
    p.set_defaults(func=_export)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
