#!/usr/bin/env bash
# A 3-node MariaDB Galera cluster on loopback for the cluster tests, from
# Debian's galera-4 and mariadb-server. Idempotent: `start` leaves a running cluster
# running; `stop` shuts it down and removes its data.
#
#   node   SQL port   group port   IST port
#   1      3311       4571         4561
#   2      3312       4572         4562
#   3      3313       4573         4563
#
# Usage: tests/galera/cluster.sh start|stop|status   (GALERA_DIR overrides /tmp/retort-galera)
set -euo pipefail
DIR=${GALERA_DIR:-/tmp/retort-galera}
PROVIDER=/usr/lib/galera/libgalera_smm.so
GROUP="gcomm://127.0.0.1:4571,127.0.0.1:4572,127.0.0.1:4573"

need() {
  local missing=()
  [ -f "$PROVIDER" ] || missing+=(galera-4)
  command -v rsync >/dev/null || missing+=(rsync)
  command -v mariadb-install-db >/dev/null || missing+=(mariadb-server)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "galera: installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

up() { mariadb -h 127.0.0.1 -P "$((3310 + $1))" -u root -N -e "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'wsrep_ready'" 2>/dev/null | grep -q ON; }

size() { mariadb -h 127.0.0.1 -P 3311 -u root -N -e "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'wsrep_cluster_size'" 2>/dev/null || echo 0; }

config() { # node
  local n=$1 d="$DIR/node$1"
  mkdir -p "$d/data"
  cat > "$d/my.cnf" <<EOF
[mariadbd]
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
log-error=$d/error.log
port=$((3310 + n))
bind-address=127.0.0.1
user=mysql
skip-name-resolve=0
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_buffer_pool_size=32M
innodb_log_file_size=16M
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=retort_test
wsrep_cluster_address=$GROUP
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$((4570 + n))
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$((4570 + n));ist.recv_addr=127.0.0.1:$((4560 + n));gcache.size=32M"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$((4440 + n))
EOF
}

start_node() { # node, extra args...
  local n=$1; shift
  # Detached (its own session, no inherited descriptors): it outlives this script and
  # the test process that ran it.
  setsid -f /usr/sbin/mariadbd --defaults-file="$DIR/node$n/my.cnf" "$@" </dev/null >/dev/null 2>&1
}

wait_up() { # node
  for _ in $(seq 1 90); do up "$1" && return 0; sleep 1; done
  echo "galera: node $1 did not come up; its log:" >&2
  tail -30 "$DIR/node$1/error.log" >&2 || true
  return 1
}

case "${1:-start}" in
  start)
    if up 1 && up 2 && up 3 && [ "$(size)" = 3 ]; then echo "galera: cluster of 3 is up"; exit 0; fi
    need
    "$0" stop >/dev/null 2>&1 || true
    mkdir -p "$DIR"
    for n in 1 2 3; do config "$n"; done
    # Every node starts from the same freshly installed system tables, so no state
    # transfer is needed (wsrep_sst_method=skip); what the tests create afterwards
    # replicates. (An rsync SST between datadirs on one host is fragile and slow.)
    # The servers run as mysql: as root, the joiner's rsync daemon drops to nobody and
    # cannot write the datadir it receives.
    chown -R mysql:mysql "$DIR"
    mariadb-install-db --defaults-file="$DIR/node1/my.cnf" --user=mysql --auth-root-authentication-method=normal >/dev/null
    start_node 1 --wsrep-new-cluster
    wait_up 1
    for n in 2 3; do start_node "$n"; wait_up "$n"; done
    mariadb -h 127.0.0.1 -P 3311 -u root -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION" >/dev/null 2>&1 || true
    echo "galera: cluster of $(size) is up"
    ;;
  stop)
    for n in 3 2 1; do
      if [ -f "$DIR/node$n/mysqld.pid" ]; then kill "$(cat "$DIR/node$n/mysqld.pid")" 2>/dev/null || true; fi
    done
    for _ in $(seq 1 30); do pgrep -f "$DIR/node" >/dev/null || break; sleep 1; done
    pkill -9 -f "$DIR/node" 2>/dev/null || true
    rm -rf "$DIR"
    echo "galera: stopped"
    ;;
  status)
    echo "size $(size)"
    ;;
esac
