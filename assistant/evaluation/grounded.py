"""Retrieval and drafting suites: a knowledge base and a question set through the drafting chain.

Each question is drafted exactly as ``mushrif draft`` drafts it (the configured embedders,
glossary, confidence calibration and generator, unless the suite overrides one), and scored:

- retrieval: hit@k and MRR over the answerable questions (any gold entry among the first k);
- escalation: unanswerable questions (gold ``[]`` or ``unanswerable``) must escalate, answerable
  ones should be answered: precision/recall of "escalates", answered share, wrong answers;
- drafting: token-F1 of the answer against reference answers, and the share of shipped
  (not escalated) drafts that state a number, link, phone or product their sources lack.

Without ``grounded.knowledge_base`` every row brings its own context (XQuAD): the paragraph
becomes a one-sentence-per-entry KB and the gold entries are the sentences holding an answer.
"""

from __future__ import annotations

import platform
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sklearn.metrics import precision_recall_fscore_support
from tqdm import tqdm

from assistant.answering.drafting import Drafter
from assistant.answering.faithfulness import violations
from assistant.answering.kb import KBError, load_kb
from assistant.answering.schemas import (
    Draft,
    EntryText,
    KBEntry,
    KnowledgeBase,
    ReplyLanguage,
)
from assistant.answering.sources import entry_facts
from assistant.backends.errors import BackendError
from assistant.backends.registry import create
from assistant.cli.io import InputFileError, read_posts
from assistant.config import Settings
from assistant.evaluation import metrics as m
from assistant.evaluation.datasets import DatasetError, display_path, guess_language, resolve_path
from assistant.evaluation.models import ModelError
from assistant.evaluation.suites import DatasetSpec, GroundedSpec, Suite
from assistant.text.normalize import normalize

UNANSWERABLE = "unanswerable"
SLICE_RESAMPLES = 500
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")


@dataclass
class Question:
    """One member question with what should answer it; ``gold == []``: must escalate."""

    id: str
    text: str
    gold: list[str]
    language: str
    dialect: str
    references: list[str]
    line: int
    context: str = ""


@dataclass
class Outcome:
    """What the drafting chain did with one question."""

    question: Question
    ranked: list[str]
    escalated: bool
    reason: str
    confidence: float
    generator: str
    text: str
    violations: list[str] = field(default_factory=list)
    token_f1: float | None = None
    seconds: float = 0.0

    @property
    def rank(self) -> int | None:
        """1-based rank of the first gold entry among the retrieved ones."""
        gold = set(self.question.gold)
        return next((i for i, e in enumerate(self.ranked, start=1) if e in gold), None)

    def hit(self, k: int) -> bool:
        rank = self.rank
        return rank is not None and rank <= k


# ---------------------------------------------------------------- reading the question set


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split("|") if part.strip()]


def _gold(row: dict[str, Any], spec: DatasetSpec, where: str, required: bool) -> list[str]:
    raw = row.get(spec.gold_field)
    if raw is None:
        if required:
            raise DatasetError(
                f"{where}: field '{spec.gold_field}' is missing: give the KB entry ids that "
                f"answer the question, or [] / '{UNANSWERABLE}' when the KB cannot answer it"
            )
        return []
    if not isinstance(raw, list | str):
        raise DatasetError(
            f"{where}: field '{spec.gold_field}' must be a list of entry ids or a string, "
            f"not {type(raw).__name__}"
        )
    gold = _as_list(raw)
    if UNANSWERABLE in gold and len(gold) > 1:
        raise DatasetError(
            f"{where}: field '{spec.gold_field}' mixes '{UNANSWERABLE}' with entry ids {gold}"
        )
    return [] if gold == [UNANSWERABLE] else gold


def _question(row: dict[str, Any], spec: DatasetSpec, where: str, *, with_kb: bool) -> Question:
    text = row["text"]
    if not text.strip():
        raise DatasetError(f"{where}: field '{spec.text_field}' is empty")
    if "\ufffd" in text:
        raise DatasetError(
            f"{where}: field '{spec.text_field}' contains U+FFFD replacement characters: the "
            "file mixes encodings; re-save every line as UTF-8"
        )
    context = str(row.get(spec.context_field) or "")
    if not with_kb and not context.strip():
        raise DatasetError(
            f"{where}: field '{spec.context_field}' is empty and the suite names no "
            "grounded.knowledge_base"
        )
    references = _as_list(row.get(spec.reference_field)) or _as_list(row.get(spec.answers_field))
    return Question(
        id=str(row.get(spec.id_field) or row["_line"]),
        text=text,
        gold=_gold(row, spec, where, required=with_kb),
        language=str(row.get(spec.language_field) or spec.language or guess_language(text)),
        dialect=str(row.get(spec.dialect_field) or spec.dialect or "unknown"),
        references=references,
        line=int(row["_line"]),
        context=context,
    )


def read_questions(path: Path, spec: DatasetSpec, *, with_kb: bool) -> list[Question]:
    """The question rows of a CSV/TSV/JSONL file; errors name the file, line and field."""
    try:
        rows = list(read_posts(path, text_field=spec.text_field, encoding=spec.encoding))
    except InputFileError as exc:
        raise DatasetError(str(exc)) from None
    questions = []
    for row in rows:
        if spec.split is not None and str(row.get(spec.split_field, "")) != spec.split:
            continue
        questions.append(_question(row, spec, f"{path} line {row['_line']}", with_kb=with_kb))
    return questions


def first_per_language(questions: Sequence[Question], limit: int | None) -> list[Question]:
    if limit is None:
        return list(questions)
    seen: Counter[str] = Counter()
    kept = []
    for q in questions:
        seen[q.language] += 1
        if seen[q.language] <= limit:
            kept.append(q)
    return kept


def check_gold(questions: Iterable[Question], kb: KnowledgeBase, origin: str, field: str) -> None:
    """Every gold id must name an entry of the KB (a typo would count as a miss forever)."""
    known = {e.id for e in kb.entries}
    for q in questions:
        unknown = [g for g in q.gold if g not in known]
        if unknown:
            raise DatasetError(
                f"{origin} line {q.line}: field '{field}' names unknown KB entries {unknown}; "
                f"the KB has {len(known)} entries (e.g. {sorted(known)[:5]})"
            )


# ---------------------------------------------------------------- the drafting chain


@dataclass
class Backends:
    embedder: Any
    fast_embedder: Any
    generator: Any
    load_seconds: float


def _backends(suite: Suite, settings: Settings) -> Backends:
    spec = suite.grounded_spec
    started = time.perf_counter()
    where = f"{suite.path or suite.name}"
    try:
        embedder_spec = settings.backends.embedder
        embedder = create("embedder", embedder_spec.name, **embedder_spec.options)
        fast = None
        if settings.answering.retrieval.fast_embedder_share > 0:
            fast_spec = settings.backends.fast_embedder
            fast = create("embedder", fast_spec.name, **fast_spec.options)
    except (BackendError, TypeError) as exc:
        raise ModelError(f"{where}: the configured embedder is not available: {exc}") from None
    generator_spec = settings.answering.generator
    name = spec.generator or generator_spec.name
    options = spec.generator_options if spec.generator else generator_spec.options
    try:
        generator = create("generator", name, **options)
    except (BackendError, TypeError) as exc:
        raise ModelError(
            f"{where}: key 'grounded.generator': generator {name!r} is not available: {exc}"
        ) from None
    return Backends(embedder, fast, generator, time.perf_counter() - started)


def _answering_settings(suite: Suite, settings: Settings) -> Any:
    answering = settings.answering
    threshold = suite.grounded_spec.escalate_below
    if threshold is None:
        return answering
    confidence = answering.confidence.model_copy(update={"answer_threshold": threshold})
    return answering.model_copy(update={"confidence": confidence})


def drafter_factory(
    suite: Suite, settings: Settings, backends: Backends
) -> Callable[[KnowledgeBase], Drafter]:
    answering = _answering_settings(suite, settings)
    cache: dict[str, Drafter] = {}

    def make(kb: KnowledgeBase) -> Drafter:
        key = kb.fingerprint()
        if key not in cache:
            cache[key] = Drafter(
                kb,
                embedder=backends.embedder,
                fast_embedder=backends.fast_embedder,
                generator=backends.generator,
                settings=answering,
                prompts_dir=settings.prompts_dir,
            )
            cache[key].retriever.leave_out_examples = suite.grounded_spec.leave_out_examples
            if len(cache) > 64:
                cache.pop(next(iter(cache)))
        return cache[key]

    return make


def sentences(context: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(context) if s.strip()]


def context_kb(question: Question) -> KnowledgeBase:
    """A paragraph as a KB: one entry per sentence; gold = the sentences holding an answer
    (when none holds it verbatim, the sentence sharing most of its words)."""
    language: ReplyLanguage = "ar" if question.language == "ar" else "en"
    entries = [
        KBEntry(id=f"s{i}", text={language: EntryText(title=s[:500], body="")})
        for i, s in enumerate(sentences(question.context))
    ]
    answers = [normalize(a).normalized for a in question.references if a.strip()]
    titles = [normalize(e.text[language].title).normalized for e in entries]
    question.gold = [
        e.id for e, t in zip(entries, titles, strict=True) if any(a in t for a in answers)
    ]
    if not question.gold and entries and answers:
        # the span crosses a sentence break or differs in spelling: the closest sentence
        overlap = [m.token_f1(t, question.references) for t in titles]
        question.gold = [entries[overlap.index(max(overlap))].id]
    return KnowledgeBase(group="context", entries=entries)


def answer_span(drafter: Drafter, draft: Draft) -> str:
    """What token-F1 scores: the draft of an LLM generator; for the grounded composer, the
    cited entry's own text (the fact it quotes, without the template's words); nothing when
    the item escalates."""
    if draft.escalate:
        return ""
    if draft.generator != drafter.grounded.name or not draft.citations:
        return draft.text
    entry = drafter.kb.get(draft.citations[0].entry_id)
    if entry is None:
        return draft.text
    text = entry.text_for(draft.language)[1]
    return f"{text.title} {text.body}".strip()


def shipped_violations(drafter: Drafter, draft: Draft, post: str) -> list[str]:
    """Faithfulness problems of a draft that would reach the member (escalations never do)."""
    if draft.escalate:
        return []
    cited = [drafter.kb.get(c.entry_id) for c in draft.citations]
    products = [t.title for e in drafter.kb.entries if e.kind == "product" for t in e.text.values()]
    return violations(
        draft.text,
        [entry_facts(e) for e in cited if e is not None],
        post,
        product_names=products,
    )


def run_question(drafter: Drafter, question: Question, k: int) -> Outcome:
    started = time.perf_counter()
    draft = drafter.draft(question.text)
    seconds = time.perf_counter() - started
    ranked = drafter.retriever.index.search(
        normalize(question.text).clean,
        k=k,
        leave_out_examples=drafter.retriever.leave_out_examples,
    )
    return Outcome(
        question=question,
        ranked=[h.entry_id for h in ranked],
        escalated=draft.escalate,
        reason=draft.reason,
        confidence=draft.confidence,
        generator=draft.generator,
        text=draft.text,
        violations=shipped_violations(drafter, draft, question.text),
        token_f1=m.token_f1(answer_span(drafter, draft), question.references)
        if question.references
        else None,
        seconds=seconds,
    )


# ---------------------------------------------------------------- figures


def _share(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def retrieval_figures(
    outcomes: Sequence[Outcome], ks: Sequence[int], *, resamples: int, seed: int
) -> dict[str, Any]:
    """hit@k and MRR (answerable questions), with bootstrap intervals."""
    answerable = [o for o in outcomes if o.question.gold]
    figures: dict[str, Any] = {"n_answerable": len(answerable)}
    intervals: dict[str, Any] = {}
    for k in sorted({1, *ks}):
        scores = [float(o.hit(k)) for o in answerable]
        intervals[f"hit_at_{k}"] = m.bootstrap_mean(scores, resamples=resamples, seed=seed)
    reciprocal = [1.0 / o.rank if o.rank else 0.0 for o in answerable]
    intervals["mrr"] = m.bootstrap_mean(reciprocal, resamples=resamples, seed=seed)
    figures.update({name: ci.get("value") for name, ci in intervals.items()})
    return {"figures": figures, "intervals": intervals}


def escalation_figures(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Escalation as a binary decision whose positives are the unanswerable questions."""
    truth = [not o.question.gold for o in outcomes]
    escalated = [o.escalated for o in outcomes]
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, escalated, average="binary", zero_division=0
    )
    answerable = [o for o in outcomes if o.question.gold]
    answered = [o for o in answerable if not o.escalated]
    return {
        "n_unanswerable": sum(truth),
        "escalation_precision": round(float(precision), 4) if any(escalated) else None,
        "escalation_recall": round(float(recall), 4) if any(truth) else None,
        "escalation_f1": round(float(f1), 4) if any(truth) else None,
        "unanswerable_escalated": _share([o.escalated for o in outcomes if not o.question.gold]),
        "answerable_answered": _share([not o.escalated for o in answerable]),
        "answered_correct": _share([o.hit(1) for o in answered]),
        "answerable_answered_wrong": _share([not o.escalated and not o.hit(1) for o in answerable]),
    }


def drafting_figures(outcomes: Sequence[Outcome], *, resamples: int, seed: int) -> dict[str, Any]:
    shipped = [o for o in outcomes if not o.escalated]
    scored = [o for o in outcomes if o.token_f1 is not None]
    with_violations = [o for o in shipped if o.violations]
    out: dict[str, Any] = {
        "shipped_drafts": len(shipped),
        "faithfulness_violations": len(with_violations),
        "faithfulness_violation_rate": _share([bool(o.violations) for o in shipped]) or 0.0,
        "n_with_reference": len(scored),
    }
    interval: dict[str, Any] = {}
    if scored:
        interval = m.bootstrap_mean(
            [o.token_f1 or 0.0 for o in scored], resamples=resamples, seed=seed
        )
        out["token_f1"] = interval["value"]
        answered = [o.token_f1 or 0.0 for o in scored if not o.escalated]
        out["token_f1_answered"] = round(statistics.fmean(answered), 4) if answered else None
    return {"figures": out, "interval": interval}


def slice_figures(
    outcomes: Sequence[Outcome], keys: Sequence[str], ks: Sequence[int], seed: int
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        groups: dict[str, list[Outcome]] = {}
        for o in outcomes:
            groups.setdefault(str(getattr(o.question, key, "unknown")), []).append(o)
        if set(groups) == {"unknown"}:
            continue
        out[key] = {}
        for value, items in sorted(groups.items()):
            retrieval = retrieval_figures(items, ks, resamples=SLICE_RESAMPLES, seed=seed)
            escalation = escalation_figures(items)
            out[key][value] = {
                "n": len(items),
                **retrieval["figures"],
                "unanswerable_escalated": escalation["unanswerable_escalated"],
                "n_unanswerable": escalation["n_unanswerable"],
                "answerable_answered": escalation["answerable_answered"],
                "ci": {n: ci for n, ci in retrieval["intervals"].items() if "low" in ci},
            }
    return out


def misses(outcomes: Sequence[Outcome], limit: int) -> list[dict[str, Any]]:
    """Wrong top hits and unanswerable questions that were answered, for the admin to read."""
    found: list[dict[str, Any]] = []
    for o in outcomes:
        q = o.question
        if q.gold and not o.hit(1):
            found.append(
                {
                    "id": q.id,
                    "kind": "wrong_top_hit",
                    "language": q.language,
                    "text": q.text,
                    "gold": q.gold,
                    "got": o.ranked[:3],
                    "escalated": o.escalated,
                }
            )
        elif not q.gold and not o.escalated:
            found.append(
                {
                    "id": q.id,
                    "kind": "unanswerable_answered",
                    "language": q.language,
                    "text": q.text,
                    "got": o.ranked[:1],
                    "confidence": o.confidence,
                }
            )
    return found[:limit]


def over_escalations(outcomes: Sequence[Outcome], limit: int) -> list[dict[str, Any]]:
    """Answerable questions that escalated anyway, with the reason (holding replies an admin
    must answer by hand)."""
    return [
        {
            "id": o.question.id,
            "language": o.question.language,
            "text": o.question.text,
            "reason": o.reason,
            "confidence": o.confidence,
            "top_hit_correct": o.hit(1),
        }
        for o in outcomes
        if o.question.gold and o.escalated
    ][:limit]


def latency(outcomes: Sequence[Outcome], load_seconds: float, total: float) -> dict[str, Any]:
    seconds = [o.seconds for o in outcomes]
    return {
        "model_load_s": round(load_seconds, 3),
        "predict_s": round(sum(seconds), 3),
        "posts_per_s": round(len(seconds) / sum(seconds), 1) if sum(seconds) > 0 else None,
        "per_question": m.percentiles_ms(seconds),
        "run_s": round(total, 2),
        "note": "draft time per question (retrieval, decision, composition) on a warm index",
    }


# ---------------------------------------------------------------- the run


def load_questions(suite: Suite, settings: Settings) -> tuple[list[Question], str, Path]:
    spec = suite.dataset
    if spec.path is None:
        raise DatasetError(
            f"{suite.path or suite.name}: key 'dataset.source' is not supported by {suite.task} "
            "suites: name a question file with dataset.path"
        )
    path = resolve_path(spec.path, shared=settings.shared_data_dir, base=suite.folder)
    with_kb = suite.grounded_spec.knowledge_base is not None
    questions = read_questions(path, spec, with_kb=with_kb)
    questions = first_per_language(questions, suite.grounded_spec.limit_per_language)
    origin = display_path(path, settings.shared_data_dir)
    if not questions:
        detail = f" with {spec.split_field} = {spec.split!r}" if spec.split else ""
        raise DatasetError(f"{origin}: no rows{detail}: the split is empty")
    return questions, origin, path


def load_suite_kb(suite: Suite, settings: Settings) -> tuple[KnowledgeBase, str]:
    raw = suite.grounded_spec.knowledge_base
    assert raw is not None
    path = resolve_path(raw, shared=settings.shared_data_dir, base=suite.folder)
    try:
        kb = load_kb(path, group=suite.name)
    except KBError as exc:
        raise DatasetError(f"key 'grounded.knowledge_base': {exc}") from None
    if not kb.entries:
        raise DatasetError(f"key 'grounded.knowledge_base': {path} holds no entries")
    return kb, display_path(path, settings.shared_data_dir)


def _model_section(
    suite: Suite, settings: Settings, backends: Backends, kb: KnowledgeBase | None, kb_origin: str
) -> dict[str, Any]:
    fast = backends.fast_embedder
    parts = [f"embedder {backends.embedder.name}"]
    if fast is not None:
        parts.append(f"fast {fast.name}")
    parts.append(f"generator {getattr(backends.generator, 'name', '?')}")
    answering = _answering_settings(suite, settings)
    return {
        "name": "drafting chain (" + ", ".join(parts) + ")",
        "fingerprint": kb.fingerprint() if kb else None,
        "knowledge_base": kb_origin,
        "kb_entries": len(kb.entries) if kb else None,
        "spec": {
            "grounded": suite.grounded_spec.model_dump(exclude_none=True),
            "retrieval": answering.retrieval.model_dump(),
            "confidence": answering.confidence.model_dump(),
        },
    }


def evaluate_grounded(suite: Suite, settings: Settings, *, progress: bool = True) -> dict:
    """Run a retrieval or drafting suite and return its results (JSON-ready)."""
    started = time.perf_counter()
    spec: GroundedSpec = suite.grounded_spec
    questions, origin, _ = load_questions(suite, settings)
    kb: KnowledgeBase | None = None
    kb_origin = "each row's context field"
    if spec.knowledge_base is not None:
        kb, kb_origin = load_suite_kb(suite, settings)
        check_gold(questions, kb, origin, suite.dataset.gold_field)
    backends = _backends(suite, settings)
    make = drafter_factory(suite, settings, backends)
    k = max(spec.k)
    outcomes = []
    for q in tqdm(questions, desc=suite.name, unit="question", disable=not progress):
        outcomes.append(run_question(make(kb or context_kb(q)), q, k))
    return assemble(suite, settings, outcomes, origin, backends, kb, kb_origin, started)


def assemble(
    suite: Suite,
    settings: Settings,
    outcomes: Sequence[Outcome],
    origin: str,
    backends: Backends,
    kb: KnowledgeBase | None,
    kb_origin: str,
    started: float,
) -> dict[str, Any]:
    spec = suite.grounded_spec
    resamples, seed = suite.bootstrap_resamples, suite.seed
    retrieval = retrieval_figures(outcomes, spec.k, resamples=resamples, seed=seed)
    escalation = escalation_figures(outcomes)
    drafting = drafting_figures(outcomes, resamples=resamples, seed=seed)
    intervals = {**retrieval["intervals"]}
    if drafting["interval"]:
        intervals["token_f1"] = drafting["interval"]
    n_unanswerable = escalation["n_unanswerable"]
    metrics = {
        "n": len(outcomes),
        **retrieval["figures"],
        **escalation,
        **drafting["figures"],
    }
    primary = suite.primary
    if primary == "escalation_recall":
        value = escalation["escalation_recall"]
        interval = m.bootstrap_mean(
            [float(o.escalated) for o in outcomes if not o.question.gold],
            resamples=resamples,
            seed=seed,
        )
        intervals["escalation_recall"] = interval
    else:
        interval = intervals.get(primary, {})
        value = metrics.get(primary)
    if value is None:
        raise DatasetError(
            f"{origin}: primary metric {primary} cannot be computed on this set "
            f"({'no reference answers' if primary == 'token_f1' else 'no answerable rows'})"
        )
    result: dict[str, Any] = {
        "format": "mushrif-eval/1",
        "suite": suite.name,
        "task": suite.task,
        "description": suite.description,
        "suite_file": str(suite.path) if suite.path else None,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "dataset": {
            "origin": origin,
            "n": len(outcomes),
            "label_counts": {
                "answerable": len(outcomes) - n_unanswerable,
                "unanswerable": n_unanswerable,
            },
            "languages": dict(sorted(Counter(o.question.language for o in outcomes).items())),
        },
        "model": _model_section(suite, settings, backends, kb, kb_origin),
        "primary_metric": {"name": primary, **interval, "value": value},
        "metrics": metrics,
        "confidence_intervals": intervals,
    }
    if "slices" in suite.wanted_metrics:
        result["slices"] = slice_figures(outcomes, suite.slices, spec.k, seed)
    result["misses"] = misses(outcomes, spec.misses_shown)
    result["over_escalations"] = over_escalations(outcomes, spec.misses_shown)
    result["violations"] = [
        {"id": o.question.id, "text": o.question.text, "draft": o.text, "violations": o.violations}
        for o in outcomes
        if o.violations
    ]
    result["escalation_reasons"] = dict(
        Counter(_reason_kind(o.reason) for o in outcomes if o.escalated).most_common()
    )
    if "latency" in suite.wanted_metrics:
        result["latency"] = latency(outcomes, backends.load_seconds, time.perf_counter() - started)
    result["run_seconds"] = round(time.perf_counter() - started, 2)
    result["environment"] = {"python": platform.python_version(), "machine": platform.machine()}
    return result


def _reason_kind(reason: str) -> str:
    """``low confidence (0.41 < 0.65)`` → ``low confidence``; other reasons as they are."""
    return reason.split(" (", 1)[0] if reason else "unknown"
