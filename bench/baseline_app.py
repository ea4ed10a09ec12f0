"""The bare baseline for bench/run.py: one Starlette JSON endpoint, no middleware, no database.

Served by the same uvicorn (httptools, same workers) as the portal, so a portal figure divided
by this one's, taken minutes apart in the same run, is comparable across machines and days.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def json_endpoint(request: Request) -> JSONResponse:
    return JSONResponse({"message": "Hello, World!"})


app = Starlette(routes=[Route("/json", json_endpoint)])
