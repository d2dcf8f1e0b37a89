//! Behaviour that differs per engine or needs several processes (issue #4): a revision
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
        let fixed = std::fs::read_to_string(&bad).unwrap().replace("INSERT INTO no_such_table VALUES (1);", "");
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
        "postgres" => std::process::Command::new("psql").args(["-q", "-v", "ON_ERROR_STOP=1", &db.url, "-f"]).arg(&file).status(),
        _ => {
            let name = db.url.rsplit('/').next().unwrap().to_string();
            std::process::Command::new("mariadb").args(["-h", "127.0.0.1", "-u", "root", &name]).stdin(std::fs::File::open(&file).unwrap()).status()
        }
    }
    .expect("the engine's client is installed");
    assert!(status.success(), "[{}] the client rejected the offline SQL:\n{sql}", db.engine);
}

#[test]
fn offline_sql_through_each_engines_client_matches_online() {
    for engine in engine_names() {
        let p = Project::on(engine);
        p.write_rev("aaaa00000001", &[], "root", "CREATE TABLE a (id INTEGER PRIMARY KEY, note VARCHAR(40) DEFAULT 'it''s; fine');", "DROP TABLE a;");
        p.write_rev("bbbb00000001", &["aaaa00000001"], "b", "CREATE TABLE b (id INTEGER);\nCREATE INDEX ix_b ON b (id);", "DROP TABLE b;");
        p.write_rev("cccc00000001", &["aaaa00000001"], "c", "CREATE TABLE c (id INTEGER);", "DROP TABLE c;");
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
        let rows = |c: &mut Box<dyn retort::Connection>| c.query("SELECT version_num FROM alembic_version").unwrap();
        assert_eq!(rows(&mut online_conn), rows(&mut offline_conn), "[{engine}]");
        // And back down, offline.
        let down = p.retort(&["downgrade", "--sql", "dddd00000001:base"]).ok().stdout;
        run_client(&p, &offline, &down);
        assert!(offline_conn.query("SELECT version_num FROM alembic_version").unwrap().is_empty(), "[{engine}]");
        assert!(!offline_conn.introspect().unwrap().tables.contains_key("a"), "[{engine}]");
    }
}

#[test]
fn concurrent_upgrades_apply_each_revision_once() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 12);
        let bin = assert_cmd::cargo::cargo_bin("retort");
        let children: Vec<_> = (0..8)
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
            assert!(out.status.success(), "[{engine}] a concurrent run failed:\n{}", String::from_utf8_lossy(&out.stderr));
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
        if engine != "sqlite" {
            assert!(r.stderr.contains("waiting up to 1s"), "[{engine}] {}", r.stderr);
        }
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
    p.retort_env(&["upgrade"], &[("DATABASE_URL", "postgres://u@127.0.0.1:5432/x")]).fails_with(3, "dialect = \"sqlite\"");
    // Passwords never appear, in errors either.
    let r = p.retort_env(&["current"], &[("DATABASE_URL", "postgres://bob:secretpw@127.0.0.1:1/db")]);
    assert!(!r.stderr.contains("secretpw") && r.stderr.contains("bob:****@"), "{}", r.stderr);
    assert_eq!(r.code, 3, "{}", r.stderr); // the dialect mismatch is found first
    let cfg = std::fs::read_to_string(p.path().join("retort.toml")).unwrap().replace("dialect = \"sqlite\"", "dialect = \"postgres\"");
    std::fs::write(p.path().join("retort.toml"), cfg).unwrap();
    let r = p.retort_env(&["current"], &[("DATABASE_URL", "postgres://bob:secretpw@127.0.0.1:1/db")]);
    assert_eq!(r.code, 8, "{}", r.stderr);
    assert!(!r.stderr.contains("secretpw") && r.stderr.contains("bob:****@"), "{}", r.stderr);

    if engine_names().contains(&"postgres") {
        let p = Project::on("postgres");
        chain(&p, 2);
        p.exec("CREATE SCHEMA app");
        let url = format!("{}?schema=app", p.db.url);
        p.retort_env(&["upgrade"], &[("DATABASE_URL", &url)]).ok();
        assert_eq!(p.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'app'"), vec!["4"]);
        assert_eq!(p.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), vec!["0"]);
        let r = p.retort_env(&["current"], &[("DATABASE_URL", &format!("{}?schema=nope", p.db.url))]).fails_with(8, "schema \"nope\" does not exist");
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
