#!/usr/bin/env bash
# deploy/storegate.service: `systemd-analyze verify` must print nothing (no error, no warning), and the hardening must
# keep what the gateway needs. Prints the unit's exposure score. Run by deploy/test/run.sh; alone: this script.
set -euo pipefail
cd "$(dirname "$0")/../.."
UNIT=deploy/storegate.service
dir=$(mktemp -d) && trap 'rm -rf "$dir"' EXIT
cp "$UNIT" "$dir/storegate.service"
out=$(systemd-analyze verify --man=no "$dir/storegate.service" 2>&1) || { echo "$out"; exit 1; }
[ -z "$out" ] || { echo "systemd-analyze verify printed:"; echo "$out"; exit 1; }
need() { grep -Eq "$1" "$UNIT" || { echo "$UNIT: missing $2"; exit 1; }; }
need '^ReadWritePaths=.*/var/lib/storegate' 'write access to the data dir'
need '^StateDirectory=storegate$' 'StateDirectory=storegate (the data dir, owned by the service user)'
need '^Environment=STOREGATE_DATA_DIR=/var/lib/storegate$' 'STOREGATE_DATA_DIR pointing at the state directory'
need '^AmbientCapabilities=.*CAP_NET_RAW.*CAP_NET_ADMIN|^AmbientCapabilities=.*CAP_NET_ADMIN.*CAP_NET_RAW' 'CAP_NET_RAW and CAP_NET_ADMIN for BLE (HCI sockets)'
need '^RestrictAddressFamilies=.*AF_BLUETOOTH' 'AF_BLUETOOTH among the allowed socket families (BLE)'
need '^RestrictAddressFamilies=.*AF_INET6' 'AF_INET/AF_INET6 (HTTP, MQTT)'
need '^KillSignal=SIGTERM$' 'SIGTERM for a clean stop'
if grep -Eq '^MemoryDenyWriteExecute=yes' "$UNIT"; then echo "$UNIT: MemoryDenyWriteExecute breaks V8's JIT"; exit 1; fi
if grep -Eq '^PrivateNetwork=yes' "$UNIT"; then echo "$UNIT: PrivateNetwork hides the network and the BLE adapter"; exit 1; fi
echo "systemd-analyze verify: clean; hardening keeps the data dir, BLE capabilities and socket families"
systemd-analyze security --offline=yes --man=no "$dir/storegate.service" 2>/dev/null | tail -1 || true
