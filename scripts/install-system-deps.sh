#!/usr/bin/env bash
# Installs the Debian packages the test suite drives as real peers: BGP daemons (BIRD 2, GoBGP,
# FRR, ExaBGP), flow exporters and reference collectors (softflowd, pmacct, nfdump), probe tools
# (fping, ping), iproute2 for network namespaces, and Chromium for the portal tests.
# Idempotent; needs root (CI and the development machines run as root).
set -euo pipefail
PKGS=(bird2 gobgpd exabgp frr softflowd pmacct nfdump nfdump-sflow tcpreplay fping iputils-ping iproute2 chromium procps gcc libc6-dev)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
echo "system packages ready: ${PKGS[*]}"
