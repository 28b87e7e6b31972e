"""english-v1 text front end: what a listener would expect the synthesizer to say."""
import unittest

from clonecast_train.text import SYMBOLS, cardinal, has_letters, normalize, ordinal, text_to_ids, to_ids, year


class NormalizeTest(unittest.TestCase):
    def test_reads_money_times_percent_and_ordinals(self):
        self.assertEqual(normalize("Pay $3.05 by 9:05, 20% off the 2nd."),
                         "pay three dollars and five cents by nine oh five, twenty percent off the second.")

    def test_years_and_plain_numbers(self):
        self.assertEqual(normalize("In 1999 we had 1999 points"), "in nineteen ninety nine we had nineteen ninety nine points")
        self.assertEqual(normalize("1,250 cats"), "one thousand two hundred fifty cats")
        self.assertEqual(year(2005), "two thousand five")
        self.assertEqual(cardinal(90019), "ninety thousand nineteen")
        self.assertEqual(ordinal(70), "seventieth")

    def test_abbreviations_depend_on_context(self):
        self.assertEqual(normalize("Dr. Jones lives on Elm St. near St. Mary's."),
                         "doctor jones lives on elm street near saint mary's.")

    def test_telephone_prompts_of_the_asterisk_corpus(self):
        self.assertEqual(normalize("Press # or * then 3."), "press pound or star then three.")

    def test_accents_stripped_and_unknown_characters_dropped(self):
        self.assertEqual(normalize("Déjà vu \u2014 na\u00efve \u00a9 \u65e5"), "deja vu, naive")

    def test_output_uses_only_symbols_and_is_stable(self):
        for text in ["Hello!!! (world) -- 'yes'", "£5 & €6 @ 7:00", "\t e.g.  i.e. \n", "x" * 3]:
            out = normalize(text)
            self.assertTrue(set(out) <= set(SYMBOLS[1:]), out)
            self.assertEqual(normalize(out), out)

    def test_nothing_speakable_is_detectable(self):
        for text in ["", "...", "?!", "\u65e5\u672c", " - "]:
            self.assertFalse(has_letters(normalize(text)), text)
        self.assertTrue(has_letters(normalize("42")))

    def test_ids_are_in_range_and_never_padding(self):
        ids = text_to_ids("Zebra's quick, jumpy fox; why? yes!")
        self.assertTrue(all(0 < i < len(SYMBOLS) for i in ids))
        self.assertEqual("".join(SYMBOLS[i] for i in ids), "zebra's quick, jumpy fox; why? yes!")
        with self.assertRaises(ValueError):
            to_ids("Capital")


if __name__ == "__main__":
    unittest.main()
