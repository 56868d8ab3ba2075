"""The shipped ``models/sentiment`` head on obvious posts in dialects, MSA, English and mixed."""

from pathlib import Path
from typing import Any

import pytest

from assistant.backends import create
from assistant.backends.head import HeadClassifier
from assistant.config import PROJECT_ROOT

pytestmark = pytest.mark.slow

ARTIFACT = PROJECT_ROOT / "models" / "sentiment"


@pytest.fixture(scope="module")
def head() -> HeadClassifier:
    if not (ARTIFACT / "manifest.json").exists():
        pytest.skip(f"no shipped sentiment artifact at {ARTIFACT}: run `mushrif train sentiment`")
    classifier = create("classifier", "head", artifact="sentiment", models_dir=str(ARTIFACT.parent))
    assert isinstance(classifier, HeadClassifier)
    return classifier


def _known_weakness(text: str, expected: str, why: str) -> Any:
    """A case the head gets wrong today: it must keep failing until the weakness is fixed."""
    return pytest.param(
        text, expected, marks=pytest.mark.xfail(strict=True, reason=f"known weakness: {why}")
    )


CASES = [
    # Gulf
    ("الخدمة وايد حلوة وتسلمون على سرعة التوصيل", "positive"),
    ("والله ما عجبني المنتج ابد، خايس وما انصح فيه", "negative"),
    ("وين مكان المحل بالضبط؟", "neutral"),
    # short praise, elongated or not, and a mixed review whose complaint outweighs its praise:
    # negative, negative and positive before the head learned from its own labelled posts
    ("حلو مره", "positive"),
    ("حلووووووووو مررررره", "positive"),
    ("القماش حلو بس الخياطة سيئة", "negative"),
    _known_weakness("تجنننن", "positive", "Gulf praise تجنن reads as Levantine 'drives me mad'"),
    # Egyptian
    ("المنتج تحفة بجد وجودته عالية جدا", "positive"),
    # a known weakness until the head learned from the team's complaints (2026-12-08)
    ("الطلب وصل بايظ والخدمة زي الزفت", "negative"),
    ("المحل بيفتح الساعة كام النهارده؟", "neutral"),
    # Levantine
    ("كتير حلوووو الفستان، شكراً إلكن", "positive"),
    ("الخدمة كتير سيئة وما حدا رد علي", "negative"),
    ("شو مواعيد الدوام بكرا؟", "neutral"),
    # MSA
    ("منتج رائع وأنصح الجميع بشرائه", "positive"),
    ("تجربة سيئة جداً ولن أكرر الشراء", "negative"),
    ("ما هي طرق الدفع المتاحة؟", "neutral"),
    # English
    ("Amazing quality, I love it, thank you!", "positive"),
    ("Worst service ever, totally disappointed", "negative"),
    ("What time do you open on Friday?", "neutral"),
    # Mixed Arabic/English
    ("الطلب وصل بسرعة، amazing service شكرا", "positive"),
    ("very bad experience والمنتج مكسور", "negative"),
    # Arabic-Indic digits
    ("هل يوجد توصيل خلال ٣ أيام؟", "neutral"),
    ("وصلني بعد ١٠ أيام ومكسور، سيء جدا", "negative"),  # a known weakness until 2026-12-08
    # جربت is "I tried" in a review, not "scabies" (the tweets' insult)
    ("جربت الشامبو الجديد وشعري صار ناعم", "positive"),
    ("جربنا المطعم امس والاكل كان لذيذ", "positive"),
    # Arabizi, read in Arabic script by the head (not posts of the Arabizi eval set)
    ("el khedme kanet mumtaze w el akl 7elo ktir, shukran", "positive"),
    ("shokran ktir, el order wesel w kolo 7elw", "positive"),
    ("el order wesel meksour w ma 7ada rad 3layye, khedme se2a", "negative"),
    # Passed until the head learned from its own labelled posts (2026-12-08): za3lan is read
    # زعلن, a word no training text holds, so كتير ("very", positive in AJGT's tweets) and
    # الشنطه ("the bag", praised in two of three team posts naming it) decide.
    _known_weakness(
        "ana za3lan ktir, el shanta et2at3et",
        "negative",
        "a misread Arabizi sentiment word leaves the post to its neutral words",
    ),
    ("addesh el se3r w fi tawseel 3a beirut?", "neutral"),
    _known_weakness(
        "emta bteftaho el ma7al bukra?", "neutral", "misread Arabizi words lean negative"
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_obvious_posts(head: HeadClassifier, text: str, expected: str) -> None:
    scores = head.predict_proba([text])[0]
    assert max(scores, key=scores.__getitem__) == expected, scores


@pytest.mark.parametrize(
    ("plain", "elongated"),
    [
        ("كتير حلو الفستان، شكراً إلكن", "كتير حلوووووو الفستان، شكراً إلكن"),
        ("I love it", "I loooooove it"),
    ],
)
def test_elongation_does_not_change_the_label(
    head: HeadClassifier, plain: str, elongated: str
) -> None:
    a, b = head.predict_proba([plain, elongated])
    assert max(a, key=a.__getitem__) == max(b, key=b.__getitem__) == "positive"


def test_labels_and_size(head: HeadClassifier) -> None:
    assert head.labels == ["negative", "neutral", "positive"]
    assert head.reads_arabizi
    size = sum(p.stat().st_size for p in Path(ARTIFACT).iterdir() if p.is_file())
    assert size < 5 * 1024 * 1024


def test_ajgt_benchmark_split_is_fixed_and_balanced(shared_data: Path) -> None:
    from assistant.moderation.training.sentiment import ajgt_split

    train, test, dropped = ajgt_split(shared_data)
    _, again_test, _ = ajgt_split(shared_data)
    assert [e.text for e in test] == [e.text for e in again_test]
    assert len(train) + len(test) + dropped == 1800
    assert {e.label for e in test} == {"positive", "negative"}
    assert abs(sum(e.label == "positive" for e in test) - len(test) / 2) <= 1
    assert not {e.text for e in train} & {e.text for e in test}
