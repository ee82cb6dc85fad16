"""Query parameters several routes share: list paging and date ranges."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.pagination import MAX_LIMIT
from app.validation import SafeDate, Text

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="The most items on a page")]
Cursor = Annotated[
    Text | None,
    Query(max_length=500, description="The previous page's `next_cursor`; absent: the first"),
]
FromDate = Annotated[
    SafeDate, Query(alias="from", description="The first day of the range, YYYY-MM-DD")
]
ToDate = Annotated[
    SafeDate, Query(alias="to", description="The last day of the range (inclusive), YYYY-MM-DD")
]
OnDate = Annotated[
    SafeDate | None,
    Query(alias="date", description="The day, YYYY-MM-DD; absent: today in the user's zone"),
]
