"""Trained heads: a tiny artifact saved and loaded through the registry."""

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from assistant.backends import create
from assistant.backends.errors import BackendError
from assistant.backends.head import (
    ComponentSpec,
    EmbedderRef,
    HeadManifest,
    RejectSpec,
    choose_label,
    save_head,
)
from assistant.moderation.training.common import (
    Example,
    dedupe,
    embed_examples,
    tfidf_logreg,
    views,
)

TRAIN = [
    Example("you idiot", "bad"),
    Example("يا حمار", "bad"),
    Example("stupid fool", "bad"),
    Example("يا غبي", "bad"),
    Example("thank you", "good"),
    Example("شكرا جزيلا", "good"),
    Example("lovely abaya", "good"),
    Example("عباية جميلة", "good"),
]


def _save(tmp_path, cascade=None, reject=None):  # type: ignore[no-untyped-def]
    text = tfidf_logreg(C=10.0).set_params(features__char__min_df=1)
    text.fit(views(TRAIN), [e.label for e in TRAIN])
    ref = EmbedderRef(name="fake", options={"dim": 32})
    emb = LogisticRegression().fit(embed_examples(TRAIN, ref), [e.label for e in TRAIN])
    manifest = HeadManifest(
        name="tiny",
        task="test",
        labels=["bad", "good"],
        sklearn_version="x",
        components=[
            ComponentSpec(kind="text", file="text.joblib", sha256="", weight=0.7),
            ComponentSpec(kind="embedding", file="emb.joblib", sha256="", weight=0.3, embedder=ref),
        ],
        cascade=cascade,
        reject=reject,
    )
    save_head(tmp_path / "tiny", manifest, {"text.joblib": text, "emb.joblib": emb})
    return tmp_path


def test_round_trip_through_registry(tmp_path, fake_settings) -> None:  # type: ignore[no-untyped-def]
    _save(tmp_path)
    head = create("classifier", "head", artifact="tiny", models_dir=str(tmp_path))
    rows = head.predict_proba(["يا حمااار", "thank youuu"])
    assert rows[0]["bad"] > rows[0]["good"]
    assert rows[1]["good"] > rows[1]["bad"]
    assert all(sum(r.values()) == pytest.approx(1.0) for r in rows)


def test_tampered_artifact_is_refused(tmp_path, fake_settings) -> None:  # type: ignore[no-untyped-def]
    _save(tmp_path)
    (tmp_path / "tiny" / "text.joblib").write_bytes(b"not a model")
    with pytest.raises(BackendError, match="sha256"):
        create("classifier", "head", artifact="tiny", models_dir=str(tmp_path))


def test_manifest_with_wrong_labels_is_refused(tmp_path, fake_settings) -> None:  # type: ignore[no-untyped-def]
    _save(tmp_path)
    path = tmp_path / "tiny" / "manifest.json"
    data = json.loads(path.read_text())
    data["labels"] = ["bad", "neutral"]
    path.write_text(json.dumps(data))
    with pytest.raises(BackendError, match="differ from manifest labels"):
        create("classifier", "head", artifact="tiny", models_dir=str(tmp_path))


def test_cascade_skips_slow_components_when_confident(tmp_path, fake_settings) -> None:  # type: ignore[no-untyped-def]
    from assistant.backends.head import CascadeSpec

    _save(tmp_path, cascade=CascadeSpec(confident_above=0.0))
    head = create("classifier", "head", artifact="tiny", models_dir=str(tmp_path))
    text_only = head._component_proba(head._components[0], views(TRAIN[:1]), ["you idiot"])
    assert np.allclose(head.predict_matrix(["you idiot"]), text_only)


def test_reject_label_when_nothing_is_likely() -> None:
    reject = RejectSpec(below=0.6, label="out_of_scope")
    assert choose_label({"a": 0.5, "b": 0.5}, reject) == ("out_of_scope", 0.5)
    assert choose_label({"a": 0.9, "b": 0.1}, reject) == ("a", 0.9)


def test_dedupe_drops_copies_and_conflicting_labels() -> None:
    kept, dropped = dedupe(
        [
            Example("حلوووو", "pos"),
            Example("حلو", "pos"),
            Example("same", "a"),
            Example("SAME", "b"),
        ]
    )
    assert [e.text for e in kept] == ["حلوووو"]
    assert dropped == 3
