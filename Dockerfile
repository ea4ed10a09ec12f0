# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /venv
COPY pyproject.toml README.md ./
COPY app ./app
RUN /venv/bin/pip install .

FROM python:3.11-slim
# PYTHONPATH puts the copied source (with templates beside it) ahead of site-packages.
ENV PATH=/venv/bin:$PATH PYTHONPATH=/srv/portal PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    TALENT_ENVIRONMENT=production
# The CJK font written decisions are set in (document_font_path in app/config.py).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home /srv/portal portal
WORKDIR /srv/portal
COPY --from=build /venv /venv
COPY --chown=portal:portal alembic.ini ./
COPY --chown=portal:portal migrations ./migrations
COPY --chown=portal:portal templates ./templates
COPY --chown=portal:portal static ./static
COPY --chown=portal:portal app ./app
RUN mkdir -p var/uploads && chown -R portal:portal var
USER portal
# Parse the policy files once at build time so a new container starts with the cache filled.
ENV TALENT_RULES_CACHE_DIR=/srv/portal/var/rules-cache
RUN python -m app.rules warm-cache
EXPOSE 8000
# Secrets come from the environment (TALENT_SECRET_KEY, TALENT_DATA_KEY, ...); the app refuses
# to start in production with the development defaults.
CMD ["sh", "-c", "talent-portal migrate && exec talent-portal serve --host 0.0.0.0 --port 8000 --workers ${WORKERS:-2}"]
