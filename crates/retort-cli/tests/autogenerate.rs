//! `retort migrate` / `retort check` as a user types them.
mod common;
use common::{engine_names, Project};

fn models(p: &Project, sql: &str) {
    std::fs::write(p.path().join("models.sql"), sql).unwrap();
}

const THREE_TABLES: &str = "
CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, age INTEGER, nickname TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title VARCHAR(100));
CREATE TABLE tags (id INTEGER PRIMARY KEY, label VARCHAR(50) NOT NULL UNIQUE);
";

#[test]
fn scripted_scenario_migrate_upgrade_change_check() {
    for engine in engine_names() {
        scenario(engine);
    }
}

fn scenario(engine: &'static str) {
    let p = Project::on(engine);
    models(&p, THREE_TABLES);
    p.retort(&["check", "--no-db"]).fails_with(1, "");
    let r = p.retort(&["migrate", "-m", "initial schema"]).ok();
    assert!(r.stdout.contains("initial_schema.sql"));
    p.retort(&["check", "--no-db"]).ok();
    p.retort(&["upgrade"]).ok();
    p.exec("INSERT INTO users VALUES (1, 'ada', 36, 'a')");
    p.exec("INSERT INTO posts VALUES (1, 1, 'hello')");

    // Change a type, add an index, drop a column, rename a column.
    models(&p, "
CREATE TABLE users (id INTEGER PRIMARY KEY, full_name VARCHAR(100) NOT NULL, age BIGINT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title VARCHAR(100));
CREATE INDEX ix_posts_user ON posts (user_id);
CREATE TABLE tags (id INTEGER PRIMARY KEY, label VARCHAR(50) NOT NULL UNIQUE);
");
    let r = p.retort(&["check"]).fails_with(1, "");
    assert!(r.stdout.contains("alter column users.age"), "{}", r.stdout);
    let r = p.retort(&["migrate", "-m", "second", "--rename", "users.name=full_name"]).ok();
    assert!(r.stderr.contains("rename column users.name to full_name"), "{}", r.stderr);
    let file = std::fs::read_dir(p.path().join("migrations/versions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("second"))
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("DATA LOSS: drops column users.nickname"), "{text}");
    assert!(text.contains("RENAME: column users.name -> full_name"), "{text}");
    if engine == "sqlite" {
        assert!(text.contains("TABLE REBUILD of users"), "{text}");
    }
    assert!(text.contains("CREATE INDEX") && text.contains("ix_posts_user"), "{text}");
    // The models match the new head, but the database is behind it.
    let r = p.retort(&["check"]).fails_with(1, "");
    assert!(r.stdout.contains("1 revision(s) pending"), "{}", r.stdout);
    p.retort(&["check", "--no-db"]).ok();
    // The database is behind head, so autogenerate refuses until it is upgraded.
    let second_models = std::fs::read_to_string(p.path().join("models.sql")).unwrap();
    models(&p, &format!("{second_models}\nCREATE TABLE extra (id INTEGER);"));
    p.retort(&["migrate", "-m", "third"]).fails_with(6, "not up to date");
    models(&p, &second_models);
    p.retort(&["upgrade"]).ok();
    p.retort(&["check"]).ok();
    assert_eq!(
        p.query("SELECT full_name FROM users"),
        vec!["ada"],
        "[{engine}] renamed column kept its data"
    );
    assert_eq!(p.query("SELECT title FROM posts"), vec!["hello"]);
    p.retort(&["downgrade", "-1"]).ok();
    assert_eq!(p.query("SELECT name FROM users"), vec!["ada"]);
}

#[test]
fn check_exits_1_before_upgrade_and_0_after_for_the_database_workflow() {
    let p = Project::new();
    models(&p, "CREATE TABLE a (id INTEGER PRIMARY KEY);");
    p.retort(&["migrate", "-m", "one"]).ok();
    p.retort(&["upgrade"]).ok();
    models(&p, "CREATE TABLE a (id INTEGER PRIMARY KEY, b TEXT);");
    let r = p.retort(&["check", "--json"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["up_to_date"], false);
    p.retort(&["migrate", "-m", "two"]).ok();
    p.retort(&["upgrade"]).ok();
    assert_eq!(p.retort(&["check", "--json"]).ok().json()["up_to_date"], true);
}

#[test]
fn no_changes_writes_nothing_unless_allowed() {
    let p = Project::new();
    models(&p, "");
    let r = p.retort(&["migrate", "-m", "nothing"]).ok();
    assert!(r.stderr.contains("No changes"));
    assert_eq!(
        std::fs::read_dir(p.path().join("migrations/versions"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
            .count(),
        0
    );
    p.retort(&["migrate", "-m", "empty on purpose", "--allow-empty"]).ok();
    assert_eq!(p.retort(&["heads", "--json"]).ok().json()["heads"].as_array().unwrap().len(), 1);
}

#[test]
fn unowned_tables_are_never_dropped() {
    let p = Project::new();
    models(&p, "CREATE TABLE app (id INTEGER PRIMARY KEY);");
    p.retort(&["migrate", "-m", "app"]).ok();
    p.retort(&["upgrade"]).ok();
    // A table made by hand in the live database never shows up: we diff against head.
    p.exec("CREATE TABLE handmade (id INTEGER)");
    let r = p.retort(&["check"]).fails_with(1, "");
    assert!(r.stdout.contains("drifted") && r.stdout.contains("handmade"), "{}", r.stdout);
    assert!(p.retort(&["migrate", "-m", "nothing"]).ok().stderr.contains("No changes"));
    p.exec("DROP TABLE handmade");
    p.retort(&["check"]).ok();
    // Excluded tables are ignored even when the models or the migrations have them.
    let cfg = std::fs::read_to_string(p.path().join("retort.toml"))
        .unwrap()
        .replace("exclude = []", "exclude = [\"legacy_*\"]");
    std::fs::write(p.path().join("retort.toml"), cfg).unwrap();
    p.write_rev(
        "aaaa00000009",
        &[&current_head(&p)],
        "legacy",
        "CREATE TABLE legacy_stuff (id INTEGER);",
        "DROP TABLE legacy_stuff;",
    );
    p.retort(&["upgrade"]).ok();
    let r = p.retort(&["check"]).ok();
    assert!(!r.stdout.contains("legacy_stuff"));
}

fn current_head(p: &Project) -> String {
    p.retort(&["heads", "--json"]).ok().json()["heads"][0]["revision"].as_str().unwrap().to_string()
}

#[test]
fn unconfirmed_rename_warns_and_models_errors_name_the_line() {
    let p = Project::new();
    models(&p, "CREATE TABLE a (id INTEGER PRIMARY KEY, old_name TEXT);");
    p.retort(&["migrate", "-m", "one"]).ok();
    models(&p, "CREATE TABLE a (id INTEGER PRIMARY KEY, new_name TEXT);");
    let r = p.retort(&["migrate", "-m", "two", "--ignore-db"]).ok();
    assert!(r.stderr.contains("--rename a.old_name=new_name"), "{}", r.stderr);
    models(&p, "CREATE TABLE a (id INTEGER PRIMARY KEY);\n\nCREATE TABLE broken (;\n");
    p.retort(&["check"]).fails_with(14, "models.sql:3");
    p.retort(&["migrate", "-m", "x", "--rename", "nonsense"]).fails_with(2, "old=new");
    // Models load in any order; what nothing declares is named with its line and reason.
    models(&p, "CREATE INDEX ix ON b (x);\nCREATE TABLE b (x INTEGER);\nCREATE INDEX ix2 ON nowhere (x);\n");
    let r = p.retort(&["check"]).fails_with(14, "models.sql:3");
    assert!(
        r.stderr.contains("nowhere") && r.stderr.contains("nothing they declare provides it"),
        "{}",
        r.stderr
    );
    assert!(p.retort(&["history"]).ok().stdout.contains("one"));
}

#[test]
fn no_verify_skips_the_check_and_says_so_in_the_file() {
    let p = Project::new();
    models(&p, "CREATE TABLE a (id INTEGER PRIMARY KEY);");
    p.retort(&["migrate", "-m", "one", "--no-verify"]).ok();
    let f = std::fs::read_dir(p.path().join("migrations/versions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|x| x.to_string_lossy().ends_with("one.sql"))
        .unwrap();
    assert!(std::fs::read_to_string(f).unwrap().contains("NOT VERIFIED"));
}

/// A write that fails halfway (full disk; here the file-size limit, which
/// fails `write` the same way) leaves no truncated revision behind to show up as a head.
#[test]
fn a_failed_write_leaves_no_truncated_revision() {
    let p = Project::new();
    let columns: Vec<String> = (0..80).map(|i| format!("column_number_{i} VARCHAR(100)")).collect();
    models(&p, &format!("CREATE TABLE wide (id INTEGER PRIMARY KEY, {});\n", columns.join(", ")));
    let bin = assert_cmd::cargo::cargo_bin("retort");
    // SIGXFSZ ignored, so the write fails with EFBIG instead of killing the process.
    let out = std::process::Command::new("bash")
        .current_dir(p.path())
        .env_remove("DATABASE_URL")
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f 2; exec '{}' migrate -m wide", bin.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(12), "expected an I/O error\n{stderr}");
    assert!(stderr.contains("writing"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(p.path().join("migrations/versions"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != ".gitkeep")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    p.retort(&["heads"]).ok();
    // Without the limit, the same command writes the whole file.
    p.retort(&["migrate", "-m", "wide"]).ok();
    p.retort(&["upgrade"]).ok();
}

/// On PostgreSQL, names qualified with the environment's schema mean that
/// schema (they used to land outside the scratch area, and `migrate` wrote DROP TABLE);
/// a table in another schema is a clear error, never a silent drop.
#[test]
fn schema_qualified_models_on_postgres_mean_the_configured_schema() {
    if !engine_names().contains(&"postgres") {
        return;
    }
    let p = Project::on("postgres");
    models(&p, "CREATE TABLE domains (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nCREATE TABLE hosts (id INTEGER PRIMARY KEY, domain_id INTEGER REFERENCES domains (id));\n");
    p.retort(&["migrate", "-m", "initial"]).ok();
    p.retort(&["upgrade"]).ok();
    models(
        &p,
        r#"CREATE TABLE "public"."domains" (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE public.hosts (id INTEGER PRIMARY KEY, domain_id INTEGER REFERENCES public.domains (id));
CREATE INDEX ix_domains_name ON public.domains (name);
CREATE VIEW public.domain_names AS SELECT name FROM "public".domains;
"#,
    );
    let r = p.retort(&["migrate", "-m", "qualified"]).ok();
    let text = std::fs::read_dir(p.path().join("migrations/versions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("qualified"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .unwrap_or_default();
    assert!(!text.contains("DROP TABLE"), "{}\n{text}", r.stderr);
    assert!(text.contains("ix_domains_name") && text.contains("domain_names"), "{text}");
    p.retort(&["upgrade"]).ok();
    p.retort(&["check"]).ok();
    // Another schema: a clear error naming it, no revision written.
    models(
        &p,
        &format!(
            "{}\nCREATE SCHEMA audit;\nCREATE TABLE audit.log (id INTEGER);\n",
            std::fs::read_to_string(p.path().join("models.sql")).unwrap()
        ),
    );
    let r = p.retort(&["migrate", "-m", "audit"]);
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("audit.log") && r.stderr.contains("public"), "{}", r.stderr);
    // A function or a type in another schema is not silently left out either.
    let base = std::fs::read_to_string(p.path().join("models.sql"))
        .unwrap()
        .replace("CREATE TABLE audit.log (id INTEGER);", "");
    for other in [
        "CREATE FUNCTION audit.f() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;",
        "CREATE TYPE audit.level AS ENUM ('low', 'high');",
    ] {
        models(&p, &format!("{base}\n{other}\n"));
        let r = p.retort(&["migrate", "-m", "audit"]);
        assert_ne!(r.code, 0, "{other}: {}", r.stderr);
        assert!(r.stderr.contains("audit.") && r.stderr.contains("public"), "{}", r.stderr);
    }
}

/// A column renamed in the models without --rename becomes drop + add; on
/// SQLite that is a rebuild adding a NOT NULL column nothing fills. The file's review notes
/// and lint say it fails on a table with rows, and the rebuild is one finding, not a DROP
/// TABLE and a RENAME.
#[test]
fn an_unconfirmed_rename_on_sqlite_warns_that_it_fails_on_rows() {
    let p = Project::new();
    models(&p, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n");
    p.retort(&["migrate", "-m", "one"]).ok();
    p.retort(&["upgrade"]).ok();
    p.exec("INSERT INTO users VALUES (1, 'ada')");
    models(&p, "CREATE TABLE users (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL);\n");
    let r = p.retort(&["migrate", "-m", "two", "--no-input"]).ok();
    let file = std::fs::read_dir(p.path().join("migrations/versions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.to_string_lossy().contains("_two"))
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("FAILS ON EXISTING ROWS: adds users.full_name NOT NULL without a default"),
        "{text}"
    );
    assert!(r.stderr.contains("[add-not-null-without-default]"), "{}", r.stderr);
    assert_eq!(r.stderr.matches("[table-rebuild]").count(), 1, "{}", r.stderr);
    assert!(!r.stderr.contains("[drop-table]") && !r.stderr.contains("[rename]"), "{}", r.stderr);
    // And it really fails on the row, leaving the database where it was.
    p.retort(&["upgrade"]).fails_with(7, "NOT NULL");
    assert_eq!(p.query("SELECT name FROM users"), vec!["ada"]);
}

/// What the schema model does not cover is named by `migrate` and
/// `check`, never silently left out.
#[test]
fn objects_outside_the_model_are_listed_as_not_compared() {
    let mut cases = vec![(
        "sqlite",
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\nCREATE VIRTUAL TABLE docs USING fts5(body);\n",
        "1 virtual table",
    )];
    if engine_names().contains(&"postgres") {
        cases.push((
            "postgres",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, owner TEXT);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\nCREATE POLICY own ON t USING (owner = current_user);\nCREATE MATERIALIZED VIEW m AS SELECT id FROM t;\nALTER TABLE t OWNER TO postgres;\nGRANT SELECT ON t TO PUBLIC;\n",
            "1 materialized view, 1 policy, 2 ownership or privilege statements (not run)",
        ));
    }
    if engine_names().contains(&"mysql") {
        cases.push((
            "mysql",
            "CREATE TABLE t (id INT PRIMARY KEY);\nCREATE PROCEDURE p() SELECT 1;\n",
            "1 routine",
        ));
    }
    for (engine, sql, listed) in cases {
        let p = Project::on(engine);
        models(&p, sql);
        let r = p.retort(&["migrate", "-m", "one"]).ok();
        assert!(r.stderr.contains(&format!("not compared: {listed}")), "[{engine}] {}", r.stderr);
        let r = p.retort(&["check", "--json", "--no-db"]).ok();
        assert!(r.stdout.contains("not_compared"), "[{engine}] {}", r.stdout);
    }
}

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

/// `models_command`: any generator's standard output as the models (an ORM's metadata
/// rendered as DDL), run from the project directory; its failure is a clear error with
/// its stderr (exit 14) and nothing is written.
#[test]
fn models_from_a_command() {
    let p = Project::new();
    std::fs::create_dir_all(p.path().join("schema")).unwrap();
    std::fs::write(p.path().join("schema/a.sql"), "CREATE TABLE a (id INTEGER PRIMARY KEY);\n")
        .unwrap();
    std::fs::write(
        p.path().join("schema/b.sql"),
        "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));\n",
    )
    .unwrap();
    let config = p.path().join("retort.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "[project]\n",
        "[project]\nmodels_command = [\"sh\", \"-c\", \"cat schema/*.sql\"]\n",
    );
    std::fs::write(&config, text).unwrap();
    // models.sql is not what is read.
    models(&p, "CREATE TABLE not_this (id INTEGER);");
    p.retort(&["migrate", "-m", "from a command"]).ok();
    p.retort(&["upgrade"]).ok();
    let tables = p.tables();
    assert!(
        tables.contains(&"a".to_string())
            && tables.contains(&"b".to_string())
            && !tables.contains(&"not_this".to_string()),
        "{tables:?}"
    );
    p.retort(&["check"]).ok();
    std::fs::write(p.path().join("schema/c.sql"), "CREATE TABLE c (id INTEGER PRIMARY KEY);\n")
        .unwrap();
    p.retort(&["check"]).fails_with(1, "");
    // A failing command: its stderr, exit 14, no revision written.
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("cat schema/*.sql", "echo boom: no app >&2; exit 3");
    std::fs::write(&config, text).unwrap();
    let before = std::fs::read_dir(p.path().join("migrations/versions")).unwrap().count();
    let r = p.retort(&["migrate", "-m", "x"]).fails_with(14, "boom: no app");
    assert!(r.stderr.contains("models_command"), "{}", r.stderr);
    assert_eq!(std::fs::read_dir(p.path().join("migrations/versions")).unwrap().count(), before);
}
