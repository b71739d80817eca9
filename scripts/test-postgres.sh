#!/usr/bin/env bash
# Runs the suite again on PostgreSQL. Without a server it skips with a reason, unless
# LIANXIN_REQUIRE_SERVICES=1 (set by CI), when a missing server is a failure.
set -euo pipefail
url=${PG_TEST_URL:-postgres://postgres@127.0.0.1:5432/lianxin}
if ! $RUN python -c "import sys, psycopg; psycopg.connect(sys.argv[1].rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" "$url" 2>/dev/null; then
  if [ "${LIANXIN_REQUIRE_SERVICES:-}" = "1" ]; then
    echo "PostgreSQL is required but not reachable at $url" >&2
    exit 1
  fi
  echo "SKIPPED: the PostgreSQL run of the suite — no server reachable at $url"
  exit 0
fi
echo "== the suite on PostgreSQL ($url)"
# Arguments (test paths, -k …) narrow the run; without them the whole suite runs.
DATABASE_URL="$url" $RUN pytest -q -p no:cacheprovider -m "not browser" "$@"
