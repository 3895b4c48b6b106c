#!/bin/sh
# `make server`: a district server on this machine (issue #18), for a first look or a small district.
# Starts a PostgreSQL 15 of its own in DIR/postgres (Unix socket in that folder only, no TCP port), creates the
# database `kinga`, makes the server's certificate in DIR/server on the first run (printing the fingerprint
# kiosks pin), then serves HTTPS on PORT until Ctrl-C. PostgreSQL keeps running afterwards; stop it with
#   runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D DIR/postgres/data stop     (as root)
# DIR is $KINGA_SERVER_DIR, by default /var/lib/kinga-server as root and ~/.kinga-server otherwise.
set -eu
BIN=/usr/lib/postgresql/15/bin
PORT="${PORT:-8443}"
if [ "$(id -u)" = 0 ]; then DIR="${KINGA_SERVER_DIR:-/var/lib/kinga-server}"; else DIR="${KINGA_SERVER_DIR:-$HOME/.kinga-server}"; fi
SERVER="$(cd "$(dirname "$0")/.." && pwd)/.build/debug/kinga-server"
PG="$DIR/postgres"

# PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user.
# Peer authentication: the database user is the system user running PostgreSQL and the server.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then DBUSER=postgres; else DBUSER="$(id -un)"; fi

mkdir -p "$DIR"
chmod 0711 "$DIR"
if [ ! -f "$PG/data/PG_VERSION" ]; then
    mkdir -p "$PG"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG"
    chmod 0700 "$PG"
    as_pg "$BIN/initdb" -D "$PG/data" -U "$DBUSER" -A peer -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! as_pg "$BIN/pg_isready" -q -h "$PG"; then
    as_pg "$BIN/pg_ctl" -D "$PG/data" -l "$PG/log" -W -o "-k $PG -c listen_addresses=''" start >/dev/null
    i=0
    until as_pg "$BIN/pg_isready" -q -h "$PG"; do
        i=$((i + 1))
        if [ $i -gt 300 ]; then echo "PostgreSQL did not start; see $PG/log" >&2; exit 1; fi
        sleep 0.1
    done
fi
as_pg "$BIN/psql" -h "$PG" -U "$DBUSER" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'kinga'" | grep -q 1 \
    || as_pg "$BIN/createdb" -h "$PG" -U "$DBUSER" kinga
# As root the server itself connects as `postgres` (peer authentication needs the same system user): run it as
# that user too, with the data folder its own.
URL="postgres://$DBUSER@/kinga?host=$PG"
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$DIR/server" && chown postgres:postgres "$DIR/server" && chmod 0700 "$DIR/server"
    RUN="runuser -u postgres --"
else
    RUN=""
fi
if [ ! -f "$DIR/server/server-cert.pem" ]; then
    $RUN "$SERVER" init --data "$DIR/server" --postgres "$URL"
fi
echo "Serving on https://0.0.0.0:$PORT (Ctrl-C stops the server; PostgreSQL keeps running)."
echo "Add a kiosk:  $RUN $SERVER kiosk add NAME --code K01 --villages A,B --postgres '$URL'"
exec $RUN "$SERVER" serve --data "$DIR/server" --postgres "$URL" --port "$PORT"
