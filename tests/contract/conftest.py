"""Compatibility for schemathesis's lazy-schema tests (schemathesis.pytest.from_fixture).

schemathesis 4.32 labels each operation's subtest by renaming the pytest item through
`item._nodeid`, which pytest 9.2 replaced with a structured `_id` (read through `nodeid`). Without
this the lazy tests stop at `AttributeError: 'Function' object has no attribute '_nodeid'`. The
shim reads the real node id and ignores the rename: each subtest is still reported with its
operation as its label. Remove it when schemathesis supports pytest 9.2's node ids.
"""

from __future__ import annotations

import pytest

if not hasattr(pytest.Function, "_nodeid"):

    def _get(self: pytest.Function) -> str:
        return self.nodeid

    def _set(self: pytest.Function, _value: str) -> None:
        pass

    pytest.Function._nodeid = property(_get, _set)  # type: ignore[attr-defined]
