#!/usr/bin/env bash
# Serves an existing database: gunicorn for the web, one Huey consumer beside it.
# The access log leaves out the client address and the user agent for every request: anonymous appeals must
# not be traceable to one. The paths that may carry or follow an anonymous appeal are /appeals/new/ (the
# employee may choose anonymity there), /appeals/anonymous/, /appeals/receipt/..., POST /api/v1/appeals,
# /api/v1/receipts/... and /static/ (the anonymous form's files); README.md shows the same for nginx.
set -euo pipefail
export SECURE_COOKIES=${SECURE_COOKIES:-0}
$RUN python manage.py run_huey --quiet &
consumer=$!
trap 'kill $consumer 2>/dev/null || true' EXIT INT TERM
echo "Lianxin is serving on http://$HOST:$PORT/ (Ctrl-C stops it)"
$RUN gunicorn lianxin.wsgi --bind "$HOST:$PORT" --workers "${WEB_WORKERS:-2}" --threads 4 \
  --access-logfile - --access-logformat '%(t)s "%(r)s" %(s)s %(b)s' --log-level warning
