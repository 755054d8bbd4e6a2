//! What `dynward status` shows: the values (also its JSON form) and their text (pure).

use serde::{Deserialize, Serialize};

use crate::duration::format_time;
use crate::record::HostRecord;

/// The next planned action of a policy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NextAction {
    /// What.
    pub what: String,
    /// When (Unix seconds).
    pub at: u64,
    /// When, in words.
    pub at_text: String,
}

/// One host in `status`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HostStatus {
    /// Host name.
    pub host: String,
    /// Last code.
    pub last_code: Option<String>,
    /// Its explanation.
    pub last_message: Option<String>,
    /// When.
    pub last_at: Option<String>,
    /// Addresses the provider holds, as far as dynward knows.
    pub accepted: Vec<String>,
    /// Last accepted update.
    pub last_success: Option<String>,
    /// Why stopped, if stopped.
    pub stopped: Option<String>,
    /// Held by the provider until, if held.
    pub held_until: Option<String>,
}

/// One policy in `status`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PolicyStatus {
    /// Policy name.
    pub name: String,
    /// State name.
    pub state: String,
    /// Why it is in that state.
    pub reason: String,
    /// Address source.
    pub source: String,
    /// Addresses being published.
    pub addresses: Option<String>,
    /// Next planned action.
    pub next: Option<NextAction>,
    /// Per host.
    pub hosts: Vec<HostStatus>,
}

impl HostStatus {
    /// A host's line from its record (`None`: nothing on record yet).
    pub fn of(host: &str, hs: Option<&HostRecord>, now: u64) -> HostStatus {
        let last = hs.and_then(|x| x.last.as_ref());
        HostStatus {
            host: host.to_string(),
            last_code: last.map(|l| l.code.clone()),
            last_message: last.map(|l| l.message.clone()),
            last_at: last.map(|l| format_time(l.at)),
            accepted: [
                hs.and_then(|x| x.v4).map(|a| a.addr.to_string()),
                hs.and_then(|x| x.v6).map(|a| a.addr.to_string()),
            ]
            .into_iter()
            .flatten()
            .collect(),
            last_success: hs
                .and_then(|x| {
                    [x.v4.map(|a| a.at), x.v6.map(|a| a.at)]
                        .into_iter()
                        .flatten()
                        .max()
                })
                .map(format_time),
            stopped: hs
                .and_then(|x| x.stop.as_ref())
                .map(|s| format!("{}: {}", s.code, s.reason)),
            held_until: hs
                .and_then(|x| x.hold_until)
                .filter(|t| *t > now)
                .map(format_time),
        }
    }
}

/// Formats `status` for people.
pub fn format(all: &[PolicyStatus], running: bool) -> String {
    let mut out = String::new();
    if !running {
        out.push_str("dynward is not running; showing what the state file records\n");
    }
    for p in all {
        out.push_str(&format!("{}: {}", p.name, p.state));
        if !p.reason.is_empty() {
            out.push_str(&format!(" ({})", p.reason));
        }
        out.push('\n');
        out.push_str(&format!("  source: {}", p.source));
        if let Some(a) = &p.addresses {
            out.push_str(&format!(", address {a}"));
        }
        out.push('\n');
        if let Some(n) = &p.next {
            out.push_str(&format!("  next: {} at {}\n", n.what, n.at_text));
        }
        for h in &p.hosts {
            out.push_str(&format!("  {}: ", h.host));
            match (&h.last_code, &h.last_message, &h.last_at) {
                (Some(c), Some(m), Some(at)) => out.push_str(&format!("{c} at {at}: {m}")),
                _ => out.push_str("no update yet"),
            }
            if !h.accepted.is_empty() {
                out.push_str(&format!("; provider holds {}", h.accepted.join(",")));
            }
            if let Some(s) = &h.last_success {
                out.push_str(&format!(" (since {s})"));
            }
            if let Some(s) = &h.stopped {
                out.push_str(&format!("; STOPPED {s}"));
            }
            if let Some(s) = &h.held_until {
                out.push_str(&format!("; held until {s}"));
            }
            out.push('\n');
        }
    }
    out
}
