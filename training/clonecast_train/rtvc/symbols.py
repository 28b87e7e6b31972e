"""RTVC's text symbol table (synthesizer/utils/symbols.py at the pinned commit, restated): pad "_"
(id 0), end-of-sequence "~" (id 1), then the letters, punctuation and space: 66 symbols."""
from __future__ import annotations

PAD, EOS = "_", "~"
SYMBOLS = [PAD, EOS] + list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!'\"(),-.:;? ")
PAD_ID, EOS_ID = 0, 1
