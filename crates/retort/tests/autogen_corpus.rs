//! The autogenerate corpus (`tests/autogen/<case>/`), run through the real pipeline:
//! apply `from`, autogenerate, write the revision file, upgrade → the database
//! introspects equal to `to`; downgrade → equal to `from`; rows in untouched (or
//! renamed) columns survive both ways. Plus a property test over random schemas.
mod support;
use support::*;

use std::path::PathBuf;

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

/// Cases whose generated files are snapshotted (a representative subset).
const SNAPSHOTS: &[&str] = &[
    "create_two_tables_with_fk",
    "rename_table_and_column",
    "add_column_with_default",
    "drop_indexed_column",
    "narrow_varchar",
    "set_not_null",
    "add_generated_stored",
    "composite_primary_key",
    "partial_index",
    "named_deferrable_foreign_key",
    "change_check_expression",
    "view_survives_table_rebuild",
    "drop_and_add_same_shape_without_rename",
    "many_changes_at_once",
];

#[test]
fn corpus_has_at_least_60_cases() {
    assert!(case_names().len() >= 60, "only {} cases", case_names().len());
}

#[test]
fn every_corpus_case_round_trips() {
    for engine in engines() {
        let mut failures = Vec::new();
        for name in case_names() {
            let dir = corpus_dir().join(&name);
            let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
            // `engines.txt` limits a case to the engines whose syntax it uses.
            if let Some(only) = read("engines.txt") {
                if !only.split_whitespace().any(|e| e == engine.name) {
                    continue;
                }
            }
            let case = Case {
                name: name.clone(),
                from: read("from.sql").unwrap_or_default(),
                to: read("to.sql").unwrap_or_default(),
                data: read("data.sql"),
                renames: read("renames.txt").map(|r| r.lines().map(str::to_string).filter(|l| !l.trim().is_empty()).collect()).unwrap_or_default(),
            };
            match run_case(&engine, &case) {
                Ok(outcome) => {
                    if SNAPSHOTS.contains(&name.as_str()) {
                        insta::assert_snapshot!(format!("{}__{name}", engine.name), outcome.file_sections);
                    }
                }
                Err(e) => failures.push(format!("[{}] {name}: {e}", engine.name)),
            }
        }
        assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n\n"));
    }
}

mod random {
    use super::*;
    use proptest::prelude::*;

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
        (prop::sample::select(vec!["INTEGER", "TEXT", "VARCHAR(20)", "VARCHAR(40)", "NUMERIC(8,2)", "REAL"]), any::<bool>(), any::<bool>(), any::<bool>())
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
            (cols, prop::option::of(0..n)).prop_map(move |(cols, index_on)| Tbl { name: format!("t{t}"), cols, index_on })
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
                    let fallback = if matches!(c.ty, "INTEGER" | "NUMERIC(8,2)" | "REAL") { "0" } else { "'0'" };
                    s.push_str(&format!(" NOT NULL DEFAULT {}", c.default.unwrap_or(fallback)));
                } else if let Some(d) = c.default {
                    s.push_str(&format!(" DEFAULT {d}"));
                }
                items.push(s);
            }
            sql.push_str(&format!("CREATE TABLE {} ({});\n", t.name, items.join(", ")));
            if let Some(i) = t.index_on {
                if let Some(c) = t.cols.get(i) {
                    sql.push_str(&format!("CREATE INDEX ix_{}_{} ON {} ({});\n", t.name, c.name, t.name, c.name));
                }
            }
        }
        sql
    }

    fn data(tables: &[Tbl]) -> String {
        tables.iter().map(|t| format!("INSERT INTO {} (id) VALUES (1), (2);\n", t.name)).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
        #[test]
        fn random_schema_pairs_round_trip(from in schema_strategy(), to in schema_strategy()) {
            for engine in engines() {
                let case = Case { name: "random".into(), from: render(&from), to: render(&to), data: Some(data(&from)), renames: vec![] };
                if let Err(e) = run_case(&engine, &case) {
                    prop_assert!(false, "[{}] from:\n{}\nto:\n{}\n{e}", engine.name, case.from, case.to);
                }
            }
        }
    }
}
