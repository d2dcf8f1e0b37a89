//! Applied revisions are immutable: a changed file blocks upgrade until accepted; a lost one is written back from the log.
use crate::common::*;

/// `retort adopt alembic` on a real Flask-Migrate application.
/// flask-retort: `flask db …` on retort (python/flask-retort).
/// Trust: the user's data and files are never lost, whatever the input or the fault.

#[test]
fn a_modified_applied_file_blocks_upgrade_until_accepted() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 2);
        p.retort(&["upgrade", &ids[0]]).ok();
        let f = std::fs::read_dir(p.path().join("migrations/versions"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|x| x.to_string_lossy().contains(&ids[0]))
            .unwrap();
        let text = std::fs::read_to_string(&f).unwrap();
        std::fs::write(&f, text.replace("v TEXT", "v TEXT, extra INTEGER")).unwrap();
        let r = p.retort(&["upgrade"]).fails_with(10, "changed since they were applied");
        assert!(
            r.stderr.contains("- CREATE TABLE t1 (id INTEGER PRIMARY KEY, v TEXT);")
                && r.stderr.contains("+ CREATE TABLE t1"),
            "[{engine}] shows the change:\n{}",
            r.stderr
        );
        assert!(r.stderr.contains(&format!("retort verify --accept {}", ids[0])));
        p.retort(&["downgrade", "base"]).fails_with(10, "changed");
        p.retort(&["verify"]).fails_with(10, "");
        // Status shows it too (exit 10), in --json as well.
        let r = p.retort(&["status"]);
        assert_eq!(r.code, 10, "[{engine}] {}", r.stdout);
        assert!(
            r.stdout.contains(&format!("applied revision {} ", ids[0]))
                && r.stdout.contains("edited"),
            "[{engine}] {}",
            r.stdout
        );
        let j = p.retort(&["status", "--json"]).json();
        assert_eq!(j["changed"][0]["rev"], ids[0].as_str());
        assert_eq!(j["up_to_date"], false);
        p.retort(&["verify", "--accept", &ids[0]]).ok();
        assert!(
            p.query("SELECT direction FROM retort_log").contains(&"accept".to_string()),
            "the override is logged"
        );
        p.retort(&["upgrade"]).ok();
        assert_eq!(p.version_rows(), vec![ids[1].clone()]);
    }
}

#[test]
fn a_deleted_applied_file_is_written_back_from_the_log() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 3);
        p.retort(&["upgrade"]).ok();
        let f = std::fs::read_dir(p.path().join("migrations/versions"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|x| x.to_string_lossy().contains(&ids[1]))
            .unwrap();
        let original = std::fs::read_to_string(&f).unwrap();
        std::fs::remove_file(&f).unwrap();
        let r = p.retort(&["upgrade"]).fails_with(4, &format!("can't locate revision {}", ids[1]));
        assert!(r.stderr.contains(&format!("retort recover-file {}", ids[1])), "{}", r.stderr);
        let shown = p.retort(&["recover-file", &ids[1], "--dry-run"]).ok();
        assert!(shown.stdout.contains("CREATE TABLE t2"));
        assert!(!f.exists());
        p.retort(&["recover-file", &ids[1]]).ok();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), original, "[{engine}] byte for byte");
        p.retort(&["verify"]).ok();
        p.retort(&["downgrade", "base"]).ok();
        p.retort(&["upgrade"]).ok();
    }
}
