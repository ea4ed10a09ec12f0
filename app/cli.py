"""``talent-portal``: serve, migrate, load demo data, create staff, verify the audit chain,
back up and restore."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import pyotp
import typer
import uvicorn
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import backup as backups
from app.config import Settings, get_settings
from app.core import logging as portal_logging
from app.core.http_protocol import BoundedHttpToolsProtocol
from app.db import make_engine, make_sessionmaker
from app.errors import AppError, ValidationFailed
from app.i18n import gettext
from app.migrate import upgrade
from app.security.totp import provisioning_uri
from app.services import wiring
from app.services.accounts import staff as staff_service
from app.services.audit import verify_chain
from app.services.calendar import sync_from_package
from app.services.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, load_demo
from app.services.eligibility import qualifying
from app.services.eligibility.reevaluation import ReevaluationReport, reevaluate
from app.services.issued_documents import issuing
from app.tasks.outbox import run_worker

cli = typer.Typer(
    help="Talent services portal / 人才服务平台",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
audit_cli = typer.Typer(help="Audit log")
cli.add_typer(audit_cli, name="audit")
rules_cli = typer.Typer(help="Eligibility rules")
cli.add_typer(rules_cli, name="rules")
console = Console()
T = TypeVar("T")


def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = make_engine(get_settings())
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _with_sessionmaker(work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    """For work that opens its own transactions, one per unit (the worker's kind)."""

    async def run() -> T:
        engine = make_engine(get_settings())
        try:
            return await work(make_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _issue_all(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    added = await issuing.backfill(sessionmaker)
    rendered = 0
    while done := await issuing.render_pending(sessionmaker):
        rendered += done
    return added, rendered


@cli.command("issue-documents")
def issue_documents() -> None:
    """Written decisions for decisions made before the portal issued them (idempotent), then
    render every one still waiting (the worker would, a few at a time)."""
    added, rendered = _with_sessionmaker(_issue_all)
    console.print(f"[green]{added} written decisions issued, {rendered} rendered[/green]")


@cli.command()
def migrate() -> None:
    """Upgrade the database to the newest schema (Alembic)."""
    upgrade(get_settings().sync_database_url)
    added = _in_transaction(sync_from_package)
    console.print(f"[green]database at head[/green]; {added} calendar days added")


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="Use 1 on SQLite; several on PostgreSQL")] = 1,
    reload: bool = False,
) -> None:
    """Serve the portal with uvicorn (httptools, uvloop)."""
    # uvicorn's own loggers propagate to our JSON handler rather than printing plain text.
    portal_logging.configure_logging(get_settings().log_level)
    uvicorn.run(
        "app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        # httptools with the request head bounded in size and time (app/core/http_protocol.py).
        http=BoundedHttpToolsProtocol,
        # X-Forwarded-For is read by the app, and only from TALENT_TRUSTED_PROXIES
        # (app/core/proxies.py); uvicorn's own reading trusts 127.0.0.1 by default.
        proxy_headers=False,
        limit_concurrency=1000,
        timeout_keep_alive=5,
        log_config=None,
        access_log=False,
    )


@cli.command()
def worker() -> None:
    """Deliver notifications from the outbox (procrastinate on PostgreSQL; a loop on SQLite)."""
    run_worker()


@cli.command()
def demo() -> None:
    """Load demo data (idempotent). Refused in production."""
    if get_settings().is_production:
        console.print("[red]refusing to load demo data in production[/red]")
        raise typer.Exit(2)
    summary = _in_transaction(load_demo)
    # The demo's decided cases get their written decisions; the worker of `make run` renders
    # them (or the first download does).
    _with_sessionmaker(issuing.backfill)
    table = Table(title="Demo accounts / 演示账号 (password: " + DEMO_PASSWORD + ")")
    table.add_column("email")
    table.add_column("kind / roles")
    for email, roles in summary.staff:
        table.add_row(email, "staff: " + roles)
    for email in summary.employers:
        table.add_row(email, "employer")
    for email in summary.applicants:
        table.add_row(email, "applicant")
    console.print(table)
    console.print(
        f"Staff TOTP secret / 工作人员动态口令密钥: {DEMO_TOTP_SECRET} "
        "(`talent-portal totp` prints the current code)"
    )


@cli.command()
def totp(secret: Annotated[str, typer.Argument()] = "") -> None:
    """Print the current TOTP code (default: the demo staff secret). Not in production."""
    if get_settings().is_production:
        raise typer.Exit(2)
    console.print(pyotp.TOTP(secret or DEMO_TOTP_SECRET).now())


@cli.command("create-staff")
def create_staff(
    email: str,
    full_name: str,
    district: Annotated[str, typer.Option(help="yangpu | changning")],
    department: Annotated[str, typer.Option(help="e.g. hr_bureau, housing, service_center")],
    role: Annotated[list[str], typer.Option(help="repeat for several roles")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create a staff account and print its TOTP enrolment URI once."""

    async def work(session: AsyncSession) -> tuple[str, str]:
        created = await staff_service.create_staff(
            session,
            email=email,
            password=password,
            full_name=full_name,
            district=district,
            department=department,
            roles=role,
        )
        return created.user.email, created.totp_secret

    try:
        created_email, secret = _in_transaction(work)
    except ValidationFailed as exc:
        for fe in exc.field_errors:
            console.print(f"[red]{fe.field}[/red]: {gettext('en', fe.message, fe.params)}")
        raise typer.Exit(1) from exc
    console.print(f"created {created_email}")
    console.print("TOTP enrolment URI (show once, as a QR code):")
    console.print(provisioning_uri(secret, created_email))


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain end to end."""
    report = _in_transaction(verify_chain)
    if report.ok:
        console.print(f"[green]audit chain intact: {report.entries} entries[/green]")
    elif report.missing_after is not None:
        console.print(
            f"[red]audit log cut short: {report.entries} entries, the chain head names "
            f"{report.missing_after}; entries from {report.first_bad_seq} on are missing[/red]"
        )
        raise typer.Exit(1)
    else:
        console.print(f"[red]audit chain broken at entry {report.first_bad_seq}[/red]")
        raise typer.Exit(1)


def _overridden(database_url: str | None, upload_dir: Path | None) -> Settings:
    settings = get_settings()
    changes: dict[str, object] = {}
    if database_url:
        changes["database_url"] = database_url
    if upload_dir:
        changes["upload_dir"] = upload_dir
    return settings.model_copy(update=changes)


@cli.command("backup")
def backup_command(
    destination: Annotated[Path, typer.Argument(help="Folder the backup directory is made in")],
    database_url: Annotated[str | None, typer.Option(help="Default: TALENT_DATABASE_URL")] = None,
    upload_dir: Annotated[Path | None, typer.Option(help="Default: TALENT_UPLOAD_DIR")] = None,
) -> None:
    """Back up the database (pg_dump custom format, or SQLite's online backup) and the document
    store, with a manifest of SHA-256 checksums and row counts."""
    try:
        report = backups.backup(_overridden(database_url, upload_dir), destination)
    except backups.BackupError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    for line in report.lines():
        console.print(line)


@cli.command("restore")
def restore_command(
    directory: Annotated[Path, typer.Argument(help="A talent-backup-... directory")],
    database_url: Annotated[str | None, typer.Option(help="Default: TALENT_DATABASE_URL")] = None,
    upload_dir: Annotated[Path | None, typer.Option(help="Default: TALENT_UPLOAD_DIR")] = None,
    force: Annotated[bool, typer.Option(help="Restore over a database or folder in use")] = False,
) -> None:
    """Restore a backup into an empty database and upload folder. Refuses a backup whose files
    do not match its manifest; afterwards proves the row counts and the audit chain."""
    try:
        settings = _overridden(database_url, upload_dir)
        report = backups.restore(settings, directory, force=force)
        report = asyncio.run(backups.verify_restored(settings, report))
    except backups.BackupError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    for line in report.lines():
        console.print(line)


@rules_cli.command("reevaluate")
def rules_reevaluate(
    policy_id: str,
    old_version: str,
    new_version: str,
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default today")] = None,
    notify: Annotated[
        bool,
        typer.Option(
            help="Tell consenting people who newly qualify under the new version (in force on "
            "the day checked); once per person and version, so a rerun sends nothing twice"
        ),
    ] = False,
) -> None:
    """Re-check stored profiles and open applications against a new policy version and list
    exactly whose status changes; with --notify, tell those who newly qualify."""
    when = date.fromisoformat(as_of) if as_of else None
    with Progress(console=console) as bar:
        task = bar.add_task("re-evaluating", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        async def work(session: AsyncSession) -> tuple[ReevaluationReport, int | None]:
            found = await reevaluate(
                session, policy_id, old_version, new_version, as_of=when, progress=progress
            )
            told = await qualifying.notify_after_reevaluation(session, found) if notify else None
            return found, told

        try:
            report, told = _in_transaction(work)
        except AppError as exc:
            console.print(f"[red]{gettext('en', exc.detail or exc.title, exc.params)}[/red]")
            raise typer.Exit(1) from exc
    table = Table(title=f"{policy_id}: {old_version} → {new_version} at {report.as_of}")
    for col in ("subject", "id", "case", "before", "after"):
        # An operator copies the id: it is never cut, whatever the terminal's width.
        table.add_column(col, no_wrap=col != "subject", min_width=36 if col == "id" else None)
    for c in report.changes:
        table.add_row(
            c.subject, str(c.subject_id), c.case_number or "", str(c.old_status), str(c.new_status)
        )
    console.print(table)
    console.print(
        f"checked {report.checked}, skipped {report.skipped_invalid} with invalid facts, "
        f"{len(report.changes)} status changes"
    )
    if told is not None:
        console.print(f"{told} notices of newly qualifying sent (consenting people, first time)")


def main() -> None:
    wiring.install()
    cli()


if __name__ == "__main__":
    main()
