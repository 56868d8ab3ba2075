"""Fine-tuning recipe on a tiny random encoder: it learns, fuses on validation only, and a
missing package gives one clear error."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant.backends.errors import BackendNotInstalledError
from assistant.moderation.training import finetune as ft
from assistant.moderation.training.common import Example

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("peft")

WORDS = {"pos": ["good", "great", "nice", "love"], "neg": ["bad", "awful", "hate", "ugly"]}
FILLER = ["the", "order", "was", "very", "today", "and"]


def tiny_encoder() -> tuple[Any, Any]:
    """A 2-layer XLM-R with a word-level unigram vocabulary (random weights)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    vocab = ["<s>", "<pad>", "</s>", "<unk>", "▁query:"]
    vocab += [f"▁{w}" for group in WORDS.values() for w in group] + [f"▁{w}" for w in FILLER]
    tokenizer = Tokenizer(models.Unigram([(p, -1.0) for p in vocab], unk_id=3))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
    )
    torch.manual_seed(0)
    config = transformers.XLMRobertaConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=40,
        pad_token_id=1,
    )
    return transformers.XLMRobertaModel(config, add_pooling_layer=False).eval(), fast


def synthetic(n: int, seed: int) -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        label = "pos" if i % 2 else "neg"
        words = [*rng.choice(FILLER, 3), str(rng.choice(WORDS[label])), *rng.choice(FILLER, 2)]
        out.append(Example(" ".join(words), label))
    return out


FAST = ft.FinetuneConfig(
    epochs=6, batch_size=8, lr=5e-3, head_lr=2e-2, max_length=16, patience=6, threads=1
)


@pytest.mark.parametrize(("method", "top_layers"), [("lora", 2), ("top", 1)])
def test_recipe_learns_to_separate_two_classes(method: str, top_layers: int) -> None:
    encoder, tokenizer = tiny_encoder()
    cfg = ft.FinetuneConfig(**{**FAST.to_json(), "method": method, "top_layers": top_layers})
    train, val = synthetic(64, 1), synthetic(24, 2)
    result = ft.train_classifier(
        train, val, ["neg", "pos"], cfg, encoder=encoder, tokenizer=tokenizer, log=lambda _: None
    )
    assert result.best_validation >= 0.9
    test = synthetic(30, 3)
    proba = result.model.predict_proba([e.text for e in test])
    assert proba.shape == (30, 2) and np.allclose(proba.sum(1), 1.0)
    predicted = [result.model.labels[i] for i in proba.argmax(1)]
    assert np.mean([p == e.label for p, e in zip(predicted, test, strict=True)]) >= 0.9
    if method == "lora":
        names = [n for n, _ in result.model.trainable()]
        assert names and all("lora_" in n or n.startswith("head.") for n in names)


def test_only_top_layers_are_trained_and_the_bottom_is_cached() -> None:
    encoder, tokenizer = tiny_encoder()
    before = {n: p.detach().clone() for n, p in encoder.named_parameters()}
    cfg = ft.FinetuneConfig(**{**FAST.to_json(), "method": "top", "top_layers": 1, "epochs": 1})
    result = ft.train_classifier(
        synthetic(16, 1),
        synthetic(8, 2),
        ["neg", "pos"],
        cfg,
        encoder=encoder,
        tokenizer=tokenizer,
        log=lambda _: None,
    )
    assert result.model.first_top == 1
    for name, parameter in encoder.named_parameters():
        changed = not torch.equal(before[name], parameter)
        assert changed == name.startswith("encoder.layer.1.") or not changed, name
        if not name.startswith("encoder.layer.1."):
            assert not changed, name


def test_fusion_weight_is_chosen_on_validation() -> None:
    labels = ["neg", "pos"]
    truth = ["neg", "pos"] * 10
    good = np.array([[0.9, 0.1] if t == "neg" else [0.1, 0.9] for t in truth])
    bad = good[:, ::-1].copy()
    # the fine-tuned model is right on validation, the partner wrong: weight → 1
    weight, table = ft.choose_fusion_weight(good, bad, truth, labels)
    assert weight > 0.5 and len(table) == len(ft.FUSION_GRID)
    weight, _ = ft.choose_fusion_weight(bad, good, truth, labels)
    assert weight < 0.5
    weight, table = ft.choose_fusion_weight(good, bad, truth, labels, criterion="metric")
    assert weight > 0.5 and {"weight", "macro_f1", "log_loss"} <= set(table[0])
    with pytest.raises(ValueError, match="criterion"):
        ft.choose_fusion_weight(good, bad, truth, labels, criterion="test")
    fused = ft.fuse(good, bad, 0.25)
    assert np.allclose(fused, 0.25 * good + 0.75 * bad)


def test_decision_offsets_lift_an_under_predicted_minority_class() -> None:
    labels = ["normal", "offensive"]
    # the offensive texts get probabilities just under one half: argmax never predicts them
    truth = ["normal"] * 30 + ["offensive"] * 10
    proba = np.array([[0.8, 0.2]] * 30 + [[0.6, 0.4]] * 10)
    offsets = ft.choose_decision_offsets(proba, truth, labels)
    assert offsets[0] == 0.0 and offsets[1] > 0
    assert [labels[i] for i in ft.decide(proba, offsets)] == truth
    assert list(ft.decide(proba)) == [0] * 40


def test_decision_offsets_stay_at_zero_when_argmax_is_already_right() -> None:
    labels = ["hate", "normal", "offensive"]
    truth = ["hate", "normal", "offensive"] * 5
    proba = np.array([np.eye(3)[labels.index(t)] * 0.7 + 0.1 for t in truth])
    assert ft.choose_decision_offsets(proba, truth, labels) == [0.0, 0.0, 0.0]


def test_offsets_that_generalize_gain_on_the_held_out_halves() -> None:
    labels = ["normal", "offensive"]
    rng = np.random.default_rng(0)
    # every offensive text sits just under one half: a positive offset fixes it everywhere
    truth = ["normal"] * 120 + ["offensive"] * 40
    lifted = np.array([[0.8, 0.2]] * 120 + [[0.6, 0.4]] * 40)
    gain = ft.offsets_gain_out_of_sample(lifted, truth, labels, repeats=3)
    assert gain["mean_gain"] > 0.2 and gain["share_positive"] == 1.0 and gain["splits"] == 6
    # calibrated probabilities, balanced classes: argmax is already best, what offsets fit on
    # one half is noise on the other
    p = rng.uniform(0, 1, size=200)
    drawn = ["offensive" if rng.uniform() < q else "normal" for q in p]
    calibrated = np.column_stack([1 - p, p])
    assert ft.offsets_gain_out_of_sample(calibrated, drawn, labels, repeats=3)["mean_gain"] < 0


def _fake_benchmark(test_flipped: bool) -> ft.Benchmark:
    def splits(_: Path) -> tuple[list[Example], None, dict[str, list[Example]]]:
        test = synthetic(20, 5)
        if test_flipped:
            test = [Example(e.text, "pos" if e.label == "neg" else "neg") for e in test]
        return synthetic(60, 1), None, {"test": test}

    def recipe(train: list[Example], groups: list[list[Example]], labels: list[str]) -> list[Any]:
        # a partner that knows one word per class only
        out = []
        for group in groups:
            rows = [[0.3, 0.7] if "good" in e.text else [0.7, 0.3] for e in group]
            out.append(np.array(rows))
        return out

    return ft.Benchmark("fake", "fake", "macro_f1", 0.9, splits, recipe, "fake partner", 0.5)


def _run_fake(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    benchmark: ft.Benchmark,
    overrides: dict[str, Any],
    *,
    models: str = "models",
    **options: Any,
) -> dict[str, Any]:
    """``ft.run`` on ``benchmark`` (registered as "fake") with the tiny encoder."""
    monkeypatch.setitem(ft.BENCHMARKS, "fake", benchmark)
    monkeypatch.setattr(ft, "load_encoder", lambda *_: tiny_encoder())
    return ft.run(
        "fake",
        tmp_path,
        output_dir=tmp_path / "eval",
        models_dir=tmp_path / models,
        overrides=overrides,
        log=lambda _: None,
        **options,
    )


def test_run_never_looks_at_test_labels_when_fusing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    weights = []
    for flipped in (False, True):
        overrides = {**FAST.to_json(), "epochs": 3}
        report = _run_fake(monkeypatch, tmp_path, _fake_benchmark(flipped), overrides)
        decision = report["decision"]
        weights.append((report["fusion"]["weight_finetuned"], decision["offsets_chosen"]))
        assert decision["rule"] == "argmax of p_fused"
        assert report["test"]["fused"] == report["test"]["fused_argmax"]
        assert report["fusion"]["chosen_on"] == "validation split only"
        assert (tmp_path / "eval" / "finetune_fake.json").is_file()
    assert weights[0] == weights[1]


def test_saved_adapter_is_small_and_self_describing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    overrides = {**FAST.to_json(), "epochs": 1}
    report = _run_fake(monkeypatch, tmp_path, _fake_benchmark(False), overrides, save=True)
    directory = tmp_path / "models" / "fake"
    assert (directory / "adapter.safetensors").is_file()
    assert (directory / "config.json").is_file()
    assert "mushrif train finetune fake" in (directory / "MODEL_CARD.md").read_text()
    assert report["adapter"]["bytes"] < 1_000_000


def test_several_seeds_are_trained_averaged_and_saved_apart(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def run(name: str, seed: int, seeds: int) -> dict[str, Any]:
        return _run_fake(
            monkeypatch,
            tmp_path,
            _fake_benchmark(False),
            {**FAST.to_json(), "epochs": 1, "seed": seed, "seeds": seeds},
            models=name,
            save=seeds > 1,
            probabilities_path=tmp_path / f"{name}.npz",
        )

    singles = [run(f"single{seed}", seed, 1) for seed in (7, 8)]
    report = run("both", 7, 2)
    assert [r["seed"] for r in report["seed_runs"]] == [7, 8]
    assert [s["seed_runs"][0]["seed"] for s in singles] == [7, 8]
    val = [np.load(tmp_path / f"{n}.npz")["val_finetuned"] for n in ("single7", "single8", "both")]
    assert not np.allclose(val[0], val[1])
    assert np.allclose(val[2], (val[0] + val[1]) / 2, atol=1e-5)
    for seed in (7, 8):
        assert (tmp_path / "both" / "fake" / f"seed{seed}" / "adapter.safetensors").is_file()


def test_an_option_overrides_the_benchmarks_own_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = _fake_benchmark(False)
    fake.defaults = {"epochs": 3, "evals_per_epoch": 2}
    overrides = {k: v for k, v in FAST.to_json().items() if k != "evals_per_epoch"}
    report = _run_fake(monkeypatch, tmp_path, fake, overrides | {"epochs": 1})
    assert report["recipe"]["finetune"]["epochs"] == 1
    assert report["recipe"]["finetune"]["evals_per_epoch"] == 2


def test_auto_decision_reports_its_out_of_sample_check(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    overrides = {**FAST.to_json(), "epochs": 1, "decision": "auto"}
    report = _run_fake(monkeypatch, tmp_path, _fake_benchmark(False), overrides)
    decision = report["decision"]
    assert decision["setting"] == "auto"
    check = decision["offsets_out_of_sample"]
    assert check["splits"] == 20
    uses_offsets = decision["rule"] != "argmax of p_fused"
    assert uses_offsets == (check["mean_gain"] > 0)


def test_unknown_encoder_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown encoder 'bert'; choose one of: e5, minilm"):
        ft.run("youtube", tmp_path / "no-data", overrides={"encoder": "bert"})


def test_an_english_only_encoder_is_refused_for_an_arabic_benchmark(tmp_path: Path) -> None:
    for dataset in ("ajgt", "lhsab", "arbanking77"):
        with pytest.raises(ValueError, match=f"English only and {dataset} is Arabic.*e5"):
            ft.run(dataset, tmp_path / "no-data", overrides={"encoder": "minilm"})


def test_encoder_prefix_follows_the_encoder() -> None:
    from assistant.moderation.training import encoders

    assert ft.model_inputs(["مرحبا"], encoders.get("e5").prefix) == ["query: مرحبا"]
    assert ft.model_inputs(["hello\u200b there"], encoders.get("minilm").prefix) == ["hello there"]


def test_missing_peft_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "peft", None)
    with pytest.raises(BackendNotInstalledError, match=r"peft.*mushrif\[finetune\]"):
        ft.require_torch_stack()


def test_unknown_dataset_is_refused() -> None:
    with pytest.raises(ValueError, match="choose one of"):
        ft.run("nope", Path("."))


def test_cli_needs_a_known_dataset() -> None:
    from assistant.cli.main import app

    result = CliRunner().invoke(app, ["train", "finetune"])
    assert result.exit_code == 2
    result = CliRunner().invoke(app, ["train", "finetune", "imdb"])
    assert result.exit_code == 2


def test_an_unknown_decision_rule_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown decision 'best'"):
        ft.run("youtube", tmp_path / "no-data", overrides={"decision": "best"})


def test_cli_passes_the_tuning_options_to_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import train as train_cli
    from assistant.cli.main import app

    seen: dict[str, Any] = {}

    def fake_run(dataset: str, shared: Path, **kwargs: Any) -> dict[str, Any]:
        seen.update(dataset=dataset, **kwargs["overrides"])
        keys = ("dataset", "metric", "target", "test", "fusion", "seconds")
        return dict.fromkeys(keys, 0)

    monkeypatch.setattr(ft, "run", fake_run)
    assert "clinc150" in train_cli.FINETUNE_DATASETS
    args = ["train", "finetune", "clinc150", "--top-layers", "4", "--lr", "0.002"]
    result = CliRunner().invoke(
        app, [*args, "--head-lr", "0.01", "--encoder", "minilm", "--threads", "1"]
    )
    assert result.exit_code == 0, result.output
    assert seen == {
        "dataset": "clinc150",
        "top_layers": 4,
        "lr": 0.002,
        "head_lr": 0.01,
        "encoder": "minilm",
        "threads": 1,
    }
    # the report's command repeats the run, thread count included
    assert (
        ft.command_line("clinc150", {"threads": 1}) == "mushrif train finetune clinc150 --threads 1"
    )
    refused = CliRunner().invoke(app, ["train", "finetune", "clinc150", "--threads", "0"])
    assert refused.exit_code == 2 and "threads" in refused.output


def test_every_cli_dataset_is_a_benchmark() -> None:
    from assistant.cli import train as train_cli

    assert set(train_cli.FINETUNE_DATASETS) == set(ft.BENCHMARKS)


def test_report_and_card_name_the_command_that_repeats_the_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert ft.command_line("olid", {"encoder": "minilm", "top_layers": 6}) == (
        "mushrif train finetune olid --encoder minilm --top-layers 6"
    )
    overrides = {**FAST.to_json(), "epochs": 1, "method": "top", "top_layers": 1, "seeds": 2}
    report = _run_fake(monkeypatch, tmp_path, _fake_benchmark(False), overrides, save=True)
    assert report["command"].startswith("mushrif train finetune fake --encoder e5")
    card = (tmp_path / "models" / "fake" / "MODEL_CARD.md").read_text()
    assert "method `top`;" in card and "LoRA" not in card
    assert "seeds 13–14, probabilities averaged" in card


def test_several_encoders_are_trained_with_their_own_settings_and_averaged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def run(encoder: str) -> dict[str, Any]:
        return _run_fake(
            monkeypatch,
            tmp_path,
            _fake_benchmark(False),
            {**FAST.to_json(), "epochs": 1, "encoder": encoder},
            models=encoder,
            save=True,
            probabilities_path=tmp_path / f"{encoder}.npz",
        )

    both = run("e5,minilm")
    val = {}
    for encoder in ("e5", "minilm"):
        run(encoder)
        val[encoder] = np.load(tmp_path / f"{encoder}.npz")["val_finetuned"]
    combined = np.load(tmp_path / "e5,minilm.npz")["val_finetuned"]
    assert not np.allclose(val["e5"], val["minilm"])  # the prefix differs: "query: " or none
    assert np.allclose(combined, (val["e5"] + val["minilm"]) / 2, atol=1e-5)
    assert [m["encoder"] for m in both["recipe"]["members"]] == ["e5", "minilm"]
    assert [(r["encoder"], r["seed"]) for r in both["seed_runs"]] == [("e5", 13), ("minilm", 13)]
    saved = tmp_path / "e5,minilm" / "fake"
    assert (saved / "e5-seed13" / "adapter.safetensors").is_file()
    assert (saved / "minilm-seed13" / "adapter.safetensors").is_file()
    assert "Encoders averaged" in (saved / "MODEL_CARD.md").read_text()


def test_each_encoder_gets_the_benchmarks_settings_for_it() -> None:
    clinc = ft.BENCHMARKS["clinc150"]
    e5, minilm = ft.member_configs(clinc, {"encoder": "e5,minilm", "seeds": 2})
    assert (e5.encoder, e5.method, e5.top_layers, e5.lr) == ("e5", "lora", 4, 0.002)
    assert (minilm.encoder, minilm.method, minilm.top_layers, minilm.lr) == (
        "minilm",
        "top",
        6,
        1e-4,
    )
    assert e5.head_lr == minilm.head_lr == 0.01
    assert e5.seeds == minilm.seeds == 2
    [only] = ft.member_configs(clinc, {"encoder": "minilm", "lr": 3e-5})
    assert only.lr == 3e-5 and only.method == "top"
    [olid] = ft.member_configs(ft.BENCHMARKS["olid"], {})
    assert (olid.encoder, olid.method, olid.lr, olid.seeds) == ("minilm", "top", 1e-4, 3)
    for arabic in ("ajgt", "lhsab"):
        [e5_all] = ft.member_configs(ft.BENCHMARKS[arabic], {})
        assert (e5_all.encoder, e5_all.method, e5_all.top_layers, e5_all.lr) == (
            "e5",
            "top",
            12,
            5e-5,
        )
        assert e5_all.seeds == 3


def test_a_list_of_encoders_is_checked_before_any_work(tmp_path: Path) -> None:
    for listed in ("e5,e5", "e5,", "e5,bert"):
        with pytest.raises(ValueError, match=r"distinct names|unknown encoder 'bert'"):
            ft.run("youtube", tmp_path / "no-data", overrides={"encoder": listed})
    with pytest.raises(ValueError, match="English only and ajgt is Arabic"):
        ft.run("ajgt", tmp_path / "no-data", overrides={"encoder": "e5,minilm"})


def test_the_partner_with_the_lower_validation_log_loss_is_kept() -> None:
    labels = ["neg", "pos"]
    truth = ["neg", "pos"] * 10
    finetuned = np.array([[0.6, 0.4] if t == "neg" else [0.4, 0.6] for t in truth])
    sharp = np.array([[0.95, 0.05] if t == "neg" else [0.05, 0.95] for t in truth])
    tests = {"test": sharp[:2]}
    candidates = [
        ft.PartnerProbabilities("own", "own recipe", np.full_like(sharp, 0.5), tests),
        ft.PartnerProbabilities("joint", "joint recipe", sharp, tests),
    ]
    chosen, weight, table, rows = ft.choose_partner(
        finetuned, candidates, truth, labels, metric="macro_f1"
    )
    assert chosen.name == "joint" and weight < 0.5 and len(table) == len(ft.FUSION_GRID)
    assert [r["chosen"] for r in rows] == [False, True]
    assert rows[1]["validation_fused_log_loss"] < rows[0]["validation_fused_log_loss"]
    # a tie keeps the benchmark's own recipe
    same = [candidates[1], ft.PartnerProbabilities("copy", "copy", sharp, tests)]
    assert ft.choose_partner(finetuned, same, truth, labels, metric="macro_f1")[0].name == "joint"
    with pytest.raises(ValueError, match="at least one"):
        ft.choose_partner(finetuned, [], truth, labels, metric="macro_f1")


def test_a_further_partner_learns_from_its_extra_data_and_is_chosen_on_validation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    def knows_the_words_it_was_trained_on(
        train: list[Example], groups: list[list[Example]], labels: list[str]
    ) -> list[Any]:
        vocabulary = {e.text: e.label for e in train if e.meta.get("source") == "extra"}
        seen.setdefault("extra_sizes", []).append(
            sum(e.meta.get("source") == "extra" for e in train)
        )
        rows = []
        for group in groups:
            probs = []
            for e in group:
                label = next((v for w, v in vocabulary.items() if w in e.text.split()), None)
                probs.append(
                    [0.5, 0.5] if label is None else [0.9, 0.1] if label == "neg" else [0.1, 0.9]
                )
            rows.append(np.array(probs))
        return rows

    def extra(shared: Path) -> list[Example]:
        seen["shared"] = shared
        words = [(w, label) for label, group in WORDS.items() for w in group]
        held_out_copy = synthetic(20, 5)[0]  # a test text: must not reach the partner
        return [Example(w, label, {"source": "extra"}) for w, label in words] + [
            Example(held_out_copy.text, held_out_copy.label, {"source": "extra"})
        ]

    bench = _fake_benchmark(False)
    bench.partners = (
        ft.Partner("joint", "words partner", knows_the_words_it_was_trained_on, extra),
    )
    report = _run_fake(monkeypatch, tmp_path, bench, {**FAST.to_json(), "epochs": 1})
    rows = report["fusion"]["partners"]
    assert [r["name"] for r in rows] == ["own", "joint"]
    assert [r["chosen"] for r in rows] == [False, True]
    assert all(0 <= r["test_alone"] <= 1 for r in rows)
    assert report["recipe"]["partner"] == "words partner"
    assert seen["shared"] == tmp_path and seen["extra_sizes"] == [8, 8]


def test_refit_epochs_cover_the_validation_chosen_step() -> None:
    # 100 texts in batches of 32: 4 steps an epoch
    assert ft.refit_epochs(8, 100, 32) == 2
    assert ft.refit_epochs(10, 100, 32) == 3
    assert ft.refit_epochs(0, 100, 32) == 1


def test_refit_trains_each_seed_again_on_fit_and_validation_for_the_tests(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def run(name: str, refit: bool) -> dict[str, Any]:
        return _run_fake(
            monkeypatch,
            tmp_path,
            _fake_benchmark(False),
            {**FAST.to_json(), "epochs": 2, "seeds": 2, "refit": refit},
            models=name,
            probabilities_path=tmp_path / f"{name}.npz",
        )

    plain, refit = run("plain", False), run("refit", True)
    splits = refit["splits"]
    for seed_run in refit["seed_runs"]:
        assert seed_run["refit"]["texts"] == splits["fit"] + splits["validation"]
        assert 1 <= seed_run["refit"]["epochs"] <= 2
    assert all("refit" not in r for r in plain["seed_runs"])
    assert "--refit" in refit["command"].split() and "--no-refit" in plain["command"].split()
    before, after = np.load(tmp_path / "plain.npz"), np.load(tmp_path / "refit.npz")
    # validation chose the fusion with the fit-part models; only the tests see the refit ones
    assert np.allclose(before["val_finetuned"], after["val_finetuned"])
    assert not np.allclose(before["test_test_finetuned"], after["test_test_finetuned"])


def test_the_report_goes_to_the_file_named_by_report(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    overrides = {**FAST.to_json(), "epochs": 1}
    _run_fake(monkeypatch, tmp_path, _fake_benchmark(False), overrides)
    plain = json.loads((tmp_path / "eval" / "finetune_fake.json").read_text("utf-8"))
    _run_fake(
        monkeypatch, tmp_path, _fake_benchmark(True), overrides, report_name="finetune_fake_2"
    )
    second = json.loads((tmp_path / "eval" / "finetune_fake_2.json").read_text("utf-8"))
    # the named run did not replace the plain run's report
    assert json.loads((tmp_path / "eval" / "finetune_fake.json").read_text("utf-8")) == plain
    assert second["dataset"] == "fake"


@pytest.mark.parametrize("name", ["../escape", "finetune_ajgt.json", "", "a/b", "تقرير"])
def test_a_report_name_that_is_not_a_plain_file_stem_is_refused_before_training(
    name: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="report name"):
        ft.run("ajgt", tmp_path, output_dir=tmp_path, report_name=name, log=lambda _: None)
    assert not list(tmp_path.iterdir())


def test_cli_passes_the_report_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli.main import app

    seen: dict[str, Any] = {}

    def fake_run(dataset: str, shared: Path, **kwargs: Any) -> dict[str, Any]:
        seen["report_name"] = kwargs["report_name"]
        return dict.fromkeys(("dataset", "metric", "target", "test", "fusion", "seconds"), 0)

    monkeypatch.setattr(ft, "run", fake_run)
    args = ["train", "finetune", "ajgt", "--refit", "--report", "finetune_ajgt_refit"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert seen == {"report_name": "finetune_ajgt_refit"}


def _with_intermediate(extra: list[Example]) -> ft.Benchmark:
    return replace(
        _fake_benchmark(False),
        intermediate=ft.Intermediate("related texts", lambda _: list(extra)),
    )


def test_intermediate_texts_are_learned_first_and_a_refit_starts_from_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    test_text = synthetic(20, 5)[0]
    related = synthetic(40, 9)
    extra = [*related, related[0], test_text]  # a duplicate and a benchmark test text
    monkeypatch.setitem(ft.BENCHMARKS, "fake", _with_intermediate(extra))
    monkeypatch.setattr(ft, "load_encoder", lambda *_: tiny_encoder())
    lines: list[str] = []
    top = {**FAST.to_json(), "method": "top", "top_layers": 2, "epochs": 2, "seeds": 2}

    def run(name: str, intermediate_epochs: int, refit: bool) -> dict[str, Any]:
        return ft.run(
            "fake",
            tmp_path,
            output_dir=tmp_path / name,
            models_dir=tmp_path / "models",
            overrides={**top, "intermediate_epochs": intermediate_epochs, "refit": refit},
            probabilities_path=tmp_path / f"{name}.npz",
            log=lines.append,
        )

    plain = run("plain", 0, False)
    assert plain["intermediate"] is None
    report = run("first", 1, True)
    expected = len({e.text for e in related} - {test_text.text})
    assert report["intermediate"]["texts"] == expected
    assert report["intermediate"]["epochs"] == 1
    assert all(r["intermediate_seconds"] >= 0 for r in report["seed_runs"])
    # one intermediate training per seed: the refits start from the kept layers
    assert sum(line.startswith("intermediate training") for line in lines) == 2
    assert "--intermediate-epochs 1" in report["command"]
    before, after = np.load(tmp_path / "plain.npz"), np.load(tmp_path / "first.npz")
    assert not np.allclose(before["val_finetuned"], after["val_finetuned"])


def test_intermediate_epochs_need_intermediate_texts_and_unfrozen_layers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    top = {**FAST.to_json(), "method": "top", "intermediate_epochs": 1}
    with pytest.raises(ValueError, match="has no intermediate texts"):
        _run_fake(monkeypatch, tmp_path, _fake_benchmark(False), top)
    lora = {**top, "method": "lora"}
    with pytest.raises(ValueError, match="needs --method top"):
        _run_fake(monkeypatch, tmp_path, _with_intermediate(synthetic(10, 3)), lora)
    unknown = [Example("the order was great", "neutral")]
    with pytest.raises(ValueError, match="unknown labels"):
        _run_fake(monkeypatch, tmp_path, _with_intermediate(unknown), top)
