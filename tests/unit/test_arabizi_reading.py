"""Arabizi posts read in Arabic script: the reader, and heads that carry its vocabulary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.backends import create
from assistant.backends.errors import BackendError
from assistant.backends.head import (
    ARABIZI_VOCABULARY_FILE,
    ComponentSpec,
    HeadManifest,
    save_head,
)
from assistant.moderation.training.common import Example, tfidf_logreg, views
from assistant.text.arabizi import MAX_WORDS_READ, ArabiziReader, arabic_word_counts

ARABIC_TRAIN = [
    Example("انت حمار وغبي", "bad"),
    Example("يا حمار", "bad"),
    Example("غبي وتافه", "bad"),
    Example("يا كلب", "bad"),
    Example("كم السعر", "good"),
    Example("عايز اعرف السعر", "good"),
    Example("شكرا جزيلا", "good"),
    Example("وين الطلب", "good"),
]


@pytest.fixture
def reader() -> ArabiziReader:
    return ArabiziReader(arabic_word_counts(e.text for e in ARABIC_TRAIN))


def test_word_counts_use_the_normalized_view() -> None:
    counts = arabic_word_counts(["السعرررر كم؟", "كــم السِّعر"])
    assert counts == {"السعر": 2, "كم": 2}


def test_arabizi_posts_are_read_with_the_known_spellings(reader: ArabiziReader) -> None:
    assert reader.read("3ayez a3raf el se3r") == "عايز اعرف السعر"
    assert reader.read("enta 7mar w ghabi").split()[1] == "حمار"


def test_a_final_a_may_be_alef_maksura() -> None:
    """على and متى normalize to علي and متي; Arabizi writes them 3ala and meta."""
    reader = ArabiziReader(arabic_word_counts(["على فكرة متى يوصل الطلب؟", "على طول"]))
    assert reader.read("3ala fekra, meta yoosal el order?").split()[:2] == ["علي", "فكره"]
    assert "متي" in reader.read("ya jama3a meta yoosal?").split()


def test_a_final_an_may_be_the_tanween_alif() -> None:
    """شكرا and جدا end in a tanween alif that Arabizi writes "an"; كان keeps its nun."""
    reader = ArabiziReader(arabic_word_counts(["شكرا جدا كان المنتج حلو", "شكرا", "كان"]))
    assert reader.read("shokran gedan, el mantag kan 7elw") == "شكرا جدا المنتج كان حلو"
    # without a known spelling the plainest one stays, as before
    assert ArabiziReader({}).read("shokran 3ala kol 7aga").split()[0] == "شكرن"


@pytest.mark.parametrize(
    "text", ["How much is the abaya?", "كم سعر العباية؟", "hi الفستان متوفر size M?", ""]
)
def test_other_posts_pass_unchanged(reader: ArabiziReader, text: str) -> None:
    assert reader.read(text) == text


def test_a_very_long_arabizi_post_is_read_only_up_to_the_cap(reader: ArabiziReader) -> None:
    reading = reader.read("3ayez a3raf el se3r " * 1000)
    assert 0 < len(reading.split()) <= MAX_WORDS_READ


def _save_text_head(directory: Path, vocabulary: dict[str, int] | None) -> None:
    text = tfidf_logreg(C=10.0).set_params(features__char__min_df=1, features__word__min_df=1)
    text.fit(views(ARABIC_TRAIN), [e.label for e in ARABIC_TRAIN])
    manifest = HeadManifest(
        name="tiny",
        task="test",
        labels=["bad", "good"],
        sklearn_version="x",
        components=[ComponentSpec(kind="text", file="text.joblib", sha256="", weight=1.0)],
    )
    save_head(directory, manifest, {"text.joblib": text}, arabizi_vocabulary=vocabulary)


def test_a_head_with_a_vocabulary_reads_arabizi_like_arabic(tmp_path, fake_settings) -> None:  # type: ignore[no-untyped-def]
    vocabulary = arabic_word_counts(e.text for e in ARABIC_TRAIN)
    _save_text_head(tmp_path / "reading", vocabulary)
    _save_text_head(tmp_path / "plain", None)
    reading = create("classifier", "head", artifact="reading", models_dir=str(tmp_path))
    plain = create("classifier", "head", artifact="plain", models_dir=str(tmp_path))
    insult, question = reading.predict_proba(["enta 7mar w ghabi", "3ayez a3raf el se3r"])
    assert insult["bad"] > 0.6 and question["good"] > 0.6
    # without the reading, the Latin letters share nothing with the Arabic training texts
    insult_plain, question_plain = plain.predict_proba(["enta 7mar w ghabi", "3ayez a3raf el se3r"])
    assert insult_plain["bad"] < insult["bad"] and question_plain["good"] < question["good"]
    manifest = json.loads((tmp_path / "reading" / "manifest.json").read_text("utf-8"))
    assert manifest["arabizi_reading"]["vocabulary"] == ARABIZI_VOCABULARY_FILE
    assert "arabizi_reading" not in json.loads((tmp_path / "plain" / "manifest.json").read_text())
    # the policy asks this to know whether the head saw an Arabizi post as Latin text
    assert reading.reads_arabizi and not plain.reads_arabizi


def test_a_tampered_vocabulary_is_refused(tmp_path, fake_settings) -> None:  # type: ignore[no-untyped-def]
    _save_text_head(tmp_path / "tiny", {"حمار": 3})
    (tmp_path / "tiny" / ARABIZI_VOCABULARY_FILE).write_text('{"كلب": 9}', "utf-8")
    with pytest.raises(BackendError, match="sha256"):
        create("classifier", "head", artifact="tiny", models_dir=str(tmp_path))


def test_retraining_without_reading_removes_the_old_vocabulary(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _save_text_head(tmp_path / "tiny", {"حمار": 3})
    _save_text_head(tmp_path / "tiny", None)
    assert not (tmp_path / "tiny" / ARABIZI_VOCABULARY_FILE).exists()
