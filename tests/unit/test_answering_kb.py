"""Knowledge base files: CSV, JSON, Markdown, merging re-imports, the demo KB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answering.kb import KBError, load_entries, load_kb, merge_entries
from assistant.answering.schemas import KnowledgeBase

DEMO_KB = Path(__file__).resolve().parents[2] / "demo" / "kb"


def test_csv_rows_become_products_with_two_languages(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(
        "id,name,name_ar,price,currency,sizes,available,url\n"
        "black,Black Abaya,عباية سوداء,250,SAR,52;54,false,https://shop.example/p/black\n",
        "utf-8",
    )
    (entry,) = load_entries(path)
    assert entry.kind == "product"
    assert entry.text["en"].title == "Black Abaya"
    assert entry.text["ar"].title == "عباية سوداء"
    assert entry.product is not None
    assert (entry.product.price, entry.product.sizes, entry.product.available) == (
        250.0,
        ["52", "54"],
        False,
    )


def test_markdown_sections_with_the_same_id_merge_languages(tmp_path: Path) -> None:
    path = tmp_path / "faq.md"
    path.write_text(
        "# FAQ\n\n## How long is delivery?\nid: delivery\nlang: en\ntags: shipping\n\n"
        "Two days.\n\n## كم مدة التوصيل؟\nid: delivery\nlang: ar\n\nيومان.\n",
        "utf-8",
    )
    (entry,) = load_entries(path)
    assert entry.id == "delivery"
    assert entry.text["en"].body == "Two days."
    assert entry.text["ar"].body == "يومان."
    assert entry.tags == ["shipping"]


def test_json_accepts_full_entries_and_flat_rows(tmp_path: Path) -> None:
    path = tmp_path / "kb.json"
    rows = [
        {"id": "a", "text": {"en": {"title": "Q?", "body": "A."}}},
        {"question": "Do you ship to Kuwait?", "answer": "Yes.", "lang": "en"},
    ]
    path.write_text(json.dumps(rows), "utf-8")
    entries = load_entries(path)
    assert [e.id for e in entries] == ["a", "do-you-ship-to-kuwait"]


def test_errors_name_the_file_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,name,price\nx,Thing,not-a-number\n", "utf-8")
    with pytest.raises(KBError, match=r"bad\.csv entry 1"):
        load_entries(path)
    with pytest.raises(KBError, match="unknown format"):
        (tmp_path / "kb.txt").write_text("x", "utf-8")
        load_entries(tmp_path / "kb.txt")


def test_reimport_updates_known_ids_and_adds_new_ones() -> None:
    kb = load_kb(DEMO_KB)
    changed = kb.entries[0].model_copy(update={"tags": ["changed"]})
    extra = KnowledgeBase.model_validate(
        {"entries": [{"id": "new-entry", "text": {"en": {"title": "New?"}}}]}
    ).entries
    merged, added, updated = merge_entries(kb.entries, [changed, *extra])
    assert (added, updated) == (1, 1)
    assert len(merged) == len(kb.entries) + 1
    assert next(e for e in merged if e.id == changed.id).tags == ["changed"]


def test_kb_fingerprint_changes_with_content() -> None:
    kb = load_kb(DEMO_KB)
    other = kb.model_copy(update={"entries": kb.entries[1:]})
    assert kb.fingerprint() != other.fingerprint()
    assert KnowledgeBase.model_validate_json(kb.model_dump_json()) == kb


def test_demo_kb_has_arabic_english_and_every_kind() -> None:
    kb = load_kb(DEMO_KB)
    assert len(kb.entries) >= 30
    assert {e.kind for e in kb.entries} == {"faq", "rule", "product", "policy"}
    assert any(set(e.text) == {"ar"} for e in kb.entries)
    assert any(set(e.text) == {"en"} for e in kb.entries)
