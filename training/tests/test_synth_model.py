"""Model properties the server relies on: exact chunked decoding, and batch padding changing nothing."""
import copy
import unittest

import torch

from clonecast_train.synthesizer.model import SynthConfig, Synthesizer


def decode_chunked(decoder, frames: torch.Tensor, chunk: int, context: int) -> torch.Tensor:
    t = frames.shape[1]
    parts = []
    for s in range(0, t, chunk):
        e = min(t, s + chunk)
        lo, hi = max(0, s - context), min(t, e + context)
        parts.append(decoder(frames[:, lo:hi])[:, s - lo:e - lo])
    return torch.cat(parts, dim=1)


class ModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.model = Synthesizer(SynthConfig()).eval()

    @torch.no_grad()
    def test_chunked_decoding_equals_whole_with_exactly_the_declared_context(self):
        dec = self.model.decoder
        frames = torch.randn(1, 150, self.model.cfg.hidden_dim)
        whole = dec(frames)
        for chunk in (1, 7, 16, 64):
            self.assertLess(float((decode_chunked(dec, frames, chunk, dec.context) - whole).abs().max()), 1e-4)

    def test_declared_context_is_the_exact_receptive_field(self):
        dec = self.model.decoder.double()
        try:
            frames = torch.randn(1, 121, self.model.cfg.hidden_dim, dtype=torch.float64, requires_grad=True)
            dec(frames)[0, 60].sum().backward()
            reach = frames.grad[0].abs().sum(1).nonzero()[:, 0]
            self.assertEqual((int(reach.min()), int(reach.max())), (60 - dec.context, 60 + dec.context))
        finally:
            dec.float()

    @torch.no_grad()
    def test_padding_in_a_batch_does_not_change_an_utterance(self):
        ids = torch.tensor([[5, 9, 1, 12, 30, 0, 0, 0], [7, 7, 1, 3, 4, 5, 6, 31]])
        mask = (ids > 0).float()
        spk = torch.nn.functional.normalize(torch.randn(2, 256), dim=1)
        batched = self.model.encode(ids, spk, mask)
        single = self.model.encode(ids[:1, :5], spk[:1], mask[:1, :5])
        self.assertLess(float((batched[0, :5] - single[0]).abs().max()), 1e-5)
        self.assertEqual(float(batched[0, 5:].abs().max()), 0.0)

    @torch.no_grad()
    def test_the_speaker_embedding_changes_the_hidden_sequence(self):
        ids = torch.tensor([[5, 9, 1, 12, 30]])
        mask = torch.ones(ids.shape)
        a = self.model.encode(ids, torch.nn.functional.normalize(torch.randn(1, 256), dim=1), mask)
        b = self.model.encode(ids, torch.nn.functional.normalize(torch.randn(1, 256), dim=1), mask)
        self.assertGreater(float((a - b).abs().mean()), 1e-3)

    @torch.no_grad()
    def test_every_symbol_gets_at_least_one_frame(self):
        model = copy.deepcopy(self.model)
        ids = torch.randint(1, 36, (1, 40))
        mask = torch.ones(ids.shape)
        with torch.no_grad():
            model.duration.proj.bias.fill_(-5.0)  # a predictor that would say "skip"
            hidden = model.encode(ids, torch.nn.functional.normalize(torch.randn(1, 256), dim=1), mask)
            durations = model.predict_durations(hidden, mask)
        self.assertTrue(bool((durations >= 1).all()))


if __name__ == "__main__":
    unittest.main()
