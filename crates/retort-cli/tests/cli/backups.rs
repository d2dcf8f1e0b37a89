//! Backups before migrating, `backup`/`restore`, pruning, and read commands that never create a database.
use crate::common::*;

#[test]
fn backup_destructive_migration_restore_brings_rows_back() {
    for engine in engine_names() {
        let p = Project::on(engine);
        p.write_rev("aaaa00000001", &[], "create", "CREATE TABLE keep (id INTEGER PRIMARY KEY, v VARCHAR(20));\nINSERT INTO keep VALUES (1, 'precious'), (2, 'also');", "DROP TABLE keep;");
        p.write_rev(
            "bbbb00000001",
            &["aaaa00000001"],
            "destroy",
            "DROP TABLE keep;",
            "CREATE TABLE keep (id INTEGER PRIMARY KEY, v VARCHAR(20));",
        );
        p.retort(&["upgrade", "aaaa00000001"]).ok();
        // Automatic backups before upgrade when the environment asks for them.
        let cfg = std::fs::read_to_string(p.path().join("retort.toml"))
            .unwrap()
            .replace("[env.dev]\n", "[env.dev]\nbackup = true\nbackup_keep = 3\n");
        std::fs::write(p.path().join("retort.toml"), cfg).unwrap();
        let r = p.retort(&["upgrade"]).ok();
        assert!(r.stderr.contains("backed up"), "[{engine}] {}", r.stderr);
        assert!(!p.tables().contains(&"keep".to_string()));
        let backups: Vec<_> = std::fs::read_dir(p.path().join("backups"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(backups.len(), 1, "[{engine}]");
        let name = backups[0].file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("dev-") && name.contains("aaaa00000001"),
            "named by env, time and revision: {name}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&backups[0]).unwrap().permissions().mode() & 0o777,
                0o600,
                "[{engine}] owner-only"
            );
        }
        p.retort(&["restore", backups[0].to_str().unwrap()]).ok();
        assert_eq!(
            p.query("SELECT v FROM keep ORDER BY id"),
            vec!["precious", "also"],
            "[{engine}]"
        );
        assert_eq!(
            p.version_rows(),
            vec!["aaaa00000001"],
            "[{engine}] the version table came back too"
        );
        // Manual backups, pruned to backup_keep.
        for _ in 0..4 {
            p.retort(&["backup"]).ok();
        }
        assert_eq!(std::fs::read_dir(p.path().join("backups")).unwrap().count(), 3, "[{engine}]");
    }
}

/// Read commands never create a SQLite file; a typo in the path is exit 8
/// naming it. Only commands that write may create the database.
#[test]
fn read_commands_do_not_create_a_missing_sqlite_database() {
    let p = Project::new();
    chain(&p, 1);
    std::fs::write(
        p.path().join("models.sql"),
        "CREATE TABLE t1 (id INTEGER PRIMARY KEY, v TEXT);\n",
    )
    .unwrap();
    let config = p.path().join("retort.toml");
    let text =
        std::fs::read_to_string(&config).unwrap().replace("sqlite://dev.db", "sqlite://dve.db");
    std::fs::write(&config, text).unwrap();
    for cmd in [
        &["current"][..],
        &["status"],
        &["doctor"],
        &["drift"],
        &["verify"],
        &["check"],
        &["backup"],
        &["recover-file", "0001"],
        &["resolve", "--applied"],
    ] {
        let r = p.retort(cmd);
        // doctor reports the problem as a finding (exit 1); the others fail to connect.
        let want = if cmd == ["doctor"] { 1 } else { 8 };
        let text = format!("{}{}", r.stdout, r.stderr);
        assert_eq!(
            r.code, want,
            "{cmd:?} should fail with exit 8\nstdout:\n{}\nstderr:\n{}",
            r.stdout, r.stderr
        );
        assert!(text.contains("dve.db") && text.contains("does not exist"), "{cmd:?}: {text}");
        assert!(!p.path().join("dve.db").exists(), "{cmd:?} created the database file");
    }
    p.retort(&["check", "--no-db"]).ok();
    // Writing commands may create it.
    p.retort(&["upgrade"]).ok();
    assert!(p.path().join("dve.db").exists());
    p.retort(&["current"]).ok();
}

/// Restore is a round trip on every engine — objects created after
/// the backup are gone, dropped ones and their rows are back, the version table agrees —
/// and a file that is not a backup is refused with a clear error, the database untouched.
#[test]
fn restore_puts_back_exactly_the_database_of_the_backup() {
    for engine in engine_names() {
        let p = Project::on(engine);
        p.write_rev("aaaa00000001", &[], "create", "CREATE TABLE keep (id INTEGER PRIMARY KEY, v VARCHAR(20));\nINSERT INTO keep VALUES (1, 'precious'), (2, 'also');", "DROP TABLE keep;");
        p.write_rev(
            "bbbb00000001",
            &["aaaa00000001"],
            "change",
            "DROP TABLE keep;\nCREATE TABLE u (id INTEGER PRIMARY KEY);\nINSERT INTO u VALUES (7);",
            "DROP TABLE u;\nCREATE TABLE keep (id INTEGER PRIMARY KEY, v VARCHAR(20));",
        );
        p.retort(&["upgrade", "aaaa00000001"]).ok();
        let tables_at_backup = p.tables();
        let r = p.retort(&["backup"]).ok();
        let file =
            r.stdout.trim().strip_prefix("Backed up to ").expect("backup path printed").to_string();
        p.retort(&["upgrade"]).ok();
        p.exec("CREATE TABLE made_by_hand (id INTEGER)");
        assert!(p.tables().contains(&"u".to_string()));

        // Not a backup: refused, nothing changed.
        let r = p.retort(&["restore", "/etc/passwd"]);
        assert_ne!(r.code, 0, "[{engine}] restoring /etc/passwd must fail");
        assert!(
            r.stderr.contains("/etc/passwd")
                && r.stderr.contains("not a")
                && !r.stderr.contains("not an error"),
            "[{engine}] {}",
            r.stderr
        );
        assert!(p.tables().contains(&"u".to_string()), "[{engine}] database untouched");
        assert_eq!(p.version_rows(), vec!["bbbb00000001"]);

        p.retort(&["restore", &file]).ok();
        assert_eq!(
            p.tables(),
            tables_at_backup,
            "[{engine}] objects created after the backup are gone"
        );
        assert_eq!(
            p.query("SELECT v FROM keep ORDER BY id"),
            vec!["precious", "also"],
            "[{engine}]"
        );
        assert_eq!(p.version_rows(), vec!["aaaa00000001"], "[{engine}]");
        // And the history goes on from there.
        p.retort(&["upgrade"]).ok();
        assert_eq!(p.query("SELECT id FROM u"), vec!["7"], "[{engine}]");
    }
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
