"""Query parameters several routes share: list paging and date ranges."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.pagination import MAX_LIMIT
from app.validation import SafeDate, Text

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[Text | None, Query(max_length=500)]
FromDate = Annotated[SafeDate, Query(alias="from")]
ToDate = Annotated[SafeDate, Query(alias="to")]
OnDate = Annotated[SafeDate | None, Query(alias="date")]
