"""Intent-benchmark and sentiment recipes on tiny in-memory data (no shared datasets)."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from assistant.backends import create
from assistant.backends.head import CascadeSpec, ComponentSpec, EmbedderRef, HeadManifest, save_head
from assistant.moderation.training import intent_benchmarks as ib
from assistant.moderation.training import sentiment as st
from assistant.moderation.training.common import Example, embed_examples, views
from assistant.moderation.training.recipes import chosen_row

REPO = Path(__file__).resolve().parents[2]

FAKE = EmbedderRef(name="fake", options={"dim": 16})


def test_oos_threshold_rejects_low_confidence_and_counts_rejected_in_scope_as_wrong() -> None:
    top = np.array([0.9, 0.8, 0.3, 0.2, 0.6])
    predicted = ["a", "b", "a", "b", "a"]
    truth = ["a", "b", "oos", "oos", "b"]
    figures = ib.oos_figures(top, predicted, truth, threshold=0.7)
    # in scope: a ok, b ok, last one rejected → wrong; both oos rejected
    assert figures["in_scope_accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert figures["oos_recall"] == 1.0
    assert figures["oos_precision"] == pytest.approx(2 / 3, abs=1e-4)


def test_choose_threshold_separates_oos_on_validation() -> None:
    top = np.array([0.95, 0.9, 0.85, 0.4, 0.35, 0.3])
    predicted = ["a", "b", "a", "a", "b", "a"]
    truth = ["a", "b", "a", "oos", "oos", "oos"]
    threshold = ib.choose_threshold(top, predicted, truth, min_oos_recall=None)
    assert 0.4 < threshold <= 0.85
    figures = ib.oos_figures(top, predicted, truth, threshold)
    assert figures == {"in_scope_accuracy": 1.0, "oos_recall": 1.0, "oos_precision": 1.0}


def test_choose_threshold_with_a_recall_floor_keeps_in_scope_accuracy() -> None:
    top = np.array([0.9, 0.8, 0.5, 0.6, 0.3, 0.2, 0.1])
    predicted = ["a", "b", "a", "b", "a", "b", "a"]
    truth = ["a", "b", "a", "oos", "oos", "oos", "oos"]
    threshold = ib.choose_threshold(top, predicted, truth, min_oos_recall=0.75)
    figures = ib.oos_figures(top, predicted, truth, threshold)
    assert figures["oos_recall"] == 0.75
    assert figures["in_scope_accuracy"] == 1.0
    assert ib.choose_threshold(top, predicted, ["oos"] * 7, min_oos_recall=1.0) > 0.9


def test_open_set_figures_pick_the_score_on_validation_and_never_read_test_labels() -> None:
    labels = ["a", "b", "oos"]
    # Out-of-scope rows look confident in "a" but their oos column is high too: only the
    # top-minus-oos score separates them.
    val = np.array(
        [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.5, 0.45, 0.05], [0.6, 0.0, 0.4], [0.55, 0.0, 0.45]]
    )
    val_truth = ["a", "b", "a", "oos", "oos"]
    test = np.array([[0.75, 0.15, 0.1], [0.6, 0.0, 0.4], [0.1, 0.7, 0.2]])
    results = [
        ib.open_set_figures(val, test, labels, val_truth, truth, min_oos_recall=1.0)
        for truth in (["a", "oos", "b"], ["b", "a", "oos"])
    ]
    first, flipped = results
    assert first["score"] == flipped["score"] == "top_in_scope_minus_oos"
    assert first["threshold"] == flipped["threshold"]
    assert first["validation"] == {
        "in_scope_accuracy": 1.0,
        "oos_recall": 1.0,
        "oos_precision": 1.0,
    }
    assert first["test"]["in_scope_accuracy"] == 1.0 and first["test"]["oos_recall"] == 1.0
    assert first["candidates"]["top_in_scope"]["validation"]["in_scope_accuracy"] < 1.0


def test_open_set_figures_add_the_nearest_example_evidence_as_a_rank_mean() -> None:
    labels = ["a", "b", "oos"]
    # Probabilities cannot tell the out-of-scope rows apart (the same confident row), their
    # distance to the training examples can: the rank mean with it is chosen on validation.
    confident = [0.9, 0.05, 0.05]
    val = np.array([confident, confident, [0.05, 0.9, 0.05], confident, confident])
    val_truth = ["a", "a", "b", "oos", "oos"]
    val_nearest = np.array([0.95, 0.9, 0.92, 0.3, 0.35])
    test = np.array([confident, confident, [0.05, 0.9, 0.05]])
    test_nearest = np.array([0.93, 0.2, 0.9])
    without = ib.open_set_figures(
        val, test, labels, val_truth, ["a", "oos", "b"], min_oos_recall=1.0
    )
    assert without["validation"]["in_scope_accuracy"] < 1.0
    result = ib.open_set_figures(
        val,
        test,
        labels,
        val_truth,
        ["a", "oos", "b"],
        min_oos_recall=1.0,
        nearest=(val_nearest, test_nearest),
    )
    assert result["score"] == "rank_mean"
    assert set(result["candidates"]) == {"top_in_scope", "top_in_scope_minus_oos", "rank_mean"}
    assert result["validation"]["in_scope_accuracy"] == 1.0
    assert result["test"] == {"in_scope_accuracy": 1.0, "oos_recall": 1.0, "oos_precision": 1.0}


def test_rank_mean_ranks_each_score_against_its_validation_values() -> None:
    val_parts = [np.array([1.0, 2.0, 3.0, 4.0]), np.array([10.0, 40.0, 30.0, 20.0])]
    test_parts = [np.array([2.5, 0.0]), np.array([100.0, 0.0])]
    val, test = ib.rank_mean(val_parts, test_parts)
    assert val.tolist() == [0.0, 0.5, 0.5, 0.5]
    assert test.tolist() == [0.75, 0.0]


def test_the_validation_recall_floor_shrinks_towards_the_target_with_more_questions() -> None:
    assert ib.validation_recall_floor(100) == 0.83  # CLINC150's validation split
    floors = [ib.validation_recall_floor(n) for n in (20, 100, 1000, 100_000)]
    assert floors == sorted(floors, reverse=True)
    assert 0.75 < floors[-1] < 0.755 and floors[0] > 0.9
    assert ib.validation_recall_floor(3) == 1.0  # too few to be sure of anything
    assert ib.validation_recall_floor(0) == 1.0
    assert ib.wilson_lower_bound(0.83, 100) >= 0.75 > ib.wilson_lower_bound(0.82, 100)


def test_softmax_rows_sum_to_one_and_temperature_sharpens() -> None:
    margins = np.array([[1.0, 0.0, -1.0], [0.2, 0.1, 0.0]])
    soft, sharp = ib.softmax(margins, 1.0), ib.softmax(margins, 10.0)
    assert np.allclose(soft.sum(axis=1), 1.0)
    assert sharp[0, 0] > soft[0, 0]


def test_clean_splits_dedupes_and_drops_held_out_overlap() -> None:
    train = [
        Example("ما زلت أنتظر بطاقتي؟", "arrival"),
        Example("ما زلت انتظر بطاقتى؟", "arrival"),  # same after normalization
        Example("Where is my card", "arrival"),
        Example("where is my card", "lost"),  # conflicting copy: both dropped
        Example("change my pin", "pin"),
    ]
    test = [Example("Change my PIN", "pin")]
    kept, dropped, overlap = ib.clean_splits(train, test)
    assert [e.text for e in kept] == ["ما زلت أنتظر بطاقتي؟"]
    assert dropped == 3
    assert overlap == 1


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_loaders_read_the_shared_layout(tmp_path: Path) -> None:
    _write_csv(tmp_path / "banking77/train.csv", ["text", "category"], [["hi card", "card"]])
    _write_csv(tmp_path / "banking77/test.csv", ["text", "category"], [["my pin", "pin"]])
    (tmp_path / "clinc150").mkdir()
    (tmp_path / "clinc150/data_full.json").write_text(
        json.dumps(
            {
                "train": [["book a flight", "book_flight"]],
                "val": [["flight please", "book_flight"]],
                "test": [["fly me", "book_flight"]],
                "oos_train": [["sing", "oos"]],
                "oos_val": [["dance", "oos"]],
                "oos_test": [["paint", "oos"]],
            }
        )
    )
    names = ["MSA_PAL_train", "MSA_PAL_val", *[f"{d}_test" for d in ib.ARBANKING_TESTS]]
    for name in names:
        _write_csv(
            tmp_path / f"arbanking77/Banking77_Arabized_{name}.csv",
            ["label", "text"],
            [[" وصول البطاقة", "وين بطاقتي؟"], ["وصول البطاقة", "  "]],
        )
    assert ib.load_banking77(tmp_path)["test"][0].label == "pin"
    clinc = ib.load_clinc150(tmp_path)
    assert [e.label for e in clinc["test"]] == ["book_flight", "oos"]
    arb = ib.load_arbanking77(tmp_path)
    assert set(arb) == {"train", "val", *[f"test:{d}" for d in ib.ARBANKING_TESTS]}
    assert [e.label for e in arb["test:Tunisian"]] == ["وصول البطاقة"]  # blank text skipped


INTENTS = [
    Example("where is my card", "arrival"),
    Example("my card has not arrived", "arrival"),
    Example("card still not here", "arrival"),
    Example("وين بطاقتي", "arrival"),
    Example("change my pin", "pin"),
    Example("how to change pin code", "pin"),
    Example("new pin please", "pin"),
    Example("ابغى اغير الرقم السري", "pin"),
]


def test_concat_intent_model_fits_and_predicts(fake_settings) -> None:  # type: ignore[no-untyped-def]
    model = ib.ConcatIntentModel([FAKE]).fit(INTENTS)
    margins = model.decision(INTENTS)
    assert margins.shape == (len(INTENTS), 2)
    predicted = [model.classes_[i] for i in margins.argmax(axis=1)]
    assert predicted == [e.label for e in INTENTS]
    temperature = model.fit_temperature(margins, [e.label for e in INTENTS])
    assert temperature > 0
    assert np.allclose(model.predict_proba_from(margins).sum(axis=1), 1.0)


SENTIMENT = [
    *(
        Example(t, "positive")
        for t in [
            "great product love it",
            "رائع جدا حلو",
            "amazing great",
            "حلو كثير رائع",
            "love it so much",
            "منتج رائع",
        ]
    ),
    *(
        Example(t, "negative")
        for t in [
            "worst service ever",
            "سيء جدا زفت",
            "worst product",
            "زفت وسيء",
            "broken and worst",
            "خدمة سيئة",
        ]
    ),
    *(
        Example(t, "neutral")
        for t in [
            "what time do you open?",
            "متى تفتحون؟",
            "when do you open",
            "متى يفتح المحل؟",
            "where is the shop?",
            "وين المحل؟",
        ]
    ),
]


def test_sentiment_head_round_trip_with_cascade(tmp_path: Path, fake_settings) -> None:  # type: ignore[no-untyped-def]
    labels = [e.label for e in SENTIMENT]
    text = st.slim(st.text_model(C=10.0).fit(views(SENTIMENT), labels))
    emb = LogisticRegression().fit(embed_examples(SENTIMENT, FAKE), labels)
    manifest = HeadManifest(
        name="sentiment",
        task="sentiment",
        labels=st.LABELS,
        sklearn_version="x",
        components=[
            ComponentSpec(kind="text", file="text.joblib", sha256="", weight=0.5),
            ComponentSpec(kind="embedding", file="e.joblib", sha256="", weight=0.5, embedder=FAKE),
        ],
        cascade=CascadeSpec(confident_above=0.85),
    )
    save_head(tmp_path / "sentiment", manifest, {"text.joblib": text, "e.joblib": emb})
    head = create("classifier", "head", artifact="sentiment", models_dir=str(tmp_path))
    assert head.labels == st.LABELS
    scores = head.predict_proba(["worst service ever", "great product love it"])
    assert max(scores[0], key=scores[0].__getitem__) == "negative"
    assert max(scores[1], key=scores[1].__getitem__) == "positive"
    assert all(abs(sum(s.values()) - 1.0) < 1e-6 for s in scores)


def test_evaluate_polar_only_ignores_neutral_column() -> None:
    def predict(texts):  # type: ignore[no-untyped-def]
        # negative, neutral, positive: neutral wins the argmax, positive beats negative
        return np.array([[0.1, 0.6, 0.3] for _ in texts])

    examples = [Example("x", "positive"), Example("y", "negative")]
    assert st.evaluate(predict, examples, polar_only=True)["accuracy"] == 0.5
    assert st.evaluate(predict, examples)["accuracy"] == 0.0


def test_sentences_keep_post_sized_pieces() -> None:
    paragraph = "One two three four five six. Short one. " + " ".join(["word"] * 50) + "."
    assert st._sentences(paragraph) == ["One two three four five six."]


def test_the_fine_tune_partner_is_the_ajgt_recipe_cross_validation_chose() -> None:
    metrics = json.loads((REPO / "models/sentiment/metrics.json").read_text(encoding="utf-8"))
    chosen = chosen_row(metrics["experiments"])
    assert chosen["method"] == f"{st.AJGT_PREFIX}: {st.AJGT_ONLY_RECIPE.name}"
    assert {f"{st.AJGT_PREFIX}: {r.name}" for r in st.AJGT_RECIPES} == {
        row["method"] for row in metrics["experiments"] if "cv_macro_f1" in row
    }


def test_the_team_arabizi_posts_are_balanced_and_detected_as_arabizi() -> None:
    from assistant.text.language import detect_language
    from assistant.text.normalize import normalize

    posts = st.load_arabizi_posts()
    assert set(posts) == {"dev", "test"}
    for examples in posts.values():
        labels = [e.label for e in examples]
        assert {labels.count(label) for label in st.LABELS} == {15}
    texts = [e.text for examples in posts.values() for e in examples]
    assert len(set(texts)) == 90
    detected = [detect_language(normalize(t).clean).code for t in texts]
    missed = [t for t, c in zip(texts, detected, strict=True) if c != "arabizi"]
    assert len(missed) <= 5, missed


def test_an_unknown_label_in_the_arabizi_posts_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    row = {"id": "az-1", "text": "7elwe ktir", "label": "happy", "dialect": "levantine"}
    path.write_text("\n" + json.dumps({**row, "split": "dev"}) + "\n", "utf-8")
    with pytest.raises(ValueError, match=r"line 2: unknown label 'happy'"):
        st.load_arabizi_posts(path)


def test_the_arabizi_check_scores_both_readings_per_split() -> None:
    posts = {
        "dev": [
            Example("7elwe", "positive"),
            Example("se2a", "negative"),
            Example("emta?", "neutral"),
        ]
    }

    class Head:
        def predict_proba(self, texts):  # type: ignore[no-untyped-def]
            return [{"negative": 0.1, "neutral": 0.1, "positive": 0.8} for _ in texts]

    def latin(texts):  # type: ignore[no-untyped-def]
        return np.array([[0.1, 0.8, 0.1] for _ in texts])

    check = st.arabizi_posts_check(Head(), latin, posts)  # type: ignore[arg-type]
    assert check["dev"]["posts"] == 3
    assert check["dev"]["latin"]["predicted"] == {"neutral": 3}
    assert check["dev"]["arabic_script"]["predicted"] == {"positive": 3}
    assert check["dev"]["latin"]["macro_f1"] == check["dev"]["arabic_script"]["macro_f1"] > 0


def test_the_team_posts_whose_intent_fixes_their_sentiment_are_labelled_by_it() -> None:
    posts = st.load_team_posts()
    assert {e.meta["intent"] for e in posts} == set(st.TEAM_SENTIMENT)
    assert all(e.label == st.TEAM_SENTIMENT[e.meta["intent"]] for e in posts)
    assert len(posts) == 4 * 110 and {e.meta["source"] for e in posts} == {"team"}


def test_negative_counts_use_the_policy_escalation_threshold() -> None:
    assert st.NEGATIVE_FEEDBACK.escalate == 0.6  # the default of rules.Thresholds
    posts = [Example(f"p{i}", "", {"intent": intent}) for i, intent in enumerate("aab")]
    rows = np.array([[0.6, 0.2, 0.2], [0.59, 0.2, 0.21], [0.9, 0.05, 0.05]])
    counts = st._negative_counts(lambda _texts: rows, posts)
    assert counts == {"a": {"negative": 1, "posts": 2}, "b": {"negative": 1, "posts": 1}}


def test_the_team_sentiment_posts_are_labelled_dialect_posts_apart_from_the_frozen_sets() -> None:
    from assistant.text.normalize import normalize

    posts = st.load_sentiment_posts()
    labels = [e.label for e in posts]
    assert set(labels) == set(st.LABELS) and min(labels.count(x) for x in st.LABELS) >= 30
    assert {e.meta["source"] for e in posts} == {st.SENTIMENT_POSTS_SOURCE}
    assert {"gulf", "levantine", "egyptian", "msa", "none"} <= {e.meta["dialect"] for e in posts}
    frozen = [
        json.loads(line)["text"]
        for name in ("dialect_sentiment.jsonl", "group_posts_test.jsonl")
        for line in (REPO / "eval/datasets" / name).read_text("utf-8").splitlines()
        if line.strip()
    ]
    frozen_views = {normalize(t).folded for t in frozen}
    assert not [e.text for e in posts if normalize(e.text).folded in frozen_views]


def test_an_unknown_label_in_the_team_sentiment_posts_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps({"id": "ss-1", "text": "تجنن", "label": "happy"}) + "\n", "utf-8")
    with pytest.raises(ValueError, match=r"line 1: unknown label 'happy'"):
        st.load_sentiment_posts(path)


def test_team_cross_validation_holds_out_one_team_source_and_drops_both_without_team(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fitted: list[set[str]] = []

    def fit_components(train_set):  # type: ignore[no-untyped-def]
        fitted.append({e.meta["source"] for e in train_set})

        def predict(texts):  # type: ignore[no-untyped-def]
            return np.tile([0.2, 0.6, 0.2], (len(texts), 1))

        return None, None, predict, predict

    monkeypatch.setattr(st, "fit_components", fit_components)
    monkeypatch.setattr(st, "arabizi_vocabulary", lambda *_a, **_k: {})
    monkeypatch.setattr(st, "read_arabizi", lambda examples, _vocabulary: list(examples))
    posts = [
        Example(f"{source} {label} {i}", label, {"source": source, "intent": "question"})
        for source in ("ajgt", "team", st.SENTIMENT_POSTS_SOURCE)
        for label in st.LABELS
        for i in range(2)
    ]
    with_team = st.team_cross_validation(
        {"train": posts}, with_team=True, source=st.SENTIMENT_POSTS_SOURCE, folds=2
    )
    assert fitted == [{"ajgt", "team", st.SENTIMENT_POSTS_SOURCE}] * 2
    assert "negative" not in with_team and 0 < with_team["macro_f1"] < 1
    fitted.clear()
    without = st.team_cross_validation({"train": posts}, with_team=False, folds=2)
    assert fitted == [{"ajgt"}] and "negative" in without  # one fit: every fold is the same
