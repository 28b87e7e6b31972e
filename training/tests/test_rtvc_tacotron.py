"""The reimplemented RTVC Tacotron, run step by step, reproduces RTVC's goldens (mels within 1e-4),
with dropout off (deterministic mode) and with RTVC's saved dropout masks injected."""
import unittest

import torch

from clonecast_train.rtvc.checkpoint import load_checkpoint
from clonecast_train.rtvc.synthesis import mask_keep, synthesize, trim_silent_tail
from clonecast_train.rtvc.tacotron import Tacotron
from tests.rtvc_fixtures import fixture, golden, setup_torch

TOL = 1e-4
FORCED_FRAMES = 80  # the fixtures' RTVC_FORCE_FRAMES


def diff(a, b) -> float:
    return float((a.squeeze() - torch.from_numpy(b)).abs().max())


class TacotronTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        setup_torch()
        cls.model = Tacotron.from_checkpoint(load_checkpoint(fixture("small_synthesizer.pt"), "synthesizer"))
        cls.g = golden("synthesizer_golden.npz")
        cls.speaker = torch.from_numpy(cls.g["speaker_embedding"])[None]

    def run_text(self, j, **kw):
        return synthesize(self.model, torch.from_numpy(self.g[f"text{j}_ids"])[None], self.speaker, force_frames=FORCED_FRAMES, **kw)

    def test_deterministic_runs_match_both_texts(self):
        for j in (0, 1):
            out = self.run_text(j)
            g = lambda k: self.g[f"det_text{j}_{k}"]
            self.assertLess(diff(out["encoder_seq"], g("encoder_out")), 1e-5)
            self.assertLess(diff(out["encoder_seq_proj"], g("encoder_proj")), 1e-5)
            self.assertLess(diff(out["attention"], g("attn_all")), 1e-5)
            self.assertLess(diff(out["stop"], g("stop_all")), 1e-5)
            self.assertLess(diff(out["decoder_mels"], g("decoder_mels")), TOL)
            self.assertLess(diff(out["mel"], g("mel")), TOL)
            self.assertLess(diff(out["mel_trimmed"], g("mel_trimmed")), TOL)

    def test_injected_dropout_masks_reproduce_rtvc_with_dropout_on(self):
        masks = {k: torch.from_numpy(self.g[f"drop_text0_{n}"]) for k, n in
                 (("enc1", "enc_prenet_mask1"), ("enc2", "enc_prenet_mask2"), ("dec1", "dec_prenet_mask1"), ("dec2", "dec_prenet_mask2"))}
        out = self.run_text(0, keep=mask_keep(masks))
        self.assertLess(diff(out["encoder_seq"], self.g["drop_text0_encoder_out"]), 1e-5)
        self.assertLess(diff(out["stop"], self.g["drop_text0_stop_all"]), 1e-5)
        self.assertLess(diff(out["decoder_mels"], self.g["drop_text0_decoder_mels"]), TOL)
        self.assertLess(diff(out["mel"], self.g["drop_text0_mel"]), TOL)
        # and dropout matters: the deterministic run is far from it
        self.assertGreater(diff(self.run_text(0)["mel"], self.g["drop_text0_mel"]), 0.1)

    def test_natural_stop_rule_runs_to_the_cap_when_stop_never_fires(self):
        out = synthesize(self.model, torch.from_numpy(self.g["text0_ids"])[None], self.speaker)
        self.assertEqual(out["mel"].shape[2], 2000)
        self.assertLess(diff(out["stop"], self.g["natural_text0_stop_all"]), 1e-5)
        self.assertLess(diff(out["mel_trimmed"], self.g["natural_text0_mel_trimmed"]), TOL)

    def test_trailing_frames_below_the_threshold_are_trimmed(self):
        mel = torch.zeros(80, 6)
        mel[:, 4:] = -4.0
        self.assertEqual(trim_silent_tail(mel, -3.4).shape[1], 4)


if __name__ == "__main__":
    unittest.main()
