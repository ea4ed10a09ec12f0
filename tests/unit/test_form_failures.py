"""The one path a failed form post takes: the error goes on to the request scope, which undoes
the work (or keeps it for ``preserve_writes``) before the page reads what it lists again."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from app.core.forms import FormPage, PageError, shown_on
from app.db import get_session
from app.errors import AppError, Conflict, InvalidCredentials, NotFound, ValidationFailed


class _Session:
    """Records what the request scope does with the session, in order."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def commit(self) -> None:
        self.log.append("commit")

    async def rollback(self) -> None:
        self.log.append("rollback")

    async def __aenter__(self) -> _Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.log.append("close")


def _request(log: list[str]) -> Any:
    return SimpleNamespace(
        app=SimpleNamespace(state=SimpleNamespace(sessionmaker=lambda: _Session(log)))
    )


async def _fail_in_scope(log: list[str], exc: BaseException) -> None:
    scope = get_session(_request(log))
    await scope.__anext__()
    with pytest.raises(type(exc)):
        await scope.athrow(exc)


def _page(log: list[str]) -> FormPage:
    async def context() -> dict[str, Any]:
        log.append("read page")
        return {"items": ["after the rollback"]}

    return FormPage("some/form.html", context)


class TestShownOn:
    def test_an_app_error_goes_on_as_the_page_error_of_the_same_status(self) -> None:
        page = FormPage("some/form.html", {"values": {"a": "1"}})
        with pytest.raises(PageError) as caught, shown_on(page):
            raise Conflict("taken")
        err = caught.value
        assert (err.status_code, err.code, err.detail) == (409, "conflict", "taken")
        assert isinstance(err.error, Conflict) and err.page is page
        assert err.context == {"values": {"a": "1"}}  # nothing to read

    def test_preserve_writes_is_the_wrapped_errors(self) -> None:
        with pytest.raises(PageError) as caught, shown_on(FormPage("some/form.html")):
            raise InvalidCredentials()
        assert caught.value.preserve_writes is True and caught.value.status_code == 401

    def test_the_page_can_depend_on_the_error(self) -> None:
        def chosen(exc: AppError) -> FormPage:
            return FormPage("some/form.html", {"missing": True}, status_code=200)

        with pytest.raises(PageError) as caught, shown_on(chosen):
            raise NotFound()
        assert caught.value.page.status_code == 200

    def test_other_exceptions_and_page_errors_pass_unchanged(self) -> None:
        inner = PageError(ValidationFailed(), FormPage("inner.html"))
        with pytest.raises(PageError) as caught, shown_on(FormPage("outer.html")):
            raise inner
        assert caught.value is inner
        with pytest.raises(KeyError), shown_on(FormPage("outer.html")):
            raise KeyError("x")


class TestRequestScope:
    async def test_a_page_reads_after_the_failed_work_is_rolled_back(self) -> None:
        log: list[str] = []
        exc = PageError(Conflict(), _page(log))
        await _fail_in_scope(log, exc)
        assert log == ["rollback", "read page", "commit", "close"]
        assert exc.context == {"items": ["after the rollback"]}

    async def test_preserve_writes_commits_the_failed_work_before_the_page_reads(self) -> None:
        log: list[str] = []
        await _fail_in_scope(log, PageError(InvalidCredentials(), _page(log)))
        assert log == ["commit", "read page", "commit", "close"]

    async def test_a_failing_page_read_is_rolled_back_too(self) -> None:
        log: list[str] = []

        async def broken() -> dict[str, Any]:
            log.append("read page")
            raise NotFound()

        scope = get_session(_request(log))
        await scope.__anext__()
        with pytest.raises(NotFound):
            await scope.athrow(PageError(Conflict(), FormPage("some/form.html", broken)))
        assert log == ["rollback", "read page", "rollback", "close"]

    async def test_other_errors_roll_back_and_success_commits(self) -> None:
        log: list[str] = []
        await _fail_in_scope(log, RuntimeError("boom"))
        assert log == ["rollback", "close"]
        log.clear()
        scope = get_session(_request(log))
        await scope.__anext__()
        with pytest.raises(StopAsyncIteration):
            await scope.__anext__()
        assert log == ["commit", "close"]
