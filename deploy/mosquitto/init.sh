#!/bin/sh
# Entry of the compose file's mosquitto: on first start, creates the password file in the data volume with the
# gateway's service account (from STOREGATE_SERVICE_PASSWORD); then runs mosquitto. Devices are added to the same file
# (deploy/README.md), and `kill -HUP` makes mosquitto reload it.
set -eu
passwd=/mosquitto/data/passwd
if [ ! -s "$passwd" ]; then
  : "${STOREGATE_SERVICE_PASSWORD:?set STOREGATE_SERVICE_PASSWORD}"
  (umask 077 && mosquitto_passwd -c -b "$passwd" storegate-service "$STOREGATE_SERVICE_PASSWORD")
fi
chown mosquitto:mosquitto /mosquitto/data "$passwd" 2>/dev/null || true
exec mosquitto -c /mosquitto/config/mosquitto.conf
