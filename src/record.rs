//! The record of what each provider accepted, and every stop and hold (pure).
//!
//! This is what keeps dynward from re-sending an unchanged address after a restart (`nochg`
//! abuse) and from retrying after a fatal answer. It is plain data with the rules that edit it
//! as a whole: adopting a changed config, a user's reset, and moving recorded times when the
//! wall clock was stepped. [`crate::store`] only reads and writes it.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::protocol::ServerId;
use crate::protocol::code::{Code, Outcome};

/// The earliest wall-clock time (Unix seconds) taken as a set clock: 2026-01-01 UTC, before
/// this program existed. A router without a battery-backed clock boots in 1970 (or at its
/// firmware's date) and is stepped forward when NTP answers; times below this were read
/// from such a clock.
pub const CLOCK_FLOOR: u64 = 1_767_225_600;
/// Who a policy is, as [`PolicyRecord::adopt`] compares it.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    /// The keyed fingerprint of its config.
    pub fingerprint: &'a str,
    /// The unkeyed one version 0.1.0 recorded.
    pub legacy: &'a str,
    /// Server and user name.
    pub account: &'a str,
    /// The fingerprint key was made just now.
    pub key_fresh: bool,
}

/// What is remembered for one policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRecord {
    /// Fingerprint of the policy's config when the state was written (keyed: no password
    /// can be tested against it without the key file).
    #[serde(default)]
    pub fingerprint: String,
    /// The server and user name the accepted addresses belong to.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account: String,
    /// A stop of the whole account or client (badauth, badagent, ...), until the user acts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
    /// Per host. Boxed: a B-tree leaf has room for eleven entries, and most policies have one
    /// or two hosts, so unboxed entries would cost a thousand policies megabytes.
    #[serde(default)]
    pub hosts: BTreeMap<String, Box<HostRecord>>,
    /// Failures before any reply (resolve, connect, TLS, timeout) in a row.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub net_failures: u32,
    /// When the last of those failures happened (Unix seconds): the event `retry_at` counts
    /// from, which lets a clock correction move both together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<u64>,
    /// No attempt before this time (Unix seconds) after such failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<u64>,
    /// Why (the last network error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_reason: Option<String>,
    /// The zone ids an API provider gave (zone name → id): the next update looks none up.
    /// Dropped when the API calls one stale.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub zones: BTreeMap<String, String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// An address the provider accepted, and when (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted<A> {
    /// The address.
    pub addr: A,
    /// When it was accepted.
    pub at: u64,
}

/// Why a host, account or client is stopped (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stop {
    /// The code that stopped it.
    pub code: Code,
    /// The explanation shown to the user.
    pub reason: String,
    /// When.
    pub since: u64,
}

/// The outcome of the last attempt for a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastResult {
    /// When (Unix seconds).
    pub at: u64,
    /// The answer (`good`, `badauth`, …), or the failure before any (`error:timeout`, …).
    pub code: Outcome,
    /// What it means.
    pub message: String,
    /// The addresses sent.
    pub sent: String,
}

/// What is remembered for one host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostRecord {
    /// Last IPv4 address the provider accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v4: Option<Accepted<Ipv4Addr>>,
    /// Last IPv6 address the provider accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v6: Option<Accepted<Ipv6Addr>>,
    /// When a request for this host was last sent (for the minimum gap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sent_at: Option<u64>,
    /// The last attempt's outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<LastResult>,
    /// A stop of this host, until the user acts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
    /// No request before this time (Unix seconds), and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_until: Option<u64>,
    /// The code behind `hold_until`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::protocol::code::opt_by_name"
    )]
    pub hold_code: Option<Code>,
    /// Unexpected `nochg` answers within the window (the refresh interval) that ends
    /// after `nochg_at`.
    #[serde(default)]
    pub nochg_streak: u32,
    /// When the last unexpected `nochg` came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nochg_at: Option<u64>,
    /// Unparseable answers in a row.
    #[serde(default)]
    pub unknown_streak: u32,
    /// Provider-error holds in a row.
    #[serde(default)]
    pub outage_streak: u32,
    /// The first of the clock refusals (BADTIME) in a row, if the last answer was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badtime_since: Option<u64>,
    /// What the zone's authoritative servers were last found to serve, against what the
    /// provider accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<crate::protocol::dns::served::Published>,
    /// The record is behind a proxy (Cloudflare's): the DNS serves the proxy's addresses,
    /// so the API's content, which the update reads, is what counts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub behind_proxy: bool,
}

impl HostRecord {
    /// The host's hold: the second it ends (raw, as recorded) and its code. A hold recorded
    /// without its code (files of the first versions) still holds, as an unknown answer's.
    pub fn hold(&self) -> Option<(u64, Code)> {
        let until = self.hold_until?;
        let code = self
            .hold_code
            .clone()
            .unwrap_or_else(|| Code::Unknown(String::new()));
        Some((until, code))
    }
}

impl PolicyRecord {
    /// Takes the policy's current identity; returns whether its config changed since the
    /// record was made (a new record takes it silently).
    ///
    /// - Another account (server or user name): what the old one accepted says nothing about
    ///   the new one, so the record starts afresh and every host is sent.
    /// - Another fingerprint: the stops and strike counts are cleared (changing the config is
    ///   how the user acts on a fatal answer); holds stay (they are the provider's); accepted
    ///   addresses stay, so nothing the provider already has is sent again.
    /// - A record of version 0.1.0 (its unkeyed fingerprint) is taken over silently, and so is
    ///   one whose key was lost (`key_fresh`): it cannot tell a change.
    pub fn adopt(&mut self, id: &Identity<'_>) -> bool {
        if !self.account.is_empty() && self.account != id.account {
            *self = PolicyRecord {
                account: id.account.to_string(),
                fingerprint: id.fingerprint.to_string(),
                ..PolicyRecord::default()
            };
            return true;
        }
        self.account = id.account.to_string();
        let older_scheme = crate::config::OLDER_FINGERPRINT_TAGS
            .iter()
            .any(|t| self.fingerprint.starts_with(t));
        let silent = self.fingerprint.is_empty()
            || self.fingerprint == id.legacy
            || older_scheme
            || (id.key_fresh && self.fingerprint.starts_with(crate::config::FINGERPRINT_TAG));
        if self.fingerprint == id.fingerprint || silent {
            self.fingerprint = id.fingerprint.to_string();
            return false;
        }
        self.stop = None;
        for h in self.hosts.values_mut() {
            h.stop = None;
            h.nochg_streak = 0;
            h.nochg_at = None;
            h.unknown_streak = 0;
        }
        self.fingerprint = id.fingerprint.to_string();
        true
    }

    /// Records a failure before any reply: the `failures`-th in a row, at `now`, with no
    /// attempt before `retry_at` (Unix seconds).
    pub fn note_net_failure(&mut self, failures: u32, now: u64, retry_at: u64, why: String) {
        self.net_failures = failures;
        self.failed_at = Some(now);
        self.retry_at = Some(retry_at);
        self.retry_reason = Some(why);
    }

    /// Forgets the network back-off: a reply came, or the user reset the policy.
    pub fn clear_net_backoff(&mut self) {
        self.net_failures = 0;
        self.failed_at = None;
        self.retry_at = None;
        self.retry_reason = None;
    }
}

impl PolicyRecord {
    /// Clears the stops, holds and network back-off of this policy (or of one host and the
    /// back-off): `dynward reset`. Returns false when the host has no record.
    pub fn reset(&mut self, host: Option<&str>) -> bool {
        let clear = |h: &mut HostRecord| {
            h.stop = None;
            h.hold_until = None;
            h.hold_code = None;
            h.nochg_streak = 0;
            h.nochg_at = None;
            h.unknown_streak = 0;
            h.outage_streak = 0;
        };
        match host {
            Some(name) => match self.hosts.get_mut(name) {
                Some(h) => {
                    clear(h);
                    // The user asked for this host to be tried again: a network back-off
                    // (the policy's, since it reaches one server) must not stand in the way.
                    self.clear_net_backoff();
                    true
                }
                None => false,
            },
            None => {
                self.stop = None;
                self.clear_net_backoff();
                self.hosts.values_mut().for_each(|h| clear(h));
                true
            }
        }
    }
}
/// A provider's answer that concerns more than the policy that got it: about this client at
/// a server (`badagent`, `badsys`, `good 127.0.0.1`, `badrequest`; `911`, `dnserr`, 5xx and
/// `wNNN` holds) or about an account there (`badauth`, `!donator`). Every policy that talks to
/// that server (or uses that account) keeps to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// The server: `scheme://host:port`.
    pub server: ServerId,
    /// The account's user name; none when the verdict is on the client at the whole server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The code.
    pub code: Code,
    /// What it means.
    pub reason: String,
    /// When it came (Unix seconds).
    pub since: u64,
    /// A hold until then (Unix seconds; it ends one second after); none: a stop until the
    /// user acts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<u64>,
    /// The policy whose request got it.
    pub by: String,
}

impl Verdict {
    /// Whether it binds a policy at `server` with user name `user`.
    pub fn applies_to(&self, server: &ServerId, user: &str) -> bool {
        self.server == *server && self.user.as_deref().is_none_or(|u| u == user)
    }

    /// Whether `other` is of the same scope and kind (stop or hold): one replaces the other.
    pub fn same_kind(&self, other: &Verdict) -> bool {
        self.server == other.server && self.user == other.user && self.is_stop() == other.is_stop()
    }

    /// Whether it is a stop (until the user acts) rather than a hold.
    pub fn is_stop(&self) -> bool {
        self.until.is_none()
    }

    /// Whether it still binds at `now` (a hold ends one second after its recorded end).
    pub fn in_force(&self, now: u64) -> bool {
        self.until.is_none_or(|u| wait_end(u) > now)
    }

    /// The words for its scope: "every policy at SERVER" or "account USER at SERVER".
    pub fn scope(&self) -> String {
        match &self.user {
            Some(u) => format!("account {u} at {}", self.server),
            None => format!("every policy at {}", self.server),
        }
    }
}

/// What lifting verdicts means: after a config change only the stops go (the user acted on
/// them), a reset lifts holds too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lift {
    /// Stops only.
    Stops,
    /// Stops and holds.
    All,
}

/// Adds `v` to `all`: it replaces a verdict of the same scope and kind, so one answer is
/// remembered once however many policies share it. Of two holds the one that ends later
/// stays: one reply can ask for `w10s` for one host and `w7s` for the next, and the provider
/// counts a request before the later end against the client.
pub fn add_verdict(all: &mut Vec<Verdict>, v: Verdict) {
    if !v.is_stop() && all.iter().any(|o| o.same_kind(&v) && o.until >= v.until) {
        return;
    }
    all.retain(|o| !o.same_kind(&v));
    all.push(v);
}

/// Lifts the verdicts that bind a policy at `server` with user name `user`; returns whether
/// any was lifted.
pub fn lift_verdicts(all: &mut Vec<Verdict>, server: &ServerId, user: &str, what: Lift) -> bool {
    let before = all.len();
    all.retain(|v| !(v.applies_to(server, user) && (what == Lift::All || v.is_stop())));
    all.len() != before
}

/// Moves the times of verdicts made at or after `from` by `delta` seconds: the wall clock was
/// stepped while this process ran (as [`PolicyRecord::shift_times`]).
pub fn shift_verdicts(all: &mut [Verdict], from: u64, delta: i64) {
    for v in all.iter_mut().filter(|v| v.since >= from) {
        v.since = v.since.saturating_add_signed(delta);
        v.until = v.until.map(|u| u.saturating_add_signed(delta));
    }
}

/// Verdicts recorded ahead of the clock (it was set back, or is not set yet), or before the
/// clock was set (a router that booted in 1970), move so that the latest of their group came
/// now: a hold keeps its length, as [`PolicyRecord::rebase_times`] does for the records.
/// Returns the move in seconds (the larger one when both groups moved).
pub fn rebase_verdicts(all: &mut [Verdict], now: u64) -> i64 {
    let mut latest = [None::<u64>; 2];
    for v in all.iter() {
        latest[frame(v.since)] = latest[frame(v.since)].max(Some(v.since));
    }
    let moves = frame_moves(latest, now);
    for v in all.iter_mut() {
        let d = moves[frame(v.since)];
        v.since = v.since.saturating_add_signed(d);
        v.until = v.until.map(|u| u.saturating_add_signed(d));
    }
    larger(moves)
}

/// Recorded times are whole seconds, rounded down, so an event recorded at `t` happened
/// before `t + 1`: a wait recorded to end at `t` ends at `t + 1`, never early. Every reader of
/// a recorded deadline goes through this.
pub fn wait_end(t: u64) -> u64 {
    t.saturating_add(1)
}

/// The clock frame a recorded time belongs to: 0 before the clock was set, 1 after.
fn frame(t: u64) -> usize {
    usize::from(t >= CLOCK_FLOOR)
}

/// How far to move each frame's times, from each frame's latest event (see
/// [`PolicyRecord::rebase_times`]): so that it is `now`, when it lies ahead of the clock or
/// was recorded before the clock was set; otherwise not at all.
fn frame_moves(latest: [Option<u64>; 2], now: u64) -> [i64; 2] {
    // Clock rounding between two reads of the same second is not a clock change.
    const SLACK: u64 = 2;
    let mut moves = [0i64; 2];
    for (class, l) in latest.iter().enumerate() {
        let Some(l) = *l else { continue };
        let unset_clock_record = class == 0 && now >= CLOCK_FLOOR;
        if l > now.saturating_add(SLACK) || unset_clock_record {
            moves[class] = i64::try_from(i128::from(now) - i128::from(l)).unwrap_or(0);
        }
    }
    moves
}

/// The larger of the two frames' moves, for the log.
fn larger(moves: [i64; 2]) -> i64 {
    if moves[0].abs() >= moves[1].abs() {
        moves[0]
    } else {
        moves[1]
    }
}

/// Drops the holds that have ended by `now`.
pub fn prune_verdicts(all: &mut Vec<Verdict>, now: u64) {
    all.retain(|v| v.in_force(now));
}

/// A signed move of the clock or of recorded times, in words: "forward 3h", "back 5h".
pub fn describe_move(secs: i64) -> String {
    let d = crate::duration::format(std::time::Duration::from_secs(secs.unsigned_abs()));
    format!("{} {d}", if secs < 0 { "back" } else { "forward" })
}

/// What [`PolicyRecord::rebase_times`] did, for the log and for `once`.
pub fn rebase_note(moved: i64) -> String {
    let why = if moved < 0 {
        "recorded times lay ahead of the clock"
    } else {
        "recorded times predate the clock being set"
    };
    format!(
        "{why}; moved {}, holds keep their length",
        describe_move(moved)
    )
}

/// Whether a recorded time is an event (it happened then) or a deadline (nothing before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamp {
    Event,
    Deadline,
}

impl PolicyRecord {
    fn for_each_stamp(&mut self, mut f: impl FnMut(&mut u64, Stamp)) {
        if let Some(s) = &mut self.stop {
            f(&mut s.since, Stamp::Event);
        }
        if let Some(t) = &mut self.failed_at {
            f(t, Stamp::Event);
        }
        if let Some(t) = &mut self.retry_at {
            f(t, Stamp::Deadline);
        }
        for h in self.hosts.values_mut() {
            if let Some(a) = &mut h.v4 {
                f(&mut a.at, Stamp::Event);
            }
            if let Some(a) = &mut h.v6 {
                f(&mut a.at, Stamp::Event);
            }
            if let Some(t) = &mut h.last_sent_at {
                f(t, Stamp::Event);
            }
            if let Some(t) = &mut h.nochg_at {
                f(t, Stamp::Event);
            }
            if let Some(l) = &mut h.last {
                f(&mut l.at, Stamp::Event);
            }
            if let Some(s) = &mut h.stop {
                f(&mut s.since, Stamp::Event);
            }
            if let Some(t) = &mut h.hold_until {
                f(t, Stamp::Deadline);
            }
        }
    }

    /// Moves every recorded time at or after `from` by `delta` seconds: the wall clock was
    /// stepped while this process ran, and what it recorded since `from` (its start, in the
    /// old clock) must keep its distance to the present. Holds then end when they would
    /// have, and refreshes do not fall due all at once.
    pub fn shift_times(&mut self, from: u64, delta: i64) {
        self.for_each_stamp(|t, _| {
            if *t >= from {
                *t = t.saturating_add_signed(delta);
            }
        });
    }

    /// Brings records made by a clock other than the present one into its frame; returns
    /// the largest move in seconds (0 when nothing moved).
    ///
    /// Two cases, each judged separately for times below and above [`CLOCK_FLOOR`]:
    /// - events later than `now`: the clock went back (or is not set yet, and the record
    ///   was made with a set clock);
    /// - events below the floor while `now` is above it: the record was made before the
    ///   clock was set, so their age is unknown.
    ///
    /// Either way the group is moved as one, so that its latest event is `now`: every hold
    /// keeps its length counted from the event that set it, a refresh comes `max_interval`
    /// from now at the earliest, and nothing becomes due that was not due before. Erring
    /// late is the safe side: early would mean an update burst or a skipped back-off.
    pub fn rebase_times(&mut self, now: u64) -> i64 {
        let mut latest = [None::<u64>; 2];
        self.for_each_stamp(|t, kind| {
            if kind == Stamp::Event {
                latest[frame(*t)] = latest[frame(*t)].max(Some(*t));
            }
        });
        let moves = frame_moves(latest, now);
        if moves == [0, 0] {
            return 0;
        }
        self.for_each_stamp(|t, _| *t = t.saturating_add_signed(moves[frame(*t)]));
        larger(moves)
    }
}

/// An identity with this fingerprint and account, its key of long standing.
#[cfg(test)]
pub(crate) fn id<'a>(fingerprint: &'a str, account: &'a str) -> Identity<'a> {
    Identity {
        fingerprint,
        legacy: "0123456789abcdef",
        account,
        key_fresh: false,
    }
}

/// A record with one host: accepted 203.0.113.5, stopped by `nohost`, held until 1900.
#[cfg(test)]
pub(crate) fn sample() -> PolicyRecord {
    let mut p = PolicyRecord::default();
    p.adopt(&id("f1", "u1"));
    p.hosts.insert(
        "home.example.org".into(),
        Box::new(HostRecord {
            v4: Some(Accepted {
                addr: "203.0.113.5".parse().expect("ip"),
                at: 100,
            }),
            stop: Some(Stop {
                code: Code::NoHost,
                reason: "r".into(),
                since: 5,
            }),
            hold_until: Some(1900),
            ..HostRecord::default()
        }),
    );
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A changed fingerprint clears stops but keeps provider holds and accepted addresses (so
    /// nothing the provider has is sent again); an unchanged one keeps both.
    #[test]
    fn fingerprint_clears_stops_only() {
        let mut p = sample();
        assert!(!p.adopt(&id("f1", "u1")), "the same config");
        assert!(p.hosts["home.example.org"].stop.is_some());
        assert!(p.adopt(&id("f2", "u1")), "a changed config");
        let h = &p.hosts["home.example.org"];
        assert!(h.stop.is_none());
        assert_eq!(h.hold_until, Some(1900));
        assert!(h.v4.is_some(), "accepted addresses survive a config change");
    }

    /// Another account (server or user) starts afresh: what the old one accepted says nothing
    /// about the new one. A record of 0.1.0 (its unkeyed fingerprint, no account) and a record
    /// whose key was lost are taken over without counting as a change.
    #[test]
    fn another_account_starts_afresh() {
        let mut p = sample();
        assert!(p.adopt(&id("f1", "u2")));
        assert!(p.hosts.is_empty() && p.stop.is_none(), "{p:?}");
        assert_eq!(p.account, "u2");

        let mut old = sample();
        old.fingerprint = "0123456789abcdef".into();
        old.account = String::new();
        assert!(!old.adopt(&id("k2:new", "u1")), "0.1.0's record");
        assert_eq!(old.fingerprint, "k2:new");
        assert!(
            old.hosts["home.example.org"].stop.is_some(),
            "its stops stand"
        );

        let mut lost = sample();
        lost.fingerprint = "k2:made-with-the-old-key".into();
        let fresh = Identity {
            key_fresh: true,
            ..id("k2:made-with-a-new-key", "u1")
        };
        assert!(!lost.adopt(&fresh), "a lost key is no config change");
        assert!(lost.hosts["home.example.org"].stop.is_some());

        let mut hmac = sample();
        hmac.fingerprint = "k1:an-hmac-sha256-fingerprint".into();
        assert!(!hmac.adopt(&id("k2:new", "u1")), "an older keyed scheme");
        assert_eq!(hmac.fingerprint, "k2:new");
        assert!(hmac.hosts["home.example.org"].stop.is_some());

        let mut changed = sample();
        changed.fingerprint = "k2:before".into();
        assert!(
            changed.adopt(&id("k2:after", "u1")),
            "same scheme, other config"
        );
    }

    /// reset clears stops and holds of a policy or of one host (and the network back-off
    /// either way), and says when the host is not on record.
    #[test]
    fn a_reset_clears_the_stops_and_holds_of_a_policy_or_one_host() {
        let mut p = sample();
        p.note_net_failure(2, 100, 160, "timeout".into());
        assert!(!p.reset(Some("other.example.org")));
        assert_eq!(p.retry_at, Some(160), "nothing matched, nothing cleared");
        assert!(p.reset(Some("home.example.org")));
        let h = &p.hosts["home.example.org"];
        assert!(h.stop.is_none() && h.hold_until.is_none());
        assert_eq!((p.net_failures, p.retry_at), (0, None));
        p.stop = Some(Stop {
            code: Code::Badauth,
            reason: "r".into(),
            since: 5,
        });
        assert!(p.reset(None));
        assert!(p.stop.is_none());
    }

    /// A host record with every stamp: accepted at `at`, sent and answered at `at`, held
    /// until `at + hold`.
    fn timed(at: u64, hold: u64) -> PolicyRecord {
        let mut p = PolicyRecord::default();
        p.hosts.insert(
            "h".into(),
            Box::new(HostRecord {
                v4: Some(Accepted {
                    addr: "203.0.113.5".parse().expect("ip"),
                    at,
                }),
                last_sent_at: Some(at),
                last: Some(LastResult {
                    at,
                    code: Outcome::Answer(Code::Outage),
                    message: "m".into(),
                    sent: "203.0.113.5".into(),
                }),
                hold_until: Some(at + hold),
                hold_code: Some(Code::Outage),
                ..HostRecord::default()
            }),
        );
        p.failed_at = Some(at);
        p.retry_at = Some(at + 60);
        p
    }

    fn stamps(p: &mut PolicyRecord) -> Vec<u64> {
        let mut v = Vec::new();
        p.for_each_stamp(|t, _| v.push(*t));
        v
    }

    /// A step moves what lies at or after `from`, by exactly the step, both ways.
    #[test]
    fn shift_moves_this_runs_records_only() {
        let t = CLOCK_FLOOR + 10_000;
        let mut p = timed(t, 1800);
        p.shift_times(t, 3600);
        assert_eq!(
            stamps(&mut p),
            [t + 3600, t + 3660, t + 3600, t + 3600, t + 3600, t + 5400]
        );
        p.shift_times(t + 3600, -7200);
        assert_eq!(
            stamps(&mut p),
            [t - 3600, t - 3540, t - 3600, t - 3600, t - 3600, t - 1800]
        );
        // Events from before the run stay; its deadlines still ahead keep their distance.
        let mut old = timed(t, 1800);
        old.shift_times(t + 1, 3600);
        assert_eq!(stamps(&mut old), [t, t + 3660, t, t, t, t + 5400]);
    }

    /// Records from the future (the clock went back, or is not set yet) move so the latest
    /// event is now; holds keep their length; records from an unset clock move up once the
    /// clock is set; a record in the present frame does not move.
    #[test]
    fn records_made_by_another_clock_move_into_the_present_one() {
        let real = CLOCK_FLOOR + 100 * 86_400;
        // Clock an hour behind the record.
        let mut p = timed(real, 1800);
        assert_eq!(p.rebase_times(real - 3600), -3600);
        assert_eq!(p.hosts["h"].hold_until, Some(real - 3600 + 1800));
        assert_eq!(p.hosts["h"].v4.expect("v4").at, real - 3600);
        assert_eq!(p.retry_at, Some(real - 3600 + 60));
        // Booted in 1970 with a record from a set clock.
        let boot = 300;
        let mut p = timed(real, 1800);
        assert_eq!(p.rebase_times(boot), boot as i64 - real as i64);
        assert_eq!(p.hosts["h"].hold_until, Some(boot + 1800));
        // Recorded in 1970, clock now set: moved up to now, the hold counts from now.
        let mut p = timed(boot, 1800);
        assert_eq!(p.rebase_times(real), real as i64 - boot as i64);
        assert_eq!(p.hosts["h"].hold_until, Some(real + 1800));
        assert_eq!(p.hosts["h"].last_sent_at, Some(real));
        // In frame (past, or within the slack): nothing moves; twice is the same as once.
        for (at, now) in [(real, real + 10), (real + 2, real), (boot, boot + 5)] {
            let mut p = timed(at, 1800);
            let before = stamps(&mut p);
            assert_eq!(p.rebase_times(now), 0, "{at} at {now}");
            assert_eq!(stamps(&mut p), before);
        }
        let mut p = timed(real, 1800);
        p.rebase_times(boot);
        assert_eq!(p.rebase_times(boot), 0);
    }

    /// Verdicts follow the records' rule: from the future they move back; recorded before
    /// the clock was set, they move up once it is (a 1970 outage hold is not dropped as
    /// long over, nor cut short); in frame, nothing moves.
    #[test]
    fn verdicts_made_by_another_clock_move_as_the_records_do() {
        let real = CLOCK_FLOOR + 100 * 86_400;
        let hold = |since: u64| Verdict {
            server: "https://u.example:443".into(),
            user: None,
            code: Code::Outage,
            reason: "outage".into(),
            since,
            until: Some(since + 1800),
            by: "home".into(),
        };
        let mut v = vec![hold(600)];
        assert_eq!(rebase_verdicts(&mut v, real), real as i64 - 600);
        assert_eq!((v[0].since, v[0].until), (real, Some(real + 1800)));
        let mut v = vec![hold(real + 3600)];
        assert_eq!(rebase_verdicts(&mut v, real), -3600);
        assert_eq!(v[0].until, Some(real + 1800));
        for (since, now) in [(real - 10, real), (600, 700), (real + 2, real)] {
            let mut v = vec![hold(since)];
            assert_eq!(rebase_verdicts(&mut v, now), 0, "{since} at {now}");
            assert_eq!(v[0].since, since);
        }
    }

    /// One reply's `w10s` and `w7s` (two hosts), in either order, hold the server until the
    /// later end; a stop of the same scope stands beside a hold, and a later stop replaces
    /// the earlier one.
    #[test]
    fn the_later_hold_stays() {
        let v = |code: &str, until: Option<u64>| Verdict {
            server: "https://u.example:443".into(),
            user: None,
            code: Code::from_name(code).expect("code"),
            reason: "r".into(),
            since: 1000,
            until,
            by: "home".into(),
        };
        for order in [["w10s", "w7s"], ["w7s", "w10s"]] {
            let mut all = Vec::new();
            for code in order {
                let secs = if code == "w10s" { 10 } else { 7 };
                add_verdict(&mut all, v(code, Some(1000 + secs)));
            }
            assert_eq!(all.len(), 1, "{order:?}");
            assert_eq!(
                (all[0].code.name(), all[0].until),
                ("w10s".into(), Some(1010))
            );
        }
        let mut all = vec![v("w10s", Some(1010))];
        add_verdict(&mut all, v("badagent", None));
        add_verdict(&mut all, v("badsys", None));
        let codes: Vec<String> = all.iter().map(|x| x.code.name()).collect();
        assert_eq!(codes, ["w10s", "badsys"]);
    }

    /// A record holding both frames: each part moves on its own rule.
    #[test]
    fn each_frame_of_a_mixed_record_moves_on_its_own_rule() {
        let real = CLOCK_FLOOR + 100 * 86_400;
        let mut p = timed(real - 86_400, 1800);
        // A second host last answered while the clock was unset.
        let mut h = timed(500, 1800).hosts.remove("h").expect("h");
        h.hold_until = Some(500 + 3600);
        p.hosts.insert("h2".into(), h);
        assert_eq!(p.rebase_times(real), real as i64 - 500);
        assert_eq!(p.hosts["h"].v4.expect("v4").at, real - 86_400);
        assert_eq!(p.hosts["h2"].v4.expect("v4").at, real);
        assert_eq!(p.hosts["h2"].hold_until, Some(real + 3600));
    }
}
