"""Training sentences: cleaned, 3-20 words, and never an evaluation (Harvard) sentence."""
import unittest

from clonecast_train.sentences import clean_sentence, eval_sentences, text_key, training_sentences


class SentencesTest(unittest.TestCase):
    def test_eval_list_is_twenty_harvard_sentences(self):
        evals = eval_sentences()
        self.assertEqual(len(evals), 20)
        self.assertEqual(evals[0], "The birch canoe slid on the smooth planks.")

    def test_training_text_excludes_eval_sentences_even_when_offered(self):
        evals = eval_sentences()
        offered = [evals[3].upper(), "Plain words here. " + evals[7].replace(".", "!"), "A fresh new sentence here."]
        sents = training_sentences(extra_texts=offered)
        keys = {text_key(s) for s in sents}
        self.assertIn(text_key("A fresh new sentence here."), keys)
        self.assertFalse(keys & {text_key(e) for e in evals})
        self.assertTrue(all(3 <= len(s.split()) <= 20 for s in sents))
        self.assertEqual(len(keys), len(sents))  # deduplicated

    def test_clean_sentence_rules(self):
        self.assertEqual(clean_sentence("  the  cat   sat "), "The cat sat.")
        self.assertIsNone(clean_sentence("Too short"))
        self.assertIsNone(clean_sentence(" ".join(["word"] * 21)))
        self.assertIsNone(clean_sentence("Caf\u00e9 au lait is nice"))
        self.assertIsNone(clean_sentence('He said "no" to that.'))


if __name__ == "__main__":
    unittest.main()
