//! `status` and `reset` when no daemon runs: they read (and for `reset`, edit) the state file.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::unix_now;
use crate::config::{Config, Policy};
use crate::policy::{Machine, Now, Readings, State};
use crate::record::{Lift, lift_verdicts};
use crate::status::PolicyStatus;
use crate::store;

/// The configured policies with what the state file records for them.
pub fn status(cfg: &Config, state_dir: &Path) -> Result<Vec<PolicyStatus>, String> {
    // As the daemon would see them when it starts (the file itself is left as it is).
    let opened = store::open(state_dir, unix_now(), false).map_err(|e| e.to_string())?;
    if let Some(e) = opened.corrupt {
        return Err(e.to_string());
    }
    let state = opened.state;
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
            let binding = crate::plan::binding(&state.verdicts, p);
            let m = Machine::new(
                Arc::new(p.clone()),
                record,
                binding,
                &key,
                now,
                Readings::Single,
            );
            let mut s = m.status(now);
            // Nothing is watched and nothing planned; what the record holds stays: a stop
            // says why here too, holds and the network back-off are in their fields.
            s.reason = match m.state() {
                State::Invalid { reason } => format!("stopped: {reason}"),
                _ => String::new(),
            };
            s.state = "not running".into();
            s.next = None;
            s
        })
        .collect())
}

/// Clears the stops and holds of a policy (or one host) in the state file; a reset of the
/// whole policy also lifts the verdicts that bind it (for every policy they bind).
pub fn reset(state_dir: &Path, policy: &Policy, host: Option<&str>) -> Result<String, String> {
    let name = &policy.name;
    let mut state = store::load(state_dir, unix_now()).map_err(|e| e.to_string())?;
    let found = state.policies.get_mut(name).is_some_and(|p| p.reset(host));
    let lifted = host.is_none()
        && lift_verdicts(
            &mut state.verdicts,
            &policy.server_key(),
            &policy.username,
            Lift::All,
        );
    if !found && !lifted {
        return Err(match host {
            Some(h) => format!("nothing on record for host {h} of policy {name}"),
            None => format!("nothing on record for policy {name}"),
        });
    }
    store::save(state_dir, &state).map_err(|e| e.to_string())?;
    Ok(match host {
        Some(h) => format!("policy {name}, host {h}: stops and holds cleared"),
        None => format!("policy {name}: stops and holds cleared"),
    })
}
