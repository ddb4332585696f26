# Buurtstem: slim image, non-root, long polling.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY conversations ./conversations
COPY admin ./admin
COPY locales ./locales
RUN pip install --no-cache-dir . \
    && pybabel compile -d locales -D messages \
    && useradd --create-home --uid 10001 buurtstem \
    && mkdir -p /data && chown buurtstem /data
ENV LOCALES_DIR=/app/locales DATABASE_PATH=/data/buurtstem.sqlite3
USER buurtstem
VOLUME ["/data"]
CMD ["python", "-m", "bot", "run"]
