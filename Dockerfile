# syntax=docker/dockerfile:1
# Programme Talks, ready for production: the app on waitress, as a user without privileges, checked by /healthz.
# `docker compose up` runs it with PostgreSQL (compose.yaml); README: Production with containers.
FROM python:3.11-slim

# WeasyPrint draws the quarterly report's PDF with Pango, and needs a font; nothing else needs system libraries
# (psycopg, matplotlib and the rest install as wheels).
RUN apt-get update \
    && apt-get install --yes --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --user-group --uid 10001 --create-home --home-dir /home/programme-talks \
    --shell /usr/sbin/nologin programme-talks \
    && install --directory --owner=programme-talks --group=programme-talks /data
# /data is the user's, for a SQLite file on a volume (one replica): DATABASE_URL=sqlite:////data/talks.sqlite3

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/programme-talks \
    PATH=/opt/programme-talks/bin:$PATH

# The app, installed (not run from its source) into a virtual environment of its own.
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY domain ./domain
COPY handlers ./handlers
COPY storage ./storage
RUN python -m venv "$VIRTUAL_ENV" && pip install . && rm -rf /src

COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/programme-talks-entrypoint

USER programme-talks
WORKDIR /home/programme-talks
EXPOSE 3000
# Liveness: /healthz answers 200 while the server answers at all (urlopen raises on no answer, or on a 5xx).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
# Checks the variables a container needs, then runs programme-talks with these arguments (default:
# `serve --migrate`; give `scheduler`, `run-due` or `migrate` instead to run those).
ENTRYPOINT ["programme-talks-entrypoint"]
CMD ["serve", "--migrate"]
