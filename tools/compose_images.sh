#!/usr/bin/env bash
# Base images for docker-compose.yml built from Debian packages, for a machine that reaches Debian's
# mirrors but no image registry. Makes a Debian root file system with debootstrap (once: kept while the
# image bma-base/debian-rootfs exists), bma-base/debian on it with the certificate authorities this machine
# added in /usr/local/share/ca-certificates, then the stand-ins for python:3.11-slim-bookworm,
# node:20-bookworm-slim, postgres:15 and redis:7 from docker/local/ (Docker's layer cache makes a second
# run take seconds).
#
#   sudo tools/compose_images.sh            # build, then print the settings for .env
#   sudo tools/compose_images.sh >> .env    # ... and keep them: compose then uses these images
#
# Needs root (debootstrap), Docker and debootstrap. BMA_DEBIAN_MIRROR overrides the mirror, which is
# otherwise the first Debian one in this machine's apt sources. Progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

DOCKER="${DOCKER:-$(command -v /usr/bin/docker || command -v docker)}"
SUITE=bookworm
ROOTFS_IMAGE=bma-base/debian-rootfs:$SUITE
DEBIAN_IMAGE=bma-base/debian:$SUITE
log() { echo "compose_images: $*" >&2; }

apt_uris() {
  # Both formats: one-line "deb URI suite ..." and deb822 "URIs: URI ...".
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; break } }
         $1 == "URIs:" { for (i = 2; i <= NF; i++) print $i }'
}
mirror="${BMA_DEBIAN_MIRROR:-$(apt_uris | grep -E '/debian/?$' | head -n1 || true)}"
mirror="${mirror:-http://deb.debian.org/debian}"
mirror="${mirror%/}"
security="${BMA_DEBIAN_SECURITY_MIRROR:-$(apt_uris | grep -E '/debian-security/?$' | head -n1 || true)}"
security="${security:-http://deb.debian.org/debian-security}"
security="${security%/}"

if "$DOCKER" image inspect "$ROOTFS_IMAGE" >/dev/null 2>&1; then
  log "$ROOTFS_IMAGE exists: kept"
else
  command -v debootstrap >/dev/null || { log "debootstrap is missing (apt-get install debootstrap)"; exit 1; }
  rootfs="$(mktemp -d /tmp/bma-rootfs.XXXXXX)"
  trap 'rm -rf "$rootfs"' EXIT
  log "debootstrap $SUITE from $mirror"
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
    { tail -30 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 1; }
  rm -f "$rootfs.log"
  cat > "$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $SUITE main
deb $mirror $SUITE-updates main
deb $security $SUITE-security main
EOF
  # As in Debian's own container images: no recommends, no documentation, no package cache.
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$rootfs/etc/apt/apt.conf.d/90bma-no-recommends"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  tar -C "$rootfs" -c . | "$DOCKER" import --change 'CMD ["/bin/bash"]' - "$ROOTFS_IMAGE" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  log "$ROOTFS_IMAGE imported"
fi

context="$(mktemp -d /tmp/bma-base.XXXXXX)"
trap 'rm -rf "$context"' EXIT
mkdir "$context/local-ca"
cp docker/local/debian.Dockerfile "$context/Dockerfile"
find /usr/local/share/ca-certificates -name '*.crt' -exec cp {} "$context/local-ca/" \; 2>/dev/null || true
log "building $DEBIAN_IMAGE ($(find "$context/local-ca" -name '*.crt' | wc -l) local certificate authorities)"
"$DOCKER" build -q --build-arg "ROOTFS_IMAGE=$ROOTFS_IMAGE" -t "$DEBIAN_IMAGE" "$context" >/dev/null
rm -rf "$context"
trap - EXIT

build() {  # tag, Dockerfile in docker/local
  log "building $1"
  "$DOCKER" build -q --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" -t "$1" -f "docker/local/$2" docker/local >/dev/null
}
build bma-base/python:3.11-$SUITE python.Dockerfile
build bma-base/node:$SUITE node.Dockerfile
build bma-base/postgres:15 postgres.Dockerfile
build bma-base/redis:7 redis.Dockerfile

cat <<EOF
BMA_DEBIAN_IMAGE=$DEBIAN_IMAGE
BMA_PYTHON_IMAGE=bma-base/python:3.11-$SUITE
BMA_NODE_IMAGE=bma-base/node:$SUITE
BMA_POSTGRES_IMAGE=bma-base/postgres:15
BMA_REDIS_IMAGE=bma-base/redis:7
EOF
