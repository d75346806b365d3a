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
# Installed without their recommended packages (Wine's would bring ~100 desktop libraries no test uses).
lean_packages=(
  wine64          # runs the Windows agent's x64 exes (test/integration/agent-package.test.ts)
)

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]; }
missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
missing_lean=()
for p in "${lean_packages[@]}"; do
  installed "$p" || missing_lean+=("$p")
done

if [ ${#missing[@]} -eq 0 ] && [ ${#missing_lean[@]} -eq 0 ]; then
  echo "install.sh: all $(( ${#packages[@]} + ${#lean_packages[@]} )) test bed packages already installed"
  exit 0
fi

echo "install.sh: missing packages: ${missing[*]} ${missing_lean[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: ERROR: not root; install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]} && sudo apt-get install -y --no-install-recommends ${missing_lean[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
echo "install.sh: apt-get update"
apt-get update -q
if [ ${#missing[@]} -ne 0 ]; then
  echo "install.sh: apt-get install -y ${missing[*]}"
  apt-get install -y -q "${missing[@]}"
fi
if [ ${#missing_lean[@]} -ne 0 ]; then
  echo "install.sh: apt-get install -y --no-install-recommends ${missing_lean[*]}"
  apt-get install -y -q --no-install-recommends "${missing_lean[@]}"
fi
still=()
for p in "${missing[@]}" "${missing_lean[@]}"; do
  installed "$p" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
  echo "install.sh: ERROR: still missing after apt-get install: ${still[*]}" >&2
  exit 1
fi
echo "install.sh: installed $(( ${#missing[@]} + ${#missing_lean[@]} )) package(s) in $(( $(date +%s) - start )) s: ${missing[*]} ${missing_lean[*]}"
