"""Member-facing sentences always match the action taken, in Arabic and English."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from assistant.config import Settings
from assistant.moderation.analyzer import Analyzer
from assistant.moderation.messages import MemberMessages, load_member_messages
from assistant.moderation.rules import parse_rules
from assistant.schemas import Action

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


@pytest.fixture
def analyzer(fake_settings: Settings) -> Analyzer:
    return Analyzer.from_settings(fake_settings)


@pytest.fixture
def messages() -> MemberMessages:
    return load_member_messages(PROMPTS)


@pytest.mark.parametrize(
    ("language", "hidden", "removed"),
    [
        ("ar", "تم إخفاء منشورك", "تم حذف منشورك"),
        ("en", "Your post was hidden", "Your post was removed"),
    ],
)
def test_the_outcome_follows_the_action(
    messages: MemberMessages, language: str, hidden: str, removed: str
) -> None:
    for key in ("offensive", "hate", "spam", "contact"):
        assert messages.sentence(Action.HIDE, key, language).startswith(hidden)
        assert messages.sentence(Action.DELETE, key, language).startswith(removed)
    assert messages.sentence(Action.APPROVE, "offensive", language) == ""


@pytest.mark.parametrize(
    "text", ["شوفوا الموقع https://offers.example/x", "see https://offers.example/x"]
)
def test_an_escalated_link_is_not_told_it_was_hidden(analyzer: Analyzer, text: str) -> None:
    rules = parse_rules({"version": 1, "links": {"policy": "review"}})
    result = analyzer.analyze(text, rules=rules)
    assert result.action == Action.ESCALATE and result.category == "contact"
    message = result.explanation.member_message
    assert "hidden" not in message and "إخفاء" not in message
    assert message in (
        "شكرًا لتواصلك، سيراجع أحد المشرفين رسالتك قريبًا.",
        "Thanks for reaching out, an admin will look at your message shortly.",
    )


def test_a_hidden_link_names_the_link_rule(analyzer: Analyzer) -> None:
    rules = parse_rules({"version": 1, "links": {"policy": "hide"}})
    result = analyzer.analyze("شوفوا الموقع https://offers.example/x", rules=rules)
    assert result.action == Action.HIDE
    assert result.explanation.member_message.startswith("تم إخفاء منشورك لأنه يحتوي على رابط")


def test_a_rule_is_named_by_its_description_not_the_internal_reason(analyzer: Analyzer) -> None:
    rules = parse_rules(
        {
            "version": 1,
            "keyword_rules": [
                {
                    "id": "no-raffles",
                    "category": "raffle",
                    "action": "delete",
                    "description": "Raffles are not allowed",
                    "words": ["raffle", "سحب"],
                }
            ],
        }
    )
    english = analyzer.analyze("Join my raffle today", rules=rules)
    arabic = analyzer.analyze("ادخلوا سحب على جوائز اليوم", rules=rules)
    assert english.explanation.member_message == (
        "Your post was removed because it breaks a group rule: Raffles are not allowed"
    )
    assert arabic.explanation.member_message == (
        "تم حذف منشورك لمخالفته قاعدة من قواعد المجموعة: Raffles are not allowed"
    )


def test_incomplete_messages_file_is_a_clear_error(tmp_path: Path) -> None:
    data = yaml.safe_load((PROMPTS / "moderation" / "member_messages.yaml").read_text("utf-8"))
    del data["outcomes"]["delete"]
    with pytest.raises(ValidationError, match="'outcomes' lacks delete"):
        MemberMessages.model_validate(data)
    data = yaml.safe_load((PROMPTS / "moderation" / "member_messages.yaml").read_text("utf-8"))
    data["reasons"]["spam"].pop("ar")
    with pytest.raises(ValidationError, match=r"'reasons\.spam' lacks ar"):
        MemberMessages.model_validate(data)
