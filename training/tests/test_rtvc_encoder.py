"""The reimplemented RTVC speaker encoder reproduces RTVC's embeddings (README: within 1e-5)."""
import unittest

import torch

from clonecast_train.rtvc.checkpoint import load_checkpoint
from clonecast_train.rtvc.encoder import SpeakerEncoder
from tests.rtvc_fixtures import fixture, golden, setup_torch

TOL = 1e-5


class EncoderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        setup_torch()
        cls.model = SpeakerEncoder.from_checkpoint(load_checkpoint(fixture("small_encoder.pt"), "encoder"))
        cls.g = golden("encoder_golden.npz")

    def test_partial_embeddings_and_the_utterance_embedding(self):
        with torch.no_grad():
            emb, lin = self.model(torch.from_numpy(self.g["partial_frames"]))
        self.assertLess(float((lin - torch.from_numpy(self.g["partial_linear_out"])).abs().max()), TOL)
        self.assertLess(float((emb - torch.from_numpy(self.g["partial_embeds"])).abs().max()), TOL)
        mean = emb.mean(0)
        utterance = mean / mean.norm()
        self.assertLess(float((utterance - torch.from_numpy(self.g["embed"])).abs().max()), TOL)

    def test_whole_utterance_embedding(self):
        with torch.no_grad():
            emb, _ = self.model(torch.from_numpy(self.g["mel_frames"])[None])
        self.assertLess(float((emb[0] - torch.from_numpy(self.g["embed_whole_utterance"])).abs().max()), TOL)

    def test_a_different_input_gives_a_different_embedding(self):
        with torch.no_grad():
            emb, _ = self.model(torch.from_numpy(self.g["partial_frames"][:1]) * 2)
        self.assertGreater(float((emb[0] - torch.from_numpy(self.g["partial_embeds"][0])).abs().max()), 1e-3)


if __name__ == "__main__":
    unittest.main()
