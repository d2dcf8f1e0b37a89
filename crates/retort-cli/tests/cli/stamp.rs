//! `stamp`: moving the version table without running revisions, `--purge`, and the refusal when the schema is not the target's.
use crate::common::*;

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
