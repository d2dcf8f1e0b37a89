//! `retort rehearse` and `upgrade --rehearse`: the pending revisions run on a copy of the
//! database with its data, measured — each statement's time and locks, the longest write
//! stall — while the environment's database stays exactly as it was and the copy is gone
//! afterwards (also after Ctrl-C), the servers' catalogs as the judge.
use crate::common::*;

/// Rows in the test's table: a rewrite of it takes a visible fraction of a second.
const ROWS: u32 = 200_000;

/// Revision 1: `orders` with [`ROWS`] rows made by the server itself.
fn orders(p: &Project) {
    let fill = match p.engine() {
        "postgres" => format!("INSERT INTO orders SELECT i, i % 1000, repeat('x', 100) FROM generate_series(1, {ROWS}) i;"),
        "mysql" => format!("INSERT INTO orders SELECT seq, seq % 1000, REPEAT('x', 100) FROM seq_1_to_{ROWS};"),
        _ => format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) INSERT INTO orders SELECT i, i % 1000, 'x' FROM n;"),
    };
    p.write_rev(
        "aaaa00000001",
        &[],
        "orders",
        &format!("CREATE TABLE orders (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL, note VARCHAR(200));\n{fill}"),
        "DROP TABLE orders;",
    );
    p.retort(&["upgrade"]).ok();
}

/// What must not change on the environment's database: its rows (a digest), the
/// column's type and the version table.
fn fingerprint(p: &Project) -> Vec<String> {
    let digest = match p.engine() {
        "postgres" => "SELECT md5(string_agg(id || ':' || amount || ':' || note, ',' ORDER BY id)) FROM orders",
        "mysql" => "SELECT CONCAT(COUNT(*), ':', SUM(CRC32(CONCAT_WS(':', id, amount, note)))) FROM orders",
        _ => "SELECT count(*) || ':' || sum(id * 7 + amount) || ':' || group_concat(DISTINCT note) FROM orders",
    };
    let mut out = p.query(digest);
    out.extend(p.query("SELECT version_num FROM alembic_version"));
    if p.engine() != "sqlite" {
        let here = if p.engine() == "postgres" { "current_schema()" } else { "DATABASE()" };
        out.extend(p.query(&format!("SELECT data_type FROM information_schema.columns WHERE table_schema = {here} AND table_name = 'orders' AND column_name = 'amount'")));
    }
    out
}

/// The copy's database name, from the report (`database NAME on HOST:PORT`).
fn copy_name(report: &serde_json::Value) -> String {
    report["copy"].as_str().unwrap().split_whitespace().nth(1).unwrap().to_string()
}

fn databases(p: &Project) -> Vec<String> {
    match p.engine() {
        "postgres" => p.query("SELECT datname FROM pg_database"),
        _ => p.query("SELECT schema_name FROM information_schema.schemata"),
    }
}

/// MariaDB shows other sessions' metadata locks only through a plugin (or the
/// performance schema, off by default): the test installs the plugin the server ships.
fn show_metadata_locks(p: &Project) {
    if p.engine() == "mysql"
        && p.query("SELECT count(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO' AND PLUGIN_STATUS = 'ACTIVE'") == ["0"]
    {
        p.exec("INSTALL SONAME 'metadata_lock_info'");
    }
}

/// A type change that rewrites the table blocks writes for as long as the rewrite takes:
/// the rehearsal reports the lock that does it (ACCESS EXCLUSIVE; MariaDB: a metadata
/// lock that blocks writes) with the rows rewritten, and fails `--max-stall 200ms`
/// naming the statement. Its online form — a new column backfilled in steps, then
/// swapped — passes, the writers' count showing that writes kept flowing. The
/// environment's database is unchanged and each copy is gone from the catalog.
#[test]
fn a_rewriting_type_change_fails_max_stall_and_its_online_form_passes() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        show_metadata_locks(&p);
        orders(&p);
        let before = fingerprint(&p);
        let plain = match engine {
            "postgres" => "ALTER TABLE orders ALTER COLUMN amount TYPE BIGINT;",
            _ => "ALTER TABLE orders MODIFY amount BIGINT NOT NULL;",
        };
        let rev =
            p.write_rev("bbbb00000001", &["aaaa00000001"], "widen amount", plain, "SELECT 1;");
        let r = p.retort(&["--json", "rehearse", "--load", "--max-stall", "200ms"]);
        assert_eq!(r.code, 18, "{engine}: the stall exceeds the limit\n{}\n{}", r.stdout, r.stderr);
        let report = r.json();
        let verdict = &report["verdict"];
        assert_eq!(verdict["passed"], false, "{engine}: {report:#}");
        assert!(verdict["longest_stall_ms"].as_u64().unwrap() > 200, "{engine}: {verdict}");
        assert_eq!(verdict["statement"], "bbbb00000001:7", "{engine}: the statement is named");
        let statement = &report["revisions"][0]["statements"][0];
        assert!(statement["sql"].as_str().unwrap().contains("BIGINT"), "{statement}");
        assert_eq!(statement["rewrote"][0]["table"], "orders", "{engine}: {statement}");
        assert_eq!(statement["rewrote"][0]["rows"], ROWS, "{engine}: {statement}");
        let blocking: Vec<&serde_json::Value> = statement["locks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["table"] == "orders" && l["blocks_writes"] == true)
            .collect();
        let mode = if engine == "postgres" { "AccessExclusiveLock" } else { "MDL_" };
        assert!(
            blocking.iter().any(|l| l["mode"].as_str().unwrap().starts_with(mode)
                && l["held_ms"].as_u64().unwrap() > 100),
            "{engine}: the write-blocking lock and how long it was held: {statement:#}"
        );
        assert!(!databases(&p).contains(&copy_name(&report)), "{engine}: the copy is gone");
        assert_eq!(fingerprint(&p), before, "{engine}: the environment's database is unchanged");

        // The online form: add, backfill in steps (each its own transaction), swap.
        let batches: String = (0..4)
            .map(|i| {
                format!(
                    "-- +step\nUPDATE orders SET amount_new = amount WHERE id > {} AND id <= {};\n",
                    i * 50_000,
                    (i + 1) * 50_000
                )
            })
            .collect();
        let online = match engine {
            "postgres" => format!("ALTER TABLE orders ADD COLUMN amount_new BIGINT;\n{batches}-- +step\nALTER TABLE orders DROP COLUMN amount;\nALTER TABLE orders RENAME COLUMN amount_new TO amount;"),
            _ => format!("ALTER TABLE orders ADD COLUMN amount_new BIGINT, ALGORITHM=INSTANT;\n{batches}ALTER TABLE orders DROP COLUMN amount, ALGORITHM=INSTANT;\nALTER TABLE orders CHANGE amount_new amount BIGINT, ALGORITHM=INSTANT;"),
        };
        std::fs::remove_file(rev).unwrap();
        p.write_rev("bbbb00000001", &["aaaa00000001"], "widen amount online", &online, "SELECT 1;");
        let r = p.retort(&["--json", "rehearse", "--load", "--max-stall", "200ms"]);
        assert_eq!(r.code, 0, "{engine}: the online form passes\n{}\n{}", r.stdout, r.stderr);
        let report = r.json();
        assert_eq!(report["verdict"]["passed"], true, "{engine}: {report:#}");
        let table = &report["tables"][0];
        assert_eq!(table["table"], "orders");
        assert!(table["longest_stall_ms"].as_u64().unwrap() <= 200, "{engine}: {table}");
        assert!(
            table["writes"].as_u64().unwrap() >= 5 && table["failed_writes"] == 0,
            "{engine}: writes kept flowing: {table}"
        );
        let statements = report["revisions"][0]["statements"].as_array().unwrap();
        assert!(
            statements.iter().any(|s| s["rows_affected"] == 50_000),
            "{engine}: each batch's rows: {statements:#?}"
        );
        assert!(!databases(&p).contains(&copy_name(&report)), "{engine}: the copy is gone");
        assert_eq!(fingerprint(&p), before, "{engine}: the environment's database is unchanged");
    }
}

/// Ctrl-C while a revision runs on the copy: the statement is cancelled at once, the
/// command exits 130, and the copy is gone from the server; nothing changed on the
/// environment's database.
#[test]
fn ctrl_c_during_a_rehearsal_drops_the_copy() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        orders(&p);
        let before = fingerprint(&p);
        let sleep = if engine == "postgres" { "SELECT pg_sleep(30);" } else { "DO SLEEP(30);" };
        p.write_rev(
            "bbbb00000001",
            &["aaaa00000001"],
            "slow",
            &format!("UPDATE orders SET amount = amount + 1;\n{sleep}"),
            "SELECT 1;",
        );
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("retort"))
            .current_dir(p.path())
            .env_remove("DATABASE_URL")
            .args(["rehearse", "--load"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let copy = loop {
            let mut line = String::new();
            assert!(
                std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0,
                "{engine}: {seen}"
            );
            seen.push_str(&line);
            if let Some(rest) = line.strip_prefix("retort: the copy is database ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        assert!(databases(&p).contains(&copy), "{engine}: the copy exists while it runs");
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let started = std::time::Instant::now();
        std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{engine}: {seen}{rest}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{engine}: the sleep was cancelled, not waited out"
        );
        assert!(!databases(&p).contains(&copy), "{engine}: the copy is gone after Ctrl-C");
        assert_eq!(fingerprint(&p), before, "{engine}: the environment's database is unchanged");
    }
}

/// SQLite rehearses on a copy of the file (in the temporary directory, gone afterwards);
/// the database file is unchanged. `upgrade --rehearse` upgrades nothing when the
/// rehearsal fails its limit (exit 18), and upgrades when it passes.
#[test]
fn sqlite_rehearses_on_a_copy_of_the_file_and_upgrade_waits_for_a_passing_rehearsal() {
    let p = Project::new();
    orders(&p);
    p.write_rev(
        "bbbb00000001",
        &["aaaa00000001"],
        "touch every row",
        "ALTER TABLE orders ADD COLUMN status VARCHAR(10) NOT NULL DEFAULT 'new';\nUPDATE orders SET status = 'old' WHERE id % 2 = 0;",
        "ALTER TABLE orders DROP COLUMN status;",
    );
    let file = std::fs::read(p.db_path()).unwrap();
    let r = p.retort(&["--json", "rehearse", "--load"]).ok();
    let report = r.json();
    let path = report["copy"].as_str().unwrap().strip_prefix("file ").unwrap().to_string();
    assert!(!std::path::Path::new(&path).exists(), "the copy {path} is gone");
    let update = &report["revisions"][0]["statements"][1];
    assert_eq!(update["rows_affected"], ROWS / 2, "{update}");
    assert_eq!(report["tables"][0]["table"], "orders");
    assert_eq!(std::fs::read(p.db_path()).unwrap(), file, "the database file is unchanged");

    // From a backup instead of the live database.
    p.retort(&["backup"]).ok();
    let backup =
        std::fs::read_dir(p.path().join("backups")).unwrap().next().unwrap().unwrap().path();
    let r = p.retort(&["--json", "rehearse", "--from-backup", backup.to_str().unwrap()]).ok();
    assert!(r.json()["source"].as_str().unwrap().starts_with("backup "), "{}", r.stdout);

    // A revision failing on the copy: its error, and the copy gone all the same.
    let failing = p.write_rev(
        "cccc00000001",
        &["bbbb00000001"],
        "broken",
        "UPDATE nowhere SET a = 1;",
        "SELECT 1;",
    );
    let r = p.retort(&["rehearse"]).fails_with(7, "nowhere");
    let copy =
        r.stderr.split("the copy is file ").nth(1).unwrap().split_whitespace().next().unwrap();
    assert!(!std::path::Path::new(copy).exists(), "the copy {copy} is gone after the failure");
    std::fs::remove_file(failing).unwrap();

    p.retort(&["upgrade", "--rehearse", "--load", "--max-stall", "1ms"])
        .fails_with(18, "nothing was upgraded");
    assert_eq!(p.version_rows(), ["aaaa00000001"]);
    let r = p.retort(&["upgrade", "--rehearse"]).ok();
    assert!(r.stderr.contains("the rehearsal passed"), "{}", r.stderr);
    assert_eq!(p.version_rows(), ["bbbb00000001"]);
    let r = p.retort(&["rehearse"]).ok();
    assert!(
        r.stdout.contains("Nothing to rehearse") && !r.stderr.contains("the copy is"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    p.retort(&["upgrade", "--max-stall", "1s"]).fails_with(2, "--rehearse");
    p.retort(&["upgrade", "--rehearse", "--sql"]).fails_with(2, "one database");
}

/// `--only-touched` copies every definition but only the rows of the tables the pending
/// revisions name: a statement reading an untouched table through a view finds it empty
/// on that copy, full on a whole copy. A protected environment's own server never gets
/// the copy.
#[test]
fn only_touched_copies_the_rows_the_revisions_need() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        orders(&p);
        p.write_rev(
            "bbbb00000001",
            &["aaaa00000001"],
            "history",
            "CREATE TABLE history (id INTEGER PRIMARY KEY);\nINSERT INTO history SELECT id FROM orders WHERE id <= 1000;\nCREATE VIEW past AS SELECT id FROM history;",
            "DROP VIEW past;\nDROP TABLE history;",
        );
        p.retort(&["upgrade"]).ok();
        p.write_rev(
            "cccc00000001",
            &["bbbb00000001"],
            "mark",
            "UPDATE orders SET amount = -1 WHERE id <= (SELECT count(*) FROM past);",
            "SELECT 1;",
        );
        let affected = |args: &[&str]| {
            let r = p.retort(&[&["--json", "rehearse"], args].concat()).ok();
            r.json()["revisions"][0]["statements"][0]["rows_affected"].clone()
        };
        assert_eq!(affected(&[]), 1000, "{engine}: a whole copy");
        assert_eq!(affected(&["--only-touched"]), 0, "{engine}: history's rows are not copied");

        add_envs(&p, &format!("[env.prod]\nurl = \"{}\"\nprotected = true\n", p.db.url));
        p.retort(&["--env", "prod", "rehearse"]).fails_with(2, "scratch_url");
        // Unconfirmed, upgrade --rehearse is refused before any rehearsal.
        let r = p
            .retort(&["--env", "prod", "upgrade", "--rehearse"])
            .fails_with(11, "--confirm-env prod");
        assert!(!r.stderr.contains("the copy is"), "{}", r.stderr);
    }
}
