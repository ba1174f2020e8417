#!/usr/bin/env bash
# `npm run test:deploy`: the store-IT paths for real, with podman — the image from deploy/Dockerfile (build, ready as
# non-root, healthcheck, secrets from files, data kept across a restart, clean stop on SIGTERM), the compose flow
# (gateway + store mosquitto with dynamic security in external mode + cloud mosquitto: a device added with
# `storegate device add` publishes, shows online, its event reaches the cloud broker, and `storegate device revoke` cuts
# it off), the systemd unit (systemd-analyze verify), and `npm pack` installed in an empty folder serving /readyz.
# Every step prints PASS or FAIL; the first FAIL stops the run with a non-zero exit.
# Needs podman + runc (CI: .ci/run installs them and builds the base image; see ../shared/CONTAINERS.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
P="podman --runtime runc --cgroup-manager cgroupfs"
IMAGE=localhost/storegate:test
RUN_ID=sgdeploy-$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/storegate-deploy-XXXXXX")
CONTAINERS=()
t_start=$SECONDS

say() { printf '\n== %s\n' "$*"; }
pass() { printf 'PASS %s\n' "$*"; }
fail() {
  printf 'FAIL %s\n' "$*"
  for c in "${CONTAINERS[@]}"; do printf -- '--- logs of %s (last 40 lines)\n' "$c"; $P logs --tail 40 "$c" 2>&1 || true; done
  exit 1
}
cleanup() {
  for c in "${CONTAINERS[@]}"; do $P rm -f -t 2 "$c" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
freeport() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
# polls with a deadline (a container has no event to await from a shell)
wait_http() { local url=$1 secs=${2:-60} end=$((SECONDS + ${2:-60})); while ((SECONDS < end)); do curl -fsS -o /dev/null "$url" 2>/dev/null && return 0; sleep 0.25; done; return 1; }
# podman logs that it cannot schedule healthcheck timers without systemd: noise here, the healthcheck is run explicitly
run_c() { local name=$1; shift; CONTAINERS+=("$name"); $P run -d --name "$name" --network=host "$@" >/dev/null 2>>"$WORK/podman.log"; }
exit_code() { $P inspect "$1" --format '{{.State.ExitCode}}'; }

command -v podman >/dev/null || fail "podman is not installed (apt-get install podman runc; see ../shared/CONTAINERS.md)"

say "base images"
if ! $P image exists docker.io/library/node:20-bookworm-slim; then
  if [ -x ../shared/tools/node-base-image.sh ]; then ../shared/tools/node-base-image.sh; else $P pull docker.io/library/node:20-bookworm-slim; fi
fi
# no registry here: Debian's mosquitto 2 laid out like the official image (deploy/test/mosquitto-standin.Containerfile);
# (re)built when absent or older than the dynamic-security layout, unless the real image can be pulled
if ! $P image exists docker.io/library/eclipse-mosquitto:2 ||
  ! $P run --rm --network=host docker.io/library/eclipse-mosquitto:2 test -e /usr/lib/mosquitto_dynamic_security.so 2>>"$WORK/podman.log"; then
  $P pull docker.io/library/eclipse-mosquitto:2 >/dev/null 2>&1 ||
    $P build -q --network=host --pull=never -f deploy/test/mosquitto-standin.Containerfile -t docker.io/library/eclipse-mosquitto:2 deploy/test >/dev/null
fi
pass "node:20-bookworm-slim and eclipse-mosquitto:2 present"

say "image: podman build -f deploy/Dockerfile"
t0=$SECONDS
$P build -q --format docker --network=host --pull=never -f deploy/Dockerfile -t "$IMAGE" . >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; fail "image build"; }
pass "image built in $((SECONDS - t0)) s ($($P image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))"

say "container: ready, non-root, healthcheck, secrets from files, data across a restart, clean stop"
H=$(freeport) M=$(freeport) W=$(freeport)
DATA=$WORK/data && mkdir -p "$DATA" && chmod 777 "$DATA"
SECRETS=$WORK/secrets && mkdir -p "$SECRETS"
ADMIN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$ADMIN" >"$SECRETS/admin_token" && chmod 644 "$SECRETS/admin_token"
GW=$RUN_ID-gateway
run_c "$GW" -v "$DATA":/data -v "$SECRETS":/run/secrets:ro \
  -e STOREGATE_HTTP_PORT="$H" -e STOREGATE_HTTP_HOST=127.0.0.1 -e STOREGATE_MQTT_PORT="$M" -e STOREGATE_MQTT_WS_PORT="$W" \
  -e STOREGATE_ADMIN_TOKEN_FILE=/run/secrets/admin_token "$IMAGE"
t0=$SECONDS
wait_http "http://127.0.0.1:$H/readyz" 90 || fail "container ready (/readyz)"
pass "container ready: /readyz 200 after $((SECONDS - t0)) s"
uid=$($P exec "$GW" id -u)
[ "$uid" != 0 ] || fail "runs as non-root"
pass "runs as uid $uid ($($P exec "$GW" id -un)), not root"
$P healthcheck run "$GW" >/dev/null || fail "healthcheck"
pass "healthcheck: $($P inspect "$GW" --format '{{.State.Health.Status}}')"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"id":"lk-deploy","kind":"locker","zone":"backroom"}' "http://127.0.0.1:$H/api/v1/devices")
[[ $code == 20? ]] || fail "register a device with the admin token from STOREGATE_ADMIN_TOKEN_FILE (HTTP $code)"
pass "admin token from STOREGATE_ADMIN_TOKEN_FILE works (device registered, HTTP $code)"
$P stop -t 20 "$GW" >/dev/null
[ "$(exit_code "$GW")" = 0 ] || fail "clean stop on SIGTERM (exit code $(exit_code "$GW"))"
$P logs "$GW" 2>&1 | grep -q '"storegate stopped"' || fail "clean stop: the log says storegate stopped"
pass "clean stop on SIGTERM: exit code 0, store flushed ('storegate stopped')"
$P start "$GW" >/dev/null 2>>"$WORK/podman.log"
wait_http "http://127.0.0.1:$H/readyz" 90 || fail "ready again after restart"
curl -fsS -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$H/api/v1/devices" | grep -q '"lk-deploy"' || fail "data kept across restart"
[ -s "$DATA/storegate.db" ] || fail "the database is in the /data volume"
pass "data kept across a container restart (device lk-deploy still registered; storegate.db in the volume)"
$P stop -t 20 "$GW" >/dev/null
[ "$(exit_code "$GW")" = 0 ] || fail "clean stop after restart"
pass "clean stop again: exit code 0"

say "compose flow: gateway + store mosquitto (external mode, dynamic security) + cloud mosquitto"
# deploy/compose.yaml's services, started one by one with its images, mounts, environment and commands. Two changes,
# because these hosts have no bridge network (no service DNS names, no port publishing): every container is on the
# host network, so each broker's `listener 1883` and the gateway config's broker URLs point at free ports instead.
MP=$(freeport) CP=$(freeport) GH=$(freeport)
SERVICE_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
mkdir -p "$WORK/compose/mosquitto" "$WORK/mosquitto-data" "$WORK/cloud-data" "$WORK/compose-data"
chmod 777 "$WORK/mosquitto-data" "$WORK/cloud-data" "$WORK/compose-data"
sed "s/^listener 1883$/listener $MP/" deploy/mosquitto/mosquitto.conf >"$WORK/compose/mosquitto/mosquitto.conf"
sed "s/^listener 1883$/listener $CP/" deploy/cloud-mosquitto.conf >"$WORK/compose/cloud-mosquitto.conf"
sed -e "s#mqtt://mosquitto:1883#mqtt://127.0.0.1:$MP#" -e "s#mqtt://cloud:1883#mqtt://127.0.0.1:$CP#" deploy/config/compose.yaml >"$WORK/compose/storegate.yaml"
grep -q "listener $MP" "$WORK/compose/mosquitto/mosquitto.conf" && grep -q "127.0.0.1:$CP" "$WORK/compose/storegate.yaml" || fail "compose: port substitution"
MQ=$RUN_ID-mosquitto CL=$RUN_ID-cloud SG=$RUN_ID-storegate
run_c "$MQ" -e STOREGATE_SERVICE_PASSWORD="$SERVICE_PASSWORD" \
  -v "$WORK/compose/mosquitto/mosquitto.conf":/mosquitto/config/mosquitto.conf:ro \
  -v "$ROOT/deploy/mosquitto/init.sh":/mosquitto/config/init.sh:ro -v "$WORK/mosquitto-data":/mosquitto/data \
  docker.io/library/eclipse-mosquitto:2 sh /mosquitto/config/init.sh
run_c "$CL" -v "$WORK/compose/cloud-mosquitto.conf":/mosquitto/config/mosquitto.conf:ro -v "$WORK/cloud-data":/mosquitto/data \
  docker.io/library/eclipse-mosquitto:2
run_c "$SG" -e STOREGATE_SERVICE_PASSWORD="$SERVICE_PASSWORD" -e STOREGATE_ADMIN_TOKEN="$ADMIN" -e STOREGATE_HTTP_PORT="$GH" -e STOREGATE_HTTP_HOST=127.0.0.1 \
  -v "$WORK/compose-data":/data -v "$WORK/compose/storegate.yaml":/etc/storegate/storegate.yaml:ro \
  "$IMAGE" start --config /etc/storegate/storegate.yaml
wait_http "http://127.0.0.1:$GH/readyz" 90 || fail "compose: gateway ready in external mode"
[ -s "$WORK/mosquitto-data/dynamic-security.json" ] || fail "compose: init.sh created the dynamic-security file in the broker's volume"
pass "compose: the gateway is ready, connected to the store mosquitto as storegate-service (the dynamic-security admin init.sh created)"
# a device exactly as deploy/README.md says: one command in the gateway's container; no step on the broker
devices_json() { curl -fsS -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$GH/api/v1/devices"; }
connected() { devices_json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const d=JSON.parse(s).devices.find(x=>x.id===process.argv[1]);process.stdout.write(String(Boolean(d&&d.connected)))})' "$1"; }
$P exec "$SG" node bin/storegate.js device add --id lk-01 --kind locker --zone backroom --config /etc/storegate/storegate.yaml >"$WORK/add.txt" 2>&1 ||
  { cat "$WORK/add.txt"; fail "compose: storegate device add"; }
secret=$(sed -n 's/^MQTT password: //p' "$WORK/add.txt")
[ -n "$secret" ] || { cat "$WORK/add.txt"; fail "compose: storegate device add printed a secret"; }
grep -q 'provisioned on the broker' "$WORK/add.txt" || { cat "$WORK/add.txt"; fail "compose: device add provisioned lk-01 on mosquitto"; }
pass "compose: storegate device add lk-01 provisioned it on mosquitto (client + role through dynamic security)"
# the cloud side listens first (a probe it receives proves it is subscribed)
timeout 120 mosquitto_sub -h 127.0.0.1 -p "$CP" -t 'stores/#' -v >"$WORK/cloud.txt" 2>&1 &
SUB=$!
for _ in $(seq 1 40); do
  mosquitto_pub -h 127.0.0.1 -p "$CP" -q 1 -t stores/_probe -m probe 2>/dev/null || true
  grep -q '^stores/_probe' "$WORK/cloud.txt" && break
  sleep 0.25
done
grep -q '^stores/_probe' "$WORK/cloud.txt" || fail "compose: a subscriber on the cloud broker"
# the device stays connected on its cmd topic (as a controller does) and says it is online (retained, as devices should)
timeout 120 mosquitto_sub -h 127.0.0.1 -p "$MP" -u lk-01 -P "$secret" -i lk-01 -q 1 -t storegate/compose-store/locker/lk-01/cmd \
  >"$WORK/device-cmd.txt" 2>"$WORK/device-cmd.err" &
DEV=$!
mosquitto_pub -h 127.0.0.1 -p "$MP" -u lk-01 -P "$secret" -i lk-01-status -q 1 -r -t storegate/compose-store/locker/lk-01/status \
  -m '{"online":true,"firmware":"1.0.0","msgId":"deploy-test-1"}' 2>"$WORK/pub.err" || { cat "$WORK/pub.err"; fail "compose: the device publishes with its secret"; }
end=$((SECONDS + 60))
until grep -q '^stores/compose-store/events/.*"lk-01"' "$WORK/cloud.txt" || ((SECONDS >= end)); do sleep 0.25; done
kill "$SUB" 2>/dev/null || true
grep -q '^stores/compose-store/events/.*"lk-01"' "$WORK/cloud.txt" || { cat "$WORK/cloud.txt"; fail "compose: lk-01's event reaches the cloud broker within 60 s"; }
pass "compose: lk-01's status reached the cloud broker as a CloudEvent on $(grep -m1 '^stores/compose' "$WORK/cloud.txt" | cut -d' ' -f1)"
end=$((SECONDS + 30))
until [ "$(connected lk-01)" = true ] || ((SECONDS >= end)); do sleep 0.25; done
[ "$(connected lk-01)" = true ] || { devices_json; fail "compose: the gateway shows lk-01 online"; }
pass "compose: /api/v1/devices shows lk-01 connected (mosquitto's client notices)"
if mosquitto_pub -h 127.0.0.1 -p "$MP" -u lk-01 -P wrong-secret -q 1 -t storegate/compose-store/locker/lk-01/status -m '{}' 2>/dev/null; then
  fail "compose: mosquitto refuses a wrong device secret"
fi
pass "compose: mosquitto refuses lk-01 with a wrong secret"
# revoke: mosquitto deletes the client, which disconnects the device at once; its secret stops working
t0=$SECONDS
$P exec "$SG" node bin/storegate.js device revoke lk-01 --config /etc/storegate/storegate.yaml >"$WORK/revoke.txt" 2>&1 || { cat "$WORK/revoke.txt"; fail "compose: storegate device revoke"; }
grep -q 'deleted on the broker' "$WORK/revoke.txt" || { cat "$WORK/revoke.txt"; fail "compose: revoke deleted lk-01 on mosquitto"; }
end=$((SECONDS + 10))
while kill -0 "$DEV" 2>/dev/null && ((SECONDS < end)); do sleep 0.1; done
if kill -0 "$DEV" 2>/dev/null; then kill "$DEV"; fail "compose: the revoked device's connection is cut"; fi
grep -qi 'not authori' "$WORK/device-cmd.err" || { cat "$WORK/device-cmd.err"; fail "compose: the revoked device cannot reconnect"; }
pass "compose: storegate device revoke lk-01 cut its connection ($((SECONDS - t0)) s incl. the CLI's start; its reconnect was refused: $(head -1 "$WORK/device-cmd.err"))"
if mosquitto_pub -h 127.0.0.1 -p "$MP" -u lk-01 -P "$secret" -q 1 -t storegate/compose-store/locker/lk-01/status -m '{}' 2>/dev/null; then
  fail "compose: mosquitto refuses the revoked device's secret"
fi
[ "$(connected lk-01)" = false ] || fail "compose: the gateway shows lk-01 offline after revoke"
pass "compose: the revoked secret is refused and the gateway shows lk-01 offline"
$P stop -t 20 "$SG" >/dev/null
[ "$(exit_code "$SG")" = 0 ] || fail "compose: clean stop of the gateway"
pass "compose: clean stop (exit code 0)"

say "systemd unit: systemd-analyze verify"
if command -v systemd-analyze >/dev/null; then
  deploy/test/verify-systemd.sh || fail "systemd-analyze verify deploy/storegate.service"
  pass "deploy/storegate.service passes systemd-analyze verify"
else
  fail "systemd-analyze is not installed (apt-get install systemd)"
fi

say "npm pack → npm install in an empty folder → npx storegate start serves /readyz"
t0=$SECONDS
PACK=$WORK/pack && APP=$WORK/app && mkdir -p "$PACK" "$APP"
npm pack --silent --pack-destination "$PACK" >/dev/null
TGZ=$(ls "$PACK"/storegate-*.tgz)
# onnxruntime-node's install script would download CUDA binaries: a store box needs only the CPU ones it ships
printf 'onnxruntime-node-install=skip\nfund=false\naudit=false\n' >"$APP/.npmrc"
(cd "$APP" && npm init -y >/dev/null && npm install --no-audit --no-fund "$TGZ" >"$WORK/pack-install.log" 2>&1) || { tail -20 "$WORK/pack-install.log"; fail "npm install of the packed tarball"; }
pass "npm install $(basename "$TGZ") in an empty folder ($((SECONDS - t0)) s, sqlite3 compiles)"
PH=$(freeport) PM=$(freeport) PW=$(freeport)
(cd "$APP" && STOREGATE_HTTP_PORT=$PH STOREGATE_HTTP_HOST=127.0.0.1 STOREGATE_MQTT_PORT=$PM STOREGATE_MQTT_WS_PORT=$PW exec npx storegate start >"$WORK/pack-start.log" 2>&1) &
PSG=$!
wait_http "http://127.0.0.1:$PH/readyz" 60 || { kill "$PSG" 2>/dev/null; tail -20 "$WORK/pack-start.log"; fail "npx storegate start serves /readyz"; }
kill -TERM "$PSG" && wait "$PSG" || true
pass "npx storegate start from the installed package serves /readyz (data in $(cd "$APP" && ls -d data/storegate.db))"

printf '\ndeploy test: all passed in %s s\n' "$((SECONDS - t_start))"
