"""The hand-written error reference stays in step with the prefix table."""

from __future__ import annotations

from pathlib import Path

import pytest

from smclient.exceptions import ERROR_CLASSES
from smclient.protocol.errors import ERROR_CODES

ERRORS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "errors.md"


@pytest.mark.parametrize("code", ERROR_CODES, ids=lambda c: c.name)
def test_errors_page_lists_every_prefix_with_its_exception(code: object) -> None:
    text = ERRORS_PAGE.read_text()
    name = code.name  # type: ignore[attr-defined]
    row = f"| `ERR {code.prefix}` | `{name}` |"  # type: ignore[attr-defined]
    assert row in text
    assert f"`{ERROR_CLASSES[name].__name__}`" in text
