#!/bin/sh
# Writes nginx's site for the chosen mode, then runs nginx in the foreground.
#   TLS (the default): port 80 redirects to https, port 443 serves with /etc/bma-tls/cert.pem and key.pem;
#     when they are missing, a self-signed pair for BMA_SERVER_NAME is made once and kept in that volume.
#   BMA_PLAIN_HTTP=1 (a closed network only): port 80 serves plain HTTP, nothing listens on 443.
# Either way nginx sets X-Forwarded-Proto and X-Forwarded-For itself, replacing what a client sent, so
# Django (BMA_BEHIND_TLS_PROXY=1) can believe them; gunicorn is reachable only through this proxy.
set -eu
server_name="${BMA_SERVER_NAME:-localhost}"
https_port="${BMA_HTTPS_PORT:-443}"
upstream="${BMA_UPSTREAM:-web:8000}"
max_body="${BMA_PROXY_MAX_BODY:-60m}"
# Both paths can be moved (the tests write the site into a temporary folder).
tls_dir="${BMA_PROXY_TLS_DIR:-/etc/bma-tls}"
conf="${BMA_PROXY_CONF:-/etc/nginx/conf.d/bma.conf}"

# Device tokens travel in URL paths (/collect/key/<token>/..., /kobo/<token>/) and must not reach the
# access log. This is bma/core/log_redaction.py's pattern again, in nginx's syntax (nginx cannot call
# Python; tests/core/test_log_redaction.py checks they agree): the request line and the Referer are
# logged with the token replaced by [token]. Every server block below logs in this format, which
# replaces the http-level access_log of Debian's nginx.conf. (nginx's error log, for an upstream that
# does not answer, still quotes the request line; it has no format to change.)
log_block() {
  cat <<'CONF'
map $request_uri $bma_masked_uri {
    default $request_uri;
    "~^(.*?/(?:collect/key|kobo)/)[^/?\s\"']+(.*)$" "$1[token]$2";
}
map $http_referer $bma_masked_referer {
    default $http_referer;
    "~^(.*?/(?:collect/key|kobo)/)[^/?\s\"']+(.*)$" "$1[token]$2";
}
log_format bma_masked '$remote_addr - $remote_user [$time_local] "$request_method $bma_masked_uri $server_protocol" '
                      '$status $body_bytes_sent "$bma_masked_referer" "$http_user_agent" $request_id';
CONF
}

proxy_block() {
  cat <<CONF
    access_log /var/log/nginx/access.log bma_masked;
    client_max_body_size $max_body;
    location / {
        proxy_pass http://bma_web;
        proxy_set_header Host \$http_host;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_set_header X-Forwarded-For \$remote_addr;
        # nginx's own id for the request, never the client's: Django logs it and answers it (X-Request-ID).
        proxy_set_header X-Request-ID \$request_id;
        proxy_read_timeout 130s;
        proxy_send_timeout 130s;
    }
CONF
}

log_block > "$conf"
echo "upstream bma_web { server $upstream; }" >> "$conf"
case "${BMA_PLAIN_HTTP:-0}" in
  1|true|yes|on)
    echo "bma-proxy: plain HTTP on port 80 (BMA_PLAIN_HTTP=1): for a closed network only"
    { echo "server {"; echo "    listen 80 default_server;"; proxy_block; echo "}"; } >> "$conf"
    ;;
  *)
    if [ ! -s "$tls_dir/cert.pem" ] || [ ! -s "$tls_dir/key.pem" ]; then
      echo "bma-proxy: no certificate in $tls_dir: making a self-signed one for $server_name"
      mkdir -p "$tls_dir"
      openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$server_name" \
        -addext "subjectAltName=DNS:$server_name,DNS:localhost,IP:127.0.0.1" \
        -keyout "$tls_dir/key.pem" -out "$tls_dir/cert.pem" 2>/dev/null
      chmod 600 "$tls_dir/key.pem"
    fi
    port_suffix=""
    [ "$https_port" = "443" ] || port_suffix=":$https_port"
    cat >> "$conf" <<CONF
server {
    listen 80 default_server;
    access_log /var/log/nginx/access.log bma_masked;
    # The proxy's own health check, answered over plain HTTP inside the container.
    location = /healthz { proxy_pass http://bma_web; proxy_set_header Host \$http_host; }
    location / { return 301 https://\$host$port_suffix\$request_uri; }
}
server {
    listen 443 ssl default_server;
    ssl_certificate $tls_dir/cert.pem;
    ssl_certificate_key $tls_dir/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:bma:10m;
$(proxy_block)
}
CONF
    ;;
esac
nginx -t -q
exec nginx -g "daemon off;"
