"""The FAQ suggestion's line labels (``Q:``/``A:``, ``س:``/``ج:``) live in one place, the draft of
``prompts/community/faq.yaml``: the drafter writes them and the approval reads them back."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from assistant.community import texts
from assistant.config import PROJECT_ROOT
from assistant.store.errors import InvalidInputError
from assistant.store.faq_entries import FaqLabels, split_entry

PROMPTS = PROJECT_ROOT / "prompts"
QUESTIONS = {"ar": "كم ياخذ التوصيل لجده؟", "en": "How long is delivery to Jeddah?"}
ANSWERS = {"ar": "من ٢ إلى ٤ أيام عمل.", "en": "2 to 4 working days."}


def _prompts(tmp_path: Path, draft: dict[str, str]) -> Path:
    data = yaml.safe_load((PROMPTS / "community" / "faq.yaml").read_text("utf-8"))
    data["draft"] = draft
    (tmp_path / "community").mkdir()
    (tmp_path / "community" / "faq.yaml").write_text(yaml.safe_dump(data), "utf-8")
    return tmp_path


def test_labels_come_from_the_prompt_file_in_both_languages() -> None:
    wording = texts.faq(PROMPTS)
    assert [wording.label(lang, "question") for lang in ("en", "ar")] == ["Q:", "س:"]
    assert [wording.label(lang, "answer") for lang in ("en", "ar")] == ["A:", "ج:"]
    assert FaqLabels.from_prompts(PROMPTS) == FaqLabels(question=("Q:", "س:"), answer=("A:", "ج:"))


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_drafted_suggestion_reads_back_and_its_skeleton_is_refused(language: str) -> None:
    wording = texts.faq(PROMPTS)
    labels = FaqLabels.from_prompts(PROMPTS)
    skeleton = texts.render(wording.skeleton.get(language), topic="delivery", focus_paren="")
    unfilled = texts.render(
        wording.draft.get(language), question=QUESTIONS[language], answer=skeleton
    )
    with pytest.raises(InvalidInputError, match="bracketed"):
        split_entry(unfilled, labels)
    filled = texts.render(
        wording.draft.get(language), question=QUESTIONS[language], answer=ANSWERS[language]
    )
    assert split_entry(filled, labels) == (QUESTIONS[language], ANSWERS[language])


def test_either_languages_labels_are_read_whatever_the_item_language() -> None:
    labels = FaqLabels.from_prompts(PROMPTS)
    mixed = f"س: {QUESTIONS['ar']}\nA: {ANSWERS['ar']}\nسطر ثانٍ"
    assert split_entry(mixed, labels) == (QUESTIONS["ar"], f"{ANSWERS['ar']}\nسطر ثانٍ")
    with pytest.raises(InvalidInputError, match="'A:' \\(or 'ج:'\\) line"):
        split_entry(f"Q: {QUESTIONS['en']}\n{ANSWERS['en']}", labels)


def test_changing_the_labels_in_the_prompt_file_changes_what_is_read(tmp_path: Path) -> None:
    prompts = _prompts(
        tmp_path,
        {
            "ar": "اقتراح:\nالسؤال: {question}\nالجواب: {answer}",
            "en": "Proposal:\nQuestion: {question}\nAnswer: {answer}",
        },
    )
    labels = FaqLabels.from_prompts(prompts)
    assert labels == FaqLabels(question=("Question:", "السؤال:"), answer=("Answer:", "الجواب:"))
    text = f"Question: {QUESTIONS['en']}\nAnswer: {ANSWERS['en']}"
    assert split_entry(text, labels) == (QUESTIONS["en"], ANSWERS["en"])
    with pytest.raises(InvalidInputError, match="'Question:'"):
        split_entry(f"Q: {QUESTIONS['en']}\nA: {ANSWERS['en']}", labels)


def test_a_draft_without_a_label_is_refused_when_loaded(tmp_path: Path) -> None:
    prompts = _prompts(
        tmp_path, {"ar": "س: {question}\n{answer}", "en": "Q: {question}\nA: {answer}"}
    )
    with pytest.raises(
        ValidationError, match=r"draft.ar needs a line with a label before \{answer\}"
    ):
        texts.faq(prompts)
