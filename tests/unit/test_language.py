import pytest

from assistant.text.language import detect_language, reply_language


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("كم سعر العباية السوداء؟", "ar"),
        ("شو في عندكم مقاسات؟", "ar"),
        ("ازيك عامل ايه النهارده", "ar"),
        ("How much is the black abaya?", "en"),
        ("hi الفستان متوفر size M?", "mixed"),
        ("عندكم delivery لجدة؟ how much", "mixed"),
        ("kam se3r el 3abaya?", "arabizi"),
        ("shu 7abibi keef el order", "arabizi"),
        ("Bonjour, je voudrais acheter une robe noire", "other"),
        # Links and @handles are Latin whatever the post's language: they are not counted.
        ("شوفوا العرض https://offers.example/summer-sale-2026", "ar"),
        ("كم السعر يا @shop_abaya_official؟ www.shop.com/p?id=5", "ar"),
        ("see https://offers.example/x", "en"),
        ("https://offers.example/x", "en"),
        ("😀😀👍", "unknown"),
        ("", "unknown"),
    ],
)
def test_language_codes(text: str, code: str) -> None:
    assert detect_language(text).code == code


def test_reply_language_follows_the_dominant_script() -> None:
    assert reply_language(detect_language("عندكم delivery لجدة؟")) == "ar"
    assert reply_language(detect_language("kam se3r el 3abaya")) == "ar"
    assert reply_language(detect_language("Do you ship to Riyadh?")) == "en"
