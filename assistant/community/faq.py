"""FAQ suggestions: a question members keep asking that the knowledge base does not answer yet
becomes a proposed entry, answered from the admins' own approved replies when there are some,
otherwise with a skeleton for the admin to complete (facts are never invented)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from assistant.community import texts
from assistant.community.analytics import ActivityAnalysis
from assistant.community.questions import QuestionGroup
from assistant.community.records import approved_replies
from assistant.community.suggestions import Evidence, Suggestion
from assistant.community.vocabulary import CONCEPT, Vocabulary
from assistant.store.groups import knowledge
from assistant.text.normalize import normalize


def _kb_token_sets(session: Session, group_id: str, vocabulary: Vocabulary) -> list[set[str]]:
    return [
        set(vocabulary.tokens(normalize(f"{e.question} {' '.join(e.tags or [])}").normalized))
        for e in knowledge(session, group_id=group_id)
    ]


def _covered(group: QuestionGroup, focus: str | None, kb: list[set[str]]) -> bool:
    if group.concept:
        needed = {CONCEPT + group.concept} | ({focus} if focus else set())
    else:
        needed = set(group.key.removeprefix("words:").split("+"))
    return any(needed <= entry for entry in kb)


def faq_suggestions(
    session: Session, analysis: ActivityAnalysis, prompts_dir: Path
) -> tuple[list[Suggestion], list[str]]:
    context = analysis.context
    kb = _kb_token_sets(session, context.group_id, analysis.vocabulary)
    bursts = {b.key: b for b in analysis.report.question_bursts}
    out: list[Suggestion] = []
    covered: list[str] = []
    for group in analysis.report.recurring_questions:
        burst = bursts.get(group.key)
        no_focus: dict[str, str | None] = {"ar": None, "en": None}
        focus_by_language = burst.focus if burst else no_focus
        focus = focus_by_language.get("ar") or focus_by_language.get("en")
        if _covered(group, focus, kb):
            covered.append(group.name["en"])
            continue
        out.append(_suggestion(session, analysis, prompts_dir, group, focus_by_language))
    notes = (
        [f"already answered in the knowledge base: {', '.join(sorted(covered))}"] if covered else []
    )
    return out, notes


def _suggestion(
    session: Session,
    analysis: ActivityAnalysis,
    prompts_dir: Path,
    group: QuestionGroup,
    focus_by_language: dict[str, str | None],
) -> Suggestion:
    wording = texts.faq(prompts_dir)
    context = analysis.context
    language = group.language if group.language in context.languages else context.primary_language
    focus = focus_by_language.get(language) or focus_by_language.get(
        "en" if language == "ar" else "ar"
    )
    post_ids = analysis.questions.burst_post_ids.get(group.key) or analysis.questions.post_ids.get(
        group.key, []
    )
    if focus:
        by_id = {r.id: r for r in analysis.records}
        naming = [p for p in post_ids if p in by_id and focus in by_id[p].normalized]
        post_ids = naming or post_ids
    replies = approved_replies(session, group_id=context.group_id, post_ids=post_ids)
    fields = {
        "topic": group.name[language],
        "focus_paren": f" ({focus})" if focus else "",
        "count": group.questions,
    }
    answer = replies[0] if replies else texts.render(wording.skeleton.get(language), **fields)
    draft = texts.render(wording.draft.get(language), question=group.representative, answer=answer)
    rationale = texts.render(
        wording.rationale.get(context.primary_language),
        **{
            **fields,
            "topic": group.name[context.primary_language],
        },
    )
    return Suggestion(
        source_key=f"faq:{group.key}:{focus or '-'}",
        kind="faq_suggestion",
        category="faq",
        language=language,
        draft_text=draft,
        rationale=rationale,
        data={
            "pattern": "recurring_question",
            "group": group.model_dump(mode="json"),
            "answer_source": "approved_replies" if replies else "skeleton",
            "approved_replies": len(replies),
        },
        evidence=[
            Evidence(
                entry_id="questions", kind="figure", title="times asked", score=group.questions
            ),
            *[
                Evidence(entry_id=f"post:{pid}", kind="post", title="an example", score=1)
                for pid in group.example_post_ids[:3]
            ],
        ],
        score=float(group.questions),
    )
