#!/usr/bin/env bash
# Verifies the systemd units with systemd-analyze (Debian's systemd package, installed
# when missing): the timer and its service, the serve unit, and the serve unit with its
# drop-in for the embedded database. verify only warns about unknown keys, so any output
# is a failure.
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

verify() {
  local what=$1 out rc
  shift
  out=$(SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$@" 2>&1) && rc=0 || rc=$?
  if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
    echo "$out" >&2
    echo "verify-units: systemd-analyze verify failed for $what (exit $rc)" >&2
    exit 1
  fi
}

verify "the units" deploy/systemd/viralvidvault.service deploy/systemd/viralvidvault.timer deploy/systemd/viralvidvault-serve.service

# The serve unit with its drop-in for the embedded database, as installed: verify looks
# for drop-ins in the unit's own directory, so a scratch copy holds the pair (the drop-in
# is not in deploy/systemd/viralvidvault-serve.service.d/, where it would apply above).
scratch=$(mktemp -d /tmp/viralvidvault-units.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/viralvidvault-serve.service.d"
cp deploy/systemd/viralvidvault-serve.service "$scratch/"
cp deploy/systemd/viralvidvault-serve-ingest.conf "$scratch/viralvidvault-serve.service.d/ingest.conf"
verify "viralvidvault-serve.service with viralvidvault-serve-ingest.conf" "$scratch/viralvidvault-serve.service"
# And that it was read at all: the same drop-in naming a command that does not exist must
# fail (otherwise a systemd that skipped drop-ins here would pass anything).
sed 's|^ExecStart=/.*|ExecStart=/nonexistent/node serve|' deploy/systemd/viralvidvault-serve-ingest.conf \
  >"$scratch/viralvidvault-serve.service.d/ingest.conf"
if SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$scratch/viralvidvault-serve.service" >/dev/null 2>&1; then
  echo "verify-units: systemd-analyze verify ignored the drop-in (a missing command passed), so it was not checked" >&2
  exit 1
fi
echo "systemd units verified: viralvidvault.{service,timer}, viralvidvault-serve.service (alone and with viralvidvault-serve-ingest.conf) ($(systemd-analyze --version | head -1))"
