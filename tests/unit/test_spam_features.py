from assistant.text.normalize import normalize
from assistant.text.spam_features import extract_spam_features


def features(text: str):  # type: ignore[no-untyped-def]
    return extract_spam_features(normalize(text).normalized)


def test_arabic_ad_with_price_and_whatsapp() -> None:
    f = features("عرض خاص!!! العطر ب ١٥٠ ريال فقط تواصل واتس ٠٥٠١٢٣٤٥٦٧ https://x.co/abc @shop_1")
    assert f.urls == ["https://x.co/abc"]
    assert f.phone_numbers == ["0501234567"]
    assert f.handles == ["@shop_1"]
    assert f.whatsapp and f.price_and_contact
    assert f.prices == ["150 ريال"]


def test_english_flood() -> None:
    f = extract_spam_features("FREE FOLLOWERS NOW!!!!!! 🔥🔥🔥🔥🔥 DM me")
    assert f.caps_ratio > 0.8
    assert f.emoji_count == 5
    assert f.max_char_run >= 5
    assert "dm" in f.contact_words


def test_plain_question_has_no_spam_features() -> None:
    f = features("كم يوم ياخذ الشحن لجدة؟")
    assert not (f.urls or f.phone_numbers or f.handles or f.prices or f.price_and_contact)


def test_mixed_scripts_inside_one_word() -> None:
    assert features("عرضspecial اليوم").mixed_scripts_in_word
