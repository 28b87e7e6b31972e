"""RTVC's Tacotron (SV2TTS synthesizer), restated as three pieces a streaming server can drive:

* `TextEncoder` + projection: chars [B, N] and speaker [B, S] -> encoder_seq [B, N, C + S] and its
  projection for the attention [B, N, D]. The prenet's dropout is an input (`keep` multipliers).
* `DecoderStep`: one decoder step (r mel frames) from explicit recurrent and attention state, so the
  caller owns the loop, the stop rule and the dropout masks, and can emit frames as they come.
* `Postnet`: the CBHG over the whole sequence of decoder mels -> the spectrogram RTVC returns.

Dropout: RTVC's prenets drop with p = 0.5 even at inference. Here each prenet layer output is
multiplied by a `keep` tensor: 0 or 1/(1-p) per unit for RTVC's behaviour (masks drawn by the
caller, so they can be seeded or injected), or all ones for the deterministic mode.
Dimensions are read from the checkpoint's state dict, never assumed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .checkpoint import Checkpoint, require
from .encoder import load_weights


@dataclass(frozen=True)
class TacotronDims:
    num_chars: int
    embed_dims: int
    encoder_dims: int
    encoder_prenet: tuple[int, int]
    encoder_K: int
    num_highways: int
    speaker_dims: int
    decoder_dims: int
    decoder_prenet: tuple[int, int]
    lstm_dims: int
    attn_filters: int
    attn_kernel: int
    n_mels: int
    max_r: int
    r: int
    postnet_dims: int
    postnet_K: int
    stop_threshold: float

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_state(cls, ckpt: Checkpoint) -> "TacotronDims":
        s, p = ckpt.state, ckpt.path
        emb = require(s, "encoder.embedding.weight", 2, p)
        enc_fc1 = require(s, "encoder.pre_net.fc1.weight", 2, p)
        enc_fc2 = require(s, "encoder.pre_net.fc2.weight", 2, p)
        proj = require(s, "encoder_proj.weight", 2, p)
        dec_fc1 = require(s, "decoder.prenet.fc1.weight", 2, p)
        dec_fc2 = require(s, "decoder.prenet.fc2.weight", 2, p)
        attn_conv = require(s, "decoder.attn_net.conv.weight", 3, p)
        n_mels = dec_fc1.shape[1]
        encoder_dims = enc_fc2.shape[0]
        return cls(
            num_chars=emb.shape[0], embed_dims=emb.shape[1], encoder_dims=encoder_dims,
            encoder_prenet=(enc_fc1.shape[0], enc_fc2.shape[0]),
            encoder_K=count(s, "encoder.cbhg.conv1d_bank.{}.conv.weight"),
            num_highways=count(s, "encoder.cbhg.highways.{}.W1.weight"),
            speaker_dims=proj.shape[1] - encoder_dims,
            decoder_dims=require(s, "decoder.attn_rnn.weight_hh", 2, p).shape[1],
            decoder_prenet=(dec_fc1.shape[0], dec_fc2.shape[0]),
            lstm_dims=require(s, "decoder.res_rnn1.weight_hh", 2, p).shape[1],
            attn_filters=attn_conv.shape[0], attn_kernel=attn_conv.shape[2],
            n_mels=n_mels, max_r=require(s, "decoder.mel_proj.weight", 2, p).shape[0] // n_mels,
            r=int(s["decoder.r"].item()) if "decoder.r" in s else 1,
            postnet_dims=require(s, "postnet.pre_highway.weight", 2, p).shape[0],
            postnet_K=count(s, "postnet.conv1d_bank.{}.conv.weight"),
            stop_threshold=float(s["stop_threshold"].item()) if "stop_threshold" in s else -3.4,
        )


def count(state: dict, pattern: str) -> int:
    n = 0
    while pattern.format(n) in state:
        n += 1
    return n


class Highway(nn.Module):
    """y = g * relu(W1 x) + (1 - g) * x, g = sigmoid(W2 x)."""

    def __init__(self, size: int):
        super().__init__()
        self.W1 = nn.Linear(size, size)
        self.W2 = nn.Linear(size, size)

    def forward(self, x):
        g = torch.sigmoid(self.W2(x))
        return g * F.relu(self.W1(x)) + (1.0 - g) * x


class BatchNormConv(nn.Module):
    """Conv1d (no bias, padding k // 2) -> optional ReLU -> BatchNorm (RTVC's order: ReLU before BN)."""

    def __init__(self, cin: int, cout: int, kernel: int, relu: bool = True):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, kernel, padding=kernel // 2, bias=False)
        self.bnorm = nn.BatchNorm1d(cout)
        self.relu = relu

    def forward(self, x):
        x = self.conv(x)
        return self.bnorm(F.relu(x) if self.relu else x)


class Cbhg(nn.Module):
    """Conv bank (k = 1..K, cropped to T) -> maxpool(2, 1, pad 1, cropped) -> 2 projections ->
    residual -> [pre_highway] -> highways -> bidirectional GRU. [B, C_in, T] -> [B, T, channels]."""

    def __init__(self, K: int, cin: int, channels: int, proj: tuple[int, int], highways: int):
        super().__init__()
        self.conv1d_bank = nn.ModuleList([BatchNormConv(cin, channels, k) for k in range(1, K + 1)])
        self.maxpool = nn.MaxPool1d(kernel_size=2, stride=1, padding=1)
        self.conv_project1 = BatchNormConv(K * channels, proj[0], 3)
        self.conv_project2 = BatchNormConv(proj[0], proj[1], 3, relu=False)
        self.pre_highway = nn.Linear(proj[1], channels, bias=False) if proj[1] != channels else None
        self.highways = nn.ModuleList([Highway(channels) for _ in range(highways)])
        self.rnn = nn.GRU(channels, channels // 2, batch_first=True, bidirectional=True)

    def forward(self, x):
        T = x.shape[-1]
        bank = torch.cat([conv(x)[:, :, :T] for conv in self.conv1d_bank], dim=1)
        y = self.maxpool(bank)[:, :, :T]
        y = self.conv_project2(self.conv_project1(y)) + x
        y = y.transpose(1, 2)
        if self.pre_highway is not None:
            y = self.pre_highway(y)
        for h in self.highways:
            y = h(y)
        return self.rnn(y)[0]


class PreNet(nn.Module):
    """relu(fc1 x) * keep1 -> relu(fc2 .) * keep2 (keep: dropout multipliers, see module doc)."""

    def __init__(self, cin: int, d1: int, d2: int):
        super().__init__()
        self.fc1 = nn.Linear(cin, d1)
        self.fc2 = nn.Linear(d1, d2)

    def forward(self, x, keep1, keep2):
        x = F.relu(self.fc1(x)) * keep1
        return F.relu(self.fc2(x)) * keep2


class TextEncoder(nn.Module):
    def __init__(self, d: TacotronDims):
        super().__init__()
        self.embedding = nn.Embedding(d.num_chars, d.embed_dims)
        self.pre_net = PreNet(d.embed_dims, *d.encoder_prenet)
        c = d.encoder_dims
        self.cbhg = Cbhg(d.encoder_K, d.encoder_prenet[1], c, (c, c), d.num_highways)

    def forward(self, chars, keep1, keep2):
        """chars [B, N] -> CBHG output [B, N, encoder_dims]."""
        x = self.pre_net(self.embedding(chars), keep1, keep2)
        return self.cbhg(x.transpose(1, 2))


class LocationAttention(nn.Module):
    """RTVC's LSA: u = v . tanh(W q + enc_proj + L conv(cumulative)); u *= (chars != 0); softmax."""

    def __init__(self, d: TacotronDims):
        super().__init__()
        self.conv = nn.Conv1d(1, d.attn_filters, d.attn_kernel, padding=(d.attn_kernel - 1) // 2, bias=True)
        self.L = nn.Linear(d.attn_filters, d.decoder_dims, bias=False)
        self.W = nn.Linear(d.decoder_dims, d.decoder_dims, bias=True)
        self.v = nn.Linear(d.decoder_dims, 1, bias=False)

    def forward(self, enc_proj, query, cumulative, char_mask):
        loc = self.L(self.conv(cumulative.unsqueeze(1)).transpose(1, 2))
        u = self.v(torch.tanh(self.W(query).unsqueeze(1) + enc_proj + loc)).squeeze(-1)
        # Pads are "masked" by zeroing their logits, not excluded: RTVC's behaviour, kept.
        return F.softmax(u * char_mask, dim=1)


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's GRUCell, written out so it exports as plain ONNX ops."""
    gi = F.linear(x, w_ih, b_ih)
    gh = F.linear(h, w_hh, b_hh)
    ir, iz, i_n = gi.chunk(3, dim=1)
    hr, hz, hn = gh.chunk(3, dim=1)
    r = torch.sigmoid(ir + hr)
    z = torch.sigmoid(iz + hz)
    n = torch.tanh(i_n + r * hn)
    return (1.0 - z) * n + z * h


def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's LSTMCell (gates i, f, g, o), written out so it exports as plain ONNX ops."""
    gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, dim=1)
    c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c2), c2


class DecoderStep(nn.Module):
    """One decoder step of RTVC's Tacotron with explicit state (see `step`)."""

    def __init__(self, d: TacotronDims):
        super().__init__()
        self.dims = d
        self.register_buffer("r", torch.tensor(d.r, dtype=torch.int))
        self.prenet = PreNet(d.n_mels, *d.decoder_prenet)
        self.attn_net = LocationAttention(d)
        ctx = d.encoder_dims + d.speaker_dims
        self.attn_rnn = nn.GRUCell(ctx + d.decoder_prenet[1], d.decoder_dims)
        self.rnn_input = nn.Linear(ctx + d.decoder_dims, d.lstm_dims)
        self.res_rnn1 = nn.LSTMCell(d.lstm_dims, d.lstm_dims)
        self.res_rnn2 = nn.LSTMCell(d.lstm_dims, d.lstm_dims)
        self.mel_proj = nn.Linear(d.lstm_dims, d.n_mels * d.max_r, bias=False)
        self.stop_proj = nn.Linear(ctx + d.lstm_dims, 1)

    def forward(self, enc_seq, enc_proj, char_mask, prenet_in, attn_h, rnn1_h, rnn1_c, rnn2_h, rnn2_c,
                context, cumulative, keep1, keep2):
        """Shapes: enc_seq [B, N, C], enc_proj [B, N, D], char_mask [B, N] (1 for chars != 0),
        prenet_in [B, n_mels] (zeros at step 0, then the last frame of the previous step),
        states attn_h [B, D], rnn*_h/c [B, L], context [B, C], cumulative [B, N] (sum of previous
        attention weights), keep1/keep2 [B, prenet dims].
        Returns mels [B, n_mels, r], attention [B, N], stop [B] (sigmoid), and the next states
        in input order: attn_h, rnn1_h, rnn1_c, rnn2_h, rnn2_c, context, cumulative."""
        d = self.dims
        pre = self.prenet(prenet_in, keep1, keep2)
        a = self.attn_rnn
        attn_h = gru_cell(torch.cat([context, pre], dim=-1), attn_h, a.weight_ih, a.weight_hh, a.bias_ih, a.bias_hh)
        scores = self.attn_net(enc_proj, attn_h, cumulative, char_mask)
        context = torch.bmm(scores.unsqueeze(1), enc_seq).squeeze(1)
        x = self.rnn_input(torch.cat([context, attn_h], dim=1))
        l1, l2 = self.res_rnn1, self.res_rnn2
        rnn1_h, rnn1_c = lstm_cell(x, rnn1_h, rnn1_c, l1.weight_ih, l1.weight_hh, l1.bias_ih, l1.bias_hh)
        x = x + rnn1_h
        rnn2_h, rnn2_c = lstm_cell(x, rnn2_h, rnn2_c, l2.weight_ih, l2.weight_hh, l2.bias_ih, l2.bias_hh)
        x = x + rnn2_h
        mels = self.mel_proj(x).view(x.shape[0], d.n_mels, d.max_r)[:, :, : d.r]
        stop = torch.sigmoid(self.stop_proj(torch.cat([x, context], dim=1))).squeeze(1)
        return mels, scores, stop, attn_h, rnn1_h, rnn1_c, rnn2_h, rnn2_c, context, cumulative + scores


class Tacotron(nn.Module):
    """Container with RTVC's state-dict names: encoder, encoder_proj, decoder, postnet, post_proj."""

    def __init__(self, d: TacotronDims):
        super().__init__()
        self.dims = d
        self.encoder = TextEncoder(d)
        self.encoder_proj = nn.Linear(d.encoder_dims + d.speaker_dims, d.decoder_dims, bias=False)
        self.decoder = DecoderStep(d)
        self.postnet = Cbhg(d.postnet_K, d.n_mels, d.postnet_dims, (d.postnet_dims, d.n_mels), d.num_highways)
        self.post_proj = nn.Linear(d.postnet_dims, d.n_mels, bias=False)
        self.register_buffer("step", torch.zeros(1, dtype=torch.long))
        self.register_buffer("stop_threshold", torch.tensor(d.stop_threshold, dtype=torch.float32))

    @classmethod
    def from_checkpoint(cls, ckpt: Checkpoint) -> "Tacotron":
        model = cls(TacotronDims.from_state(ckpt))
        load_weights(model, ckpt.state, ckpt.path)
        return model.eval()

    def encode(self, chars, speaker, keep1, keep2):
        """chars [B, N] int64, speaker [B, S] -> (encoder_seq [B, N, C + S], encoder_seq_proj [B, N, D])."""
        x = self.encoder(chars, keep1, keep2)
        spk = speaker.unsqueeze(1).expand(-1, x.shape[1], -1)
        seq = torch.cat([x, spk], dim=2)
        return seq, self.encoder_proj(seq)

    def post(self, decoder_mels):
        """decoder mels [B, n_mels, T] -> the spectrogram RTVC returns [B, n_mels, T]."""
        return self.post_proj(self.postnet(decoder_mels)).transpose(1, 2)
