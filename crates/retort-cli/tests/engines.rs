//! Behaviour that differs per engine or needs several processes: a revision
//! failing halfway, offline SQL fed to each engine's own client, and many concurrent
//! `retort upgrade head` runs on one database.
mod common;
use common::{chain, engine_names, four_with_a_bad_third, Project};

#[test]
fn a_revision_failing_halfway() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let bad = four_with_a_bad_third(&p);
        let r = p.retort(&["upgrade"]).fails_with(7, "no_such_table");
        assert!(r.stderr.contains(":9"), "[{engine}] names the line:\n{}", r.stderr);
        assert_eq!(p.version_rows(), vec!["000000000002"], "[{engine}]");
        if engine == "mysql" {
            // DDL committed: the partial state is recorded and reported by every command.
            assert!(r.stderr.contains("DIRTY"), "{}", r.stderr);
            assert!(p.tables().contains(&"three".to_string()));
            p.retort(&["current"]).fails_with(6, "dirty");
            p.retort(&["upgrade"]).fails_with(6, "retort resolve");
            let st = p.retort(&["status", "--json"]);
            assert_eq!(st.code, 6);
            assert!(st.json()["error"].as_str().unwrap().contains("000000000003"));
            // The documented repair: undo by hand, record it, fix the file, go on.
            p.exec("DROP TABLE three");
            p.retort(&["resolve", "--reverted"]).ok();
            assert_eq!(p.version_rows(), vec!["000000000002"]);
        } else {
            // Nothing of the failed revision remains.
            assert!(!p.tables().contains(&"three".to_string()), "[{engine}] {:?}", p.tables());
        }
        let fixed = std::fs::read_to_string(&bad)
            .unwrap()
            .replace("INSERT INTO no_such_table VALUES (1);", "");
        std::fs::write(&bad, fixed).unwrap();
        p.retort(&["upgrade"]).ok();
        assert_eq!(p.version_rows(), vec!["000000000004"], "[{engine}]");
        assert_eq!(p.query("SELECT count(*) FROM three"), vec!["1"]);
    }
}

#[test]
fn resolve_applied_moves_the_version_table_on_mysql() {
    if !engine_names().contains(&"mysql") {
        return;
    }
    let p = Project::on("mysql");
    four_with_a_bad_third(&p);
    p.retort(&["upgrade"]).fails_with(7, "DIRTY");
    p.retort(&["resolve", "--applied"]).ok();
    assert_eq!(p.version_rows(), vec!["000000000003"]);
    p.retort(&["resolve", "--applied"]).fails_with(6, "not dirty");
    p.retort(&["upgrade"]).ok();
    assert_eq!(p.version_rows(), vec!["000000000004"]);
}

/// Feeds `sql` to the engine's own command-line client.
fn run_client(p: &Project, db: &common::servers::TestDb, sql: &str) {
    let file = p.path().join("offline.sql");
    std::fs::write(&file, sql).unwrap();
    let status = match db.engine {
        "sqlite" => std::process::Command::new("sqlite3")
            .arg(db.url.trim_start_matches("sqlite://"))
            .stdin(std::fs::File::open(&file).unwrap())
            .status(),
        "postgres" => std::process::Command::new("psql")
            .args(["-q", "-v", "ON_ERROR_STOP=1", &db.url, "-f"])
            .arg(&file)
            .status(),
        _ => {
            let name = db.url.rsplit('/').next().unwrap().to_string();
            std::process::Command::new("mariadb")
                .args(["-h", "127.0.0.1", "-u", "root", &name])
                .stdin(std::fs::File::open(&file).unwrap())
                .status()
        }
    }
    .expect("the engine's client is installed");
    assert!(status.success(), "[{}] the client rejected the offline SQL:\n{sql}", db.engine);
}

#[test]
fn offline_sql_through_each_engines_client_matches_online() {
    for engine in engine_names() {
        let p = Project::on(engine);
        p.write_rev(
            "aaaa00000001",
            &[],
            "root",
            "CREATE TABLE a (id INTEGER PRIMARY KEY, note VARCHAR(40) DEFAULT 'it''s; fine');",
            "DROP TABLE a;",
        );
        p.write_rev(
            "bbbb00000001",
            &["aaaa00000001"],
            "b",
            "CREATE TABLE b (id INTEGER);\nCREATE INDEX ix_b ON b (id);",
            "DROP TABLE b;",
        );
        p.write_rev(
            "cccc00000001",
            &["aaaa00000001"],
            "c",
            "CREATE TABLE c (id INTEGER);",
            "DROP TABLE c;",
        );
        p.write_rev("dddd00000001", &["bbbb00000001", "cccc00000001"], "merge", "", "");
        let sql = p.retort(&["upgrade", "--sql"]).ok().stdout;
        let tmp = tempfile::tempdir().unwrap();
        let offline = common::servers::TestDb::new(engine, tmp.path());
        run_client(&p, &offline, &sql);
        p.retort(&["upgrade"]).ok();
        let mut online_conn = if engine == "sqlite" {
            retort::connect(&retort::RedactedUrl::new("sqlite://dev.db".into()), p.path()).unwrap()
        } else {
            p.db.connect()
        };
        let mut offline_conn = offline.connect();
        let mut online = online_conn.introspect().unwrap();
        let mut off = offline_conn.introspect().unwrap();
        for s in [&mut online, &mut off] {
            for t in s.tables.values_mut() {
                for fk in &mut t.foreign_keys {
                    fk.backing_index = None;
                }
            }
        }
        assert_eq!(online, off, "[{engine}] offline and online schemas differ");
        let rows = |c: &mut Box<dyn retort::Connection>| {
            c.query("SELECT version_num FROM alembic_version").unwrap()
        };
        assert_eq!(rows(&mut online_conn), rows(&mut offline_conn), "[{engine}]");
        // And back down, offline.
        let down = p.retort(&["downgrade", "--sql", "dddd00000001:base"]).ok().stdout;
        run_client(&p, &offline, &down);
        assert!(
            offline_conn.query("SELECT version_num FROM alembic_version").unwrap().is_empty(),
            "[{engine}]"
        );
        assert!(!offline_conn.introspect().unwrap().tables.contains_key("a"), "[{engine}]");
    }
}

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

#[test]
fn urls_schema_option_mismatch_and_redaction() {
    let p = Project::new();
    chain(&p, 1);
    // A URL of another engine than retort.toml's dialect is refused.
    p.retort_env(&["upgrade"], &[("DATABASE_URL", "postgres://u@127.0.0.1:5432/x")])
        .fails_with(3, "dialect = \"sqlite\"");
    // Passwords never appear, in errors either.
    let r =
        p.retort_env(&["current"], &[("DATABASE_URL", "postgres://bob:secretpw@127.0.0.1:1/db")]);
    assert!(!r.stderr.contains("secretpw") && r.stderr.contains("bob:****@"), "{}", r.stderr);
    assert_eq!(r.code, 3, "{}", r.stderr); // the dialect mismatch is found first
    let cfg = std::fs::read_to_string(p.path().join("retort.toml"))
        .unwrap()
        .replace("dialect = \"sqlite\"", "dialect = \"postgres\"");
    std::fs::write(p.path().join("retort.toml"), cfg).unwrap();
    let r =
        p.retort_env(&["current"], &[("DATABASE_URL", "postgres://bob:secretpw@127.0.0.1:1/db")]);
    assert_eq!(r.code, 8, "{}", r.stderr);
    assert!(!r.stderr.contains("secretpw") && r.stderr.contains("bob:****@"), "{}", r.stderr);

    if engine_names().contains(&"postgres") {
        let p = Project::on("postgres");
        chain(&p, 2);
        p.exec("CREATE SCHEMA app");
        let url = format!("{}?schema=app", p.db.url);
        p.retort_env(&["upgrade"], &[("DATABASE_URL", &url)]).ok();
        assert_eq!(p.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'app'"), vec!["4"]);
        assert_eq!(
            p.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
            vec!["0"]
        );
        let r = p
            .retort_env(&["current"], &[("DATABASE_URL", &format!("{}?schema=nope", p.db.url))])
            .fails_with(8, "schema \"nope\" does not exist");
        assert!(r.stderr.contains("retort_test_"));
    }
}

#[test]
fn single_transaction_is_all_or_nothing() {
    for engine in engine_names().into_iter().filter(|e| *e != "mysql") {
        let p = Project::on(engine);
        four_with_a_bad_third(&p);
        let r = p.retort(&["upgrade", "--single-transaction"]).fails_with(7, "no_such_table");
        assert!(r.stderr.contains("nothing was applied"), "[{engine}] {}", r.stderr);
        assert!(p.version_rows().is_empty(), "[{engine}]");
        assert!(!p.tables().contains(&"one".to_string()), "[{engine}] {:?}", p.tables());
        p.retort(&["upgrade", "--single-transaction", "000000000002"]).ok();
        assert_eq!(p.version_rows(), vec!["000000000002"]);
        assert_eq!(p.query("SELECT count(*) FROM retort_log"), vec!["2"]);
    }
}

/// Passwords with characters that end a URL's authority (`/`,
/// `#`, `?`, `@`) or are percent-encoded never appear in any command's output, human or
/// `--json`, success or error; and the client tools get the password through the
/// environment, never on their command line.
#[test]
fn nasty_passwords_never_appear_in_any_output_or_command_line() {
    const PASSWORDS: [&str; 5] =
        ["Alpha7/Bravo8", "Charlie9#Delta0", "Echo1@Foxtrot2", "Golf3?Hotel4", "India5%2FJuliet6"];
    // Every run of 4+ letters/digits of the password is a secret on its own.
    fn leaks(text: &str, pw: &str) -> Option<String> {
        pw.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|s| s.len() >= 4)
            .find(|s| text.contains(s))
            .map(String::from)
    }
    let mut cases: Vec<(&str, String, &str)> = Vec::new();
    for pw in PASSWORDS {
        // An unreachable server: errors must not print it either.
        cases.push(("postgres", format!("postgres://bob:{pw}@127.0.0.1:1/db"), pw));
        cases.push(("mysql", format!("mysql://bob:{pw}@127.0.0.1:1/db"), pw));
    }
    let pg = engine_names().contains(&"postgres").then(|| Project::on("postgres"));
    if let Some(p) = &pg {
        chain(p, 2);
        // Trust authentication accepts any password: the commands really run.
        let base = p.db.url.strip_prefix("postgres://postgres@").unwrap().to_string();
        for pw in PASSWORDS {
            cases.push(("postgres", format!("postgres://postgres:{pw}@{base}"), pw));
        }
    }
    let commands: [&[&str]; 12] = [
        &["status"],
        &["status", "--json"],
        &["-v", "current"],
        &["current", "--json"],
        &["upgrade"],
        &["downgrade", "-1"],
        &["doctor"],
        &["check"],
        &["drift"],
        &["verify", "--json"],
        &["backup"],
        &["stamp", "head"],
    ];
    let fake_bin = tempfile::tempdir().unwrap();
    let record = fake_bin.path().join("calls.txt");
    for tool in ["pg_dump", "mariadb-dump", "mysqldump"] {
        let script = fake_bin.path().join(tool);
        std::fs::write(&script, format!("#!/bin/sh\necho \"argv: $*\" >> '{}'\necho \"PGPASSWORD=$PGPASSWORD MYSQL_PWD=$MYSQL_PWD\" >> '{}'\nexit 1\n", record.display(), record.display())).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", fake_bin.path().display(), std::env::var("PATH").unwrap());
    for (engine, url, pw) in &cases {
        let p = match (engine, &pg) {
            (&"postgres", Some(p)) if !url.contains(":1/") => p,
            _ => &Project::new(),
        };
        if p.engine() == "sqlite" {
            let cfg = std::fs::read_to_string(p.path().join("retort.toml"))
                .unwrap()
                .replace("dialect = \"sqlite\"", &format!("dialect = \"{engine}\""));
            std::fs::write(p.path().join("retort.toml"), cfg).unwrap();
        }
        for cmd in commands {
            let r = p.retort_env(cmd, &[("DATABASE_URL", url), ("PATH", &path)]);
            let all = format!("{}\n{}", r.stdout, r.stderr);
            assert!(r.code != 101, "{cmd:?} panicked: {all}");
            if let Some(leak) = leaks(&all, pw) {
                panic!("{cmd:?} with {engine} password {pw:?} printed `{leak}`:\n{all}");
            }
        }
    }
    let calls = std::fs::read_to_string(&record).unwrap_or_default();
    for line in calls.lines().filter(|l| l.starts_with("argv:")) {
        for pw in PASSWORDS {
            assert!(
                leaks(line, pw).is_none(),
                "a client tool got the password on its command line: {line}"
            );
        }
    }
    if pg.is_some() {
        assert!(
            calls.contains("PGPASSWORD=Alpha7/Bravo8"),
            "pg_dump gets the password in its environment:\n{calls}"
        );
    }
}

/// Runs the built binary in `p`, sends it SIGINT after `delay`, and returns its exit code
/// (None: killed by the signal) and stderr.
fn interrupted_run(
    p: &Project,
    args: &[&str],
    delay: std::time::Duration,
) -> (Option<i32>, String, u32) {
    signalled_run(p, args, delay, "INT")
}

/// As [`interrupted_run`], with another signal (`TERM`, `HUP`: a service manager stopping
/// the deploy, a closed terminal).
fn signalled_run(
    p: &Project,
    args: &[&str],
    delay: std::time::Duration,
    signal: &str,
) -> (Option<i32>, String, u32) {
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("retort"))
        .current_dir(p.path())
        .env_remove("DATABASE_URL")
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    std::thread::sleep(delay);
    let _ =
        std::process::Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]).status();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), pid)
}

/// Scratch databases a process left on the servers, from their own catalogs.
fn scratch_left_by(pid: u32) -> Vec<String> {
    let mut left = Vec::new();
    let like = format!("retort_scratch_{pid}_%");
    for (engine, url) in [
        ("postgres", common::servers::pg_admin_url()),
        ("mysql", common::servers::mysql_admin_url()),
    ] {
        if !engine_names().contains(&engine) {
            continue;
        }
        let mut c =
            retort::connect(&retort::RedactedUrl::new(url), std::path::Path::new(".")).unwrap();
        let sql = if engine == "postgres" {
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{like}'")
        } else {
            format!("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '{like}'")
        };
        left.extend(
            c.query(&sql).unwrap().into_iter().filter_map(|r| r.into_iter().next().flatten()),
        );
    }
    left
}

/// Ctrl-C — and SIGTERM and SIGHUP, as a service manager or a closed terminal sends them
/// — during `migrate` (and `check`) on a server cancels cleanly: exit 130, "interrupted"
/// (not an error blaming the models or the URL), no revision written, and no scratch
/// database left on the server.
#[test]
fn ctrl_c_during_autogenerate_cancels_cleanly() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        let tables: Vec<String> = (0..300)
            .map(|i| if i == 0 { "CREATE TABLE t0 (id INTEGER PRIMARY KEY);".to_string() } else { format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, a TEXT, b INTEGER REFERENCES t{} (id));", i - 1) })
            .collect();
        std::fs::write(p.path().join("models.sql"), tables.join("\n")).unwrap();
        for signal in ["INT", "TERM", "HUP"] {
            let mut interrupted = 0;
            for (n, ms) in [150u64, 300, 600, 1200].into_iter().enumerate() {
                let cmd: &[&str] = if n % 2 == 0 { &["migrate", "-m", "big"] } else { &["check"] };
                let (code, stderr, pid) =
                    signalled_run(&p, cmd, std::time::Duration::from_millis(ms), signal);
                let files: Vec<_> = std::fs::read_dir(p.path().join("migrations/versions"))
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|f| f.extension().is_some_and(|x| x == "sql"))
                    .collect();
                match code {
                    Some(130) => {
                        interrupted += 1;
                        assert!(stderr.contains("interrupted"), "[{engine}] SIG{signal} {cmd:?} after {ms} ms: {stderr}");
                        assert!(!stderr.contains("models.sql:") && !stderr.contains("cannot connect"), "[{engine}] blames the wrong thing: {stderr}");
                        assert!(files.is_empty(), "[{engine}] interrupted migrate wrote {files:?}");
                    }
                    // Finished before the signal arrived: a normal result.
                    Some(0) | Some(1) => {
                        for f in files {
                            std::fs::remove_file(f).unwrap();
                        }
                    }
                    other => panic!("[{engine}] SIG{signal} {cmd:?} after {ms} ms ended with {other:?}: {stderr}"),
                }
                assert_eq!(
                    scratch_left_by(pid),
                    Vec::<String>::new(),
                    "[{engine}] SIG{signal}: scratch left after {ms} ms"
                );
            }
            assert!(
                interrupted > 0,
                "[{engine}] SIG{signal}: no run was interrupted; the workload is too small to test"
            );
        }
    }
}

/// The first Ctrl-C during an upgrade lets the running revision finish
/// and stops before the next one, so MariaDB is not left DIRTY; `upgrade` then continues.
#[test]
fn ctrl_c_during_upgrade_stops_between_revisions() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let sleep = match engine {
            "postgres" => "SELECT pg_sleep(0.1);",
            "mysql" => "SELECT SLEEP(0.1);",
            _ => "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT count(*) FROM c;",
        };
        let mut prev: Vec<String> = Vec::new();
        for i in 1..=20 {
            let id = format!("{i:0>4}bbbb{i:0>4}");
            let down: Vec<&str> = prev.iter().map(|s| s.as_str()).collect();
            p.write_rev(
                &id,
                &down,
                &format!("r{i}"),
                &format!(
                    "CREATE TABLE t{i} (id INTEGER);\n{sleep}\nCREATE TABLE u{i} (id INTEGER);"
                ),
                &format!("DROP TABLE u{i};\nDROP TABLE t{i};"),
            );
            prev = vec![id];
        }
        let (code, stderr, _) =
            interrupted_run(&p, &["upgrade"], std::time::Duration::from_millis(700));
        assert_eq!(code, Some(130), "[{engine}] {stderr}");
        assert!(stderr.contains("interrupted after applying"), "[{engine}] {stderr}");
        let rows = p.version_rows();
        assert_eq!(rows.len(), 1, "[{engine}] stopped at a revision: {stderr}");
        // Every revision is whole: its two tables both exist or neither does.
        let tables = p.tables();
        for i in 1..=20 {
            assert_eq!(
                tables.contains(&format!("t{i}")),
                tables.contains(&format!("u{i}")),
                "[{engine}] revision r{i} cut in half: {tables:?}"
            );
        }
        let status = p.retort(&["status"]).ok();
        assert!(!status.stdout.to_lowercase().contains("dirty"), "[{engine}] {}", status.stdout);
        p.retort(&["upgrade"]).ok();
        assert_eq!(p.version_rows(), vec!["0020bbbb0020"]);
    }
}

/// A full disk and a read-only database are told apart from a bad
/// statement: the revision is named, the hint says what to fix, nothing is half applied.
/// SQLite runs on a tiny tmpfs (needs root, as on the CI machines; skipped loudly
/// otherwise); PostgreSQL turns read-only with default_transaction_read_only.
#[test]
fn full_disk_and_read_only_database_name_the_cause() {
    let p = Project::new();
    let mnt = p.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=384k", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if mounted {
        struct Unmount(std::path::PathBuf);
        impl Drop for Unmount {
            fn drop(&mut self) {
                let _ = std::process::Command::new("umount").arg(&self.0).status();
            }
        }
        let _guard = Unmount(mnt.clone());
        let url = format!("sqlite://{}/app.db", mnt.display());
        p.write_rev("aaaa00000001", &[], "small", "CREATE TABLE small (v TEXT);\nINSERT INTO small WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT printf('%0100d', x) FROM c;", "DROP TABLE small;");
        p.write_rev("bbbb00000001", &["aaaa00000001"], "big", "CREATE TABLE big (v TEXT);\nINSERT INTO big WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT printf('%0100d', x) FROM c;", "DROP TABLE big;");
        p.retort_env(&["upgrade", "aaaa00000001"], &[("DATABASE_URL", &url)]).ok();
        let r = p.retort_env(&["upgrade"], &[("DATABASE_URL", &url)]).fails_with(7, "bbbb00000001");
        assert!(
            r.stderr.contains("disk")
                && r.stderr.contains("free space")
                && !r.stderr.contains("fix the statement"),
            "{}",
            r.stderr
        );
        assert_eq!(
            p.retort_env(&["current", "--json"], &[("DATABASE_URL", &url)]).ok().json()["current"]
                [0],
            "aaaa00000001"
        );
        // Item 17: a backup that fills the disk says so (it said "not an error").
        let backups = p.path().join("backups-mnt");
        std::fs::create_dir(&backups).unwrap();
        assert!(std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
            .arg(&backups)
            .status()
            .unwrap()
            .success());
        let _guard2 = Unmount(backups.clone());
        let cfg = std::fs::read_to_string(p.path().join("retort.toml"))
            .unwrap()
            .replace("[project]\n", "[project]\nbackup_dir = \"backups-mnt\"\n");
        std::fs::write(p.path().join("retort.toml"), cfg).unwrap();
        let r = p.retort_env(&["backup"], &[("DATABASE_URL", &url)]);
        assert_eq!(r.code, 12, "{}", r.stderr);
        assert!(r.stderr.contains("full") && !r.stderr.contains("not an error"), "{}", r.stderr);
        assert_eq!(std::fs::read_dir(&backups).unwrap().count(), 0, "no partial backup left");
        // Read-only: the same revision, now on a read-only mount.
        assert!(std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&mnt)
            .status()
            .unwrap()
            .success());
        let r = p.retort_env(&["upgrade"], &[("DATABASE_URL", &url)]);
        assert!(r.code == 7 || r.code == 12, "{}", r.stderr);
        assert!(
            r.stderr.contains("read-only") && !r.stderr.contains("fix the statement"),
            "{}",
            r.stderr
        );
    } else {
        eprintln!("\n!!!!! SKIPPING the SQLite full-disk test: cannot mount a tmpfs here (needs root) !!!!!\n");
    }
    if engine_names().contains(&"postgres") {
        let p = Project::on("postgres");
        let ids = chain(&p, 2);
        p.retort(&["upgrade", &ids[0]]).ok();
        let db = p.db.url.rsplit('/').next().unwrap().to_string();
        p.exec(&format!("ALTER DATABASE {db} SET default_transaction_read_only = on"));
        let r = p.retort(&["upgrade"]);
        assert!(r.code == 7 || r.code == 12, "{}", r.stderr);
        assert!(
            r.stderr.contains("read-only")
                && r.stderr.contains("replica")
                && !r.stderr.contains("fix the statement"),
            "{}",
            r.stderr
        );
        let mut admin = retort::connect(
            &retort::RedactedUrl::new(common::servers::pg_admin_url()),
            std::path::Path::new("."),
        )
        .unwrap();
        admin
            .execute(&format!("ALTER DATABASE {db} SET default_transaction_read_only = off"))
            .unwrap();
        p.retort(&["upgrade"]).ok();
    }
}

/// A revision larger than MariaDB's max_allowed_packet is refused before
/// any of it runs, naming the setting to raise, instead of a raw CodecError (and a dirty
/// database).
#[test]
fn a_revision_too_large_for_the_server_is_refused_cleanly() {
    if !engine_names().contains(&"mysql") {
        return;
    }
    let p = Project::on("mysql");
    let ids = chain(&p, 1);
    p.retort(&["upgrade"]).ok();
    let filler = "-- ".to_string() + &"x".repeat(100) + "\n";
    let big = format!("CREATE TABLE big (id INTEGER);\n{}", filler.repeat(200_000));
    p.write_rev("bbbb00000001", &[&ids[0]], "big", &big, "DROP TABLE big;");
    let r = p.retort(&["upgrade"]).fails_with(13, "max_allowed_packet");
    assert!(
        r.stderr.contains("bbbb00000001")
            && r.stderr.contains("SET GLOBAL max_allowed_packet")
            && !r.stderr.contains("CodecError"),
        "{}",
        r.stderr
    );
    assert_eq!(p.version_rows(), vec![ids[0].clone()]);
    assert!(!p.tables().contains(&"big".to_string()), "nothing of it ran");
    p.retort(&["status"]).ok();
}

/// A tiny deterministic generator (xorshift64*), so the kill points are reproducible from
/// the seed printed on failure without another dependency.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// The fault suite: `kill -9` at seeded random points of an upgrade of 100 revisions,
/// ten times per engine. Afterwards `status` answers, the database is at a consistent
/// revision (each revision's table exists exactly up to the recorded one; on MySQL a
/// revision cut in half is reported dirty and resolved as the table shows), and
/// `upgrade head` finishes the job. Seed: RETORT_FAULT_SEED (printed on failure).
#[test]
fn kill_9_during_upgrade_leaves_a_consistent_database() {
    let seed: u64 =
        std::env::var("RETORT_FAULT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_2026);
    let mut rng = Seeded(seed);
    const N: usize = 100;
    let write_chain = |p: &Project| -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for i in 1..=N {
            let id = format!("{i:0>4}cccc{i:0>4}");
            let down: Vec<&str> = ids.last().map(|s| vec![s.as_str()]).unwrap_or_default();
            p.write_rev(
                &id,
                &down,
                &format!("k{i}"),
                &format!("CREATE TABLE k{i} (id INTEGER);"),
                &format!("DROP TABLE k{i};"),
            );
            ids.push(id);
        }
        ids
    };
    for engine in engine_names() {
        // How long a whole run takes here, so the kill points spread over it.
        let probe = Project::on(engine);
        write_chain(&probe);
        let started = std::time::Instant::now();
        probe.retort(&["upgrade"]).ok();
        let full = started.elapsed().as_millis().max(50) as u64;
        drop(probe);
        for round in 0..10 {
            let p = Project::on(engine);
            let ids = write_chain(&p);
            let delay = 20 + rng.next() % full;
            let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("retort"))
                .current_dir(p.path())
                .env_remove("DATABASE_URL")
                .args(["upgrade"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(delay));
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
            let ctx =
                format!("[{engine}] seed {seed} round {round}, killed after {delay} of ~{full} ms");
            let status = p.retort(&["status", "--json"]);
            if status.code == 6 {
                // Only a non-transactional engine may be left mid-revision, and it says so.
                assert_eq!(engine, "mysql", "{ctx}: {}", status.stderr);
                assert!(
                    status.json()["error"].as_str().unwrap_or_default().contains("dirty"),
                    "{ctx}: {}",
                    status.stdout
                );
                let dirty = p.query("SELECT revision FROM retort_log WHERE status = 'in_progress'");
                let i: usize = dirty[0][..4].parse().unwrap();
                let made = p.tables().contains(&format!("k{i}"));
                p.retort(&["resolve", if made { "--applied" } else { "--reverted" }]).ok();
            } else {
                assert_eq!(status.code, 0, "{ctx}: {}", status.stderr);
            }
            let rows = p.version_rows();
            assert!(rows.len() <= 1, "{ctx}: {rows:?}");
            let at =
                rows.first().map(|r| ids.iter().position(|i| i == r).unwrap() + 1).unwrap_or(0);
            let tables = p.tables();
            for i in 1..=N {
                assert_eq!(
                    tables.contains(&format!("k{i}")),
                    i <= at,
                    "{ctx}: at revision {at}, table k{i}"
                );
            }
            p.retort(&["upgrade", "head"]).ok();
            assert_eq!(p.version_rows(), vec![ids[N - 1].clone()], "{ctx}");
            let ups = p.query("SELECT count(*) FROM retort_log WHERE direction = 'up' AND status IN ('ok', 'resolved-ok')");
            assert_eq!(ups, vec![N.to_string()], "{ctx}: each revision logged once");
        }
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

/// One revision in steps — a transaction, `CREATE UNIQUE INDEX CONCURRENTLY`
/// outside any, then a transaction attaching it — commits step by step. A failing build
/// leaves no invalid index behind and the revision dirty at the step it reached; a
/// failing first step leaves nothing; `--sql` writes the same transactions.
#[test]
fn a_revision_in_steps_commits_each_step_and_says_where_it_stopped() {
    let p = Project::on("postgres");
    p.write_rev(
        "aaaa00000001",
        &[],
        "create",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, c INTEGER);\nINSERT INTO t VALUES (1, 1), (2, 1);",
        "DROP TABLE t;",
    );
    p.write_rev(
        "bbbb00000001",
        &["aaaa00000001"],
        "unique c",
        "ALTER TABLE t ADD COLUMN d INTEGER;\n-- +step transactional: false\nCREATE UNIQUE INDEX CONCURRENTLY t_c_key ON t (c);\n-- +step\nALTER TABLE t ADD CONSTRAINT t_c_key UNIQUE USING INDEX t_c_key;",
        "ALTER TABLE t DROP CONSTRAINT t_c_key;\nALTER TABLE t DROP COLUMN d;",
    );
    let offline = p.retort(&["upgrade", "--sql"]).ok().stdout;
    let body = &offline[offline.find("unique c").unwrap()..];
    let concurrent = body.find("CREATE UNIQUE INDEX CONCURRENTLY").unwrap();
    assert!(
        body[..concurrent]
            .contains("ALTER TABLE t ADD COLUMN d INTEGER;\nCOMMIT;\n-- transactional: false"),
        "{body}"
    );
    assert!(body[concurrent..].contains(";\nBEGIN;\nALTER TABLE t ADD CONSTRAINT"), "{body}");

    let r = p.retort(&["upgrade"]).fails_with(7, "step 2 of 3");
    assert!(
        r.stderr.contains("t_c_key")
            && r.stderr.contains("was dropped")
            && r.stderr.contains("DIRTY"),
        "{}",
        r.stderr
    );
    assert_eq!(
        p.query("SELECT count(*) FROM pg_index WHERE NOT indisvalid"),
        ["0"],
        "no invalid index is left"
    );
    assert_eq!(p.query("SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'd'"), ["1"], "step 1 committed");
    p.retort(&["status"]).fails_with(6, "bbbb00000001");
    // The documented repair: undo the committed step, record it, fix the data, go on.
    p.exec("ALTER TABLE t DROP COLUMN d");
    p.exec("UPDATE t SET c = id");
    p.retort(&["resolve", "--reverted"]).ok();
    p.retort(&["upgrade"]).ok();
    assert_eq!(p.version_rows(), ["bbbb00000001"]);
    assert_eq!(p.query("SELECT contype FROM pg_constraint WHERE conname = 't_c_key'"), ["u"]);

    // A first step that fails is rolled back: nothing stayed, nothing is dirty.
    p.write_rev(
        "cccc00000001",
        &["bbbb00000001"],
        "bad first step",
        "INSERT INTO no_such_table VALUES (1);\n-- +step transactional: false\nCREATE INDEX CONCURRENTLY t_d ON t (d);",
        "DROP INDEX t_d;",
    );
    let r = p.retort(&["upgrade"]).fails_with(7, "no_such_table");
    assert!(!r.stderr.contains("DIRTY"), "{}", r.stderr);
    p.retort(&["status"]).ok();
    assert_eq!(p.version_rows(), ["bbbb00000001"]);
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

/// `migrate --online` on PostgreSQL keeps a busy table writable. A function
/// that sleeps a millisecond per row makes every scan of the table last seconds, so a
/// scan under a lock that blocks writes shows in a writer's latency: the plain forms
/// (ADD CHECK / ADD FOREIGN KEY / SET NOT NULL / CREATE INDEX) block the writer for the
/// scan, the online forms (NOT VALID + VALIDATE, a validated NOT NULL check, CREATE INDEX
/// CONCURRENTLY) do not. Both reach the same schema; squawk flags the plain file only.
#[test]
fn online_forms_keep_a_busy_table_writable_where_plain_forms_block_it() {
    let v1 = "CREATE FUNCTION slow_positive(v integer) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN PERFORM pg_sleep(0.001); RETURN v > 0; END $$;\nCREATE TABLE parent (id integer PRIMARY KEY);\nCREATE TABLE busy (id serial PRIMARY KEY, parent_id integer, amount integer);\n";
    let v2 = format!("{v1}ALTER TABLE busy ADD CONSTRAINT busy_amount_slow CHECK (slow_positive(amount));\nALTER TABLE busy ADD CONSTRAINT busy_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id);\nALTER TABLE busy ALTER COLUMN amount SET NOT NULL;\nALTER TABLE busy ADD CONSTRAINT busy_id_amount_key UNIQUE (id, amount);\nCREATE INDEX busy_slow ON busy ((slow_positive(amount)));\n");
    let mut schemas = Vec::new();
    for online in [true, false] {
        let p = Project::on("postgres");
        std::fs::write(p.path().join("models.sql"), v1).unwrap();
        p.retort(&["migrate", "-m", "v1"]).ok();
        p.retort(&["upgrade"]).ok();
        p.exec("INSERT INTO parent VALUES (1)");
        p.exec("INSERT INTO busy (parent_id, amount) SELECT 1, g FROM generate_series(1, 1200) g");
        std::fs::write(p.path().join("models.sql"), &v2).unwrap();
        p.retort(&["migrate", "-m", "v2", if online { "--online" } else { "--no-online" }]).ok();
        let lint = p.retort(&["lint"]);
        let lint = format!("{}{}", lint.stdout, lint.stderr);
        for rule in [
            "constraint-missing-not-valid",
            "require-concurrent-index-creation",
            "adding-not-nullable-field",
            "disallowed-unique-constraint",
        ] {
            assert_eq!(lint.contains(rule), !online, "online={online}: {rule} in\n{lint}");
        }

        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let (stop, url) = (stop.clone(), p.db.url.clone());
            std::thread::spawn(move || {
                let mut conn = retort::connect(
                    &retort::core::url::RedactedUrl::new(url),
                    std::path::Path::new("."),
                )
                .unwrap();
                let mut worst = std::time::Duration::ZERO;
                let mut writes = 0u32;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let t = std::time::Instant::now();
                    conn.execute("INSERT INTO busy (parent_id, amount) VALUES (1, 7)").unwrap();
                    worst = worst.max(t.elapsed());
                    writes += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                (worst, writes)
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(200));
        let started = std::time::Instant::now();
        p.retort(&["upgrade"]).ok();
        let took = started.elapsed();
        std::thread::sleep(std::time::Duration::from_millis(200));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (worst, writes) = writer.join().unwrap();
        println!("online={online}: upgrade {took:?}, {writes} writes, slowest {worst:?}");
        assert!(took > std::time::Duration::from_millis(1500), "the scans take seconds: {took:?}");
        if online {
            assert!(
                worst < std::time::Duration::from_millis(1000),
                "online: a write waited {worst:?} (upgrade {took:?})"
            );
        } else {
            assert!(
                worst > std::time::Duration::from_millis(1000),
                "plain: the scan blocks writes, slowest {worst:?}"
            );
        }
        assert_eq!(p.query("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), ["0"]);
        schemas.push(p.query("SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'busy'::regclass ORDER BY conname"));
        schemas.last_mut().unwrap().extend(
            p.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'busy' ORDER BY indexname"),
        );
        schemas.last_mut().unwrap().extend(p.query("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'amount'"));
    }
    assert_eq!(schemas[0], schemas[1], "the online and plain forms reach the same schema");
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

/// A fleet — 50 SQLite files (a `targets` list), 20 PostgreSQL schemas (names
/// from `targets_query` on a control table) and 10 MariaDB databases (`urls`) — upgraded
/// with `--parallel`. One target fails: by default the rollout stops starting new targets;
/// `--continue-on-error --resume` finishes the rest; once the failure is repaired,
/// `--resume` runs only it; a fleet already at head costs a precheck per target.
#[test]
fn a_fleet_is_rolled_out_in_parallel_stopped_continued_and_resumed() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 3);
        let mut extra = Vec::new(); // MariaDB databases, dropped with the test
        let (names, section, bad) = match engine {
            "sqlite" => {
                let names: Vec<String> = (0..50).map(|i| format!("t{i:02}")).collect();
                std::fs::create_dir_all(p.path().join("tenants")).unwrap();
                let list = names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
                (
                    names,
                    format!("url = \"sqlite://tenants/{{target}}.db\"\ntargets = [{list}]\n"),
                    "t07".to_string(),
                )
            }
            "postgres" => {
                let names: Vec<String> = (0..20).map(|i| format!("s{i:02}")).collect();
                p.exec("CREATE TABLE tenants (name TEXT)");
                for n in &names {
                    p.exec(&format!("CREATE SCHEMA {n}"));
                    p.exec(&format!("INSERT INTO tenants VALUES ('{n}')"));
                }
                (names, format!("url = \"{}?schema={{target}}\"\ntargets_query = \"SELECT name FROM tenants ORDER BY name\"\ncontrol_url = \"{}\"\n", p.db.url, p.db.url), "s05".to_string())
            }
            _ => {
                for _ in 0..10 {
                    extra.push(common::servers::TestDb::new("mysql", p.path()));
                }
                let names: Vec<String> =
                    extra.iter().map(|d| d.url.rsplit('/').next().unwrap().to_string()).collect();
                let list =
                    extra.iter().map(|d| format!("\"{}\"", d.url)).collect::<Vec<_>>().join(", ");
                let bad = names[3].clone();
                (names, format!("urls = [{list}]\n"), bad)
            }
        };
        let config = p.path().join("retort.toml");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(&format!("\n[env.fleet]\n{section}"));
        std::fs::write(&config, text).unwrap();
        // The bad target already has table t2, so revision 2 fails there.
        let on_bad = |sql: &str| {
            let url = match engine {
                "sqlite" => format!("sqlite://tenants/{bad}.db"),
                "postgres" => format!("{}?schema={bad}", p.db.url),
                _ => extra[3].url.clone(),
            };
            retort::connect(&retort::RedactedUrl::new(url), p.path())
                .unwrap()
                .execute(sql)
                .unwrap();
        };
        on_bad("CREATE TABLE t2 (id INTEGER)");
        let fleet = |args: &[&str]| {
            let mut all = vec!["--env", "fleet", "--json"];
            all.extend_from_slice(args);
            p.retort(&all)
        };
        let count = |report: &serde_json::Value, status: &str| {
            report["results"].as_array().unwrap().iter().filter(|r| r["status"] == status).count()
        };

        let r = fleet(&["upgrade", "--all", "--parallel", "4"]);
        assert_eq!(r.code, 16, "[{engine}] {}\n{}", r.stdout, r.stderr);
        let report = r.json();
        assert_eq!(report["results"].as_array().unwrap().len(), names.len(), "[{engine}]");
        assert_eq!(count(&report, "failed"), 1, "[{engine}] {report}");
        let failed =
            report["results"].as_array().unwrap().iter().find(|r| r["status"] == "failed").unwrap();
        assert_eq!(failed["target"], bad.as_str());
        assert!(failed["error"].as_str().unwrap().contains("t2"), "[{engine}] {failed}");
        // Revision 2 fails at its first statement: nothing of it stayed, on MySQL too (not
        // dirty), and the first revision stayed.
        assert!(!failed["error"].as_str().unwrap().contains("DIRTY"), "[{engine}] {failed}");
        assert_eq!(
            (failed["before"].clone(), failed["after"].clone()),
            (serde_json::json!([]), serde_json::json!([ids[0]])),
            "[{engine}] the first revision stayed: {failed}"
        );
        if engine == "sqlite" {
            assert!(
                count(&report, "not_run") > 0,
                "[{engine}] stops starting new targets: {report}"
            );
        }

        let r = fleet(&["upgrade", "--all", "--parallel", "4", "--continue-on-error", "--resume"]);
        assert_eq!(r.code, 16, "[{engine}] {}", r.stderr);
        let report = r.json();
        assert_eq!(
            (count(&report, "failed"), count(&report, "not_run")),
            (1, 0),
            "[{engine}] {report}"
        );
        for t in
            report["results"].as_array().unwrap().iter().filter(|t| t["target"] != bad.as_str())
        {
            assert_eq!(t["after"], serde_json::json!([ids[2]]), "[{engine}] {t}");
        }

        // Repaired: --resume runs the one target left.
        on_bad("DROP TABLE t2");
        let r = fleet(&["upgrade", "--all", "--resume"]);
        assert_eq!(r.code, 0, "[{engine}] {}", r.stderr);
        let report = r.json();
        assert_eq!(count(&report, "ok"), 1, "[{engine}] {report}");
        assert_eq!(count(&report, "skipped"), names.len() - 1);

        // At head everywhere: a precheck per target, nothing runs; every catalog agrees.
        let report = fleet(&["upgrade", "--all"]).ok().json();
        assert_eq!(count(&report, "skipped"), names.len(), "[{engine}] {report}");
        let current = fleet(&["current", "--targets", "*"]).ok().json();
        for t in current["results"].as_array().unwrap() {
            assert_eq!(t["after"], serde_json::json!([ids[2]]), "[{engine}] {t}");
        }
        // Status, checksums, check and drift over the fleet: one target drifted fails, by name.
        let st = fleet(&["status", "--all"]).ok().json();
        assert!(
            st["results"].as_array().unwrap().iter().all(|t| t["pending"] == 0),
            "[{engine}] {st}"
        );
        fleet(&["verify", "--all"]).ok();
        fleet(&["check", "--targets", "*"]).ok();
        on_bad("CREATE TABLE drifted (id INTEGER)");
        let r = fleet(&["drift", "--target", &names[0], "--target", &bad]);
        assert_eq!(r.code, 16, "[{engine}] {}", r.stderr);
        let report = r.json();
        assert_eq!(count(&report, "ok"), 1, "[{engine}] {report}");
        let drifted =
            report["results"].as_array().unwrap().iter().find(|t| t["status"] == "failed").unwrap();
        assert!(
            drifted["target"] == bad.as_str()
                && drifted["error"].as_str().unwrap().contains("drifted"),
            "[{engine}] {drifted}"
        );
        // A subset by glob, and a fleet environment without a selection is refused.
        let some =
            fleet(&["current", "--targets", &format!("{}*", &names[0][..names[0].len() - 1])])
                .ok()
                .json();
        assert!(
            !some["results"].as_array().unwrap().is_empty()
                && some["results"].as_array().unwrap().len() < names.len(),
            "[{engine}] {some}"
        );
        let r = p.retort(&["--env", "fleet", "upgrade"]);
        assert_eq!(r.code, 2, "[{engine}] {}", r.stderr);
        assert!(r.stderr.contains("--all"), "[{engine}] {}", r.stderr);
        drop(extra);
    }
}

/// A 3-node MariaDB Galera cluster on loopback (`tests/galera/cluster.sh`), stopped and
/// removed when the test ends, also when it fails.
struct Galera;

impl Galera {
    fn script() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/galera/cluster.sh")
    }

    fn start() -> Galera {
        let out = std::process::Command::new("bash")
            .arg(Self::script())
            .arg("start")
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "the Galera cluster did not start:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Galera
    }

    fn sql(port: u16, db: &str, sql: &str) -> Vec<String> {
        Self::try_sql(port, db, sql).unwrap()
    }

    fn try_sql(
        port: u16,
        db: &str,
        sql: &str,
    ) -> Result<Vec<String>, retort::core::error::DbError> {
        let url = format!("mysql://root@127.0.0.1:{port}/{db}");
        let mut c =
            retort::connect(&retort::RedactedUrl::new(url), std::path::Path::new(".")).unwrap();
        Ok(c.query(sql)?
            .into_iter()
            .map(|r| r.into_iter().map(|v| v.unwrap_or_default()).collect::<Vec<_>>().join("|"))
            .collect())
    }
}

impl Drop for Galera {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash").arg(Self::script()).arg("stop").output();
    }
}

/// On Galera `GET_LOCK` is node-local. Ten concurrent `retort upgrade head`
/// spread over three nodes apply every revision exactly once under the lease lock retort
/// picks on a cluster (the log and the rows each revision inserts prove it); the same run
/// with `?lock=session` (GET_LOCK) forced applies revisions twice — so the test can fail.
/// A `kill -9` of the lease owner lets the next run take over once the lease expires.
#[test]
fn a_galera_cluster_applies_each_revision_once_and_survives_a_killed_lock_owner() {
    let _cluster = Galera::start();
    let retort = assert_cmd::cargo::cargo_bin("retort");
    let project = |db: &str, revisions: &[(String, String)]| {
        let dir = tempfile::tempdir().unwrap();
        Galera::sql(3311, "mysql", &format!("CREATE DATABASE {db}"));
        // Other nodes apply it in order, possibly after what node 1 wrote before.
        for port in [3312, 3313] {
            let since = std::time::Instant::now();
            while Galera::sql(
                port,
                "mysql",
                &format!("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{db}'"),
            )
            .is_empty()
            {
                assert!(
                    since.elapsed() < std::time::Duration::from_secs(60),
                    "node {port} never got {db}"
                );
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
        let ok = std::process::Command::new(&retort)
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .args(["init", "--url", &format!("mysql://root@127.0.0.1:3311/{db}")])
            .status()
            .unwrap();
        assert!(ok.success());
        let mut prev: Option<String> = None;
        for (i, (up, down)) in revisions.iter().enumerate() {
            let id = format!("{:012x}", i + 1);
            let text = format!("-- revision: {id}\n-- down_revision: {}\n-- message: r{}\n-- created: 2026-01-01T00:00:00Z\n\n-- +upgrade\n{up}\n\n-- +downgrade\n{down}\n", prev.as_deref().unwrap_or(""), i + 1);
            std::fs::write(
                dir.path().join("migrations/versions").join(format!("{id}_r{}.sql", i + 1)),
                text,
            )
            .unwrap();
            prev = Some(id);
        }
        dir
    };
    let revisions: Vec<(String, String)> = (1..=10)
        .map(|i| {
            let table = if i == 1 { "CREATE TABLE IF NOT EXISTS applied (id INT AUTO_INCREMENT PRIMARY KEY, rev INT NOT NULL);".to_string() } else { format!("CREATE TABLE IF NOT EXISTS t{i} (id INT PRIMARY KEY);") };
            // The first revision is slow: the runs started together all reach it while the
            // first one is still inside it, so a lock that does not hold across nodes shows.
            let sleep = if i == 1 { "2.5" } else { "0.1" };
            (format!("{table}\nINSERT INTO applied (rev) VALUES ({i});\nDO SLEEP({sleep});"), format!("DELETE FROM applied WHERE rev = {i};"))
        })
        .collect();
    // status names the node and the cluster; upgrade says how DDL replicates.
    {
        let dir = project("retort_galera_status", &revisions[..1]);
        let run = |args: &[&str]| {
            std::process::Command::new(&retort)
                .current_dir(dir.path())
                .env_remove("DATABASE_URL")
                .args(args)
                .output()
                .unwrap()
        };
        let up = run(&["upgrade"]);
        assert!(
            String::from_utf8_lossy(&up.stderr).contains("Total Order Isolation"),
            "{}",
            String::from_utf8_lossy(&up.stderr)
        );
        let st = String::from_utf8_lossy(&run(&["status"]).stdout).to_string();
        assert!(st.contains("cluster:     Galera node node1 of a cluster of 3"), "{st}");
        // A large table's ALTER is named before it runs, with its size.
        Galera::sql(3311, "retort_galera_status", "CREATE TABLE big (id INT PRIMARY KEY, v INT)");
        Galera::sql(
            3311,
            "retort_galera_status",
            "INSERT INTO big SELECT seq, seq FROM seq_1_to_150000",
        );
        Galera::sql(3311, "retort_galera_status", "ANALYZE TABLE big");
        std::fs::write(dir.path().join("migrations/versions/00000000000b_alter_big.sql"), "-- revision: 00000000000b\n-- down_revision: 000000000001\n-- message: alter big\n\n-- +upgrade\nALTER TABLE big ADD COLUMN w INT;\n\n-- +downgrade\nALTER TABLE big DROP COLUMN w;\n").unwrap();
        let up = String::from_utf8_lossy(&run(&["upgrade"]).stderr).to_string();
        assert!(up.contains("alters big (about") && up.contains("wait on every node"), "{up}");
    }
    for (mode, once) in [("", true), ("?lock=session", false)] {
        let db = format!("retort_galera_{}", if once { "lease" } else { "getlock" });
        let dir = project(&db, &revisions);
        let children: Vec<_> = (0..10)
            .map(|i| {
                std::process::Command::new(&retort)
                    .current_dir(dir.path())
                    .env(
                        "DATABASE_URL",
                        format!("mysql://root@127.0.0.1:{}/{db}{mode}", 3311 + i % 3),
                    )
                    .args(["upgrade", "--lock-timeout", "120"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
        let per_rev =
            Galera::sql(3312, &db, "SELECT rev, COUNT(*) FROM applied GROUP BY rev ORDER BY rev");
        let twice: Vec<&String> = per_rev.iter().filter(|r| !r.ends_with("|1")).collect();
        if once {
            for o in &outs {
                assert!(o.status.success(), "lease: {}", String::from_utf8_lossy(&o.stderr));
            }
            assert_eq!(per_rev.len(), 10, "every revision applied: {per_rev:?}");
            assert!(twice.is_empty(), "applied more than once under the lease lock: {twice:?}");
            let logged = Galera::sql(3313, &db, "SELECT revision, COUNT(*) FROM retort_log WHERE direction = 'up' AND status = 'ok' GROUP BY revision");
            assert_eq!(logged.len(), 10);
            assert!(logged.iter().all(|r| r.ends_with("|1")), "{logged:?}");
            assert_eq!(
                Galera::sql(3311, &db, "SELECT COUNT(*) FROM _retort_lock"),
                ["0"],
                "the lease is given back"
            );
        } else {
            // Runs on different nodes ran at once: a revision ran twice (rows or in-progress
            // log rows), or a run met another's revision in progress — which it can only
            // see as a dirty database — and stopped. Under the lease none of this happens.
            let started = Galera::sql(3313, &db, "SELECT revision, COUNT(*) FROM retort_log WHERE direction = 'up' GROUP BY revision HAVING COUNT(*) > 1");
            let collided: Vec<String> = outs
                .iter()
                .filter(|o| !o.status.success())
                .map(|o| {
                    String::from_utf8_lossy(&o.stderr)
                        .lines()
                        .find(|l| l.starts_with("error"))
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            assert!(!twice.is_empty() || !started.is_empty() || !collided.is_empty(), "GET_LOCK is node-local on Galera: runs should have collided (rows {per_rev:?}, log {started:?})");
            println!("GET_LOCK forced: rows applied twice {twice:?}, revisions started twice {started:?}, {} run(s) stopped: {collided:?}", collided.len());
        }
    }

    // kill -9 of the lease owner in the middle of a revision: the next run waits for the
    // lease to expire (3 s here), takes the lock and reports the cut-off revision.
    let db = "retort_galera_kill";
    let dir = project(
        db,
        &[
            ("CREATE TABLE k1 (id INT);".into(), "DROP TABLE k1;".into()),
            ("DO SLEEP(30);".into(), "SELECT 1;".into()),
        ],
    );
    let url = |port: u16| format!("mysql://root@127.0.0.1:{port}/{db}?lock=lease&lease=3");
    let mut owner = std::process::Command::new(&retort)
        .current_dir(dir.path())
        .env("DATABASE_URL", url(3311))
        .args(["upgrade"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while Galera::try_sql(3312, db, "SELECT COUNT(*) FROM retort_log WHERE revision = '000000000002' AND status = 'in_progress'").unwrap_or_default().first().map(String::as_str) != Some("1") {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "the owner never started revision 2");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    owner.kill().unwrap(); // SIGKILL
    owner.wait().unwrap();
    let killed = std::time::Instant::now();
    let next = std::process::Command::new(&retort)
        .current_dir(dir.path())
        .env("DATABASE_URL", url(3312))
        .args(["upgrade", "--lock-timeout", "30"])
        .output()
        .unwrap();
    let waited = killed.elapsed();
    let said = String::from_utf8_lossy(&next.stderr);
    assert_eq!(next.status.code(), Some(6), "took over and found the cut-off revision: {said}");
    assert!(said.contains("000000000002"), "{said}");
    assert!(
        waited >= std::time::Duration::from_secs(2) && waited < std::time::Duration::from_secs(20),
        "waited for the lease ({waited:?})"
    );
}

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
