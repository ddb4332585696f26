# Buurtstem: slim image, non-root, long polling.
FROM python:3.11-slim
# FriBiDi: Pillow shapes the Arabic line of the QR poster with libraqm + FriBiDi.
RUN apt-get update && apt-get install -y --no-install-recommends libfribidi0 && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml setup.py MANIFEST.in README.md babel.cfg ./
COPY bot ./bot
COPY conversations ./conversations
COPY admin ./admin
COPY locales ./locales
# The build hook (setup.py) compiles locales/*.po into the installed package.
RUN pip install --no-cache-dir . \
    && (cd /tmp && python -c "import bot.i18n as i; i.check_catalogues()") \
    && useradd --create-home --uid 10001 buurtstem \
    && mkdir -p /data && chown buurtstem /data
ENV DATABASE_PATH=/data/buurtstem.sqlite3
USER buurtstem
VOLUME ["/data"]
# Only used with WEBHOOK_URL (then also set WEBHOOK_LISTEN=0.0.0.0).
EXPOSE 8443
CMD ["python", "-m", "bot", "run"]
