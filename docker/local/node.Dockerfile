# Stand-in for node:20-bookworm-slim when no image registry can be reached: Debian's Node.js and npm.
# Bookworm's Node is 18; the build only runs `npm ci` to fetch the Web Forms assets, which it serves as
# static files, so package.json's "node >= 20" (for the test suite's form engine) is only warned about.
ARG DEBIAN_IMAGE=bma-base/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
