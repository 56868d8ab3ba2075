"""An LLM draft may not add a negation to a fact of its sources, nor drop one (ar and en)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from assistant.answering.faithfulness import negation_violations

drafting_tests = importlib.import_module("tests.unit.test_answering_drafting")

DELIVERY_EN = "We deliver to Jeddah within 2 days."
DELIVERY_AR = "نوصل إلى جدة خلال يومين."
RETURNS_EN = "Sale items cannot be returned."
RETURNS_AR = "لا يمكن استرجاع المنتجات المخفضة."


@pytest.mark.parametrize(
    ("draft", "source"),
    [
        ("We do not deliver to Jeddah.", DELIVERY_EN),
        ("We don't deliver to Jeddah, sorry.", DELIVERY_EN),
        ("لا نوصل إلى جدة.", DELIVERY_AR),
        ("ما نوصل جدة للأسف", DELIVERY_AR),  # Gulf dialect
        ("مش بنوصل جدة", DELIVERY_AR),  # Levantine/Egyptian
        ("لا نوصّـــل إلى جدة.", DELIVERY_AR),  # diacritics and elongation
    ],
)
def test_a_negation_the_sources_do_not_make_is_caught(draft: str, source: str) -> None:
    (problem,) = negation_violations(draft, [source])
    assert "negation about" in problem


@pytest.mark.parametrize(
    ("draft", "source"),
    [
        ("Sale items can be returned.", RETURNS_EN),
        ("يمكن استرجاع المنتجات المخفضة.", RETURNS_AR),
        ("Sale items can be returned - يمكن استرجاع المنتجات المخفضة", RETURNS_AR),
    ],
)
def test_a_dropped_negation_is_caught(draft: str, source: str) -> None:
    problems = negation_violations(draft, [source])
    assert problems and "negate" in problems[0]


@pytest.mark.parametrize(
    ("draft", "sources"),
    [
        ("We deliver to Jeddah within 2 days.", [DELIVERY_EN]),
        ("Sale items cannot be returned, sorry.", [RETURNS_EN]),
        ("Sorry, sale items can't be returned.", [RETURNS_EN]),
        ("للأسف لا يمكن استرجاع المنتجات المخفضة.", [RETURNS_AR]),
        ("نوصل جدة خلال يومين إن شاء الله", [DELIVERY_AR]),
        # the member's own negation is evidence: the post is among the sources
        ("Sorry your order did not arrive yet.", ["my order did not arrive", DELIVERY_EN]),
        ("نعتذر، طلبك ما وصل بعد.", ["طلبي ما وصل", DELIVERY_AR]),
    ],
)
def test_faithful_drafts_pass(draft: str, sources: list[str]) -> None:
    assert negation_violations(draft, sources) == []


@pytest.mark.parametrize(
    "reply",
    ["Delivery does not take 3 to 5 working days.", "التوصيل ما ياخذ من ٣ إلى ٥ أيام عمل."],
)
def test_a_flipped_llm_draft_falls_back_to_the_grounded_reply(reply: str) -> None:
    draft = drafting_tests._drafter(reply=reply).draft("How long does delivery take?")
    assert draft.generator == "grounded" and draft.fallback_from == "fake-generator"
    assert draft.reason is not None and "negation" in draft.reason
    assert "3" in draft.text or "٣" in draft.text


def test_the_lexicon_is_data_in_the_form_the_check_reads() -> None:
    from assistant.answering.faithfulness import load_lexicon, numbers
    from assistant.config import get_settings
    from assistant.text.normalize import normalize

    lexicon = load_lexicon(get_settings().prompts_dir)
    words = [*lexicon.number_words, *lexicon.negations]
    assert [w for w in words if normalize(w).normalized != w] == []
    assert {"لا", "مش", "not"} <= lexicon.negations
    assert numbers("خلال ثلاثة أيام") == {3.0} and numbers("within three days") == {3.0}


def test_a_lexicon_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from assistant.answering.faithfulness import load_lexicon

    (tmp_path / "answering").mkdir()
    (tmp_path / "answering" / "faithfulness.yaml").write_text(
        "version: 1\nnumber_words: {}\nnegations: []\nnegatoins: [x]\n", "utf-8"
    )
    with pytest.raises(ValidationError, match="negatoins"):
        load_lexicon(tmp_path)
