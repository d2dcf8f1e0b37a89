//! Scratch databases: the models never reach the live database, and a killed process's scratch databases are found and dropped.
use crate::common::*;

/// Models taken from a dump that talks about the live database (`USE appdb`,
/// `CREATE DATABASE`, `ALTER DATABASE … SET`, `ATTACH 'dev.db'`) never reach it: the
/// scratch session can touch nothing but its scratch area.
#[test]
fn models_that_name_the_live_database_never_touch_it() {
    for engine in engine_names() {
        let p = Project::on(engine);
        p.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(40))");
        p.exec("INSERT INTO customers VALUES (1, 'a'), (2, 'b')");
        let live = p.db.url.rsplit('/').next().unwrap().to_string();
        let models = match engine {
            "mysql" => {
                let out = std::process::Command::new("mariadb-dump")
                    .args(["-h", "127.0.0.1", "-u", "root", "--no-data", "--databases", &live])
                    .output()
                    .expect("mariadb-dump runs");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                let dump = String::from_utf8(out.stdout).unwrap();
                assert!(dump.contains(&format!("USE `{live}`")) && dump.contains("DROP TABLE IF EXISTS"), "{dump}");
                dump
            }
            "postgres" => {
                let out = std::process::Command::new("pg_dump")
                    .args(["-h", "127.0.0.1", "-U", "postgres", "--schema-only", "--create", "--clean", &live])
                    .output()
                    .expect("pg_dump runs");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                format!("{}\nALTER DATABASE {live} SET work_mem = '7MB';\nCREATE ROLE retort_evil_role;\n", String::from_utf8(out.stdout).unwrap())
            }
            _ => "ATTACH 'dev.db' AS live;\nDELETE FROM live.customers;\nCREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(40));\n".to_string(),
        };
        std::fs::write(p.path().join("models.sql"), &models).unwrap();
        let r = p.retort(&["migrate", "-m", "init", "--ignore-db"]);
        assert_eq!(
            p.query("SELECT COUNT(*) FROM customers"),
            vec!["2"],
            "[{engine}] the live table was emptied\n{}{}",
            r.stdout,
            r.stderr
        );
        match engine {
            "sqlite" => {
                // ATTACH is refused with the line that asked for it.
                assert_eq!(r.code, 14, "[{engine}] {}{}", r.stdout, r.stderr);
                assert!(
                    r.stderr.contains("ATTACH is refused") && r.stderr.contains("models.sql:1:"),
                    "[{engine}] {}",
                    r.stderr
                );
            }
            "postgres" => {
                assert_eq!(r.code, 0, "[{engine}] {}{}", r.stdout, r.stderr);
                assert!(p.query(&format!("SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = '{live}'")) == vec!["0"], "[{engine}] the live database's settings changed");
                assert_eq!(
                    p.query("SELECT count(*) FROM pg_roles WHERE rolname = 'retort_evil_role'"),
                    vec!["0"]
                );
            }
            _ => {
                assert_eq!(r.code, 0, "[{engine}] {}{}", r.stdout, r.stderr);
            }
        }
        if engine != "sqlite" {
            assert!(
                r.stderr.contains("database-level") || r.stdout.contains("database-level"),
                "[{engine}] the skipped statements are named:\n{}{}",
                r.stdout,
                r.stderr
            );
        }
    }
}

/// A statement in the models that names another database of the server is refused on
/// MariaDB/MySQL before it runs (it could empty a live table), with its line.
#[test]
fn models_naming_another_database_are_refused_on_mysql() {
    if !engine_names().contains(&"mysql") {
        return;
    }
    let p = Project::on("mysql");
    p.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY)");
    p.exec("INSERT INTO customers VALUES (1), (2)");
    let live = p.db.url.rsplit('/').next().unwrap().to_string();
    std::fs::write(
        p.path().join("models.sql"),
        format!("CREATE TABLE t (id INT PRIMARY KEY);\nDROP TABLE IF EXISTS `{live}`.customers;\n"),
    )
    .unwrap();
    p.retort(&["migrate", "-m", "init", "--ignore-db"]).fails_with(14, &live);
    assert_eq!(p.query("SELECT COUNT(*) FROM customers"), vec!["2"]);
}

/// A scratch database left by a retort process of this machine that was killed (before
/// any clean-up could run) is named by `doctor` and dropped by the next autogenerate.
#[test]
fn scratch_databases_of_killed_processes_are_named_and_dropped() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        let dead = {
            let mut c = std::process::Command::new("true").spawn().unwrap();
            let pid = c.id();
            c.wait().unwrap();
            pid
        };
        let orphan = format!(
            "{}{}_0123456789ab",
            retort::core::cleanup::scratch_prefix(dead),
            retort::core::cleanup::host_tag()
        );
        let admin = crate::common::servers::admin_url(engine).expect("a server engine");
        let mut c = retort::connect(&retort::RedactedUrl::new(admin.clone()), p.path()).unwrap();
        c.execute(&format!("CREATE DATABASE {orphan}")).unwrap();
        let exists =
            |c: &mut Box<dyn retort::Connection>| c.scratch_databases().unwrap().contains(&orphan);
        let r = p.retort(&["doctor"]);
        let drop_it = |c: &mut Box<dyn retort::Connection>| {
            let force = if engine == "postgres" { " WITH (FORCE)" } else { "" };
            let _ = c.execute(&format!("DROP DATABASE IF EXISTS {orphan}{force}"));
        };
        if !r.stdout.contains(&orphan) {
            drop_it(&mut c);
            panic!("[{engine}] doctor does not name {orphan}:\n{}", r.stdout);
        }
        std::fs::write(p.path().join("models.sql"), "CREATE TABLE a (id INTEGER PRIMARY KEY);\n")
            .unwrap();
        let r = p.retort(&["check", "--no-db"]);
        let still = exists(&mut c);
        drop_it(&mut c);
        assert!(!still, "[{engine}] the orphan survived autogenerate: {}{}", r.stdout, r.stderr);
    }
}
