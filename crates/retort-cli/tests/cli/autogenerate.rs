//! `retort migrate` / `retort check` as a user types them, on every engine.
use crate::common::*;

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

/// Declared in retort.toml (`schemas = [...]`), other schemas are the project's: models
/// create, change and drop objects in them (CREATE SCHEMA included), the database's
/// catalog agrees, and a schema not declared is still refused by name.
#[test]
fn declared_schemas_on_postgres_are_managed_like_the_environments_own() {
    if !engine_names().contains(&"postgres") {
        return;
    }
    let p = Project::on("postgres");
    let toml = p.path().join("retort.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("[project]\n", "[project]\nschemas = [\"public\", \"utils\", \"audit\"]\n"),
    )
    .unwrap();
    let base = "CREATE SCHEMA utils;\nCREATE SCHEMA audit;\nCREATE FUNCTION utils.slug(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(t) $$;\nCREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\nCREATE INDEX posts_slug ON posts (utils.slug(title));\nCREATE TABLE audit.events (id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES posts (id));\n";
    models(&p, base);
    p.retort(&["migrate", "-m", "initial"]).ok();
    p.retort(&["upgrade"]).ok();
    let there = p.query(
        "SELECT to_regclass('audit.events') IS NOT NULL AND to_regprocedure('utils.slug(text)') IS NOT NULL AND to_regclass('public.posts_slug') IS NOT NULL",
    );
    assert_eq!(there, vec!["t"], "the catalog has each object in its schema");
    p.retort(&["check"]).ok();
    // A change inside a declared schema is a revision like any other.
    models(
        &p,
        &base.replace(
            "post_id INTEGER REFERENCES posts (id)",
            "post_id INTEGER REFERENCES posts (id), what TEXT",
        ),
    );
    p.retort(&["migrate", "-m", "what"]).ok();
    p.retort(&["upgrade"]).ok();
    assert_eq!(
        p.query("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'audit' AND table_name = 'events' AND column_name = 'what'"),
        vec!["1"]
    );
    // Back to base: the schemas go with their objects.
    p.retort(&["downgrade", "base"]).ok();
    assert_eq!(
        p.query("SELECT count(*) FROM pg_namespace WHERE nspname IN ('utils', 'audit')"),
        vec!["0"]
    );
    // A schema nobody declared is still an error that names it and the way to own it.
    p.retort(&["upgrade"]).ok();
    models(&p, &format!("{base}CREATE SCHEMA other;\nCREATE TABLE other.t (id INTEGER);\n"));
    let r = p.retort(&["migrate", "-m", "other"]);
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("other.t") && r.stderr.contains("schemas = [...]"), "{}", r.stderr);
}

/// The setting is refused by an engine without schemas, with the way out.
#[test]
fn declared_schemas_on_sqlite_are_refused_clearly() {
    let p = Project::new();
    let toml = p.path().join("retort.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("[project]\n", "[project]\nschemas = [\"main\", \"aux\"]\n"),
    )
    .unwrap();
    models(&p, "CREATE TABLE t (id INTEGER PRIMARY KEY);\n");
    let r = p.retort(&["migrate", "-m", "one"]);
    assert_ne!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("PostgreSQL feature") && r.stderr.contains("remove the setting"),
        "{}",
        r.stderr
    );
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
            "CREATE TABLE t (id INTEGER PRIMARY KEY, owner TEXT);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\nCREATE POLICY own ON t USING (owner = current_user);\nCREATE RULE keep AS ON DELETE TO t DO INSTEAD NOTHING;\nALTER TABLE t OWNER TO postgres;\nGRANT SELECT ON t TO PUBLIC;\n",
            "1 policy, 1 rule, 2 ownership or privilege statements (not run)",
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

/// A revision `migrate` cannot verify on a copy of head is written for the user to edit,
/// but it is no result: exit 17 naming it and the way on, the file marked UNVERIFIED;
/// `lint` and `check` report it as an error until the SQL is fixed and the note deleted;
/// `--allow-unverified` keeps such a file with exit 0. The unverifiable input: on
/// PostgreSQL, an expression index over an `sql` function whose body reads the table the
/// same revision creates: the function must wait for the table (its body is checked when
/// it is created) and the index, made with the table, for the function — an order retort
/// does not yet write, so the upgrade fails on the copy.
#[test]
fn an_unverified_revision_is_an_error_until_its_note_is_removed() {
    if !engine_names().contains(&"postgres") {
        return;
    }
    let p = Project::on("postgres");
    models(
        &p,
        "CREATE TABLE users (id int PRIMARY KEY, email text);\nCREATE FUNCTION lower_email(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(t) FROM (SELECT 1 FROM users LIMIT 1) AS any_user $$;\nCREATE INDEX users_lower ON users (lower_email(email));\n",
    );
    let r = p.retort(&["migrate", "-m", "users"]);
    assert_eq!(r.code, 17, "{}", r.stderr);
    assert!(r.stderr.contains("did not verify"), "{}", r.stderr);
    assert!(r.stderr.contains("--allow-unverified"), "the way on is named: {}", r.stderr);
    assert_eq!(sql_files(&p), 1, "the file is written, for the user to edit");
    let path = std::fs::read_dir(p.path().join("migrations/versions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.extension().is_some_and(|x| x == "sql"))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("UNVERIFIED:"), "{text}");

    let lint = p.retort(&["lint"]);
    assert_eq!(lint.code, 1, "{}", lint.stdout);
    assert!(lint.stdout.contains("error[unverified]"), "{}", lint.stdout);
    let check = p.retort(&["check", "--no-db", "--json"]);
    assert_eq!(check.code, 1, "{}", check.stdout);
    assert_eq!(check.json()["unverified"].as_array().unwrap().len(), 1, "{}", check.stdout);

    // Fixed by hand: the index moved after the function, the note deleted.
    let index = text.lines().find(|l| l.starts_with("CREATE INDEX")).unwrap().to_string();
    let fixed: String = text
        .replacen(&format!("{index}\n"), "", 1)
        .replacen("\n-- +downgrade\n", &format!("{index}\n\n-- +downgrade\n"), 1)
        .lines()
        .filter(|l| !l.contains("UNVERIFIED:"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, fixed).unwrap();
    let lint = p.retort(&["lint"]);
    assert!(!lint.stdout.contains("[unverified]"), "{}", lint.stdout);
    let check = p.retort(&["check", "--no-db", "--json"]);
    assert!(check.json()["unverified"].as_array().unwrap().is_empty(), "{}", check.stdout);
    p.retort(&["upgrade"]).ok();

    // Kept on purpose: the same input with --allow-unverified is a result.
    p.retort(&["downgrade", "base"]).ok();
    std::fs::remove_file(&path).unwrap();
    let kept = p.retort(&["migrate", "-m", "users", "--allow-unverified"]);
    assert_eq!(kept.code, 0, "{}", kept.stderr);
    assert_eq!(sql_files(&p), 1);
}

/// A revision that drops more tables than PostgreSQL's lock table holds in one
/// transaction (1,000 tables of eight columns, an index and a key each: `out of shared
/// memory` near 850 with the default max_locks_per_transaction) is verified and runs,
/// its drops split into steps.
#[test]
fn dropping_1000_tables_on_postgres_is_split_into_steps_that_fit() {
    if !engine_names().contains(&"postgres") {
        return;
    }
    let p = Project::on("postgres");
    let mut sql = String::new();
    for i in 0..1000 {
        let fk = if i > 0 {
            format!(", CONSTRAINT fk_m{i} FOREIGN KEY (parent_id) REFERENCES m{} (id)", i - 1)
        } else {
            String::new()
        };
        sql.push_str(&format!("CREATE TABLE m{i} (id INTEGER PRIMARY KEY, parent_id INTEGER, name VARCHAR(100) NOT NULL, email VARCHAR(255), score NUMERIC(10,2) DEFAULT 0, note TEXT, flag INTEGER NOT NULL DEFAULT 0, created VARCHAR(30){fk});\nCREATE INDEX ix_m{i}_name ON m{i} (name);\n"));
    }
    models(&p, &sql);
    let r = p.retort(&["migrate", "-m", "all"]);
    assert_eq!(r.code, 0, "verified: {}", r.stderr);
    let file = std::fs::read_dir(p.path().join("migrations/versions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.extension().is_some_and(|x| x == "sql"))
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let downgrade = text.split("-- +downgrade").nth(1).unwrap();
    assert_eq!(downgrade.matches("-- +step").count(), 3, "1,000 drops in steps of 250");
    p.retort(&["upgrade"]).ok();
    p.retort(&["downgrade", "base"]).ok();
    assert_eq!(
        p.query(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'm%'"
        ),
        vec!["0"]
    );
}
