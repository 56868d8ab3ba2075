"""Offensive and spam recipes on tiny in-memory data: loaders, dedupe, splits, head round-trip."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.backends import create
from assistant.backends.head import ComponentSpec, HeadClassifier, HeadManifest, save_head
from assistant.moderation.training import offensive, spam
from assistant.moderation.training.common import (
    Example,
    arabizi_card_lines,
    compact_estimator,
    dedupe,
    nb_logreg,
    sklearn_version,
)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_osact_loader_maps_labels_and_dedupe_catches_obfuscated_copies(tmp_path: Path) -> None:
    _write(
        tmp_path / "osact2020_arabic_offensive" / "osact2020.csv",
        ["id", "split", "text", "offensive", "hate"],
        [
            ["0", "train", "يا حمار<LF>اسكت", "OFF", "NOT_HS"],
            ["1", "train", "يا حماااار\nاسكت", "OFF", "NOT_HS"],  # elongated copy
            ["2", "train", "يا حـــمار اسكت", "OFF", "NOT_HS"],  # tatweel copy
            ["3", "train", "يا رب يا كريم", "NOT_OFF", "NOT_HS"],
            ["4", "train", "يا رب يا كريم", "OFF", "NOT_HS"],  # conflicting label
            ["5", "dev", "يا وسخين يا حثالة", "OFF", "HS"],
        ],
    )
    splits = offensive.load_osact(tmp_path)
    assert [e.label for e in splits["dev"]] == ["hate"]
    assert "\n" in splits["train"][0].text and "<LF>" not in splits["train"][0].text
    kept, dropped = dedupe(splits["train"])
    assert [e.label for e in kept] == ["offensive"]
    assert dropped == 4


def test_mlma_label_mapping() -> None:
    assert offensive.mlma_label("normal") == "normal"
    assert offensive.mlma_label("hateful_normal") is None
    assert offensive.mlma_label("abusive_hateful") == "hate"
    assert offensive.mlma_label("offensive_disrespectful") == "offensive"
    assert offensive.binary("hate") == "offensive"


def test_source_weights_give_each_source_equal_mass() -> None:
    examples = [Example("a", "normal", {"source": "big"})] * 9 + [
        Example("b", "normal", {"source": "small"})
    ]
    weights = offensive.source_weights(examples)
    assert np.isclose(weights[:9].sum(), weights[9:].sum())
    assert np.isclose(weights.mean(), 1.0)


def test_arabic_spam_split_keeps_accounts_apart() -> None:
    accounts = ["skynewsarabia", "AlHadath", "AlArabiya", "emaratalyoum"] * 5
    examples = [
        Example(f"خبر {i}", "ham", {"source": "arabic", "account": account})
        for i, account in enumerate(accounts)
    ] + [
        Example(f"اعلان {i}", "spam", {"source": "arabic", "account": "<none>"}) for i in range(10)
    ]
    train, test = spam.account_split(examples)
    train_accounts = {e.meta["account"] for e in train if e.label == "ham"}
    test_accounts = {e.meta["account"] for e in test if e.label == "ham"}
    assert test_accounts == set(spam.ARABIC_TEST_ACCOUNTS)
    assert not train_accounts & test_accounts
    assert sum(e.label == "spam" for e in test) == 2
    assert {e.text for e in train}.isdisjoint(e.text for e in test)


def test_sms_loader_then_dedupe(tmp_path: Path) -> None:
    _write(
        tmp_path / "sms_spam_collection" / "sms_spam.csv",
        ["id", "label", "text"],
        [
            ["0", "spam", "WIN a prize! call 0800"],
            ["1", "spam", "win a prize!  call 0800"],
            ["2", "ham", "see you at 5"],
        ],
    )
    kept, dropped = dedupe(spam.load_sms(tmp_path))
    assert dropped == 1
    assert sorted(e.label for e in kept) == ["ham", "spam"]


OFFENSIVE_TINY = [
    ("you are an idiot", "offensive"),
    ("shut up idiot", "offensive"),
    ("what an idiot you are", "offensive"),
    ("انت حمار", "offensive"),
    ("يا حمار", "offensive"),
    ("اسكت يا حمار", "offensive"),
    ("those vermin must go", "hate"),
    ("vermin people out", "hate"),
    ("kill the vermin", "hate"),
    ("have a nice day", "normal"),
    ("thanks for the help", "normal"),
    ("صباح الخير", "normal"),
    ("شكرا لكم", "normal"),
    ("see you tomorrow", "normal"),
    ("مساء الخير يا جماعة", "normal"),
]


def _tiny_examples() -> list[Example]:
    return [
        Example(t, label, {"source": "en" if t.isascii() else "ar"}) for t, label in OFFENSIVE_TINY
    ]


def test_nb_logreg_is_a_plain_classifier_matching_its_labels() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4))
    matrix = vectorizer.fit_transform([t for t, _ in OFFENSIVE_TINY])
    labels = [label for _, label in OFFENSIVE_TINY]
    model = nb_logreg(matrix, labels, C=10.0)
    proba = model.predict_proba(matrix)
    assert list(model.classes_) == ["hate", "normal", "offensive"]
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert (np.array(model.classes_)[proba.argmax(1)] == np.array(labels)).mean() > 0.9
    binary_model = nb_logreg(matrix, [offensive.binary(x) for x in labels])
    assert binary_model.predict_proba(matrix).shape == (len(labels), 2)


def test_tiny_offensive_head_round_trips_through_head_classifier(tmp_path: Path) -> None:
    model = offensive.fit_text_model(
        _tiny_examples(), C=10.0, char_features=5000, word_features=500
    )
    before = model.predict_proba(["يا حمار", "have a nice day"])
    manifest = HeadManifest(
        name="offensive",
        task="offensive",
        labels=offensive.LABELS,
        components=[ComponentSpec(kind="text", file="text.joblib", sha256="", weight=1.0)],
        sklearn_version=sklearn_version(),
    )
    save_head(tmp_path / "offensive", manifest, {"text.joblib": model})
    head = create("classifier", "head", artifact="offensive", models_dir=str(tmp_path))
    assert isinstance(head, HeadClassifier)
    assert head.labels == ["normal", "offensive", "hate"]
    rows = head.predict_proba(["يا حمااااار", "have a nice day"])
    assert max(rows[0], key=rows[0].__getitem__) == "offensive"
    assert max(rows[1], key=rows[1].__getitem__) == "normal"
    order = [list(model.classes_).index(label) for label in offensive.LABELS]
    assert np.allclose(
        head.predict_matrix(["يا حمار", "have a nice day"]), before[:, order], atol=1e-5
    )


def test_compact_estimator_drops_pruned_vocabulary_and_keeps_predictions() -> None:
    model = spam.fit_text_model(
        [
            Example("win cash now call 0800", "spam", {"source": "sms"}),
            Example("free crypto follow my channel", "spam", {"source": "youtube"}),
            Example("free prize call now", "spam", {"source": "sms"}),
            Example("see you at dinner", "ham", {"source": "sms"}),
            Example("nice song", "ham", {"source": "youtube"}),
            Example("see you soon", "ham", {"source": "osact"}),
        ],
        char_features=2000,
        word_features=200,
    )
    features = model.named_steps["features"].transformer_list
    assert all(not hasattr(vec, "stop_words_") for _, vec in features)
    assert model.named_steps["clf"].coef_.dtype == np.float32
    proba = model.predict_proba(["free crypto call now", "see you at dinner"])
    assert list(model.classes_) == ["ham", "spam"]
    assert proba[0, 1] > proba[1, 1]
    assert compact_estimator(model) is model


def _spam_source(source: str, spam_texts: list[str], ham_texts: list[str]) -> list[Example]:
    return [Example(t, "spam", {"source": source}) for t in spam_texts] + [
        Example(t, "ham", {"source": source}) for t in ham_texts
    ]


def test_spam_recipe_settings_reach_the_pipeline() -> None:
    examples = _spam_source("sms", ["win cash now", "free prize call"], ["see you", "ok thanks"])
    recipe = spam.TextRecipe("char", (1, 3), 5.0, 0.5)
    model = spam.fit_text_model(examples, recipe=recipe, char_features=500, word_features=50)
    char = dict(model.named_steps["features"].transformer_list)["char"]
    assert (char.analyzer, char.ngram_range) == ("char", (1, 3))
    assert model.named_steps["clf"].C == 5.0
    assert spam.SHIPPED_RECIPE != spam.CHAR_WB_RECIPE


def test_spam_dev_figures_score_a_part_of_training_and_never_the_test_split() -> None:
    spam_en = [f"WIN a free prize {i} call 0800 now" for i in range(10)]
    ham_en = [f"see you at dinner {i} tonight" for i in range(10)]
    spam_ar = [f"اربح جائزة مجانية {i} اتصل الآن" for i in range(10)]
    ham_ar = [f"نلتقي على العشاء {i} الليلة" for i in range(10)]
    splits = spam.Splits(
        train={
            "sms": _spam_source("sms", spam_en, ham_en),
            "youtube": _spam_source("youtube", spam_en, ham_en),
            "arabic": _spam_source("arabic", spam_ar, ham_ar),
            "extra_ham": _spam_source("osact", [], ham_ar),
        },
        test={},  # dev_figures must not need it
        dropped={},
    )
    figures = spam.dev_figures(splits, spam.SHIPPED_RECIPE, seeds=(7, 8))
    assert set(figures) == {"sms", "youtube", "arabic", "extra_ham"}
    assert figures["sms"] == figures["youtube"] == 1.0  # macro-F1 on separable dev parts
    assert figures["extra_ham"] == 0.0  # false-positive rate on the held-out extra ham


def test_the_team_posts_are_spam_or_ham_and_their_frozen_test_is_the_held_out_split() -> None:
    seeds = spam.load_team_posts()
    frozen = spam.load_team_posts(spam.FROZEN_TEST_POSTS)
    assert {e.label for e in seeds} == {e.label for e in frozen} == {"ham", "spam"}
    assert sum(e.label == "spam" for e in seeds) == 110  # the seeds' spam intent only
    assert {e.meta["source"] for e in seeds} == {"team"}
    assert {e.meta["language"] for e in frozen} == {"ar", "en", "mixed", "arabizi"}
    assert not {e.text for e in seeds} & {e.text for e in frozen}


def test_team_posts_are_a_weight_group_of_their_own_and_team_weight_scales_or_drops_them() -> None:
    examples = [
        *_spam_source("sms", ["win cash now call", "free prize call now"], ["see you", "ok"]),
        *_spam_source("team", ["متابعين بـ ٥٠ ريال كلمني خاص"], ["طلبي رقم ٤٥٦٧ وصل مكسور"]),
        *_spam_source("osact", [], ["يا رب يا كريم", "صباح الخير"]),
    ]
    assert [spam.spam_group(e) for e in examples[-4:]] == ["team", "team", "extra_ham", "extra_ham"]
    plain = spam.group_weights(examples, 1.0)
    tripled = spam.group_weights(examples, 1.0, team_weight=3.0)
    assert plain[4] == pytest.approx(8 / 3 / 2)  # 8 texts, 3 groups, 2 team posts
    assert list(tripled[4:6]) == pytest.approx(list(3 * plain[4:6]))
    assert list(tripled[:4]) == pytest.approx(list(plain[:4]))
    small = spam.TextRecipe("char", (1, 3), 5.0, 0.5)
    without = spam.fit_text_model(
        examples, recipe=replace(small, team_weight=0), char_features=500, word_features=50
    )
    vocabulary = dict(without.named_steps["features"].transformer_list)["word"].vocabulary_
    assert "ريال" not in vocabulary and "cash" in vocabulary  # the team's posts never fitted


def test_the_offensive_head_reads_the_team_posts_as_normal_or_offensive() -> None:
    seeds = offensive.load_team_posts()
    assert {e.label for e in seeds} == {"normal", "offensive"}
    assert sum(e.label == "offensive" for e in seeds) == 110  # the abusive intent only
    frozen = offensive.load_team_posts(offensive.FROZEN_TEST_POSTS)
    assert sum(e.label == "offensive" for e in frozen) == 45


def test_the_arabizi_card_names_the_posts_its_check_read() -> None:
    check = {"recall": 0.5, "false_positives": 1, "f1": 0.5}
    report = {
        "vocabulary_words": 10,
        "vocabulary_min_count": 2,
        "training_texts_read": 3,
        "team_arabizi_posts": {"posts": 32, "positive": 4, "latin": check, "arabic_script": check},
    }
    seeds_card = "\n".join(arabizi_card_lines(report, "spam"))
    report["team_arabizi_posts"]["file"] = "eval/datasets/group_posts_test.jsonl"
    frozen_card = "\n".join(arabizi_card_lines(report, "spam"))
    assert "`models/triage/seed_examples.jsonl` (written for triage" in seeds_card
    assert "`eval/datasets/group_posts_test.jsonl` (the frozen test" in frozen_card


@pytest.mark.parametrize(
    ("fused_per_split", "kept"),
    [
        ((0.706, 0.706, 0.706), True),  # +0.006 on every split
        ((0.709, 0.709, 0.699), False),  # mean +0.006, but one split loses
        ((0.704, 0.704, 0.704), False),  # +0.004 on every split: below the bar
    ],
)
def test_the_offensive_cascade_must_gain_on_every_dev_split(
    monkeypatch: pytest.MonkeyPatch, fused_per_split: tuple[float, ...], kept: bool
) -> None:
    values = iter(fused_per_split)

    def trials(union, size, seed):  # type: ignore[no-untyped-def]
        fused = next(values)
        return 0.7, [
            {
                "weight": 0.15,
                "confident_above": 0.8,
                "dev_mean_macro_f1": fused,
                "share_to_embedder": 0.5,
            },
            {
                "weight": 0.25,
                "confident_above": 0.8,
                "dev_mean_macro_f1": 0.69,
                "share_to_embedder": 0.5,
            },
        ]

    monkeypatch.setattr(offensive, "_cascade_trials", trials)
    chosen, report = offensive.choose_cascade([], offensive.Size(10, 10), quick=False)
    assert report["kept"] is kept
    assert (chosen is not None) is kept
    assert report["best"]["weight"] == 0.15


def test_the_youtube_fine_tune_partner_is_the_recipe_cross_validation_chose() -> None:
    import json

    from assistant.moderation.training.recipes import chosen_row

    card = Path(__file__).resolve().parents[2] / "models/spam/metrics.json"
    metrics = json.loads(card.read_text(encoding="utf-8"))
    assert metrics["youtube_only"] == chosen_row(metrics["youtube_recipes"])
    assert metrics["youtube_only"]["method"] == (
        f"{spam.YOUTUBE_PREFIX}: {spam.YOUTUBE_ONLY_RECIPE.name}"
    )
    assert [r["method"] for r in metrics["youtube_recipes"]] == [
        f"{spam.YOUTUBE_PREFIX}: {r.name}" for r in spam.YOUTUBE_RECIPES
    ]


def test_speed_is_timed_after_the_warm_up_and_without_memo_hits() -> None:
    from assistant.moderation.training.common import posts_per_second
    from assistant.text.normalize import _normalize_cached, normalize

    calls: list[tuple[int, int]] = []

    def predict(texts: list[str]) -> None:
        calls.append((len(texts), _normalize_cached.cache_info().currsize))
        for text in texts:
            normalize(text)

    speed = posts_per_second(predict, ["سلام", "hello"], n=7, warm_up=["warm"])
    assert speed > 0
    assert calls[0][0] == 1  # the warm-up first
    assert calls[1] == (7, 0)  # then n texts, with nothing memoized
