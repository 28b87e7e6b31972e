"""Evaluation of synthesized speech: pocketsphinx word error rate, speaker similarity, Griffin-Lim."""
