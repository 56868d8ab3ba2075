"""Text pipeline: normalization, language identification and spam features."""

from assistant.text.language import detect_language
from assistant.text.normalize import NormalizedText, normalize
from assistant.text.spam_features import extract_spam_features

__all__ = ["NormalizedText", "detect_language", "extract_spam_features", "normalize"]
