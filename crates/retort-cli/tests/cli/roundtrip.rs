//! `retort test` (every revision round-tripped) and `retort squash`.
use crate::common::*;

/// `retort squash A:B` replaces a 20-revision range by one generated revision,
/// proven on scratch databases. A new database runs the squash in the range's place and
/// ends with the same schema as one that ran the originals; a database inside the range
/// goes on with the originals; checksums stay valid; `--finish` makes the squash the
/// revision; a range that changes data is refused with the statements listed.
#[test]
fn squash_replaces_a_range_and_databases_inside_it_still_upgrade() {
    let p = Project::new();
    let id = |i: usize| format!("{i:012x}");
    p.write_rev(
        &id(1),
        &[],
        "base",
        "CREATE TABLE base (id INTEGER PRIMARY KEY);",
        "DROP TABLE base;",
    );
    for i in 2..=21 {
        let (up, down) = if i % 2 == 0 {
            (format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, base_id INTEGER REFERENCES base (id));"), format!("DROP TABLE t{i};"))
        } else {
            (
                format!(
                    "ALTER TABLE t{} ADD COLUMN c{i} TEXT;\nCREATE INDEX ix{i} ON t{} (c{i});",
                    i - 1,
                    i - 1
                ),
                format!("DROP INDEX ix{i};\nALTER TABLE t{} DROP COLUMN c{i};", i - 1),
            )
        };
        p.write_rev(&id(i), &[&id(i - 1)], &format!("step {i}"), &up, &down);
    }
    p.write_rev(
        &id(22),
        &[&id(21)],
        "after",
        "CREATE TABLE after_squash (id INTEGER PRIMARY KEY);",
        "DROP TABLE after_squash;",
    );
    let on = |db: &str| [("DATABASE_URL", format!("sqlite://{db}"))];
    let run = |db: &str, args: &[&str]| {
        let env = on(db);
        p.retort_env(args, &[(env[0].0, env[0].1.as_str())])
    };
    // Before the squash: one database through every original, one stopped inside the range.
    run("reference.db", &["upgrade"]).ok();
    run("inside.db", &["upgrade", &id(10)]).ok();
    p.exec_on("inside.db", "INSERT INTO base (id) VALUES (1), (2)");

    let r = p.retort(&["squash", &format!("{}:{}", id(2), id(21)), "-m", "twenty steps"]).ok();
    assert!(r.stdout.contains("squashed 20 revisions"), "{}", r.stdout);
    let squash = p.path().join("migrations/squashed").join(format!("{}_twenty_steps.sql", id(21)));
    let text = std::fs::read_to_string(&squash).unwrap();
    assert!(
        text.contains(&format!("-- revision: {}", id(21)))
            && text.contains(&format!("-- down_revision: {}", id(1))),
        "{text}"
    );
    assert!(text.contains(&format!("-- replaces: {}, ", id(2))), "{text}");

    let status = run("reference.db", &["status"]).ok().stdout;
    assert!(status.contains(&format!("`retort squash --finish {}`", id(21))), "{status}");
    // A new database: base, the squash, the revision after it.
    let fresh = run("fresh.db", &["upgrade"]).ok();
    let said = format!("{}{}", fresh.stdout, fresh.stderr);
    assert!(
        said.contains("[3/3]") && said.contains("twenty steps") && !said.contains("step 2 "),
        "{said}"
    );
    assert_eq!(p.query_on("fresh.db", "SELECT version_num FROM alembic_version"), [id(22)]);
    assert_eq!(
        p.schema_of("fresh.db"),
        p.schema_of("reference.db"),
        "the squash does what the range did"
    );
    // The database inside the range goes on with the originals, its rows kept.
    let inside = run("inside.db", &["upgrade"]).ok();
    let said = format!("{}{}", inside.stdout, inside.stderr);
    assert!(said.contains("step 11") && !said.contains("twenty steps"), "{said}");
    assert_eq!(p.schema_of("inside.db"), p.schema_of("reference.db"));
    assert_eq!(p.query_on("inside.db", "SELECT count(*) FROM base"), ["2"]);
    for db in ["fresh.db", "inside.db", "reference.db"] {
        run(db, &["verify"]).ok();
    }
    // Down through the range and up again, on the database that ran the squash.
    run("fresh.db", &["downgrade", &id(1)]).ok();
    assert_eq!(p.query_on("fresh.db", "SELECT version_num FROM alembic_version"), [id(1)]);
    run("fresh.db", &["upgrade"]).ok();
    assert_eq!(p.schema_of("fresh.db"), p.schema_of("reference.db"));

    // Every database is past the range: the squash becomes the revision.
    p.retort(&["squash", "--finish", &id(21)]).ok();
    assert!(!p.path().join("migrations/versions").join(format!("{}_step_2.sql", id(2))).exists());
    assert!(p
        .path()
        .join("migrations/versions")
        .join(format!("{}_twenty_steps.sql", id(21)))
        .exists());
    for db in ["fresh.db", "inside.db", "reference.db"] {
        run(db, &["verify"]).ok();
        run(db, &["upgrade"]).ok();
    }
    assert!(
        !run("reference.db", &["status"]).ok().stdout.contains("squash:"),
        "finished: nothing to remind"
    );
    let newest = run("newest.db", &["upgrade"]).ok();
    assert!(format!("{}{}", newest.stdout, newest.stderr).contains("[3/3]"));
    assert_eq!(p.schema_of("newest.db"), p.schema_of("reference.db"));

    // A range that changes data cannot be generated from schemas: refused, listed.
    p.write_rev(
        &id(23),
        &[&id(22)],
        "seed",
        "INSERT INTO base (id) VALUES (9);",
        "DELETE FROM base WHERE id = 9;",
    );
    p.write_rev(
        &id(24),
        &[&id(23)],
        "more",
        "CREATE TABLE more_t (id INTEGER PRIMARY KEY);",
        "DROP TABLE more_t;",
    );
    let r = p.retort(&["squash", &format!("{}:{}", id(22), id(24)), "-m", "with data"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("changes data") && r.stderr.contains("INSERT INTO base (id) VALUES (9)"),
        "{}",
        r.stderr
    );
    assert!(!p
        .path()
        .join("migrations/squashed")
        .join(format!("{}_with_data.sql", id(24)))
        .exists());
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
