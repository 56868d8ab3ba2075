"""Tokens, glossary expansion, hybrid retrieval and confidence with the fake embedder."""

from __future__ import annotations

from pathlib import Path

from assistant.answering.glossary import load_glossary
from assistant.answering.kb import load_kb
from assistant.answering.lc_retriever import KBRetriever, hits_of
from assistant.answering.retrieval import HybridIndex, confidence
from assistant.answering.schemas import Hit
from assistant.answering.tokenize import light_stem, tokens
from assistant.backends.registry import create
from assistant.config import ConfidenceSettings, RetrievalSettings

ROOT = Path(__file__).resolve().parents[2]


def test_tokens_normalize_and_light_stem() -> None:
    assert "جده" in tokens("كم ياخذ الشحن لجدة؟")
    assert "شحن" in tokens("الشحن")
    assert "رياض" in tokens("بالرياض")
    assert light_stem("deliveries") == "deliver"
    assert "the" not in tokens("the price")


def test_glossary_links_dialect_and_english_words() -> None:
    glossary = load_glossary(ROOT / "prompts")
    expanded = glossary.expand(tokens("ابي ارجع الفستان"))
    assert "return" in expanded and "استرجاع" in expanded


def _index() -> HybridIndex:
    kb = load_kb(ROOT / "demo" / "kb")
    return HybridIndex(
        kb,
        create("embedder", "fake"),
        RetrievalSettings(dense_floor=0.0, fast_embedder_share=0.0),
        glossary=load_glossary(ROOT / "prompts"),
    )


def test_hybrid_search_finds_entries_through_the_glossary() -> None:
    index = _index()
    assert index.search("ابي ارجع الفستان")[0].entry_id == "returns"
    assert index.search("Do you take Apple Pay?", k=3)[0].entry_id == "payment-methods"
    assert len(index.search("anything", k=5)) == 5


def test_unknown_share_is_high_for_off_topic_words() -> None:
    index = _index()
    assert index.unknown_share("Do you sell bicycles and motorbikes?") > 0.3
    assert index.unknown_share("How much is shipping?") == 0.0


def test_confidence_is_monotonic_in_the_top_score() -> None:
    settings = ConfidenceSettings()
    low = confidence([Hit(entry_id="a", score=0.05)], settings)
    high = confidence([Hit(entry_id="a", score=0.5)], settings)
    assert 0 <= low < high <= 1
    assert confidence([], settings) == 0.0
    assert confidence([Hit(entry_id="a", score=0.5)], settings, unknown_share=1.0) < high


def test_langchain_retriever_returns_documents_with_scores() -> None:
    retriever = KBRetriever(index=_index(), k=2)
    documents = retriever.invoke("How much is shipping?")
    assert len(documents) == 2
    assert documents[0].metadata["entry_id"] == hits_of(documents)[0].entry_id


def test_general_post_words_are_not_unknown() -> None:
    index = _index()
    # dialect/function words of ordinary posts count as known, topic words the KB lacks do not
    assert index.unknown_share("طيب ممكن الشحن بكم لو سمحت") == 0.0
    assert index.unknown_share("Do you sell handbags?") > 0.3


def test_arabizi_question_is_searched_in_arabic_script() -> None:
    index = _index()
    assert index.arabizi_reading("el sha7n b kam?") == "الشحن بكم"
    assert index.arabizi_reading("How much is shipping?") is None
    assert index.arabizi_reading("كم الشحن") is None
    assert index.search("abi arajje3 el 3abaya", k=3)[0].entry_id == "returns"
    assert index.unknown_share("el sha7n b kam?") == 0.0


def test_hits_carry_each_rankers_rank() -> None:
    top = _index().search("How much is shipping?")[0]
    assert top.lexical_rank >= 1 and top.dense_rank >= 1


def test_confidence_rewards_margin_and_agreement_when_weighted() -> None:
    settings = ConfidenceSettings(margin_weight=4.0, agreement_weight=1.0)
    close = [Hit(entry_id="a", score=0.3), Hit(entry_id="b", score=0.29)]
    clear = [Hit(entry_id="a", score=0.3), Hit(entry_id="b", score=0.05)]
    assert confidence(clear, settings) > confidence(close, settings)
    agreed = [Hit(entry_id="a", score=0.3, lexical_rank=1, dense_rank=1)]
    split = [Hit(entry_id="a", score=0.3, lexical_rank=1, dense_rank=2)]
    assert confidence(agreed, settings) > confidence(split, settings)


def test_shipped_confidence_answers_a_plain_question_and_escalates_unknown_words() -> None:
    settings = ConfidenceSettings()
    hits = [Hit(entry_id="a", score=0.3), Hit(entry_id="b", score=0.2)]
    assert confidence(hits, settings) >= settings.answer_threshold
    assert confidence(hits, settings, unknown_share=0.5) < settings.answer_threshold
