#!/usr/bin/env bash
# Installs the Debian packages the test bed needs (idempotent: installs only what is missing).
#   bash test/bed/install.sh
set -euo pipefail

packages=(
  pebble          # ACME test CA + pebble-challtestsrv
  bind9           # named, tsig-keygen (RFC 2136 target)
  dnsutils        # dig, nsupdate
  openssh-server  # sshd (deploy target); pulls openssh-client (ssh, ssh-keygen)
  nginx-light     # nginx end server (http-01 webroot, TLS check after deployment)
  gnome-keyring   # Secret Service for @napi-rs/keyring
  libsecret-1-dev
  libsecret-tools # secret-tool (bed keyring check and tests)
  dbus-daemon     # private session bus
  dbus-bin        # dbus-send
  dbus-x11
  xvfb
  chromium
  certbot         # peer clients for benchmarks
  lego
  openssl
  python3-aiosmtpd # SMTP server (e-mail tests)
)
if ! command -v keytool >/dev/null 2>&1; then
  packages+=(openjdk-17-jre-headless)
fi

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install.sh: all ${#packages[@]} test bed packages already installed"
  exit 0
fi

echo "install.sh: missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: ERROR: not root; install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
echo "install.sh: apt-get update"
apt-get update -q
echo "install.sh: apt-get install -y ${missing[*]}"
apt-get install -y -q "${missing[@]}"
still=()
for p in "${missing[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    still+=("$p")
  fi
done
if [ ${#still[@]} -ne 0 ]; then
  echo "install.sh: ERROR: still missing after apt-get install: ${still[*]}" >&2
  exit 1
fi
echo "install.sh: installed ${#missing[@]} package(s) in $(( $(date +%s) - start )) s: ${missing[*]}"
