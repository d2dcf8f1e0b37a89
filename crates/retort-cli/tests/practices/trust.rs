//! Trust: what must never happen to a user's data or a user's files, whatever the
//! models, the environment names or the faults. Each test drives the built binary and
//! judges by the server's catalog or the file system.
use crate::common::{engine_names, Project};

/// Models taken from a dump that talks about the live database (`USE appdb`,
/// `CREATE DATABASE`, `ALTER DATABASE … SET`, `ATTACH 'dev.db'`) never reach it: the
/// scratch session can touch nothing but its scratch area.
#[test]
fn models_that_name_the_live_database_never_touch_it() {
    for engine in engine_names() {
        let p = Project::on(engine);
        p.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(40))");
        p.exec("INSERT INTO customers VALUES (1, 'a'), (2, 'b')");
        let live = p.db.url.rsplit('/').next().unwrap().to_string();
        let models = match engine {
            "mysql" => {
                let out = std::process::Command::new("mariadb-dump")
                    .args(["-h", "127.0.0.1", "-u", "root", "--no-data", "--databases", &live])
                    .output()
                    .expect("mariadb-dump runs");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                let dump = String::from_utf8(out.stdout).unwrap();
                assert!(dump.contains(&format!("USE `{live}`")) && dump.contains("DROP TABLE IF EXISTS"), "{dump}");
                dump
            }
            "postgres" => {
                let out = std::process::Command::new("pg_dump")
                    .args(["-h", "127.0.0.1", "-U", "postgres", "--schema-only", "--create", "--clean", &live])
                    .output()
                    .expect("pg_dump runs");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                format!("{}\nALTER DATABASE {live} SET work_mem = '7MB';\nCREATE ROLE retort_evil_role;\n", String::from_utf8(out.stdout).unwrap())
            }
            _ => "ATTACH 'dev.db' AS live;\nDELETE FROM live.customers;\nCREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(40));\n".to_string(),
        };
        std::fs::write(p.path().join("models.sql"), &models).unwrap();
        let r = p.retort(&["migrate", "-m", "init", "--ignore-db"]);
        assert_eq!(
            p.query("SELECT COUNT(*) FROM customers"),
            vec!["2"],
            "[{engine}] the live table was emptied\n{}{}",
            r.stdout,
            r.stderr
        );
        match engine {
            "sqlite" => {
                // ATTACH is refused with the line that asked for it.
                assert_eq!(r.code, 14, "[{engine}] {}{}", r.stdout, r.stderr);
                assert!(
                    r.stderr.contains("ATTACH is refused") && r.stderr.contains("models.sql:1:"),
                    "[{engine}] {}",
                    r.stderr
                );
            }
            "postgres" => {
                assert_eq!(r.code, 0, "[{engine}] {}{}", r.stdout, r.stderr);
                assert!(p.query(&format!("SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = '{live}'")) == vec!["0"], "[{engine}] the live database's settings changed");
                assert_eq!(
                    p.query("SELECT count(*) FROM pg_roles WHERE rolname = 'retort_evil_role'"),
                    vec!["0"]
                );
            }
            _ => {
                assert_eq!(r.code, 0, "[{engine}] {}{}", r.stdout, r.stderr);
            }
        }
        if engine != "sqlite" {
            assert!(
                r.stderr.contains("database-level") || r.stdout.contains("database-level"),
                "[{engine}] the skipped statements are named:\n{}{}",
                r.stdout,
                r.stderr
            );
        }
    }
}

/// A statement in the models that names another database of the server is refused on
/// MariaDB/MySQL before it runs (it could empty a live table), with its line.
#[test]
fn models_naming_another_database_are_refused_on_mysql() {
    if !engine_names().contains(&"mysql") {
        return;
    }
    let p = Project::on("mysql");
    p.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY)");
    p.exec("INSERT INTO customers VALUES (1), (2)");
    let live = p.db.url.rsplit('/').next().unwrap().to_string();
    std::fs::write(
        p.path().join("models.sql"),
        format!("CREATE TABLE t (id INT PRIMARY KEY);\nDROP TABLE IF EXISTS `{live}`.customers;\n"),
    )
    .unwrap();
    p.retort(&["migrate", "-m", "init", "--ignore-db"]).fails_with(14, &live);
    assert_eq!(p.query("SELECT COUNT(*) FROM customers"), vec!["2"]);
}

/// Appends environments to the project's retort.toml.
fn add_envs(p: &Project, toml: &str) {
    let path = p.path().join("retort.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n{toml}\n")).unwrap();
}

fn backups(p: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.path().join("backups"))
        .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// Pruning removes only the backups retort wrote for exactly this environment, never the
/// one just written and never a file it did not write (`dev` beside `dev-eu`).
#[test]
fn backup_pruning_keeps_other_environments_hand_made_files_and_the_new_backup() {
    let p = Project::new();
    add_envs(&p, "[env.dev-eu]\nurl = \"sqlite://eu.db\"\nbackup_keep = 2\n[env.solo]\nurl = \"sqlite://solo.db\"\nbackup_keep = 0\n");
    let toml = std::fs::read_to_string(p.path().join("retort.toml")).unwrap().replace(
        "[env.dev]\nurl = \"sqlite://dev.db\"",
        "[env.dev]\nurl = \"sqlite://dev.db\"\nbackup_keep = 2",
    );
    std::fs::write(p.path().join("retort.toml"), toml).unwrap();
    p.exec("CREATE TABLE t (id INTEGER)");
    p.exec_on("eu.db", "CREATE TABLE t (id INTEGER)");
    p.exec_on("solo.db", "CREATE TABLE t (id INTEGER)");
    p.retort(&["--env", "dev-eu", "backup"]).ok();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    p.retort(&["--env", "dev-eu", "backup"]).ok();
    std::fs::write(p.path().join("backups/dev-0-handmade.sqlite"), "keep").unwrap();
    let r = p.retort(&["--env", "dev", "backup"]).ok();
    let all = backups(&p);
    assert_eq!(all.iter().filter(|n| n.starts_with("dev-eu-")).count(), 2, "{all:?}");
    assert!(all.contains(&"dev-0-handmade.sqlite".to_string()), "{all:?}");
    let dev: Vec<&String> = all.iter().filter(|n| n.starts_with("dev-2")).collect();
    assert_eq!(dev.len(), 1, "{all:?}");
    assert!(
        r.stdout.contains(dev[0].as_str()),
        "the announced backup is the one kept: {}",
        r.stdout
    );
    // backup_keep = 0 never deletes the backup just made.
    let r = p.retort(&["--env", "solo", "backup"]).ok();
    let solo: Vec<String> = backups(&p).into_iter().filter(|n| n.starts_with("solo-")).collect();
    assert_eq!(solo.len(), 1, "{solo:?}");
    assert!(r.stdout.contains(&solo[0]));
}

/// Environment names go into file names: one that could leave `backup_dir` is refused.
#[test]
fn environment_names_that_could_escape_the_backup_dir_are_refused() {
    let p = Project::new();
    add_envs(&p, "[env.\"../../esc\"]\nurl = \"sqlite://x.db\"\nbackup = true\n");
    p.retort(&["--env", "../../esc", "backup"]).fails_with(3, "environment name");
    p.retort(&["status"]).fails_with(3, "environment name");
    assert!(
        !p.path().join("../../esc").exists() && !p.path().parent().unwrap().join("esc").exists()
    );
}

/// `restore` takes the migration lock as `upgrade` does: it waits for a running upgrade
/// and times out, instead of wiping what the upgrade then reports as applied.
#[test]
fn restore_waits_for_the_migration_lock() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        p.exec("CREATE TABLE keep (id INTEGER)");
        let r = p.retort(&["backup"]).ok();
        let file = r
            .stdout
            .split_whitespace()
            .find(|w| w.contains("backups/"))
            .unwrap()
            .trim_end_matches('.')
            .to_string();
        let sleep = if engine == "postgres" { "SELECT pg_sleep(4);" } else { "SELECT SLEEP(4);" };
        p.write_rev(
            "aaaaaaaaaaaa",
            &[],
            "slow",
            &format!("{sleep}\nCREATE TABLE slow (id INTEGER);"),
            "DROP TABLE slow;",
        );
        let (bin, dir) = (assert_cmd::cargo::cargo_bin("retort"), p.path().to_path_buf());
        let upgrade = std::thread::spawn(move || {
            std::process::Command::new(&bin).current_dir(dir).args(["upgrade"]).output()
        });
        std::thread::sleep(std::time::Duration::from_millis(1500));
        p.retort(&["--lock-timeout", "1", "restore", &file]).fails_with(9, "lock");
        let out = upgrade.join().unwrap().unwrap();
        assert!(out.status.success(), "[{engine}] {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(p.version_rows(), vec!["aaaaaaaaaaaa"], "[{engine}]");
        assert!(p.tables().contains(&"slow".to_string()), "[{engine}]");
    }
}

/// A damaged SQLite backup (pages overwritten, or cut short) is refused before it
/// replaces anything: exit 2, the database as it was.
#[test]
fn a_damaged_sqlite_backup_is_refused_and_the_database_kept() {
    let p = Project::new();
    p.exec("CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT)");
    p.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO big SELECT i, printf('%0100d', i) FROM n");
    p.exec("CREATE INDEX big_v ON big (v)");
    let r = p.retort(&["backup"]).ok();
    let file = r
        .stdout
        .split_whitespace()
        .find(|w| w.contains("backups/"))
        .unwrap()
        .trim_end_matches('.')
        .to_string();
    let path = p.path().join(&file);
    let good = std::fs::read(&path).unwrap();
    assert!(good.len() > 12288);
    p.exec("INSERT INTO big VALUES (5000, 'after the backup')");
    let mut bad = good.clone();
    bad[8192..12288].fill(0x5a);
    std::fs::write(&path, &bad).unwrap();
    p.retort(&["restore", &file]).fails_with(2, "integrity check");
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let r = p.retort(&["restore", &file]).fails_with(2, "");
    assert!(!r.stderr.contains("not an error"), "{}", r.stderr);
    assert_eq!(p.query("PRAGMA integrity_check"), vec!["ok"]);
    assert_eq!(p.query("SELECT count(*) FROM big"), vec!["2001"]);
}

/// Every upgrade target below the current revision is refused, base included.
#[test]
fn upgrade_to_base_or_below_is_refused_like_any_lower_target() {
    let p = Project::new();
    let ids = crate::common::chain(&p, 2);
    p.retort(&["upgrade"]).ok();
    for target in ["-1", "-2", "base"] {
        p.retort(&["upgrade", target]).fails_with(5, "upgrade only moves up");
    }
    let r = p.retort(&["upgrade", "base"]).fails_with(5, "retort downgrade base");
    assert!(!r.stdout.contains("Nothing to do"));
    assert_eq!(p.version_rows(), vec![ids[1].clone()]);
}

/// Writes a revision with `depends_on` and labels, creating table `t<id>`.
fn dep_rev(p: &Project, id: &str, down: &str, depends_on: &str, labels: &str) {
    let text = format!(
        "-- revision: {id}\n-- down_revision: {down}\n-- depends_on: {depends_on}\n-- branch_labels: {labels}\n-- message: m\n\n-- +upgrade\nCREATE TABLE t{id} (id INTEGER);\n\n-- +downgrade\nDROP TABLE t{id};\n"
    );
    std::fs::write(p.path().join(format!("migrations/versions/{id}_m.sql")), text).unwrap();
}

/// Relative steps and `LABEL@head` follow `down_revision` only: a dependency is applied
/// first when something needs it, never walked through. Expected results are Alembic
/// 1.13's on the same graphs.
#[test]
fn depends_on_is_no_parent_for_relative_steps_and_branch_heads() {
    let (a, b, c) = ("aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc");
    // A (root); B (root, depends_on A): at B, `downgrade -1` reverts B and keeps A.
    let p = Project::new();
    dep_rev(&p, a, "", "", "");
    dep_rev(&p, b, "", a, "");
    p.retort(&["upgrade", b]).ok();
    p.retort(&["downgrade", "-1"]).ok();
    let tables = p.tables();
    assert!(tables.contains(&format!("t{a}")) && !tables.contains(&format!("t{b}")), "{tables:?}");
    assert_eq!(p.version_rows(), vec![a]);
    // A; B (depends_on A); C (parent B): at C, `downgrade -2` reverts C and B, keeps A.
    dep_rev(&p, c, b, "", "");
    p.retort(&["upgrade", c]).ok();
    p.retort(&["downgrade", "-2"]).ok();
    assert_eq!(p.version_rows(), vec![a]);
    // At B, `downgrade B-1` is base: everything goes.
    p.retort(&["upgrade", b]).ok();
    p.retort(&["downgrade", &format!("{b}-1")]).ok();
    assert!(p.version_rows().is_empty());
    // A (label lib); B (root, depends_on lib): `upgrade lib@head` applies A only; stamp too.
    let p = Project::new();
    dep_rev(&p, a, "", "", "lib");
    dep_rev(&p, b, "", "lib", "");
    p.retort(&["upgrade", "lib@head"]).ok();
    assert_eq!(p.version_rows(), vec![a]);
    assert!(!p.tables().contains(&format!("t{b}")));
    p.retort(&["stamp", "--purge", "lib@head"]).ok();
    assert_eq!(p.version_rows(), vec![a]);
    // A; C (parent A); B (depends_on A): `upgrade A@head` is C.
    let p = Project::new();
    dep_rev(&p, a, "", "", "");
    dep_rev(&p, c, a, "", "");
    dep_rev(&p, b, "", a, "");
    p.retort(&["upgrade", &format!("{a}@head")]).ok();
    assert_eq!(p.version_rows(), vec![c]);
}

/// `stamp` checks the live schema against the schema at the target before recording it
/// (exit 1, nothing written, the differences listed) unless `--force`; the log says which.
#[test]
fn stamp_refuses_a_database_whose_schema_is_not_the_targets() {
    for engine in engine_names() {
        let p = Project::on(engine);
        p.write_rev(
            "e3eaaaaaaaaa",
            &[],
            "create a",
            "CREATE TABLE a (id INTEGER PRIMARY KEY);",
            "DROP TABLE a;",
        );
        p.exec("CREATE TABLE zzz (id INTEGER)");
        let r = p.retort(&["stamp", "head"]).fails_with(1, "is not the schema at `head`");
        assert!(r.stderr.contains("--force"), "[{engine}] {}", r.stderr);
        assert!(
            !p.tables().contains(&"alembic_version".to_string()) || p.version_rows().is_empty(),
            "[{engine}] nothing recorded"
        );
        p.exec("DROP TABLE zzz");
        p.exec("CREATE TABLE a (id INTEGER PRIMARY KEY)");
        p.retort(&["stamp", "head"]).ok();
        assert_eq!(p.version_rows(), vec!["e3eaaaaaaaaa"], "[{engine}]");
        assert_eq!(
            p.query("SELECT message FROM retort_log WHERE direction = 'stamp' ORDER BY id DESC"),
            vec!["create a [stamp: verified, the live schema matched]"],
            "[{engine}]"
        );
        // Stamping base needs no check; --force records a mismatch, logged as forced.
        p.retort(&["stamp", "base"]).ok();
        p.exec("DROP TABLE a");
        p.retort(&["stamp", "--force", "head"]).ok();
        let last =
            p.query("SELECT message FROM retort_log WHERE direction = 'stamp' ORDER BY id DESC");
        assert!(last[0].contains("[stamp: forced"), "[{engine}] {last:?}");
        p.retort(&["drift"]).fails_with(1, "");
    }
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

/// A scratch database left by a retort process of this machine that was killed (before
/// any clean-up could run) is named by `doctor` and dropped by the next autogenerate.
#[test]
fn scratch_databases_of_killed_processes_are_named_and_dropped() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        let dead = {
            let mut c = std::process::Command::new("true").spawn().unwrap();
            let pid = c.id();
            c.wait().unwrap();
            pid
        };
        let orphan = format!(
            "{}{}_0123456789ab",
            retort::core::cleanup::scratch_prefix(dead),
            retort::core::cleanup::host_tag()
        );
        let admin = if engine == "postgres" {
            crate::common::servers::pg_admin_url()
        } else {
            crate::common::servers::mysql_admin_url()
        };
        let mut c = retort::connect(&retort::RedactedUrl::new(admin.clone()), p.path()).unwrap();
        c.execute(&format!("CREATE DATABASE {orphan}")).unwrap();
        let exists =
            |c: &mut Box<dyn retort::Connection>| c.scratch_databases().unwrap().contains(&orphan);
        let r = p.retort(&["doctor"]);
        let drop_it = |c: &mut Box<dyn retort::Connection>| {
            let force = if engine == "postgres" { " WITH (FORCE)" } else { "" };
            let _ = c.execute(&format!("DROP DATABASE IF EXISTS {orphan}{force}"));
        };
        if !r.stdout.contains(&orphan) {
            drop_it(&mut c);
            panic!("[{engine}] doctor does not name {orphan}:\n{}", r.stdout);
        }
        std::fs::write(p.path().join("models.sql"), "CREATE TABLE a (id INTEGER PRIMARY KEY);\n")
            .unwrap();
        let r = p.retort(&["check", "--no-db"]);
        let still = exists(&mut c);
        drop_it(&mut c);
        assert!(!still, "[{engine}] the orphan survived autogenerate: {}{}", r.stdout, r.stderr);
    }
}

/// `status` while another run is inside a revision says so (exit 0), instead of calling
/// the database dirty and advising a manual repair.
#[test]
fn status_during_another_runs_revision_says_in_progress() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        // MySQL: DDL commits, so the log says "in progress" first; PostgreSQL: the same
        // for a revision outside a transaction.
        let (header, sleep) = if engine == "postgres" {
            ("-- transactional: false\n", "SELECT pg_sleep(3);")
        } else {
            ("", "SELECT SLEEP(3);")
        };
        let text = format!("-- revision: aaaaaaaaaaa1\n-- down_revision:\n-- message: slow\n{header}\n-- +upgrade\nCREATE TABLE t1 (id INTEGER);\n{sleep}\n\n-- +downgrade\nDROP TABLE t1;\n");
        std::fs::write(p.path().join("migrations/versions/aaaaaaaaaaa1_slow.sql"), text).unwrap();
        let (bin, dir) = (assert_cmd::cargo::cargo_bin("retort"), p.path().to_path_buf());
        let run = std::thread::spawn(move || {
            std::process::Command::new(bin).current_dir(dir).args(["upgrade"]).output().unwrap()
        });
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let r = p.retort(&["status"]);
        let out = run.join().unwrap();
        assert!(out.status.success(), "[{engine}] {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(r.code, 0, "[{engine}] {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("in progress by another run"), "[{engine}] {}", r.stdout);
        assert!(
            !r.stdout.contains("dirty") && !r.stderr.contains("dirty"),
            "[{engine}] {}{}",
            r.stdout,
            r.stderr
        );
    }
}

/// A revision whose first statement fails changed nothing — also on MariaDB, and for a
/// PostgreSQL revision outside a transaction: it is not called dirty, and the next
/// command needs no `resolve`.
#[test]
fn a_revision_failing_at_its_first_statement_is_not_dirty() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        let header = if engine == "postgres" { "-- transactional: false\n" } else { "" };
        let write = |up: &str| {
            let text = format!("-- revision: aaaaaaaaaaa1\n-- down_revision:\n-- message: first fails\n{header}\n-- +upgrade\n{up}\n\n-- +downgrade\nSELECT 1;\n");
            std::fs::write(p.path().join("migrations/versions/aaaaaaaaaaa1_first_fails.sql"), text)
                .unwrap();
        };
        write("ALTER TABLE nosuch DROP CONSTRAINT c;\nCREATE TABLE t1 (id INTEGER);");
        let r = p.retort(&["upgrade"]).fails_with(7, "nosuch");
        assert!(
            !r.stderr.contains("DIRTY") && !r.stderr.contains("dirty"),
            "[{engine}] {}",
            r.stderr
        );
        p.retort(&["status"]).ok();
        write("CREATE TABLE t1 (id INTEGER);");
        p.retort(&["verify"]).ok();
        p.retort(&["upgrade"]).ok();
        assert_eq!(p.version_rows(), vec!["aaaaaaaaaaa1"]);
    }
}

/// An empty `-- +downgrade` under an upgrade that did something is irreversible (exit 6,
/// nothing reverted), unless the section says there is nothing to undo.
#[test]
fn an_empty_downgrade_of_a_real_upgrade_is_irreversible() {
    let p = Project::new();
    p.write_rev(
        "aaaaaaaaaaa1",
        &[],
        "base table",
        "CREATE TABLE keep (id INTEGER);",
        "DROP TABLE keep;",
    );
    let path =
        p.write_rev("aaaaaaaaaaa2", &["aaaaaaaaaaa1"], "add t", "CREATE TABLE t (id INTEGER);", "");
    p.retort(&["upgrade"]).ok();
    let r = p.retort(&["downgrade", "-1"]).fails_with(6, "cannot be reverted");
    assert!(
        r.stderr.contains("aaaaaaaaaaa2") && r.stderr.contains("-- nothing to undo"),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("Reverted"));
    assert_eq!(p.version_rows(), vec!["aaaaaaaaaaa2"]);
    assert!(p.tables().contains(&"t".to_string()));
    let lint = p.retort(&["lint", "aaaaaaaaaaa2"]);
    assert!(
        lint.stdout.contains("missing-downgrade") || lint.stderr.contains("missing-downgrade"),
        "{}{}",
        lint.stdout,
        lint.stderr
    );
    // Said on purpose: reverting records it and runs nothing.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("-- +downgrade\n", "-- +downgrade\n-- nothing to undo: t is kept on purpose\n");
    std::fs::write(&path, text).unwrap();
    p.retort(&["verify", "--accept", "aaaaaaaaaaa2"]).ok();
    p.retort(&["downgrade", "-1"]).ok();
    assert_eq!(p.version_rows(), vec!["aaaaaaaaaaa1"]);
}

/// An offline script piped into the engine's own client stops at the first failing
/// statement: the failing revision is never recorded as applied (the sqlite3 shell and
/// psql go on by default).
#[test]
fn offline_sql_stops_at_the_first_error_in_each_client() {
    for engine in engine_names() {
        let p = Project::on(engine);
        p.write_rev("aaaaaaaaaaa1", &[], "one", "CREATE TABLE t1 (id INTEGER);", "DROP TABLE t1;");
        p.write_rev("aaaaaaaaaaa2", &["aaaaaaaaaaa1"], "two", "CREATE TABLE t2 (id INTEGER);\nINSERT INTO nosuch VALUES (1);\nCREATE TABLE t3 (id INTEGER);", "DROP TABLE t3;\nDROP TABLE t2;");
        let sql = p.retort(&["upgrade", "--sql", "base:head"]).ok().stdout;
        let file = p.path().join("offline.sql");
        std::fs::write(&file, &sql).unwrap();
        let status = match engine {
            "sqlite" => std::process::Command::new("sqlite3")
                .arg(p.db_path())
                .stdin(std::fs::File::open(&file).unwrap())
                .status(),
            "postgres" => {
                std::process::Command::new("psql").args(["-q", &p.db.url, "-f"]).arg(&file).status()
            }
            _ => {
                let name = p.db.url.rsplit('/').next().unwrap().to_string();
                std::process::Command::new("mariadb")
                    .args(["-h", "127.0.0.1", "-u", "root", &name])
                    .stdin(std::fs::File::open(&file).unwrap())
                    .status()
            }
        }
        .expect("the engine's client is installed");
        assert!(!status.success(), "[{engine}] the client reported success");
        assert_eq!(
            p.version_rows(),
            vec!["aaaaaaaaaaa1"],
            "[{engine}] the failed revision was recorded:\n{sql}"
        );
        assert_eq!(
            p.query("SELECT count(*) FROM retort_log WHERE revision = 'aaaaaaaaaaa2'"),
            vec!["0"],
            "[{engine}]"
        );
    }
}

/// A URL that cannot be read is a configuration error (exit 3), as the README says, on
/// every server engine; its password is not printed.
#[test]
fn a_malformed_url_is_a_configuration_error() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        let urls: &[&str] = if engine == "postgres" {
            &[
                "postgres://u:s3cret@127.0.0.1:notaport/db",
                "postgres://u:s3cret@127.0.0.1:5432/db?lock=bogus",
            ]
        } else {
            &[
                "mysql://u:s3cret@127.0.0.1:3306/db?lock=bogus",
                "mysql://u:s3cret@127.0.0.1:notaport/db",
            ]
        };
        for url in urls {
            let r = p
                .retort_env(&["current"], &[("DATABASE_URL", url)])
                .fails_with(3, "invalid database URL");
            assert!(!r.stderr.contains("s3cret"), "{}", r.stderr);
        }
    }
}

/// A revision file that is not UTF-8 is a malformed migration file (exit 4), named with
/// its line, as the README's exit codes say.
#[test]
fn a_non_utf8_revision_file_is_a_migration_file_error() {
    let p = Project::new();
    let path = p.write_rev(
        "aaaaaaaaaaa1",
        &[],
        "latin1",
        "CREATE TABLE t (note TEXT DEFAULT 'x');",
        "DROP TABLE t;",
    );
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(3).position(|w| w == b"'x'").unwrap() + 1;
    bytes[at] = 0xe9;
    std::fs::write(&path, bytes).unwrap();
    let r = p.retort(&["upgrade"]).fails_with(4, "not UTF-8");
    assert!(r.stderr.contains("aaaaaaaaaaa1_latin1.sql:7:"), "{}", r.stderr);
}

/// `init --url` with a password refuses to write it into retort.toml; a fleet target
/// listed twice is refused before anything runs.
#[test]
fn init_keeps_passwords_out_of_retort_toml_and_fleets_name_each_target_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("retort"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .args(["init", "--url", "postgres://app:hunter2@db.example/app"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("DATABASE_URL") && !stderr.contains("hunter2"), "{stderr}");
    assert!(!dir.path().join("retort.toml").exists());

    let p = Project::new();
    add_envs(
        &p,
        "[env.fleet]\nurl = \"sqlite://tenants/{target}.db\"\ntargets = [\"a\", \"b\", \"a\"]\n",
    );
    std::fs::create_dir_all(p.path().join("tenants")).unwrap();
    p.write_rev("aaaaaaaaaaa1", &[], "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;");
    p.retort(&["--env", "fleet", "upgrade", "--all"]).fails_with(2, "listed twice");
    assert!(!p.path().join("tenants/a.db").exists());
}
