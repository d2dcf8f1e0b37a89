//! Best practices as behaviour: checksums, protected environments, drift,
//! lost files recovered from the log, baselines.
/// `retort adopt alembic` on a real Flask-Migrate application.
#[path = "practices/adopt.rs"]
mod adopt;
mod common;
/// flask-retort: `flask db …` on retort (python/flask-retort).
#[path = "practices/flask.rs"]
mod flask;
/// Trust: the user's data and files are never lost, whatever the input or the fault.
#[path = "practices/trust.rs"]
mod trust;
use common::{chain, engine_names, Project};

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
fn protected_environment_needs_confirmation_naming_it() {
    let p = Project::new();
    chain(&p, 1);
    let cfg = std::fs::read_to_string(p.path().join("retort.toml")).unwrap()
        + "\n[env.prod]\nurl = \"sqlite://prod.db\"\nprotected = true\n";
    std::fs::write(p.path().join("retort.toml"), cfg).unwrap();
    p.retort(&["--env", "prod", "upgrade"]).fails_with(11, "--confirm-env prod");
    p.retort(&["--env", "prod", "upgrade", "--confirm-env", "dev"]).fails_with(11, "protected");
    assert!(!p.path().join("prod.db").exists(), "nothing was touched");
    let r = p.retort(&["--env", "prod", "upgrade", "--confirm-env", "prod"]).ok();
    assert!(
        r.stderr.contains("env prod (sqlite://prod.db)"),
        "names the environment first:\n{}",
        r.stderr
    );
    p.retort_env(&["downgrade", "base"], &[("RETORT_ENV", "prod")]).fails_with(11, "downgrade");
    p.retort_env(&["stamp", "base"], &[("RETORT_ENV", "prod")]).fails_with(11, "stamp");
    // Reads are fine.
    p.retort(&["--env", "prod", "current"]).ok();
    p.retort(&["--env", "prod", "status"]).ok();
}

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

#[test]
fn lint_command_flags_risky_revisions_and_honours_ignores() {
    let p = Project::on(if engine_names().contains(&"postgres") { "postgres" } else { "sqlite" });
    p.write_rev(
        "aaaa00000001",
        &[],
        "create",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);",
        "DROP TABLE users;",
    );
    p.write_rev("bbbb00000001", &["aaaa00000001"], "risky", "ALTER TABLE users ADD COLUMN code TEXT NOT NULL;\n-- lint:ignore drop-column\nALTER TABLE users DROP COLUMN name;", "");
    let r = p.retort(&["lint"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    // On PostgreSQL the rules come from squawk, under squawk's names; the
    // retort name in `lint:ignore` still silences the rule that replaced it.
    let (not_null, drop) = if p.engine() == "postgres" {
        ("adding-required-field", "ban-drop-column")
    } else {
        ("add-not-null-without-default", "drop-column")
    };
    assert!(r.stdout.contains(&format!("error[{not_null}]")), "{}", r.stdout);
    assert!(r.stdout.contains("bbbb00000001_risky.sql:7"), "names file and line:\n{}", r.stdout);
    assert!(r.stdout.contains("[missing-downgrade]"));
    assert!(!r.stdout.contains(&format!("[{drop}]")), "ignored by the comment:\n{}", r.stdout);
    assert!(r.stdout.contains("fix: ") && r.stdout.contains("why: "));
    if p.engine() == "postgres" {
        // squawk's own finding names, with retort's output and line numbers.
        assert!(
            !r.stdout.contains("[prefer-robust-stmts]")
                && r.stdout.contains("bbbb00000001_risky.sql:7: error[adding-required-field]"),
            "{}",
            r.stdout
        );
    }
    let clean = p.retort(&["lint", "aaaa00000001", "--json"]).ok().json();
    assert_eq!(clean["errors"], false);
    // A range finds what the whole-graph lint finds.
    let all = p.retort(&["lint", "--json"]).json();
    for range in ["base:head", ":head", "aaaa00000001:", "base:bbbb00000001"] {
        let ranged = p.retort(&["lint", range, "--json"]).json();
        assert_eq!(ranged["diagnostics"], all["diagnostics"], "lint {range}");
    }
}

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

/// An empty (or comments-only) models file would drop every table; it is
/// refused unless `--allow-empty-models` says it is meant.
#[test]
fn empty_models_are_refused_instead_of_dropping_every_table() {
    for engine in engine_names() {
        let p = Project::on(engine);
        std::fs::write(
            p.path().join("models.sql"),
            "CREATE TABLE keep_me (id INTEGER PRIMARY KEY);\n",
        )
        .unwrap();
        p.retort(&["migrate", "-m", "initial"]).ok();
        p.retort(&["upgrade"]).ok();
        for empty in ["", "  \n\n", "-- nothing here yet\n/* still nothing */\n"] {
            std::fs::write(p.path().join("models.sql"), empty).unwrap();
            let r = p.retort(&["migrate", "-m", "oops"]).fails_with(14, "declares no tables");
            assert!(r.stderr.contains("--allow-empty-models"), "{}", r.stderr);
            assert_eq!(sql_files(&p), 1, "no revision written");
        }
        let r = p.retort(&["migrate", "-m", "drop everything", "--allow-empty-models"]).ok();
        assert!(r.stderr.contains("drop table keep_me"), "{}", r.stderr);
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

fn sql_files(p: &Project) -> usize {
    std::fs::read_dir(p.path().join("migrations/versions"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
        .count()
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

/// `migrate` against a database holding tables no revision created (a
/// legacy database) would write CREATE TABLE for tables that exist; it says to baseline.
#[test]
fn migrate_on_a_legacy_database_says_to_baseline_first() {
    for engine in engine_names() {
        let p = Project::on(engine);
        p.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50))");
        std::fs::write(p.path().join("models.sql"), "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n").unwrap();
        let r = p.retort(&["migrate", "-m", "initial"]).fails_with(6, "users");
        assert!(
            r.stderr.contains("retort baseline") && r.stderr.contains("--ignore-db"),
            "[{engine}] {}",
            r.stderr
        );
        assert_eq!(sql_files(&p), 0, "[{engine}] nothing written");
        // The way out the message gives works.
        std::fs::write(
            p.path().join("models.sql"),
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\n",
        )
        .unwrap();
        p.retort(&["baseline", "-m", "legacy"]).ok();
        std::fs::write(p.path().join("models.sql"), "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n").unwrap();
        p.retort(&["migrate", "-m", "posts"]).ok();
        p.retort(&["upgrade"]).ok();
        // --ignore-db generates regardless.
        let q = Project::on(engine);
        q.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)");
        std::fs::write(
            q.path().join("models.sql"),
            "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
        )
        .unwrap();
        q.retort(&["migrate", "-m", "anyway", "--ignore-db"]).ok();
    }
}

/// `retort test`: passes on a good project, and fails naming the revision on
/// a downgrade that does not restore the schema, on two heads, and on models that
/// differ from head; `--json` says the same.
#[test]
fn retort_test_round_trips_every_revision() {
    for engine in engine_names() {
        let p = Project::on(engine);
        std::fs::write(
            p.path().join("models.sql"),
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n",
        )
        .unwrap();
        p.retort(&["migrate", "-m", "users"]).ok();
        std::fs::write(p.path().join("models.sql"), "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, bio TEXT);\nCREATE INDEX ix_users_name ON users (name);\n").unwrap();
        p.retort(&["migrate", "-m", "bio", "--ignore-db"]).ok();
        // Data for the first revision, and a check on it that holds.
        let users = std::fs::read_dir(p.path().join("migrations/versions"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .find(|f| f.contains("_users"))
            .unwrap()[..12]
            .to_string();
        std::fs::create_dir_all(p.path().join("migrations/tests")).unwrap();
        let checks = p.path().join("migrations/tests").join(format!("{users}.sql"));
        std::fs::write(&checks, "INSERT INTO users (id, name) VALUES (1, 'ada');\nSELECT id FROM users WHERE name <> 'ada';\n").unwrap();
        let good = p.retort(&["test"]).ok();
        assert!(
            good.stdout.contains("5 check(s) passed")
                && good.stdout.contains("ok   round trip")
                && good.stdout.contains("ok   data checks"),
            "[{engine}] {}",
            good.stdout
        );
        assert!(
            !p.tables().contains(&"users".to_string()),
            "[{engine}] the environment's database is not touched"
        );

        // A downgrade that forgets the index.
        let bio = std::fs::read_dir(p.path().join("migrations/versions"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|f| f.to_string_lossy().contains("_bio"))
            .unwrap();
        let text = std::fs::read_to_string(&bio).unwrap();
        let down_start = text.find("-- +downgrade").unwrap();
        let (up, down) = text.split_at(down_start);
        let down: String = down
            .lines()
            .filter(|l| !l.contains("ix_users_name"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&bio, format!("{up}{down}")).unwrap();
        let id = bio.file_name().unwrap().to_string_lossy()[..12].to_string();
        let r = p.retort(&["test"]);
        assert_eq!(r.code, 1, "[{engine}] {}\n{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains(&format!("FAIL round trip {id} bio"))
                && r.stdout.contains("after its downgrade")
                && r.stdout.contains("ix_users_name"),
            "[{engine}] {}",
            r.stdout
        );
        let j = p.retort(&["test", "--json"]).json();
        assert_eq!(j["ok"], false);
        assert!(
            j["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["revision"] == id.as_str() && c["ok"] == false),
            "[{engine}] {j}"
        );
        std::fs::write(&bio, &text).unwrap();

        // A check that does not hold names its file, line and the row.
        std::fs::write(
            &checks,
            "INSERT INTO users (id, name) VALUES (1, 'ada');\nSELECT id, name FROM users;\n",
        )
        .unwrap();
        let r = p.retort(&["test"]);
        assert_eq!(r.code, 1, "[{engine}] {}", r.stdout);
        assert!(
            r.stdout.contains("FAIL data checks")
                && r.stdout.contains(&format!(
                    "{users}.sql:2: the check returned 1 row(s), the first (1, ada)"
                )),
            "[{engine}] {}",
            r.stdout
        );
        std::fs::remove_file(&checks).unwrap();

        // Two heads, and models ahead of head.
        p.retort(&["revision", "-m", "side", "--head", "base"]).ok();
        std::fs::write(p.path().join("models.sql"), "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, bio TEXT, age INTEGER);\nCREATE INDEX ix_users_name ON users (name);\n").unwrap();
        let r = p.retort(&["test"]);
        assert_eq!(r.code, 1, "[{engine}] {}", r.stdout);
        assert!(
            r.stdout.contains("FAIL one head") && r.stdout.contains("retort merge heads"),
            "[{engine}] {}",
            r.stdout
        );
        assert!(
            r.stdout.contains("FAIL models match head") && r.stdout.contains("age"),
            "[{engine}] {}",
            r.stdout
        );
    }
}
