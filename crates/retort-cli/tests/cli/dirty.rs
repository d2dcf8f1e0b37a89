//! A revision that fails: what stays applied, when the database is dirty (and when not), `resolve`, `--single-transaction`.
use crate::common::*;

#[test]
fn failing_statement_in_third_of_four_keeps_second() {
    let p = Project::new();
    let bad = crate::common::four_with_a_bad_third(&p);
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
