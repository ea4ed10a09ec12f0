from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from app.config import get_settings
from app.core.access import session_cookie
from app.core.csrf import csrf_protect, rotate_csrf
from app.core.forms import FormPage, shown_on, validate_form
from app.core.middleware import LANG_COOKIE
from app.core.ratelimit import RateLimit, client_address
from app.core.templates import language, redirect, render, secure_cookies
from app.db import SessionDep
from app.errors import FieldError, ValidationFailed
from app.i18n import N_
from app.routers.access import CurrentUser, PublicPage
from app.routers.web.public import safe_next
from app.schemas.accounts import DomesticRegistration, OverseasRegistration
from app.schemas.forms import PasswordChange, PasswordReset, PasswordResetRequest
from app.schemas.text import ERR_CONTROL, has_control_characters
from app.services import accounts as accounts_service

router = APIRouter(tags=["pages"])
_limit = Depends(RateLimit("login", "rate_limit_login"))


def _set_login_cookie(response: Response, token: str, lang: str) -> None:
    response.set_cookie(
        session_cookie(), token, httponly=True, samesite="lax", secure=secure_cookies(), path="/"
    )
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(),
    )


@router.get("/register", response_class=HTMLResponse)
async def register_start(request: Request, principal: PublicPage) -> HTMLResponse:
    return render(request, "public/register_start.html")


@router.post("/register", dependencies=[Depends(csrf_protect)])
async def register_choose(
    request: Request,
    principal: PublicPage,
    applicant_type: Annotated[str, Form()] = "",
) -> Response:
    if applicant_type not in ("domestic", "overseas"):
        with shown_on(FormPage("public/register_start.html")):
            choice = N_("Choose how you will prove who you are.")
            raise ValidationFailed(field_errors=[FieldError("applicant_type", "required", choice)])
    return redirect(request, f"/register/{applicant_type}")


@router.get("/register/sent", response_class=HTMLResponse)
async def register_sent(request: Request, principal: PublicPage) -> HTMLResponse:
    return render(request, "public/register_sent.html")


@router.get("/register/{applicant_type}", response_class=HTMLResponse)
async def register_form(
    request: Request, applicant_type: Literal["domestic", "overseas"], principal: PublicPage
) -> HTMLResponse:
    return render(request, "public/register.html", {"applicant_type": applicant_type})


@router.post("/register/{applicant_type}", dependencies=[Depends(csrf_protect), _limit])
async def register_submit(
    request: Request,
    applicant_type: Literal["domestic", "overseas"],
    principal: PublicPage,
    session: SessionDep,
) -> Response:
    form = await request.form()
    data: dict[str, object] = {
        k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)
    }
    data["consent_personal_info"] = "consent_personal_info" in form
    data["language"] = language(request)
    model: type[DomesticRegistration | OverseasRegistration] = (
        DomesticRegistration if applicant_type == "domestic" else OverseasRegistration
    )
    context: dict[str, object] = {"applicant_type": applicant_type, "values": _safe_values(data)}
    with shown_on(FormPage("public/register.html", context)):
        # The password rules are reported with every other problem of the page, at once.
        password, email = data.get("password"), data.get("email")
        rules = (
            accounts_service.password_problems(password, email if isinstance(email, str) else "")
            if isinstance(password, str) and password
            else []
        )
        parsed = validate_form(model, data, also=rules)
        await accounts_service.register(session, parsed, channel="web")
    # The same page whether or not the email address or ID number was registered already.
    return redirect(request, "/register/sent")


def _safe_values(data: dict[str, object]) -> dict[str, object]:
    """Values to show again in the form: never the password."""
    return {k: v for k, v in data.items() if k != "password"}


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, principal: PublicPage, next: str = "/account") -> Response:
    if principal is not None:
        return redirect(request, safe_next(next, "/account"))
    return render(request, "public/login.html", {"next": safe_next(next, "/account")})


@router.post("/login", dependencies=[Depends(csrf_protect), _limit])
async def login_submit(
    request: Request,
    principal: PublicPage,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
    totp_code: Annotated[str, Form(max_length=10)] = "",
    next: Annotated[str, Form(max_length=500)] = "/account",
) -> Response:
    context: dict[str, object] = {"next": safe_next(next, "/account"), "values": {"email": email}}
    missing = []
    if not email.strip():
        missing.append(FieldError("email", "required", N_("Enter your email address.")))
    elif has_control_characters(email):
        # Refused here: a NUL byte would reach the database's lookup (an error on PostgreSQL).
        missing.append(FieldError("email", "control_character", ERR_CONTROL))
    if not password:
        missing.append(FieldError("password", "required", N_("Enter your password.")))
    # A wrong password or code keeps its failed-attempt count (preserve_writes).
    with shown_on(FormPage("public/login.html", context)):
        if missing:
            raise ValidationFailed(field_errors=missing)
        issued = await accounts_service.login(
            session, email, password, totp_code or None, kind="web", client=client_address(request)
        )
    rotate_csrf(request)
    default = "/staff" if issued.user.kind == "staff" else "/account"
    response = redirect(request, safe_next(next, default) if next != "/account" else default)
    _set_login_cookie(response, issued.token, issued.user.language)
    return response


@router.post("/logout", dependencies=[Depends(csrf_protect)])
async def logout(request: Request, principal: CurrentUser, session: SessionDep) -> RedirectResponse:
    await accounts_service.logout(session, principal)
    rotate_csrf(request)
    response = redirect(request, "/?signed_out=1")
    # A __Host- cookie is only replaced by one with the same attributes (Secure, Path=/).
    response.delete_cookie(
        session_cookie(), path="/", secure=secure_cookies(), httponly=True, samesite="lax"
    )
    return response


def _posted(form: FormData) -> dict[str, object]:
    return {k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}


def _password_context(**extra: object) -> dict[str, object]:
    return {"password_min_length": get_settings().password_min_length, **extra}


@router.get("/account/password", response_class=HTMLResponse)
async def change_password_form(request: Request, principal: CurrentUser) -> HTMLResponse:
    return render(request, "public/change_password.html", _password_context())


@router.post("/account/password", dependencies=[Depends(csrf_protect), _limit])
async def change_password(
    request: Request, principal: CurrentUser, session: SessionDep
) -> Response:
    data = _posted(await request.form())
    with shown_on(FormPage("public/change_password.html", _password_context())):
        parsed = validate_form(PasswordChange, data)
        issued = await accounts_service.change_password(session, principal, parsed, kind="web")
    # Every login of the account ended, this one too; the browser continues in a new one.
    rotate_csrf(request)
    response = redirect(request, "/account?password_changed=1")
    _set_login_cookie(response, issued.token, issued.user.language)
    return response


@router.get("/forgot-password", response_class=HTMLResponse)
async def forgot_password_form(request: Request, principal: PublicPage) -> HTMLResponse:
    context = {"sent": "sent" in request.query_params}
    return render(
        request,
        "public/forgot_password.html",
        context | {"minutes": get_settings().password_reset_minutes},
    )


@router.post("/forgot-password", dependencies=[Depends(csrf_protect), _limit])
async def forgot_password(request: Request, principal: PublicPage, session: SessionDep) -> Response:
    data = _posted(await request.form())
    context: dict[str, object] = {"values": {"email": data.get("email", "")}}
    with shown_on(FormPage("public/forgot_password.html", context)):
        parsed = validate_form(PasswordResetRequest, data)
        await accounts_service.request_reset(session, parsed)
    # The same answer whether or not an account has the address.
    return redirect(request, "/forgot-password?sent=1")


@router.get("/reset-password", response_class=HTMLResponse)
async def reset_password_form(
    request: Request, principal: PublicPage, token: str = ""
) -> HTMLResponse:
    context = _password_context(token=token[:200], done="done" in request.query_params)
    return render(request, "public/reset_password.html", context)


@router.post("/reset-password", dependencies=[Depends(csrf_protect), _limit])
async def reset_password(request: Request, principal: PublicPage, session: SessionDep) -> Response:
    data = _posted(await request.form())
    context = _password_context(token=str(data.get("token", ""))[:200])
    with shown_on(FormPage("public/reset_password.html", context)):
        parsed = validate_form(PasswordReset, data)
        await accounts_service.reset_password(session, parsed)
    return redirect(request, "/reset-password?done=1")


@router.get("/confirm-email", response_class=HTMLResponse)
async def confirm_email_form(
    request: Request, principal: PublicPage, token: str = ""
) -> HTMLResponse:
    # A button, not the link itself, confirms: mail scanners that open links change nothing.
    context = {"token": token[:200], "done": "done" in request.query_params}
    return render(request, "public/confirm_email.html", context)


@router.post("/confirm-email", dependencies=[Depends(csrf_protect), _limit])
async def confirm_email(request: Request, principal: PublicPage, session: SessionDep) -> Response:
    data = _posted(await request.form())
    token = str(data.get("token", ""))[:200]
    with shown_on(FormPage("public/confirm_email.html", {"token": token})):
        await accounts_service.confirm_email(session, token)
    return redirect(request, "/confirm-email?done=1")
