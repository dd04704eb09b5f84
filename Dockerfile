# The mock as a container image: `docker build -t relation-mock .` (compose.yaml builds it too).
# It installs this checkout as a wheel would be installed (no editable install, no test extras) and
# serves on 0.0.0.0:4010. Listening beyond loopback, the admin API needs a token: pass
# RELATION_MOCK_ADMIN_TOKEN (without it the mock makes one and prints it once). Pass the state as
# RELATION_MOCK_STATE=postgresql://... (not on the command line, where `ps` would show the password).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml MANIFEST.in README.md ./
COPY mockserver ./mockserver
COPY contracts ./contracts
COPY openapi ./openapi
RUN pip install . && rm -rf /src
WORKDIR /
RUN useradd --system --no-create-home mock
USER mock
EXPOSE 4010
# /__admin/requests needs the token from beyond loopback; the health check runs inside the container.
HEALTHCHECK --interval=5s --timeout=3s --retries=10 CMD \
    python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:4010/api/v1/Relation/default', timeout=2)" \
    || exit 1
ENTRYPOINT ["relation-mock", "--host", "0.0.0.0", "--port", "4010"]
