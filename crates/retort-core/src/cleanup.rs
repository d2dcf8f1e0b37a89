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

/// Runs and forgets every registered action.
pub fn run_all() {
    let actions: Vec<(u64, Action)> = std::mem::take(&mut *ACTIONS.lock().unwrap_or_else(|e| e.into_inner()));
    for (_, a) in actions {
        a();
    }
}
