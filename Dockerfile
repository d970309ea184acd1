# LovedCRM Pipeline: one container, embedded SQLite in the /data volume unless DATABASE_URL is set.
#   docker build -t lovedcrm-pipeline .
#   docker run -p 8080:8080 -v lovedcrm-data:/data lovedcrm-pipeline
# Demo mode (sample organization, two users with a published password, printed at start; never for real data):
#   docker run -p 8080:8080 -e LOVEDCRM_DEMO=1 lovedcrm-pipeline
# Admin commands (create-user, reset-password, backup, …; README.md) in a running container:
#   docker exec -it <container> python -m lovedcrm_ui --help
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN groupadd --system --gid 10001 lovedcrm \
    && useradd --system --uid 10001 --gid lovedcrm --create-home --home-dir /home/lovedcrm \
        --shell /usr/sbin/nologin lovedcrm

WORKDIR /app

# Dependencies in their own layer, rebuilt only when pyproject.toml or the lock changes (tomllib: Python 3.11+),
# at the versions of requirements.lock (the ones CI tested).
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -c requirements.lock -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The application, owned by root and read-only for the app user. Installed in place (editable) so
# that there is one copy of the code and lovedcrm_ui/migrate.py finds migrations/ beside it.
COPY . .
RUN pip install --no-deps -e . \
    && mkdir -p /data \
    && chown lovedcrm:lovedcrm /data

# Database, generated secrets and NiceGUI's storage all live in the volume; /app stays read-only.
ENV LOVEDCRM_DATA_DIR=/data \
    NICEGUI_STORAGE_PATH=/data/.nicegui \
    HOST=0.0.0.0 \
    PORT=8080
VOLUME ["/data"]
EXPOSE 8080

# numeric, so that orchestrators can verify it is not root (runAsNonRoot)
USER 10001:10001

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=4)"]

CMD ["python", "main.py"]
