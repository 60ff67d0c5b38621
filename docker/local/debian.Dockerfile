# The Debian base of the stand-in images: the debootstrapped root file system, plus the certificate
# authorities this machine added itself (/usr/local/share/ca-certificates), so that pip and npm inside a
# build trust what the machine's own tools trust (a TLS-inspecting proxy's CA, a company CA).
ARG ROOTFS_IMAGE=bma-base/debian-rootfs:bookworm
FROM ${ROOTFS_IMAGE}
COPY local-ca/ /usr/local/share/ca-certificates/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["/bin/bash"]
