//! A Galera cluster: GET_LOCK is node-local, so retort takes a lease lock, and each
//! revision is applied once across the nodes, also after the lock owner is killed.

/// A 3-node MariaDB Galera cluster on loopback (`tests/galera/cluster.sh`), stopped and
/// removed when the test ends, also when it fails.
struct Galera;

impl Galera {
    fn script() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/galera/cluster.sh")
    }

    fn start() -> Galera {
        let out = std::process::Command::new("bash")
            .arg(Self::script())
            .arg("start")
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "the Galera cluster did not start:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Galera
    }

    fn sql(port: u16, db: &str, sql: &str) -> Vec<String> {
        Self::try_sql(port, db, sql).unwrap()
    }

    fn try_sql(
        port: u16,
        db: &str,
        sql: &str,
    ) -> Result<Vec<String>, retort::core::error::DbError> {
        let url = format!("mysql://root@127.0.0.1:{port}/{db}");
        let mut c =
            retort::connect(&retort::RedactedUrl::new(url), std::path::Path::new(".")).unwrap();
        Ok(c.query(sql)?
            .into_iter()
            .map(|r| r.into_iter().map(|v| v.unwrap_or_default()).collect::<Vec<_>>().join("|"))
            .collect())
    }
}

impl Drop for Galera {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash").arg(Self::script()).arg("stop").output();
    }
}

/// On Galera `GET_LOCK` is node-local. Ten concurrent `retort upgrade head`
/// spread over three nodes apply every revision exactly once under the lease lock retort
/// picks on a cluster (the log and the rows each revision inserts prove it); the same run
/// with `?lock=session` (GET_LOCK) forced applies revisions twice — so the test can fail.
/// A `kill -9` of the lease owner lets the next run take over once the lease expires.
#[test]
fn a_galera_cluster_applies_each_revision_once_and_survives_a_killed_lock_owner() {
    let _cluster = Galera::start();
    let retort = assert_cmd::cargo::cargo_bin("retort");
    let project = |db: &str, revisions: &[(String, String)]| {
        let dir = tempfile::tempdir().unwrap();
        Galera::sql(3311, "mysql", &format!("CREATE DATABASE {db}"));
        // Other nodes apply it in order, possibly after what node 1 wrote before.
        for port in [3312, 3313] {
            let since = std::time::Instant::now();
            while Galera::sql(
                port,
                "mysql",
                &format!("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{db}'"),
            )
            .is_empty()
            {
                assert!(
                    since.elapsed() < std::time::Duration::from_secs(60),
                    "node {port} never got {db}"
                );
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
        let ok = std::process::Command::new(&retort)
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .args(["init", "--url", &format!("mysql://root@127.0.0.1:3311/{db}")])
            .status()
            .unwrap();
        assert!(ok.success());
        let mut prev: Option<String> = None;
        for (i, (up, down)) in revisions.iter().enumerate() {
            let id = format!("{:012x}", i + 1);
            let text = format!("-- revision: {id}\n-- down_revision: {}\n-- message: r{}\n-- created: 2026-01-01T00:00:00Z\n\n-- +upgrade\n{up}\n\n-- +downgrade\n{down}\n", prev.as_deref().unwrap_or(""), i + 1);
            std::fs::write(
                dir.path().join("migrations/versions").join(format!("{id}_r{}.sql", i + 1)),
                text,
            )
            .unwrap();
            prev = Some(id);
        }
        dir
    };
    let revisions: Vec<(String, String)> = (1..=10)
        .map(|i| {
            let table = if i == 1 { "CREATE TABLE IF NOT EXISTS applied (id INT AUTO_INCREMENT PRIMARY KEY, rev INT NOT NULL);".to_string() } else { format!("CREATE TABLE IF NOT EXISTS t{i} (id INT PRIMARY KEY);") };
            // The first revision is slow: the runs started together all reach it while the
            // first one is still inside it, so a lock that does not hold across nodes shows.
            let sleep = if i == 1 { "2.5" } else { "0.1" };
            (format!("{table}\nINSERT INTO applied (rev) VALUES ({i});\nDO SLEEP({sleep});"), format!("DELETE FROM applied WHERE rev = {i};"))
        })
        .collect();
    // status names the node and the cluster; upgrade says how DDL replicates.
    {
        let dir = project("retort_galera_status", &revisions[..1]);
        let run = |args: &[&str]| {
            std::process::Command::new(&retort)
                .current_dir(dir.path())
                .env_remove("DATABASE_URL")
                .args(args)
                .output()
                .unwrap()
        };
        let up = run(&["upgrade"]);
        assert!(
            String::from_utf8_lossy(&up.stderr).contains("Total Order Isolation"),
            "{}",
            String::from_utf8_lossy(&up.stderr)
        );
        let st = String::from_utf8_lossy(&run(&["status"]).stdout).to_string();
        assert!(st.contains("cluster:     Galera node node1 of a cluster of 3"), "{st}");
        // A large table's ALTER is named before it runs, with its size.
        Galera::sql(3311, "retort_galera_status", "CREATE TABLE big (id INT PRIMARY KEY, v INT)");
        Galera::sql(
            3311,
            "retort_galera_status",
            "INSERT INTO big SELECT seq, seq FROM seq_1_to_150000",
        );
        Galera::sql(3311, "retort_galera_status", "ANALYZE TABLE big");
        std::fs::write(dir.path().join("migrations/versions/00000000000b_alter_big.sql"), "-- revision: 00000000000b\n-- down_revision: 000000000001\n-- message: alter big\n\n-- +upgrade\nALTER TABLE big ADD COLUMN w INT;\n\n-- +downgrade\nALTER TABLE big DROP COLUMN w;\n").unwrap();
        let up = String::from_utf8_lossy(&run(&["upgrade"]).stderr).to_string();
        assert!(up.contains("alters big (about") && up.contains("wait on every node"), "{up}");
    }
    for (mode, once) in [("", true), ("?lock=session", false)] {
        let db = format!("retort_galera_{}", if once { "lease" } else { "getlock" });
        let dir = project(&db, &revisions);
        let children: Vec<_> = (0..10)
            .map(|i| {
                std::process::Command::new(&retort)
                    .current_dir(dir.path())
                    .env(
                        "DATABASE_URL",
                        format!("mysql://root@127.0.0.1:{}/{db}{mode}", 3311 + i % 3),
                    )
                    .args(["upgrade", "--lock-timeout", "120"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
        let per_rev =
            Galera::sql(3312, &db, "SELECT rev, COUNT(*) FROM applied GROUP BY rev ORDER BY rev");
        let twice: Vec<&String> = per_rev.iter().filter(|r| !r.ends_with("|1")).collect();
        if once {
            for o in &outs {
                assert!(o.status.success(), "lease: {}", String::from_utf8_lossy(&o.stderr));
            }
            assert_eq!(per_rev.len(), 10, "every revision applied: {per_rev:?}");
            assert!(twice.is_empty(), "applied more than once under the lease lock: {twice:?}");
            let logged = Galera::sql(3313, &db, "SELECT revision, COUNT(*) FROM retort_log WHERE direction = 'up' AND status = 'ok' GROUP BY revision");
            assert_eq!(logged.len(), 10);
            assert!(logged.iter().all(|r| r.ends_with("|1")), "{logged:?}");
            assert_eq!(
                Galera::sql(3311, &db, "SELECT COUNT(*) FROM _retort_lock"),
                ["0"],
                "the lease is given back"
            );
        } else {
            // Runs on different nodes ran at once: a revision ran twice (rows or in-progress
            // log rows), or a run met another's revision in progress — which it can only
            // see as a dirty database — and stopped. Under the lease none of this happens.
            let started = Galera::sql(3313, &db, "SELECT revision, COUNT(*) FROM retort_log WHERE direction = 'up' GROUP BY revision HAVING COUNT(*) > 1");
            let collided: Vec<String> = outs
                .iter()
                .filter(|o| !o.status.success())
                .map(|o| {
                    String::from_utf8_lossy(&o.stderr)
                        .lines()
                        .find(|l| l.starts_with("error"))
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            assert!(!twice.is_empty() || !started.is_empty() || !collided.is_empty(), "GET_LOCK is node-local on Galera: runs should have collided (rows {per_rev:?}, log {started:?})");
            println!("GET_LOCK forced: rows applied twice {twice:?}, revisions started twice {started:?}, {} run(s) stopped: {collided:?}", collided.len());
        }
    }

    // kill -9 of the lease owner in the middle of a revision: the next run waits for the
    // lease to expire (3 s here), takes the lock and reports the cut-off revision.
    let db = "retort_galera_kill";
    let dir = project(
        db,
        &[
            ("CREATE TABLE k1 (id INT);".into(), "DROP TABLE k1;".into()),
            ("DO SLEEP(30);".into(), "SELECT 1;".into()),
        ],
    );
    let url = |port: u16| format!("mysql://root@127.0.0.1:{port}/{db}?lock=lease&lease=3");
    let mut owner = std::process::Command::new(&retort)
        .current_dir(dir.path())
        .env("DATABASE_URL", url(3311))
        .args(["upgrade"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while Galera::try_sql(3312, db, "SELECT COUNT(*) FROM retort_log WHERE revision = '000000000002' AND status = 'in_progress'").unwrap_or_default().first().map(String::as_str) != Some("1") {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "the owner never started revision 2");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    owner.kill().unwrap(); // SIGKILL
    owner.wait().unwrap();
    let killed = std::time::Instant::now();
    let next = std::process::Command::new(&retort)
        .current_dir(dir.path())
        .env("DATABASE_URL", url(3312))
        .args(["upgrade", "--lock-timeout", "30"])
        .output()
        .unwrap();
    let waited = killed.elapsed();
    let said = String::from_utf8_lossy(&next.stderr);
    assert_eq!(next.status.code(), Some(6), "took over and found the cut-off revision: {said}");
    assert!(said.contains("000000000002"), "{said}");
    assert!(
        waited >= std::time::Duration::from_secs(2) && waited < std::time::Duration::from_secs(20),
        "waited for the lease ({waited:?})"
    );
}
