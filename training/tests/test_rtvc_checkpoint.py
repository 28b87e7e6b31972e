"""RTVC checkpoint reading: dimensions from the state dict, optimizer state skipped, bad files refused."""
import tempfile
import unittest
from pathlib import Path

import torch

from clonecast_train.rtvc.checkpoint import CheckpointError, load_checkpoint
from clonecast_train.rtvc.tacotron import TacotronDims
from clonecast_train.rtvc.wavernn import WaveRnnDims
from tests.rtvc_fixtures import fixture, setup_torch


class CheckpointTest(unittest.TestCase):
    def setUp(self):
        setup_torch()

    def test_reads_the_small_synthesizer_dimensions_from_its_state_dict(self):
        d = TacotronDims.from_state(load_checkpoint(fixture("small_synthesizer.pt"), "synthesizer"))
        self.assertEqual((d.embed_dims, d.encoder_dims, d.decoder_dims, d.postnet_dims, d.lstm_dims), (64, 32, 64, 32, 128))
        self.assertEqual((d.encoder_K, d.postnet_K, d.num_highways, d.r, d.num_chars, d.speaker_dims), (4, 4, 2, 2, 66, 256))

    def test_reads_the_small_vocoder_dimensions_and_step(self):
        ck = load_checkpoint(fixture("small_vocoder.pt"), "vocoder")
        d = WaveRnnDims.from_state(ck)
        self.assertEqual((d.rnn_dims, d.fc_dims, d.compute_dims, d.res_out_dims, d.res_blocks), (64, 64, 32, 32, 2))
        self.assertEqual((d.upsample_factors, d.pad, d.hop, d.classes), ((5, 5, 8), 2, 200, 512))
        self.assertEqual(ck.step, 777)

    def test_keeps_only_model_tensors(self):
        ck = load_checkpoint(fixture("small_encoder.pt"), "encoder")
        self.assertEqual(ck.step, 12345)
        self.assertTrue(all(not k.startswith(("state", "param_groups", "exp_avg")) for k in ck.state))
        self.assertIn("lstm.weight_ih_l2", ck.state)

    def test_refuses_a_file_that_is_not_a_checkpoint(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = Path(tmp) / "encoder.pt"
            bad.write_bytes(b"RIFF....WAVEfmt not a pickle")
            with self.assertRaisesRegex(CheckpointError, "not a PyTorch checkpoint"):
                load_checkpoint(bad, "encoder")
            other = Path(tmp) / "dict.pt"
            torch.save({"weights": torch.zeros(3)}, other)
            with self.assertRaisesRegex(CheckpointError, "expected a dict with 'model_state'"):
                load_checkpoint(other, "encoder")

    def test_refuses_a_checkpoint_of_another_stage_naming_what_it_holds(self):
        with self.assertRaisesRegex(CheckpointError, "given as the encoder checkpoint, but it holds an RTVC vocoder"):
            load_checkpoint(fixture("small_vocoder.pt"), "encoder")

    def test_refuses_a_missing_file(self):
        with self.assertRaisesRegex(CheckpointError, "no such file"):
            load_checkpoint("/nonexistent/synthesizer.pt", "synthesizer")


if __name__ == "__main__":
    unittest.main()
