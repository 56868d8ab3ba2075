"""``grounded``: the default generator. Composes replies from retrieved facts with per-language
templates (``prompts/answering/grounded.yaml``); deterministic, no LLM."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant.answering.prompts import GroundedTemplates, grounded_templates
from assistant.answering.quoting import strip_injections
from assistant.answering.schemas import KBEntry
from assistant.backends.registry import register


def _price(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


class GroundedGenerator:
    name = "grounded"

    def __init__(self, templates: GroundedTemplates) -> None:
        self._t = templates

    def _product(self, entry: KBEntry, language: str) -> str:
        _, text = entry.text_for(language)
        product = entry.product
        parts = [self._t.get("product_intro", language, name=strip_injections(text.title))]
        if text.body:
            parts.append(strip_injections(text.body))
        if product is not None:
            if product.price is not None:
                price = _price(product.price)
                parts.append(
                    self._t.get(
                        "product_price",
                        language,
                        price=price,
                        currency=self._t.currency(product.currency, language),
                    )
                )
            if product.sizes:
                sizes = "، ".join(product.sizes) if language == "ar" else ", ".join(product.sizes)
                parts.append(self._t.get("product_sizes", language, sizes=sizes))
            key = "product_available" if product.available else "product_unavailable"
            parts.append(self._t.get(key, language))
            if product.url:
                parts.append(self._t.get("product_link", language, url=product.url))
        return " ".join(p.strip() for p in parts if p.strip())

    def _answer(self, entry: KBEntry, language: str) -> str:
        text_language, text = entry.text_for(language)
        key = "answer" if text_language == language else "answer_other_language"
        answer = strip_injections(text.body or text.title)
        return self._t.get(key, language, answer=answer)

    def compose(self, entries: Sequence[KBEntry], language: str) -> str:
        """A reply in ``language`` from the first entry (the best hit)."""
        entry = entries[0]
        return (
            self._product(entry, language)
            if entry.kind == "product"
            else self._answer(entry, language)
        )

    def holding(self, reason_key: str, language: str) -> str:
        return self._t.get(f"holding_{reason_key}", language)


@register("generator", "grounded")
def create(*, prompts_dir: str | Path | None = None) -> GroundedGenerator:
    if prompts_dir is None:
        from assistant.config import get_settings

        prompts_dir = get_settings().prompts_dir
    return GroundedGenerator(grounded_templates(Path(prompts_dir)))
