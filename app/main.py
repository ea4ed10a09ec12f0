"""Application factory: routers, middleware, error handlers, database engine."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.config import PROJECT_ROOT, Settings, get_settings
from app.core.bodies import BodyLimitMiddleware
from app.core.logging import configure_logging
from app.core.middleware import PortalMiddleware
from app.core.problems import install_error_handlers
from app.core.proxies import TrustedProxyMiddleware
from app.core.shedding import LoadShedMiddleware
from app.db import make_engine, make_read_engine, make_sessionmaker
from app.routers import ops
from app.routers.api import account as api_account
from app.routers.api import admin as api_admin
from app.routers.api import applications as api_applications
from app.routers.api import auth as api_auth
from app.routers.api import backoffice as api_backoffice
from app.routers.api import case_documents as api_case_documents
from app.routers.api import documents as api_documents
from app.routers.api import eligibility as api_eligibility
from app.routers.api import employer as api_employer
from app.routers.api import grants as api_grants
from app.routers.api import housing as api_housing
from app.routers.api import indicators as api_indicators
from app.routers.api import issued_documents as api_issued_documents
from app.routers.api import messages as api_messages
from app.routers.api import nominations as api_nominations
from app.routers.api import onboarding as api_onboarding
from app.routers.api import onboarding_decisions as api_onboarding_decisions
from app.routers.api import organisations as api_organisations
from app.routers.api import programmes as api_programmes
from app.routers.api import records as api_records
from app.routers.api import rights as api_rights
from app.routers.api import service_cards as api_service_cards
from app.routers.api import service_points as api_service_points
from app.routers.api import settlement as api_settlement
from app.routers.api import staff as api_staff
from app.routers.api import subsidies as api_subsidies
from app.routers.api import supplements as api_supplements
from app.routers.api import talent_register as api_talent_register
from app.routers.api import window as api_window
from app.routers.api import youth_stations as api_youth_stations
from app.routers.web import account as web_account
from app.routers.web import admin as web_admin
from app.routers.web import apply as web_apply
from app.routers.web import auth as web_auth
from app.routers.web import backoffice as web_backoffice
from app.routers.web import employer as web_employer
from app.routers.web import follow_ups as web_follow_ups
from app.routers.web import grants as web_grants
from app.routers.web import housing as web_housing
from app.routers.web import indicators as web_indicators
from app.routers.web import issued_documents as web_issued_documents
from app.routers.web import messages as web_messages
from app.routers.web import my_cases as web_my_cases
from app.routers.web import onboarding as web_onboarding
from app.routers.web import onboarding_decisions as web_onboarding_decisions
from app.routers.web import organisation_staff as web_organisation_staff
from app.routers.web import organisations as web_organisations
from app.routers.web import programme_reviews as web_programme_reviews
from app.routers.web import programmes as web_programmes
from app.routers.web import public as web_public
from app.routers.web import records as web_records
from app.routers.web import rights as web_rights
from app.routers.web import rules as web_rules
from app.routers.web import service_cards as web_service_cards
from app.routers.web import service_points as web_service_points
from app.routers.web import staff as web_staff
from app.routers.web import talent_register as web_talent_register
from app.routers.web import wallet as web_wallet
from app.routers.web import window as web_window
from app.routers.web import youth_stations as web_youth_stations
from app.rules import load_library
from app.services import wiring
from app.tasks.outbox import start_inprocess_worker, stop_inprocess_worker


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    wiring.install()
    engine = make_engine(settings)
    read_engine = make_read_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A bad policy file stops the boot here, and the first visitor does not pay the cold
        # start of parsing every policy.
        load_library()
        # Everything loaded so far (policies, mappers, routes, templates) lives as long as the
        # process: moved out of the collector's generations, it is not traversed again by every
        # full collection that request garbage triggers.
        gc.collect()
        gc.freeze()
        # On the embedded SQLite default the outbox is delivered in-process; on PostgreSQL
        # `talent-portal worker` processes do it (settings decide; see app/tasks/outbox.py).
        await start_inprocess_worker(app)
        try:
            yield
        finally:
            await stop_inprocess_worker(app)
            await engine.dispose()
            if read_engine is not None:
                await read_engine.dispose()

    docs = not settings.is_production
    app = FastAPI(
        title="Talent Services Portal API / 人才服务平台接口",
        version="1",
        lifespan=lifespan,
        docs_url="/api/docs" if docs else None,
        redoc_url=None,
        openapi_url="/api/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    # Read-only pages' sessions (app.db.ReadSessionDep); None: they use the request's own.
    app.state.read_engine = read_engine
    app.state.read_sessionmaker = make_sessionmaker(read_engine) if read_engine else None
    install_error_handlers(app)
    # Innermost first: a request is admitted or shed (only once its body has arrived); the body
    # is read and bounded before any route, dependency or session; PortalMiddleware outside
    # them gives their refusals the language and security headers.
    app.add_middleware(
        LoadShedMiddleware,
        limit=settings.max_concurrent_requests,
        wait_seconds=settings.shed_wait_seconds,
        retry_after=settings.shed_retry_after_seconds,
    )
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(
        PortalMiddleware,
        default_language=settings.default_language,
        hsts=settings.is_production,
    )
    app.add_middleware(TrustedProxyMiddleware, trusted=settings.trusted_proxies)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")
    for router in (
        ops.router,
        api_auth.router,
        api_account.router,
        api_staff.router,
        api_documents.router,
        api_applications.router,
        api_backoffice.router,
        api_case_documents.router,
        api_supplements.router,
        api_admin.router,
        api_eligibility.router,
        api_messages.router,
        api_employer.router,
        api_organisations.router,
        api_housing.router,
        api_service_points.router,
        api_youth_stations.router,
        api_onboarding.router,
        api_onboarding_decisions.router,
        api_service_cards.router,
        api_talent_register.router,
        api_programmes.router,
        api_nominations.router,
        api_indicators.router,
        api_subsidies.router,
        api_grants.router,
        api_settlement.router,
        api_settlement.bundles,
        api_settlement.staff,
        api_settlement.cases,
        api_window.router,
        api_records.router,
        api_rights.router,
        api_rights.staff,
        api_issued_documents.router,
        web_public.router,
        web_auth.router,
        web_account.router,
        web_staff.router,
        web_apply.router,
        web_my_cases.router,
        web_onboarding.router,
        web_onboarding_decisions.router,
        web_messages.router,
        web_wallet.router,
        web_backoffice.router,
        web_window.router,
        web_follow_ups.router,
        web_rules.router,
        web_employer.router,
        web_organisations.router,
        web_organisation_staff.router,
        web_housing.router,
        web_service_points.router,
        web_youth_stations.router,
        web_service_cards.router,
        web_talent_register.router,
        web_programmes.router,
        web_programme_reviews.router,
        web_grants.router,
        web_indicators.router,
        web_admin.router,
        web_records.router,
        web_rights.router,
        web_issued_documents.router,
    ):
        app.include_router(router)
    return app
