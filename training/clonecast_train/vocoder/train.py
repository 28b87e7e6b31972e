"""Train the vocoder on the packed speech (pack.py), teacher-forced on short random segments.

    cd training && OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -m clonecast_train.vocoder.train \\
        --data ../.device-data/vocoder.npz --out ../runs/vocoder --device cpu --minutes 2
    # GPU machine (from the repo root's training/ folder):
    python3 -m clonecast_train.vocoder.train --data ../.device-data/vocoder.npz --out ../runs/vocoder \\
        --device cuda --minutes 8 --batch 128

Stops at --steps or --minutes, whichever comes first; the learning rate follows a cosine over that
budget. Checkpoints (`latest.pt`, plain tensors, loadable by torch 1.13) every --save-minutes and at
the end; --resume continues from latest.pt (step, optimiser, elapsed time).
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..features import SYNTH_MEL, log_mel
from .lpc import MelLpc, predict
from .model import Vocoder, VocoderConfig, normalise_mel
from .mulaw import decode, deemphasize, encode
from .pack import load_packed


class SegmentSampler:
    """Random teacher-forcing segments: `frames` mel frames' hop blocks of audio with their mel context,
    the linear prediction of each sample and the excitation class it leaves (lpc.py)."""

    def __init__(self, utterances: list[np.ndarray], cfg: VocoderConfig, frames: int, seed: int):
        self.cfg, self.frames = cfg, frames
        self.rng = np.random.default_rng(seed)
        self.classes, self.mels, self.preds, self.excitations = [], [], [], []
        self.offset = (SYNTH_MEL["winLength"] - cfg.hop) // 2     # frame 0's hop block starts here
        lpc, order = MelLpc(SYNTH_MEL, cfg.lpc_order), cfg.lpc_order
        for cls in utterances:
            s = decode(cls)                   # pre-emphasised samples: the prediction's domain
            mel = log_mel(deemphasize(s, SYNTH_MEL["preemphasis"]), SYNTH_MEL)
            if len(mel) < frames:
                continue
            n = len(mel) * cfg.hop
            p = predict(lpc(mel), s[self.offset - order: self.offset + n], cfg.hop)
            p = np.clip(p, -1.0, 1.0)
            self.classes.append(cls)
            self.mels.append(mel)
            self.preds.append(encode(p).astype(np.int16))
            self.excitations.append(encode(s[self.offset: self.offset + n] - p).astype(np.int16))
        weights = np.array([len(m) - frames + 1 for m in self.mels], dtype=np.float64)
        self.p = weights / weights.sum()

    def batch(self, size: int) -> tuple[torch.Tensor, ...]:
        """-> mel [B, frames + 2 + 2*context, n_mels] (normalised), prev, pred, target [B, L] (L = frames*hop)."""
        ctx, hop, fr = self.cfg.context, self.cfg.hop, self.frames
        mels, prevs, preds, targets = [], [], [], []
        for u in self.rng.choice(len(self.mels), size=size, p=self.p):
            mel, cls = self.mels[u], self.classes[u]
            f0 = int(self.rng.integers(0, len(mel) - fr + 1))
            idx = np.clip(np.arange(f0 - 1 - ctx, f0 + fr + 1 + ctx), 0, len(mel) - 1)   # edge frames repeat
            mels.append(mel[idx])
            s0, j0 = self.offset + f0 * hop, f0 * hop
            prevs.append(cls[s0 - 1: s0 + fr * hop - 1])
            preds.append(self.preds[u][j0: j0 + fr * hop])
            targets.append(self.excitations[u][j0: j0 + fr * hop])
        as_long = lambda xs: torch.from_numpy(np.stack(xs).astype(np.int64))
        return normalise_mel(torch.from_numpy(np.stack(mels))), as_long(prevs), as_long(preds), as_long(targets)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../.device-data/vocoder.npz"))
    ap.add_argument("--out", type=Path, default=Path("../runs/vocoder"))
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--minutes", type=float, default=120.0, help="wall-clock budget of this run")
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--frames", type=int, default=10, help="mel frames per segment (x hop samples)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--save-minutes", type=float, default=5.0)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init", type=Path, default=None,
                    help="start from this checkpoint's weights (e.g. a slim one; fresh optimiser, steps counted on)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--config", type=str, default="{}", help="JSON overrides of VocoderConfig (tests use tiny ones)")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    if args.device == "cpu":
        torch.set_num_threads(2)
    else:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    device = torch.device(args.device)
    args.out.mkdir(parents=True, exist_ok=True)
    ckpt_path = args.out / "latest.pt"

    cfg = VocoderConfig(**json.loads(args.config))
    start_step, elapsed_before, opt_state = 0, 0.0, None
    resuming = args.resume and ckpt_path.exists()
    if resuming:
        ckpt = torch.load(ckpt_path, map_location="cpu")
        cfg = VocoderConfig(**ckpt["config"])
    elif args.init is not None:
        init = torch.load(args.init, map_location="cpu")
        cfg = VocoderConfig(**init["config"])
    model = Vocoder(cfg).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    if resuming:
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        start_step, elapsed_before = ckpt["step"], ckpt.get("elapsed_s", 0.0)
        print(f"resumed from {ckpt_path} at step {start_step}")
    elif args.init is not None:
        # strict=False: a checkpoint from before linear prediction lacks embed_pred (it starts random)
        missing = model.load_state_dict({k: v.float() for k, v in init["model"].items()}, strict=False).missing_keys
        start_step = init.get("step", 0)
        print(f"initialised from {args.init} (step {start_step}; fresh optimiser; new: {missing or 'none'})")

    t_load = time.time()
    utts, meta = load_packed(args.data)
    val_utts, train_utts = utts[::40], [u for i, u in enumerate(utts) if i % 40]
    train = SegmentSampler(train_utts, cfg, args.frames, args.seed + start_step)
    val = SegmentSampler(val_utts, cfg, args.frames, 1234)
    val_batches = [val.batch(16) for _ in range(4)]
    hours = sum(len(u) for u in train_utts) / SYNTH_MEL["sampleRate"] / 3600
    trained_on = f"{hours:.2f} h of real speech ({len(train_utts)} utterances of {args.data.name}: librispeech + asterisk en/es)"
    print(f"data: {len(train_utts)} train / {len(val_utts)} val utterances, {hours:.2f} h, loaded in {time.time() - t_load:.0f} s")
    print(f"params: {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M, config {cfg.to_dict()}")

    def evaluate() -> float:
        model.eval()
        with torch.no_grad():
            losses = [F.cross_entropy(model(m.to(device), p.to(device), q.to(device)).transpose(1, 2), t.to(device)).item()
                      for m, p, q, t in val_batches]
        model.train()
        return float(np.mean(losses))

    def save(step: int, elapsed: float, val_loss: float | None) -> None:
        torch.save({"model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                    "optimizer": opt.state_dict(), "config": cfg.to_dict(), "step": step,
                    "elapsed_s": elapsed, "val_loss": val_loss, "trained_on": trained_on,
                    "segment_samples": args.frames * cfg.hop, "batch": args.batch}, ckpt_path)

    budget_s = args.minutes * 60
    t0 = time.time()
    last_save, last_log, step, running = t0, t0, start_step, []
    val_loss = None
    while step < args.steps and time.time() - t0 < budget_s:
        progress = max(step / args.steps, (elapsed_before + time.time() - t0) / (elapsed_before + budget_s))
        lr = args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))
        for group in opt.param_groups:
            group["lr"] = lr
        mel, prev, pred, target = (x.to(device, non_blocking=True) for x in train.batch(args.batch))
        logits = model(mel, prev, pred)
        loss = F.cross_entropy(logits.transpose(1, 2), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        running.append(loss.item())
        now = time.time()
        if now - last_log > 30 or step == start_step + 1:
            print(f"step {step} loss {np.mean(running):.4f} lr {lr:.2e} {(now - t0) / (step - start_step):.3f} s/step", flush=True)
            running, last_log = [], now
        if now - last_save > args.save_minutes * 60:
            val_loss = evaluate()
            print(f"step {step} val loss {val_loss:.4f}", flush=True)
            save(step, elapsed_before + now - t0, val_loss)
            last_save = now
    val_loss = evaluate()
    elapsed = elapsed_before + time.time() - t0
    save(step, elapsed, val_loss)
    print(f"done: step {step}, val loss {val_loss:.4f} nats/sample, {elapsed / 60:.1f} min in all, saved {ckpt_path}")


if __name__ == "__main__":
    main()
