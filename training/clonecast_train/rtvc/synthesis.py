"""RTVC's synthesis loop over `DecoderStep`: go frame, state initialisation, the stop rule, the
postnet and the trailing-frame trim, as `Tacotron.generate` + `synthesize_spectrograms` do them.
The server (src/pipeline/rtvc) runs the same loop over the exported graphs; this is the reference.
"""
from __future__ import annotations

from typing import Callable

import torch

from .tacotron import Tacotron

#: RTVC's tts_dropout: prenet dropout probability at inference.
PRENET_DROPOUT = 0.5
#: Decoder loop bound in frames (`steps=2000` in Tacotron.generate).
MAX_FRAMES = 2000
#: The stop rule fires only once t (frames before this step) exceeds this.
STOP_MIN_T = 10

#: (layer shape) -> keep multipliers; layer is "enc1", "enc2", "dec1" or "dec2", step is the decoder step (or -1).
KeepFn = Callable[[str, int, tuple[int, ...]], torch.Tensor]


def deterministic_keep(layer: str, step: int, shape: tuple[int, ...]) -> torch.Tensor:
    """Dropout off (RTVC with `pre_net.p = 0`)."""
    return torch.ones(shape)


def mask_keep(masks: dict[str, torch.Tensor], p: float = PRENET_DROPOUT) -> KeepFn:
    """Injected keep-masks (1 = kept): enc1/enc2 [N, units], dec1/dec2 [steps, units]."""
    def keep(layer: str, step: int, shape: tuple[int, ...]) -> torch.Tensor:
        m = masks[layer] if step < 0 else masks[layer][step]
        return m.to(torch.float32).reshape(shape) / (1.0 - p)
    return keep


@torch.no_grad()
def synthesize(model: Tacotron, chars: torch.Tensor, speaker: torch.Tensor, keep: KeepFn = deterministic_keep,
               max_frames: int = MAX_FRAMES, force_frames: int | None = None) -> dict[str, torch.Tensor]:
    """chars [1, N] int64 (ending in EOS), speaker [1, S]. Returns decoder_mels [1, M, T], mel
    (postnet output) [1, M, T], mel_trimmed, attention [steps, N], stop [steps], plus encoder outputs.
    `force_frames` stops after the step where t + r >= force_frames (the fixtures' patch)."""
    d = model.dims
    B, N = chars.shape
    e1, e2 = d.encoder_prenet
    seq, proj = model.encode(chars, speaker, keep("enc1", -1, (B, N, e1)), keep("enc2", -1, (B, N, e2)))
    char_mask = (chars != 0).to(torch.float32)
    state = [torch.zeros(B, d.decoder_dims)] + [torch.zeros(B, d.lstm_dims) for _ in range(4)] + \
            [torch.zeros(B, seq.shape[2]), torch.zeros(B, N)]
    prenet_in = torch.zeros(B, d.n_mels)
    mels, attn, stops = [], [], []
    for i, t in enumerate(range(0, max_frames, d.r)):
        out = model.decoder(seq, proj, char_mask, prenet_in, *state,
                            keep("dec1", i, (B, d.decoder_prenet[0])), keep("dec2", i, (B, d.decoder_prenet[1])))
        frames, scores, stop, state = out[0], out[1], out[2], list(out[3:])
        mels.append(frames)
        attn.append(scores[0])
        stops.append(stop[0])
        prenet_in = frames[:, :, -1]
        if force_frames is not None:
            if t + d.r >= force_frames:
                break
        elif bool((stop > 0.5).all()) and t > STOP_MIN_T:
            break
    decoder_mels = torch.cat(mels, dim=2)
    mel = model.post(decoder_mels)
    return {"encoder_seq": seq, "encoder_seq_proj": proj, "decoder_mels": decoder_mels, "mel": mel,
            "mel_trimmed": trim_silent_tail(mel[0], d.stop_threshold), "attention": torch.stack(attn),
            "stop": torch.stack(stops)}


def trim_silent_tail(mel: torch.Tensor, threshold: float) -> torch.Tensor:
    """[M, T] -> drops trailing frames whose max over mels is below `threshold` (RTVC's output trim)."""
    T = mel.shape[1]
    while T > 0 and float(mel[:, T - 1].max()) < threshold:
        T -= 1
    return mel[:, :T]
