#!/usr/bin/env bash
# Checks that flake.nix parses, with Debian's nix-bin unpacked into a scratch directory
# (not installed: no daemon, no /nix). Evaluating the flake needs nixpkgs from the
# network, which CI does not have; see the README for what that leaves unchecked.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v nix-instantiate >/dev/null 2>&1; then
  nix-instantiate --parse flake.nix >/dev/null
  echo "flake.nix parses (nix-instantiate $(nix-instantiate --version | awk '{print $NF}'))"
  exit 0
fi

work=$(mktemp -d /tmp/viralvidvault-nix.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
# apt-get download writes as the _apt user where it can; a scratch directory it cannot
# enter only costs a warning.
chmod 777 "$work"
[ -n "$(find /var/lib/apt/lists -name '*Packages*' -print -quit 2>/dev/null)" ] || apt-get update -qq
apt-get download -q nix-bin >/dev/null 2>&1 || { echo "nix-parse: cannot download Debian's nix-bin" >&2; exit 1; }
# Its libraries that this machine lacks (the rest are usually installed already).
for pkg in libgc1 libboost-context1.74.0 libcpuid16 libsodium23 libseccomp2 libarchive13 libbrotli1; do
  dpkg -s "$pkg" >/dev/null 2>&1 || apt-get download -q "$pkg" >/dev/null 2>&1 || true
done
for deb in ./*.deb; do dpkg-deb -x "$deb" root; done
export LD_LIBRARY_PATH="$work/root/usr/lib/nix:$work/root/usr/lib/x86_64-linux-gnu:$work/root/lib/x86_64-linux-gnu"
missing=$(ldd root/usr/bin/nix-instantiate | grep "not found" || true)
[ -z "$missing" ] || { echo "nix-parse: libraries missing for nix-instantiate:" >&2; echo "$missing" >&2; exit 1; }
mkdir -p conf && export NIX_CONF_DIR="$work/conf" NIX_CONFIG="build-users-group ="
"$work/root/usr/bin/nix-instantiate" --parse "$OLDPWD/flake.nix" >/dev/null
echo "flake.nix parses (Debian nix-bin $("$work/root/usr/bin/nix-instantiate" --version | awk '{print $NF}'), unpacked)"
