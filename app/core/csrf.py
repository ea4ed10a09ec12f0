"""CSRF protection for forms: a random seed cookie and an HMAC token in every form.

The token is derived with the server secret from the seed and from the session cookie, so an
attacker who can plant a cookie still cannot forge a matching token, and a token (with its seed)
taken from one session is refused in any other session. The seed is rotated at login and logout.
Over https the seed cookie is ``__Host-csrf`` (see ``cookie_name``).
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from app.config import get_settings
from app.core.access import cookie_name, session_cookie
from app.core.uploads import refuse_oversize
from app.errors import CsrfFailed
from app.security.crypto import new_token

CSRF_FIELD = "csrf_token"


def csrf_cookie() -> str:
    return cookie_name("csrf")


def _token_for(seed: str, request: Request) -> str:
    key = get_settings().secret_key.get_secret_value().encode()
    # The session token itself is a secret: mix in its digest, never the token.
    session = hashlib.sha256(request.cookies.get(session_cookie(), "").encode()).hexdigest()
    message = b"csrf:" + seed.encode() + b":" + session.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """Token for forms on this page; plants a new seed cookie when the browser has none."""
    seed = getattr(request.state, "csrf_seed", None) or request.cookies.get(csrf_cookie())
    if not seed:
        seed = new_token()
        request.state.csrf_seed = seed
        request.state.set_csrf_cookie = True
    return _token_for(seed, request)


def rotate_csrf(request: Request) -> None:
    request.state.csrf_seed = new_token()
    request.state.set_csrf_cookie = True


async def csrf_protect(request: Request) -> None:
    """Dependency for every state-changing page route."""
    seed = request.cookies.get(csrf_cookie())
    if request.headers.get("content-type", "").startswith("multipart/"):
        # Refuse an oversize upload before parsing it just to read the token.
        refuse_oversize(request)
    # The first parse is cached for the handler, so the limits are set here.
    form = await request.form(max_files=30, max_fields=300)
    sent = form.get(CSRF_FIELD)
    if not seed or not isinstance(sent, str):
        raise CsrfFailed()
    if not hmac.compare_digest(sent, _token_for(seed, request)):
        raise CsrfFailed()
