//! Offline mode (`--sql`): the script equals what an online run executes, and each engine's own client runs it and stops at the first error.
use crate::common::*;

#[test]
fn offline_sql_matches_online_upgrade() {
    let p = Project::new();
    p.write_rev(
        "aaaa00000001",
        &[],
        "root",
        "CREATE TABLE a (id INTEGER PRIMARY KEY, note TEXT DEFAULT 'it''s; fine');",
        "DROP TABLE a;",
    );
    p.write_rev_labels(
        "bbbb00000001",
        &["aaaa00000001"],
        "b",
        "CREATE TABLE b (id INTEGER);\nCREATE INDEX ix_b ON b (id);",
        "DROP TABLE b;",
        &["bee"],
    );
    p.write_rev("cccc00000001", &["aaaa00000001"], "c", "CREATE TABLE c (id INTEGER);\nCREATE TRIGGER trg AFTER INSERT ON c BEGIN INSERT INTO a (note) VALUES ('x;y'); END;", "DROP TABLE c;");
    p.write_rev("dddd00000001", &["bbbb00000001", "cccc00000001"], "merge", "", "");
    let sql = p.retort(&["upgrade", "--sql"]).ok().stdout;

    let offline_db = p.path().join("offline.db");
    let status = std::process::Command::new("sqlite3")
        .arg(&offline_db)
        .stdin(
            std::fs::File::open({
                let f = p.path().join("offline.sql");
                std::fs::write(&f, &sql).unwrap();
                f
            })
            .unwrap(),
        )
        .status()
        .expect("the sqlite3 client is installed");
    assert!(status.success());
    p.retort(&["upgrade"]).ok();

    let schema_sql = "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name";
    let offline = rusqlite::Connection::open(&offline_db).unwrap();
    assert_eq!(rows(&offline, schema_sql), p.query(schema_sql));
    assert_eq!(rows(&offline, "SELECT version_num FROM alembic_version"), p.version_rows());
    assert_eq!(p.version_rows(), vec!["dddd00000001"]);

    // Downgrade --sql needs a range; with one it reverses the upgrade.
    p.retort(&["downgrade", "--sql", "base"]).fails_with(2, "needs a starting point");
    let down = p.retort(&["downgrade", "--sql", "dddd00000001:base"]).ok().stdout;
    let d = offline;
    // The script is for the sqlite3 shell; its first line (`.bail on`) is the shell's.
    assert!(down.starts_with(".bail on\n"), "{down}");
    d.execute_batch(down.trim_start_matches(".bail on\n")).unwrap();
    assert!(rows(&d, "SELECT version_num FROM alembic_version").is_empty());
    assert_eq!(rows(&d, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"), vec!["alembic_version", "retort_log"]);

    // Offline stamp.
    let stamp = p.retort(&["stamp", "--sql", "cccc00000001"]).ok().stdout;
    assert!(stamp.contains("INSERT INTO \"alembic_version\" (version_num) VALUES ('cccc00000001')"));
}

#[test]
fn offline_sql_snapshot() {
    let p = Project::new();
    p.write_rev(
        "aaaa00000001",
        &[],
        "create a",
        "CREATE TABLE a (id INTEGER PRIMARY KEY);",
        "DROP TABLE a;",
    );
    p.write_rev(
        "bbbb00000001",
        &["aaaa00000001"],
        "add b",
        "ALTER TABLE a ADD COLUMN b TEXT;",
        "ALTER TABLE a DROP COLUMN b;",
    );
    let sql = p.retort(&["upgrade", "--sql", "aaaa00000001:head"]).ok().stdout;
    let sql = sql.replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
    insta::assert_snapshot!(sql);
}

/// Feeds `sql` to the engine's own command-line client.
fn run_client(p: &Project, db: &crate::common::servers::TestDb, sql: &str) {
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
        let offline = crate::common::servers::TestDb::new(engine, tmp.path());
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
