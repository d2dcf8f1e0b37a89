//! Review notes for generated files: data loss, narrowing type changes, possible
//! renames. Written as comments at the top of the revision so the reviewer sees them.
use super::change::Change;
use super::rename::RenameCandidate;

/// `VARCHAR(255)` → (`VARCHAR`, [255]).
fn type_parts(ty: &str) -> (String, Vec<i64>) {
    match ty.split_once('(') {
        Some((base, rest)) => (
            base.trim().to_ascii_uppercase(),
            rest.trim_end_matches(')').split(',').filter_map(|p| p.trim().parse().ok()).collect(),
        ),
        None => (ty.trim().to_ascii_uppercase(), Vec::new()),
    }
}

/// Whether a type change can lose data (shorter length, less precision, other type).
pub fn is_narrowing(from: &str, to: &str) -> bool {
    let (fb, fp) = type_parts(from);
    let (tb, tp) = type_parts(to);
    if fb != tb {
        return !widening_family(&fb, &tb);
    }
    if tp.is_empty() {
        return false;
    }
    if fp.is_empty() {
        return true;
    }
    fp.iter().zip(tp.iter()).any(|(f, t)| t < f)
}

fn widening_family(from: &str, to: &str) -> bool {
    const INTS: &[&str] = &["SMALLINT", "INT", "INTEGER", "BIGINT"];
    let rank = |t: &str| INTS.iter().position(|i| *i == t);
    match (rank(from), rank(to)) {
        (Some(a), Some(b)) => b >= a,
        _ => matches!((from, to), ("VARCHAR", "TEXT") | ("CHAR", "VARCHAR") | ("CHAR", "TEXT")),
    }
}

pub fn review_notes(changes: &[Change], candidates: &[RenameCandidate]) -> Vec<String> {
    let mut notes = Vec::new();
    for c in changes {
        match c {
            Change::DropTable { table } => notes.push(format!("DATA LOSS: drops table {} and all its rows", table.name)),
            Change::DropColumn { table, column } => {
                notes.push(format!("DATA LOSS: drops column {table}.{} and its values", column.name))
            }
            Change::AlterColumn { table, from, to } => {
                if from.ty != to.ty && is_narrowing(&from.ty, &to.ty) {
                    notes.push(format!("POSSIBLE DATA LOSS: {table}.{} changes type {} -> {}; values that do not fit are truncated or rejected", to.name, from.ty, to.ty));
                }
                if from.nullable && !to.nullable {
                    notes.push(match &to.default {
                        Some(d) => format!("{table}.{} becomes NOT NULL: rows holding NULL fail the upgrade unless the table is rebuilt, which fills them with the default {d}; backfill first to be sure", to.name),
                        None => format!("{table}.{} becomes NOT NULL: the upgrade fails if a row holds NULL there; backfill first", to.name),
                    });
                }
            }
            Change::AddColumn { table, column } if !column.nullable && column.default.is_none() && column.generated.is_none() && column.identity.is_none() && !column.auto_increment => {
                notes.push(format!(
                    "FAILS ON EXISTING ROWS: adds {table}.{} NOT NULL without a default; the upgrade fails if {table} has rows (give it a default, or add it nullable, backfill, then make it NOT NULL)",
                    column.name
                ))
            }
            Change::RenameTable { from, to } => notes.push(format!("RENAME: table {from} -> {to} (confirmed)")),
            Change::RenameColumn { table, from, to } => notes.push(format!("RENAME: column {table}.{from} -> {to} (confirmed)")),
            _ => {}
        }
    }
    for cand in candidates {
        notes.push(format!(
            "POSSIBLE RENAME: {} is generated as drop + add, which loses the data; if it is a rename, run again with --rename {}",
            cand.describe(),
            cand.flag()
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing() {
        assert!(is_narrowing("VARCHAR(255)", "VARCHAR(100)"));
        assert!(!is_narrowing("VARCHAR(100)", "VARCHAR(255)"));
        assert!(is_narrowing("NUMERIC(10,2)", "NUMERIC(10,1)"));
        assert!(!is_narrowing("INT", "BIGINT"));
        assert!(is_narrowing("BIGINT", "INT"));
        assert!(is_narrowing("TEXT", "INTEGER"));
        assert!(!is_narrowing("VARCHAR(10)", "TEXT"));
        assert!(is_narrowing("TEXT", "VARCHAR(10)"));
    }
}
