"""The yardsticks: a bare Starlette JSON endpoint, and a bare FastAPI app with one route (no
middleware, no dependencies), served exactly as the Regimen app is."""

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def hello(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "items": [1, 2, 3]})


app = Starlette(routes=[Route("/bare", hello)])

# What FastAPI's own routing and request handling cost, with nothing of this app's
fastapi_app = FastAPI()


@fastapi_app.get("/bare")
async def fastapi_hello() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")
