"""Moderation notices: a short, polite note to a member whose post was hidden or removed,
in their language, naming the rule broken. Sentences come from
``prompts/moderation/member_messages.yaml`` (shared with the moderation policy)."""

from __future__ import annotations

from pathlib import Path

from assistant.answering.schemas import Notice
from assistant.moderation.messages import load_member_messages
from assistant.schemas import Action, Analysis, RuleHit
from assistant.text.language import reply_language

_REMOVING = (Action.DELETE, Action.HIDE, Action.WARN)
_SEVERITY = [Action.WARN, Action.HIDE, Action.DELETE]


def _main_hit(analysis: Analysis) -> RuleHit | None:
    hits = [h for h in analysis.rule_hits if h.action in _REMOVING]
    return max(hits, key=lambda h: (_SEVERITY.index(h.action), h.score), default=None)


def moderation_notice(
    analysis: Analysis, *, prompts_dir: Path, rule_hit: RuleHit | None = None
) -> Notice:
    """The note for the rule that hid or removed the post (its own message when it has one).

    It says what happened to the post: removed when the suggested action deletes it, hidden
    otherwise (a notice is only written for a post taken down)."""
    language = "ar" if reply_language(analysis.language) == "ar" else "en"
    templates = load_member_messages(prompts_dir)
    outcome = Action.DELETE if analysis.action == Action.DELETE else Action.HIDE
    hit = rule_hit or _main_hit(analysis)
    if hit is not None and hit.member_message.get(language):
        return Notice(text=hit.member_message[language], language=language, rule_id=hit.rule_id)
    if hit is not None:
        rule = hit.description or hit.rule_id
        text = templates.sentence(outcome, hit.category, language, rule=rule)
        return Notice(text=text, language=language, rule_id=hit.rule_id)
    text = templates.sentence(outcome, analysis.category, language, rule=analysis.category)
    return Notice(text=text, language=language, rule_id=analysis.category)
