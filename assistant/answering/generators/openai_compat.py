"""``openai``: any OpenAI-compatible server (llama.cpp server, vLLM, Ollama) at a URL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from assistant.backends.errors import BackendError
from assistant.backends.registry import register


class OpenAICompatibleGenerator:
    def __init__(
        self,
        *,
        base_url: str,
        model: str = "default",
        api_key: str | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        self.name = f"openai:{model}"
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout_s, headers=headers)

    def chat(
        self,
        system: str,
        user: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float = 0.0,
    ) -> str:
        payload: dict[str, Any] = {
            "model": self._model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if stop:
            payload["stop"] = list(stop)
        try:
            response = self._client.post(self._url, json=payload)
            response.raise_for_status()
            return str(response.json()["choices"][0]["message"]["content"])
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
            raise BackendError(f"generator '{self.name}' at {self._url} failed: {exc}") from exc

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float = 0.0,
    ) -> str:
        return self.chat("", prompt, max_tokens=max_tokens, stop=stop, temperature=temperature)


@register("generator", "openai")
def create(
    *,
    base_url: str | None = None,
    model: str = "default",
    api_key: str | None = None,
    timeout_s: float = 60.0,
) -> OpenAICompatibleGenerator:
    if not base_url:
        raise BackendError(
            "generator 'openai' needs a server URL: set MUSHRIF_ANSWERING__GENERATOR__OPTIONS="
            '\'{"base_url": "http://127.0.0.1:8080/v1"}\' or pass --generator-option base_url=...'
        )
    return OpenAICompatibleGenerator(
        base_url=base_url, model=model, api_key=api_key, timeout_s=timeout_s
    )
