//! `retort upgrade [TARGET]`: apply revisions (a fleet's targets with `--all`/`--target`).
use crate::output::Printer;
use crate::settings::Settings;
use retort::{Direction, Error};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(default_value = "head", allow_hyphen_values = true)]
    pub target: String,
    /// All revisions in one transaction (SQLite, PostgreSQL): all or nothing, and faster.
    #[arg(long)]
    pub single_transaction: bool,
    /// Print the SQL instead of running it (TARGET may be a range FROM:TO).
    #[arg(long)]
    pub sql: bool,
    #[command(flatten)]
    pub fleet: super::fleet::FleetArgs,
    /// Rehearse on a copy of the database first (`retort rehearse`), and upgrade only
    /// when the rehearsal passed (exit 18 otherwise, nothing upgraded).
    #[arg(long)]
    pub rehearse: bool,
    #[command(flatten)]
    pub rehearsal: super::rehearse::RehearsalArgs,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    if args.rehearse && (args.sql || args.fleet.used()) {
        return Err(Error::usage(
            "--rehearse runs on a copy of one database: not with --sql, --all or --target",
            Some("rehearse one target of a fleet with `DATABASE_URL=<its url> retort rehearse`, then `retort upgrade --all`".into()),
        ));
    }
    if args.fleet.used() && !args.sql {
        return super::fleet::run(
            retort::core::ops::fleet::FleetOp::Upgrade { target: args.target.clone() },
            &args.fleet,
            settings,
            printer,
        );
    }
    if args.rehearse {
        let ws = settings.workspace()?;
        // A protected environment's confirmation is checked before the rehearsal, not
        // after minutes of it.
        ws.guard_write("upgrade")?;
        printer.note(format!("retort: rehearsing on a copy of {} first", ws.describe_target()));
        let r = retort::core::ops::rehearse::gate(
            &ws,
            &args.rehearsal.options(&args.target),
            &mut super::rehearse::progress(printer),
        )?;
        printer.note(format!("retort: the rehearsal passed: {}", r.verdict.summary));
    } else if args.rehearsal.max_stall.is_some()
        || args.rehearsal.load
        || args.rehearsal.only_touched
        || args.rehearsal.from_backup.is_some()
    {
        return Err(Error::usage(
            "--max-stall, --load, --only-touched and --from-backup are options of the rehearsal",
            Some("add --rehearse (`retort upgrade --rehearse --max-stall 200ms`)".into()),
        ));
    }
    super::applying::run(
        Direction::Up,
        &args.target,
        args.sql,
        args.single_transaction,
        settings,
        printer,
    )
}
