//! What `dynward status` shows: the values (also its JSON form, one schema for every field)
//! and their text (pure: times are Unix seconds, formatted here in the reader's zone).

use serde::Serialize;

use crate::duration::{Zone, rfc3339};
use crate::protocol::code::Who;
use crate::record::{HostRecord, Stop, Verdict};

/// The JSON schema's version, in `status --json`'s `"schema"`.
pub const SCHEMA: u32 = 1;

/// A moment (Unix seconds). In JSON it is written with its RFC 3339 UTC text beside it:
/// `{"unix": 1764620089, "utc": "2026-12-01T20:14:49Z"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub u64);

/// [`Time`] on the wire.
#[derive(Serialize)]
struct TimeWire {
    unix: u64,
    utc: String,
}

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        TimeWire {
            unix: self.0,
            utc: rfc3339(self.0),
        }
        .serialize(s)
    }
}

impl From<u64> for Time {
    fn from(unix: u64) -> Self {
        Time(unix)
    }
}

/// A stop until the user acts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StopStatus {
    /// The code that stopped it.
    pub code: String,
    /// What it means.
    pub reason: String,
    /// Since when.
    pub since: Time,
    /// What to do, with the commands for this policy.
    pub action: String,
    /// Whom it binds: `policy`, `host`, or the account or every policy at a server.
    pub scope: String,
    /// The policy whose request got it, when it came to another one.
    pub by: Option<String>,
}

/// A hold on a host: the provider asked to wait, or dynward waits after its error.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HoldStatus {
    /// The code that asked for it.
    pub code: String,
    /// Who holds, in words: "the provider asked to wait (w300s)", "dynward waits after the
    /// provider's error (911)".
    pub what: String,
    /// The first second a request may go out again.
    pub until: Time,
    /// Whom it binds, when more than this host: every policy at a server.
    pub scope: Option<String>,
    /// The policy whose request got it, when it binds more than this host.
    pub by: Option<String>,
}

/// The wait after network failures (no answer at all): dynward's own back-off.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RetryStatus {
    /// Failures in a row.
    pub failures: u32,
    /// The last one, in words.
    pub reason: String,
    /// The first second the next attempt may go out.
    pub until: Time,
}

/// The last answer for a host.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LastStatus {
    /// Its code (`error:timeout` and the like for failures before any reply).
    pub code: String,
    /// What it means.
    pub message: String,
    /// When.
    pub at: Time,
}

/// An address the provider has, as far as dynward knows.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AcceptedStatus {
    /// The address.
    pub address: String,
    /// When the provider accepted it.
    pub since: Time,
}

/// One host in `status`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HostStatus {
    /// Host name.
    pub host: String,
    /// The last answer.
    pub last: Option<LastStatus>,
    /// The addresses the provider has.
    pub accepted: Vec<AcceptedStatus>,
    /// Stopped until the user acts.
    pub stop: Option<StopStatus>,
    /// Held by the provider.
    pub hold: Option<HoldStatus>,
    /// What the zone's authoritative servers were last found to serve.
    pub published: Option<PublishedStatus>,
}

/// What a check at the zone's servers found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PublishedStatus {
    /// Served by every server that answered (`true`), not by some (`false`), or not known
    /// (`null`: none answered).
    pub served: Option<bool>,
    /// In words: "served by ns1.example.org, ns2.example.org after 1.2 s".
    pub words: String,
    /// When it was found.
    pub at: Time,
}

/// The next planned action of a policy.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NextAction {
    /// What happens then.
    pub what: String,
    /// When.
    pub at: Time,
}

/// One policy in `status`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PolicyStatus {
    /// Policy name.
    pub name: String,
    /// State name (`waiting`, `resolving`, `updating`, `sleeping`, `invalid`), or `not
    /// running` when read from the state file without a daemon.
    pub state: String,
    /// Why it is in that state, in words.
    pub reason: String,
    /// A stop of the whole policy (account or client), until the user acts.
    pub stop: Option<StopStatus>,
    /// A hold on every policy at the server.
    pub hold: Option<HoldStatus>,
    /// The back-off after network failures, while it lasts.
    pub retry: Option<RetryStatus>,
    /// Address source.
    pub source: String,
    /// Addresses being published.
    pub addresses: Vec<String>,
    /// How the IPv6 address of a host behind the router was composed (`ipv6_prefix_from`),
    /// or why there is none; known to a running daemon only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derived: Option<String>,
    /// A family the policy publishes but has no address for, why, and what the provider
    /// does about it.
    pub left_out: Option<String>,
    /// Next planned action.
    pub next: Option<NextAction>,
    /// Per host.
    pub hosts: Vec<HostStatus>,
}

impl PolicyStatus {
    /// Whether the user must act: the policy or one of its hosts is stopped.
    pub fn needs_attention(&self) -> bool {
        self.stop.is_some() || self.hosts.iter().any(|h| h.stop.is_some())
    }
}

/// The stop's view, with what to do.
pub fn stop_status(s: &Stop, who: Who<'_>, host: Option<&str>) -> StopStatus {
    StopStatus {
        code: s.code.to_string(),
        reason: s.reason.clone(),
        since: s.since.into(),
        action: crate::plan::stop_action(s, who, host),
        scope: if host.is_some() { "host" } else { "policy" }.into(),
        by: None,
    }
}

/// A verdict's view: a stop until the user acts, or a hold on every policy at the server.
pub fn verdict_stop(v: &Verdict, who: Who<'_>) -> StopStatus {
    StopStatus {
        code: v.code.to_string(),
        reason: v.reason.clone(),
        since: v.since.into(),
        action: crate::plan::verdict_action(v, who),
        scope: v.scope(),
        by: Some(v.by.clone()),
    }
}

/// The view of a hold verdict (in force).
pub fn verdict_hold(v: &Verdict) -> Option<HoldStatus> {
    Some(HoldStatus {
        code: v.code.to_string(),
        what: crate::plan::hold_words(&v.code),
        until: crate::record::wait_end(v.until?).into(),
        scope: Some(v.scope()),
        by: Some(v.by.clone()),
    })
}

impl HostStatus {
    /// A host's view of its record (`None`: nothing on record yet).
    pub fn of(who: Who<'_>, host: &str, hs: Option<&HostRecord>, now: u64) -> HostStatus {
        let accepted = hs
            .map(|x| {
                let v4 = x.v4.map(|a| (a.addr.to_string(), a.at));
                let v6 = x.v6.map(|a| (a.addr.to_string(), a.at));
                [v4, v6]
                    .into_iter()
                    .flatten()
                    .map(|(address, at)| AcceptedStatus {
                        address,
                        since: at.into(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        HostStatus {
            host: host.to_string(),
            last: hs.and_then(|x| x.last.as_ref()).map(|l| LastStatus {
                code: l.code.to_string(),
                message: l.message.clone(),
                at: l.at.into(),
            }),
            accepted,
            stop: hs
                .and_then(|x| x.stop.as_ref())
                .map(|s| stop_status(s, who, Some(host))),
            published: hs
                .and_then(|x| x.published.as_ref())
                .map(|p| PublishedStatus {
                    served: p.served,
                    words: p.words.clone(),
                    at: p.at.into(),
                }),
            hold: hs.and_then(|x| {
                let (until, code) = x.hold()?;
                let until = crate::record::wait_end(until);
                (until > now).then(|| HoldStatus {
                    code: code.to_string(),
                    what: crate::plan::hold_words(&code),
                    until: until.into(),
                    scope: None,
                    by: None,
                })
            }),
        }
    }
}

/// `status`'s output: the text for people (times in `zone`), or the JSON document for
/// scripts. A running daemon renders it for the command line, which prints it as it comes.
pub fn render(all: &[PolicyStatus], running: bool, json: bool, zone: &Zone) -> String {
    if json {
        let doc = serde_json::json!({ "schema": SCHEMA, "running": running, "policies": all });
        format!("{doc}\n")
    } else {
        format(all, running, zone)
    }
}

/// Whether the user must act on any policy (`status` exits 1 then).
pub fn needs_attention(all: &[PolicyStatus]) -> bool {
    all.iter().any(PolicyStatus::needs_attention)
}

/// `status` for people, with times in `zone`.
pub fn format(all: &[PolicyStatus], running: bool, zone: &Zone) -> String {
    let mut out = String::new();
    if !running {
        out.push_str("dynward is not running; showing what the state file records\n");
    }
    for p in all {
        policy_lines(&mut out, p, running, zone);
        for h in &p.hosts {
            host_lines(&mut out, h, zone);
        }
    }
    out
}

/// A policy's lines: its state and why, what stops or holds it, its source and addresses.
fn policy_lines(out: &mut String, p: &PolicyStatus, running: bool, zone: &Zone) {
    let t = |f: &Time| zone.format(f.0);
    out.push_str(&format!("{}: {}", p.name, p.state));
    match (&p.next, p.state.as_str()) {
        (Some(n), "sleeping") => out.push_str(&format!(" {}, at {}", p.reason, t(&n.at))),
        (_, "sleeping") => out.push_str(&format!(" {}", p.reason)),
        _ if !p.reason.is_empty() => out.push_str(&format!(": {}", p.reason)),
        _ => {}
    }
    out.push('\n');
    if let Some(s) = &p.stop {
        let whose = match &s.by {
            Some(by) => format!(" (for {}; policy {by} got it)", s.scope),
            None => String::new(),
        };
        out.push_str(&format!(
            "  stopped by {} since {}{whose}; to send again: {}\n",
            s.code,
            t(&s.since),
            s.action
        ));
    }
    if let Some(h) = &p.hold {
        let whose = match (&h.scope, &h.by) {
            (Some(scope), Some(by)) => format!(" (for {scope}; policy {by} got it)"),
            _ => String::new(),
        };
        out.push_str(&format!("  {} until {}{whose}\n", h.what, t(&h.until)));
    }
    if let Some(r) = &p.retry {
        out.push_str(&format!(
            "  no request before {} after {} network failure{} in a row: {}\n",
            t(&r.until),
            r.failures,
            if r.failures == 1 { "" } else { "s" },
            r.reason
        ));
    }
    out.push_str(&format!("  source: {}", p.source));
    match p.addresses.as_slice() {
        [] if !running => out.push_str("; addresses not read without a daemon"),
        [] => out.push_str("; no address to publish"),
        a => out.push_str(&format!("; address {}", a.join(", "))),
    }
    out.push('\n');
    if let Some(x) = &p.derived {
        out.push_str(&format!("  host behind the router: {x}\n"));
    }
    if let Some(l) = &p.left_out {
        out.push_str(&format!("  {l}\n"));
    }
    if let Some(n) = &p.next
        && p.state != "sleeping"
    {
        out.push_str(&format!("  next: {} at {}\n", n.what, t(&n.at)));
    }
}

/// A host's lines: its last answer, what the provider has, its stop or hold.
fn host_lines(out: &mut String, h: &HostStatus, zone: &Zone) {
    let t = |f: &Time| zone.format(f.0);
    match &h.last {
        Some(l) => out.push_str(&format!(
            "  {}: {} at {}: {}\n",
            h.host,
            l.code,
            t(&l.at),
            without_code(&l.message, &l.code)
        )),
        None => out.push_str(&format!("  {}: no update yet\n", h.host)),
    }
    for a in &h.accepted {
        out.push_str(&format!(
            "    the provider has {} since {}\n",
            a.address,
            t(&a.since)
        ));
    }
    if let Some(s) = &h.stop {
        out.push_str(&format!(
            "    stopped by {} since {}: {}; to send again: {}\n",
            s.code,
            t(&s.since),
            without_code(&s.reason, &s.code),
            s.action
        ));
    }
    if let Some(hd) = &h.hold {
        out.push_str(&format!("    {} until {}\n", hd.what, t(&hd.until)));
    }
    if let Some(p) = &h.published {
        out.push_str(&format!("    {} (checked at {})\n", p.words, t(&p.at)));
    }
}

/// An explanation that ends by naming its code (`… (badauth)`), without it: the line names
/// the code already.
fn without_code<'a>(words: &'a str, code: &str) -> &'a str {
    words.strip_suffix(&format!(" ({code})")).unwrap_or(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host line names its code once (issue 21: "badauth at T: … (badauth)").
    #[test]
    fn a_host_line_names_its_code_once() {
        let h = HostStatus {
            host: "home.example.org".into(),
            last: Some(LastStatus {
                code: "badauth".into(),
                message: "the provider rejected the user name or password (badauth)".into(),
                at: Time::from(1_700_000_000),
            }),
            accepted: Vec::new(),
            stop: None,
            hold: None,
            published: None,
        };
        let mut out = String::new();
        host_lines(&mut out, &h, &Zone::utc());
        assert_eq!(out.matches("badauth").count(), 1, "{out}");
        assert!(
            out.contains(": the provider rejected the user name or password\n"),
            "{out}"
        );
        assert_eq!(
            without_code("addresses unchanged", "nochg"),
            "addresses unchanged"
        );
    }

    /// Times are written as Unix seconds with their UTC text beside them.
    #[test]
    fn times_are_written_as_unix_seconds_with_their_utc_text() {
        let v = serde_json::to_value(Time::from(1_700_000_000)).expect("json");
        assert_eq!(
            v,
            serde_json::json!({"unix": 1_700_000_000u64, "utc": "2023-11-14T22:13:20Z"})
        );
    }
}
