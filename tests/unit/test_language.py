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
        ("talabt M wosalni XXL, w ma 7ada 3am yrod", "arabizi"),
        ("wach kayn chi jellaba mzyana daba?", "arabizi"),  # Maghrebi
        ("shunu hal shi, mako ay jawab", "arabizi"),  # Iraqi
        ("el akl kan helw awy", "arabizi"),  # Egyptian, no digits
        ("ana mabsoota awy bel shanta, ahsan men el sora kaman", "arabizi"),  # no digits
        ("fe had gareb el kors abl keda?", "arabizi"),
        ("mech ma32oul hal ta2khir", "arabizi"),  # digits in a row: ع then ء
        ("allah ykhalikon, el order wesel", "arabizi"),
        # no digits and few list words: most of the other words are not English
        ("el kahk wesel sokhn w taza, merci", "arabizi"),
        ("el abaya di mawgooda be lon kohly?", "arabizi"),
        # ... but names and chat English are (al, lol), and fastText's sure other language wins
        ("Al Pacino was amazing in Scarface lol", "en"),
        ("el coche es muy rapido y me gusta mucho", "other"),
        ("ma soeur a acheté une robe magnifique", "other"),
        ("check out my channel /watch?v=XYTcq5NzMuA #el #fan", "en"),
        ("Allah is great, God bless you all", "en"),
        # Italian and Spanish share short words with Arabizi (di, da, el, fe): still not Arabizi
        ("ho comprato un libro di storia da leggere", "other"),
        ("tengo fe en ti, la vida es bella", "other"),
        ("Miss ya, need ya, love ya", "en"),
        # English text-speak and ordinals are not Arabizi
        ("U GOIN OUT 2NITE?", "en"),
        ("4th and long, see you at 6pm", "en"),
        ("set an alarm for 6am", "en"),
        ("gr8 game m8, c u l8r", "en"),
        ("w8ing for u outside, dont be l8er", "en"),
        # Gulf writers use 8 for غ and ق: a two-word post is found by its digit word alone
        ("ba8i a3'ayer", "arabizi"),
        ("8ali wayed", "arabizi"),
        ("These guys be trying 2much doing 2much", "en"),
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


def test_the_word_lists_are_data_files_beside_the_module() -> None:
    from assistant.text import language

    assert {"habibi", "wallah", "3al", "mako"} <= language._arabizi_words()
    english = language._english_words()
    assert {"delivery", "order", "lol", "dont"} <= english
    assert not any(w.startswith("#") or w != w.strip() for w in english)
    assert language._is_english("bitches") and language._is_english("orders")
    assert not language._is_english("weslet")
