#!/usr/bin/env bash
# The README's quick start: build retort, copy the example project to a scratch
# directory and walk it through history, upgrade, status, downgrade and upgrade again
# on SQLite (no server needed). The database file appears with the first upgrade: read
# commands such as `status` never create it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cargo build --quiet --release -p retort-cli --manifest-path "$here/../Cargo.toml"
retort="$here/../target/release/retort"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$here/blog" "$work/blog"
cd "$work/blog"
run() { echo; echo "\$ retort $*"; "$retort" "$@"; }
run history
run upgrade
run status
run current
run downgrade -1
run status
run upgrade head
run current

# The main job: change the models, let retort write the migration, review it, apply it.
cat >> models.sql <<'SQL'

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name VARCHAR(50) NOT NULL
);
SQL
echo; echo "\$ echo 'CREATE TABLE tags (...)' >> models.sql"
run check || echo "(check exits 1: the models differ from head; that is what migrate is for)"
run migrate -m "add tags"
cat migrations/versions/*_add_tags.sql
run upgrade
run check
echo
echo "quick start finished: the example database is at head, models and database agree."
