//! Online forms and revisions in steps: writes keep flowing where the plain forms block them.
use crate::common::*;

/// Widening a varchar on PostgreSQL is not annotated as a table rewrite.
#[test]
fn postgres_varchar_widening_is_not_called_a_rewrite() {
    if !engine_names().contains(&"postgres") {
        return;
    }
    let p = Project::on("postgres");
    std::fs::write(
        p.path().join("models.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(200), code INTEGER);\n",
    )
    .unwrap();
    p.retort(&["migrate", "-m", "one"]).ok();
    p.retort(&["upgrade"]).ok();
    std::fs::write(
        p.path().join("models.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(300), code BIGINT);\n",
    )
    .unwrap();
    p.retort(&["migrate", "-m", "two"]).ok();
    let f = std::fs::read_dir(p.path().join("migrations/versions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.to_string_lossy().contains("_two"))
        .unwrap();
    let text = std::fs::read_to_string(f).unwrap();
    assert!(text.contains("t.name widens it: no table rewrite"), "{text}");
    assert!(text.contains("t.code rewrites the table"), "{text}");
    p.retort(&["upgrade"]).ok();
}

/// One revision in steps — a transaction, `CREATE UNIQUE INDEX CONCURRENTLY`
/// outside any, then a transaction attaching it — commits step by step. A failing build
/// leaves no invalid index behind and the revision dirty at the step it reached; a
/// failing first step leaves nothing; `--sql` writes the same transactions.
#[test]
fn a_revision_in_steps_commits_each_step_and_says_where_it_stopped() {
    let p = Project::on("postgres");
    p.write_rev(
        "aaaa00000001",
        &[],
        "create",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, c INTEGER);\nINSERT INTO t VALUES (1, 1), (2, 1);",
        "DROP TABLE t;",
    );
    p.write_rev(
        "bbbb00000001",
        &["aaaa00000001"],
        "unique c",
        "ALTER TABLE t ADD COLUMN d INTEGER;\n-- +step transactional: false\nCREATE UNIQUE INDEX CONCURRENTLY t_c_key ON t (c);\n-- +step\nALTER TABLE t ADD CONSTRAINT t_c_key UNIQUE USING INDEX t_c_key;",
        "ALTER TABLE t DROP CONSTRAINT t_c_key;\nALTER TABLE t DROP COLUMN d;",
    );
    let offline = p.retort(&["upgrade", "--sql"]).ok().stdout;
    let body = &offline[offline.find("unique c").unwrap()..];
    let concurrent = body.find("CREATE UNIQUE INDEX CONCURRENTLY").unwrap();
    assert!(
        body[..concurrent]
            .contains("ALTER TABLE t ADD COLUMN d INTEGER;\nCOMMIT;\n-- transactional: false"),
        "{body}"
    );
    assert!(body[concurrent..].contains(";\nBEGIN;\nALTER TABLE t ADD CONSTRAINT"), "{body}");

    let r = p.retort(&["upgrade"]).fails_with(7, "step 2 of 3");
    assert!(
        r.stderr.contains("t_c_key")
            && r.stderr.contains("was dropped")
            && r.stderr.contains("DIRTY"),
        "{}",
        r.stderr
    );
    assert_eq!(
        p.query("SELECT count(*) FROM pg_index WHERE NOT indisvalid"),
        ["0"],
        "no invalid index is left"
    );
    assert_eq!(p.query("SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'd'"), ["1"], "step 1 committed");
    p.retort(&["status"]).fails_with(6, "bbbb00000001");
    // The documented repair: undo the committed step, record it, fix the data, go on.
    p.exec("ALTER TABLE t DROP COLUMN d");
    p.exec("UPDATE t SET c = id");
    p.retort(&["resolve", "--reverted"]).ok();
    p.retort(&["upgrade"]).ok();
    assert_eq!(p.version_rows(), ["bbbb00000001"]);
    assert_eq!(p.query("SELECT contype FROM pg_constraint WHERE conname = 't_c_key'"), ["u"]);

    // A first step that fails is rolled back: nothing stayed, nothing is dirty.
    p.write_rev(
        "cccc00000001",
        &["bbbb00000001"],
        "bad first step",
        "INSERT INTO no_such_table VALUES (1);\n-- +step transactional: false\nCREATE INDEX CONCURRENTLY t_d ON t (d);",
        "DROP INDEX t_d;",
    );
    let r = p.retort(&["upgrade"]).fails_with(7, "no_such_table");
    assert!(!r.stderr.contains("DIRTY"), "{}", r.stderr);
    p.retort(&["status"]).ok();
    assert_eq!(p.version_rows(), ["bbbb00000001"]);
}

/// `migrate --online` on PostgreSQL keeps a busy table writable. A function
/// that sleeps a millisecond per row makes every scan of the table last seconds, so a
/// scan under a lock that blocks writes shows in a writer's latency: the plain forms
/// (ADD CHECK / ADD FOREIGN KEY / SET NOT NULL / CREATE INDEX) block the writer for the
/// scan, the online forms (NOT VALID + VALIDATE, a validated NOT NULL check, CREATE INDEX
/// CONCURRENTLY) do not. Both reach the same schema; squawk flags the plain file only.
#[test]
fn online_forms_keep_a_busy_table_writable_where_plain_forms_block_it() {
    let v1 = "CREATE FUNCTION slow_positive(v integer) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN PERFORM pg_sleep(0.001); RETURN v > 0; END $$;\nCREATE TABLE parent (id integer PRIMARY KEY);\nCREATE TABLE busy (id serial PRIMARY KEY, parent_id integer, amount integer);\n";
    let v2 = format!("{v1}ALTER TABLE busy ADD CONSTRAINT busy_amount_slow CHECK (slow_positive(amount));\nALTER TABLE busy ADD CONSTRAINT busy_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id);\nALTER TABLE busy ALTER COLUMN amount SET NOT NULL;\nALTER TABLE busy ADD CONSTRAINT busy_id_amount_key UNIQUE (id, amount);\nCREATE INDEX busy_slow ON busy ((slow_positive(amount)));\n");
    let mut schemas = Vec::new();
    for online in [true, false] {
        let p = Project::on("postgres");
        std::fs::write(p.path().join("models.sql"), v1).unwrap();
        p.retort(&["migrate", "-m", "v1"]).ok();
        p.retort(&["upgrade"]).ok();
        p.exec("INSERT INTO parent VALUES (1)");
        p.exec("INSERT INTO busy (parent_id, amount) SELECT 1, g FROM generate_series(1, 1200) g");
        std::fs::write(p.path().join("models.sql"), &v2).unwrap();
        p.retort(&["migrate", "-m", "v2", if online { "--online" } else { "--no-online" }]).ok();
        let lint = p.retort(&["lint"]);
        let lint = format!("{}{}", lint.stdout, lint.stderr);
        for rule in [
            "constraint-missing-not-valid",
            "require-concurrent-index-creation",
            "adding-not-nullable-field",
            "disallowed-unique-constraint",
        ] {
            assert_eq!(lint.contains(rule), !online, "online={online}: {rule} in\n{lint}");
        }

        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let (stop, url) = (stop.clone(), p.db.url.clone());
            std::thread::spawn(move || {
                let mut conn = retort::connect(
                    &retort::core::url::RedactedUrl::new(url),
                    std::path::Path::new("."),
                )
                .unwrap();
                let mut worst = std::time::Duration::ZERO;
                let mut writes = 0u32;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let t = std::time::Instant::now();
                    conn.execute("INSERT INTO busy (parent_id, amount) VALUES (1, 7)").unwrap();
                    worst = worst.max(t.elapsed());
                    writes += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                (worst, writes)
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(200));
        let started = std::time::Instant::now();
        p.retort(&["upgrade"]).ok();
        let took = started.elapsed();
        std::thread::sleep(std::time::Duration::from_millis(200));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (worst, writes) = writer.join().unwrap();
        println!("online={online}: upgrade {took:?}, {writes} writes, slowest {worst:?}");
        assert!(took > std::time::Duration::from_millis(1500), "the scans take seconds: {took:?}");
        if online {
            assert!(
                worst < std::time::Duration::from_millis(1000),
                "online: a write waited {worst:?} (upgrade {took:?})"
            );
        } else {
            assert!(
                worst > std::time::Duration::from_millis(1000),
                "plain: the scan blocks writes, slowest {worst:?}"
            );
        }
        assert_eq!(p.query("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), ["0"]);
        schemas.push(p.query("SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'busy'::regclass ORDER BY conname"));
        schemas.last_mut().unwrap().extend(
            p.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'busy' ORDER BY indexname"),
        );
        schemas.last_mut().unwrap().extend(p.query("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'amount'"));
    }
    assert_eq!(schemas[0], schemas[1], "the online and plain forms reach the same schema");
}
