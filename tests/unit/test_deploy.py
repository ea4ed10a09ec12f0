"""deploy/: the compose file parses, names only settings the portal has, and those settings
pass the portal's own production checks; nginx is the one trusted proxy; every long-running
service has a health check; the connection budget fits PostgreSQL. (``docker compose config``
checks the compose schema where docker is installed; this checks what it cannot.)"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.clients.settings import NotificationSettings
from app.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"

# What an operator puts in deploy/.env (see deploy/.env.example).
OPERATOR_ENV = {
    "POSTGRES_PASSWORD": "pg-password-from-the-vault",
    "TALENT_SECRET_KEY": "s" * 48,
    "TALENT_DATA_KEY": "cHJvZHVjdGlvbi1kYXRhLWtleS0zMi1ieXRlcy0wMDA=",
    "TALENT_BLIND_INDEX_KEY": "production-blind-index-key-0123456789",
    "TALENT_BASE_URL": "https://talent.example.gov.cn",
    "TALENT_SMTP_HOST": "smtp.example.gov.cn",
    "TALENT_SMTP_FROM": "noreply@talent.example.gov.cn",
    "TALENT_VERIFICATION_IDENTITY_URL": "https://gateway.example.gov.cn/identity/v1",
    "TALENT_VERIFICATION_SOCIAL_INSURANCE_URL": "https://gateway.example.gov.cn/si/v1",
    "TALENT_VERIFICATION_DEGREES_URL": "https://gateway.example.gov.cn/degrees/v1",
    "TALENT_VERIFICATION_HUKOU_URL": "https://gateway.example.gov.cn/hukou/v1",
    "MINIO_ROOT_USER": "portal",
    "MINIO_ROOT_PASSWORD": "minio-password-from-the-vault",
}

_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}; $$ is a literal $."""

    def value(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    parts = text.split("$$")
    return "$".join(_VARIABLE.sub(value, part) for part in parts)


def _interpolated(node: Any, env: dict[str, str]) -> Any:
    # Like compose: the YAML is parsed first and its values are interpolated (not comments).
    if isinstance(node, dict):
        return {k: _interpolated(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [_interpolated(v, env) for v in node]
    return interpolate(node, env) if isinstance(node, str) else node


def compose(env: dict[str, str] | None = None) -> dict[str, Any]:
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    loaded = _interpolated(yaml.safe_load(text), OPERATOR_ENV if env is None else env)
    assert isinstance(loaded, dict)
    return loaded


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]  # type: ignore[no-any-return]


def portal_env(service: str = "app") -> dict[str, str]:
    return {k: str(v) for k, v in services()[service]["environment"].items()}


def test_a_required_secret_left_unset_stops_compose() -> None:
    with pytest.raises(KeyError, match="TALENT_SECRET_KEY"):
        compose({k: v for k, v in OPERATOR_ENV.items() if k != "TALENT_SECRET_KEY"})


def test_the_services() -> None:
    assert {"nginx", "migrate", "app", "worker", "postgres", "redis", "minio"} <= set(services())
    assert services()["postgres-replica"]["profiles"] == ["replica"]
    assert int(services()["app"]["deploy"]["replicas"]) >= 2
    # Only nginx is published.
    assert [name for name, s in services().items() if s.get("ports")] == ["nginx"]


def test_every_portal_setting_exists_and_passes_the_production_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    known = {f"TALENT_{name.upper()}" for name in Settings.model_fields} | {
        f"TALENT_{name.upper()}" for name in NotificationSettings.model_fields
    }
    for service in ("app", "worker", "migrate"):
        env = portal_env(service)
        unknown = {k for k in env if k.startswith("TALENT_")} - known
        assert not unknown, f"{service}: settings the portal does not have: {unknown}"
    env = portal_env("app")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    notifications = NotificationSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.is_production and not settings.is_sqlite
    assert settings.database_read_url is None  # empty: the primary serves the read pages
    assert settings.log_dir is None  # stderr only, collected by the runtime
    assert settings.rate_limit_storage.startswith("redis://redis:")
    assert notifications.notify_email_transport == "smtp"


def test_nginx_is_the_one_trusted_proxy() -> None:
    nginx = services()["nginx"]
    address = ipaddress.ip_address(nginx["networks"]["back"]["ipv4_address"])
    subnet = ipaddress.ip_network(compose()["networks"]["back"]["ipam"]["config"][0]["subnet"])
    assert address in subnet
    trusted = [ipaddress.ip_network(t) for t in portal_env()["TALENT_TRUSTED_PROXIES"].split(",")]
    assert trusted == [ipaddress.ip_network(f"{address}/32")]
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    # nginx overwrites the header, so a client cannot put an address of its choosing in it.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf


def test_health_checks_and_start_order() -> None:
    found = services()
    one_shot = {"migrate", "minio-init"}  # run once and exit: nothing to check the health of
    for name, service in found.items():
        if name not in one_shot:
            assert "healthcheck" in service, f"{name} has no health check"
        for other, when in (service.get("depends_on") or {}).items():
            condition = when["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in found[other], (name, other)
            else:
                assert other in one_shot and condition == "service_completed_successfully"
    # Migrations run once; several app containers migrating at start would race.
    assert "migrate" not in " ".join(found["app"]["command"])
    assert "/readyz" in " ".join(found["app"]["healthcheck"]["test"])
    # The app stores documents in the bucket the one-shot makes.
    assert found["app"]["environment"]["TALENT_STORAGE"] == "s3"
    assert found["app"]["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert "/nginx-health" in " ".join(found["nginx"]["healthcheck"]["test"])
    assert "location = /nginx-health" in conf


def test_nginx_sends_to_the_app_port_and_takes_the_largest_upload() -> None:
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    command = " ".join(services()["app"]["command"])
    port = re.search(r"--port (\d+)", command)
    assert port and f"server app:{port[1]}" in conf
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size and int(size[1]) * 1024 * 1024 > Settings().upload_max_bytes


def test_the_connection_budget_fits_postgresql() -> None:
    found = services()
    app = found["app"]
    replicas = int(app["deploy"]["replicas"])
    workers = int(app["environment"]["APP_WORKERS"])
    pool = int(portal_env()["TALENT_DB_POOL_SIZE"])
    command = found["postgres"]["command"]
    max_connections = int(
        next(c.split("=", 1)[1] for c in command if c.startswith("max_connections="))
    )
    # Each uvicorn worker may hold its pool plus as many overflow connections; the worker
    # process holds a few (its engine and procrastinate's); leave room for psql and backups.
    needed = replicas * workers * 2 * pool + int(found["worker"]["deploy"]["replicas"]) * 16
    assert needed + 10 <= max_connections, (needed, max_connections)
