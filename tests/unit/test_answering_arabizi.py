"""Arabizi → Arabic script (assistant/text/arabizi.py) and its use in retrieval."""

from __future__ import annotations

from assistant.text.arabizi import candidates, is_arabizi_word, transliterate


def test_digits_and_digraphs_become_letters() -> None:
    assert transliterate("el sha7n b kam?") == "الشحن بكم"
    assert transliterate("3andkom") == "عندكم"
    assert transliterate("a3'ayar") == "اغير"
    assert transliterate("khalas").startswith("خل") and "خلص" in candidates("khalas")


def test_candidates_cover_ambiguous_letters_and_long_vowels() -> None:
    spellings = candidates("tawseel")
    assert "توصيل" in spellings and "توسيل" in spellings
    assert candidates("3abaya")[0].startswith("ع")
    assert "عبايه" in candidates("3abaya")


def test_vocabulary_picks_the_known_spelling() -> None:
    vocabulary = {"التوصيل", "عبايه", "ارجع"}
    assert transliterate("el tawseel", vocabulary) == "التوصيل"
    assert transliterate("abi arajje3 el 3abaya", vocabulary) == "ابي ارجع العبايه"


def test_scored_vocabulary_and_numbers() -> None:
    def known(word: str) -> float:
        return {"مقاس": 2.0, "مقس": 0.0}.get(word, 0.0)

    assert transliterate("3andkom maqas 60?", known) == "عندكم مقاس 60"


def test_two_may_stand_for_hamza_or_qaf() -> None:
    """Levantine and Egyptian Arabizi writes the qaf said as a glottal stop as "2"."""
    assert transliterate("2amees") == "ءميس"  # no vocabulary: the plainest reading, hamza
    vocabulary = {"قميص", "مقاس", "سال"}
    assert transliterate("el 2amees w el ma2as", vocabulary) == "القميص والمقاس"
    assert transliterate("sa2al", vocabulary) == "سال"  # hamza seat (سأل) folds to alef


def test_arabizi_word_detection() -> None:
    assert is_arabizi_word("sha7n") and is_arabizi_word("3andkom")
    assert not is_arabizi_word("shipping") and not is_arabizi_word("60")


def test_empty_text() -> None:
    assert transliterate("") == ""
    assert candidates("") == []


def test_set_phrases_are_read_from_the_lexicon() -> None:
    """Written as one word, or with a doubled letter Arabizi writes once elsewhere."""
    assert transliterate("w allah el akl 7elo, inshallah barja3") == (
        "والله الاكل حلو ان شاء الله برجع"
    )
    assert transliterate("mashallah 3alaykon").startswith("ما شاء الله ")
    assert transliterate("el7amdulillah wesel").startswith("الحمد لله ")


def test_a_separate_article_is_not_doubled_before_a_lexicon_reading() -> None:
    assert transliterate("el 7amdulillah wesel").startswith("الحمد لله ")
    assert transliterate("w el hamdulillah").startswith("والحمد لله")
    assert transliterate("b allah 3alek").startswith("بالله ")


def test_every_lexicon_word_can_be_matched() -> None:
    from assistant.text.arabizi import _WORD, lexicon

    words = lexicon()
    assert len(words) >= 40
    for word, arabic in words.items():
        assert _WORD.fullmatch(word), word  # a post's tokens are cut with this pattern
        assert arabic and not any("a" <= c <= "z" for c in arabic), (word, arabic)


def test_gulf_words_a_vocabulary_would_misread_come_from_the_lexicon() -> None:
    """ابغى drops its alef in Arabizi and 8 is غ in غالي; the frequent بقي and قال would win."""
    vocabulary = {"بقي", "قال", "اغير", "وايد"}
    assert transliterate("ba8i a3'ayer", vocabulary) == "ابغي اغير"  # ى normalized to ي
    assert transliterate("8ali wayed", vocabulary) == "غالي وايد"
