//! `status` and `reset` when no daemon runs: they read (and for `reset`, edit) the state file.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::unix_now;
use crate::config::Config;
use crate::policy::{Machine, Now, Readings};
use crate::status::PolicyStatus;
use crate::store;

/// The configured policies with what the state file records for them.
pub fn status(cfg: &Config, state_dir: &Path) -> Result<Vec<PolicyStatus>, String> {
    let state = store::load(state_dir, unix_now()).map_err(|e| e.to_string())?;
    // Read only: a missing key is made up for the look, not written.
    let key = store::fingerprint_key(state_dir, false).map_err(|e| e.to_string())?;
    let now = Now {
        mono: Duration::ZERO,
        wall: unix_now(),
    };
    Ok(cfg
        .policies
        .iter()
        .map(|p| {
            let record = state.policies.get(&p.name).cloned().unwrap_or_default();
            let m = Machine::new(Arc::new(p.clone()), record, &key, now, Readings::Single);
            let mut s = m.status(now);
            s.state = "not running".into();
            s.reason = String::new();
            s.next = None;
            s
        })
        .collect())
}

/// Clears the stops and holds of a policy (or one host) in the state file.
pub fn reset(state_dir: &Path, policy: &str, host: Option<&str>) -> Result<String, String> {
    let mut state = store::load(state_dir, unix_now()).map_err(|e| e.to_string())?;
    let found = state
        .policies
        .get_mut(policy)
        .is_some_and(|p| p.reset(host));
    if !found {
        return Err(match host {
            Some(h) => format!("nothing on record for host {h} of policy {policy}"),
            None => format!("nothing on record for policy {policy}"),
        });
    }
    store::save(state_dir, &state).map_err(|e| e.to_string())?;
    Ok(match host {
        Some(h) => format!("policy {policy}, host {h}: stops and holds cleared"),
        None => format!("policy {policy}: stops and holds cleared"),
    })
}
