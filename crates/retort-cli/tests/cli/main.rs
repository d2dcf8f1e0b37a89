//! retort driven as a user drives it: the built binary in a scratch project, on every
//! engine, the database's own catalog as the judge. One test binary (one link for all),
//! one module per feature.
mod common;

mod adopt;
mod autogenerate;
mod autogenerate_cache;
mod backups;
mod bench;
mod checksums;
mod dirty;
mod doctor;
mod drift;
mod environments;
mod faults;
mod flask;
mod fleets;
mod galera;
mod graph;
mod init;
mod leases;
mod lint;
mod locks;
mod offline;
mod online;
mod output;
mod rehearse;
mod roundtrip;
mod scratch;
mod stamp;
mod urls;
