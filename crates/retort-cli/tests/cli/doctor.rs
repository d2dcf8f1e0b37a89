//! `retort doctor` names each broken situation and the command that fixes it.
use crate::common::*;

#[test]
fn doctor_names_each_broken_situation_and_the_command() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 3);
        p.retort(&["upgrade"]).ok();
        p.retort(&["doctor"]).ok();
        // An applied file edited.
        let f = |id: &str| {
            std::fs::read_dir(p.path().join("migrations/versions"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|x| x.to_string_lossy().contains(id))
                .unwrap()
        };
        let t = std::fs::read_to_string(f(&ids[0])).unwrap();
        std::fs::write(f(&ids[0]), t.replace("v TEXT", "v TEXT, w TEXT")).unwrap();
        let r = p.retort(&["doctor"]).fails_with(1, "");
        assert!(
            r.stdout.contains(&format!("retort verify --accept {}", ids[0])),
            "[{engine}] {}",
            r.stdout
        );
        std::fs::write(f(&ids[0]), t).unwrap();
        // Drift.
        p.exec("CREATE TABLE intruder (id INTEGER)");
        let r = p.retort(&["doctor"]).fails_with(1, "");
        assert!(
            r.stdout.contains("drift") && r.stdout.contains("run: retort drift"),
            "[{engine}] {}",
            r.stdout
        );
        p.exec("DROP TABLE intruder");
        // The head's file is lost: the log has it.
        let head_file = f(&ids[2]);
        std::fs::remove_file(&head_file).unwrap();
        let r = p.retort(&["doctor"]).fails_with(1, "");
        assert!(
            r.stdout.contains(&format!("retort recover-file {}", ids[2])),
            "[{engine}] {}",
            r.stdout
        );
        p.retort(&["recover-file", &ids[2]]).ok();
        // Several heads and a missing downgrade.
        p.write_rev("ffff00000001", &[&ids[0]], "side", "CREATE TABLE side (id INTEGER);", "");
        let r = p.retort(&["doctor"]).fails_with(1, "");
        assert!(
            r.stdout.contains("2 heads") && r.stdout.contains("retort merge heads"),
            "[{engine}] {}",
            r.stdout
        );
        assert!(r.stdout.contains("ffff00000001 has no downgrade"), "{}", r.stdout);
        // Backups not ignored by git.
        std::fs::write(p.path().join(".gitignore"), "*.db\n").unwrap();
        let r = p.retort(&["doctor", "--json"]).json();
        assert!(r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["what"].as_str().unwrap().contains("not in .gitignore")));
    }
}
