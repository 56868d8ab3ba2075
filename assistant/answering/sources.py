"""Knowledge-base entries rendered as the quoted SOURCES block of an LLM prompt."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answering.quoting import quote
from assistant.answering.schemas import KBEntry


def entry_facts(entry: KBEntry) -> str:
    """All of an entry's facts as plain text, every language included."""
    lines = [f"{t.title}: {t.body}".rstrip(": ") for t in entry.text.values()]
    product = entry.product
    if product is not None:
        if product.price is not None:
            lines.append(f"price: {product.price:g} {product.currency}".rstrip())
        if product.sizes:
            lines.append(f"sizes: {', '.join(product.sizes)}")
        lines.append("in stock" if product.available else "out of stock")
        if product.url:
            lines.append(f"link: {product.url}")
    return "\n".join(lines)


def sources_block(entries: Sequence[KBEntry]) -> str:
    """``<source id=...>`` blocks whose content is quoted data."""
    return "\n".join(f'<source id="{e.id}">\n{quote(entry_facts(e))}\n</source>' for e in entries)
