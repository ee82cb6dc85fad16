"""The yardstick: a bare Starlette JSON endpoint, served exactly as the Regimen app is."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "items": [1, 2, 3]})


app = Starlette(routes=[Route("/bare", hello)])
