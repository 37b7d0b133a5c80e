#!/usr/bin/env bash
# Verifies the systemd units with systemd-analyze (Debian's systemd package, installed
# when missing). verify only warns about unknown keys, so any output is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "verify-units: installing Debian's systemd package for systemd-analyze" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends systemd; } >&2 || true
fi
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "verify-units: systemd-analyze is not available; the units are checked by test/Deploy.test.ts only" >&2
  exit 0
fi

out=$(SYSTEMD_LOG_COLOR=0 systemd-analyze verify deploy/systemd/viralvidvault.service deploy/systemd/viralvidvault.timer 2>&1) && rc=0 || rc=$?
if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
  echo "$out" >&2
  echo "verify-units: systemd-analyze verify failed (exit $rc)" >&2
  exit 1
fi
echo "systemd units verified ($(systemd-analyze --version | head -1))"
