#!/usr/bin/env bash
# Serves an existing database: gunicorn for the web, one Huey consumer beside it.
# The access log leaves out the client address: anonymous appeals must not be traceable to one.
set -euo pipefail
export SECURE_COOKIES=${SECURE_COOKIES:-0}
$RUN python manage.py run_huey --quiet &
consumer=$!
trap 'kill $consumer 2>/dev/null || true' EXIT INT TERM
echo "Lianxin is serving on http://$HOST:$PORT/ (Ctrl-C stops it)"
$RUN gunicorn lianxin.wsgi --bind "$HOST:$PORT" --workers "${WEB_WORKERS:-2}" --threads 4 \
  --access-logfile - --access-logformat '%(t)s "%(r)s" %(s)s %(b)s' --log-level warning
