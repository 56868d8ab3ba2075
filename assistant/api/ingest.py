"""Row-by-row validation of an ingest request: good rows go on, bad rows are reported."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from assistant.api.schemas import PostCreate, RowError
from assistant.schemas import PostIn


def _message(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'row'}: {err['msg']}" for err in exc.errors()
    )


def validate_rows(
    rows: Sequence[Any], *, max_chars: int
) -> tuple[list[tuple[int, PostIn]], list[RowError]]:
    good: list[tuple[int, PostIn]] = []
    bad: list[RowError] = []
    for index, row in enumerate(rows):
        try:
            post = row if isinstance(row, PostCreate) else PostCreate.model_validate(row)
        except ValidationError as exc:
            bad.append(RowError(index=index, error=_message(exc)))
            continue
        if len(post.text) > max_chars:
            bad.append(
                RowError(
                    index=index,
                    error=f"text: {len(post.text)} characters, the limit is {max_chars} "
                    "(api.max_post_chars)",
                )
            )
            continue
        if not post.text.strip():
            bad.append(RowError(index=index, error="text: empty post"))
            continue
        good.append((index, PostIn.model_validate(post.model_dump())))
    return good, bad
