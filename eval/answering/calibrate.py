"""Choose the answering confidence weights and threshold on the development questions.

Usage (from the repository root):

    .venv/bin/python eval/answering/calibrate.py          # the demo KB, shipped settings

Questions: eval/answering/dev_questions.jsonl, dev_questions_2.jsonl, dev_questions_3.jsonl
(written to hold near misses: 45 questions whose topic the KB has but whose fact it lacks) and
eval/datasets/faq_questions.jsonl (never the blind sets). The demo KB's example questions include
these questions, so every question is asked leave-one-out: its own wording is ignored as an
example, and words known only from it count as unknown.

Rule: for every weight setting of the grid, the lowest threshold at which at most 2% (at least
one) of the unanswerable questions that no escalation rule catches are answered; keep the
setting that answers the largest share of answerable questions (ties: fewer wrong answers).
Prints hit@1/hit@3 per language and the five best settings; the shipped one is marked.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import statistics
from pathlib import Path
from typing import Any, NamedTuple

from assistant.answering.escalation import needs_human
from assistant.answering.glossary import load_glossary
from assistant.answering.kb import load_kb
from assistant.answering.retrieval import HybridIndex, confidence
from assistant.answering.schemas import Hit
from assistant.backends.registry import create
from assistant.config import ConfidenceSettings, get_settings
from assistant.text.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
QUESTION_FILES = (
    "eval/answering/dev_questions.jsonl",
    "eval/answering/dev_questions_2.jsonl",
    "eval/answering/dev_questions_3.jsonl",
    "eval/datasets/faq_questions.jsonl",
)
ALLOWED_SHARE = 0.02  # of the unanswerable questions no escalation rule catches (at least 1)
GRID = {
    "margin_weight": (0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0),
    "agreement_weight": (0.0, 0.25, 0.5, 1.0),
    "unknown_weight": (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0),
    "entry_unknown_weight": (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0),
}
_LANGUAGE_GROUP = {"ar": "ar", "en": "en", "mixed": "mixed", "arabizi": "mixed"}


class Asked(NamedTuple):
    gold: frozenset[str]
    language: str
    hits: list[Hit]
    unknown: float
    entry_unknown: float
    human: bool


def ask_all(kb_dir: Path) -> list[Asked]:
    settings = get_settings()
    answering = settings.answering
    index = HybridIndex(
        load_kb(kb_dir, group="demo"),
        create("embedder", settings.backends.embedder.name, **settings.backends.embedder.options),
        answering.retrieval,
        fast_embedder=create(
            "embedder",
            settings.backends.fast_embedder.name,
            **settings.backends.fast_embedder.options,
        ),
        glossary=load_glossary(settings.prompts_dir),
    )
    asked = []
    for name in QUESTION_FILES:
        for line in (ROOT / name).read_text("utf-8").splitlines():
            question = json.loads(line)
            text = normalize(question["text"]).clean
            hits = index.search(text, k=3, leave_out_examples=True)
            asked.append(
                Asked(
                    gold=frozenset(question["gold"]),
                    language=_LANGUAGE_GROUP.get(question["language"], "mixed"),
                    hits=hits,
                    unknown=index.unknown_share(text, leave_out_examples=True),
                    entry_unknown=index.entry_unknown_share(
                        text, hits[0].entry_id, leave_out_examples=True
                    ),
                    human=needs_human(question["text"], None, settings.prompts_dir) is not None,
                )
            )
    return asked


def operating_point(asked: list[Asked], weights: ConfidenceSettings) -> dict[str, Any]:
    scored = [
        (
            confidence(
                a.hits, weights, unknown_share=a.unknown, entry_unknown_share=a.entry_unknown
            ),
            a,
        )
        for a in asked
    ]
    unanswerable = sorted(c for c, a in scored if not a.gold and not a.human)
    allowed = max(1, int(ALLOWED_SHARE * len(unanswerable)))
    threshold = unanswerable[-(allowed + 1)] + 1e-4 if len(unanswerable) > allowed else 0.0
    answerable = [(c, a) for c, a in scored if a.gold]
    answered = [(c, a) for c, a in answerable if c >= threshold and not a.human]
    wrong = sum(a.hits[0].entry_id not in a.gold for _, a in answered)
    return {
        "threshold": round(threshold, 4),
        "answered_share": round(len(answered) / len(answerable), 4),
        "answered_wrong": wrong,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, default=ROOT / "demo" / "kb")
    args = parser.parse_args()
    asked = ask_all(args.kb)
    hits1: dict[str, list[bool]] = collections.defaultdict(list)
    hits3: dict[str, list[bool]] = collections.defaultdict(list)
    for a in asked:
        if a.gold:
            ranked = [h.entry_id for h in a.hits]
            hits1[a.language].append(ranked[0] in a.gold)
            hits3[a.language].append(bool(a.gold & set(ranked)))
    for group in sorted(hits1):
        print(
            f"{group}: hit@1 {statistics.fmean(hits1[group]):.3f} "
            f"hit@3 {statistics.fmean(hits3[group]):.3f} (n={len(hits1[group])})"
        )
    shipped = get_settings().answering.confidence
    rows = []
    for values in itertools.product(*GRID.values()):
        weights = shipped.model_copy(update=dict(zip(GRID, values, strict=True)))
        point = operating_point(asked, weights)
        rows.append(((point["answered_share"], -point["answered_wrong"]), values, point))
    rows.sort(key=lambda row: row[0], reverse=True)
    shipped_values = tuple(getattr(shipped, name) for name in GRID)
    print(
        "margin, agreement, unknown, entry-unknown weights → threshold, answered share, "
        "answered wrong"
    )
    for _, values, point in rows[:5]:
        mark = "  ← shipped weights" if values == shipped_values else ""
        print(f"{values} → {point}{mark}")
    print(f"shipped {shipped_values} → {operating_point(asked, shipped)}")


if __name__ == "__main__":
    main()
