"""Which queue item each analysis becomes: replies for members' needs, moderation for content."""

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.jobs.analysis import queue_item_for
from assistant.moderation.analyzer import Analyzer
from assistant.schemas import Action, Priority

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


@pytest.fixture
def analyzer(fake_settings: Settings) -> Analyzer:
    return Analyzer.from_settings(fake_settings)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The abaya arrived broken, worst service", "en"),
        ("وصلني الطلب مكسور والله زعلان", "ar"),
    ],
)
def test_a_complaint_is_an_escalated_reply_with_a_holding_note(
    analyzer: Analyzer, text: str, language: str
) -> None:
    analysis = analyzer.analyze(text)
    assert analysis.action == Action.ESCALATE and analysis.category == "complaint"
    item = queue_item_for(1, "g1", analysis, PROMPTS)
    assert item is not None
    assert (item.kind, item.suggested_action, item.priority) == ("reply", "escalate", Priority.HIGH)
    assert item.language == language
    assert item.draft_text == analysis.explanation.member_message
    assert item.draft_reason == "needs a human: complaint"


def test_abuse_stays_a_moderation_item(analyzer: Analyzer) -> None:
    analysis = analyzer.analyze("يا حمااااار")
    item = queue_item_for(2, "g1", analysis, PROMPTS)
    assert item is not None and item.kind == "moderation"
    assert item.suggested_action in ("hide", "delete", "warn")
