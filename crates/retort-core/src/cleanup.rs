//! Clean-up actions that must run even when the user presses Ctrl-C: scratch databases
//! on a server are registered here while they exist and dropped by [`run_all`], which
//! the CLI's interrupt handler calls before exiting.
use std::sync::Mutex;

type Action = Box<dyn FnOnce() + Send>;

static ACTIONS: Mutex<Vec<(u64, Action)>> = Mutex::new(Vec::new());
static NEXT: Mutex<u64> = Mutex::new(0);

/// Registers an action; keep the id to [`unregister`] it once done normally.
pub fn register(action: Action) -> u64 {
    let mut next = NEXT.lock().unwrap_or_else(|e| e.into_inner());
    *next += 1;
    let id = *next;
    ACTIONS.lock().unwrap_or_else(|e| e.into_inner()).push((id, action));
    id
}

pub fn unregister(id: u64) {
    ACTIONS.lock().unwrap_or_else(|e| e.into_inner()).retain(|(i, _)| *i != id);
}

/// Runs action `id` now, if it has not run yet (something dropped before the end).
pub fn run_one(id: u64) {
    let action = {
        let mut actions = ACTIONS.lock().unwrap_or_else(|e| e.into_inner());
        actions.iter().position(|(i, _)| *i == id).map(|at| actions.remove(at).1)
    };
    if let Some(action) = action {
        action();
    }
}

/// Runs and forgets every registered action.
pub fn run_all() {
    let actions: Vec<(u64, Action)> =
        std::mem::take(&mut *ACTIONS.lock().unwrap_or_else(|e| e.into_inner()));
    for (_, a) in actions {
        a();
    }
}

/// Scratch databases on a server are named `retort_scratch_<pid>_<host>_<id>`: the
/// process that made it, a short tag of the machine it runs on, a random id. A database
/// whose process is gone — killed by `kill -9`, or by a power cut, before its clean-up
/// ran — can then be told from one in use, on the same machine; one of another machine
/// (or of an older retort, without the tag) is never judged.
pub fn scratch_name() -> String {
    format!(
        "{}{}_{}",
        scratch_prefix(std::process::id()),
        host_tag(),
        crate::RevisionId::generate()
    )
}

/// `retort_scratch_<pid>_`: what tests and clean-up look for.
pub fn scratch_prefix(pid: u32) -> String {
    format!("retort_scratch_{pid}_")
}

/// The scratch database a project keeps between runs for its models
/// (`retort_scratch_keep_<host>_<project>`): one per project directory and machine, so
/// two checkouts never share one, and never judged orphaned (it has no process). The
/// project's `retort cache clear` drops it.
pub fn kept_scratch_name(project_dir: &std::path::Path) -> String {
    use sha2::Digest;
    let dir = std::fs::canonicalize(project_dir).unwrap_or_else(|_| project_dir.to_path_buf());
    let digest = sha2::Sha256::digest(dir.to_string_lossy().as_bytes());
    let hash: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("retort_scratch_keep_{}_{hash}", host_tag())
}

/// Eight hex digits of the machine's name (`/etc/hostname`, else `HOSTNAME`).
pub fn host_tag() -> String {
    use sha2::Digest;
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let digest = sha2::Sha256::digest(host.trim().as_bytes());
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// Of the scratch database names given, those made on this machine by a process that no
/// longer runs (Linux: no `/proc/<pid>`; elsewhere nothing is judged orphaned).
pub fn orphaned_scratch(names: &[String]) -> Vec<String> {
    if !std::path::Path::new("/proc/self").exists() {
        return Vec::new();
    }
    let tag = host_tag();
    names
        .iter()
        .filter(|n| {
            let mut parts = n.strip_prefix("retort_scratch_").unwrap_or("").splitn(3, '_');
            let (pid, host) = (parts.next().and_then(|p| p.parse::<u32>().ok()), parts.next());
            match (pid, host) {
                (Some(pid), Some(h)) if h == tag => {
                    pid != std::process::id()
                        && !std::path::Path::new(&format!("/proc/{pid}")).exists()
                }
                _ => false,
            }
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machines_scratch_of_dead_processes_is_orphaned() {
        let tag = host_tag();
        let mine = scratch_name();
        let dead = {
            let mut c = std::process::Command::new("true").spawn().unwrap();
            let pid = c.id();
            c.wait().unwrap();
            pid
        };
        let orphan = format!("retort_scratch_{dead}_{tag}_0123456789ab");
        let other_host = format!("retort_scratch_{dead}_ffffffff_0123456789ab");
        let old_style = format!("retort_scratch_{dead}_0123456789ab");
        let kept = kept_scratch_name(std::path::Path::new("/tmp"));
        let names = vec![mine.clone(), orphan.clone(), other_host, old_style, kept];
        assert_eq!(orphaned_scratch(&names), vec![orphan]);
        assert!(mine.starts_with(&scratch_prefix(std::process::id())));
    }
}
