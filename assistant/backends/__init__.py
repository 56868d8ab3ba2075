"""Model layer: protocols, the registry and one backend per module."""

from assistant.backends.base import Embedder, Generator, TextClassifier
from assistant.backends.registry import available, create, register

__all__ = ["Embedder", "Generator", "TextClassifier", "available", "create", "register"]
