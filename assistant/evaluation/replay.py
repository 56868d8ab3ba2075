"""Shadow replay: a proposed rules/threshold change over labeled posts, before it is enabled.

Every post is analyzed twice, under the current rules and under the proposed ones (the models
run once; the analyzer caches their outputs). Posts whose action changes are listed, false
positives first: posts the admin would leave up that the proposal now hides, deletes, warns or
escalates.

The labeled posts come from a file (``text`` + the wanted action) or from the group's store:
every post whose queue item an admin decided, labeled by that decision
(:func:`expected_action`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import precision_recall_fscore_support
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.evaluation.datasets import DatasetError
from assistant.moderation.rules import GroupRules
from assistant.schemas import Action, Analysis

INTERVENTIONS = frozenset({Action.HIDE, Action.DELETE, Action.WARN, Action.ESCALATE})
ACTIONS = frozenset(a.value for a in Action)
ORDER = {"false_positive": 0, "new_miss": 1, "caught": 2, "cleared": 3, "other": 4}
# An admin label on a rejected item that says the post itself had to go.
LABEL_ACTIONS = {"spam": "hide", "abusive": "hide", "offensive": "hide", "hate": "hide"}
DECIDED_KINDS = ("reply", "moderation")


@dataclass
class LabeledPost:
    text: str
    expected: str
    line: int
    post_id: str
    origin: str = ""

    @property
    def where(self) -> str:
        return self.origin or f"line {self.line}"


@dataclass
class ReplayChange:
    line: int
    where: str
    post_id: str
    text: str
    expected: str
    before: str
    after: str
    kind: str
    why: str


def read_replay_posts(
    path: Path, *, label_field: str, group: str | None, group_field: str = "group"
) -> list[LabeledPost]:
    """Posts with the action the admin wants (``approve``, ``hide``, ``escalate``…)."""
    from assistant.cli.io import InputFileError, read_posts

    try:
        rows = list(read_posts(path))
    except InputFileError as exc:
        raise DatasetError(str(exc)) from None
    posts = []
    for row in rows:
        if group is not None and row.get(group_field) not in (None, "", group):
            continue
        value = str(row.get(label_field) or "").strip().lower()
        if value not in ACTIONS:
            raise DatasetError(
                f"{path} line {row['_line']}: field '{label_field}' is {value or 'empty'!r}; "
                f"expected one of {sorted(ACTIONS)}"
            )
        post_id = str(row.get("id") or row.get("external_id") or row["_line"])
        posts.append(LabeledPost(row["text"], value, row["_line"], post_id))
    if not posts:
        raise DatasetError(f"{path}: no posts" + (f" of group {group!r}" if group else ""))
    return posts


def expected_action(
    *, kind: str, status: str, suggested: str | None, admin_label: str | None
) -> str | None:
    """The action an admin's decision on a queue item asks for (``None``: it says nothing).

    - approved: Mushrif's suggested action was right (``hide`` approved → ``hide``; a reply
      approved → ``reply``; an escalated complaint answered → ``escalate``);
    - rejected with a label naming unwanted content (spam, abusive, offensive, hate): ``hide``;
    - a rejected moderation item: the admin left the post up → ``approve``;
    - a rejected reply draft: the text was wrong, not the post → the suggested action stays.
    """
    suggested = (suggested or "").lower() or None
    if status == "approved":
        return suggested if suggested in ACTIONS else None
    if status != "rejected":
        return None
    label = (admin_label or "").strip().lower()
    if label in LABEL_ACTIONS:
        return LABEL_ACTIONS[label]
    if kind == "moderation":
        return Action.APPROVE.value
    return suggested if suggested in ACTIONS else Action.REPLY.value


def stored_replay_posts(
    session: Session, *, group_id: str, limit: int | None = None
) -> list[LabeledPost]:
    """The group's stored posts that an admin decided on, newest decisions first, labeled by
    :func:`expected_action` (the admin's label from the feedback example when given)."""
    from assistant.store.models import FeedbackExample, ItemStatus, Post, QueueItem

    query = (
        select(QueueItem, Post.text, Post.external_id, FeedbackExample.record)
        .join(Post, Post.id == QueueItem.post_id)
        .outerjoin(FeedbackExample, FeedbackExample.queue_item_id == QueueItem.id)
        .where(
            QueueItem.group_id == group_id,
            QueueItem.status != ItemStatus.PENDING.value,
            QueueItem.kind.in_(DECIDED_KINDS),
        )
        .order_by(QueueItem.decided_at.desc(), QueueItem.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    posts = []
    for item, text, external_id, record in session.execute(query):
        label = (record or {}).get("admin_label") if item.status == "rejected" else None
        expected = expected_action(
            kind=item.kind, status=item.status, suggested=item.suggested_action, admin_label=label
        )
        if expected is None or not text.strip():
            continue
        posts.append(
            LabeledPost(
                text=text,
                expected=expected,
                line=item.id,
                post_id=external_id,
                origin=f"item {item.id}",
            )
        )
    return posts


def stored_group_rules(session: Session, *, group_id: str) -> GroupRules:
    """The group's rules as stored today (none stored: no group rules)."""
    from assistant.store.groups import validate_rules_yaml
    from assistant.store.models import Group

    group = session.get(Group, group_id)
    if group is None:
        raise DatasetError(f"group {group_id!r} is not in the database")
    if not group.rules_yaml:
        return GroupRules()
    return validate_rules_yaml(group.rules_yaml, source=f"group {group_id!r} rules_yaml")


def _intervenes(action: str) -> bool:
    return Action(action) in INTERVENTIONS


def classify_change(expected: str, before: str, after: str) -> str:
    wanted = _intervenes(expected)
    if _intervenes(after) and not _intervenes(before):
        return "caught" if wanted else "false_positive"
    if _intervenes(before) and not _intervenes(after):
        return "new_miss" if wanted else "cleared"
    return "other"


def _why(analysis: Analysis) -> str:
    return analysis.explanation.summary


def _scores(expected: Sequence[str], actions: Sequence[str]) -> dict[str, float]:
    truth = [_intervenes(e) for e in expected]
    flagged = [_intervenes(a) for a in actions]
    p, r, f, _ = precision_recall_fscore_support(truth, flagged, average="binary", zero_division=0)
    exact = sum(a == e for a, e in zip(actions, expected, strict=True)) / max(len(expected), 1)
    return {
        "intervention_precision": round(float(p), 4),
        "intervention_recall": round(float(r), 4),
        "intervention_f1": round(float(f), 4),
        "exact_action_accuracy": round(exact, 4),
        "flagged": int(sum(flagged)),
    }


def replay(
    analyzer: Any, posts: Sequence[LabeledPost], current: GroupRules, proposed: GroupRules
) -> dict[str, Any]:
    texts = [p.text for p in posts]
    before = analyzer.analyze_batch(texts, rules=current)
    after = analyzer.analyze_batch(texts, rules=proposed)
    changes = [
        ReplayChange(
            line=post.line,
            where=post.where,
            post_id=post.post_id,
            text=post.text,
            expected=post.expected,
            before=b.action.value,
            after=a.action.value,
            kind=classify_change(post.expected, b.action.value, a.action.value),
            why=_why(a),
        )
        for post, b, a in zip(posts, before, after, strict=True)
        if a.action != b.action
    ]
    changes.sort(key=lambda c: (ORDER[c.kind], c.line))
    expected_counts = Counter(p.expected for p in posts)
    expected = [p.expected for p in posts]
    return {
        "posts": len(posts),
        "expected_actions": dict(sorted(expected_counts.items())),
        "changed": len(changes),
        "change_counts": dict(Counter(c.kind for c in changes)),
        "current": _scores(expected, [b.action.value for b in before]),
        "proposed": _scores(expected, [a.action.value for a in after]),
        "now_hidden_or_escalated": sum(
            _intervenes(c.after) and not _intervenes(c.before) for c in changes
        ),
        "changes": [asdict(c) for c in changes],
    }


def render_replay(result: dict[str, Any], *, limit: int = 50) -> str:
    cur, new = result["current"], result["proposed"]
    lines = [
        f"{result['posts']} posts replayed, {result['changed']} change action "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(result['change_counts'].items())) or '-'})",
        f"intervention precision {cur['intervention_precision']:.3f} → "
        f"{new['intervention_precision']:.3f}, recall {cur['intervention_recall']:.3f} → "
        f"{new['intervention_recall']:.3f}, flagged {cur['flagged']} → {new['flagged']}",
        "",
    ]
    for change in result["changes"][:limit]:
        text = " ".join(change["text"].split())[:80]
        lines.append(
            f"[{change['kind'].upper()}] {change.get('where') or 'line ' + str(change['line'])} "
            f"({change['post_id']}): "
            f"{change['before']} → {change['after']} (admin wants {change['expected']}): {text}"
        )
    if len(result["changes"]) > limit:
        lines.append(f"… {len(result['changes']) - limit} more (see --output)")
    return "\n".join(lines)
