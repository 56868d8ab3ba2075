"""Greeting-dressed copies of the triage seed posts: the formulas file and the dressing."""

import random
from pathlib import Path

import pytest

from assistant.moderation.training.common import Example
from assistant.moderation.training.greetings import (
    DRESSED_SOURCE,
    Greetings,
    dress,
    dressed_copies,
    load_greetings,
)


@pytest.fixture(scope="module")
def greetings() -> Greetings:
    return load_greetings()


def _post(text: str, label: str, language: str) -> Example:
    return Example(text, label, {"language": language, "source": "team", "id": "x"})


def test_shipped_file_has_every_language(greetings: Greetings) -> None:
    for kind in ("openings", "closings"):
        for language in ("ar", "en", "arabizi"):
            assert len(greetings.pick(kind, language, "all")) >= 2  # type: ignore[arg-type]


def test_even_and_odd_halves_share_no_formula(greetings: Greetings) -> None:
    for language in ("ar", "en", "arabizi", "mixed"):
        even = set(greetings.pick("openings", language, "even"))
        odd = set(greetings.pick("openings", language, "odd"))
        assert even and odd and not even & odd
        assert even | odd == set(greetings.pick("openings", language, "all"))


def test_a_post_is_opened_with_a_greeting_of_its_own_language(greetings: Greetings) -> None:
    rng = random.Random(0)
    arabic = _post("بكم الشحن للرياض؟", "question", "ar")
    for _ in range(20):
        copy = dress(arabic, greetings, rng, "all")
        opening = copy.text[: copy.text.index("بكم الشحن")]
        assert any(opening.startswith(g) for g in greetings.pick("openings", "ar", "all"))
        assert copy.label == "question"
        assert copy.meta["source"] == DRESSED_SOURCE and copy.meta["language"] == "ar"
    english = _post("How much is shipping?", "question", "en")
    english_openings = greetings.pick("openings", "en", "all")
    for _ in range(20):
        copy = dress(english, greetings, rng, "all")
        assert any(copy.text.startswith(g) for g in english_openings)
        assert "How much is shipping?" in copy.text
    arabizi = dress(_post("kam el se3r?", "question", "arabizi"), greetings, rng, "odd")
    assert any(arabizi.text.startswith(g) for g in greetings.pick("openings", "arabizi", "odd"))


def test_greeting_posts_are_not_dressed_and_copies_are_deterministic(
    greetings: Greetings,
) -> None:
    posts = [
        _post("السلام عليكم", "greeting_other", "ar"),
        _post("الطلب وصلني مكسور", "complaint", "ar"),
        _post("Where is my order?", "order_support", "en"),
    ]
    copies = dressed_copies(posts, greetings, seed=5)
    assert [c.label for c in copies] == ["complaint", "order_support"]
    assert copies == dressed_copies(posts, greetings, seed=5)
    for copy, post in zip(copies, posts[1:], strict=True):
        assert copy.text != post.text and post.text in copy.text


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            "version: 1\nopenings: {ar: [a, b], en: [c, d]}\nclosings: {ar: [a, b], en: [c, d], "
            "arabizi: [e, f]}\n",
            "openings.arabizi",
        ),
        (
            "version: 1\nopenings: {ar: [a, b], en: [c, d], arabizi: [e, '  ']}\n"
            "closings: {ar: [a, b], en: [c, d], arabizi: [e, f]}\n",
            "openings.arabizi",
        ),
        ("version: 2\nopenings: {}\nclosings: {}\n", "version"),
        (
            "version: 1\nopenings: {ar: [a, b], en: [c, d], arabizi: [e, f]}\n"
            "closings: {ar: [a, b], en: [c, d], arabizi: [e, f]}\nextra: 1\n",
            "extra",
        ),
        ("version: 1\nopenings: [unclosed\n", "cannot read"),
    ],
)
def test_a_bad_formulas_file_names_the_problem(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "greetings.yaml"
    path.write_text(content, "utf-8")
    with pytest.raises(ValueError, match=problem):
        load_greetings(path)
