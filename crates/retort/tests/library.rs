//! retort embedded in an application through the facade: the same policy as
//! the CLI — backup before upgrading when the environment asks, checksum refusal, the
//! migration lock, the protected-environment guard — because both call `ops`.
use retort::{Error, WorkspaceOptions};
use std::path::Path;

fn write_rev(dir: &Path, id: &str, down: &str, up: &str, down_sql: &str) -> std::path::PathBuf {
    let path = dir.join("migrations/versions").join(format!("{id}_r.sql"));
    std::fs::write(&path, format!("-- revision: {id}\n-- down_revision: {down}\n-- message: r\n\n-- +upgrade\n{up}\n\n-- +downgrade\n{down_sql}\n")).unwrap();
    path
}

fn project(extra_env: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("migrations/versions")).unwrap();
    std::fs::write(
        dir.path().join("retort.toml"),
        format!(
            "[project]\ndialect = \"sqlite\"\n\n[env.dev]\nurl = \"sqlite://app.db\"\n{extra_env}"
        ),
    )
    .unwrap();
    write_rev(
        dir.path(),
        "aaaa00000001",
        "",
        "CREATE TABLE a (id INTEGER);\nINSERT INTO a VALUES (1);",
        "DROP TABLE a;",
    );
    write_rev(
        dir.path(),
        "bbbb00000001",
        "aaaa00000001",
        "CREATE TABLE b (id INTEGER);",
        "DROP TABLE b;",
    );
    dir
}

fn opts(dir: &Path) -> WorkspaceOptions {
    WorkspaceOptions {
        cwd: dir.to_path_buf(),
        lock_timeout: std::time::Duration::from_secs(30),
        ..Default::default()
    }
}

fn rows(db: &Path, sql: &str) -> Vec<String> {
    let c = retort::connect(
        &retort::RedactedUrl::new(format!("sqlite://{}", db.display())),
        Path::new("."),
    )
    .unwrap();
    let mut c = c;
    c.query(sql)
        .unwrap()
        .into_iter()
        .map(|r| r.into_iter().next().flatten().unwrap_or_default())
        .collect()
}

#[test]
fn an_application_gets_backups_checksums_and_the_protected_guard() {
    let dir = project("backup = true\n");
    let first = retort::upgrade(&opts(dir.path()), "aaaa00000001").unwrap();
    assert!(first.backup.is_some(), "the database existed once connected: backed up first");
    let second = retort::upgrade(&opts(dir.path()), "head").unwrap();
    let backup = second.backup.expect("backup before upgrading, as the CLI does");
    assert!(
        backup.starts_with(dir.path().join("backups"))
            && backup.to_string_lossy().contains("aaaa00000001"),
        "{}",
        backup.display()
    );
    assert_eq!(second.report.heads_after, vec!["bbbb00000001"]);
    // Nothing to do: no backup.
    assert!(retort::upgrade(&opts(dir.path()), "head").unwrap().backup.is_none());

    // An applied file edited: refused, as `retort upgrade` refuses it.
    write_rev(
        dir.path(),
        "aaaa00000001",
        "",
        "CREATE TABLE a (id INTEGER, extra TEXT);",
        "DROP TABLE a;",
    );
    match retort::upgrade(&opts(dir.path()), "head") {
        Err(Error::Checksum { changed }) => assert_eq!(changed[0].rev.as_str(), "aaaa00000001"),
        other => panic!("expected a checksum refusal, got {other:?}"),
    }

    // A protected environment needs the confirmation naming it.
    let prot = project("protected = true\n");
    assert!(matches!(retort::upgrade(&opts(prot.path()), "head"), Err(Error::Protected { .. })));
    let confirmed = WorkspaceOptions { confirm_env: Some("dev".into()), ..opts(prot.path()) };
    retort::upgrade(&confirmed, "head").unwrap();
}

#[test]
fn upgrade_to_head_at_start_up_holds_the_lock() {
    let dir = project("");
    let db = dir.path().join("app.db");
    let url = format!("sqlite://{}", db.display());
    let migrations = dir.path().join("migrations");
    // Eight application instances starting at once.
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (url, migrations) = (url.clone(), migrations.clone());
            std::thread::spawn(move || retort::upgrade_to_head(&url, &migrations))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    assert_eq!(rows(&db, "SELECT version_num FROM alembic_version"), vec!["bbbb00000001"]);
    assert_eq!(
        rows(&db, "SELECT revision FROM retort_log WHERE direction = 'up' ORDER BY id"),
        vec!["aaaa00000001", "bbbb00000001"]
    );
    assert_eq!(rows(&db, "SELECT count(*) FROM a"), vec!["1"], "each revision ran once");
}

#[path = "support/servers.rs"]
mod servers;

/// The example application with embedded migrations, as built by cargo.
fn embedded_app() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let examples = exe.parent().unwrap().parent().unwrap().join("examples");
    // `cargo test --workspace` builds the examples, but a run of this test alone does not,
    // and a stale binary would embed old files: build it (a no-op when it is fresh).
    let built = std::process::Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "retort", "--example", "embedded_app"])
        .status()
        .unwrap();
    assert!(built.success());
    examples.join("embedded_app")
}

/// The example application starts twice against the same database (the second start
/// applies nothing) and eight times at once (each revision applied exactly once), on
/// every engine, migrating from the files compiled into it.
#[test]
fn an_application_with_embedded_migrations_migrates_at_start_up_exactly_once() {
    let app = embedded_app();
    for engine in servers::engine_names() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = |name: &str| {
            let db = servers::TestDb::new(engine, &dir.path().join(name));
            let url = if engine == "sqlite" {
                format!("sqlite://{}", dir.path().join(format!("{name}.db")).display())
            } else {
                db.url.clone()
            };
            (db, url)
        };
        let start = |url: &str| {
            std::process::Command::new(&app)
                .arg(url)
                .current_dir(dir.path())
                .env_remove("DATABASE_URL")
                .output()
                .unwrap()
        };
        let (_db, url) = fresh("twice");
        let first = start(&url);
        assert!(first.status.success(), "[{engine}] {}", String::from_utf8_lossy(&first.stderr));
        assert!(
            String::from_utf8_lossy(&first.stdout).contains("applied 2 revision(s)"),
            "[{engine}]"
        );
        let second = start(&url);
        assert!(
            String::from_utf8_lossy(&second.stdout)
                .contains("applied 0 revision(s); the database is at 8f3e2d1c0b9a"),
            "[{engine}] {}",
            String::from_utf8_lossy(&second.stdout)
        );

        let (_db2, url) = fresh("together");
        let children: Vec<_> = (0..8)
            .map(|_| {
                std::process::Command::new(&app)
                    .arg(&url)
                    .current_dir(dir.path())
                    .env_remove("DATABASE_URL")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut applied = 0;
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "[{engine}] {}", String::from_utf8_lossy(&out.stderr));
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            applied += text
                .split("applied ")
                .nth(1)
                .and_then(|t| t.split(' ').next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap();
        }
        assert_eq!(applied, 2, "[{engine}] each revision applied by exactly one instance");
        let mut conn = retort::connect(&retort::RedactedUrl::new(url), dir.path()).unwrap();
        let ups = conn.query("SELECT count(*) FROM retort_log WHERE direction = 'up'").unwrap();
        assert_eq!(ups[0][0].as_deref(), Some("2"), "[{engine}]");
        let visits = conn.query("SELECT count(*) FROM visits").unwrap();
        assert_eq!(visits[0][0].as_deref(), Some("8"), "[{engine}] every instance served");
    }
}

/// Verification walked from the models' end (used when the head came from the cache)
/// proves what verification from head proves: a correct revision passes, and a revision
/// whose upgrade misses a change, or whose downgrade does not undo it, is caught.
#[test]
fn verification_from_the_models_end_catches_what_verification_from_head_catches() {
    use retort::core::autogen::{generate, verify, verify_from_models};
    use retort::core::diff::filter::TableFilter;
    let dir = tempfile::tempdir().unwrap();
    let open = |name: &str, sql: &str| {
        let mut c =
            retort::connect(&retort::RedactedUrl::new(format!("sqlite://{name}")), dir.path())
                .unwrap();
        for s in retort::core::sql_split::split(sql) {
            c.execute(&s.sql).unwrap();
        }
        c
    };
    let head_sql = "CREATE TABLE a (id INTEGER PRIMARY KEY);";
    let models_sql = "CREATE TABLE a (id INTEGER PRIMARY KEY, note TEXT); CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id)); CREATE INDEX b_a ON b (a_id);";
    let filter = TableFilter::default();
    let head = open("h.db", head_sql).introspect().unwrap();
    let models = open("m.db", models_sql).introspect().unwrap();
    let c = open("g.db", "");
    let generated =
        generate(c.dialect(), &head, &models, &Default::default(), Default::default()).unwrap();
    let mut n = 0;
    let mut fresh_models = || {
        n += 1;
        open(&format!("m{n}.db"), models_sql)
    };
    assert_eq!(
        verify_from_models(fresh_models().as_mut(), &generated, &head, &models, &filter).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        verify(open("h2.db", head_sql).as_mut(), &generated, &head, &models, &filter).unwrap(),
        Vec::<String>::new()
    );
    // An upgrade that forgets the last statement (the index).
    let mut short_up = generated.clone();
    short_up.up_sql.pop();
    let found =
        verify_from_models(fresh_models().as_mut(), &short_up, &head, &models, &filter).unwrap();
    assert!(found.iter().any(|p| p.contains("after the generated upgrade")), "{found:?}");
    // A downgrade that leaves the new table behind.
    let mut short_down = generated.clone();
    short_down
        .down_sql
        .retain(|s| !s.sql.contains("DROP TABLE b") && !s.sql.contains("DROP TABLE \"b\""));
    assert_ne!(short_down.down_sql.len(), generated.down_sql.len(), "{:?}", generated.down_sql);
    let found =
        verify_from_models(fresh_models().as_mut(), &short_down, &head, &models, &filter).unwrap();
    assert!(!found.is_empty(), "a downgrade that leaves b must be caught");
}

/// The README's table of lint rules is generated from the registry — the core's rules and
/// every engine's own — so it cannot drift from what `retort lint` runs. A difference
/// fails with the table as it should be; `RETORT_UPDATE_README=1` writes it.
#[test]
fn the_readme_lists_every_lint_rule_the_registry_has() {
    let mut rules: Vec<&retort::core::lint::Rule> = retort::core::lint::RULES.to_vec();
    for engine in retort::engines() {
        rules.extend(engine.dialect().extra_rules());
    }
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), rules.len(), "two rules share an id");
    let mut table = String::from("  | rule | severity | what |\n  |---|---|---|\n");
    for r in &rules {
        let severity = format!("{:?}", r.severity).to_lowercase();
        table.push_str(&format!("  | `{}` | {severity} | {} |\n", r.id, r.summary));
    }
    readme_section_is("lint-rules", "  ", &table);
}

/// The README's JSON table is generated from the outcome types' documented shapes
/// (`retort::ops::json_shapes`); the CLI tests check each shape's keys against what the
/// command prints.
#[test]
fn the_readme_documents_every_json_shape_the_outcomes_declare() {
    let mut table = String::from("| command | shape |\n|---|---|\n");
    for (commands, shape) in retort::ops::json_shapes() {
        let commands: Vec<String> = commands.iter().map(|c| format!("`{c}`")).collect();
        table.push_str(&format!("| {} | {shape} |\n", commands.join(", ")));
    }
    readme_section_is("json-shapes", "", &table);
}

/// Fails unless the README between `<!-- NAME:start -->` and `<!-- NAME:end -->` (each on
/// its own line, indented by `indent`) reads `expected`; `RETORT_UPDATE_README=1` writes it.
fn readme_section_is(name: &str, indent: &str, expected: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (start, end) = (format!("<!-- {name}:start -->\n"), format!("{indent}<!-- {name}:end -->"));
    let from = readme.find(&start).expect("README marks the section") + start.len();
    let to = readme[from..].find(&end).expect("README ends the section") + from;
    if readme[from..to] != *expected {
        if std::env::var_os("RETORT_UPDATE_README").is_some() {
            std::fs::write(&path, format!("{}{expected}{}", &readme[..from], &readme[to..]))
                .unwrap();
        } else {
            panic!("the README's {name} section differs from the code; it should read:\n{expected}(RETORT_UPDATE_README=1 writes it)");
        }
    }
}
