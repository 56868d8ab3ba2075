"""Pydantic input/output types shared by every layer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LanguageCode = Literal["ar", "en", "mixed", "arabizi", "other", "unknown"]


class Intent(StrEnum):
    QUESTION = "question"
    COMPLAINT = "complaint"
    ORDER_SUPPORT = "order_support"
    FEEDBACK = "feedback"
    SPAM = "spam"
    ABUSIVE = "abusive"
    OFF_TOPIC = "off_topic"
    GREETING_OTHER = "greeting_other"


class Action(StrEnum):
    APPROVE = "approve"
    REPLY = "reply"
    HIDE = "hide"
    DELETE = "delete"
    WARN = "warn"
    ESCALATE = "escalate"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class PostIn(BaseModel):
    """A member's post or question as it arrives."""

    model_config = ConfigDict(str_strip_whitespace=False)

    text: str = Field(max_length=100_000)
    external_id: str | None = Field(default=None, max_length=200)
    author_id: str | None = Field(default=None, max_length=200)
    created_at: datetime | None = None


class LanguageResult(BaseModel):
    code: LanguageCode
    arabic_ratio: float = Field(ge=0, le=1, description="share of letters in Arabic script")
    latin_ratio: float = Field(ge=0, le=1)
    fasttext_label: str | None = None
    fasttext_score: float | None = None


class SpamFeatures(BaseModel):
    urls: list[str] = Field(default_factory=list)
    phone_numbers: list[str] = Field(default_factory=list)
    handles: list[str] = Field(default_factory=list)
    whatsapp: bool = False
    emoji_count: int = 0
    emoji_ratio: float = 0.0
    max_char_run: int = 0
    caps_ratio: float = 0.0
    mixed_scripts_in_word: bool = False
    prices: list[str] = Field(default_factory=list)
    contact_words: list[str] = Field(default_factory=list)
    price_and_contact: bool = False


class LabelScores(BaseModel):
    """A classifier's verdict: the chosen label, its probability and all probabilities."""

    label: str
    score: float = Field(ge=0, le=1)
    scores: dict[str, float] = Field(default_factory=dict)
    model: str = ""


class RuleHit(BaseModel):
    rule_id: str
    category: str
    action: Action
    description: str = ""
    evidence: list[str] = Field(default_factory=list, description="matching words or spans")
    score: float = Field(1.0, ge=0, le=1)
    member_message: dict[str, str] = Field(default_factory=dict)
    read_from_arabizi: bool = Field(
        False, description="the words matched the post as read from Arabizi into Arabic script"
    )


class Explanation(BaseModel):
    summary: str
    reasons: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    member_message: str = ""


class Analysis(BaseModel):
    """Everything auto-triage says about one post."""

    text: str = Field(description="the original text (truncated to the configured limit)")
    normalized: str
    language: LanguageResult
    intent: LabelScores
    offensive: LabelScores
    spam: LabelScores
    sentiment: LabelScores
    spam_features: SpamFeatures
    rule_hits: list[RuleHit] = Field(default_factory=list)
    action: Action
    priority: Priority
    confidence: float = Field(ge=0, le=1)
    category: str = Field(
        description="the main reason behind the action, e.g. 'abusive', 'question'"
    )
    explanation: Explanation
    truncated: bool = False
