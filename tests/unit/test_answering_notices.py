"""Moderation notices: a short note in the member's language naming the broken rule."""

from __future__ import annotations

import importlib
from pathlib import Path

from assistant.answering.notices import moderation_notice
from assistant.schemas import Action, RuleHit

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
drafting = importlib.import_module("tests.unit.test_answering_drafting")


def _hit(**extra: object) -> RuleHit:
    return RuleHit.model_validate(
        {
            "rule_id": "no-reselling",
            "category": "advertising",
            "action": "hide",
            "description": "Selling is only allowed for the shop itself",
            **extra,
        }
    )


def test_notice_uses_the_rules_own_message_in_the_members_language() -> None:
    analysis = drafting._analysis("للبيع عباية مستعملة", "spam", language="ar")
    hit = _hit(
        member_message={"ar": "تم إخفاء منشورك: البيع للمتجر فقط.", "en": "Only the shop sells."}
    )
    analysis.rule_hits = [hit]
    notice = moderation_notice(analysis, prompts_dir=PROMPTS)
    assert notice.language == "ar"
    assert notice.text == "تم إخفاء منشورك: البيع للمتجر فقط."
    assert notice.rule_id == "no-reselling"


def test_notice_names_the_rule_description_when_the_rule_has_no_message() -> None:
    analysis = drafting._analysis("selling my old abaya", "spam")
    analysis.rule_hits = [_hit()]
    notice = moderation_notice(analysis, prompts_dir=PROMPTS)
    assert notice.language == "en"
    assert "Selling is only allowed for the shop itself" in notice.text
    assert notice.text.startswith("Your post was hidden")


def test_notice_for_a_category_without_rule_hits() -> None:
    analysis = drafting._analysis("يا حمار", "abusive", language="ar")
    analysis.category = "offensive"
    notice = moderation_notice(analysis, prompts_dir=PROMPTS)
    assert "ألفاظ مسيئة" in notice.text


def test_notice_for_a_removed_post_says_removed() -> None:
    analysis = drafting._analysis("selling my old abaya", "spam")
    analysis.action = Action.DELETE
    analysis.rule_hits = [_hit(action="delete")]
    notice = moderation_notice(analysis, prompts_dir=PROMPTS)
    assert notice.text == (
        "Your post was removed because it breaks a group rule: "
        "Selling is only allowed for the shop itself"
    )
