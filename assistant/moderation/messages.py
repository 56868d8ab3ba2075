"""Member-facing sentences, loaded from ``prompts/moderation/member_messages.yaml``.

A hidden or removed post gets "<outcome> <reason>", so the sentence always names the action
really taken (a post that is escalated is never told it was hidden); every other action that
speaks to the member has one whole sentence.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from assistant.schemas import Action

LANGUAGES = ("ar", "en")
REMOVING = (Action.HIDE, Action.DELETE)
SPEAKING = (Action.WARN, Action.ESCALATE, Action.REPLY)

Sentences = dict[str, dict[str, str]]


class MemberMessages(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    outcomes: Sentences
    reasons: Sentences
    messages: Sentences

    @model_validator(mode="after")
    def _complete(self) -> MemberMessages:
        required = {
            "outcomes": [a.value for a in REMOVING],
            "reasons": ["rule"],
            "messages": [a.value for a in SPEAKING],
        }
        for section, keys in required.items():
            table: Sentences = getattr(self, section)
            missing = [k for k in keys if k not in table]
            if missing:
                raise ValueError(f"member messages: '{section}' lacks {', '.join(missing)}")
            for key, by_language in table.items():
                absent = [lang for lang in LANGUAGES if not by_language.get(lang)]
                if absent:
                    raise ValueError(
                        f"member messages: '{section}.{key}' lacks {', '.join(absent)}"
                    )
        return self

    def sentence(self, action: Action, key: str, language: str, *, rule: str = "") -> str:
        """What the member is told when ``action`` is taken for category ``key``."""
        language = language if language in LANGUAGES else "en"
        if action in REMOVING:
            reason = (self.reasons.get(key) or self.reasons["rule"])[language]
            text = f"{self.outcomes[action.value][language]} {reason}"
        elif action in SPEAKING:
            text = self.messages[action.value][language]
        else:
            return ""
        return text.replace("{rule}", rule)


@lru_cache(maxsize=4)
def load_member_messages(prompts_dir: Path) -> MemberMessages:
    path = prompts_dir / "moderation" / "member_messages.yaml"
    return MemberMessages.model_validate(yaml.safe_load(path.read_text("utf-8")))
