# Silta: a small image that runs `silta run` as a non-root user.
# Build: docker build -t silta .    Run: docker run --env-file .env -v silta-data:/data silta

FROM python:3.11-slim AS build
WORKDIR /app
RUN python -m venv /venv
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
RUN /venv/bin/pip install --no-cache-dir --upgrade pip \
    && /venv/bin/pip install --no-cache-dir .
COPY locales ./locales
COPY flows ./flows
COPY babel.cfg ./
# Compiled catalogs ship in the image (in git only the .po sources are kept).
RUN LOCALES_DIR=/app/locales /venv/bin/silta i18n compile

FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LOCALES_DIR=/app/locales \
    FLOWS_DIR=/app/flows \
    CACHE_DIR=/data/cache \
    DATABASE_URL=sqlite+aiosqlite:////data/silta.db
RUN useradd --create-home --uid 10001 silta && mkdir /data && chown silta /data
COPY --from=build /venv /venv
COPY --from=build /app/locales /app/locales
COPY --from=build /app/flows /app/flows
USER silta
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["silta"]
CMD ["run"]
