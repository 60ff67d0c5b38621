# Stand-in for python:3.11-slim-bookworm when no image registry can be reached: Debian's own Python 3.11
# in a virtual environment first on PATH, so `python`, `pip install .`, gunicorn and celery work as there.
ARG DEBIAN_IMAGE=bma-base/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/python
ENV PATH=/opt/python/bin:$PATH
