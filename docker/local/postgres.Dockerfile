# Stand-in for postgres:15 when no image registry can be reached: Debian's postgresql-15, with an entrypoint
# that honours POSTGRES_DB, POSTGRES_USER and POSTGRES_PASSWORD and keeps its data in the same place.
ARG DEBIAN_IMAGE=bma-base/debian:bookworm
FROM ${DEBIAN_IMAGE}
# No cluster of Debian's own: the entrypoint makes one in PGDATA (the volume) on the first start.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
 && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/no-main.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
RUN mkdir -p "$PGDATA" /run/postgresql && chown -R postgres:postgres /var/lib/postgresql /run/postgresql \
 && chmod 700 "$PGDATA"
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
VOLUME /var/lib/postgresql/data
USER postgres
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
CMD ["postgres"]
