//! Versioned migrations on SQLite, driven through the built binary.
mod common;
use common::{chain, engine_names, rows, Project};

#[test]
fn linear_chain_up_and_down() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 3);
        p.retort(&["upgrade"]).ok();
        assert_eq!(p.version_rows(), vec![ids[2].clone()]);
        assert_eq!(p.tables(), vec!["alembic_version", "retort_log", "t1", "t2", "t3"]);
        let cur = p.retort(&["current"]).ok();
        assert!(cur.stdout.contains(&format!("{} (head)", ids[2])));

        p.retort(&["downgrade", "-1"]).ok();
        assert_eq!(p.version_rows(), vec![ids[1].clone()]);
        assert!(!p.tables().contains(&"t3".to_string()));

        p.retort(&["downgrade", "base"]).ok();
        assert!(p.version_rows().is_empty());
        assert_eq!(p.tables(), vec!["alembic_version", "retort_log"]);

        // The log holds every step with the file's text and checksum.
        let log = p.query("SELECT concat(direction, ':', revision) FROM retort_log ORDER BY id");
        assert_eq!(log.len(), 3 + 1 + 2);
        assert_eq!(log[3], format!("down:{}", ids[2]));
        let script = p
            .query(&format!("SELECT script FROM retort_log WHERE revision = '{}' LIMIT 1", ids[0]));
        assert!(script[0].contains("CREATE TABLE t1"));
    }
}

#[test]
fn relative_and_partial_targets() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 4);
        p.retort(&["upgrade", "+2"]).ok();
        assert_eq!(p.version_rows(), vec![ids[1].clone()]);
        p.retort(&["upgrade", "+1"]).ok();
        assert_eq!(p.version_rows(), vec![ids[2].clone()]);
        p.retort(&["downgrade", "head-3"]).ok();
        assert_eq!(p.version_rows(), vec![ids[0].clone()]);
        // Unambiguous partial id.
        p.retort(&["upgrade", &ids[3][..4]]).ok();
        assert_eq!(p.version_rows(), vec![ids[3].clone()]);
        // Ambiguous partial id lists the candidates.
        let r = p.retort(&["downgrade", "000"]).fails_with(5, "ambiguous");
        assert!(r.stderr.contains(&ids[0]) && r.stderr.contains(&ids[3]));
        // Out of range.
        p.retort(&["upgrade", "+1"]).fails_with(5, "past the head");
        p.retort(&["downgrade", "-5"]).fails_with(5, "below base");
        p.retort(&["upgrade", "nosuchrev"]).fails_with(5, "can't locate revision `nosuchrev`");
    }
}

#[test]
fn branches_labels_merge_and_downgrade_through_merge() {
    for engine in engine_names() {
        let p = Project::on(engine);
        p.write_rev(
            "aaaa00000001",
            &[],
            "root",
            "CREATE TABLE root (id INTEGER);",
            "DROP TABLE root;",
        );
        p.write_rev_labels(
            "bbbb00000001",
            &["aaaa00000001"],
            "billing",
            "CREATE TABLE billing (id INTEGER);",
            "DROP TABLE billing;",
            &["billing"],
        );
        p.write_rev(
            "bbbb00000002",
            &["bbbb00000001"],
            "billing two",
            "CREATE TABLE billing2 (id INTEGER);",
            "DROP TABLE billing2;",
        );
        p.write_rev_labels(
            "cccc00000001",
            &["aaaa00000001"],
            "search",
            "CREATE TABLE search (id INTEGER);",
            "DROP TABLE search;",
            &["search"],
        );

        let heads = p.retort(&["heads", "--json"]).ok().json();
        assert_eq!(heads["heads"].as_array().unwrap().len(), 2);
        let r = p.retort(&["upgrade"]).fails_with(5, "2 heads");
        assert!(r.stderr.contains("bbbb00000002") && r.stderr.contains("cccc00000001"));
        assert!(r.stderr.contains("retort merge heads"));

        p.retort(&["upgrade", "billing@head"]).ok();
        assert_eq!(p.version_rows(), vec!["bbbb00000002"]);
        p.retort(&["upgrade", "search"]).ok();
        assert_eq!(p.version_rows(), vec!["bbbb00000002", "cccc00000001"]);

        let branches = p.retort(&["branches", "--json"]).ok().json();
        assert_eq!(branches["branch_points"][0]["revision"], "aaaa00000001");

        p.retort(&["merge", "heads", "-m", "join billing and search", "--rev-id", "dddd00000001"])
            .ok();
        assert_eq!(
            p.retort(&["heads", "--json"]).ok().json()["heads"].as_array().unwrap().len(),
            1
        );
        p.retort(&["upgrade"]).ok();
        assert_eq!(p.version_rows(), vec!["dddd00000001"]);

        // Downgrading the merge splits the row again.
        p.retort(&["downgrade", "-1"]).ok();
        assert_eq!(p.version_rows(), vec!["bbbb00000002", "cccc00000001"]);
        // Downgrading one branch leaves the other alone.
        p.retort(&["downgrade", "bbbb00000001"]).ok();
        assert_eq!(p.version_rows(), vec!["bbbb00000001", "cccc00000001"]);
        assert!(
            p.tables().contains(&"search".to_string())
                && !p.tables().contains(&"billing2".to_string())
        );
        p.retort(&["downgrade", "base"]).ok();
        assert!(p.version_rows().is_empty());

        let hist = p.retort(&["history"]).ok();
        assert!(hist.stdout.lines().next().unwrap().contains("dddd00000001 (head) (mergepoint)"));
        let ranged = p.retort(&["history", "-r", "billing:bbbb00000002", "--json"]).ok().json();
        let revs: Vec<&str> = ranged["revisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["revision"].as_str().unwrap())
            .collect();
        assert_eq!(revs, vec!["bbbb00000002", "bbbb00000001"]);
    }
}

#[test]
fn stamp_and_purge() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 2);
        // The database lacks head's tables: stamp refuses unless forced (see trust.rs).
        p.retort(&["stamp", "head"]).fails_with(1, "is not the schema at `head`");
        p.retort(&["stamp", "--force", "head"]).ok();
        assert_eq!(p.version_rows(), vec![ids[1].clone()]);
        assert!(!p.tables().contains(&"t1".to_string()), "stamp runs no SQL");
        let log = p.query("SELECT direction FROM retort_log");
        assert_eq!(log, vec!["stamp"]);
        p.retort(&["stamp", "base"]).ok();
        assert!(p.version_rows().is_empty());

        // A row the graph does not know: every command refuses, stamp --purge realigns.
        p.exec("INSERT INTO alembic_version VALUES ('feedfacecafe')");
        let r = p.retort(&["current"]).fails_with(6, "feedfacecafe");
        assert!(r.stderr.contains("retort stamp"));
        p.retort(&["upgrade"]).fails_with(6, "not in the migrations directory");
        p.retort(&["stamp", "head"]).fails_with(6, "feedfacecafe");
        p.retort(&["stamp", "--purge", "--force", &ids[0]]).ok();
        assert_eq!(p.version_rows(), vec![ids[0].clone()]);
        p.retort(&["upgrade"]).ok();
        assert_eq!(p.version_rows(), vec![ids[1].clone()]);
    }
}

#[test]
fn failing_statement_in_third_of_four_keeps_second() {
    let p = Project::new();
    let bad = common::four_with_a_bad_third(&p);
    let r = p.retort(&["upgrade"]).fails_with(7, "no such table: no_such_table");
    let name = bad.file_name().unwrap().to_str().unwrap();
    assert!(r.stderr.contains(&format!("{name}:9")), "names file and line:\n{}", r.stderr);
    assert!(
        r.stderr.contains("000000000001, 000000000002"),
        "says what stayed applied:\n{}",
        r.stderr
    );
    assert_eq!(p.version_rows(), vec!["000000000002"]);
    assert_eq!(p.tables(), vec!["alembic_version", "one", "retort_log", "two"]);
    let log = p.query("SELECT revision FROM retort_log ORDER BY id");
    assert_eq!(log, vec!["000000000001", "000000000002"]);
}

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

#[test]
fn errors_have_distinct_codes_and_next_steps() {
    // No project.
    let empty = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("retort")
        .unwrap()
        .current_dir(empty.path())
        .arg("current")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("retort init"));

    let p = Project::new();
    p.retort(&["init"]).fails_with(3, "refusing to overwrite");

    // Malformed header: file and line.
    let f = p.write_rev("aaaa00000001", &[], "one", "SELECT 1;", "SELECT 1;");
    let text = std::fs::read_to_string(&f).unwrap().replace("-- message: one", "-- message one");
    std::fs::write(&f, text).unwrap();
    p.retort(&["history"]).fails_with(4, "aaaa00000001_one.sql:3");
    std::fs::remove_file(&f).unwrap();

    // Missing parent.
    let orphan = p.write_rev("bbbb00000001", &["deadbeef0000"], "orphan", "SELECT 1;", "SELECT 1;");
    let r = p.retort(&["upgrade"]).fails_with(4, "can't locate revision deadbeef0000");
    assert!(r.stderr.contains("bbbb00000001_orphan.sql"));
    std::fs::remove_file(orphan).unwrap();

    // Duplicate id.
    p.write_rev("cccc00000001", &[], "first", "SELECT 1;", "SELECT 1;");
    let dup = p.write_rev("cccc00000001", &[], "second", "SELECT 1;", "SELECT 1;");
    p.retort(&["heads"]).fails_with(4, "duplicate revision id cccc00000001");
    std::fs::remove_file(dup).unwrap();

    // Cycle.
    let c1 = p.write_rev("eeee00000001", &["eeee00000002"], "e1", "SELECT 1;", "SELECT 1;");
    let c2 = p.write_rev("eeee00000002", &["eeee00000001"], "e2", "SELECT 1;", "SELECT 1;");
    p.retort(&["history"]).fails_with(4, "cycle");
    std::fs::remove_file(c1).unwrap();
    std::fs::remove_file(c2).unwrap();

    // Empty message, unknown env, bad URL.
    p.retort(&["revision", "-m", " "]).fails_with(2, "message must not be empty");
    p.retort(&["--env", "staging", "current"])
        .fails_with(3, "environment `staging` is not defined");
    p.retort_env(&["current"], &[("DATABASE_URL", "oracle://scott:tiger@db/x")])
        .fails_with(3, "invalid database URL");
    let r = p.retort_env(&["current"], &[("DATABASE_URL", "oracle://scott:tiger@db/x")]);
    assert!(!r.stderr.contains("tiger"), "password leaked: {}", r.stderr);
    p.retort_env(&["current"], &[("DATABASE_URL", "sqlite:///no/such/dir/x.db")])
        .fails_with(8, "does not exist");

    // Irreversible revision.
    let irr = p.path().join("migrations/versions/ffff00000001_irr.sql");
    std::fs::write(&irr, "-- revision: ffff00000001\n-- down_revision: cccc00000001\n-- message: irr\n\n-- +upgrade\nCREATE TABLE irr (id INTEGER);\n").unwrap();
    p.retort(&["upgrade"]).ok();
    p.retort(&["downgrade", "base"]).fails_with(6, "cannot be reverted");
    assert_eq!(p.version_rows(), vec!["ffff00000001"], "nothing was reverted");
    p.retort(&["downgrade", "cccc00000001:base"]).fails_with(2, "only for --sql");
}

#[test]
fn revision_command_builds_the_chain_and_refuses_two_heads() {
    let p = Project::new();
    p.retort(&["revision", "-m", "First one!", "--rev-id", "aaaa00000001"]).ok();
    assert!(p.path().join("migrations/versions/aaaa00000001_first_one.sql").is_file());
    p.retort(&["revision", "-m", "second"]).ok();
    p.retort(&["revision", "-m", "side", "--head", "aaaa00000001", "--branch-label", "side"]).ok();
    p.retort(&["revision", "-m", "ambiguous"]).fails_with(5, "needs one parent");
    p.retort(&["revision", "-m", "dup", "--rev-id", "aaaa00000001", "--head", "aaaa00000001"])
        .fails_with(4, "duplicate revision id");
    p.retort(&["revision", "-m", "new root", "--head", "base"]).ok();
    let heads = p.retort(&["heads", "--json"]).ok().json();
    assert_eq!(heads["heads"].as_array().unwrap().len(), 3);
    let show = p.retort(&["show", "side", "--json"]).ok().json();
    assert_eq!(show["down_revisions"][0], "aaaa00000001");
    assert_eq!(show["branch_labels"][0], "side");
}

#[test]
fn json_shapes_of_read_commands() {
    let p = Project::new();
    let ids = chain(&p, 2);
    p.retort(&["upgrade", "+1"]).ok();
    let cur = p.retort(&["current", "--json"]).ok().json();
    assert_eq!(cur["current"][0], ids[0].as_str());
    assert_eq!(cur["env"], "dev");
    let st = p.retort(&["status", "--json"]).ok().json();
    assert_eq!(st["up_to_date"], false);
    assert_eq!(st["pending"][0]["revision"], ids[1].as_str());
    let hist = p.retort(&["history", "--json"]).ok().json();
    assert_eq!(hist["revisions"][0]["revision"], ids[1].as_str());
    assert_eq!(hist["revisions"][1]["is_base"], true);
    let show = p.retort(&["show", &ids[1], "--json"]).ok().json();
    assert!(show["upgrade"].as_str().unwrap().contains("CREATE TABLE t2"));
    assert_eq!(show["checksum"].as_str().unwrap().len(), 64);
    // Human status names the next command.
    let human = p.retort(&["status"]).ok();
    assert!(human.stdout.contains("run `retort upgrade`"));
}

#[test]
fn piped_output_is_plain_and_quiet_is_quiet() {
    let p = Project::new();
    chain(&p, 2);
    let r = p.retort(&["upgrade"]).ok();
    assert!(r.stderr.contains("[1/2] upgrade"));
    assert!(!r.stderr.contains('\x1b'), "no escape codes when piped");
    p.retort(&["downgrade", "base"]).ok();
    let r = p.retort(&["-q", "upgrade"]).ok();
    assert!(r.stderr.is_empty() && r.stdout.is_empty());
}

/// A→B→C→D, A→E, F = merge(D, E), each creating its own table.
fn merged_branches(p: &Project) {
    p.write_rev("aaaa00000000", &[], "a", "CREATE TABLE ta (id INTEGER);", "DROP TABLE ta;");
    p.write_rev(
        "bbbb00000000",
        &["aaaa00000000"],
        "b",
        "CREATE TABLE tb (id INTEGER);",
        "DROP TABLE tb;",
    );
    p.write_rev(
        "cccc00000000",
        &["bbbb00000000"],
        "c",
        "CREATE TABLE tc (id INTEGER);",
        "DROP TABLE tc;",
    );
    p.write_rev(
        "dddd00000000",
        &["cccc00000000"],
        "d",
        "CREATE TABLE td (id INTEGER);",
        "DROP TABLE td;",
    );
    p.write_rev(
        "eeee00000000",
        &["aaaa00000000"],
        "e",
        "CREATE TABLE te (id INTEGER);",
        "DROP TABLE te;",
    );
    p.write_rev(
        "ffff00000000",
        &["dddd00000000", "eeee00000000"],
        "f",
        "CREATE TABLE tf (id INTEGER);",
        "DROP TABLE tf;",
    );
}

/// A relative downgrade across a merge never reverts below a
/// revision it keeps (it used to revert B while C stayed recorded), and an upgrade to a
/// target below the current revision is refused instead of succeeding silently.
#[test]
fn relative_steps_across_a_merge_keep_schema_and_version_table_in_step() {
    for engine in engine_names() {
        let p = Project::on(engine);
        merged_branches(&p);
        p.retort(&["upgrade", "head"]).ok();
        let before = p.tables();
        p.retort(&["upgrade", "-1"]).fails_with(5, "below the current revision");
        // Two steps below a merge would have to choose a branch: refused, nothing touched.
        let r = p.retort(&["downgrade", "-2"]).fails_with(5, "ffff00000000");
        assert!(
            r.stderr.contains("ambiguous") && r.stderr.contains("retort downgrade"),
            "{}",
            r.stderr
        );
        assert_eq!(p.version_rows(), vec!["ffff00000000"]);
        assert_eq!(p.tables(), before);
        // One step below a merge undoes the merge: both parents become heads.
        p.retort(&["downgrade", "-1"]).ok();
        assert_eq!(p.version_rows(), vec!["dddd00000000", "eeee00000000"]);
        assert!(!p.tables().contains(&"tf".to_string()));
        // Naming the revision is the unambiguous way down one branch; B stays under C.
        p.retort(&["downgrade", "cccc00000000"]).ok();
        assert_eq!(p.version_rows(), vec!["cccc00000000", "eeee00000000"]);
        let tables = p.tables();
        for t in ["ta", "tb", "tc", "te"] {
            assert!(tables.contains(&t.to_string()), "{t} missing from {tables:?}");
        }
        assert!(!tables.contains(&"td".to_string()));

        // Item 2: upgrade to a target below the current revision: exit 5, nothing done.
        let r =
            p.retort(&["upgrade", "cccc00000000-1"]).fails_with(5, "below the current revision");
        assert!(r.stderr.contains("retort downgrade"), "{}", r.stderr);
        p.retort(&["upgrade", "bbbb00000000"]).fails_with(5, "upgrade only moves up");
        assert_eq!(p.version_rows(), vec!["cccc00000000", "eeee00000000"]);
        p.retort(&["upgrade", "--sql", "ffff00000000:bbbb00000000"])
            .fails_with(5, "below the current revision");
        // Upgrading to where the database already is stays a quiet no-op.
        p.retort(&["upgrade", "cccc00000000"]).ok();
        p.retort(&["upgrade", "head"]).ok();
        assert_eq!(p.version_rows(), vec!["ffff00000000"]);
    }
}

/// `stamp --purge -N` counts from the current rows, as `stamp -N` does.
#[test]
fn stamp_purge_relative_counts_from_the_current_revision() {
    let p = Project::new();
    let ids = chain(&p, 4);
    p.retort(&["stamp", "--force", &ids[2]]).ok();
    p.retort(&["stamp", "--force", "--purge", "-1"]).ok();
    assert_eq!(p.version_rows(), vec![ids[1].clone()]);
    p.retort(&["stamp", "--force", "-1"]).ok();
    assert_eq!(p.version_rows(), vec![ids[0].clone()]);
    p.retort(&["stamp", "--force", "--purge", "+2"]).ok();
    assert_eq!(p.version_rows(), vec![ids[2].clone()]);
    // With rows the graph does not know, a relative stamp has nothing to count from.
    p.exec("DELETE FROM alembic_version");
    p.exec("INSERT INTO alembic_version VALUES ('feedfacecafe')");
    p.retort(&["stamp", "--force", "--purge", "-1"]).fails_with(6, "feedfacecafe");
    p.retort(&["stamp", "--force", "--purge", &ids[3]]).ok();
    assert_eq!(p.version_rows(), vec![ids[3].clone()]);
}

/// No input may panic; an absurd lock timeout is a usage error (exit 2).
#[test]
fn out_of_range_lock_timeout_is_a_usage_error() {
    let p = Project::new();
    chain(&p, 1);
    for secs in ["2147484", "18446744073709551615", "-1"] {
        let r = p.retort(&["--lock-timeout", secs, "upgrade"]);
        assert_eq!(r.code, 2, "--lock-timeout {secs}: {}", r.stderr);
        assert!(r.stderr.contains("--lock-timeout") || secs == "-1", "{}", r.stderr);
    }
    p.retort(&["--lock-timeout", "86400", "upgrade"]).ok();
}

/// `init` takes the engine from DATABASE_URL when --url is not given, and
/// references the variable instead of copying a URL that may hold a password.
#[test]
fn init_takes_the_engine_from_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = "postgres://postgres:Sekret9@127.0.0.1:5432/postgres";
    let out = assert_cmd::Command::cargo_bin("retort")
        .unwrap()
        .current_dir(dir.path())
        .env("DATABASE_URL", url)
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let toml = std::fs::read_to_string(dir.path().join("retort.toml")).unwrap();
    assert!(toml.contains("dialect = \"postgres\""), "{toml}");
    assert!(toml.contains("url = \"${DATABASE_URL}\"") && !toml.contains("Sekret9"), "{toml}");
    if engine_names().contains(&"postgres") {
        let out = assert_cmd::Command::cargo_bin("retort")
            .unwrap()
            .current_dir(dir.path())
            .env("DATABASE_URL", url)
            .arg("current")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the next command works: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Without DATABASE_URL, SQLite.
    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("retort")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(std::fs::read_to_string(dir.path().join("retort.toml"))
        .unwrap()
        .contains("sqlite://dev.db"));
}

/// What the help and README promise. `-v` prints each step's SQL;
/// `upgrade/downgrade --json` report the steps as JSON; with `--json` an error is JSON on
/// stdout too; `--single-transaction` is refused where DDL is not transactional.
#[test]
fn verbose_json_and_single_transaction_keep_their_promises() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 2);
        let r = p.retort(&["-v", "upgrade", &ids[0]]).ok();
        assert!(
            r.stderr.contains("CREATE TABLE t1 (id INTEGER PRIMARY KEY, v TEXT)"),
            "[{engine}] -v shows the SQL:\n{}",
            r.stderr
        );
        let j = p.retort(&["upgrade", "--json"]).ok().json();
        assert_eq!(j["direction"], "upgrade");
        assert_eq!(j["heads_before"][0], ids[0].as_str());
        assert_eq!(j["heads_after"][0], ids[1].as_str());
        assert_eq!(j["steps"][0]["revision"], ids[1].as_str());
        let j = p.retort(&["downgrade", "-1", "--json"]).ok().json();
        assert_eq!(j["steps"][0]["direction"], "down");
        // Errors in --json mode.
        let r = p.retort(&["upgrade", "nosuchrev", "--json"]);
        assert_eq!(r.code, 5);
        let j = r.json();
        assert_eq!(j["error"]["class"], "target");
        assert_eq!(j["error"]["exit_code"], 5);
        assert!(j["error"]["message"].as_str().unwrap().contains("nosuchrev"));
        let bad = match engine {
            "sqlite" => "sqlite://missing/nowhere.db",
            "postgres" => "postgres://nobody@127.0.0.1:1/db",
            _ => "mysql://nobody@127.0.0.1:1/db",
        };
        let r = p.retort_env(&["status", "--json"], &[("DATABASE_URL", bad)]);
        assert_eq!(r.code, 8, "{}", r.stderr);
        assert_eq!(r.json()["error"]["class"], "connection");
        if engine == "mysql" {
            let r =
                p.retort(&["upgrade", "--single-transaction"]).fails_with(13, "transactional DDL");
            assert!(r.stderr.contains("mysql"), "{}", r.stderr);
            assert_eq!(p.version_rows(), vec![ids[0].clone()], "nothing ran");
        } else {
            p.retort(&["upgrade", "--single-transaction"]).ok();
        }
    }
}

/// Widening a varchar on PostgreSQL is not annotated as a table rewrite.
#[test]
fn postgres_varchar_widening_is_not_called_a_rewrite() {
    if !engine_names().contains(&"postgres") {
        return;
    }
    let p = Project::on("postgres");
    std::fs::write(
        p.path().join("models.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(200), code INTEGER);\n",
    )
    .unwrap();
    p.retort(&["migrate", "-m", "one"]).ok();
    p.retort(&["upgrade"]).ok();
    std::fs::write(
        p.path().join("models.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(300), code BIGINT);\n",
    )
    .unwrap();
    p.retort(&["migrate", "-m", "two"]).ok();
    let f = std::fs::read_dir(p.path().join("migrations/versions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.to_string_lossy().contains("_two"))
        .unwrap();
    let text = std::fs::read_to_string(f).unwrap();
    assert!(text.contains("t.name widens it: no table rewrite"), "{text}");
    assert!(text.contains("t.code rewrites the table"), "{text}");
    p.retort(&["upgrade"]).ok();
}

/// `history --graph` draws the graph's shape.
#[test]
fn history_graph_draws_branches_and_merges() {
    let p = Project::new();
    merged_branches(&p);
    let out = p.retort(&["history", "--graph"]).ok().stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.iter().filter(|l| l.contains("-> ")).count(), 6, "{out}");
    assert!(lines[0].starts_with("*  dddd00000000, eeee00000000 -> ffff00000000"), "{out}");
    assert!(lines.iter().any(|l| l.trim_end() == "| \\"), "a merge opens a lane:\n{out}");
    assert!(lines.iter().any(|l| l.trim_end() == "| /"), "the branch point closes it:\n{out}");
    assert!(lines.last().unwrap().starts_with("*  <base> -> aaaa00000000"), "{out}");
    println!("{out}");
}

/// A byte-order mark is accepted; a wrong --config path is named as such.
#[test]
fn bom_revision_files_and_a_wrong_config_path() {
    let p = Project::new();
    let path = p.write_rev(
        "aaaa00000001",
        &[],
        "bom",
        "CREATE TABLE bom (id INTEGER);",
        "DROP TABLE bom;",
    );
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
    p.retort(&["upgrade"]).ok();
    assert_eq!(p.version_rows(), vec!["aaaa00000001"]);
    let r =
        p.retort(&["--config", "/nope/retort.toml", "status"]).fails_with(3, "/nope/retort.toml");
    assert!(
        r.stderr.contains("given with --config does not exist")
            && r.stderr.contains("check the path"),
        "{}",
        r.stderr
    );
}

/// `revision --depends-on` (Alembic's flag): the dependency is written as a full id,
/// shown in `history` as Alembic shows it, applied first, and merged into the
/// dependent's version-table row.
#[test]
fn a_revision_can_depend_on_another_branch() {
    let p = Project::new();
    p.retort(&["revision", "-m", "accounts", "--rev-id", "aaa111"]).ok();
    p.retort(&[
        "revision",
        "-m",
        "shared",
        "--head",
        "base",
        "--branch-label",
        "lib",
        "--rev-id",
        "bbb222",
    ])
    .ok();
    p.retort(&[
        "revision",
        "-m",
        "uses shared",
        "--head",
        "aaa111",
        "--depends-on",
        "lib",
        "--rev-id",
        "ccc333",
    ])
    .ok();
    let text = std::fs::read_to_string(p.path().join("migrations/versions/ccc333_uses_shared.sql"))
        .unwrap();
    assert!(text.contains("-- depends_on: bbb222"), "{text}");
    let history = p.retort(&["history"]).ok().stdout;
    assert!(history.contains("aaa111 (bbb222) -> ccc333 (head), uses shared"), "{history}");
    assert!(!history.contains("mergepoint") && !history.contains("branchpoint"), "{history}");
    p.retort(&["upgrade", "ccc333"]).ok();
    assert_eq!(p.version_rows(), ["ccc333"]);
    p.retort(&["revision", "-m", "nothing", "--depends-on", "zzz999"]).fails_with(5, "zzz999");
}

/// `retort graph` on a graph with a branch, a merge and a label, the
/// database at one revision: Mermaid and DOT snapshotted, ascii marks the current one.
#[test]
fn graph_draws_branches_merges_labels_and_the_current_revision() {
    let p = Project::new();
    for args in [
        &["revision", "-m", "initial tables", "--rev-id", "a1"][..],
        &["revision", "-m", "add bio", "--head", "a1", "--rev-id", "b2"],
        &[
            "revision",
            "-m",
            "add slug",
            "--head",
            "a1",
            "--branch-label",
            "posts",
            "--rev-id",
            "c3",
        ],
        &["merge", "heads", "-m", "merge bio and slug", "--rev-id", "d4"],
    ] {
        p.retort(args).ok();
    }
    p.retort(&["upgrade", "b2"]).ok();
    insta::assert_snapshot!(
        "graph_mermaid",
        p.retort(&["graph", "--format", "mermaid"]).ok().stdout
    );
    insta::assert_snapshot!("graph_dot", p.retort(&["graph", "--format", "dot"]).ok().stdout);
    let ascii = p.retort(&["graph"]).ok().stdout;
    assert!(ascii.lines().any(|l| l.contains("-> b2, add bio (current)")), "{ascii}");
    assert_eq!(
        p.retort(&["history", "--graph"]).ok().stdout,
        ascii,
        "history --graph is the same drawing"
    );
    assert!(ascii.lines().any(|l| l.contains("-> d4 (head) (mergepoint)")), "{ascii}");
    let ranged = p.retort(&["graph", "--format", "mermaid", "-r", "b2:"]).ok().stdout;
    assert!(ranged.contains("r_b2") && !ranged.contains("r_c3["), "{ranged}");
}

/// `retort completions` and `retort man`: generated from the flags the binary
/// has, outside any project, and a closed pipe is no panic.
#[test]
fn completions_and_man_page_come_from_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("retort")
            .unwrap()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("retort")
                && text.contains("upgrade")
                && text.contains("adopt")
                && text.contains("lock-timeout"),
            "{shell}"
        );
    }
    let man = run(&["man"]);
    let text = String::from_utf8_lossy(&man.stdout);
    assert!(
        man.status.success()
            && text.starts_with(".ie")
            && text.contains(".SH NAME")
            && text.contains("downgrade"),
        "{text}"
    );
    let bad = run(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
    // `retort completions bash | head -1`: stdout closed early.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("retort"))
        .args(["completions", "bash"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `retort squash A:B` replaces a 20-revision range by one generated revision,
/// proven on scratch databases. A new database runs the squash in the range's place and
/// ends with the same schema as one that ran the originals; a database inside the range
/// goes on with the originals; checksums stay valid; `--finish` makes the squash the
/// revision; a range that changes data is refused with the statements listed.
#[test]
fn squash_replaces_a_range_and_databases_inside_it_still_upgrade() {
    let p = Project::new();
    let id = |i: usize| format!("{i:012x}");
    p.write_rev(
        &id(1),
        &[],
        "base",
        "CREATE TABLE base (id INTEGER PRIMARY KEY);",
        "DROP TABLE base;",
    );
    for i in 2..=21 {
        let (up, down) = if i % 2 == 0 {
            (format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, base_id INTEGER REFERENCES base (id));"), format!("DROP TABLE t{i};"))
        } else {
            (
                format!(
                    "ALTER TABLE t{} ADD COLUMN c{i} TEXT;\nCREATE INDEX ix{i} ON t{} (c{i});",
                    i - 1,
                    i - 1
                ),
                format!("DROP INDEX ix{i};\nALTER TABLE t{} DROP COLUMN c{i};", i - 1),
            )
        };
        p.write_rev(&id(i), &[&id(i - 1)], &format!("step {i}"), &up, &down);
    }
    p.write_rev(
        &id(22),
        &[&id(21)],
        "after",
        "CREATE TABLE after_squash (id INTEGER PRIMARY KEY);",
        "DROP TABLE after_squash;",
    );
    let on = |db: &str| [("DATABASE_URL", format!("sqlite://{db}"))];
    let run = |db: &str, args: &[&str]| {
        let env = on(db);
        p.retort_env(args, &[(env[0].0, env[0].1.as_str())])
    };
    // Before the squash: one database through every original, one stopped inside the range.
    run("reference.db", &["upgrade"]).ok();
    run("inside.db", &["upgrade", &id(10)]).ok();
    p.exec_on("inside.db", "INSERT INTO base (id) VALUES (1), (2)");

    let r = p.retort(&["squash", &format!("{}:{}", id(2), id(21)), "-m", "twenty steps"]).ok();
    assert!(r.stdout.contains("squashed 20 revisions"), "{}", r.stdout);
    let squash = p.path().join("migrations/squashed").join(format!("{}_twenty_steps.sql", id(21)));
    let text = std::fs::read_to_string(&squash).unwrap();
    assert!(
        text.contains(&format!("-- revision: {}", id(21)))
            && text.contains(&format!("-- down_revision: {}", id(1))),
        "{text}"
    );
    assert!(text.contains(&format!("-- replaces: {}, ", id(2))), "{text}");

    let status = run("reference.db", &["status"]).ok().stdout;
    assert!(status.contains(&format!("`retort squash --finish {}`", id(21))), "{status}");
    // A new database: base, the squash, the revision after it.
    let fresh = run("fresh.db", &["upgrade"]).ok();
    let said = format!("{}{}", fresh.stdout, fresh.stderr);
    assert!(
        said.contains("[3/3]") && said.contains("twenty steps") && !said.contains("step 2 "),
        "{said}"
    );
    assert_eq!(p.query_on("fresh.db", "SELECT version_num FROM alembic_version"), [id(22)]);
    assert_eq!(
        p.schema_of("fresh.db"),
        p.schema_of("reference.db"),
        "the squash does what the range did"
    );
    // The database inside the range goes on with the originals, its rows kept.
    let inside = run("inside.db", &["upgrade"]).ok();
    let said = format!("{}{}", inside.stdout, inside.stderr);
    assert!(said.contains("step 11") && !said.contains("twenty steps"), "{said}");
    assert_eq!(p.schema_of("inside.db"), p.schema_of("reference.db"));
    assert_eq!(p.query_on("inside.db", "SELECT count(*) FROM base"), ["2"]);
    for db in ["fresh.db", "inside.db", "reference.db"] {
        run(db, &["verify"]).ok();
    }
    // Down through the range and up again, on the database that ran the squash.
    run("fresh.db", &["downgrade", &id(1)]).ok();
    assert_eq!(p.query_on("fresh.db", "SELECT version_num FROM alembic_version"), [id(1)]);
    run("fresh.db", &["upgrade"]).ok();
    assert_eq!(p.schema_of("fresh.db"), p.schema_of("reference.db"));

    // Every database is past the range: the squash becomes the revision.
    p.retort(&["squash", "--finish", &id(21)]).ok();
    assert!(!p.path().join("migrations/versions").join(format!("{}_step_2.sql", id(2))).exists());
    assert!(p
        .path()
        .join("migrations/versions")
        .join(format!("{}_twenty_steps.sql", id(21)))
        .exists());
    for db in ["fresh.db", "inside.db", "reference.db"] {
        run(db, &["verify"]).ok();
        run(db, &["upgrade"]).ok();
    }
    assert!(
        !run("reference.db", &["status"]).ok().stdout.contains("squash:"),
        "finished: nothing to remind"
    );
    let newest = run("newest.db", &["upgrade"]).ok();
    assert!(format!("{}{}", newest.stdout, newest.stderr).contains("[3/3]"));
    assert_eq!(p.schema_of("newest.db"), p.schema_of("reference.db"));

    // A range that changes data cannot be generated from schemas: refused, listed.
    p.write_rev(
        &id(23),
        &[&id(22)],
        "seed",
        "INSERT INTO base (id) VALUES (9);",
        "DELETE FROM base WHERE id = 9;",
    );
    p.write_rev(
        &id(24),
        &[&id(23)],
        "more",
        "CREATE TABLE more_t (id INTEGER PRIMARY KEY);",
        "DROP TABLE more_t;",
    );
    let r = p.retort(&["squash", &format!("{}:{}", id(22), id(24)), "-m", "with data"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("changes data") && r.stderr.contains("INSERT INTO base (id) VALUES (9)"),
        "{}",
        r.stderr
    );
    assert!(!p
        .path()
        .join("migrations/squashed")
        .join(format!("{}_with_data.sql", id(24)))
        .exists());
}
