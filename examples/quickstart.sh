#!/usr/bin/env bash
# The README's quick start: retort's main job on the embedded default (SQLite, no server).
# Build retort (progress shown), then in a fresh project: write the models, let `migrate`
# write the revision, review it, apply it, change the models, migrate again, step back
# with `downgrade -1`, forward again, and look at the history. Then the same commands on
# the example project in examples/blog, whose revisions include hand-written ones.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# A debug build: quicker to compile on a small machine, and what `cargo test` builds too.
echo "building retort (cargo build -p retort-cli; the first build takes a few minutes) ..."
cargo build -p retort-cli --manifest-path "$here/../Cargo.toml"
retort="$here/../target/debug/retort"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
run() { echo; echo "\$ retort $*"; "$retort" "$@"; }
show() { echo; echo "\$ cat $1"; cat "$1"; }

run init shop
cd shop
cat > models.sql <<'SQL'
-- The schema you want, in the engine's own SQL. retort works out how to get there.
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    email VARCHAR(200) NOT NULL UNIQUE
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    total NUMERIC(10, 2) NOT NULL DEFAULT 0
);
SQL
show models.sql
run migrate -m "customers and orders"
show migrations/versions/*_customers_and_orders.sql
run upgrade

echo; echo "\$ # a change to the models: orders get a status, and an index"
cat >> models.sql <<'SQL'
CREATE INDEX ix_orders_customer ON orders (customer_id);
SQL
sed -i.bak 's/total NUMERIC(10, 2) NOT NULL DEFAULT 0/total NUMERIC(10, 2) NOT NULL DEFAULT 0,\n    status VARCHAR(20) NOT NULL DEFAULT '"'"'new'"'"'/' models.sql && rm -f models.sql.bak
run check || echo "(check exits 1: the models differ from head; that is what migrate is for)"
run migrate -m "order status"
show migrations/versions/*_order_status.sql
run upgrade
run downgrade -1
run current
run upgrade
run history --graph
run check

# The example project: a history written partly by hand, then one more change.
cp -r "$here/blog" "$work/blog"
cd "$work/blog"
run upgrade
run status
cat >> models.sql <<'SQL'

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name VARCHAR(50) NOT NULL
);
SQL
run migrate -m "add tags"
run upgrade
run check
echo
echo "quick start finished: both example databases are at head, models and databases agree."
