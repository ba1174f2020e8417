#!/bin/sh
# Entry of the compose file's mosquitto: on first start, creates the dynamic-security plugin's file in the data volume
# with storegate's service account (storegate-service, password STOREGATE_SERVICE_PASSWORD) as its admin; then runs
# mosquitto. Devices are not added here: `storegate device add` creates them through the plugin (deploy/README.md).
set -eu
dynsec=/mosquitto/data/dynamic-security.json
if [ ! -s "$dynsec" ]; then
  : "${STOREGATE_SERVICE_PASSWORD:?set STOREGATE_SERVICE_PASSWORD}"
  (umask 077 && mosquitto_ctrl dynsec init "$dynsec" storegate-service "$STOREGATE_SERVICE_PASSWORD" >/dev/null)
fi
# mosquitto drops to its own user and rewrites the file on every change
chown mosquitto:mosquitto /mosquitto/data "$dynsec" 2>/dev/null || true
exec mosquitto -c /mosquitto/config/mosquitto.conf
