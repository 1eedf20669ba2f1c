#!/usr/bin/env bash
# Install the Debian/Ubuntu packages geoplatform needs, only those that are missing.
#   scripts/setup-system.sh demo   PostgreSQL server + PostGIS (the embedded database)
#   scripts/setup-system.sh test   the same, plus GDAL's ogrinfo, Chromium and a CJK font for the test suite
# Runs apt-get through sudo when not root. Does nothing when everything is present.
set -euo pipefail

purpose="${1:-demo}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

apt_updated=""
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "geoplatform setup: apt-get not found; install these packages by hand: $*" >&2
    exit 1
  fi
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  echo "geoplatform setup: installing $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
have_pkg postgresql || missing+=(postgresql postgresql-contrib)
python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

# PostGIS must match the server's major version (postgresql-15-postgis-3 for PostgreSQL 15).
major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
if [ -z "$major" ]; then
  echo "geoplatform setup: no PostgreSQL server under /usr/lib/postgresql after installing it" >&2
  exit 1
fi
missing=()
have_pkg "postgresql-${major}-postgis-3" || missing+=("postgresql-${major}-postgis-3")
if [ "$purpose" = "test" ]; then
  command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # A CJK font, or every Chinese label in the browser tests' screenshots is a row of boxes.
  have_pkg fonts-wqy-microhei || missing+=(fonts-wqy-microhei)
fi
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

# Debian starts a system-wide cluster on port 5432 when the server package is installed; geoplatform
# does not use it (it runs its own private cluster), so leave it as the administrator configured it.
echo "geoplatform setup: system packages ready (PostgreSQL ${major} with PostGIS)"
