"""Arabic keyword rules applied to posts written in Arabizi.

A member who writes ``7araj`` or ``ya 7mar`` in Latin letters and digits would otherwise slip
past a rule that lists ``حراج`` or ``حمار``. A post that language detection calls Arabizi is read
in Arabic script (``assistant.text.arabizi``), each word spelled the way a rule keyword spells it
when one of its plausible spellings is a keyword word, and the rules' patterns then run on that
reading. Only the rules' own words steer the spelling, so a word becomes a keyword only when the
Arabizi spelling allows it.
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.text.arabizi import arabic_word_counts, read_arabizi
from assistant.text.normalize import normalize

_ARTICLE_PREPOSITION = "لل"  # li + al: "lel bee3" is للبيع


def _spellings(word: str) -> dict[str, str]:
    """Spellings an Arabizi writer's word may come out as, each mapped to the keyword word.

    The silent alef after a plural waw (تابعوا) is never written in Arabizi (``tab3o``).
    """
    out = {word: word}
    if word.endswith("وا") and len(word) > 3:
        out[word[:-1]] = word
    return out


class ArabiziKeywordReader:
    """Reads Arabizi posts in Arabic script, preferring the spellings of the given keywords."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self._keyword_of: dict[str, str] = {}
        vocabulary: set[str] = set()
        for word in arabic_word_counts(keywords):
            self._keyword_of.update(_spellings(word))
            if word.startswith(_ARTICLE_PREPOSITION) and len(word) > 3:
                vocabulary.add(word[len(_ARTICLE_PREPOSITION) :])
        vocabulary.update(self._keyword_of)
        self._vocabulary = frozenset(vocabulary)
        self._memo: dict[tuple[str, str], str] = {}

    def read(self, clean_text: str) -> str | None:
        """The folded Arabic-script reading of an Arabizi post; None for any other post."""
        if not self._keyword_of:
            return None
        reading = read_arabizi(clean_text, self._vocabulary, self._memo)
        if reading is None:
            return None
        words = reading.split()
        out: list[str] = []
        i = 0
        while i < len(words):
            word = words[i]
            if word == _ARTICLE_PREPOSITION and i + 1 < len(words):
                following = words[i + 1].removeprefix("ال")
                word = _ARTICLE_PREPOSITION + following
                i += 1
            out.append(self._keyword_of.get(word, word))
            i += 1
        return normalize(" ".join(out)).folded
