"""The normalizer on the tricks members use, in Arabic and English."""

import pytest

from assistant.text.normalize import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مَرْحَبًا بِكُمْ", "مرحبا بكم"),  # harakat
        ("يا حـــــمار", "يا حمار"),  # tatweel
        ("حلووووو جداً", "حلو جدا"),  # elongation + tanween
        ("أهلاً إلى آخر", "اهلا الي اخر"),  # alef variants, alef maksura
        ("مدرسة جميلة", "مدرسه جميله"),  # ta marbuta
        ("سعره ٣٠٠ ريال و ۴۵ درهم", "سعره 300 ريال و 45 درهم"),  # Arabic-Indic, Persian digits
        ("ﻣﺮﺣﺒﺎ", "مرحبا"),  # presentation forms
        ("کتاب ی", "كتاب ي"),  # Persian look-alike letters
        ("ك ل ب", "كلب"),  # spaced letters
        ("ك.ل.ب", "كلب"),  # dotted letters
        ("f.u.c.k you", "fuck you"),
        ("s-h-i-t", "shit"),
        ("fuuuuck", "fuck"),
        ("іdіot", "idiot"),  # Cyrillic і
        ("ΙDΙΟΤ", "idiot"),  # Greek capitals
        ("a\u200bss\u200dhole", "asshole"),  # zero-width characters
        ("\u202eabc\u202c", "abc"),  # bidi controls
        ("call +966 50 123 4567", "call +966 50 123 4567"),  # phone numbers stay
        ("wa.me/966500000000", "wa.me/966500000000"),
    ],
)
def test_normalized_view(raw: str, expected: str) -> None:
    assert normalize(raw).normalized == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sh1t", "shit"),
        ("b!tch", "bitch"),
        ("a$$hole", "asshole"),
        ("price 300 sar", "price 300 sar"),
    ],
)
def test_folded_view_undoes_leet_but_keeps_numbers(raw: str, expected: str) -> None:
    assert normalize(raw).folded == expected


def test_clean_view_keeps_letters_as_typed() -> None:
    result = normalize("  مرحباً\u200b   Hello\x00 ")
    assert result.clean == "مرحباً Hello"


def test_truncates_very_long_text() -> None:
    result = normalize("ا" * 100_000, max_chars=10_000)
    assert len(result.original) == 10_000
    assert result.normalized == "ا"  # elongation collapses the run


def test_empty_and_control_only_text() -> None:
    assert normalize("").normalized == ""
    assert normalize("\x00\x01\u200b").normalized == ""
