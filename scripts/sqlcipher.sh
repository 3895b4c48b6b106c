#!/bin/sh
# Builds the encrypting SQLite (SQLCipher 4, with FTS5) that Kinga links instead of Debian's libsqlite3 (issue #17).
#
# Output: .build-deps/sqlcipher/libsqlite3.a (plus LICENSE and a stamp). Package.swift puts that folder first on
# the linker's path, so GRDB's `link "sqlite3"` picks this static library. The project commits no third-party
# source: the SQLCipher amalgamation comes from the PyPI source package sqlcipher3, pinned by version and sha256.
#
# Route: Debian's own pip downloads the source package with --require-hashes (pip is the registry's ordinary
# client; it needs python3-setuptools and python3-wheel and --no-build-isolation, because with build isolation the
# package's setup.py tries to download OpenSSL and fails). The archive's sha256 is then checked again with
# sha256sum -c, so the pin holds even if pip's behaviour changes. Nothing else is downloaded.
#
# Idempotent: does nothing when the library exists and its stamp matches the pin and the flags below.
# Atomic: builds in a temporary folder beside the output, then renames it into place.
set -eu

VERSION=0.6.4
SHA256=b02a3edfc554c9197d63ab4c38a30f7682eec65b10e5be2c9285a0d6ffb7a29a
# Flags from ../shared/ENCRYPTION.md, plus the session extension and pre-update hook for the district link.
# SQLITE_HAS_CODEC is for this C file only: Swift must never see it (GRDB would then look for a SQLCipher module).
CFLAGS_SQLCIPHER="-O2 -fPIC -DNDEBUG -DSQLITE_HAS_CODEC -DSQLITE_EXTRA_INIT=sqlcipher_extra_init \
-DSQLITE_EXTRA_SHUTDOWN=sqlcipher_extra_shutdown -DSQLITE_TEMP_STORE=2 -DSQLITE_THREADSAFE=1 \
-DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_SECURE_DELETE \
-DSQLITE_DEFAULT_MEMSTATUS=0 -DSQLITE_OMIT_LOAD_EXTENSION"

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPS="$ROOT/.build-deps"
OUT="$DEPS/sqlcipher"
STAMP_TEXT="sqlcipher3 $VERSION sha256 $SHA256 cflags $CFLAGS_SQLCIPHER"

if [ -f "$OUT/libsqlite3.a" ] && [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP_TEXT" ]; then
    exit 0
fi

for tool in cc ar tar sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "sqlcipher.sh: '$tool' is missing. Run 'make build' (it installs what is needed)." >&2; exit 1; }
done
# Debian's Python, not a pyenv or venv one that may lack setuptools.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
if ! "$PYTHON" -c 'import setuptools, wheel' 2>/dev/null || ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    echo "sqlcipher.sh: Python's pip, setuptools and wheel are needed to fetch SQLCipher." >&2
    echo "    Install them with: sudo apt-get install -y python3-pip python3-setuptools python3-wheel" >&2
    exit 1
fi
if [ ! -f /usr/include/openssl/evp.h ]; then
    echo "sqlcipher.sh: OpenSSL's headers are needed. Install them with: sudo apt-get install -y libssl-dev" >&2
    exit 1
fi

echo "Building the encrypting SQLite (SQLCipher from sqlcipher3 $VERSION); this takes about half a minute, once."
mkdir -p "$DEPS"
WORK=$(mktemp -d "$DEPS/sqlcipher.tmp.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM

echo "sqlcipher3==$VERSION --hash=sha256:$SHA256" > "$WORK/requirements.txt"
if ! "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary sqlcipher3 \
        --no-build-isolation --require-hashes -r "$WORK/requirements.txt" -d "$WORK/download"; then
    echo "sqlcipher.sh: could not download sqlcipher3 $VERSION from PyPI, or it did not match the pinned sha256" >&2
    echo "    (see pip's message above). Nothing was built." >&2
    exit 1
fi
ARCHIVE="$WORK/download/sqlcipher3-$VERSION.tar.gz"
echo "$SHA256  $ARCHIVE" | sha256sum -c --quiet - || {
    echo "sqlcipher.sh: the downloaded archive does not match the pinned sha256; nothing was built." >&2
    exit 1
}
tar -xzf "$ARCHIVE" -C "$WORK" "sqlcipher3-$VERSION/vendor/sqlite3.c" "sqlcipher3-$VERSION/vendor/sqlite3.h" \
    "sqlcipher3-$VERSION/LICENSE"
SRC="$WORK/sqlcipher3-$VERSION"

mkdir "$WORK/out"
# shellcheck disable=SC2086  # the flags are meant to split into words
cc $CFLAGS_SQLCIPHER -I"$SRC/vendor" -c "$SRC/vendor/sqlite3.c" -o "$WORK/sqlite3.o"
ar rcs "$WORK/out/libsqlite3.a" "$WORK/sqlite3.o"
cp "$SRC/LICENSE" "$WORK/out/LICENSE"
printf '%s\n' "$STAMP_TEXT" > "$WORK/out/stamp"

# Swap into place: the old folder (if any) is moved aside first, so a reader never sees a half-written library.
if [ -e "$OUT" ]; then
    mv "$OUT" "$WORK/old"
fi
mv "$WORK/out" "$OUT"
# SwiftPM does not track this library: remove the binaries it linked (each has a <name>.product folder beside it),
# so the next swift build links them again against the new library instead of keeping the old one inside.
for product in "$ROOT"/.build/*/*/*.product; do
    [ -d "$product" ] && { rm -f "${product%.product}" "${product%.product}.xctest" 2>/dev/null || true; }
done
echo "Encrypting SQLite ready: $OUT/libsqlite3.a"
