FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev
COPY . .
# Static files are collected under the settings the image serves with (DEBUG off): that
# writes whitenoise's manifest, without which every page answers 500 ("Missing
# staticfiles manifest entry"). The keys below exist for this one command and are not
# kept in the image; the running container gets real ones from its environment.
# .ci/serve_check.py runs the same steps without Docker in CI.
RUN SECRET_KEY="collectstatic-only-$(python -c 'import secrets; print(secrets.token_urlsafe(32))')" \
    FERNET_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    python manage.py collectstatic --noinput \
    && useradd --system --home-dir /app doorsync \
    && chown -R doorsync /app/var
USER doorsync
EXPOSE 8000
CMD ["gunicorn", "doorsync.wsgi", "-b", "0.0.0.0:8000"]
