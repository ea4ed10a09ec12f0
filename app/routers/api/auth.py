from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, status

from app.core.access import public_api
from app.core.ratelimit import RateLimit, client_address
from app.db import SessionDep
from app.routers.access import CurrentUser
from app.schemas.accounts import AccountRead, LoginRequest, RefreshRequest, Registration, TokenPair
from app.services import accounts as accounts_service

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
_login_limit = Depends(RateLimit("login", "rate_limit_login"))


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(public_api), _login_limit],
)
async def register(data: Annotated[Registration, Body()], session: SessionDep) -> AccountRead:
    """Registers an applicant (domestic with 居民身份证, or overseas with a passport)."""
    user = await accounts_service.register_applicant(session, data, channel="api")
    return await accounts_service.registered_account(session, user)


@router.post("/login", dependencies=[Depends(public_api), _login_limit])
async def login(request: Request, data: LoginRequest, session: SessionDep) -> TokenPair:
    issued = await accounts_service.login(
        session,
        data.email,
        data.password,
        data.totp_code,
        kind="api",
        client=client_address(request),
    )
    assert issued.refresh_token is not None
    return TokenPair(
        access_token=issued.token, refresh_token=issued.refresh_token, expires_in=issued.expires_in
    )


@router.post("/refresh", dependencies=[Depends(public_api), _login_limit])
async def refresh(data: RefreshRequest, session: SessionDep) -> TokenPair:
    issued = await accounts_service.refresh(session, data.refresh_token)
    assert issued.refresh_token is not None
    return TokenPair(
        access_token=issued.token, refresh_token=issued.refresh_token, expires_in=issued.expires_in
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentUser, session: SessionDep) -> None:
    await accounts_service.logout(session, principal)
