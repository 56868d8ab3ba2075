"""Single-benchmark linear recipes: NB scaling, embedding columns, CV choice (fake encoder)."""

import numpy as np
import pytest
from scipy import sparse

from assistant.backends.head import EmbedderRef
from assistant.moderation.training import recipes
from assistant.moderation.training.common import Example, binarized, nb_log_count_ratio

POSITIVE = [
    "great service, thank you so much",
    "خدمة ممتازة شكرا جزيلا",
    "loved it, excellent quality",
    "جودة رائعة والله حلوة كتيير",
    "very happy with the order",
    "مبسوطة كثير بالطلب",
]
NEGATIVE = [
    "terrible service, never again",
    "خدمة سيئة جدا ما برجع",
    "awful quality, broken on arrival",
    "جودة زفت وصلت مكسورة",
    "very angry about the order",
    "زعلانة كثير من الطلب",
]


def _examples(repeat: int = 2) -> list[Example]:
    return [
        Example(f"{text} {i}", label)
        for i in range(repeat)
        for texts, label in ((POSITIVE, "positive"), (NEGATIVE, "negative"))
        for text in texts
    ]


def test_nb_log_count_ratio_favours_features_of_the_positive_rows() -> None:
    X = sparse.csr_matrix(np.array([[1.0, 0.0, 1.0], [2.0, 0.0, 1.0], [0.0, 3.0, 1.0]]))
    ratio = nb_log_count_ratio(binarized(X), np.array([True, True, False]))
    assert ratio[0] > 0 > ratio[1]
    assert ratio[0] > ratio[2] > ratio[1]


def test_nb_scaling_changes_the_tfidf_block_only_and_embeddings_are_appended(
    fake_settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(
        recipes.RECIPE_EMBEDDERS, "fake", EmbedderRef(name="fake", options={"dim": 8})
    )
    train, other = _examples(), _examples(1)
    plain = recipes.LinearRecipe("plain", 1.0, (("fake", 2.0),))
    nb = recipes.LinearRecipe("nb", 1.0, (("fake", 2.0),), nb=True)
    x_plain, o_plain = recipes.recipe_features(plain, train, other, "positive")
    x_nb, o_nb = recipes.recipe_features(nb, train, other, "positive")
    assert x_plain.shape == x_nb.shape and o_plain.shape[1] == x_plain.shape[1]
    np.testing.assert_allclose(x_plain[:, -8:].toarray(), x_nb[:, -8:].toarray())
    np.testing.assert_allclose(o_plain[:, -8:].toarray(), o_nb[:, -8:].toarray())
    assert abs(x_plain[:, :-8] - x_nb[:, :-8]).sum() > 0
    norms = np.linalg.norm(x_plain[:, -8:].toarray(), axis=1)
    np.testing.assert_allclose(norms, 2.0, rtol=1e-5)


def test_recipes_learn_arabic_and_english_sentiment_and_the_cv_choice_ignores_test() -> None:
    train = _examples(3)
    test = [Example("excellent quality, thank you", "positive"), Example("جودة زفت", "negative")]
    rows = recipes.compare_recipes(
        [recipes.LinearRecipe("lr", 10.0), recipes.LinearRecipe("nb", 10.0, nb=True)],
        train,
        test,
        "positive",
        prefix="toy",
        repeats=1,
    )
    assert [r["method"] for r in rows] == ["toy: lr", "toy: nb"]
    assert all(r["test_macro_f1"] == 1.0 and r["cv_macro_f1"] > 0.5 for r in rows)
    rigged = [dict(rows[0], cv_macro_f1=0.6, test_macro_f1=1.0), dict(rows[1], cv_macro_f1=0.7)]
    assert recipes.chosen_row(rigged)["method"] == "toy: nb"
