"""``transformers``: a local causal-LM directory loaded with Hugging Face transformers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.backends.errors import BackendNotInstalledError, ModelFileMissingError
from assistant.backends.registry import register


class TransformersGenerator:
    def __init__(self, model: Any, tokenizer: Any, path: Path) -> None:
        self.name = f"transformers:{path.name}"
        self._model = model
        self._tokenizer = tokenizer

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float = 0.0,
    ) -> str:
        inputs = self._tokenizer(prompt, return_tensors="pt")
        output = self._model.generate(
            **inputs,
            max_new_tokens=max_tokens,
            do_sample=temperature > 0,
            **({"temperature": temperature} if temperature > 0 else {}),
        )
        text = str(
            self._tokenizer.decode(
                output[0][inputs["input_ids"].shape[1] :], skip_special_tokens=True
            )
        )
        for marker in stop:
            text = text.split(marker, 1)[0]
        return text


@register("generator", "transformers")
def create(*, model_dir: str | None = None, threads: int = 1) -> TransformersGenerator:
    path = Path(model_dir or "")
    if not model_dir or not path.is_dir():
        raise ModelFileMissingError(
            "transformers",
            str(model_dir),
            "Set answering.generator.options.model_dir to a local model directory "
            "(config.json, tokenizer and weights).",
        )
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise BackendNotInstalledError(
            "transformers", "transformers", "sentence-transformers"
        ) from exc
    torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    return TransformersGenerator(model, tokenizer, path)
