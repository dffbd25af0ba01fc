#!/usr/bin/env bash
# Installs the Debian packages slim needs to build and test, if any is
# missing: with apt-get when run as root, otherwise it prints the exact
# command to run and fails. Quiet when everything is already there.
set -euo pipefail

packages=(
  make gcc pkg-config
  libzstd-dev libxxhash-dev libpcre2-dev libjansson-dev libutf8proc-dev   # the library
  libcriterion-dev                                                        # unit tests
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user                   # NEON tests under qemu
  clang libclang-rt-14-dev afl++                                          # fuzzing and sanitizers
  zstd                                                                    # test data tools
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "slim: missing Debian packages: ${missing[*]}" >&2
  echo "run as root:  apt-get update && $cmd" >&2
  exit 1
fi
echo "slim: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends ${missing[*]} >/dev/null
echo "slim: packages installed" >&2
