"""Named dataset sources: the held-out splits the training recipes report in their model cards.

A suite's ``dataset.source`` (and ``model.fit.train.source``) picks one of :data:`SOURCES`, so
suites evaluate on exactly the split a model card quotes, through the recipe's own loader.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.moderation.training.common import Example

SourceLoader = Callable[[Path], list[Example]]


def _tag(examples: list[Example], **meta: str) -> list[Example]:
    return [Example(e.text, e.label, {**meta, **e.meta}) for e in examples]


@lru_cache(maxsize=2)
def _offensive_splits(shared: Path) -> Any:
    from assistant.moderation.training.offensive import load_splits

    return load_splits(shared)


_OFFENSIVE_META = {
    "osact": {"language": "ar", "dialect": "mixed"},
    "lhsab": {"language": "ar", "dialect": "levantine"},
    "olid": {"language": "en", "dialect": "none"},
    "davidson": {"language": "en", "dialect": "none"},
    "mlma": {"dialect": "mixed"},
}


def _offensive(key: str, part: str) -> SourceLoader:
    def load(shared: Path) -> list[Example]:
        splits = _offensive_splits(shared)
        examples = (splits.test if part == "test" else splits.train)[key]
        tagged = _tag(examples, **_OFFENSIVE_META[key])
        for e in tagged:
            if "lang" in e.meta:
                e.meta["language"] = e.meta["lang"]
                e.meta["dialect"] = "none" if e.meta["lang"] == "en" else "mixed"
        return tagged

    return load


@lru_cache(maxsize=2)
def _spam_splits(shared: Path) -> Any:
    from assistant.moderation.training.spam import load_splits

    return load_splits(shared)


_SPAM_META = {
    "sms": {"language": "en", "dialect": "none"},
    "youtube": {"language": "en", "dialect": "none"},
    "arabic": {"language": "ar"},
    "extra_ham": {},
}


def _spam(key: str) -> SourceLoader:
    def load(shared: Path) -> list[Example]:
        return _tag(_spam_splits(shared).test[key], **_SPAM_META[key])

    return load


def _ajgt_test(shared: Path) -> list[Example]:
    from assistant.moderation.training.sentiment import ajgt_split

    return _tag(ajgt_split(shared)[1], language="ar", dialect="jordanian")


@lru_cache(maxsize=2)
def _sentiment_prepared(shared: Path) -> Any:
    from assistant.moderation.training.sentiment import prepare

    return prepare(shared)


def _sentiment_held_out(shared: Path) -> list[Example]:
    tests = _sentiment_prepared(shared)["tests"]
    return [
        *_tag(tests["ajgt"], language="ar", dialect="jordanian"),
        *_tag(tests["uci"], language="en", dialect="none"),
        *tests["neutral"],
    ]


def _astd(shared: Path) -> list[Example]:
    from assistant.moderation.training.sentiment import load_astd

    return _tag(load_astd(shared), language="ar", dialect="egyptian")


def _souq(shared: Path) -> list[Example]:
    from assistant.moderation.training.sentiment import load_souq

    return _tag(load_souq(shared), language="ar", dialect="mixed")


def _clinc(split: str) -> SourceLoader:
    def load(shared: Path) -> list[Example]:
        from assistant.moderation.training.intent_benchmarks import load_clinc150

        return _tag(load_clinc150(shared)[split], language="en", dialect="none")

    return load


def _banking(split: str) -> SourceLoader:
    def load(shared: Path) -> list[Example]:
        from assistant.moderation.training.intent_benchmarks import load_banking77

        return _tag(load_banking77(shared)[split], language="en", dialect="none")

    return load


def _arbanking(split: str) -> SourceLoader:
    def load(shared: Path) -> list[Example]:
        from assistant.moderation.training.intent_benchmarks import (
            ARBANKING_TESTS,
            load_arbanking77,
        )

        data = load_arbanking77(shared)
        if split != "test":
            return _tag(data[split], language="ar", dialect="msa+pal")
        return [
            e
            for dialect in ARBANKING_TESTS
            for e in _tag(data[f"test:{dialect}"], language="ar", dialect=dialect.lower())
        ]

    return load


SOURCES: dict[str, SourceLoader] = {
    **{f"offensive:{k}": _offensive(k, "test") for k in _OFFENSIVE_META},
    **{f"offensive:{k}:train": _offensive(k, "train") for k in _OFFENSIVE_META},
    **{f"spam:{k}": _spam(k) for k in _SPAM_META},
    "sentiment:ajgt": _ajgt_test,
    "sentiment:held_out": _sentiment_held_out,
    "sentiment:astd": _astd,
    "sentiment:souq": _souq,
    **{f"intent:clinc150:{s}": _clinc(s) for s in ("train", "val", "test")},
    **{f"intent:banking77:{s}": _banking(s) for s in ("train", "test")},
    **{f"intent:arbanking77:{s}": _arbanking(s) for s in ("train", "val", "test")},
}


def load_source(name: str, shared: Path) -> list[Example]:
    if name not in SOURCES:
        raise KeyError(name)
    return SOURCES[name](shared)
