"""Shared fixtures. Unit tests use deterministic fakes registered in the real registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import BackendSpec, BackendsSettings, Settings

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _keywords(keywords: dict[str, list[str]], fallback: str) -> BackendSpec:
    return BackendSpec(name="fake-keywords", options={"keywords": keywords, "fallback": fallback})


FAKE_BACKENDS = BackendsSettings(
    embedder=BackendSpec(name="fake"),
    fast_embedder=BackendSpec(name="fake"),
    intent=_keywords(
        {
            "question": ["?", "؟", "how much", "كم", "بكم", "متى", "when", "هل"],
            "complaint": ["broken", "worst", "مكسور", "سيء", "زعلان"],
            "order_support": ["order", "طلب", "طلبي"],
            "feedback": ["thanks for the", "رائع", "amazing"],
            "spam": ["follow", "crypto", "ربح"],
            "abusive": ["idiot", "حمار"],
            "off_topic": ["football", "كورة"],
        },
        "greeting_other",
    ),
    offensive=_keywords(
        {"offensive": ["idiot", "حمار", "fuck", "كلب"], "hate": ["vermin"]}, "normal"
    ),
    spam=_keywords({"spam": ["follow", "crypto", "ربح", "whatsapp", "واتس"]}, "ham"),
    sentiment=_keywords(
        {"positive": ["amazing", "رائع", "great", "حلو"], "negative": ["worst", "سيء", "broken"]},
        "neutral",
    ),
    profanity_en=_keywords({"profane": ["fuck", "shit"]}, "clean"),
)


@pytest.fixture
def fake_settings(tmp_path: Path) -> Settings:
    """Settings on a temporary data directory with every model role played by a fake."""
    return Settings(data_dir=tmp_path, environment="test", backends=FAKE_BACKENDS)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared datasets not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(autouse=True, scope="session")
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """No test writes into the checkout's var/: the global settings point at a temp dir."""
    import os

    from assistant.config import get_settings

    previous = os.environ.get("MUSHRIF_DATA_DIR")
    os.environ["MUSHRIF_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    get_settings.cache_clear()
    yield
    if previous is None:
        os.environ.pop("MUSHRIF_DATA_DIR", None)
    else:
        os.environ["MUSHRIF_DATA_DIR"] = previous
    get_settings.cache_clear()
