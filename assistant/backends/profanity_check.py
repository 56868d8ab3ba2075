"""English profanity (``alt-profanity-check``, a linear model). Labels: clean, profane."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from assistant.backends.errors import BackendNotInstalledError
from assistant.backends.registry import register


class ProfanityCheckClassifier:
    name = "alt-profanity-check"
    labels: ClassVar[list[str]] = ["clean", "profane"]

    def __init__(self) -> None:
        try:
            from profanity_check import predict_prob
        except ImportError as exc:
            raise BackendNotInstalledError(
                "alt-profanity-check", "alt-profanity-check==1.7.2"
            ) from exc
        self._predict_prob = predict_prob

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        return [
            {"clean": 1.0 - float(p), "profane": float(p)} for p in self._predict_prob(list(texts))
        ]


@register("classifier", "alt-profanity-check")
def create() -> ProfanityCheckClassifier:
    return ProfanityCheckClassifier()
