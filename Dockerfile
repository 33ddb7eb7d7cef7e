# Production image: gunicorn serving afrelations, static files through whitenoise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=afrelations.settings.prod
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs a key to import the settings; this one is never used to sign anything.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --system --home /app afrelations
USER afrelations

EXPOSE 8000
# Threaded workers: a long CSV export (100,000 events stream for about a minute) runs in a thread
# while the worker keeps answering gunicorn's heartbeat, so it is not killed at the timeout.
CMD ["gunicorn", "afrelations.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "4", "--access-logfile", "-"]
