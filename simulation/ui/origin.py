"""Only pages of this server may open its websockets (the channel that drives every session).

Browsers send an ``Origin`` header with each websocket handshake, and a page from any other site the
user visits could otherwise connect to the front end (including one on 127.0.0.1) and drive it. A
handshake is accepted when:

* its Origin is the server as the browser addressed it (Origin ``host:port`` = the ``Host`` header),
  and, when the server listens on a loopback address only, that host is a loopback name (localhost,
  127.0.0.1, [::1]): a site whose name resolves to 127.0.0.1 (DNS rebinding) is refused; or
* its Origin is listed in ``WOM_ALLOWED_ORIGINS`` (comma-separated, exactly as the browser sends it,
  e.g. ``https://sim.example.org``): for a reverse proxy that rewrites the Host header.

Handshakes without an Origin do not come from a browser page and are let through. Refused ones get
HTTP 403.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

ORIGINS_ENV = "WOM_ALLOWED_ORIGINS"
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def allowed_origins() -> set[str]:
    return {o.strip().rstrip("/").lower() for o in os.environ.get(ORIGINS_ENV, "").split(",") if o.strip()}


def origin_allowed(origin: str | None, host: str | None, listening_on: str | None, extra: set[str]) -> bool:
    """Whether a websocket handshake with these Origin and Host headers may connect (see the module docstring)."""
    if origin is None:
        return True
    origin = origin.strip().rstrip("/").lower()
    if origin in extra:
        return True
    if not host or urlsplit(origin).netloc != host.strip().lower():
        return False
    if listening_on is not None and listening_on.strip("[]") in LOOPBACK:
        return (urlsplit(f"//{host}").hostname or "") in LOOPBACK
    return True


class OriginCheck:
    """ASGI middleware refusing websocket handshakes from other origins (see the module docstring)."""

    def __init__(self, app, listening_on: str | None = None):
        self.app = app
        self.listening_on = listening_on
        self.extra = allowed_origins()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            if not origin_allowed(headers.get("origin"), headers.get("host"), self.listening_on, self.extra):
                await receive()  # the websocket.connect event
                await send({"type": "websocket.close", "code": 1008})  # before accepting: HTTP 403
                return
        await self.app(scope, receive, send)


def install(app) -> None:
    """Put the check in front of a Starlette app, whether or not it has started serving."""
    if getattr(app, "_wom_origin_check", False):
        return
    listening_on = os.environ.get("SERVER_NAME")  # set by `solara run` to its --host
    if app.middleware_stack is None:
        from starlette.middleware import Middleware

        app.user_middleware.insert(0, Middleware(OriginCheck, listening_on=listening_on))
    else:
        app.middleware_stack = OriginCheck(app.middleware_stack, listening_on)
    app._wom_origin_check = True
