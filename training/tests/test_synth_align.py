"""Monotonic alignment search finds the best monotonic path (checked by brute force on small cases)."""
import itertools
import unittest

import numpy as np
import torch

from clonecast_train.synthesizer.align import durations_to_path, log_likelihood, monotonic_alignment


def brute_force(logp: np.ndarray, n: int, t: int) -> list[int]:
    best, best_d = -np.inf, None
    for cuts in itertools.combinations(range(1, t), n - 1):
        bounds = [0, *cuts, t]
        d = [bounds[i + 1] - bounds[i] for i in range(n)]
        score = sum(logp[i, bounds[i]:bounds[i + 1]].sum() for i in range(n))
        if score > best:
            best, best_d = score, d
    return best_d


class AlignTest(unittest.TestCase):
    def test_matches_brute_force_with_padding(self):
        rng = np.random.default_rng(0)
        for _ in range(40):
            n_sym = torch.tensor(rng.integers(1, 6, size=3))
            n_frm = torch.tensor([int(rng.integers(int(n), 10)) for n in n_sym])
            logp = torch.randn(3, 5, 9, generator=torch.Generator().manual_seed(int(rng.integers(1 << 30))))
            d = monotonic_alignment(logp, n_sym, n_frm)
            for b in range(3):
                self.assertEqual(d[b, :n_sym[b]].tolist(), brute_force(logp[b].numpy(), int(n_sym[b]), int(n_frm[b])))
                self.assertEqual(int(d[b].sum()), int(n_frm[b]))
                self.assertTrue(bool((d[b, :n_sym[b]] >= 1).all()))

    def test_recovers_the_true_segmentation_of_clean_data(self):
        mu = torch.eye(4)[None] * 3                       # 4 symbols with distinct means
        truth = torch.tensor([[3, 1, 5, 2]])
        mel = durations_to_path(truth, 11).transpose(1, 2) @ mu
        d = monotonic_alignment(log_likelihood(mel, mu), torch.tensor([4]), torch.tensor([11]))
        self.assertEqual(d.tolist(), truth.tolist())

    def test_path_is_one_hot_per_frame(self):
        path = durations_to_path(torch.tensor([[2, 0, 3]]), 6)
        self.assertEqual(path.sum(1)[0].tolist(), [1, 1, 1, 1, 1, 0])
        self.assertEqual(path[0].argmax(0)[:5].tolist(), [0, 0, 2, 2, 2])


if __name__ == "__main__":
    unittest.main()
