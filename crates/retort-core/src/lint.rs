//! Lint: rules over any revision, generated or hand-written, its SQL parsed with
//! sqlparser in the project's dialect. Each rule has a stable id, a severity, a one-line
//! explanation and a fix; `-- lint:ignore RULE` directly above a statement silences it
//! there. Statements sqlparser cannot parse are skipped (reported as `unparsed`, info).
use crate::revision::file::RevisionFile;
use crate::sql_split::{self, Statement as Split};
use serde::Serialize;
use sqlparser::ast::{AlterColumnOperation, AlterTableOperation, ColumnOption, Expr, ObjectType, Statement};
use crate::engine::Capabilities;
use sqlparser::parser::Parser;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// A rule: id, severity, what is wrong, how to fix it.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub explanation: &'static str,
    pub fix: &'static str,
    /// Whether the rule applies to an engine, asked of its capabilities (never its name).
    pub applies: fn(&Capabilities) -> bool,
}

fn every_engine(_: &Capabilities) -> bool {
    true
}

fn has_concurrent_index(c: &Capabilities) -> bool {
    c.concurrent_index
}

fn volatile_default_rewrites(c: &Capabilities) -> bool {
    c.volatile_default_rewrites
}

pub const RULES: &[Rule] = &[
    Rule { id: "drop-table", severity: Severity::Warning, explanation: "drops a table and all its rows", fix: "make sure the data is no longer needed or was copied; back up first", applies: every_engine },
    Rule { id: "drop-column", severity: Severity::Warning, explanation: "drops a column and its values, and breaks the running application version that still reads it", fix: "stop reading the column in a release before the one that drops it", applies: every_engine },
    Rule { id: "rename", severity: Severity::Warning, explanation: "renames a table or column that the running application version still uses", fix: "add the new name, copy, switch the code, drop the old name in a later release (expand/contract)", applies: every_engine },
    Rule { id: "type-change", severity: Severity::Warning, explanation: "changes a column's type: may lose data when narrowing, and rewrites and locks the table on PostgreSQL and MySQL", fix: "prefer a new column, backfill, switch; check values fit the new type", applies: every_engine },
    Rule { id: "add-not-null-without-default", severity: Severity::Error, explanation: "adds a NOT NULL column without a default to an existing table: fails on any table with rows", fix: "add a DEFAULT, or add the column nullable, backfill, then SET NOT NULL", applies: every_engine },
    Rule { id: "set-not-null", severity: Severity::Warning, explanation: "makes a column NOT NULL: fails if a row holds NULL, and scans the table under a lock on PostgreSQL", fix: "backfill first; on PostgreSQL add a CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL", applies: every_engine },
    Rule { id: "index-without-concurrently", severity: Severity::Warning, explanation: "CREATE INDEX on an existing table blocks writes to it until the index is built", fix: "use CREATE INDEX CONCURRENTLY in a revision marked `-- transactional: false`", applies: has_concurrent_index },
    Rule { id: "volatile-default", severity: Severity::Warning, explanation: "adds a column with a volatile default (now(), random(), …): every row is rewritten under an exclusive lock", fix: "add the column without default, backfill in batches, then set the default", applies: volatile_default_rewrites },
    Rule { id: "non-transactional-statement", severity: Severity::Error, explanation: "this statement cannot run inside a transaction, but the revision is transactional", fix: "move it into its own revision with `-- transactional: false`", applies: has_concurrent_index },
    Rule { id: "table-rebuild", severity: Severity::Warning, explanation: "rebuilds a table (create a copy, copy every row, drop, rename): holds the write lock for the whole copy and rewrites every row", fix: "fine for small tables; for large ones schedule it, or change the schema in steps the engine can do in place", applies: every_engine },
    Rule { id: "missing-downgrade", severity: Severity::Warning, explanation: "the revision has no downgrade, so it cannot be reverted", fix: "write the `-- +downgrade` section (or document why it is irreversible)", applies: every_engine },
    Rule { id: "unparsed", severity: Severity::Info, explanation: "the statement could not be parsed, so no rule checked it", fix: "review it by hand", applies: every_engine },
];

pub fn rule(id: &str) -> &'static Rule {
    RULES.iter().find(|r| r.id == id).expect("known rule id")
}

#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub revision: String,
    pub path: String,
    pub line: usize,
    pub message: String,
    pub fix: &'static str,
}

fn ignored(stmt: &Split, id: &str) -> bool {
    stmt.comments.iter().any(|c| {
        c.trim_start_matches('-').trim().strip_prefix("lint:ignore").is_some_and(|rest| rest.split([',', ' ']).any(|r| r.trim() == id))
    })
}

fn last_ident(name: &sqlparser::ast::ObjectName) -> String {
    name.to_string().rsplit('.').next().unwrap_or_default().trim_matches(['"', '`']).to_ascii_lowercase()
}

fn volatile(e: &Expr) -> bool {
    let s = e.to_string().to_ascii_lowercase();
    ["now()", "random()", "clock_timestamp()", "gen_random_uuid()", "uuid_generate_v4()", "current_timestamp", "timeofday()"].iter().any(|v| s.contains(v))
}

/// Lints one revision file for the engine whose dialect is given.
pub fn lint_revision(file: &RevisionFile, engine: &dyn crate::engine::Dialect) -> Vec<Diagnostic> {
    let dialect = engine.parser_dialect();
    let caps = engine.capabilities();
    let mut out = Vec::new();
    let applies = |id: &str| (rule(id).applies)(&caps);
    let push = |out: &mut Vec<Diagnostic>, id: &'static str, line: usize, message: String| {
        let r = rule(id);
        out.push(Diagnostic { rule: id, severity: r.severity, revision: file.id.to_string(), path: file.path.display().to_string(), line, message, fix: r.fix });
    };
    let stmts = sql_split::split(&file.upgrade.sql);
    // Tables created in this revision are new: rules about existing tables skip them.
    let mut created: Vec<String> = Vec::new();
    // A rebuild (SQLite's procedure, Alembic's batch mode, or by hand) is judged as one
    // change to the table, not as the DROP and RENAME it happens to be made of (issue #9
    // item 21): copies[(new, old)] = the columns copied from old into new.
    let mut new_tables: std::collections::HashMap<String, Vec<sqlparser::ast::ColumnDef>> = std::collections::HashMap::new();
    let mut copies: std::collections::HashMap<(String, String), Vec<String>> = std::collections::HashMap::new();
    for st in &stmts {
        let line = file.upgrade.first_line + st.line - 1;
        let parsed = Parser::parse_sql(dialect.as_ref(), &st.sql);
        let Ok(parsed) = parsed else {
            if !ignored(st, "unparsed") {
                push(&mut out, "unparsed", line, format!("could not parse: {}", st.sql.lines().next().unwrap_or_default()));
            }
            continue;
        };
        let hit = |out: &mut Vec<Diagnostic>, id: &'static str, message: String| {
            if applies(id) && !ignored(st, id) {
                push(out, id, line, message);
            }
        };
        for s in parsed {
            match &s {
                Statement::CreateTable(ct) => {
                    created.push(last_ident(&ct.name));
                    new_tables.insert(last_ident(&ct.name), ct.columns.clone());
                }
                Statement::Insert(ins) => {
                    if let (sqlparser::ast::TableObject::TableName(into), Some(source)) = (&ins.table, &ins.source) {
                        let into = last_ident(into);
                        if let (true, sqlparser::ast::SetExpr::Select(select)) = (new_tables.contains_key(&into), source.body.as_ref()) {
                            if let [from] = select.from.as_slice() {
                                if let sqlparser::ast::TableFactor::Table { name, .. } = &from.relation {
                                    let cols = ins.columns.iter().map(|c| c.value.to_ascii_lowercase()).collect();
                                    copies.insert((into, last_ident(name)), cols);
                                }
                            }
                        }
                    }
                }
                Statement::Drop { object_type: ObjectType::Table, names, .. } => {
                    for n in names {
                        // Dropping a table whose rows were just copied into a new one.
                        let copied = copies.keys().any(|(_, old)| *old == last_ident(n));
                        if !copied {
                            hit(&mut out, "drop-table", format!("DROP TABLE {n}"));
                        }
                    }
                }
                Statement::CreateIndex(ci) => {
                    let table = last_ident(&ci.table_name);
                    if ci.concurrently && file.transactional {
                        hit(&mut out, "non-transactional-statement", "CREATE INDEX CONCURRENTLY in a transactional revision".into());
                    } else if !ci.concurrently && !created.contains(&table) {
                        hit(&mut out, "index-without-concurrently", format!("CREATE INDEX on existing table {table}"));
                    }
                }
                Statement::AlterTable { name, operations, .. } => {
                    let table = last_ident(name);
                    let is_new = created.contains(&table);
                    for op in operations {
                        match op {
                            AlterTableOperation::DropColumn { column_names, .. } => {
                                hit(&mut out, "drop-column", format!("drops {table}.{}", column_names.iter().map(|c| c.value.clone()).collect::<Vec<_>>().join(", ")))
                            }
                            AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
                                hit(&mut out, "rename", format!("renames {table}.{old_column_name} to {new_column_name}"))
                            }
                            AlterTableOperation::RenameTable { table_name } => {
                                let to = match table_name {
                                    sqlparser::ast::RenameTableNameKind::As(n) | sqlparser::ast::RenameTableNameKind::To(n) => last_ident(n),
                                };
                                match copies.get(&(table.clone(), to.clone())) {
                                    // The copy takes the old name: this completes a rebuild.
                                    Some(copied) => {
                                        hit(&mut out, "table-rebuild", format!("rebuilds table {to}: copies every row"));
                                        for col in new_tables.get(&table).into_iter().flatten() {
                                            let not_null = col.options.iter().any(|o| matches!(o.option, ColumnOption::NotNull | ColumnOption::Unique { is_primary: true, .. }));
                                            let filled = col.options.iter().any(|o| matches!(o.option, ColumnOption::Default(_) | ColumnOption::Generated { .. }));
                                            let is_rowid = col.options.iter().any(|o| matches!(o.option, ColumnOption::Unique { is_primary: true, .. })) && col.data_type.to_string().eq_ignore_ascii_case("integer");
                                            if not_null && !filled && !is_rowid && !copied.contains(&col.name.value.to_ascii_lowercase()) {
                                                hit(&mut out, "add-not-null-without-default", format!("the rebuild of {to} adds {to}.{} NOT NULL without a default: fails if {to} has rows", col.name.value));
                                            }
                                        }
                                    }
                                    None => hit(&mut out, "rename", format!("renames table {table}")),
                                }
                            }
                            AlterTableOperation::ChangeColumn { old_name, new_name, .. } if old_name != new_name => {
                                hit(&mut out, "rename", format!("renames {table}.{old_name} to {new_name}"))
                            }
                            AlterTableOperation::ChangeColumn { old_name, .. } => hit(&mut out, "type-change", format!("changes {table}.{old_name}")),
                            AlterTableOperation::ModifyColumn { col_name, .. } => hit(&mut out, "type-change", format!("MODIFY COLUMN {table}.{col_name}")),
                            AlterTableOperation::AlterColumn { column_name, op } => match op {
                                AlterColumnOperation::SetDataType { .. } => hit(&mut out, "type-change", format!("changes the type of {table}.{column_name}")),
                                AlterColumnOperation::SetNotNull => hit(&mut out, "set-not-null", format!("{table}.{column_name} SET NOT NULL")),
                                _ => {}
                            },
                            AlterTableOperation::AddColumn { column_def, .. } if !is_new => {
                                let not_null = column_def.options.iter().any(|o| matches!(o.option, ColumnOption::NotNull));
                                let default = column_def.options.iter().find_map(|o| match &o.option {
                                    ColumnOption::Default(e) => Some(e.clone()),
                                    _ => None,
                                });
                                let generated = column_def.options.iter().any(|o| matches!(o.option, ColumnOption::Generated { .. }));
                                if not_null && default.is_none() && !generated {
                                    hit(&mut out, "add-not-null-without-default", format!("adds {table}.{} NOT NULL without a default", column_def.name));
                                }
                                if let Some(d) = default {
                                    if volatile(&d) {
                                        hit(&mut out, "volatile-default", format!("{table}.{} DEFAULT {d}", column_def.name));
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let empty_down = file.downgrade.as_ref().is_none_or(|d| sql_split::split(&d.sql).is_empty());
    if empty_down && !stmts.is_empty() {
        let ignored_in_header = file.text.lines().any(|l| l.trim().starts_with("-- lint:ignore") && l.contains("missing-downgrade"));
        if !ignored_in_header {
            push(&mut out, "missing-downgrade", file.downgrade.as_ref().map(|d| d.first_line).unwrap_or(1), "no downgrade statements".into());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Lints a revision whose upgrade is `up`; fails when the rule does not fire.
    fn lint_errors(up: &str, engine: &'static str, id: &str) -> Vec<Diagnostic> {
        let d = lint(up, "SELECT 1;", true, engine);
        let hits: Vec<Diagnostic> = d.into_iter().filter(|x| x.rule == id).collect();
        assert!(!hits.is_empty(), "rule {id} did not fire on:\n{up}");
        hits
    }

    /// Fails when the rule fires.
    fn lint_ok(up: &str, engine: &'static str, id: &str) {
        let d = lint(up, "SELECT 1;", true, engine);
        assert!(!d.iter().any(|x| x.rule == id), "rule {id} fired on:\n{up}\n{d:?}");
    }

    /// Stand-ins for the engines' dialects (the core cannot depend on the engine crates):
    /// the capabilities and parser each engine declares.
    struct Like(&'static str);

    impl crate::engine::Dialect for Like {
        fn name(&self) -> &'static str {
            self.0
        }
        fn capabilities(&self) -> Capabilities {
            match self.0 {
                "postgres" => Capabilities { transactional_ddl: true, concurrent_index: true, volatile_default_rewrites: true, scratch_needs_server: true },
                "mysql" => Capabilities { scratch_needs_server: true, ..Default::default() },
                _ => Capabilities { transactional_ddl: true, ..Default::default() },
            }
        }
        fn parser_dialect(&self) -> Box<dyn sqlparser::dialect::Dialect> {
            match self.0 {
                "postgres" => Box::new(sqlparser::dialect::PostgreSqlDialect {}),
                "mysql" => Box::new(sqlparser::dialect::MySqlDialect {}),
                _ => Box::new(sqlparser::dialect::SQLiteDialect {}),
            }
        }
        fn now_expr(&self) -> &'static str {
            "now()"
        }
        fn log_id_column(&self) -> &'static str {
            "id INTEGER"
        }
    }

    fn lint(up: &str, down: &str, transactional: bool, engine: &'static str) -> Vec<Diagnostic> {
        let text = format!(
            "-- revision: abc\n-- message: m\n{}\n-- +upgrade\n{up}\n-- +downgrade\n{down}\n",
            if transactional { "" } else { "-- transactional: false\n" }
        );
        lint_revision(&RevisionFile::parse(Path::new("x.sql"), &text).unwrap(), &Like(engine))
    }

    /// Issue #9 item 21: a rebuild is one finding about the table, and a NOT NULL column the
    /// copy does not fill is the same error as `ADD COLUMN ... NOT NULL` without a default.
    #[test]
    fn a_rebuild_is_judged_as_one_change() {
        let rebuild = |extra: &str| {
            format!(
                "CREATE TABLE \"_retort_new_users\" (id INTEGER PRIMARY KEY, name TEXT{extra});\nINSERT INTO \"_retort_new_users\" (\"id\", \"name\") SELECT \"id\", \"name\" FROM \"users\";\nDROP TABLE \"users\";\nALTER TABLE \"_retort_new_users\" RENAME TO \"users\";\nPRAGMA foreign_key_check(\"users\");"
            )
        };
        let d = lint(&rebuild(""), "SELECT 1;", true, "sqlite");
        let rules: Vec<&str> = d.iter().map(|x| x.rule).filter(|r| *r != "unparsed").collect();
        assert_eq!(rules, vec!["table-rebuild"], "{d:?}");
        let hits = lint_errors(&rebuild(", full_name TEXT NOT NULL"), "sqlite", "add-not-null-without-default");
        assert!(hits[0].message.contains("users.full_name"), "{hits:?}");
        lint_ok(&rebuild(", full_name TEXT NOT NULL DEFAULT ''"), "sqlite", "add-not-null-without-default");
        // A plain DROP and RENAME are still what they are.
        lint_errors("DROP TABLE users;", "sqlite", "drop-table");
        lint_errors("ALTER TABLE a RENAME TO b;", "sqlite", "rename");
    }

    #[test]
    fn rule_ids_are_unique() {
        for (i, a) in RULES.iter().enumerate() {
            assert!(!RULES[i + 1..].iter().any(|b| b.id == a.id), "duplicate rule {}", a.id);
        }
    }

    #[test]
    fn each_rule_fires_on_a_bad_example_and_not_on_a_good_one() {
        lint_errors("DROP TABLE users;", "sqlite", "drop-table");
        lint_ok("DROP VIEW v;", "sqlite", "drop-table");
        lint_errors("ALTER TABLE users DROP COLUMN email;", "postgres", "drop-column");
        lint_ok("ALTER TABLE users ADD COLUMN email TEXT;", "postgres", "drop-column");
        lint_errors("ALTER TABLE users RENAME COLUMN a TO b;", "sqlite", "rename");
        lint_errors("ALTER TABLE users RENAME TO people;", "sqlite", "rename");
        lint_ok("ALTER TABLE users ADD COLUMN b TEXT;", "sqlite", "rename");
        lint_errors("ALTER TABLE users ALTER COLUMN name TYPE varchar(10);", "postgres", "type-change");
        lint_errors("ALTER TABLE users MODIFY COLUMN name varchar(10) NOT NULL;", "mysql", "type-change");
        lint_ok("ALTER TABLE users ALTER COLUMN name SET DEFAULT 'x';", "postgres", "type-change");
        lint_errors("ALTER TABLE users ADD COLUMN code TEXT NOT NULL;", "postgres", "add-not-null-without-default");
        lint_ok("ALTER TABLE users ADD COLUMN code TEXT NOT NULL DEFAULT '';", "postgres", "add-not-null-without-default");
        lint_ok("CREATE TABLE t (id INT);\nALTER TABLE t ADD COLUMN code TEXT NOT NULL;", "postgres", "add-not-null-without-default");
        lint_errors("ALTER TABLE users ALTER COLUMN name SET NOT NULL;", "postgres", "set-not-null");
        lint_ok("ALTER TABLE users ALTER COLUMN name DROP NOT NULL;", "postgres", "set-not-null");
        lint_errors("CREATE INDEX ix ON users (name);", "postgres", "index-without-concurrently");
        lint_ok("CREATE TABLE users (id INT);\nCREATE INDEX ix ON users (id);", "postgres", "index-without-concurrently");
        lint_ok("CREATE INDEX ix ON users (name);", "sqlite", "index-without-concurrently");
        lint_errors("ALTER TABLE users ADD COLUMN seen TIMESTAMP DEFAULT now();", "postgres", "volatile-default");
        lint_ok("ALTER TABLE users ADD COLUMN seen INT DEFAULT 0;", "postgres", "volatile-default");
        lint_errors("CREATE INDEX CONCURRENTLY ix ON users (name);", "postgres", "non-transactional-statement");
        assert!(!lint("CREATE INDEX CONCURRENTLY ix ON users (name);", "SELECT 1;", false, "postgres").iter().any(|d| d.rule == "non-transactional-statement"));
        assert!(lint("CREATE TABLE a (id INT);", "", true, "sqlite").iter().any(|d| d.rule == "missing-downgrade"));
        assert!(!lint("CREATE TABLE a (id INT);", "DROP TABLE a;", true, "sqlite").iter().any(|d| d.rule == "missing-downgrade"));
    }

    #[test]
    fn lint_ignore_silences_one_occurrence() {
        let d = lint("-- lint:ignore drop-table\nDROP TABLE a;\nDROP TABLE b;", "SELECT 1;", true, "sqlite");
        let hits: Vec<_> = d.iter().filter(|x| x.rule == "drop-table").collect();
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains('b'));
    }
}
