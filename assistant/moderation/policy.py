"""Policy: classifier scores and rule hits → one suggested action, priority and explanation."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from assistant.moderation.messages import MemberMessages
from assistant.moderation.rules import ActionThresholds, GroupRules, Thresholds
from assistant.schemas import (
    Action,
    Explanation,
    Intent,
    LabelScores,
    LanguageResult,
    Priority,
    RuleHit,
)
from assistant.text.language import reply_language

SEVERITY = [Action.APPROVE, Action.REPLY, Action.ESCALATE, Action.WARN, Action.HIDE, Action.DELETE]
_MODERATION = {Action.WARN, Action.HIDE, Action.DELETE}


class ArabiziReading(StrEnum):
    """How a head saw an Arabizi post: in Arabic script, or as the Latin text it was not trained
    on. The value is the wording of the admin's reasons."""

    ARABIC_SCRIPT = "read from Arabizi"
    LATIN = "on Arabizi read as Latin text"


@dataclass
class Signals:
    """Everything the policy looks at for one post."""

    language: LanguageResult
    intent: LabelScores
    offensive: LabelScores
    spam: LabelScores
    sentiment: LabelScores
    lexicon_score: float
    lexicon_model: str
    rule_hits: list[RuleHit]
    offensive_evidence: list[str] = field(default_factory=list)
    spam_evidence: list[str] = field(default_factory=list)
    # How the offensive and sentiment heads saw the post when it is Arabizi (None otherwise).
    # Offensive scores of a post read as Latin text alone only send it to an admin
    # (``_unconfirmed_verdict``); a negative reading of a transliteration is weaker ground, and
    # the admin is told how the sentiment head read it.
    offensive_reading: ArabiziReading | None = None
    sentiment_reading: ArabiziReading | None = None


@dataclass
class Candidate:
    action: Action
    category: str
    confidence: float
    reason: str
    evidence: list[str] = field(default_factory=list)
    # Which reason sentence the member gets if the post is hidden or removed.
    message_key: str = ""
    own_message: dict[str, str] = field(default_factory=dict)
    # The rule as members may read it (its description), never the internal reason.
    rule_text: str = ""


@dataclass
class Decision:
    action: Action
    priority: Priority
    confidence: float
    category: str
    explanation: Explanation


@dataclass(frozen=True)
class _ScoreCheck:
    category: str
    measured: str  # what the score measures, as the reason names it
    score: float
    limits: ActionThresholds
    model: str
    evidence: list[str]
    # A head trained on other data than group posts (tweets, SMS, comments): where it is on
    # weak ground (``_unconfirmed_verdict``) its verdict needs this intent from the intent
    # classifier.
    confirmed_by: Intent | None = None
    read_as_latin: bool = False  # the head saw an Arabizi post as Latin text
    # Hate is not held back at its lowest level: it is urgent, and no group post was seen to
    # reach it by mistake.
    lowest_level_is_weak: bool = True


def _score_checks(signals: Signals, thresholds: Thresholds) -> list[_ScoreCheck]:
    hate = signals.offensive.scores.get("hate", 0.0)
    offensive = signals.offensive.scores.get("offensive", 0.0) + hate
    evidence = signals.offensive_evidence
    latin = signals.offensive_reading is ArabiziReading.LATIN
    spam = max(signals.spam.scores.get("spam", 0.0), signals.intent.scores.get("spam", 0.0))
    return [
        _ScoreCheck(
            "hate",
            "hate",
            hate,
            thresholds.hate,
            "hate-speech classifier",
            evidence,
            Intent.ABUSIVE,
            latin,
            lowest_level_is_weak=False,
        ),
        _ScoreCheck(
            "offensive",
            "offensive or hate",
            offensive,
            thresholds.offensive,
            "offensive-language classifier",
            evidence,
            Intent.ABUSIVE,
            latin,
        ),
        _ScoreCheck(
            "offensive",
            "offensive",
            signals.lexicon_score,
            thresholds.lexicon,
            signals.lexicon_model,
            evidence,
        ),
        _ScoreCheck(
            "spam",
            "spam",
            spam,
            thresholds.spam,
            "spam classifier",
            signals.spam_evidence,
            Intent.SPAM,
        ),
    ]


def _score_candidates(signals: Signals, rules: GroupRules) -> list[Candidate]:
    found: list[Candidate] = []
    for check in _score_checks(signals, rules.thresholds):
        action = check.limits.action_for(check.score)
        if action is not None:
            limit = getattr(check.limits, action.value)
            candidate = Candidate(
                action,
                check.category,
                check.score,
                f"{check.model}: {check.measured} {check.score:.2f} ≥ {action.value} "
                f"threshold {limit}",
                list(check.evidence),
                message_key=check.category,
            )
            found.append(_unconfirmed_verdict(candidate, check, signals))
    for hit in signals.rule_hits:
        found.append(
            Candidate(
                hit.action,
                hit.category,
                hit.score,
                f"rule {hit.rule_id}: {hit.description or hit.category}"
                + (f" ({ArabiziReading.ARABIC_SCRIPT})" if hit.read_from_arabizi else ""),
                list(hit.evidence),
                message_key=_message_key(hit),
                own_message=hit.member_message,
                rule_text=hit.description or hit.rule_id,
            )
        )
    return found


def _unconfirmed_verdict(candidate: Candidate, check: _ScoreCheck, signals: Signals) -> Candidate:
    """A head's verdict moderates alone only where the head is on firm ground; elsewhere it needs
    the intent classifier (trained on group posts, reading Arabizi in Arabic script) to agree,
    and otherwise goes to an admin instead of sanctioning the member.

    Not firm ground: an Arabizi post the head read as Latin text (it never learned from such
    text), and a score only at the category's lowest moderating level (the offensive head learned
    from tweets, the spam head mostly from SMS, comments and tweets: a congratulation reached the
    warn level, an order number the hide level).
    """
    if (
        check.confirmed_by is None
        or candidate.action not in _MODERATION
        or signals.intent.label == check.confirmed_by
    ):
        return candidate
    if check.read_as_latin:
        why = str(ArabiziReading.LATIN)
    elif check.lowest_level_is_weak and candidate.action == check.limits.lowest_moderation():
        why = f"at the {candidate.action.value} level only"
    else:
        return candidate
    return replace(
        candidate,
        action=Action.ESCALATE,
        reason=f"{candidate.reason}, {why} and not confirmed by the intent classifier: for review",
    )


def _message_key(hit: RuleHit) -> str:
    return hit.category if hit.category in ("contact", "banned_topic", "spam") else "rule"


def _intent_candidate(signals: Signals, rules: GroupRules) -> Candidate:
    intent, score = signals.intent.label, signals.intent.score
    reason = f"intent classifier: {intent} {score:.2f}"
    if intent == Intent.QUESTION:
        return Candidate(Action.REPLY, "question", score, reason)
    if intent in (Intent.COMPLAINT, Intent.ORDER_SUPPORT):
        return Candidate(Action.ESCALATE, intent, score, reason)
    if intent == Intent.FEEDBACK:
        negative = signals.sentiment.scores.get("negative", 0.0)
        if rules.thresholds.negative_feedback.action_for(negative) is not None:
            note = f" ({signals.sentiment_reading})" if signals.sentiment_reading else ""
            return Candidate(
                Action.ESCALATE,
                "negative_feedback",
                negative,
                f"{reason}; sentiment negative {negative:.2f}{note}",
            )
        return Candidate(Action.APPROVE, "feedback", score, reason)
    if intent in (Intent.SPAM, Intent.ABUSIVE):
        # The dedicated classifiers did not confirm it: a human should look.
        return Candidate(
            Action.ESCALATE,
            str(intent),
            score,
            f"{reason}, not confirmed by the {intent} scores",
        )
    if intent == Intent.OFF_TOPIC:
        return Candidate(
            rules.off_topic_action, "off_topic", score, reason, message_key="off_topic"
        )
    return Candidate(Action.APPROVE, str(intent), score, reason)


def _priority(chosen: Candidate) -> Priority:
    # Urgent is kept for what hurts members: hate, and abuse bad enough to delete.
    if chosen.category == "hate" or (
        chosen.action == Action.DELETE and chosen.category == "offensive"
    ):
        return Priority.URGENT
    if chosen.action in (Action.HIDE, Action.DELETE) or chosen.category in (
        "complaint",
        "negative_feedback",
    ):
        return Priority.HIGH
    if chosen.action in (Action.APPROVE,):
        return Priority.LOW
    return Priority.NORMAL


def decide(signals: Signals, rules: GroupRules, templates: MemberMessages) -> Decision:
    """Pick the most severe suggested action; every signal that fired becomes a reason."""
    candidates = _score_candidates(signals, rules)
    candidates.append(_intent_candidate(signals, rules))
    # Most severe action first; at equal severity hate outranks plain offensiveness.
    candidates.sort(
        key=lambda c: (SEVERITY.index(c.action), c.category == "hate", c.confidence), reverse=True
    )
    chosen = candidates[0]
    language = reply_language(signals.language)
    if chosen.own_message.get(language):
        message = chosen.own_message[language]
    else:
        message = templates.sentence(
            chosen.action,
            chosen.message_key or "rule",
            language,
            rule=chosen.rule_text or chosen.category,
        )
    reasons = [c.reason for c in candidates if c.action in _MODERATION or c is chosen]
    evidence = (
        list(dict.fromkeys(e for c in candidates if c.action in _MODERATION for e in c.evidence))
        or chosen.evidence
    )
    summary = f"{chosen.action.value}: {chosen.category} ({chosen.reason})"
    return Decision(
        action=chosen.action,
        priority=_priority(chosen),
        confidence=round(min(1.0, max(0.0, chosen.confidence)), 4),
        category=chosen.category,
        explanation=Explanation(
            summary=summary, reasons=reasons, evidence=evidence, member_message=message
        ),
    )
