"""The reimplemented RTVC WaveRNN reproduces RTVC's `infer_waveform` (batched and unbatched): the
upsampled features, the logits (1e-4), the sampled classes exactly given the saved uniforms, and
every post-processing stage."""
import unittest

import numpy as np
import torch

from clonecast_train.rtvc import vocoding as V
from clonecast_train.rtvc.checkpoint import load_checkpoint
from clonecast_train.rtvc.frame_rate_graphs import FrameRateUpsample, impulse_response
from clonecast_train.rtvc.wavernn import WaveRnn
from tests.rtvc_fixtures import fixture, golden, setup_torch


class WaveRnnTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        setup_torch()
        cls.model = WaveRnn.from_checkpoint(load_checkpoint(fixture("small_vocoder.pt"), "vocoder"))
        cls.g = golden("vocoder_golden.npz")
        x = V.upsample_input(cls.g["mel"], cls.model.dims.pad)
        with torch.no_grad():
            cls.up_mels, cls.aux = cls.model.upsample(x)

    def test_upsampling(self):
        self.assertTrue(np.array_equal(V.upsample_input(self.g["mel"], 2)[0].numpy(), self.g["upsample_input"]))
        self.assertLess(float(np.abs(self.up_mels[0].numpy() - self.g["up_mels"]).max()), 1e-5)
        self.assertLess(float(np.abs(self.aux[0].numpy() - self.g["up_aux"]).max()), 1e-5)

    def test_frame_rate_upsampler_is_rtvcs_with_aux_per_frame(self):
        # the three stretch + conv stages (x5 then 11 taps, x5 then 11, x8 then 17) as one kernel: a frame's
        # 200 samples plus the convolutions' reach each side, 5 x 40 + 5 x 8 + 8 = 248 samples
        h, lead = impulse_response(self.model.upsample)
        self.assertEqual((h.size, lead), (696, 248))
        x = V.upsample_input(self.g["mel"], self.model.dims.pad)
        with torch.no_grad():
            up_mels, aux = FrameRateUpsample(self.model.upsample).eval()(x)
        self.assertLess(float(np.abs(up_mels[0].numpy() - self.g["up_mels"]).max()), 1e-5)
        self.assertEqual(tuple(aux.shape), (1, self.g["mel"].shape[1], 32))
        self.assertLess(float(np.abs(aux[0].numpy() - self.g["up_aux"][::200]).max()), 1e-5)

    def check_mode(self, mode: str, up_mels, aux):
        g = lambda k: self.g[f"{mode}_{k}"]
        classes, logits = V.run_sample_loop(self.model, up_mels, aux, g("u"))
        self.assertTrue(np.array_equal(classes, g("idx").astype(np.int64)), f"{mode}: sampled classes differ")
        self.assertLess(float(np.abs(logits.numpy() - g("logits_first16")).max()), 1e-4)
        signal = (2 * classes.astype(np.float32) / 511 - 1).astype(np.float64)
        unfolded = V.xfade_and_unfold(signal) if mode == "batched" else signal[0]
        self.assertLess(float(np.abs(unfolded - g("unfolded")).max()), 1e-6)
        stages = V.finish(unfolded, 512, self.g["mel"].shape[1], 200)
        self.assertLess(float(np.abs(stages["mulaw_decoded"] - g("mulaw_decoded")).max()), 1e-6)
        self.assertLess(float(np.abs(stages["deemphasized"] - g("deemphasized")).max()), 1e-5)
        self.assertEqual(stages["wav"].shape, (9800,))
        self.assertLess(float(np.abs(stages["wav"] - g("wav_f64")).max()), 1e-6)

    def test_unbatched_generation(self):
        self.check_mode("unbatched", self.up_mels, self.aux)

    def test_batched_generation_folds_and_crossfades(self):
        folded = V.fold_with_overlap(self.up_mels)
        self.assertEqual(tuple(folded.shape), (2, 9600, 80))
        self.check_mode("batched", folded, V.fold_with_overlap(self.aux))


if __name__ == "__main__":
    unittest.main()
