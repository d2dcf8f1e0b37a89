//! Is a transaction pooler (PgBouncer with `pool_mode = transaction`, and its kin) between
//! retort and the server? There, each transaction may run in another server session, so a
//! session advisory lock means nothing — worse, it stays behind in the pool, held by a
//! server connection that other clients then borrow. No protocol message says "pooler",
//! so two signs are read, either enough:
//! - the server session changes between transactions of one connection
//!   (`pg_backend_pid()` differs), as soon as the pool hands out another one;
//! - the server listens on another port than the URL names (`inet_server_port()`):
//!   PgBouncer's own port (6432) in front of the server's. A port mapping (a container's
//!   `-p 15432:5432`) looks the same; the lease then used is safe there too, and
//!   `?lock=advisory` insists on the session lock.
//!
//! Whatever slips past both (a pooler on the server's port that keeps handing back the
//! same session) is caught by [`crate::PgConnection`]'s `confirm_lock` in every revision's
//! transaction, and the version table lock keeps two runs from applying one revision.
use crate::PgConnection;
use postgres::Config;
use retort_core::engine::Connection;
use retort_core::error::DbError;

/// How many separate transactions are compared.
const PROBES: usize = 4;

/// `Some(what was seen)` when a transaction pooler seems to be in between.
pub(crate) fn detect(conn: &mut PgConnection, config: &Config) -> Result<Option<String>, DbError> {
    let first = conn.query("SELECT pg_backend_pid()::text, inet_server_port()::text")?;
    let cell = |rows: &Vec<Vec<Option<String>>>, i: usize| {
        rows.first().and_then(|r| r.get(i).cloned().flatten())
    };
    let pid = cell(&first, 0).unwrap_or_default();
    if let (Some(server_port), Some(url_port)) = (cell(&first, 1), config.get_ports().first()) {
        // Unix sockets report no port; a TCP server's port differs only through something in between.
        if server_port != url_port.to_string()
            && matches!(config.get_hosts().first(), Some(postgres::config::Host::Tcp(_)))
        {
            return Ok(Some(format!(
                "the server reports port {server_port} while the URL names port {url_port}"
            )));
        }
    }
    for _ in 1..PROBES {
        let again = conn.query("SELECT pg_backend_pid()::text")?;
        let other = cell(&again, 0).unwrap_or_default();
        if other != pid {
            return Ok(Some(format!("two transactions of one connection ran in different server sessions ({pid}, {other})")));
        }
    }
    Ok(None)
}
