//! `drift` and `baseline`: the live database against its revision, and a hand-made database brought under management.
use crate::common::*;

#[test]
fn drift_after_a_manual_alter_table() {
    for engine in engine_names() {
        let p = Project::on(engine);
        chain(&p, 2);
        p.retort(&["upgrade"]).ok();
        p.retort(&["drift"]).ok();
        p.exec("ALTER TABLE t1 ADD COLUMN sneaky INTEGER");
        let r = p.retort(&["drift"]).fails_with(1, "");
        assert!(r.stdout.contains("add column t1.sneaky"), "[{engine}] {}", r.stdout);
        assert_eq!(p.retort(&["drift", "--json"]).json()["drift"].as_array().unwrap().len(), 1);
    }
}

#[test]
fn baseline_of_a_hand_made_database_then_normal_work() {
    for engine in engine_names() {
        let p = Project::on(engine);
        // A database made without retort.
        p.exec("CREATE TABLE legacy (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)");
        p.exec("CREATE INDEX ix_legacy_name ON legacy (name)");
        p.exec("INSERT INTO legacy VALUES (1, 'kept')");
        let r = p.retort(&["baseline", "-m", "legacy schema"]).ok();
        assert!(r.stdout.contains("stamped"), "{}", r.stdout);
        assert_eq!(p.version_rows().len(), 1);
        p.retort(&["drift"]).ok();
        // Normal work continues: models = baseline + a column.
        std::fs::write(p.path().join("models.sql"), "CREATE TABLE legacy (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, email VARCHAR(100));\nCREATE INDEX ix_legacy_name ON legacy (name);\n").unwrap();
        let r = p.retort(&["migrate", "-m", "add email"]).ok();
        assert!(r.stderr.contains("add column legacy.email"), "[{engine}] {}", r.stderr);
        p.retort(&["upgrade"]).ok();
        assert_eq!(p.query("SELECT name FROM legacy"), vec!["kept"]);
        p.retort(&["check"]).ok();
    }
}

/// `baseline` on a database retort already manages would orphan its
/// history; refused, the version table untouched.
#[test]
fn baseline_refuses_a_database_that_is_already_managed() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 2);
        p.retort(&["upgrade"]).ok();
        let r = p.retort(&["baseline", "-m", "again"]).fails_with(6, "already managed");
        assert!(r.stderr.contains(&ids[1]) && r.stderr.contains("retort drift"), "{}", r.stderr);
        assert_eq!(p.version_rows(), vec![ids[1].clone()]);
        assert_eq!(sql_files(&p), 2, "no baseline file written");
        p.retort(&["upgrade", "heads"]).ok();
    }
}
