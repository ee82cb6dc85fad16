"""Query parameters several routes share: list paging and date ranges."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from app.pagination import MAX_LIMIT

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=500)]
FromDate = Annotated[date, Query(alias="from")]
ToDate = Annotated[date, Query(alias="to")]
