//! Rename candidates: a dropped and an added column (or table) of the same shape.
//! Renames are never applied silently; the CLI asks on a terminal or takes `--rename`.
use super::change::Change;
use super::compare::Renames;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenameCandidate {
    Table { from: String, to: String },
    Column { table: String, from: String, to: String },
}

impl RenameCandidate {
    /// The `--rename` argument that accepts this candidate.
    pub fn flag(&self) -> String {
        match self {
            RenameCandidate::Table { from, to } => format!("{from}={to}"),
            RenameCandidate::Column { table, from, to } => format!("{table}.{from}={to}"),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            RenameCandidate::Table { from, to } => format!("table {from} -> {to}"),
            RenameCandidate::Column { table, from, to } => {
                format!("column {table}.{from} -> {table}.{to}")
            }
        }
    }

    pub fn accept(&self, renames: &mut Renames) {
        match self {
            RenameCandidate::Table { from, to } => {
                renames.tables.insert(from.clone(), to.clone());
            }
            RenameCandidate::Column { table, from, to } => {
                renames.columns.insert((table.clone(), from.clone()), to.clone());
            }
        }
    }
}

/// Finds drop+add pairs of the same shape among `changes`.
pub fn candidates(changes: &[Change]) -> Vec<RenameCandidate> {
    let mut out = Vec::new();
    for c in changes {
        match c {
            Change::DropColumn { table, column: dropped } => {
                for a in changes {
                    if let Change::AddColumn { table: t2, column: added } = a {
                        if t2 == table
                            && added.ty == dropped.ty
                            && added.nullable == dropped.nullable
                            && added.generated == dropped.generated
                        {
                            out.push(RenameCandidate::Column {
                                table: table.clone(),
                                from: dropped.name.clone(),
                                to: added.name.clone(),
                            });
                        }
                    }
                }
            }
            Change::DropTable { table: dropped } => {
                let shape = |t: &crate::schema::Table| {
                    t.columns.iter().map(|c| (c.name.clone(), c.ty.clone())).collect::<Vec<_>>()
                };
                for a in changes {
                    if let Change::CreateTable { table: created } = a {
                        if shape(created) == shape(dropped) {
                            out.push(RenameCandidate::Table {
                                from: dropped.name.clone(),
                                to: created.name.clone(),
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Parses `--rename old=new` (table) or `--rename table.old=new` (column).
pub fn parse_rename(arg: &str, renames: &mut Renames) -> Result<(), String> {
    let (left, new) =
        arg.split_once('=').ok_or_else(|| format!("`{arg}` is not old=new or table.old=new"))?;
    let new = new.trim();
    if new.is_empty() || left.trim().is_empty() {
        return Err(format!("`{arg}` is not old=new or table.old=new"));
    }
    match left.split_once('.') {
        Some((table, old)) => {
            let new = new.rsplit('.').next().unwrap_or(new);
            renames
                .columns
                .insert((table.trim().to_string(), old.trim().to_string()), new.to_string());
        }
        None => {
            renames.tables.insert(left.trim().to_string(), new.to_string());
        }
    }
    Ok(())
}
