"""Member and knowledge-base text enters prompts only as quoted data.

``quote`` removes anything that could close the quote or open a new chat turn (our own
delimiters, chat-template tokens, role headers). ``injection_spans`` finds sentences that try to
instruct the assistant; drafts are checked against them (see ``guard``).
"""

from __future__ import annotations

import re

_DELIMITERS = re.compile(
    r"</?\s*(?:member_post|reply|source[^>]*)\s*>"
    r"|<\|[^|>]{0,40}\|>"
    r"|\[/?INST\]|<</?SYS>>"
    r"|^\s*(?:#{1,6}\s*)?(?:system|assistant|user|instruction|النظام|المساعد)\s*:",
    re.IGNORECASE | re.MULTILINE,
)
_INJECTION = re.compile(
    r"ignore (?:all |any |your |the |previous |prior |above )+(?:rules|instructions|prompts?)"
    r"|disregard (?:your|the|all|previous) \w+"
    r"|(?:print|show|reveal|repeat|tell me) (?:me )?(?:your|the) (?:system )?"
    r"(?:instructions|prompt|rules)"
    r"|you are now|new instructions|act as (?:an? )?(?:admin|owner|developer)"
    r"|system (?:message|prompt|override)|\bsystem\s*:"
    r"|تجاهل (?:كل |جميع )?(?:التعليمات|القواعد|الاوامر|تعليماتك|قواعدك)"
    r"|انس(?:ى|ي)? (?:التعليمات|القواعد|تعليماتك|قواعدك)"
    r"|(?:اطبع|اعرض|اكتب|وريني|ورني) (?:لي )?(?:التعليمات|تعليماتك|الاوامر|البرومبت)"
    r"|رساله (?:من )?النظام|انت الان"
    r"|<\|[a-z_]+\|>|\[/?inst\]|<</?sys>>",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?؟\n—|]+[.!?؟]?")


def quote(text: str) -> str:
    """``text`` with quote-breaking markup replaced by ``[removed]``."""
    return _DELIMITERS.sub("[removed]", text).strip()


def looks_like_injection(text: str) -> bool:
    from assistant.text.normalize import normalize

    return bool(_INJECTION.search(normalize(text).normalized) or _INJECTION.search(text))


def injection_spans(text: str) -> list[str]:
    """The sentences of ``text`` that try to instruct the assistant."""
    return [s.strip() for s in _SENTENCE.findall(text) if looks_like_injection(s)]


def strip_injections(text: str) -> str:
    """``text`` without its instruction-like sentences (used for KB text shown to members)."""
    kept = [s for s in _SENTENCE.findall(text) if not looks_like_injection(s)]
    return re.sub(r"\s+", " ", "".join(kept)).strip(" -—:،,")
