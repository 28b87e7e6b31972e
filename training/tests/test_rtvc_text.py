"""The restated RTVC text front end gives RTVC's cleaned strings and ids (meta.json, the goldens)."""
import json
import unittest

from clonecast_train.rtvc.text import cardinal_words, english_cleaners, expand_numbers, number_words, text_to_sequence
from tests.rtvc_fixtures import fixture, golden


class RtvcTextTest(unittest.TestCase):
    def test_cleaned_texts_and_ids_equal_rtvcs(self):
        meta = json.loads(fixture("meta.json").read_text())["synthesizer"]
        g = golden("synthesizer_golden.npz")
        for j, text in enumerate(meta["texts"]):
            self.assertEqual(english_cleaners(text.strip()), meta["cleaned"][j])
            self.assertEqual(text_to_sequence(text), meta["ids"][j])
            self.assertEqual(text_to_sequence(text), g[f"text{j}_ids"].tolist())

    def test_number_words_as_inflect_writes_them(self):
        self.assertEqual(cardinal_words("12345", ""), "twelve thousand, three hundred forty-five")
        self.assertEqual(cardinal_words("1005"), "one thousand and five")
        self.assertEqual(number_words("1905"), "nineteen oh five")
        self.assertEqual(number_words("2005"), "two thousand five")
        self.assertEqual(number_words("1800"), "eighteen hundred")
        self.assertEqual(expand_numbers("the 21st and 3.5"), "the twenty-first and three point five")

    def test_unknown_characters_are_dropped_and_eos_appended(self):
        self.assertEqual(text_to_sequence("a_~#b"), [28, 29, 1])


if __name__ == "__main__":
    unittest.main()
