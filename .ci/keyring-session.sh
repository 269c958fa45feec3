#!/usr/bin/env bash
# Run a command inside a private D-Bus session with an unlocked gnome-keyring (Secret Service),
# so the keyring tests use a real backend. Falls back to running the command as is.
set -euo pipefail
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  exec dbus-run-session -- bash -c '
    printf "%s" "ci-keyring-password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
    exec "$@"' keyring-session "$@"
fi
exec "$@"
