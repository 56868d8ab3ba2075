"""Example questions of knowledge-base entries: loading, merging and retrieval (fake embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answering.kb import KBError, load_entries, load_kb, merge_entries
from assistant.answering.retrieval import HybridIndex, confidence
from assistant.answering.schemas import MAX_EXAMPLE_CHARS, Hit, KBEntry, KnowledgeBase
from assistant.backends.registry import create
from assistant.config import ConfidenceSettings, RetrievalSettings

_FAQ = """## How long does delivery take?
id: delivery-time
lang: en

Two to four working days.

## Do you take cards?
id: payment
lang: en
examples: ادفع بالبطاقة؟ | can I pay by visa

Visa, Mastercard and mada.
"""


def _kb_dir(tmp_path: Path, examples: list[dict[str, object]]) -> Path:
    (tmp_path / "faq.md").write_text(_FAQ, "utf-8")
    lines = [json.dumps(row, ensure_ascii=False) for row in examples]
    (tmp_path / "examples.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    return tmp_path


def test_examples_rows_join_the_entry_defined_in_another_file(tmp_path: Path) -> None:
    kb = load_kb(_kb_dir(tmp_path, [{"id": "delivery-time", "examples": ["الطلب متى يوصل جدة؟"]}]))
    delivery = kb.get("delivery-time")
    assert delivery is not None and delivery.examples == ["الطلب متى يوصل جدة؟"]
    assert delivery.text["en"].title == "How long does delivery take?"
    payment = kb.get("payment")
    assert payment is not None and payment.examples == ["ادفع بالبطاقة؟", "can I pay by visa"]


def test_examples_for_an_unknown_entry_name_it(tmp_path: Path) -> None:
    with pytest.raises(KBError, match="delivery-tme"):
        load_kb(_kb_dir(tmp_path, [{"id": "delivery-tme", "examples": ["when?"]}]))


def test_a_row_with_neither_title_nor_examples_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "examples": ["ok"]}\n{"id": "b"}\n', "utf-8")
    with pytest.raises(KBError, match=r"entry 2: .*neither a title nor example questions"):
        load_entries(path)


def test_examples_are_deduplicated_after_normalization() -> None:
    entry = KBEntry(
        id="x",
        examples=["كم سعر العبايه؟", "كــم سِعر العباية؟", "  ", "price?", "x" * 2000],
    )
    assert entry.examples[:2] == ["كم سعر العبايه؟", "price?"]
    assert len(entry.examples) == 3 and len(entry.examples[2]) == MAX_EXAMPLE_CHARS


def test_reimporting_an_entry_keeps_its_examples_and_examples_only_rows_keep_the_rest() -> None:
    base = KBEntry.model_validate(
        {"id": "p", "kind": "product", "text": {"en": {"title": "Abaya"}}, "examples": ["a?"]}
    )
    updated = KBEntry.model_validate(
        {"id": "p", "kind": "product", "text": {"ar": {"title": "عباية"}}}
    )
    merged = merge_entries([base], [updated, KBEntry(id="p", examples=["b?", "a?"])])[0][0]
    assert merged.kind == "product"
    assert set(merged.text) == {"en", "ar"}
    assert merged.examples == ["a?", "b?"]


def _index(kb: KnowledgeBase) -> HybridIndex:
    return HybridIndex(
        kb, create("embedder", "fake"), RetrievalSettings(dense_floor=0.0, fast_embedder_share=0.0)
    )


def _shop(examples: list[str]) -> KnowledgeBase:
    return KnowledgeBase(
        entries=[
            KBEntry.model_validate(
                {
                    "id": "returns",
                    "text": {"ar": {"title": "سياسة الاسترجاع", "body": "خلال ١٤ يوم"}},
                }
            ),
            KBEntry.model_validate(
                {
                    "id": "delivery",
                    "text": {"ar": {"title": "مدة التوصيل", "body": "من يومين إلى أربعة أيام"}},
                    "examples": examples,
                }
            ),
        ]
    )


def test_a_dialect_question_finds_the_entry_through_its_example() -> None:
    question = "الطلبيه متى توصلني؟"
    without = {h.entry_id: h for h in _index(_shop([])).search(question)}
    with_example = _index(_shop(["الطلبيه متى توصلني يا جماعه"])).search(question)
    assert with_example[0].entry_id == "delivery"
    assert with_example[0].lexical > without["delivery"].lexical
    assert with_example[0].score > without["delivery"].score


def test_leave_out_ignores_the_example_that_is_the_question_itself() -> None:
    index = _index(_shop(["الطلبيه متى توصلني؟"]))
    question = "الطلبيـــه متى توصلني؟"  # elongated: the same question after normalization
    kept = index.search(question)[0]
    left_out = index.search(question, leave_out_examples=True)[0]
    assert kept.entry_id == "delivery"
    assert left_out.score < kept.score
    assert index.unknown_share(question) == 0.0
    assert index.unknown_share(question, leave_out_examples=True) > 0.0


def test_entry_unknown_share_sees_a_detail_the_top_entry_lacks() -> None:
    kb = KnowledgeBase(
        entries=[
            KBEntry.model_validate(
                {
                    "id": "gcc-shipping",
                    "text": {"en": {"title": "Do you ship to the Gulf?", "body": "Kuwait, Qatar"}},
                    "examples": ["نوصل الكويت؟"],
                }
            ),
            KBEntry.model_validate(
                {"id": "fabrics", "text": {"en": {"title": "Fabrics", "body": "Egypt cotton"}}}
            ),
        ]
    )
    index = _index(kb)
    near_miss = "Do you ship to Egypt?"
    assert index.unknown_share(near_miss) == 0.0  # the KB knows every word...
    assert index.entry_unknown_share(near_miss, "gcc-shipping") > 0.0  # ...this entry does not
    assert index.entry_unknown_share("Do you ship to Kuwait?", "gcc-shipping") == 0.0
    assert index.entry_unknown_share("نوصل الكويت؟", "gcc-shipping") == 0.0
    assert index.entry_unknown_share("نوصل الكويت؟", "gcc-shipping", leave_out_examples=True) > 0
    assert index.entry_unknown_share(near_miss, "no-such-entry") == 0.0


def test_confidence_falls_with_the_share_the_top_entry_does_not_know() -> None:
    settings = ConfidenceSettings(entry_unknown_weight=3.0)
    hits = [Hit(entry_id="a", score=0.4)]
    assert confidence(hits, settings, entry_unknown_share=0.5) < confidence(hits, settings)
