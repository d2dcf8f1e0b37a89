//! The lease lock where a session lock does not hold on PostgreSQL: forced with
//! `?lock=lease`, and chosen by itself behind PgBouncer's transaction pooling.
use crate::common::*;

/// On PostgreSQL `?lock=lease` replaces the session advisory lock (which does
/// not hold behind PgBouncer's transaction pooling): 20 concurrent deploys apply each
/// revision once, and after `kill -9` of the owner in the middle of a revision the next
/// run waits for the lease, takes over and applies it (the killed one was rolled back).
#[test]
fn the_lease_lock_serialises_postgres_runs_and_survives_a_killed_owner() {
    let p = Project::on("postgres");
    let ids = chain(&p, 8);
    let bin = assert_cmd::cargo::cargo_bin("retort");
    let url = format!("{}?lock=lease&lease=2", p.db.url);
    let spawn = |args: &[&str]| {
        std::process::Command::new(&bin)
            .current_dir(p.path())
            .env("DATABASE_URL", &url)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = (0..20).map(|_| spawn(&["upgrade", "head"])).collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a concurrent run failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        p.query("SELECT revision FROM retort_log WHERE direction = 'up' ORDER BY id"),
        ids,
        "every revision once, in order"
    );
    assert_eq!(p.query("SELECT count(*) FROM _retort_lock"), ["0"], "the lease is given back");
    // pg_locks is the whole server's: only this test's database counts.
    assert_eq!(p.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"), ["0"], "no advisory lock was used");

    p.write_rev(
        "bbbb00000001",
        &[&ids[7]],
        "slow",
        "CREATE TABLE slow_t (id INTEGER);\nSELECT pg_sleep(3);",
        "DROP TABLE slow_t;",
    );
    let mut owner = spawn(&["upgrade"]);
    let started = std::time::Instant::now();
    while p.query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()") != ["1"] {
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "the owner never reached the slow revision");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    owner.kill().unwrap();
    owner.wait().unwrap();
    let killed = std::time::Instant::now();
    let next = spawn(&["upgrade", "--lock-timeout", "30"]).wait_with_output().unwrap();
    assert!(next.status.success(), "{}", String::from_utf8_lossy(&next.stderr));
    assert!(
        killed.elapsed() >= std::time::Duration::from_secs(1),
        "waited for the lease: {:?}",
        killed.elapsed()
    );
    assert_eq!(p.version_rows(), ["bbbb00000001"]);
    assert_eq!(
        p.query(
            "SELECT count(*) FROM retort_log WHERE revision = 'bbbb00000001' AND status = 'ok'"
        ),
        ["1"]
    );
}

/// PgBouncer in transaction pooling mode in front of the test server, started by the
/// test (as the `postgres` user: PgBouncer refuses to run as root) and stopped on drop.
struct PgBouncer {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl PgBouncer {
    fn start() -> PgBouncer {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let ini = format!(
            "[databases]\n* = host=127.0.0.1 port=5432\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\nauth_type = trust\nauth_file = {0}/users.txt\npool_mode = transaction\nmax_client_conn = 200\ndefault_pool_size = 4\nlogfile = {0}/pgbouncer.log\nignore_startup_parameters = extra_float_digits,options\n",
            dir.path().display()
        );
        std::fs::write(dir.path().join("pgbouncer.ini"), ini).unwrap();
        std::fs::write(dir.path().join("users.txt"), "\"postgres\" \"\"\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let bin = if std::path::Path::new("/usr/sbin/pgbouncer").exists() {
            "/usr/sbin/pgbouncer"
        } else {
            "pgbouncer"
        };
        let mut child = std::process::Command::new("runuser")
            .args([
                "-u",
                "postgres",
                "--",
                bin,
                &dir.path().join("pgbouncer.ini").to_string_lossy(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("pgbouncer starts (.ci/run installs it)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return PgBouncer { child, port, _dir: dir };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "pgbouncer did not listen on {port}: {}",
            std::fs::read_to_string(dir.path().join("pgbouncer.log")).unwrap_or_default()
        );
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        // runuser forwards the signal; kill the pooler itself too.
        let _ = std::process::Command::new("pkill")
            .args(["-f", &format!("{}/pgbouncer.ini", self._dir.path().display())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Ten revisions, the first creating `hits`, each inserting its own id into it: a
/// revision applied twice shows as a second row.
fn hit_revisions(p: &Project) {
    let mut prev: Vec<String> = Vec::new();
    for i in 0..10 {
        let id = format!("{i:0>4}bbbb{i:0>4}");
        let create = if i == 0 { "CREATE TABLE hits (rev TEXT);\n" } else { "" };
        let down: Vec<&str> = prev.iter().map(String::as_str).collect();
        p.write_rev(
            &id,
            &down,
            &format!("hit {i}"),
            &format!("{create}INSERT INTO hits VALUES ('{id}');"),
            "SELECT 1;",
        );
        prev = vec![id];
    }
}

/// `n` concurrent `retort upgrade` runs of `p` against `url`; each run's output and time.
fn concurrent_upgrades(
    p: &Project,
    url: &str,
    n: usize,
    lock_timeout: &str,
) -> Vec<(std::process::Output, std::time::Duration)> {
    let runs: Vec<_> = (0..n)
        .map(|_| {
            let (bin, dir, url, timeout) = (
                assert_cmd::cargo::cargo_bin("retort"),
                p.path().to_path_buf(),
                url.to_string(),
                lock_timeout.to_string(),
            );
            std::thread::spawn(move || {
                let started = std::time::Instant::now();
                let out = std::process::Command::new(bin)
                    .current_dir(dir)
                    .env("DATABASE_URL", url)
                    .args(["--lock-timeout", &timeout, "upgrade"])
                    .output()
                    .unwrap();
                (out, started.elapsed())
            })
        })
        .collect();
    runs.into_iter().map(|r| r.join().unwrap()).collect()
}

/// Behind PgBouncer in transaction pooling mode, concurrent deploys apply each revision
/// exactly once and none waits on a lock left behind in the pool — with the default lock
/// (the session lock cannot hold there: retort must notice and use the lease) and with
/// `?lock=lease`.
#[test]
fn concurrent_deploys_through_a_transaction_pooler_apply_each_revision_once() {
    if !engine_names().contains(&"postgres") {
        return;
    }
    let bouncer = PgBouncer::start();
    for lock in ["", "?lock=lease"] {
        let p = Project::on("postgres");
        let db = p.db.url.rsplit('/').next().unwrap().to_string();
        let url = format!("postgres://postgres@127.0.0.1:{}/{db}{lock}", bouncer.port);
        hit_revisions(&p);
        for (out, took) in concurrent_upgrades(&p, &url, 8, "40") {
            assert!(
                out.status.success(),
                "[lock={lock}] {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                took < std::time::Duration::from_secs(30),
                "[lock={lock}] a run waited {took:?}: a lock left in the pool?"
            );
        }
        assert_eq!(
            p.query("SELECT count(*) FROM hits"),
            vec!["10"],
            "[lock={lock}] every INSERT ran once"
        );
        assert_eq!(p.query("SELECT count(DISTINCT rev) FROM hits"), vec!["10"]);
        assert_eq!(
            p.query("SELECT count(*) FROM retort_log WHERE status = 'ok' AND direction = 'up'"),
            vec!["10"],
            "[lock={lock}]"
        );
        // No session lock of retort's is left on any server connection of the pool.
        assert_eq!(p.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"), vec!["0"], "[lock={lock}]");
    }
    // Insisting on the session lock (`?lock=advisory`) through the pooler: the lock cannot
    // hold, yet no revision runs twice — each step's transaction locks the version table
    // and re-reads it — and a run that finds its lock in another server session stops.
    drop(bouncer);
    let bouncer = PgBouncer::start();
    let p = Project::on("postgres");
    let db = p.db.url.rsplit('/').next().unwrap().to_string();
    let url = format!("postgres://postgres@127.0.0.1:{}/{db}?lock=advisory", bouncer.port);
    hit_revisions(&p);
    for (out, _) in concurrent_upgrades(&p, &url, 8, "5") {
        let code = out.status.code();
        assert!(
            matches!(code, Some(0) | Some(9)),
            "a run failed otherwise: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Session locks a run could not free stay with the pool's server connections until
    // the pooler closes them.
    drop(bouncer);
    p.retort_env(&["upgrade"], &[("DATABASE_URL", &p.db.url)]).ok();
    assert_eq!(
        p.query("SELECT count(*) FROM hits"),
        vec!["10"],
        "[lock=advisory] every INSERT ran once"
    );
    assert_eq!(
        p.query("SELECT count(*) FROM retort_log WHERE status = 'ok' AND direction = 'up'"),
        vec!["10"]
    );
}

/// A run whose lease is taken over while it is inside a long revision stops (exit 9)
/// instead of going on: on PostgreSQL that revision is rolled back with it; on
/// MariaDB, where its DDL already committed, it is recorded and the next one is not run.
#[test]
fn a_run_that_lost_its_lease_stops() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        let url = format!("{}?lock=lease&lease=2", p.db.url);
        let sleep = if engine == "postgres" { "SELECT pg_sleep(3);" } else { "SELECT SLEEP(3);" };
        p.write_rev(
            "aaaaaaaaaaa1",
            &[],
            "slow",
            &format!("CREATE TABLE t1 (id INTEGER);\n{sleep}"),
            "DROP TABLE t1;",
        );
        p.write_rev(
            "aaaaaaaaaaa2",
            &["aaaaaaaaaaa1"],
            "next",
            "CREATE TABLE t2 (id INTEGER);",
            "DROP TABLE t2;",
        );
        let (bin, dir, u) =
            (assert_cmd::cargo::cargo_bin("retort"), p.path().to_path_buf(), url.clone());
        let run = std::thread::spawn(move || {
            std::process::Command::new(bin)
                .current_dir(dir)
                .env("DATABASE_URL", u)
                .args(["upgrade"])
                .output()
                .unwrap()
        });
        std::thread::sleep(std::time::Duration::from_millis(1200));
        // What a second run does once the first one's lease expired (it was paused): the
        // lease row becomes another owner's.
        let later = if engine == "postgres" {
            "now() + interval '1 hour'"
        } else {
            "NOW(3) + INTERVAL 1 HOUR"
        };
        p.exec(&format!(
            "UPDATE _retort_lock SET owner = 'otherhost:1:other', expires_at = {later}"
        ));
        let out = run.join().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(9), "[{engine}] {stderr}");
        assert!(stderr.contains("no longer this run's"), "[{engine}] {stderr}");
        let tables = p.tables();
        assert!(
            !tables.contains(&"t2".to_string()),
            "[{engine}] the next revision ran: {tables:?}"
        );
        if engine == "postgres" {
            assert!(!tables.contains(&"t1".to_string()), "[{engine}] {tables:?}");
            assert!(p.version_rows().is_empty());
        } else {
            assert_eq!(
                p.version_rows(),
                vec!["aaaaaaaaaaa1"],
                "[{engine}] the committed revision is recorded"
            );
        }
        p.exec("DELETE FROM _retort_lock");
        p.retort_env(&["upgrade"], &[("DATABASE_URL", &url)]).ok();
        assert_eq!(p.version_rows(), vec!["aaaaaaaaaaa2"], "[{engine}]");
    }
}
