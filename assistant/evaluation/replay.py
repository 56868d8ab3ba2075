"""Shadow replay: a proposed rules/threshold change over labeled posts, before it is enabled.

Every post is analyzed twice, under the current rules and under the proposed ones (the models
run once; the analyzer caches their outputs). Posts whose action changes are listed, false
positives first: posts the admin would leave up that the proposal now hides, deletes, warns or
escalates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import precision_recall_fscore_support

from assistant.evaluation.datasets import DatasetError
from assistant.moderation.rules import GroupRules
from assistant.schemas import Action, Analysis

INTERVENTIONS = frozenset({Action.HIDE, Action.DELETE, Action.WARN, Action.ESCALATE})
ACTIONS = frozenset(a.value for a in Action)
ORDER = {"false_positive": 0, "new_miss": 1, "caught": 2, "cleared": 3, "other": 4}


@dataclass
class LabeledPost:
    text: str
    expected: str
    line: int
    post_id: str


@dataclass
class ReplayChange:
    line: int
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
    expected = [p.expected for p in posts]
    return {
        "posts": len(posts),
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
            f"[{change['kind'].upper()}] line {change['line']} ({change['post_id']}): "
            f"{change['before']} → {change['after']} (admin wants {change['expected']}): {text}"
        )
    if len(result["changes"]) > limit:
        lines.append(f"… {len(result['changes']) - limit} more (see --output)")
    return "\n".join(lines)
