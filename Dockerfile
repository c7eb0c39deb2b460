# The MACE bot for real deployments (docs/deploy.md).
#
#   docker build -t mace-bot:0.1.0 .
#   docker run --rm mace-bot:0.1.0 --help
#
# `mace-bot serve --host 0.0.0.0` refuses to start while APP_ID is empty: without Bot
# Framework authentication anyone could post to it. Give the container APP_ID,
# APP_PASSWORD, APP_TENANTID, DATABASE_URL and MACE_DATA_KEYS (from Key Vault in Azure).
#
# Two stages: the builder turns the project and every dependency into wheels and installs
# them (from those wheels only) into /opt/mace; the runtime image gets that folder and
# nothing else from the builder, so no compiler, pip cache or source tree reaches it.

ARG PYTHON_IMAGE=python:3.11-slim-trixie

# ---------------------------------------------------------------------------- builder
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

# A compiler, only here, for any dependency without a wheel for the target platform; and
# Debian's Node.js and npm, only here, to build the pages' scripts from their lock file.
# Not pinned: Debian's security updates should reach every build (same below).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY dialogs ./dialogs
COPY cards ./cards

# The pages' scripts (Teams JS library, Cytoscape.js) into bot/web/static/dist, from
# bot/web/assets/package-lock.json: the wheel carries them, so the bot serves them itself
# (no CDN). node_modules stays in this stage.
RUN npm ci --prefix bot/web/assets --no-audit --no-fund \
    && node bot/web/assets/build.mjs \
    && rm -rf bot/web/assets/node_modules bot/web/assets/axe.min.js

RUN python -m pip wheel --wheel-dir /wheels . \
    && python -m venv --without-pip /opt/mace \
    && python -m pip --python /opt/mace/bin/python install --no-index --find-links /wheels mace-bot \
    && /opt/mace/bin/python -m compileall -q /opt/mace/lib

# ---------------------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="mace-bot" \
      org.opencontainers.image.description="Microsoft Teams bot for MACE locality meetings" \
      org.opencontainers.image.licenses="Proprietary"

# PostgreSQL client tools, for `mace-bot backup`/`restore` and the db-setup job (psql).
# No compilers, no build headers.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged user: uid/gid 10001, no login shell, home = the data folder.
RUN groupadd --system --gid 10001 mace \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/mace \
        --no-create-home --shell /usr/sbin/nologin mace \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/mace

COPY --from=builder /opt/mace /opt/mace
COPY infra/postgres/app-role.sql infra/azure/app-role-password.sql infra/azure/db-setup.sh \
     /opt/mace/share/

ENV PATH=/opt/mace/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MACE_DATA_DIR=/var/lib/mace \
    HOME=/var/lib/mace \
    PGSSLMODE=verify-full \
    PGSSLROOTCERT=/etc/ssl/certs/ca-certificates.crt

# Bot Framework messages and downloads; Prometheus metrics (keep this one internal).
EXPOSE 3978 9464

VOLUME ["/var/lib/mace"]
WORKDIR /var/lib/mace
USER 10001:10001

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3978'), timeout=4)"]

ENTRYPOINT ["mace-bot"]
CMD ["serve", "--host", "0.0.0.0"]
