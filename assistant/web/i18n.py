"""Interface strings in Arabic and English, read from ``i18n/<lang>.json``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

I18N_DIR = Path(__file__).resolve().parent / "i18n"
LANGUAGES = ("en", "ar")
DEFAULT_LANGUAGE = "en"
DIRECTION = {"en": "ltr", "ar": "rtl"}

Translate = Callable[..., str]


@lru_cache(maxsize=len(LANGUAGES))
def catalog(lang: str) -> Mapping[str, str]:
    data: dict[str, str] = json.loads((I18N_DIR / f"{lang}.json").read_text("utf-8"))
    return data


def translator(lang: str) -> Translate:
    """``t(key, **values)``: the string in ``lang`` (English if missing), formatted."""
    strings = catalog(lang)
    fallback = catalog(DEFAULT_LANGUAGE)

    def t(key: str, **values: Any) -> str:
        template = strings.get(key) or fallback.get(key) or key
        return template.format(**values) if values else template

    return t


def pick_language(preferred: str | None, accept_language: str | None) -> str:
    """The session's choice, else the browser's first supported language, else English."""
    if preferred in LANGUAGES:
        return preferred
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
