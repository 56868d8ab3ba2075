"""Trained classification heads: self-describing artifacts under ``models/<name>/``.

An artifact directory holds ``manifest.json`` (labels, components, fusion weights, cascade,
metrics, datasets), one joblib file per component and a ``MODEL_CARD.md``. A component is a
scikit-learn estimator with ``predict_proba``; ``text`` components read the normalized text,
``embedding`` components read vectors from a registered embedder. Components are fused by a
weighted mean of probabilities; with a cascade, later (slower) components run only for texts
where the first one is unsure. A head may also carry an Arabizi vocabulary: posts detected as
Arabizi are then read in Arabic script (``assistant.text.arabizi``) before any component sees them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import joblib
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from assistant.backends.base import Embedder
from assistant.backends.cache import cached_embed
from assistant.backends.errors import BackendError, ModelFileMissingError
from assistant.backends.registry import create, register
from assistant.text.arabizi import ArabiziReader
from assistant.text.normalize import normalize

Probabilities = npt.NDArray[np.float64]


class EmbedderRef(BaseModel):
    name: str
    options: dict[str, Any] = Field(default_factory=dict)
    kind: Literal["query", "passage"] = "query"


class ComponentSpec(BaseModel):
    kind: Literal["text", "embedding"]
    file: str
    sha256: str
    weight: float = Field(gt=0)
    embedder: EmbedderRef | None = None


class CascadeSpec(BaseModel):
    confident_above: float = Field(ge=0, le=1)


class RejectSpec(BaseModel):
    """Below this top probability, answer ``label`` instead (e.g. out-of-scope)."""

    below: float = Field(ge=0, le=1)
    label: str


class ArabiziReadingSpec(BaseModel):
    """Arabizi posts are read in Arabic script, spellings chosen by this word-count file."""

    vocabulary: str
    sha256: str


class HeadManifest(BaseModel):
    format: Literal["mushrif-head/1"] = "mushrif-head/1"
    name: str
    task: str
    labels: list[str]
    text_view: Literal["normalized", "folded"] = "normalized"
    components: list[ComponentSpec]
    cascade: CascadeSpec | None = None
    reject: RejectSpec | None = None
    arabizi_reading: ArabiziReadingSpec | None = None
    sklearn_version: str
    metrics: dict[str, Any] = Field(default_factory=dict)
    datasets: list[dict[str, str]] = Field(default_factory=list)
    notes: str = ""


@dataclass
class _LoadedComponent:
    spec: ComponentSpec
    estimator: Any
    column_order: list[int]
    embedder: Embedder | None


_EMBEDDERS: dict[str, Embedder] = {}


def shared_embedder(ref: EmbedderRef) -> Embedder:
    """One embedder instance per configuration per process.

    ``threads`` is a property of the machine, not of the artifact: it comes from the
    ``backends.embedder`` or ``backends.fast_embedder`` role that uses the same backend, else
    the backend's default.
    """
    from assistant.config import get_settings

    roles = get_settings().backends
    machine = next(
        (spec.options for spec in (roles.fast_embedder, roles.embedder) if spec.name == ref.name),
        {},
    )
    options = {k: v for k, v in ref.options.items() if k != "threads"}
    if "threads" in machine:
        options["threads"] = machine["threads"]
    key = json.dumps([ref.name, options], sort_keys=True)
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = create("embedder", ref.name, **options)
    return _EMBEDDERS[key]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def text_view(texts: Sequence[str], view: str) -> list[str]:
    """What ``text`` components read: the ``normalized`` or ``folded`` view."""
    return [getattr(normalize(t), view) for t in texts]


def embedding_inputs(texts: Sequence[str]) -> list[str]:
    """What ``embedding`` components embed, at training and inference time alike."""
    return [normalize(t).clean for t in texts]


class HeadClassifier:
    def __init__(self, directory: Path) -> None:
        manifest_path = directory / "manifest.json"
        if not manifest_path.exists():
            raise ModelFileMissingError(
                "head",
                str(manifest_path),
                f"Train it with `mushrif train {directory.name}` or check `models_dir`.",
            )
        self.manifest = HeadManifest.model_validate_json(manifest_path.read_text("utf-8"))
        self.name = f"head:{self.manifest.name}"
        self.labels = list(self.manifest.labels)
        if self.manifest.reject and self.manifest.reject.label not in self.labels:
            self.labels.append(self.manifest.reject.label)
        self._components = [self._load(directory, spec) for spec in self.manifest.components]
        self._arabizi = (
            _load_arabizi_reader(directory, self.manifest.arabizi_reading)
            if self.manifest.arabizi_reading
            else None
        )

    @property
    def reads_arabizi(self) -> bool:
        """Whether posts detected as Arabizi are read in Arabic script before the components
        see them; a head without it reads them as Latin text, unlike anything it learned from."""
        return self._arabizi is not None

    def _load(self, directory: Path, spec: ComponentSpec) -> _LoadedComponent:
        path = directory / spec.file
        if not path.exists():
            raise ModelFileMissingError(
                "head", str(path), "The artifact is incomplete: retrain it."
            )
        if _sha256(path) != spec.sha256:
            raise BackendError(f"{path} does not match the sha256 in its manifest: retrain it")
        estimator = joblib.load(path)
        classes = [str(c) for c in estimator.classes_]
        if sorted(classes) != sorted(self.manifest.labels):
            raise BackendError(f"{path}: classes {classes} differ from manifest labels")
        order = [classes.index(label) for label in self.manifest.labels]
        embedder = shared_embedder(spec.embedder) if spec.embedder else None
        return _LoadedComponent(spec, estimator, order, embedder)

    def _component_proba(
        self, component: _LoadedComponent, views: list[str], raw: Sequence[str]
    ) -> Probabilities:
        if component.embedder is not None and component.spec.embedder is not None:
            features: Any = cached_embed(
                component.embedder, embedding_inputs(raw), kind=component.spec.embedder.kind
            )
        else:
            features = views
        proba = np.asarray(component.estimator.predict_proba(features), dtype=np.float64)
        return proba[:, component.column_order]

    def predict_matrix(self, texts: Sequence[str]) -> Probabilities:
        """Fused probabilities, columns in ``manifest.labels`` order (no reject column)."""
        if not texts:
            return np.zeros((0, len(self.manifest.labels)))
        if self._arabizi is not None:
            texts = self._arabizi.read_all(texts)
        views = text_view(texts, self.manifest.text_view)
        first, *rest = self._components
        total = self._component_proba(first, views, texts) * first.spec.weight
        weights = np.full(len(texts), first.spec.weight)
        if rest:
            todo = np.arange(len(texts))
            if self.manifest.cascade is not None:
                confident = total.max(axis=1) / weights >= self.manifest.cascade.confident_above
                todo = np.flatnonzero(~confident)
            if todo.size:
                sub_views = [views[int(i)] for i in todo]
                sub_raw = [texts[int(i)] for i in todo]
                for component in rest:
                    proba = self._component_proba(component, sub_views, sub_raw)
                    total[todo] += proba * component.spec.weight
                    weights[todo] += component.spec.weight
        return total / weights[:, None]

    def predict_proba(self, texts: Sequence[str]) -> list[dict[str, float]]:
        matrix = self.predict_matrix(texts)
        return [
            {label: float(p) for label, p in zip(self.manifest.labels, row, strict=True)}
            for row in matrix
        ]

    @property
    def reject(self) -> RejectSpec | None:
        return self.manifest.reject


def _load_arabizi_reader(directory: Path, spec: ArabiziReadingSpec) -> ArabiziReader:
    path = directory / spec.vocabulary
    if not path.exists():
        raise ModelFileMissingError("head", str(path), "The artifact is incomplete: retrain it.")
    if _sha256(path) != spec.sha256:
        raise BackendError(f"{path} does not match the sha256 in its manifest: retrain it")
    return ArabiziReader(json.loads(path.read_text("utf-8")))


def choose_label(scores: dict[str, float], reject: RejectSpec | None = None) -> tuple[str, float]:
    """The predicted label and its probability; the reject label when nothing is likely enough."""
    label = max(scores, key=scores.__getitem__)
    top = scores[label]
    if reject is not None and top < reject.below:
        return reject.label, 1.0 - top
    return label, top


ARABIZI_VOCABULARY_FILE = "arabizi_vocabulary.json"


def save_head(
    directory: Path,
    manifest: HeadManifest,
    estimators: dict[str, Any],
    *,
    arabizi_vocabulary: dict[str, int] | None = None,
) -> HeadManifest:
    """Write estimators (by component file name), the Arabizi vocabulary if any, and the
    manifest with their checksums."""
    directory.mkdir(parents=True, exist_ok=True)
    components = []
    for spec in manifest.components:
        path = directory / spec.file
        joblib.dump(estimators[spec.file], path, compress=3)
        components.append(spec.model_copy(update={"sha256": _sha256(path)}))
    update: dict[str, Any] = {"components": components, "arabizi_reading": None}
    vocabulary_path = directory / ARABIZI_VOCABULARY_FILE
    if arabizi_vocabulary is not None:
        ordered = dict(sorted(arabizi_vocabulary.items(), key=lambda kv: (-kv[1], kv[0])))
        vocabulary_path.write_text(json.dumps(ordered, ensure_ascii=False) + "\n", "utf-8")
        update["arabizi_reading"] = ArabiziReadingSpec(
            vocabulary=ARABIZI_VOCABULARY_FILE, sha256=_sha256(vocabulary_path)
        )
    elif vocabulary_path.exists():  # left by an earlier training run that read Arabizi
        vocabulary_path.unlink()
    final = manifest.model_copy(update=update)
    (directory / "manifest.json").write_text(
        final.model_dump_json(indent=2, exclude_none=True) + "\n", "utf-8"
    )
    return final


def resolve_artifact(artifact: str, models_dir: str | Path | None = None) -> Path:
    if models_dir is None:
        from assistant.config import get_settings

        models_dir = get_settings().models_dir
    path = Path(artifact)
    return path if path.is_absolute() else Path(models_dir) / artifact


@register("classifier", "head")
def create_head(*, artifact: str, models_dir: str | None = None) -> HeadClassifier:
    return HeadClassifier(resolve_artifact(artifact, models_dir))
