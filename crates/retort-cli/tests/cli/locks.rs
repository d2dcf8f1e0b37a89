//! The migration lock and the database's lock timeouts: concurrent runs apply each revision once, a held lock is waited for, a blocked statement is retried, a long one cancelled.
use crate::common::*;

#[test]
fn concurrent_upgrades_apply_each_revision_once() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 12);
        let bin = assert_cmd::cargo::cargo_bin("retort");
        // At least 20 deploys starting at once.
        let children: Vec<_> = (0..20)
            .map(|_| {
                std::process::Command::new(&bin)
                    .current_dir(p.path())
                    .args(["upgrade", "head"])
                    .env_remove("DATABASE_URL")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "[{engine}] a concurrent run failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert_eq!(p.version_rows(), vec![ids[11].clone()], "[{engine}]");
        let log = p.query("SELECT revision FROM retort_log WHERE direction = 'up' ORDER BY id");
        assert_eq!(log, ids, "[{engine}] every revision applied exactly once, in order");
    }
}

#[test]
fn a_held_lock_makes_upgrade_wait_then_time_out() {
    for engine in engine_names() {
        let p = Project::on(engine);
        chain(&p, 1);
        // Another session holds the migration lock (or, on SQLite, the write lock).
        let mut holder: Box<dyn retort::Connection> = if engine == "sqlite" {
            retort::connect(&retort::RedactedUrl::new("sqlite://dev.db".into()), p.path()).unwrap()
        } else {
            p.db.connect()
        };
        match engine {
            "sqlite" => holder.execute("BEGIN IMMEDIATE").unwrap(),
            "postgres" => {
                holder.query("SELECT pg_advisory_lock(125780070724212)").unwrap();
            }
            _ => {
                let name = p.db.url.rsplit('/').next().unwrap().to_string();
                holder.query(&format!("SELECT GET_LOCK('retort:{name}', 0)")).unwrap();
            }
        }
        let started = std::time::Instant::now();
        let r = p.retort(&["upgrade", "--lock-timeout", "1"]).fails_with(9, "lock");
        assert!(started.elapsed() >= std::time::Duration::from_millis(900), "[{engine}] it waited");
        // SQLite too says it waits, and for how long it waited.
        assert!(r.stderr.contains("waiting up to 1s"), "[{engine}] {}", r.stderr);
        assert!(r.stderr.contains("timed out after 1s"), "[{engine}] {}", r.stderr);
        assert!(r.stderr.contains("--lock-timeout"), "[{engine}] {}", r.stderr);
        drop(holder);
        p.retort(&["upgrade"]).ok();
    }
}

/// A DDL statement waiting behind a long transaction gives up after the
/// database's lock timeout instead of queueing the table's traffic behind it; the
/// revision is rolled back (nothing of it stays), retried with back-off, and when the
/// tries run out the error names the blocking session and exits 15. When the blocker
/// finishes during the retries, the upgrade goes through.
/// `retort upgrade` with short lock timeouts and a generous retry budget, started while
/// `blocker` holds a transaction open that it commits 1.5 s later: the run must retry and
/// then succeed.
fn upgrade_while_the_blocker_commits(
    p: &Project,
    blocker: &mut dyn retort::Connection,
    engine: &str,
) {
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("retort"))
        .current_dir(p.path())
        .env_remove("DATABASE_URL")
        .args([
            "upgrade",
            "--ddl-lock-timeout",
            "300ms",
            "--lock-retries",
            "8",
            "--lock-retry-budget",
            "20s",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    blocker.execute("COMMIT").unwrap();
    let out = child.wait_with_output().unwrap();
    let said =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "[{engine}] {said}");
    assert!(said.contains("retry 1 of 8"), "[{engine}] it had to retry: {said}");
}

#[test]
fn a_statement_blocked_by_a_long_transaction_times_out_and_is_retried() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        p.write_rev(
            "aaaa00000001",
            &[],
            "create",
            "CREATE TABLE t (id INTEGER PRIMARY KEY);",
            "DROP TABLE t;",
        );
        p.retort(&["upgrade"]).ok();
        p.write_rev(
            "bbbb00000001",
            &["aaaa00000001"],
            "add column",
            "ALTER TABLE t ADD COLUMN c INTEGER;",
            "ALTER TABLE t DROP COLUMN c;",
        );
        // Another session reads the table in a transaction it keeps open.
        let mut blocker = p.db.connect();
        blocker.execute("BEGIN").unwrap();
        blocker.query("SELECT * FROM t").unwrap();
        let flags = [
            "upgrade",
            "--ddl-lock-timeout",
            "300ms",
            "--lock-retries",
            "2",
            "--lock-retry-budget",
            "2s",
        ];
        let r = p.retort(&flags);
        assert_eq!(r.code, 15, "[{engine}] {}\n{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("bbbb00000001")
                && r.stderr.contains("3 attempt(s)")
                && r.stderr.contains("nothing of it stayed"),
            "[{engine}] {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("probably blocked by:"),
            "[{engine}] names the blocker: {}",
            r.stderr
        );
        let said = format!("{}{}", r.stdout, r.stderr);
        assert!(
            said.contains("retry 1 of 2") && said.contains("retry 2 of 2"),
            "[{engine}] {said}"
        );
        assert_eq!(p.version_rows(), ["aaaa00000001"], "[{engine}]");
        let status = p.retort(&["status"]);
        assert_eq!(status.code, 0, "[{engine}] not dirty: {}", status.stderr);

        // The blocker ends while the run is retrying: the upgrade goes through.
        upgrade_while_the_blocker_commits(&p, blocker.as_mut(), engine);
        assert_eq!(p.version_rows(), ["bbbb00000001"], "[{engine}]");
        let ups = p.query("SELECT count(*) FROM retort_log WHERE revision = 'bbbb00000001' AND direction = 'up' AND status = 'ok'");
        assert_eq!(ups, ["1"], "[{engine}] applied once");
    }
}

/// A lock timeout in a later step of a revision (an earlier step committed)
/// is retried in place, inside the budget, and the revision completes once the blocker
/// ends.
#[test]
fn a_later_step_blocked_by_a_long_transaction_is_retried_in_place() {
    let p = Project::on("postgres");
    p.write_rev(
        "aaaa00000001",
        &[],
        "create",
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\nCREATE TABLE u (id INTEGER PRIMARY KEY);",
        "DROP TABLE u;\nDROP TABLE t;",
    );
    p.retort(&["upgrade"]).ok();
    p.write_rev(
        "bbbb00000001",
        &["aaaa00000001"],
        "two steps",
        "ALTER TABLE u ADD COLUMN x INTEGER;\n-- +step\nALTER TABLE t ADD COLUMN y INTEGER;",
        "ALTER TABLE t DROP COLUMN y;\nALTER TABLE u DROP COLUMN x;",
    );
    let mut blocker = p.db.connect();
    blocker.execute("BEGIN").unwrap();
    blocker.query("SELECT * FROM t").unwrap();
    upgrade_while_the_blocker_commits(&p, blocker.as_mut(), "postgres");
    assert_eq!(p.version_rows(), ["bbbb00000001"]);
    assert_eq!(
        p.query("SELECT count(*) FROM information_schema.columns WHERE column_name IN ('x', 'y')"),
        ["2"]
    );
    assert_eq!(
        p.query("SELECT status FROM retort_log WHERE revision = 'bbbb00000001' ORDER BY id"),
        ["ok"]
    );
}

/// `--statement-timeout` (or `statement_timeout` in retort.toml) bounds every
/// statement of the run: PostgreSQL `statement_timeout`, MariaDB `max_statement_time`.
#[test]
fn a_statement_running_past_the_statement_timeout_is_cancelled() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        // MariaDB's SLEEP() returns quietly when interrupted; a long INSERT fails.
        let sleep = if engine == "postgres" {
            "SELECT pg_sleep(5);"
        } else {
            "INSERT INTO t SELECT seq FROM seq_1_to_1000000000;"
        };
        p.write_rev(
            "aaaa00000001",
            &[],
            "slow",
            &format!("CREATE TABLE t (id INTEGER PRIMARY KEY);\n{sleep}"),
            "DROP TABLE t;",
        );
        let started = std::time::Instant::now();
        let r = p.retort(&["upgrade", "--statement-timeout", "1s"]);
        assert_eq!(r.code, 7, "[{engine}] {}\n{}", r.stdout, r.stderr);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(4),
            "[{engine}] cancelled after about a second"
        );
        let expected =
            if engine == "postgres" { "statement timeout" } else { "max_statement_time" };
        assert!(r.stderr.contains(expected), "[{engine}] {}", r.stderr);
    }
}
