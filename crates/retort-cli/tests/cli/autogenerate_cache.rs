//! What autogenerate keeps between runs: the head cache, the models' digests and the kept models area, each falling back on any edit.
use crate::common::*;

/// The schema at head is cached under the project (`.retort/cache/`, ignored by
/// git), and an edited, added or removed revision file is a different entry — never a
/// stale schema. Checked on every engine through what `check` and `drift` report.
#[test]
fn the_head_cache_follows_every_change_of_the_revision_files() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let entries = || {
            std::fs::read_dir(p.path().join(".retort/cache"))
                .map(|d| {
                    d.flatten()
                        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                        .count()
                })
                .unwrap_or(0)
        };
        models(&p, "CREATE TABLE t (id INTEGER PRIMARY KEY);\n");
        let a = p.write_rev(
            "aaaa00000001",
            &[],
            "create t",
            "CREATE TABLE t (id INTEGER PRIMARY KEY);",
            "DROP TABLE t;",
        );
        p.retort(&["check", "--no-db"]).ok();
        assert_eq!(entries(), 1, "[{engine}] one entry after the first run");
        assert!(std::fs::read_to_string(p.path().join(".retort/.gitignore"))
            .unwrap()
            .contains('*'));
        p.retort(&["check", "--no-db"]).ok();
        assert_eq!(entries(), 1, "[{engine}] the same files reuse the entry");
        // Edited: the revision now makes a column the models do not have.
        std::fs::write(
            &a,
            std::fs::read_to_string(&a)
                .unwrap()
                .replace("(id INTEGER PRIMARY KEY);", "(id INTEGER PRIMARY KEY, x INTEGER);"),
        )
        .unwrap();
        p.retort(&["check", "--no-db"]).fails_with(1, "");
        assert!(
            p.retort(&["check", "--no-db"]).stdout.contains("t.x"),
            "[{engine}] edited file seen"
        );
        // Added: a revision that drops the column again.
        let b = p.write_rev(
            "aaaa00000002",
            &["aaaa00000001"],
            "drop x",
            "ALTER TABLE t DROP COLUMN x;",
            "ALTER TABLE t ADD COLUMN x INTEGER;",
        );
        p.retort(&["check", "--no-db"]).ok();
        // Removed: back to the column the models lack.
        std::fs::remove_file(&b).unwrap();
        assert!(
            p.retort(&["check", "--no-db"]).stdout.contains("t.x"),
            "[{engine}] removed file seen"
        );
        assert_eq!(entries(), 3, "[{engine}] one entry per distinct set of files");
        // drift uses the cache too, keyed by what the database applied.
        p.retort(&["upgrade"]).ok();
        p.retort(&["drift"]).ok();
        p.exec("CREATE TABLE stray (id INTEGER)");
        p.retort(&["upgrade"]).ok();
        let r = p.retort(&["drift"]);
        assert!(r.stdout.contains("stray"), "[{engine}] {} {}", r.stdout, r.stderr);
    }
}

/// Unchanged models and revision files answer from the cache with no scratch database;
/// an edit of the models, or of any revision file, falls back to a scratch database —
/// and the answer follows the edit.
#[test]
fn unchanged_inputs_need_no_scratch_database_and_every_edit_falls_back() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let sources = |args: &[&str]| {
            let r = p.retort(args);
            let v = r.json();
            (
                r.code,
                v["sources"]["models"].as_str().unwrap_or("?").to_string(),
                v["sources"]["head"].as_str().unwrap_or("?").to_string(),
            )
        };
        let at = |code: i32, m: &str, h: &str| (code, m.to_string(), h.to_string());
        models(&p, "CREATE TABLE t (id INTEGER PRIMARY KEY);\n");
        let a = p.write_rev(
            "aaaa00000001",
            &[],
            "create t",
            "CREATE TABLE t (id INTEGER PRIMARY KEY);",
            "DROP TABLE t;",
        );
        // The database must exist for the server's version to be read without a scratch one.
        p.retort(&["upgrade"]).ok();
        assert_eq!(
            sources(&["check", "--json"]),
            at(0, "scratch", "scratch"),
            "[{engine}] first run"
        );
        assert_eq!(
            sources(&["check", "--json"]),
            at(0, "cache", "cache"),
            "[{engine}] nothing changed"
        );
        // Without the database: answered from the two sides' digests alone.
        assert_eq!(
            sources(&["check", "--json", "--no-db"]),
            at(0, "cache", "cache"),
            "[{engine}] nothing changed, --no-db"
        );
        // The models edited (one byte): read again, and the change is seen.
        // On a server only the changed statements run, on the project's kept area.
        let edited = if engine == "sqlite" { "scratch" } else { "incremental" };
        models(&p, "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER);\n");
        assert_eq!(
            sources(&["check", "--json"]),
            at(1, edited, "cache"),
            "[{engine}] models edited"
        );
        assert_eq!(
            sources(&["check", "--json"]),
            at(1, "cache", "cache"),
            "[{engine}] the edit cached"
        );
        assert_eq!(
            sources(&["check", "--json", "--no-db"]),
            at(1, "cache", "cache"),
            "[{engine}] both cached, different digests"
        );
        let r = p.retort(&["migrate", "-m", "x", "--ignore-db", "--no-verify"]);
        assert!(
            r.code == 0 && r.stdout.contains("Generated"),
            "[{engine}] cached but different: a revision is generated: {}{}",
            r.stdout,
            r.stderr
        );
        std::fs::remove_file(
            std::fs::read_dir(p.path().join("migrations/versions"))
                .unwrap()
                .flatten()
                .find(|e| e.file_name().to_string_lossy().ends_with("_x.sql"))
                .unwrap()
                .path(),
        )
        .unwrap();
        // A revision file edited: the history is replayed again, and now matches.
        std::fs::write(
            &a,
            std::fs::read_to_string(&a)
                .unwrap()
                .replace("(id INTEGER PRIMARY KEY);", "(id INTEGER PRIMARY KEY, x INTEGER);"),
        )
        .unwrap();
        let r = p.retort(&["check", "--json", "--no-db"]);
        assert_eq!(
            (r.code, r.json()["sources"]["head"].as_str().unwrap().to_string()),
            (0, "scratch".to_string()),
            "[{engine}] revision edited: {}",
            r.stdout
        );
        // `migrate` says where they came from with -v; a written revision is cached as the new head.
        models(&p, "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER);\nCREATE TABLE u (id INTEGER PRIMARY KEY);\n");
        let r = p
            .retort_env(
                &["-v", "migrate", "-m", "add u", "--ignore-db"],
                &[("RETORT_KEEP_SCRATCH", "0")],
            )
            .ok();
        assert!(
            r.stderr.contains("models: created on a scratch database; head: from the cache"),
            "[{engine}] {}",
            r.stderr
        );
        let r = p.retort(&["-v", "check", "--no-db"]).ok();
        assert!(
            r.stderr.contains(
                "models: from the cache (unchanged since an earlier run); head: from the cache"
            ),
            "[{engine}] {}",
            r.stderr
        );
    }
}

/// A table or view the new revision would create that the live database already has
/// (made by hand on a legacy database) stops `migrate` (exit 6, both named, nothing
/// written); `--ignore-db` generates.
#[test]
fn migrate_refuses_to_create_what_the_live_database_already_has() {
    for engine in engine_names() {
        let p = Project::on(engine);
        p.exec("CREATE TABLE legacy (id INTEGER PRIMARY KEY)");
        p.exec("CREATE VIEW legacy_v AS SELECT id FROM legacy");
        p.retort(&["upgrade"]).ok();
        models(&p, "CREATE TABLE legacy (id INTEGER PRIMARY KEY);\nCREATE VIEW legacy_v AS SELECT id FROM legacy;\nCREATE TABLE fresh (id INTEGER PRIMARY KEY);\n");
        let r = p.retort(&["migrate", "-m", "adopt"]).fails_with(6, "already has");
        assert!(
            r.stderr.contains("legacy")
                && r.stderr.contains("legacy_v")
                && !r.stderr.contains("fresh"),
            "[{engine}] {}",
            r.stderr
        );
        let files = || {
            std::fs::read_dir(p.path().join("migrations/versions"))
                .unwrap()
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "sql"))
                .count()
        };
        assert_eq!(files(), 0, "[{engine}] nothing written");
        p.retort(&["migrate", "-m", "adopt", "--ignore-db"]).ok();
        assert_eq!(files(), 1, "[{engine}]");
    }
}

/// The kept models area: the same sequence of model edits through the incremental path
/// (the default) and through a full load on a new scratch database every time
/// (`RETORT_KEEP_SCRATCH=0`) generates the same revisions; an area changed behind
/// retort's back is noticed and reloaded in full; `cache clear` drops it (the server's
/// catalog judges).
#[test]
fn the_kept_area_generates_what_a_full_load_generates() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let kept = Project::on(engine);
        let full = Project::on(engine);
        let kept_name = retort::core::cleanup::kept_scratch_name(kept.path());
        let databases = |p: &Project| {
            let sql = if engine == "postgres" {
                "SELECT datname FROM pg_database"
            } else {
                "SELECT schema_name FROM information_schema.schemata"
            };
            p.query(sql)
        };
        let view = "CREATE VIEW active AS SELECT u.id, u.name FROM users u WHERE u.id > 0;\n";
        let steps: Vec<(String, &str)> = vec![
            (format!("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\nCREATE INDEX users_name ON users (name);\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title VARCHAR(80));\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n{view}"), "scratch"),
            // A column on the referenced table: users, posts (references it) and the view reload.
            (format!("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, email VARCHAR(100));\nCREATE INDEX users_name ON users (name);\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title VARCHAR(80));\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n{view}"), "incremental"),
            // A new table referencing an old one, and an index on another.
            (format!("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, email VARCHAR(100));\nCREATE INDEX users_name ON users (name);\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title VARCHAR(80));\nCREATE INDEX posts_title ON posts (title);\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\nCREATE TABLE post_tags (post_id INTEGER NOT NULL REFERENCES posts (id), tag_id INTEGER NOT NULL REFERENCES tags (id), PRIMARY KEY (post_id, tag_id));\n{view}"), "incremental"),
            // A table dropped (tags, with what references it changed too), the view changed.
            ("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, email VARCHAR(100));\nCREATE INDEX users_name ON users (name);\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title VARCHAR(80));\nCREATE INDEX posts_title ON posts (title);\nCREATE VIEW active AS SELECT u.id, u.name, u.email FROM users u WHERE u.id > 0;\n".to_string(), "incremental"),
        ];
        for (k, (sql, source)) in steps.iter().enumerate() {
            let message = format!("step {k}");
            let rev = format!("aaaa0000000{k}");
            let mut sections = Vec::new();
            for (p, env) in [(&kept, "1"), (&full, "0")] {
                models(p, sql);
                let r = p
                    .retort_env(
                        &["-v", "migrate", "-m", &message, "--rev-id", &rev, "--ignore-db"],
                        &[("RETORT_KEEP_SCRATCH", env)],
                    )
                    .ok();
                let want = if env == "0" { "scratch" } else { source };
                let said = if want == "incremental" {
                    "models: brought up to date on the project's kept scratch database"
                } else {
                    "models: created on a scratch database"
                };
                assert!(r.stderr.contains(said), "[{engine}] step {k}, keep={env}: {}", r.stderr);
                let file = std::fs::read_dir(p.path().join("migrations/versions"))
                    .unwrap()
                    .flatten()
                    .find(|e| e.file_name().to_string_lossy().starts_with(&rev))
                    .unwrap()
                    .path();
                let text = std::fs::read_to_string(file).unwrap();
                sections.push(text[text.find("-- +upgrade").unwrap()..].to_string());
            }
            assert_eq!(
                sections[0], sections[1],
                "[{engine}] step {k}: the kept area and a full load generate the same revision"
            );
            if k == 0 {
                assert!(
                    databases(&kept).contains(&kept_name),
                    "[{engine}] the area is kept after the run"
                );
            }
        }
        // Changed behind retort's back (a table of the area dropped by hand): noticed, and
        // reloaded in full — the answer is still right.
        let area = kept.db.url.rsplit_once('/').unwrap().0.to_string() + "/" + &kept_name;
        let mut conn = retort::connect(&retort::RedactedUrl::new(area), kept.path()).unwrap();
        // Held by another session (a concurrent run): this run takes a scratch database of
        // its own and leaves the kept one alone.
        let hold = if engine == "postgres" {
            "SELECT pg_advisory_lock(hashtext('retort kept scratch'))".to_string()
        } else {
            format!("SELECT GET_LOCK('{kept_name}', 0)")
        };
        conn.query(&hold).unwrap();
        std::fs::write(
            kept.path().join("models.sql"),
            format!("{}CREATE TABLE busy (id INTEGER PRIMARY KEY);\n", steps[3].0),
        )
        .unwrap();
        let r = kept.retort(&["check", "--no-db", "--json"]);
        assert_eq!(
            (r.code, r.json()["sources"]["models"].as_str()),
            (1, Some("scratch")),
            "[{engine}] {}",
            r.stdout
        );
        assert!(r.stdout.contains("busy"), "[{engine}] {}", r.stdout);
        conn.execute("DROP TABLE posts")
            .unwrap_or_else(|_| conn.execute("DROP TABLE posts CASCADE").unwrap());
        drop(conn);
        std::fs::write(
            kept.path().join("models.sql"),
            format!("{}CREATE TABLE extra (id INTEGER PRIMARY KEY);\n", steps[3].0),
        )
        .unwrap();
        let r = kept
            .retort(&["-v", "check", "--no-db"])
            .fails_with(1, "models: created on a scratch database");
        assert!(
            r.stdout.contains("extra") && !r.stdout.contains("posts"),
            "[{engine}] {}",
            r.stdout
        );
        // `cache clear` drops it.
        let r = kept.retort(&["cache", "clear"]).ok();
        assert!(r.stdout.contains(&kept_name), "{}", r.stdout);
        assert!(!databases(&kept).contains(&kept_name), "[{engine}] dropped");
        assert!(!kept.path().join(".retort/cache").exists());
    }
}

/// A revision `migrate` verified records the fingerprint of the models it came from: a
/// fresh clone (no `.retort/cache`) whose models and revision files are unchanged answers
/// "no change" without a scratch database; an edit of the models, of an earlier
/// revision, of the head file itself, or a fingerprint that does not match (another
/// engine version, another retort) falls back to reading both sides.
#[test]
fn a_fresh_clone_with_unchanged_models_answers_from_the_recorded_fingerprint() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let fresh_clone = || {
            let _ = std::fs::remove_dir_all(p.path().join(".retort/cache"));
        };
        let sources = |args: &[&str]| {
            fresh_clone();
            let r = p.retort(args);
            let v = r.json();
            (r.code, v["sources"]["models"].as_str().unwrap_or("?").to_string())
        };
        let base = "CREATE TABLE t (id INTEGER PRIMARY KEY);\n";
        models(&p, base);
        p.retort(&["migrate", "-m", "create t"]).ok();
        p.retort(&["upgrade"]).ok();
        models(&p, "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER);\n");
        p.retort(&["migrate", "-m", "add x"]).ok();
        p.retort(&["upgrade"]).ok();
        let files: Vec<std::path::PathBuf> = {
            let mut f: Vec<_> = std::fs::read_dir(p.path().join("migrations/versions"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|f| f.extension().is_some_and(|x| x == "sql"))
                .collect();
            f.sort_by_key(|f| f.to_string_lossy().contains("add_x"));
            f
        };
        let (first, head) = (&files[0], &files[1]);
        let head_text = std::fs::read_to_string(head).unwrap();
        assert!(head_text.contains("--   models fingerprint: "), "[{engine}] {head_text}");

        assert_eq!(
            sources(&["check", "--json", "--no-db"]),
            (0, "fingerprint".to_string()),
            "[{engine}] a fresh clone, nothing changed"
        );
        // The models edited: read again, and the change is seen.
        models(&p, "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER, y INTEGER);\n");
        assert_eq!(sources(&["check", "--json", "--no-db"]), (1, "scratch".to_string()));
        models(&p, "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER);\n");
        // An earlier revision edited (its checksum is part of the fingerprint).
        let first_text = std::fs::read_to_string(first).unwrap();
        std::fs::write(first, format!("{first_text}-- edited\n")).unwrap();
        assert_eq!(sources(&["check", "--json", "--no-db"]), (0, "scratch".to_string()));
        std::fs::write(first, &first_text).unwrap();
        // The head file edited by hand below its notes.
        std::fs::write(head, head_text.replace("-- +downgrade", "-- reviewed\n-- +downgrade"))
            .unwrap();
        assert_eq!(sources(&["check", "--json", "--no-db"]), (0, "scratch".to_string()));
        // A fingerprint that does not match what this engine version and retort compute.
        let line = head_text.lines().find(|l| l.contains("models fingerprint: ")).unwrap();
        let other = line.replace("fingerprint: ", "fingerprint: 0");
        std::fs::write(head, head_text.replace(line, &other[..line.len()])).unwrap();
        assert_eq!(sources(&["check", "--json", "--no-db"]), (0, "scratch".to_string()));
        std::fs::write(head, &head_text).unwrap();
        assert_eq!(
            sources(&["check", "--json", "--no-db"]),
            (0, "fingerprint".to_string()),
            "[{engine}] restored"
        );
        // migrate answers the same way, and writes nothing.
        fresh_clone();
        let r = p.retort(&["-v", "migrate", "-m", "nothing"]);
        assert!(r.stderr.contains("fingerprint"), "[{engine}] {}", r.stderr);
        assert_eq!(sql_files(&p), 2);
    }
}
