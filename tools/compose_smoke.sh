#!/usr/bin/env bash
# The compose stack from this checkout, end to end: build, `up -d` with two processing workers, wait until
# every service is healthy, send a B2 over OpenRosa (HEAD then POST, Digest, through the TLS proxy, checking
# its certificate), wait until a worker has processed it and the round report counts it, publish a version of
# the report, check beat has sent a task; then back up, `down -v`, bring the stack up fresh, restore, and get
# the same report JSON and the same published-file hashes; then `down -v`. Where no image registry answers, the base images are built from Debian packages first
# (tools/compose_images.sh; kept between runs). Called by .ci/run; needs root (or the docker group).
#
# Works with `docker compose` (v2) and Debian's docker-compose 1.29 (BMA_COMPOSE overrides the choice).
# It runs as its own compose project (bma-smoke) on 127.0.0.1 ports 18080/18443 with a throwaway .env,
# so it touches neither a stack of yours nor your .env. Timings go to stderr, prefixed "compose_smoke:".
# BMA_SMOKE_PLAIN_HTTP=1 checks the closed-network mode instead (BMA_PLAIN_HTTP=1: plain HTTP, Digest).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

DOCKER="${DOCKER:-$(command -v /usr/bin/docker || command -v docker)}"
export DOCKER
PROJECT="${BMA_SMOKE_PROJECT:-bma-smoke}"
HTTP_PORT="${BMA_SMOKE_HTTP_PORT:-18080}"
HTTPS_PORT="${BMA_SMOKE_HTTPS_PORT:-18443}"
HOST_NAME=bma.smoke.test   # in ALLOWED_HOSTS alone: the health checks must pass without 127.0.0.1 there
PLAIN="${BMA_SMOKE_PLAIN_HTTP:-0}"
START=$(date +%s)
log() { echo "compose_smoke: [$(($(date +%s) - START))s] $*" >&2; }
fail() { log "FAILED: $*"; dump_logs; exit 1; }

if [ -n "${BMA_COMPOSE:-}" ]; then
  read -r -a COMPOSE <<<"$BMA_COMPOSE"
elif command -v docker-compose >/dev/null; then
  COMPOSE=(docker-compose)
elif "$DOCKER" compose version >/dev/null 2>&1; then
  COMPOSE=("$DOCKER" compose)
else
  echo "compose_smoke: neither docker-compose nor the docker compose plugin is installed" >&2
  exit 1
fi
"$DOCKER" info >/dev/null 2>&1 || { echo "compose_smoke: the Docker daemon does not answer ($DOCKER info)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/bma-smoke.XXXXXX)"
ENV_FILE="$WORK/env"
compose() { "${COMPOSE[@]}" --project-name "$PROJECT" --env-file "$ENV_FILE" -f "$ROOT/docker-compose.yml" "$@"; }
dump_logs() {
  [ -s "$ENV_FILE" ] || return 0
  log "service states and the last log lines:"
  compose ps >&2 || true
  compose logs --tail=40 >&2 || true
}
cleanup() {
  local rc=$?
  if [ -s "$ENV_FILE" ] && [ -z "${BMA_SMOKE_KEEP:-}" ]; then
    compose down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT

# --- Images: the public ones if a registry answers, else built here from Debian packages.
: > "$ENV_FILE"
if [ -z "${BMA_SMOKE_PUBLIC_IMAGES:-}" ] && ! "$DOCKER" pull -q postgres:15 >/dev/null 2>&1; then
  log "no image registry answers: base images from Debian packages (tools/compose_images.sh)"
  bash tools/compose_images.sh >> "$ENV_FILE"
  log "base images ready"
fi
random_secret() { head -c 48 /dev/urandom | base64 | tr -d '/+=\n'; }
cat >> "$ENV_FILE" <<EOF
SECRET_KEY=$(random_secret)
POSTGRES_PASSWORD=$(random_secret)
REDIS_PASSWORD=$(random_secret)
BMA_BACKUP_DIR=$WORK/backups
ALLOWED_HOSTS=$HOST_NAME
CSRF_TRUSTED_ORIGINS=https://$HOST_NAME:$HTTPS_PORT
BMA_SERVER_NAME=$HOST_NAME
BMA_BIND_ADDRESS=127.0.0.1
BMA_HTTP_PORT=$HTTP_PORT
BMA_HTTPS_PORT=$HTTPS_PORT
BMA_PLAIN_HTTP=$PLAIN
EOF

log "building the images (${COMPOSE[*]} build)"
compose build >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log" >&2; fail "build"; }
log "built; starting the stack"
# Two processing workers: the service scales (no container name, no published port).
compose up -d --scale worker=2 >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; fail "up -d"; }

# --- Every long-running service healthy (docker-compose 1.29's `ps` has no health column to read).
wait_healthy() {
  local deadline=$(($(date +%s) + ${BMA_SMOKE_TIMEOUT:-600})) service ids id state
  for service in postgres redis web worker worker-exports worker-pulls beat proxy; do
    while :; do
      ids="$(compose ps -q "$service")"
      state=missing
      for id in $ids; do
        state="$("$DOCKER" inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")"
        [ "$state" = "running healthy" ] || break
      done
      [ "$state" = "running healthy" ] && break
      # Unhealthy is not final: on a loaded machine a probe can time out and the next one pass.
      case "$state" in exited* | dead*) fail "$service is $state" ;; esac
      [ "$(date +%s)" -lt "$deadline" ] || fail "$service is still '$state'"
      sleep 3
    done
  done
  [ "$(compose ps -q worker | wc -l)" = 2 ] || fail "not two processing workers (--scale worker=2)"
}
wait_healthy
migrate_id="$(compose ps -a -q migrate 2>/dev/null || compose ps -q migrate)"
[ "$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$migrate_id")" = 0 ] || fail "the migrate step failed"
log "every service is healthy, two processing workers (ALLOWED_HOSTS=$HOST_NAME)"
# Redis asks for its password: without it, nothing but an authentication error.
noauth="$(compose exec -T redis sh -c 'unset REDISCLI_AUTH; redis-cli ping' 2>&1 || true)"
grep -q NOAUTH <<<"$noauth" || fail "Redis answers without its password: $noauth"

# --- Through the proxy, as a device or a browser on the network would.
CURL=(curl -sS --max-time 60 --resolve "$HOST_NAME:$HTTPS_PORT:127.0.0.1" --resolve "$HOST_NAME:$HTTP_PORT:127.0.0.1")
if [ "$PLAIN" = 1 ]; then
  BASE="http://$HOST_NAME:$HTTP_PORT"
  headers="$("${CURL[@]}" -D - -o /dev/null "$BASE/admin/login/")"
  grep -q '^HTTP/[0-9.]* 200' <<<"$headers" || fail "plain HTTP mode: GET /admin/login/ did not answer 200"
  ! grep -qi '^strict-transport-security:' <<<"$headers" || fail "plain HTTP mode sends HSTS"
  ! grep -qi '^set-cookie:.*; secure' <<<"$headers" || fail "plain HTTP mode sets a secure-only cookie"
  ! "${CURL[@]}" -o /dev/null --max-time 5 "https://$HOST_NAME:$HTTPS_PORT/" 2>/dev/null || fail "plain HTTP mode answers on $HTTPS_PORT"
  mode="plain HTTP (no redirect, no HSTS, no secure-only cookie)"
else
  compose exec -T proxy cat /etc/bma-tls/cert.pem > "$WORK/cert.pem"
  CURL+=(--cacert "$WORK/cert.pem")
  BASE="https://$HOST_NAME:$HTTPS_PORT"
  redirect="$("${CURL[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' "http://$HOST_NAME:$HTTP_PORT/admin/")"
  [ "$redirect" = "301 $BASE/admin/" ] || fail "plain HTTP should redirect to $BASE/admin/, got: $redirect"
  headers="$("${CURL[@]}" -D - -o /dev/null "$BASE/admin/login/")"
  grep -qi '^strict-transport-security:' <<<"$headers" || fail "no HSTS header over HTTPS: the proxy's X-Forwarded-Proto is not believed"
  mode="TLS proxy (its certificate checked), HTTPS redirect, HSTS"
fi
# The Web Forms assets (npm) and Django's own static files, collected at build and served by WhiteNoise.
asset="$(compose exec -T web sh -c 'cd /app/staticfiles && ls vendor/web-forms/*.js | head -n1' | tr -d '\r')"
[ -n "$asset" ] || fail "the Web Forms assets are not in the image"
for path in "static/$asset" static/admin/css/base.css; do
  code="$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$BASE/$path")"
  [ "$code" = 200 ] || fail "GET /$path answered $code"
done
log "$mode and static files (Web Forms $asset) checked"

password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')"
fixture="$(compose exec -T -e SMOKE_PASSWORD="$password" web python manage.py shell < tools/compose_smoke_fixture.py | grep '^SMOKE-FIXTURE ' || true)"
[ -n "$fixture" ] || fail "tools/compose_smoke_fixture.py printed no fixture"
json() { python3 -c 'import json, sys; print(json.loads(sys.argv[1][len("SMOKE-FIXTURE "):])[sys.argv[2]])' "$fixture" "$1"; }
token="$(json token)"
round="$(json round)"
json xml > "$WORK/b2.xml"

OPENROSA=(-H "X-OpenRosa-Version: 1.0" -H "Date: $(date -u '+%a, %d %b %Y %H:%M:%S GMT')" --digest -u "smoke-enumerator:$password")
code="$("${CURL[@]}" "${OPENROSA[@]}" -I -o "$WORK/head.txt" -w '%{http_code}' "$BASE/collect/submission")"
[ "$code" = 204 ] || fail "HEAD /collect/submission answered $code"
grep -qi '^x-openrosa-accept-content-length:' "$WORK/head.txt" || fail "HEAD /collect/submission has no X-OpenRosa-Accept-Content-Length"
code="$("${CURL[@]}" "${OPENROSA[@]}" -o "$WORK/post.xml" -w '%{http_code}' \
  -F "xml_submission_file=@$WORK/b2.xml;type=text/xml" "$BASE/collect/submission")"
[ "$code" = 201 ] || { cat "$WORK/post.xml" >&2; fail "POST /collect/submission answered $code"; }
log "B2 sent over OpenRosa (HEAD 204, POST 201, Digest, $BASE)"

# --- The worker processes it (the intake queues it on Redis); the round report then counts the village.
deadline=$(($(date +%s) + 120))
while :; do
  "${CURL[@]}" -H "Authorization: Token $token" -o "$WORK/report.json" \
    "$BASE/api/rounds/$round/report/?include=unapproved" || true
  if python3 - "$WORK/report.json" <<'EOF'
import json, sys
try:
    report = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit(1)
sys.exit(0 if report.get("communities") == 1 and [d["code"] for d in report["districts"]] == ["TJ-SU-ASH"] else 1)
EOF
  then break; fi
  [ "$(date +%s)" -lt "$deadline" ] || { cat "$WORK/report.json" >&2; fail "the B2 is not in the round report"; }
  sleep 3
done
compose logs --no-color worker 2>/dev/null | grep "Task bma.pipeline.tasks.submission_process\[.*\] received" >/dev/null ||
  fail "the worker never received the B2's processing task"
log "B2 processed by the worker and counted in the round report (1 community in TJ-SU-ASH)"

# --- A published version (its PDFs, workbook and figures in the media volume, their hashes in the database).
smoke_state() {
  compose exec -T "$@" web python manage.py shell < tools/compose_smoke_state.py | grep '^SMOKE-STATE ' || true
}
smoke_state -e SMOKE_PUBLISH=1 > "$WORK/state-published.txt"
[ -s "$WORK/state-published.txt" ] || fail "publishing the round's report failed (tools/compose_smoke_state.py)"
log "report published: $(python3 -c 'import json, sys; print(len(json.loads(open(sys.argv[1]).read()[12:])["published"]))' "$WORK/state-published.txt") files, their hashes as the database holds them"

# --- Beat: its sweep is due every 2 minutes after it starts; the worker runs it.
deadline=$(($(date +%s) + 200))
until compose logs --no-color beat 2>/dev/null | grep "Sending due task" >/dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "beat sent no task"
  sleep 5
done
log "beat sent a due task"

# --- Backup, remove everything, restore into a fresh stack: the same report and the same published files.
"${CURL[@]}" -H "Authorization: Token $token" -o "$WORK/report-before.json" \
  "$BASE/api/rounds/$round/report/?include=unapproved" || fail "the report before the backup"
smoke_state > "$WORK/state-before.txt"
compose exec -T backup python manage.py backup >&2 || fail "backup"
backup="$(compose exec -T backup python manage.py backup --list | tr -d '\r' | tail -n1)"
[ -n "$backup" ] && [ -s "$WORK/backups/$backup/database.dump" ] || fail "no backup in the host folder"
compose down -v --remove-orphans >"$WORK/down.log" 2>&1 || { cat "$WORK/down.log" >&2; fail "down -v"; }
log "backup $backup made; stack brought down, volumes removed"
compose up -d --scale worker=2 >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; fail "up -d (fresh)"; }
wait_healthy
# The fresh tls volume holds a new self-signed pair.
[ "$PLAIN" = 1 ] || compose exec -T proxy cat /etc/bma-tls/cert.pem > "$WORK/cert.pem"
APP_SERVICES=(web worker worker-exports worker-pulls beat backup)
compose stop "${APP_SERVICES[@]}" >"$WORK/stop.log" 2>&1 || { cat "$WORK/stop.log" >&2; fail "stop"; }
restore_started=$(date +%s)
compose run --rm --no-deps -T backup python manage.py restore "$backup" >&2 || fail "restore $backup"
log "restored $backup into the fresh stack in $(($(date +%s) - restore_started)) s"
compose start "${APP_SERVICES[@]}" >"$WORK/start.log" 2>&1 || { cat "$WORK/start.log" >&2; fail "start"; }
# nginx resolved web's address when it started; web may have come back on another one.
compose restart proxy >"$WORK/restart.log" 2>&1 || { cat "$WORK/restart.log" >&2; fail "restart proxy"; }
wait_healthy
"${CURL[@]}" -H "Authorization: Token $token" -o "$WORK/report-after.json" \
  "$BASE/api/rounds/$round/report/?include=unapproved" || fail "the report after the restore"
cmp -s "$WORK/report-before.json" "$WORK/report-after.json" ||
  { diff <(python3 -m json.tool "$WORK/report-before.json") <(python3 -m json.tool "$WORK/report-after.json") >&2 || true
    fail "the round report differs after the restore"; }
smoke_state > "$WORK/state-after.txt"
# The published files exactly; every other media file there was (a worker may have written one since).
python3 - "$WORK/state-before.txt" "$WORK/state-after.txt" <<'EOF' || fail "the published files or media differ after the restore"
import json, sys
before, after = (json.loads(open(p).read()[len("SMOKE-STATE "):]) for p in sys.argv[1:])
differ = [k for k, v in before["media"].items() if after["media"].get(k) != v]
if before["published"] != after["published"] or differ:
    print("published before:", before["published"], "after:", after["published"], "media differing:", differ, file=sys.stderr)
    sys.exit(1)
EOF
log "after the restore: the same report JSON, the same published-file and media hashes"

compose down -v --remove-orphans >"$WORK/down.log" 2>&1 || { cat "$WORK/down.log" >&2; fail "down -v"; }
: > "$ENV_FILE"
log "stack brought down, volumes removed"
echo "compose smoke test: passed (build, up with two workers, B2 over OpenRosa, processed, in the report, published, beat, backup, down -v, restore: same report and files, down)"
