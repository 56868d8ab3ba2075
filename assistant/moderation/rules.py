"""Group rules as data: a YAML file per group, validated strictly (unknown keys are errors).

Keyword and regex rules match the ``folded`` view of a post (see ``assistant.text.normalize``),
so elongation, diacritics, look-alike letters and dotted spellings do not dodge them. Arabic
keywords also match posts written in Arabizi (``arabizi_keywords``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.backends.base import Embedder
from assistant.moderation.arabizi_keywords import ArabiziKeywordReader
from assistant.schemas import Action, RuleHit
from assistant.text.normalize import NormalizedText, normalize

LinkPolicy = Literal["allow", "review", "hide"]


class RulesError(ValueError):
    """A rules file that cannot be used, with the file and the field at fault."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Message(_Strict):
    """A member-facing sentence per language."""

    ar: str = ""
    en: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("ar", self.ar), ("en", self.en)) if v}


class KeywordRule(_Strict):
    id: str
    category: str
    action: Action
    words: list[str] = Field(min_length=1)
    description: str = ""
    message: Message = Message()

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        folded = sorted(
            {normalize(w).folded for w in self.words if w.strip()}, key=len, reverse=True
        )
        return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in folded) + r")(?!\w)")


class RegexRule(_Strict):
    id: str
    category: str
    action: Action
    pattern: str
    description: str = ""
    message: Message = Message()

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from exc
        return value

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE)


class LinkPolicySpec(_Strict):
    policy: LinkPolicy = "review"
    allow_domains: list[str] = Field(default_factory=list)


class ContactPolicySpec(_Strict):
    policy: LinkPolicy = "review"


class MentionPolicySpec(_Strict):
    policy: LinkPolicy = "allow"
    max_mentions: int = Field(5, ge=0)


class BannedTopic(_Strict):
    id: str
    description: str = Field(min_length=3, description="the topic in words, any language")
    examples: list[str] = Field(default_factory=list)
    threshold: float = Field(0.55, ge=0, le=1, description="cosine similarity to count as a hit")
    action: Action = Action.HIDE
    message: Message = Message()


class ActionThresholds(_Strict):
    warn: float | None = Field(None, ge=0, le=1)
    hide: float | None = Field(None, ge=0, le=1)
    delete: float | None = Field(None, ge=0, le=1)
    escalate: float | None = Field(None, ge=0, le=1)

    def lowest_moderation(self) -> Action | None:
        """The mildest sanction these thresholds can suggest (warn, hide or delete)."""
        for action in (Action.WARN, Action.HIDE, Action.DELETE):
            if getattr(self, action.value) is not None:
                return action
        return None

    def action_for(self, score: float) -> Action | None:
        for action in (Action.DELETE, Action.HIDE, Action.WARN, Action.ESCALATE):
            limit = getattr(self, action.value)
            if limit is not None and score >= limit:
                return action
        return None


class Thresholds(_Strict):
    offensive: ActionThresholds = ActionThresholds(warn=0.55, hide=0.75, delete=0.97)
    hate: ActionThresholds = ActionThresholds(hide=0.5, delete=0.85)
    spam: ActionThresholds = ActionThresholds(hide=0.7, delete=0.95)
    lexicon: ActionThresholds = ActionThresholds(warn=0.9)
    negative_feedback: ActionThresholds = ActionThresholds(escalate=0.6)


class AllowList(_Strict):
    words: list[str] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)

    @cached_property
    def folded_words(self) -> list[str]:
        return [normalize(w).folded for w in self.words if w.strip()]


class GroupRules(_Strict):
    version: Literal[1] = 1
    group: str = "default"
    languages: list[Literal["ar", "en"]] = ["ar", "en"]
    keyword_rules: list[KeywordRule] = Field(default_factory=list)
    regex_rules: list[RegexRule] = Field(default_factory=list)
    links: LinkPolicySpec = LinkPolicySpec()
    phone_numbers: ContactPolicySpec = ContactPolicySpec()
    mentions: MentionPolicySpec = MentionPolicySpec()
    banned_topics: list[BannedTopic] = Field(default_factory=list)
    thresholds: Thresholds = Thresholds()
    allow: AllowList = AllowList()
    off_topic_action: Action = Action.APPROVE

    @field_validator("keyword_rules", "regex_rules", "banned_topics")
    @classmethod
    def _unique_ids(cls, rules: list[Any]) -> list[Any]:
        ids = [r.id for r in rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule ids: {', '.join(duplicates)}")
        return rules


def parse_rules(data: object, *, source: str = "<rules>") -> GroupRules:
    """Validate rules data; errors name the source and the exact field path."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RulesError(f"{source}: the rules file must be a mapping of keys to values")
    try:
        return GroupRules.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise RulesError(f"{source}: {problems}") from None


def load_rules(path: str | Path) -> GroupRules:
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise RulesError(f"{path}: rules file not found") from None
    except UnicodeDecodeError as exc:
        raise RulesError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: invalid YAML: {exc}") from None
    return parse_rules(data, source=str(path))


def _domain(url: str) -> str:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.lower())
    return host.split("/", 1)[0].split(":", 1)[0]


def _allowed(domain: str, allowed: Sequence[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in allowed)


class RulesEngine:
    """Matches one group's rules against posts. Banned topics need an embedder."""

    def __init__(self, rules: GroupRules, embedder: Embedder | None = None) -> None:
        self.rules = rules
        self._embedder = embedder
        self._topic_vectors: list[np.ndarray] = []
        self._arabizi = ArabiziKeywordReader(w for rule in rules.keyword_rules for w in rule.words)
        if rules.banned_topics:
            if embedder is None:
                raise RulesError("banned_topics need an embedder (backends.fast_embedder)")
            for topic in rules.banned_topics:
                self._topic_vectors.append(
                    embedder.embed([topic.description, *topic.examples], kind="passage")
                )

    def _strip_allowed(self, folded: str) -> str:
        for word in self.rules.allow.folded_words:
            folded = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", folded)
        return folded

    def match_text(
        self,
        text: NormalizedText,
        *,
        urls: Sequence[str],
        phones: Sequence[str],
        handles: Sequence[str],
        author_id: str | None = None,
    ) -> list[RuleHit]:
        if author_id is not None and author_id in self.rules.allow.members:
            return []
        folded = self._strip_allowed(text.folded)
        reading = self._arabizi.read(text.clean)
        arabizi = self._strip_allowed(reading) if reading else ""
        hits: list[RuleHit] = []
        for rule in self.rules.keyword_rules:
            found = set(rule.pattern.findall(folded))
            read = set(rule.pattern.findall(arabizi)) - found
            if found or read:
                evidence = sorted(found | read)
                hits.append(
                    _hit(
                        rule.id,
                        rule.category,
                        rule.action,
                        rule.description,
                        evidence,
                        rule.message,
                        read_from_arabizi=bool(read),
                    )
                )
        for regex in self.rules.regex_rules:
            matches = [m.group(0) for m in regex.compiled.finditer(text.clean)]
            matches += [m.group(0) for m in regex.compiled.finditer(folded)]
            if matches:
                hits.append(
                    _hit(
                        regex.id,
                        regex.category,
                        regex.action,
                        regex.description,
                        sorted(set(matches)),
                        regex.message,
                    )
                )
        hits.extend(self._contact_hits(urls, phones, handles))
        return hits

    def _contact_hits(
        self, urls: Sequence[str], phones: Sequence[str], handles: Sequence[str]
    ) -> list[RuleHit]:
        hits: list[RuleHit] = []
        foreign = [u for u in urls if not _allowed(_domain(u), self.rules.links.allow_domains)]
        policies = (
            ("links", self.rules.links.policy, foreign, "link to an outside site"),
            ("phone_numbers", self.rules.phone_numbers.policy, list(phones), "phone number"),
        )
        for rule_id, policy, evidence, what in policies:
            if evidence and policy != "allow":
                action = Action.HIDE if policy == "hide" else Action.ESCALATE
                hits.append(
                    _hit(
                        f"policy:{rule_id}",
                        "contact",
                        action,
                        f"post contains a {what}",
                        evidence,
                        Message(),
                    )
                )
        mentions = self.rules.mentions
        if mentions.policy != "allow" and len(handles) > mentions.max_mentions:
            action = Action.HIDE if mentions.policy == "hide" else Action.ESCALATE
            hits.append(
                _hit(
                    "policy:mentions",
                    "contact",
                    action,
                    f"more than {mentions.max_mentions} mentions",
                    list(handles),
                    Message(),
                )
            )
        return hits

    def match_topics(self, vectors: np.ndarray) -> list[list[RuleHit]]:
        """Banned-topic hits for posts already embedded (rows of ``vectors``)."""
        results: list[list[RuleHit]] = [[] for _ in range(len(vectors))]
        for topic, topic_vectors in zip(self.rules.banned_topics, self._topic_vectors, strict=True):
            similarity = (vectors @ topic_vectors.T).max(axis=1)
            for row in np.flatnonzero(similarity >= topic.threshold):
                score = float(similarity[row])
                results[row].append(
                    _hit(
                        f"topic:{topic.id}",
                        "banned_topic",
                        topic.action,
                        f"banned topic: {topic.description}",
                        [topic.description],
                        topic.message,
                        score=min(1.0, score),
                    )
                )
        return results

    @property
    def needs_embeddings(self) -> bool:
        return bool(self.rules.banned_topics)


def _hit(
    rule_id: str,
    category: str,
    action: Action,
    description: str,
    evidence: list[str],
    message: Message,
    score: float = 1.0,
    *,
    read_from_arabizi: bool = False,
) -> RuleHit:
    return RuleHit(
        rule_id=rule_id,
        category=category,
        action=action,
        description=description,
        evidence=evidence,
        score=score,
        member_message=message.as_dict(),
        read_from_arabizi=read_from_arabizi,
    )
