"""Evaluation suites: YAML files under ``eval/suites/`` validated into :class:`Suite`.

A suite names a dataset (a CSV/JSONL file, or a held-out split from a training recipe), the
task, the model configuration and the metrics. See ``docs/evaluation.md`` for every key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.config import PROJECT_ROOT

SUITES_DIR = PROJECT_ROOT / "eval" / "suites"
BASELINES_DIR = PROJECT_ROOT / "eval" / "baselines"

Task = Literal["intent", "offensive", "spam", "sentiment", "retrieval", "drafting"]
SliceKey = Literal["language", "dialect", "group", "source"]
DEFAULT_SLICES: tuple[SliceKey, ...] = ("language", "dialect")
CLASSIFICATION_TASKS: tuple[str, ...] = ("intent", "offensive", "spam", "sentiment")
DEFAULT_METRICS = [
    "accuracy",
    "macro_f1",
    "micro_f1",
    "per_class",
    "confusion_matrix",
    "roc_pr",
    "calibration",
    "threshold_sweep",
    "slices",
    "latency",
]

GROUNDED_TASKS: tuple[str, ...] = ("retrieval", "drafting")
# Retrieval and drafting suites (assistant.evaluation.grounded).
GROUNDED_METRICS = [
    "hit_at_k",
    "mrr",
    "escalation_precision",
    "escalation_recall",
    "token_f1",
    "faithfulness_violation_rate",
    "slices",
    "latency",
]
PrimaryMetric = Literal[
    "macro_f1", "micro_f1", "accuracy", "hit_at_1", "mrr", "token_f1", "escalation_recall"
]
CLASSIFICATION_PRIMARY = ("macro_f1", "micro_f1", "accuracy")
DEFAULT_PRIMARY = {"retrieval": "hit_at_1", "drafting": "token_f1"}


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HoldoutSpec(_Strict):
    """Deduplicate, then keep a stratified share as the test split (the recipes' convention)."""

    share: float = Field(0.2, gt=0, lt=1)
    seed: int = 13
    part: Literal["test", "train"] = "test"


class DatasetSpec(_Strict):
    """Where the labeled examples come from: exactly one of ``path`` and ``source``.

    ``path`` is a CSV/TSV/JSONL file; ``{shared}`` expands to the shared data directory and a
    relative path is read from the suite file's folder. ``source`` names a recipe's split (see
    ``assistant.evaluation.sources``), e.g. ``offensive:osact``.
    """

    path: str | None = None
    source: str | None = None
    text_field: str = "text"
    label_field: str = "label"
    context_field: str = "context"
    answers_field: str = "answers"
    gold_field: str = Field(
        "gold",
        description="retrieval/drafting: KB entry ids that answer the row ([] or "
        "'unanswerable': the KB cannot answer it)",
    )
    reference_field: str = Field("reference", description="reference answer(s) for token-F1")
    id_field: str = "id"
    labels_field: str = "labels"
    language_field: str = "language"
    dialect_field: str = "dialect"
    group_field: str = "group"
    split_field: str = "split"
    split: str | None = Field(None, description="keep rows whose split field has this value")
    language: str | None = Field(None, description="language of every row without one")
    dialect: str | None = None
    label_map: dict[str, str | None] = Field(
        default_factory=dict, description="dataset label → model label; null drops the row"
    )
    skip_unlabeled: bool = Field(
        False, description="drop rows without a label (e.g. feedback rejected without a label)"
    )
    holdout: HoldoutSpec | None = None
    limit: int | None = Field(None, ge=1, description="stratified sample of at most this many")
    encoding: str = "utf-8"

    @model_validator(mode="after")
    def _one_origin(self) -> DatasetSpec:
        if (self.path is None) == (self.source is None):
            raise ValueError("give exactly one of 'path' and 'source'")
        return self

    @property
    def needs_shared_data(self) -> bool:
        return self.source is not None or (self.path or "").startswith("{shared}")


class RejectSpec(_Strict):
    """Answer ``label`` when the top probability is below ``below`` (out-of-scope)."""

    below: float = Field(ge=0, le=1)
    label: str


class FitSpec(_Strict):
    """Train a plain baseline in the run instead of loading an artifact."""

    recipe: Literal["tfidf_logreg"] = "tfidf_logreg"
    train: DatasetSpec
    options: dict[str, Any] = Field(default_factory=dict)


class ModelSpec(_Strict):
    """Which classifier to evaluate: exactly one of ``role``, ``backend`` and ``fit``.

    ``role`` uses the configured backend of that role (``settings.backends.<role>``);
    ``backend`` + ``options`` build a registered classifier; ``fit`` trains a baseline.
    """

    role: Literal["intent", "offensive", "spam", "sentiment"] | None = None
    backend: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    fit: FitSpec | None = None
    reject: RejectSpec | None = None
    label_map: dict[str, str] = Field(
        default_factory=dict, description="merge model labels, e.g. {hate: offensive}"
    )
    restrict_to: list[str] | None = Field(
        None, description="keep only these model labels (renormalized), e.g. no neutral"
    )
    batch_size: int = Field(256, ge=1)

    @model_validator(mode="after")
    def _one_kind(self) -> ModelSpec:
        chosen = [k for k in ("role", "backend", "fit") if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError("give exactly one of 'role', 'backend' and 'fit'")
        return self


class GroundedSpec(_Strict):
    """Retrieval/drafting settings: the knowledge base, k values, the escalation threshold.

    Everything left unset is the shipped configuration (``settings.answering``).
    """

    knowledge_base: str | None = Field(
        None,
        description="KB file or directory (like `mushrif kb import`); default: each row's "
        "context field, one entry per sentence (XQuAD)",
    )
    k: list[int] = Field(default_factory=lambda: [1, 3, 5], min_length=1)
    escalate_below: float | None = Field(
        None, ge=0, le=1, description="answer threshold; default answering.confidence"
    )
    generator: str | None = Field(None, description="registered generator backend")
    generator_options: dict[str, Any] = Field(default_factory=dict)
    leave_out_examples: bool = Field(
        True,
        description="ignore the KB's example questions identical to the question asked, so a "
        "question that is also an example cannot find itself",
    )
    limit_per_language: int | None = Field(
        None, ge=1, description="keep the first N rows of each language (long sets)"
    )
    misses_shown: int = Field(200, ge=0, description="misses listed in results and report")

    @model_validator(mode="after")
    def _sorted_k(self) -> GroundedSpec:
        if any(k < 1 for k in self.k):
            raise ValueError("every k must be ≥ 1")
        self.k = sorted(set(self.k))
        return self


class OperatingPoint(_Strict):
    """How the threshold sweep picks its operating point for the positive label."""

    maximize: Literal["f1", "precision", "recall"] = "f1"
    min_precision: float | None = Field(None, ge=0, le=1)
    min_recall: float | None = Field(None, ge=0, le=1)


class Suite(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_\-]+$")
    description: str = ""
    task: Task
    dataset: DatasetSpec
    model: ModelSpec | None = None
    grounded: GroundedSpec | None = None
    labels: list[str] | None = Field(
        None, description="the label set; rows with any other label are an error"
    )
    positive_label: str | list[str] | None = Field(
        None,
        description="binary scores (ROC/PR, sweep) for this label or the sum of these labels; "
        "default: the minority label of a two-label task",
    )
    metrics: list[str] | None = Field(None, description="default: every metric of the task")
    primary_metric: PrimaryMetric | None = Field(
        None,
        description="what --check-baseline guards; default macro_f1 (classification), "
        "hit_at_1 (retrieval), token_f1 (drafting)",
    )
    slices: list[SliceKey] = Field(default_factory=lambda: list(DEFAULT_SLICES))
    bootstrap_resamples: int = Field(1000, ge=0)
    operating_point: OperatingPoint = OperatingPoint()
    seed: int = 13
    path: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _consistent(self) -> Suite:
        known = DEFAULT_METRICS if self.is_classification else GROUNDED_METRICS
        unknown = sorted(set(self.metrics or []) - set(known))
        if unknown:
            raise ValueError(f"unknown metrics {unknown} for task {self.task}; known: {known}")
        if self.is_classification and self.model is None:
            raise ValueError(f"a {self.task} suite needs a 'model' (role, backend or fit)")
        if not self.is_classification and self.model is not None:
            raise ValueError(
                f"a {self.task} suite takes 'grounded' (knowledge base, generator), not 'model'"
            )
        if self.is_classification and self.primary_metric not in (None, *CLASSIFICATION_PRIMARY):
            raise ValueError(
                f"primary_metric {self.primary_metric} is not a {self.task} metric; use one of "
                f"{list(CLASSIFICATION_PRIMARY)}"
            )
        if not self.is_classification and self.primary_metric in CLASSIFICATION_PRIMARY:
            raise ValueError(
                f"primary_metric {self.primary_metric} is not a {self.task} metric; use "
                "hit_at_1, mrr, token_f1 or escalation_recall"
            )
        return self

    @property
    def primary(self) -> str:
        """The primary metric's name, with the task's default."""
        return self.primary_metric or DEFAULT_PRIMARY.get(self.task, "macro_f1")

    @property
    def grounded_spec(self) -> GroundedSpec:
        return self.grounded or GroundedSpec()

    @property
    def wanted_metrics(self) -> set[str]:
        if self.metrics is not None:
            return set(self.metrics)
        return set(DEFAULT_METRICS if self.is_classification else GROUNDED_METRICS)

    @property
    def classifier_spec(self) -> ModelSpec:
        if self.model is None:
            raise SuiteError(f"{self.path or self.name}: key 'model' is missing")
        return self.model

    @property
    def is_classification(self) -> bool:
        return self.task in CLASSIFICATION_TASKS

    @property
    def needs_shared_data(self) -> bool:
        fit = self.model.fit if self.model else None
        kb = self.grounded.knowledge_base if self.grounded else None
        return (
            self.dataset.needs_shared_data
            or bool(fit and fit.train.needs_shared_data)
            or (kb or "").startswith("{shared}")
        )

    @property
    def folder(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


def resolve_suite_path(name_or_path: str | Path) -> Path:
    """A path to a YAML file, or a suite name looked up in ``eval/suites/``."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return SUITES_DIR / f"{name_or_path}.yaml"


def load_suite(name_or_path: str | Path) -> Suite:
    path = resolve_suite_path(name_or_path)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SUITES_DIR.glob("*.yaml"))) or "none"
        raise SuiteError(f"{path}: suite file not found (suites in {SUITES_DIR}: {known})")
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: not valid UTF-8 YAML ({exc})") from None
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: expected a mapping of suite keys at the top level")
    data.setdefault("name", path.stem)
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        raise SuiteError(f"{path}: {_describe(exc)}") from None
    return suite.model_copy(update={"path": path})


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        parts.append(f"key '{where}': {error['msg']}")
    return "; ".join(parts)


def all_suites() -> list[Path]:
    return sorted(SUITES_DIR.glob("*.yaml"))
