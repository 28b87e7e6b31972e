"""CLI (run from training/): python -m clonecast_train.synthesizer {pack,train,export,random} ...

    pack    transcribed corpora -> ../.device-data/synth.npz (synthMel uint8 + symbol ids), <= --budget-mb
    train   synth.npz + pools.npz -> runs/synth/last.pt (--device cuda --minutes M; resumes)
    export  checkpoint -> models/synth_encoder.onnx + synth_decoder.onnx + manifest `synthesizer`
    random  random-weight export (placeholder for pipeline tests)
See training/notes/synthesizer.md for the commands used and the figures.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[3]
DEVICE_DATA = REPO / ".device-data"
SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"  # ../shared/data beside the repo


def random_model(seed: int):
    """Random weights with a duration bias of ~5 frames per symbol, so placeholder output has a length."""
    from .model import SynthConfig, Synthesizer
    torch.manual_seed(seed)
    model = Synthesizer(SynthConfig())
    with torch.no_grad():
        model.duration.proj.bias.fill_(float(torch.log(torch.tensor(6.0))))
        model.decoder.mel_mean.fill_(-4.0)
    return model.eval()


def _pack(a: argparse.Namespace) -> None:
    from .pack import pack
    metadatas = [(Path(m), Path(m).parent.name) for m in a.metadata]
    speakers = None
    if a.speakers_file:
        speakers = {line.strip() for line in Path(a.speakers_file).read_text().splitlines() if line.strip()}
    pack(metadatas, Path(a.out), a.budget_mb, a.max_frames, set(a.keep_full), a.seed, speakers)


def _train(a: argparse.Namespace) -> None:
    from .train import train
    train(Path(a.data), Path(a.out), a.device, a.minutes, a.steps, Path(a.pools) if a.pools else None,
          a.batch_frames, a.max_batch, a.lr, a.warmup, a.checkpoint_minutes, a.seed, a.log_every,
          init=Path(a.init) if a.init else None)


def _export(a: argparse.Namespace) -> None:
    from .export import export_and_register
    from .model import load_model
    model, ckpt = load_model(Path(a.checkpoint))
    hparams = {"steps": int(ckpt["step"])}
    if "durationScale" in ckpt and not a.calibrate:
        model.duration_scale = float(ckpt["durationScale"])
        hparams["durationScale"] = model.duration_scale
        print(f"duration scale {model.duration_scale} (measured by train)")
    if a.calibrate:
        from .calibrate import duration_scale
        cal = duration_scale(model, Path(a.calibrate), Path(a.pools) if a.pools else None)
        model.duration_scale = cal["scale"]
        hparams["durationScale"] = cal["scale"]
        print(f"duration scale {cal['scale']} (actual / predicted frames over {cal['utterances']} validation utterances)")
    trained_on = a.trained_on or (f"{ckpt['step']} steps ({ckpt.get('seconds', 0) / 60:.1f} min) on "
                                  f"{Path(ckpt.get('data', '?')).name}: {len(ckpt.get('trainSpeakers', []))} speakers")
    enc, dec = export_and_register(model.eval(), Path(a.models), trained_on, hparams)
    print(f"wrote {enc} and {dec}")
    _parity(model, Path(a.models))


def _parity(model, models_dir: Path) -> None:
    from .parity import FIXTURE, REPO, check_parity
    default = models_dir.resolve() == (REPO / "models").resolve()
    diffs = check_parity(model, models_dir, write_fixture=default)
    print(f"ONNX (onnxruntime-node) vs PyTorch max abs differences: {diffs}" + (f"; wrote {FIXTURE}" if default else ""))


def _random(a: argparse.Namespace) -> None:
    from .export import export_and_register
    enc, dec = export_and_register(random_model(a.seed), a.models,
                                   f"nothing (random weights, seed {a.seed}): placeholder for pipeline tests")
    print(f"wrote {enc} and {dec}")
    _parity(random_model(a.seed), Path(a.models))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="clonecast_train.synthesizer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("pack", help="corpora -> synth.npz")
    p.add_argument("--metadata", nargs="+", default=[str(SHARED_DATA / "asterisk_en" / "metadata.csv"),
                                                    str(REPO / "data" / "synthetic" / "metadata.csv")])
    p.add_argument("--out", default=str(DEVICE_DATA / "synth.npz"))
    p.add_argument("--budget-mb", type=float, default=45.0,
                   help="raw uint8 mel megabytes before trimming (the file comes out ~0.6x: trimming, LZMA)")
    p.add_argument("--speakers-file", help="only these speakers (one name a line), e.g. the intelligible voices")
    p.add_argument("--max-frames", type=int, default=1000, help="longest utterance kept (12.5 s)")
    p.add_argument("--keep-full", nargs="*", default=["allison"], help="speakers never subsampled")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_pack)

    p = sub.add_parser("train", help="train from synth.npz (resumes from OUT/last.pt)")
    p.add_argument("--data", default=str(DEVICE_DATA / "synth.npz"))
    p.add_argument("--pools", default=str(DEVICE_DATA / "pools.npz"))
    p.add_argument("--out", default=str(REPO / "runs" / "synth"))
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--minutes", type=float)
    p.add_argument("--steps", type=int, help="cumulative step budget")
    p.add_argument("--batch-frames", type=int, default=12000, help="padded mel frames per batch")
    p.add_argument("--max-batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--checkpoint-minutes", type=float, default=5.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--init", help="start from these weights (e.g. a fetched model.pt) when OUT has no last.pt")
    p.set_defaults(func=_train)

    p = sub.add_parser("export", help="checkpoint -> ONNX + manifest")
    p.add_argument("checkpoint")
    p.add_argument("--models", default=str(REPO / "models"))
    p.add_argument("--trained-on", default=None)
    p.add_argument("--calibrate", metavar="DATA.npz", help="scale durations so predicted lengths match this data's validation split")
    p.add_argument("--pools", default=str(DEVICE_DATA / "pools.npz"), help="speaker pools for --calibrate")
    p.set_defaults(func=_export)

    p = sub.add_parser("random", help="random-weight export")
    p.add_argument("--models", type=Path, default=REPO / "models")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_random)

    a = parser.parse_args(argv)
    a.func(a)


if __name__ == "__main__":
    main()
