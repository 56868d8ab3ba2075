"""The check every LLM draft passes before it reaches the queue.

A draft fails when it states facts its sources do not hold or flips one of their negations
(``faithfulness``), when it obeys
an instruction hidden in the post or in the knowledge base, or when it leaks the prompt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.answering.faithfulness import negation_violations, violations
from assistant.answering.quoting import injection_spans, looks_like_injection, strip_injections
from assistant.text.normalize import normalize

_WORD = re.compile(r"[^\W_]+")


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = _WORD.findall(normalize(text).normalized)
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def obeys_injection(draft: str, quoted: Iterable[str]) -> bool:
    """True if the draft itself instructs, or repeats an instruction found in quoted text."""
    if looks_like_injection(draft):
        return True
    draft_grams = _ngrams(draft, 3)
    return any(draft_grams & _ngrams(span, 3) for text in quoted for span in injection_spans(text))


def leaks_prompt(draft: str, prompt: str, *, n: int = 6) -> bool:
    """True if the draft repeats a run of ``n`` words of the prompt's instructions."""
    return bool(_ngrams(draft, n) & _ngrams(prompt, n))


def check_draft(
    draft: str,
    *,
    sources: Sequence[str],
    post: str,
    instructions: str,
    product_names: Iterable[str] = (),
) -> list[str]:
    """Why ``draft`` may not be shipped; an empty list means it passes. Instruction-like
    sentences of the post or sources are not evidence (a "90% discount" they ask for does not
    make 90 a fact)."""
    evidence = [strip_injections(s) for s in sources]
    post_evidence = strip_injections(post)
    problems = violations(draft, evidence, post_evidence, product_names=product_names)
    problems += negation_violations(draft, [*evidence, post_evidence])
    if obeys_injection(draft, [post, *sources]):
        problems.append("the draft follows an instruction quoted in the post or the sources")
    if leaks_prompt(draft, instructions):
        problems.append("the draft repeats the assistant's instructions")
    if not draft.strip():
        problems.append("the draft is empty")
    return problems
