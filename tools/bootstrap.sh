#!/bin/sh
# Install the Debian 12 packages vos needs to build and test, when they are missing.
# Run as root (or with sudo available). Called by make; safe to run again.
set -e
# build: compiler, libraries (DESIGN.md's list); test references: the GNU tools and the others
# the runner compares vos with (tests/README.md)
PKGS="make gcc libc6-dev libedit-dev bash coreutils clang libclang-rt-14-dev
      libpcre2-dev libssl-dev libsqlite3-dev
      libarchive-dev zlib1g-dev libbz2-dev liblzma-dev libzstd-dev
      findutils grep sed diffutils patch gawk ripgrep bsdextrautils xxd file tree gettext-base binutils
      tar gzip bzip2 xz-utils zstd zip unzip dc sqlite3
      bubblewrap python3 python3-venv python3-pip git nodejs"
# curl (the reference vos curl is compared with) and openssl (makes the https tests' certificate)
PKGS="$PKGS curl openssl"
# curl and wget in the VM: libcurl in the kernel network module
PKGS="$PKGS libcurl4-openssl-dev"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "bootstrap: installing$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
