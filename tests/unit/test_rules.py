"""Group rules: validation errors name the field; matching survives obfuscation."""

from pathlib import Path

import pytest

from assistant.backends import create
from assistant.moderation.rules import RulesEngine, RulesError, load_rules, parse_rules
from assistant.schemas import Action
from assistant.text.normalize import normalize

DEMO_RULES = Path(__file__).resolve().parents[2] / "demo" / "rules.yaml"


def hits_for(engine: RulesEngine, text: str, **kwargs):  # type: ignore[no-untyped-def]
    return engine.match_text(
        normalize(text),
        urls=kwargs.get("urls", []),
        phones=kwargs.get("phones", []),
        handles=kwargs.get("handles", []),
        author_id=kwargs.get("author_id"),
    )


@pytest.fixture
def engine() -> RulesEngine:
    return RulesEngine(load_rules(DEMO_RULES), create("embedder", "fake"))


def test_demo_rules_file_is_valid() -> None:
    rules = load_rules(DEMO_RULES)
    assert {r.id for r in rules.keyword_rules} == {"no-reselling", "no-competitor-links"}
    assert rules.banned_topics[0].id == "politics"


@pytest.mark.parametrize(
    "text",
    [
        "ايفون للبيع",
        "ايفون لـلـبـيـع",
        "ايفون لِلْبَيْع",
        "iphone FOR SALE",
        "iphone f.o.r s.a.l.e",
        "iphone fοr sale",
    ],  # Greek omicron
)
def test_keyword_rule_catches_obfuscated_spellings(engine: RulesEngine, text: str) -> None:
    assert [h.rule_id for h in hits_for(engine, text)] == ["no-reselling"]


def test_keyword_rule_needs_whole_words(engine: RulesEngine) -> None:
    assert hits_for(engine, "the forsaken sale") == []


def test_regex_rule_and_its_evidence(engine: RulesEngine) -> None:
    [hit] = hits_for(engine, "اربح مع USDT يوميا")
    assert hit.rule_id == "crypto-scheme" and hit.action == Action.DELETE
    assert "usdt" in [e.lower() for e in hit.evidence]


def test_link_policy_respects_allowed_domains(engine: RulesEngine) -> None:
    allowed = hits_for(engine, "see demo-abaya.example/new", urls=["demo-abaya.example/new"])
    foreign = hits_for(engine, "see other.shop/x", urls=["other.shop/x"])
    assert allowed == []
    assert [h.rule_id for h in foreign] == ["policy:links"]
    assert foreign[0].action == Action.ESCALATE


def test_allow_lists(engine: RulesEngine) -> None:
    assert hits_for(engine, "للبيع", author_id="shop-owner") == []


@pytest.mark.parametrize(
    ("text", "rule_id", "keyword"),
    [
        ("7araj 3ala abaya sooda, meen bedha?", "no-reselling", "حراج"),
        ("3indi abayat lil bee3, el as3ar bil 5a9", "no-reselling", "للبيع"),
        ("tab3o 7sabi 3al insta ya banat", "no-competitor-links", "تابعوا حسابي"),
    ],
)
def test_arabic_keyword_rules_read_arabizi_posts(
    engine: RulesEngine, text: str, rule_id: str, keyword: str
) -> None:
    [hit] = hits_for(engine, text)
    assert hit.rule_id == rule_id
    assert hit.evidence == [keyword]
    assert hit.read_from_arabizi and "Arabizi" not in hit.description


def test_arabizi_reading_does_not_invent_keywords() -> None:
    """Benign Arabizi posts against short insult keywords: only what the spelling allows."""
    words = ["كلب", "حمار", "غبي", "حرامي", "تافه", "خاص", "للبيع", "حراج"]
    engine = RulesEngine(
        parse_rules(
            {
                "version": 1,
                "group": "g",
                "keyword_rules": [{"id": "k", "category": "c", "action": "warn", "words": words}],
            }
        )
    )
    benign = [
        "ya jama3a, 7ada jarrab el kibbeh men hon? sho ra2yakon fiya?",
        "el misk el abyad byenfa3 lal wlad el z8ar?",
        "wasal el 2amees w ma sha2 allah el khyata ktir ndifeh, bshkorkon",
        "mer7ba b jdad, ntoma mrhbin",
        "3andi so2al 3an el taw9eel, 9ad eh y5od?",
    ]
    for text in benign:
        assert hits_for(engine, text) == [], text
    assert [h.evidence for h in hits_for(engine, "ya 7mar shu 3am t7ki")] == [["حمار"]]
    assert [h.evidence for h in hits_for(engine, "enta 3'aby w mesh fahem 7aga")] == [["غبي"]]


def test_a_qaf_written_as_2_matches_an_arabic_keyword() -> None:
    """Levantine and Egyptian Arabizi writes the qaf said as a glottal stop as "2"."""
    engine = RulesEngine(
        parse_rules(
            {
                "version": 1,
                "group": "g",
                "keyword_rules": [
                    {"id": "k", "category": "c", "action": "warn", "words": ["قرض", "تقسيط"]}
                ],
            }
        )
    )
    assert [h.evidence for h in hits_for(engine, "bade 2ard")] == [["قرض"]]
    assert [sorted(h.evidence) for h in hits_for(engine, "fi ta2seet aw 2ard?")] == [
        ["تقسيط", "قرض"]
    ]
    assert hits_for(engine, "mesh 3aref ya2ra") == []


def test_a_very_long_arabizi_post_is_read_for_keywords_only_up_to_the_cap(
    engine: RulesEngine,
) -> None:
    from assistant.text.arabizi import MAX_WORDS_READ

    filler = " w el abaya 7elwa" * MAX_WORDS_READ
    assert [h.rule_id for h in hits_for(engine, "7araj 3ala abaya sooda" + filler)] == [
        "no-reselling"
    ]
    # past the cap the post is not spelled out (each new word costs ~1 ms)
    assert hits_for(engine, filler + " 7araj 3ala abaya sooda") == []


def test_arabizi_hits_respect_allow_lists(engine: RulesEngine) -> None:
    assert hits_for(engine, "7araj 3ala abaya sooda", author_id="shop-owner") == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"keyword_rulez": []}, "keyword_rulez: Extra inputs are not permitted"),
        (
            {"keyword_rules": [{"id": "a", "category": "c", "action": "smash", "words": ["x"]}]},
            "keyword_rules.0.action",
        ),
        (
            {"regex_rules": [{"id": "a", "category": "c", "action": "hide", "pattern": "("}]},
            "invalid regular expression",
        ),
        (
            {"keyword_rules": [{"id": "a", "category": "c", "action": "hide", "words": []}]},
            "keyword_rules.0.words",
        ),
        ({"thresholds": {"spam": {"hide": 1.5}}}, "thresholds.spam.hide"),
        ([1, 2], "must be a mapping"),
        (
            {
                "keyword_rules": [
                    {"id": "a", "category": "c", "action": "hide", "words": ["x"]},
                    {"id": "a", "category": "c", "action": "hide", "words": ["y"]},
                ]
            },
            "duplicate rule ids: a",
        ),
    ],
)
def test_bad_rules_get_clear_errors(data: object, message: str) -> None:
    with pytest.raises(RulesError, match=message) as info:
        parse_rules(data, source="group.yaml")
    assert str(info.value).startswith("group.yaml: ")


def test_bad_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(RulesError, match="rules file not found"):
        load_rules(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("keyword_rules: [unclosed", encoding="utf-8")
    with pytest.raises(RulesError, match="invalid YAML"):
        load_rules(broken)
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("group: caf\xe9".encode("latin-1"))
    with pytest.raises(RulesError, match="not valid UTF-8"):
        load_rules(latin1)
