"""The caller's calendar feed: a revocable personal link, and the RFC 5545 feed behind it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.deps import CurrentUser, FeedToken, SessionDep
from app.models.reminders import CalendarFeedOut
from app.services import calendar

router = APIRouter(prefix="/v1/me", tags=["calendar"])


@router.post("/calendar/token", status_code=201, response_model=CalendarFeedOut)
async def issue_calendar_token(
    request: Request, user: CurrentUser, session: SessionDep
) -> CalendarFeedOut:
    token, feed = await calendar.issue_token(session, user=user)
    url = request.url_for("read_calendar_feed").include_query_params(token=token)
    return CalendarFeedOut(token=token, url=str(url), created_at=feed.created_at)


@router.delete("/calendar/token", status_code=204)
async def revoke_calendar_token(user: CurrentUser, session: SessionDep) -> None:
    await calendar.revoke_token(session, user=user)


@router.get(
    "/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "An RFC 5545 calendar"}},
)
async def read_calendar_feed(session: SessionDep, token: FeedToken) -> Response:
    """Authenticated by the feed token in the URL (calendar apps cannot send a bearer token)."""
    body = await calendar.feed(session, token=token)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=900"},
    )
