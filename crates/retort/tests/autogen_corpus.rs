//! The autogenerate corpus (`tests/autogen/<case>/`), one trial per case and engine, run
//! through the library's own `migrate` operation (verification and lint included): apply
//! `from` (with `data`), autogenerate against `to`, upgrade → the database introspects equal
//! to `to`; downgrade → equal to `from`; rows in untouched (or renamed) columns survive both
//! ways. Each case's generated SQL is snapshotted beside it (`<case>/<engine>.snap`).
//! Plus a property test over random schema pairs.
//!
//! Run one case: `cargo test -p retort --test autogen_corpus -- add_index`.
mod support;
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::PathBuf;
use support::*;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/autogen")
}

fn case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn load_case(name: &str) -> Case {
    let dir = corpus_dir().join(name);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
    Case {
        name: name.to_string(),
        from: read("from.sql").unwrap_or_default(),
        to: read("to.sql").unwrap_or_default(),
        data: read("data.sql"),
        renames: read("renames.txt")
            .map(|r| r.lines().map(str::to_string).filter(|l| !l.trim().is_empty()).collect())
            .unwrap_or_default(),
        online: dir.join("online").exists(),
        schemas: read("schemas.txt")
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
    }
}

/// `engines.txt` limits a case to the engines whose syntax it uses.
fn case_runs_on(name: &str, engine: &str) -> bool {
    match std::fs::read_to_string(corpus_dir().join(name).join("engines.txt")) {
        Ok(only) => only.split_whitespace().any(|e| e == engine),
        Err(_) => true,
    }
}

fn run_and_snapshot(name: &str, engine: &Engine) -> Result<(), Failed> {
    let outcome = run_case(engine, &load_case(name)).map_err(|e| e.to_string())?;
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(corpus_dir().join(name));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(engine.name, outcome.file_sections));
    Ok(())
}

/// The engine's histories: `tests/history/<engine>.sql` and `<engine>_<name>.sql`.
fn history_files(engine: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir().join("../history"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.strip_suffix(".sql").is_some_and(|stem| {
                stem == engine || stem.strip_prefix(engine).is_some_and(|r| r.starts_with('_'))
            })
        })
        .collect();
    names.sort();
    names
}

/// One history, every step with the engine's own dump as the models.
fn history_passes(engine: &Engine, file: &str) -> Result<(), Failed> {
    let path = corpus_dir().join("../history").join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let steps = support::history::steps(&text);
    if steps.len() < 30 {
        return Err(format!(
            "{} has {} steps; the corpus wants at least 30",
            path.display(),
            steps.len()
        )
        .into());
    }
    let results = support::history::run(engine, &steps)?;
    let passed = results.iter().filter(|(_, e)| e.is_none()).count();
    println!("history {file}: {passed}/{} steps", steps.len());
    match results.iter().find(|(_, e)| e.is_some()) {
        Some((name, Some(why))) => {
            Err(format!("step `{name}` ({passed}/{} passed before it): {why}", steps.len()).into())
        }
        _ => Ok(()),
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![Trial::test("corpus_has_at_least_60_cases", || {
        let n = case_names().len();
        if n < 60 {
            return Err(format!("only {n} cases").into());
        }
        Ok(())
    })];
    for engine in engines() {
        let engine = std::sync::Arc::new(engine);
        for name in case_names() {
            if !case_runs_on(&name, engine.name) {
                continue;
            }
            let e = engine.clone();
            trials.push(Trial::test(format!("{name}::{}", engine.name), move || {
                run_and_snapshot(&name, &e)
            }));
        }
        let e = engine.clone();
        trials.push(Trial::test(
            format!("random_schema_pairs_round_trip::{}", engine.name),
            move || random::round_trips(&e),
        ));
        for file in history_files(engine.name) {
            let e = engine.clone();
            let stem = file.trim_end_matches(".sql").to_string();
            trials.push(Trial::test(format!("history_with_dumps_as_models::{stem}"), move || {
                history_passes(&e, &file)
            }));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    // Scratch databases this process made on the servers go before it exits, and the
    // servers' catalogs must agree that they are gone.
    retort::core::cleanup::run_all();
    let left = scratch_databases_of(std::process::id());
    if !left.is_empty() {
        eprintln!("scratch databases left on the servers: {}", left.join(", "));
        std::process::exit(101);
    }
    conclusion.exit();
}

mod random {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    #[derive(Clone, Debug)]
    struct Col {
        name: String,
        ty: &'static str,
        not_null: bool,
        default: Option<&'static str>,
    }

    #[derive(Clone, Debug)]
    struct Tbl {
        name: String,
        cols: Vec<Col>,
        index_on: Option<usize>,
    }

    fn col_strategy(i: usize) -> impl Strategy<Value = Col> {
        (
            prop::sample::select(vec![
                "INTEGER",
                "TEXT",
                "VARCHAR(20)",
                "VARCHAR(40)",
                "NUMERIC(8,2)",
                "REAL",
            ]),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(move |(ty, not_null, has_default, one)| {
                // A default every engine accepts for the type (text defaults look numeric, so
                // a type change between random schemas can still convert the rows).
                let numeric = matches!(ty, "INTEGER" | "NUMERIC(8,2)" | "REAL");
                let default = has_default.then_some(match (numeric, one) {
                    (true, true) => "1",
                    (true, false) => "0",
                    (false, true) => "'1'",
                    (false, false) => "'2'",
                });
                Col { name: format!("c{i}"), ty, not_null, default }
            })
    }

    fn table_strategy(t: usize) -> impl Strategy<Value = Tbl> {
        (1usize..4).prop_flat_map(move |n| {
            let cols: Vec<_> = (0..n).map(col_strategy).collect();
            (cols, prop::option::of(0..n)).prop_map(move |(cols, index_on)| Tbl {
                name: format!("t{t}"),
                cols,
                index_on,
            })
        })
    }

    fn schema_strategy() -> impl Strategy<Value = Vec<Tbl>> {
        (1usize..4).prop_flat_map(|n| (0..n).map(table_strategy).collect::<Vec<_>>())
    }

    fn render(tables: &[Tbl]) -> String {
        let mut sql = String::new();
        for t in tables {
            let mut items = vec!["id INTEGER PRIMARY KEY".to_string()];
            for c in &t.cols {
                let mut s = format!("{} {}", c.name, c.ty);
                // NOT NULL without a default cannot be added to a table with rows.
                if c.not_null {
                    let fallback = if matches!(c.ty, "INTEGER" | "NUMERIC(8,2)" | "REAL") {
                        "0"
                    } else {
                        "'0'"
                    };
                    s.push_str(&format!(" NOT NULL DEFAULT {}", c.default.unwrap_or(fallback)));
                } else if let Some(d) = c.default {
                    s.push_str(&format!(" DEFAULT {d}"));
                }
                items.push(s);
            }
            sql.push_str(&format!("CREATE TABLE {} ({});\n", t.name, items.join(", ")));
            if let Some(i) = t.index_on {
                if let Some(c) = t.cols.get(i) {
                    sql.push_str(&format!(
                        "CREATE INDEX ix_{}_{} ON {} ({});\n",
                        t.name, c.name, t.name, c.name
                    ));
                }
            }
        }
        sql
    }

    fn data(tables: &[Tbl]) -> String {
        tables.iter().map(|t| format!("INSERT INTO {} (id) VALUES (1), (2);\n", t.name)).collect()
    }

    /// Random (from, to) pairs round-trip like the corpus cases (identical pairs skipped).
    pub fn round_trips(engine: &Engine) -> Result<(), Failed> {
        let mut runner =
            TestRunner::new(Config { cases: 24, failure_persistence: None, ..Config::default() });
        runner
            .run(&(schema_strategy(), schema_strategy()), |(from, to)| {
                let case = Case {
                    name: "random".into(),
                    from: render(&from),
                    to: render(&to),
                    data: Some(data(&from)),
                    renames: vec![],
                    online: from.len() % 2 == 0,
                    schemas: vec![],
                };
                match run_case(engine, &case) {
                    Ok(_) | Err(CaseError::NoChange) => Ok(()),
                    Err(e) => Err(TestCaseError::fail(format!(
                        "[{}] from:\n{}\nto:\n{}\n{e}",
                        engine.name, case.from, case.to
                    ))),
                }
            })
            .map_err(|e| e.to_string().into())
    }
}
