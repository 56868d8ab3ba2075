"""The packaged Arabic toxicity model (``arabic-toxic``: TF-IDF + SGD, 7 labels)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from assistant.backends.errors import BackendNotInstalledError
from assistant.backends.registry import register


class ArabicToxicClassifier:
    name = "arabic-toxic"

    def __init__(self) -> None:
        try:
            from arabic_toxic import classifier
        except ImportError as exc:
            raise BackendNotInstalledError("arabic-toxic", "arabic-toxic==0.2.3") from exc
        with warnings.catch_warnings():
            # Pickled with scikit-learn 1.8.0; it loads and predicts correctly on 1.7.2.
            warnings.simplefilter("ignore")
            bundle: dict[str, Any] = classifier._load_bundle()
        self._pipeline = bundle["pipeline"]
        self._normalize = classifier.normalize_arabic
        self.labels: list[str] = [str(label) for label in bundle["labels"]]

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        rows = self._pipeline.predict_proba([self._normalize(t) for t in texts])
        return [
            {label: float(p) for label, p in zip(self.labels, row, strict=True)} for row in rows
        ]


@register("classifier", "arabic-toxic")
def create() -> ArabicToxicClassifier:
    return ArabicToxicClassifier()
