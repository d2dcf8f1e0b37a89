//! `retort stamp TARGET [--purge] [--sql]`: move the version table without running SQL.
use crate::args::StampArgs;
use crate::output::Printer;
use crate::settings::Settings;
use retort::{Error, Migrator, Target};

pub fn run(args: &StampArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let graph = ws.graph()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    let target = Target::parse(&args.target)?;
    if args.sql {
        let dialect = ws.dialect()?;
        let (ops, heads) = migrator.stamp_ops(&[], &target, args.purge)?;
        let mut out = String::new();
        for ddl in dialect.create_version_tables(&ws.project.tables()) {
            out.push_str(&format!("{ddl};\n"));
        }
        out.push_str(&format!("{};\n", dialect.begin()));
        for sql in migrator.stamp_sql(dialect.as_ref(), &ops, &heads, None, "retort --sql") {
            out.push_str(&format!("{sql};\n"));
        }
        out.push_str(&format!("{};\n", dialect.commit()));
        printer.raw(&out);
        return Ok(0);
    }
    let mut conn = ws.connect()?;
    printer.note(format!("retort: stamping {}", ws.describe_target()));
    let report = migrator.stamp(conn.as_mut(), &target, args.purge, &ws.run_options())?;
    let show = |v: &[String]| if v.is_empty() { "base".to_string() } else { v.join(", ") };
    printer.note(format!("Stamped: {} -> {}", show(&report.heads_before), show(&report.heads_after)));
    Ok(0)
}
