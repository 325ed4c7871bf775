#!/usr/bin/env bash
# tools/setup.sh — prepares a fresh Debian 12 machine for kubets, idempotently (safe to run twice).
#
#   bash tools/setup.sh            install system packages and npm dependencies
#   bash tools/setup.sh --up       ... and start a single-node cluster (`kubets up`) in the background
#
# Needs root for apt-get (CI and the developer machines run as root). Says what it does.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# The real components kubets drives; all from Debian (see ../shared/README.md).
packages=(
  etcd-server containerd runc containernetworking-plugins busybox-static docker-registry skopeo
  iptables conntrack ipvsadm ca-certificates
)

log() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get -o DPkg::Lock::Timeout=300 update -qq
  # --no-install-recommends keeps docker-registry/containerd from pulling in unrelated services.
  as_root apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages already installed: ${packages[*]}"
fi

# Debian's packages may start services of their own where an init system exists; kubets starts
# every process itself with its own state, so stop any that came up (no-op without systemd).
for svc in etcd containerd docker-registry; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    log "stopping the distribution's $svc service (kubets runs its own)"
    as_root systemctl stop "$svc" || true
  fi
done

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies (npm ci; better-sqlite3 compiles from source, ~2 minutes)"
  npm ci --no-audit --no-fund --loglevel=error
else
  log "npm dependencies up to date"
fi

if [ "${1:-}" = "--up" ]; then
  data_dir=${KUBETS_DATA_DIR:-/var/lib/kubets}
  log "starting the cluster: kubets up --data-dir $data_dir"
  node bin/kubets.js up --data-dir "$data_dir" --detach
fi
log "done"
