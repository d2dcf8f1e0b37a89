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
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    if args.fleet.used() && !args.sql {
        return super::fleet::run(
            retort::core::ops::fleet::FleetOp::Upgrade { target: args.target.clone() },
            &args.fleet,
            settings,
            printer,
        );
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
