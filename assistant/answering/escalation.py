"""Posts that need a human: complaints, refunds, order problems, anything about one order."""

from __future__ import annotations

from pathlib import Path

from assistant.answering.prompts import escalation_patterns
from assistant.answering.quoting import looks_like_injection
from assistant.schemas import Analysis, Intent
from assistant.text.normalize import normalize

_HUMAN_INTENTS = {
    Intent.COMPLAINT: "complaint",
    Intent.ORDER_SUPPORT: "order support",
    Intent.ABUSIVE: "abusive post",
    Intent.SPAM: "spam",
}
_LABELS = {
    "specific_order": "asks about a specific order",
    "refund": "asks for a refund",
    "complaint": "complaint",
}


def needs_human(post: str, analysis: Analysis | None, prompts_dir: Path) -> str | None:
    """The reason a human should handle ``post``, or ``None`` when a drafted answer may do."""
    if analysis is not None:
        try:
            intent = Intent(analysis.intent.label)
        except ValueError:
            intent = None
        if intent in _HUMAN_INTENTS:
            return f"needs a human: {_HUMAN_INTENTS[intent]} (triage)"
    normalized = normalize(post).normalized
    for reason, pattern in escalation_patterns(prompts_dir).items():
        if pattern.search(normalized):
            return f"needs a human: {_LABELS.get(reason, reason)}"
    if looks_like_injection(post):
        return "needs a human: the post tries to give the assistant instructions"
    return None
