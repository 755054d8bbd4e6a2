//! The decision core (pure): which host is due, what an update asks for, what each host's
//! answer or a network failure does to the record, and how each result is told to the user.
//!
//! Its one caller is the policy machine ([`crate::policy`]), which `once` and `run` both drive:
//! a rule written here holds for both commands. Nothing here reads a clock or touches a
//! socket or file: `now` is an argument, answers and failures arrive as plain values in the
//! protocols' common vocabulary ([`crate::protocol`]).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::addr::AddrSet;
use crate::config::Policy;
use crate::duration::{self, Zone};
use crate::protocol::code::{Code, Decision, History, Outcome, Quirks, Scope, Who};
use crate::protocol::{Answer, Answers, NetError, Pending, Target, Update};
use crate::record::{Accepted, HostRecord, LastResult, PolicyRecord, Stop, Verdict, wait_end};

/// Why a host is not updated now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The provider already has the current address.
    UpToDate,
    /// The account or client is stopped until the user acts.
    PolicyStopped(Stop),
    /// The host is stopped until the user acts.
    HostStopped(Stop),
    /// A verdict on the client at this server, or on this account, stops it until the user
    /// acts (it may have come to another policy).
    Refused(Verdict),
    /// A provider hold is running.
    Held {
        /// Until (Unix seconds).
        until: u64,
        /// The code that asked for it.
        code: Code,
    },
    /// A back-off after failures before any reply (resolve, connect, TLS, timeout) is running.
    Retrying {
        /// Until (Unix seconds).
        until: u64,
        /// Failures in a row.
        failures: u32,
    },
    /// The minimum gap since the last request has not passed.
    TooSoon {
        /// Next allowed (Unix seconds).
        until: u64,
    },
    /// Nothing to publish.
    NoAddress,
}

/// What to do for one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Send these addresses; `nochg_expected` when forced, first, refresh or config change.
    Send {
        /// The addresses to send.
        addrs: AddrSet,
        /// Whether a `nochg` answer is expected.
        nochg_expected: bool,
        /// Why it is due, for output.
        why: &'static str,
    },
    /// Do not send.
    Skip(Skip),
}

/// Decides whether a host is due (pure). `force` is the user's `once --force`, which passes
/// no stop, hold or minimum gap. A changed config is not a reason by itself: what the change
/// makes unknown (a new host, another account, a new family) has no accepted address on
/// record, and a provider counts every unchanged address sent as a `nochg`.
#[allow(clippy::too_many_arguments)]
pub fn plan_host(
    policy: &Policy,
    record: Option<&PolicyRecord>,
    verdicts: &[Verdict],
    host: &str,
    current: AddrSet,
    now: u64,
    force: bool,
) -> Plan {
    let hs = record.and_then(|p| p.hosts.get(host));
    if let Some(skip) = barred(record, hs.map(|b| &**b), verdicts, now, force) {
        return Plan::Skip(skip);
    }
    if current.is_empty() {
        return Plan::Skip(Skip::NoAddress);
    }
    let first = hs.is_none_or(|h| h.v4.is_none() && h.v6.is_none());
    let v4_changed = current.v4.is_some() && hs.and_then(|h| h.v4).map(|a| a.addr) != current.v4;
    let v6_changed = current.v6.is_some() && hs.and_then(|h| h.v6).map(|a| a.addr) != current.v6;
    let refresh = refresh_at(policy, hs.map(|b| &**b), current).is_some_and(|at| now >= at);
    let (why, nochg_expected) = if first {
        ("no address on record for this host", true)
    } else if v4_changed || v6_changed {
        ("address changed", false)
    } else if force {
        ("forced", true)
    } else if refresh {
        ("periodic refresh (max_interval)", true)
    } else {
        return Plan::Skip(Skip::UpToDate);
    };
    if let Some(last) = hs.and_then(|h| h.last_sent_at) {
        let until = last
            .saturating_add(policy.min_interval.as_secs())
            .saturating_add(u64::from(!policy.min_interval.is_zero()));
        if now < until {
            return Plan::Skip(Skip::TooSoon { until });
        }
    }
    // Where each family is its own request, only the family that changed is sent, so an
    // unchanged family does not draw a nochg; where one request carries the whole set (it
    // replaces the host's records), both go.
    let mut addrs = current;
    if policy.families_apart() && !first && (v4_changed || v6_changed) {
        if !v4_changed {
            addrs.v4 = None;
        }
        if !v6_changed {
            addrs.v6 = None;
        }
    }
    Plan::Send {
        addrs,
        nochg_expected,
        why,
    }
}

/// What bars a host from being sent now, whatever its address: a stop (the policy's, a
/// verdict's, the host's), a hold (the host's or the server's, whichever ends later), or the
/// network back-off (ours, not the provider's verdict: the user may force past it).
fn barred(
    record: Option<&PolicyRecord>,
    hs: Option<&HostRecord>,
    verdicts: &[Verdict],
    now: u64,
    force: bool,
) -> Option<Skip> {
    if let Some(stop) = record.and_then(|p| p.stop.clone()) {
        return Some(Skip::PolicyStopped(stop));
    }
    if let Some(v) = verdicts.iter().find(|v| v.is_stop()) {
        return Some(Skip::Refused(v.clone()));
    }
    if let Some(stop) = hs.and_then(|h| h.stop.clone()) {
        return Some(Skip::HostStopped(stop));
    }
    let holds = hs.and_then(HostRecord::hold).into_iter().chain(
        verdicts
            .iter()
            .filter_map(|v| Some((v.until?, v.code.clone()))),
    );
    if let Some((until, code)) = holds
        .map(|(u, c)| (wait_end(u), c))
        .filter(|(u, _)| *u > now)
        .max_by_key(|(u, _)| *u)
    {
        return Some(Skip::Held { until, code });
    }
    let until = record
        .and_then(|p| p.retry_at)
        .map(wait_end)
        .filter(|u| *u > now && !force)?;
    let failures = record.map_or(0, |p| p.net_failures);
    Some(Skip::Retrying { until, failures })
}

/// When the host's periodic refresh (`max_interval`) falls due: counted from the oldest
/// acceptance of the families being published (`None`: nothing accepted yet).
pub fn refresh_at(policy: &Policy, hs: Option<&HostRecord>, current: AddrSet) -> Option<u64> {
    let h = hs?;
    [
        current.v4.and(h.v4.map(|a| a.at)),
        current.v6.and(h.v6.map(|a| a.at)),
    ]
    .into_iter()
    .flatten()
    .min()
    .map(|at| at.saturating_add(policy.max_interval.as_secs()))
}

/// The plan of every host of the policy, in config order.
pub fn plan_hosts(
    policy: &Policy,
    record: &PolicyRecord,
    verdicts: &[Verdict],
    current: AddrSet,
    now: u64,
    force: bool,
) -> Vec<(String, Plan)> {
    policy
        .hosts
        .iter()
        .map(|h| {
            let plan = plan_host(policy, Some(record), verdicts, h, current, now, force);
            (h.clone(), plan)
        })
        .collect()
}

/// One update round: every due host, what it should have and why it is due.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    /// The update it asks the protocol for.
    pub update: Update,
    /// Per due host, in config order: why it is due.
    pub due: Vec<(String, &'static str)>,
}

/// Plans a round (pure): the due hosts, in config order; how they travel is the protocol's.
pub fn plan_round(
    policy: &Policy,
    record: &PolicyRecord,
    verdicts: &[Verdict],
    current: AddrSet,
    now: u64,
    force: bool,
) -> Round {
    let mut round = Round::default();
    for (host, plan) in plan_hosts(policy, record, verdicts, current, now, force) {
        if let Plan::Send {
            addrs,
            nochg_expected,
            why,
        } = plan
        {
            round.due.push((host.clone(), why));
            round.update.targets.push(Target {
                host,
                addrs,
                nochg_expected,
            });
        }
    }
    if !round.update.targets.is_empty() {
        round.update.zones = record.zones.clone();
    }
    round
}

/// What one host's answer did to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// The decision taken.
    pub decision: Decision,
    /// Addresses sent that the reply did not confirm: not recorded as accepted, so a later
    /// round sends them again.
    pub unconfirmed: AddrSet,
}

/// Applies one host's answer to its record (pure). An unexpected `nochg` counts toward the
/// stop over `nochg_window` (the refresh interval at least): a `good` in between does not
/// wipe it, as providers keep counting too.
pub fn record_answer(
    hs: &mut HostRecord,
    answer: &Answer,
    nochg_expected: bool,
    now: u64,
    nochg_window: Duration,
    quirks: Quirks,
) -> Recorded {
    let (code, sent) = (&answer.code, answer.sent);
    if hs
        .nochg_at
        .is_some_and(|t| now >= t.saturating_add(nochg_window.as_secs()))
    {
        hs.nochg_streak = 0;
        hs.nochg_at = None;
    }
    let history = History {
        nochg_expected,
        nochg_streak: hs.nochg_streak,
        unknown_streak: hs.unknown_streak,
        outage_streak: hs.outage_streak,
        badtime_for: Duration::from_secs(hs.badtime_since.map_or(0, |t| now.saturating_sub(t))),
    };
    let decision = code.decide(&history, quirks);
    hs.last_sent_at = Some(now);
    hs.last = Some(LastResult {
        at: now,
        code: Outcome::Answer(code.clone()),
        message: code.explanation(),
        sent: sent.to_string(),
    });
    count_streaks(hs, code, nochg_expected, now);
    let unconfirmed = apply_decision(hs, answer, decision, quirks, now);
    Recorded {
        decision,
        unconfirmed,
    }
}

/// Counts the answer in the host's streaks: an unexpected `nochg` (at `now`), an unreadable
/// answer, a provider-side error; any other answer ends the latter two.
fn count_streaks(hs: &mut HostRecord, code: &Code, nochg_expected: bool, now: u64) {
    if *code == Code::Nochg && !nochg_expected {
        hs.nochg_streak += 1;
        hs.nochg_at = Some(now);
    }
    hs.unknown_streak = if code.is_unreadable() {
        hs.unknown_streak + 1
    } else {
        0
    };
    hs.outage_streak = if code.is_outage() {
        hs.outage_streak + 1
    } else {
        0
    };
    hs.badtime_since = if *code == Code::Dns(9, 18) {
        hs.badtime_since.or(Some(now))
    } else {
        None
    };
}

/// Carries out the host's part of `decision`: a success records what the provider
/// confirmed (returning what it did not) and ends a hold; a hold or stop of the host is
/// recorded (those of the account or the server are verdicts the caller records).
fn apply_decision(
    hs: &mut HostRecord,
    answer: &Answer,
    decision: Decision,
    quirks: Quirks,
    now: u64,
) -> AddrSet {
    let code = &answer.code;
    match decision {
        Decision::Continue => {
            let ok = answer.confirmed;
            if let Some(a) = ok.v4 {
                hs.v4 = Some(Accepted { addr: a, at: now });
            }
            if let Some(a) = ok.v6 {
                hs.v6 = Some(Accepted { addr: a, at: now });
            }
            hs.hold_until = None;
            hs.hold_code = None;
            return AddrSet {
                v4: answer.sent.v4.filter(|_| ok.v4.is_none()),
                v6: answer.sent.v6.filter(|_| ok.v6.is_none()),
            };
        }
        Decision::BackOff(d) if code.scope(decision, quirks) == Scope::Host => {
            hs.hold_until = Some(now.saturating_add(d.as_secs()));
            hs.hold_code = Some(code.clone());
        }
        Decision::BackOff(_) | Decision::StopAccount | Decision::StopClient => {}
        Decision::StopHost => {
            hs.stop = Some(Stop {
                code: code.clone(),
                reason: code.explanation(),
                since: now,
            });
        }
    }
    AddrSet::default()
}

/// What one reply's answers did to a policy's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Per answer: the decision taken, and what the reply did not confirm.
    pub results: Vec<(Answer, Recorded)>,
    /// Oddities of the reply worth a log line.
    pub notes: Vec<String>,
    /// No further request of this round may be sent (account stop, client stop, outage).
    pub stop_round: bool,
    /// Verdicts that bind every policy at the server, or of the account.
    pub verdicts: Vec<Verdict>,
}

/// Applies one reply's answers to the policy's record (pure): per-host results in the
/// record, and what concerns more than this policy (account and client stops, provider-side
/// holds) as verdicts for every policy at the server or of the account. An answer also ends
/// a network back-off: the server was reached.
pub fn apply_answers(
    p: &mut PolicyRecord,
    policy: &Policy,
    answers: &Answers,
    expected: &BTreeMap<String, bool>,
    now: u64,
) -> Applied {
    p.clear_net_backoff();
    for (zone, id) in &answers.learnt {
        match id {
            Some(id) => p.zones.insert(zone.clone(), id.clone()),
            None => p.zones.remove(zone),
        };
    }
    let mut applied = Applied {
        results: Vec::new(),
        notes: answers.notes.clone(),
        stop_round: false,
        verdicts: Vec::new(),
    };
    for r in &answers.answers {
        let hs = p.hosts.entry(r.host.clone()).or_default();
        let exp = expected.get(&r.host).copied().unwrap_or(false);
        let rec = record_answer(hs, r, exp, now, policy.max_interval, policy.quirks());
        let user = match r.code.scope(rec.decision, policy.quirks()) {
            Scope::Host => None,
            Scope::Account => Some(Some(policy.account_user())),
            Scope::Server => Some(None),
        };
        if let Some(user) = user {
            let until = match rec.decision {
                Decision::BackOff(d) => Some(now.saturating_add(d.as_secs())),
                _ => None,
            };
            let v = Verdict {
                server: policy.server_key(),
                user,
                code: r.code.clone(),
                reason: r.code.explanation(),
                since: now,
                until,
                by: policy.name.clone(),
            };
            if !applied.verdicts.contains(&v) {
                applied.verdicts.push(v);
            }
            applied.stop_round = true;
        }
        applied.results.push((r.clone(), rec));
    }
    applied
}

/// Records a message that got no reply (pure). The accepted addresses stay as they were,
/// so the next attempt sends again.
pub fn apply_net_error(p: &mut PolicyRecord, pending: &Pending, e: &NetError, now: u64) {
    for h in &pending.hosts {
        let hs = p.hosts.entry(h.clone()).or_default();
        hs.last_sent_at = Some(now);
        hs.last = Some(LastResult {
            at: now,
            code: Outcome::Failure(e.kind()),
            message: e.to_string(),
            sent: pending.sent.to_string(),
        });
    }
}

/// How loud a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Routine.
    Info,
    /// Something the user may want to know.
    Warn,
    /// The user must act.
    Error,
}

/// What a report says about the hosts it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// A notice: nothing was decided about a host.
    Notice,
    /// The provider holds the address sent (`good`, or an accepted `nochg`).
    Accepted,
    /// The update did not go through: a verdict, a hold, or no reply. Without a host, every
    /// host of the policy.
    Failed,
}

/// Something to tell the user, with the same words for `once` and `run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// How loud.
    pub level: Level,
    /// The host concerned, if one.
    pub host: Option<String>,
    /// The code (or network error kind), if any.
    pub code: Option<Outcome>,
    /// The words.
    pub message: String,
    /// What it means for the host.
    pub effect: Effect,
    /// No request before this time (Unix seconds), for a hold: shown in the reader's zone.
    pub until: Option<u64>,
}

impl Report {
    /// A notice about the policy.
    pub fn notice(level: Level, message: String) -> Report {
        Report {
            level,
            host: None,
            code: None,
            message,
            effect: Effect::Notice,
            until: None,
        }
    }

    /// One host's answer: the code, what was sent, what it means and, when the user must act
    /// or wait, what happens next (for `policy`). The level follows the decision.
    pub fn answer(who: Who<'_>, answer: &Answer, rec: Recorded, now: u64) -> Report {
        let (host, code, sent) = (answer.host.as_str(), &answer.code, answer.sent);
        let decision = rec.decision;
        // A success's address is the one the provider now has; a failure's is only what was
        // sent, which must not read as if the server had returned it.
        let head = if code.is_success() {
            format!("{code} {sent}: {}", code.explanation())
        } else {
            format!("{code}: {}; sent {sent}", code.explanation())
        };
        let (level, message, effect, until) = match decision {
            Decision::Continue if !rec.unconfirmed.is_empty() => (
                Level::Warn,
                format!(
                    "{head}; the reply does not confirm {}: not recorded as accepted, sent again in a later round",
                    rec.unconfirmed
                ),
                Effect::Failed,
                None,
            ),
            Decision::Continue if *code == Code::Good => {
                (Level::Info, head, Effect::Accepted, None)
            }
            Decision::Continue => (Level::Warn, head, Effect::Accepted, None),
            Decision::BackOff(d) => (
                Level::Warn,
                format!("{head}; holding {}", duration::format(d)),
                Effect::Failed,
                Some(wait_end(now.saturating_add(d.as_secs()))),
            ),
            d => (
                Level::Error,
                format!("{head}; {d}: {}", code.user_action(d, who, Some(host))),
                Effect::Failed,
                None,
            ),
        };
        Report {
            level,
            host: Some(host.to_string()),
            code: Some(Outcome::Answer(code.clone())),
            message,
            effect,
            until,
        }
    }

    /// A request that got no reply, for one of its hosts.
    pub fn not_delivered(host: &str, e: &NetError, retry_in: Duration) -> Report {
        Report {
            level: Level::Warn,
            host: Some(host.to_string()),
            code: Some(Outcome::Failure(e.kind())),
            message: format!(
                "not delivered: {e}; whether it applied is unknown, so it is sent again in {}",
                duration::format(retry_in)
            ),
            effect: Effect::Failed,
            until: None,
        }
    }

    /// A failure before any request could be sent (the server's name did not resolve).
    pub fn unreachable(e: &NetError, retry_in: Duration) -> Report {
        Report {
            level: Level::Warn,
            host: None,
            code: Some(Outcome::Failure(e.kind())),
            message: format!("{e}; retrying in {}", duration::format(retry_in)),
            effect: Effect::Failed,
            until: None,
        }
    }

    /// A setting that cannot work (a broken URL or CA file): nothing is tried until it changes.
    pub fn unusable(e: &NetError) -> Report {
        Report {
            level: Level::Error,
            host: None,
            code: Some(Outcome::Failure(e.kind())),
            message: format!("{e}; fix the config"),
            effect: Effect::Failed,
            until: None,
        }
    }

    /// The words, with the hold's end (if any) in `zone`.
    pub fn text(&self, zone: &Zone) -> String {
        match self.until {
            Some(t) => format!("{} (no request before {})", self.message, zone.format(t)),
            None => self.message.clone(),
        }
    }

    /// Writes the report to the log, with the policy, host and code as fields.
    pub fn log(&self, policy: &str, zone: &Zone) {
        let host = self.host.as_deref();
        let code = self.code.as_ref().map(|c| c.to_string());
        let code = code.as_deref();
        let message = self.text(zone);
        match self.level {
            Level::Info => tracing::info!(policy = %policy, host, code, "{message}"),
            Level::Warn => tracing::warn!(policy = %policy, host, code, "{message}"),
            Level::Error => tracing::error!(policy = %policy, host, code, "{message}"),
        }
    }
}

/// The family a dual-stack policy publishes but has no address for now, and what the
/// provider does with the host's record of it in this policy's mode (README "Address
/// choice"); `None` when nothing is left out.
pub fn left_out(policy: &Policy, current: AddrSet) -> Option<String> {
    let v6 = match (policy.ipv4, policy.ipv6, current.v4, current.v6) {
        (true, true, Some(_), None) => true,
        (true, true, None, Some(_)) => false,
        _ => return None,
    };
    let family = if v6 { "IPv6" } else { "IPv4" };
    let what = policy.left_out_effect(v6);
    Some(format!(
        "{family} is left out: no publishable {family} address now; {what}"
    ))
}

/// What a hold after `code` is, in words: the provider asked for it (`wNNN`), or dynward waits
/// after a provider-side error (`911`, `dnserr`, HTTP 5xx) as the protocol says.
pub fn hold_words(code: &Code) -> String {
    if code.is_asked_wait() {
        format!("the provider asked to wait ({code})")
    } else {
        format!("dynward waits after the provider's error ({code})")
    }
}

/// The same hold as what a sleeping policy waits for: "the wait … ends".
pub fn hold_end(code: &Code) -> String {
    if code.is_asked_wait() {
        format!("the wait the provider asked for ({code}) ends")
    } else {
        format!("the wait after the provider's error ({code}) ends")
    }
}

/// What the user can do about a recorded stop of `policy` (a host's, when `host` is given).
pub fn stop_action(stop: &Stop, who: Who<'_>, host: Option<&str>) -> String {
    let decision = if host.is_some() {
        Decision::StopHost
    } else {
        Decision::StopAccount
    };
    stop.code.user_action(decision, who, host)
}

/// The verdicts that bind `policy`: those at its server, or of its account.
pub fn binding(all: &[Verdict], policy: &Policy) -> Vec<Verdict> {
    let (server, user) = (policy.server_key(), &policy.account_user());
    all.iter()
        .filter(|v| v.applies_to(&server, user))
        .cloned()
        .collect()
}

/// What the user can do about a verdict that binds `policy`.
pub fn verdict_action(v: &Verdict, who: Who<'_>) -> String {
    let decision = if v.user.is_some() {
        Decision::StopAccount
    } else {
        Decision::StopClient
    };
    v.code.user_action(decision, who, None)
}

/// Why `host` of `policy` is not sent now, in words (`once` prints it per host), with times
/// in `zone`.
pub fn skip_text(s: &Skip, current: AddrSet, who: Who<'_>, host: &str, zone: &Zone) -> String {
    match s {
        Skip::UpToDate => format!("up-to-date ({current} is on record with the provider)"),
        Skip::PolicyStopped(st) | Skip::HostStopped(st) => {
            let host = matches!(s, Skip::HostStopped(_)).then_some(host);
            format!(
                "stopped since {} by {}: {}; to send again: {}",
                zone.format(st.since),
                st.code,
                st.reason,
                stop_action(st, who, host)
            )
        }
        Skip::Refused(v) => format!(
            "stopped since {} by {} (for {}; policy {} got it): {}; to send again: {}",
            zone.format(v.since),
            v.code,
            v.scope(),
            v.by,
            v.reason,
            verdict_action(v, who)
        ),
        Skip::Held { until, code } => format!(
            "not sent: {} until {}",
            hold_words(code),
            zone.format(*until)
        ),
        Skip::Retrying { until, failures } => format!(
            "not sent: retrying after a network failure ({failures} in a row) at {}; --force tries now",
            zone.format(*until)
        ),
        Skip::TooSoon { until } => format!(
            "not sent: the last update was less than min_interval ago; next allowed at {}",
            zone.format(*until)
        ),
        Skip::NoAddress => "not sent: no publishable address".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::dyndns2::FamilyMode;
    use std::time::Duration;

    const T0: u64 = 1_700_000_000;

    fn policy(extra: &str) -> Policy {
        let text = format!(
            "[[policy]]\nname = \"p\"\nserver = \"https://u.example/nic/update\"\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"a.example.org\"]\ninterface = \"eth0\"\nipv6 = true\n{extra}"
        );
        crate::config::test_policy(&text)
    }

    fn set(v4: Option<&str>, v6: Option<&str>) -> AddrSet {
        AddrSet {
            v4: v4.map(|s| s.parse().expect("v4")),
            v6: v6.map(|s| s.parse().expect("v6")),
        }
    }

    fn record(hs: HostRecord) -> PolicyRecord {
        let mut p = PolicyRecord::default();
        p.hosts.insert("a.example.org".into(), Box::new(hs));
        p
    }

    fn accepted(v4: &str, at: u64) -> HostRecord {
        HostRecord {
            v4: Some(Accepted {
                addr: v4.parse().expect("v4"),
                at,
            }),
            last_sent_at: Some(at),
            ..HostRecord::default()
        }
    }

    /// The due/skip table: each rule with explicit times.
    #[test]
    fn each_rule_of_the_due_and_skip_table_holds_at_its_times() {
        let p = policy("");
        let cur = set(Some("203.0.113.5"), None);
        let plan = |ps: Option<&PolicyRecord>, cur: AddrSet, now: u64, force: bool| {
            plan_host(&p, ps, &[], "a.example.org", cur, now, force)
        };
        // First time: send, nochg expected.
        assert_eq!(
            plan(None, cur, T0, false),
            Plan::Send {
                addrs: cur,
                nochg_expected: true,
                why: "no address on record for this host"
            }
        );
        // Same address on record: up-to-date, even a restart later.
        let same = record(accepted("203.0.113.5", T0));
        assert_eq!(
            plan(Some(&same), cur, T0 + 3600, false),
            Plan::Skip(Skip::UpToDate)
        );
        // Forced: send, but never inside the minimum gap.
        assert!(matches!(
            plan(Some(&same), cur, T0 + 3600, true),
            Plan::Send {
                nochg_expected: true,
                ..
            }
        ));
        assert_eq!(
            plan(Some(&same), cur, T0 + 30, true),
            Plan::Skip(Skip::TooSoon { until: T0 + 61 })
        );
        // Changed: send, nochg not expected; inside the gap: too soon.
        let new = set(Some("203.0.113.6"), None);
        // Stamps are whole seconds: the gap ends one second after the recorded one.
        assert!(matches!(
            plan(Some(&same), new, T0 + 61, false),
            Plan::Send {
                nochg_expected: false,
                ..
            }
        ));
        assert_eq!(
            plan(Some(&same), new, T0 + 60, false),
            Plan::Skip(Skip::TooSoon { until: T0 + 61 })
        );
        // Refresh after max_interval (25 days).
        let d25 = 25 * 86400;
        assert_eq!(
            plan(Some(&same), cur, T0 + d25 - 1, false),
            Plan::Skip(Skip::UpToDate)
        );
        assert!(matches!(
            plan(Some(&same), cur, T0 + d25, false),
            Plan::Send {
                why: "periodic refresh (max_interval)",
                ..
            }
        ));
        // A config change is no reason by itself (that would be a nochg): nothing to send.
        assert_eq!(
            plan(Some(&same), cur, T0 + 3600, false),
            Plan::Skip(Skip::UpToDate)
        );
        // No address: skip.
        assert_eq!(
            plan(Some(&same), AddrSet::default(), T0 + 3600, true),
            Plan::Skip(Skip::NoAddress)
        );
    }

    /// Stops hold (a config change clears them when the record is adopted); holds hold even
    /// with --force.
    #[test]
    fn stops_and_holds_bar_a_host_even_when_forced() {
        let p = policy("");
        let cur = set(Some("203.0.113.6"), None);
        let stop = Stop {
            code: Code::NoHost,
            reason: "r".into(),
            since: T0,
        };
        let mut hs = accepted("203.0.113.5", T0);
        hs.stop = Some(stop.clone());
        let ps = record(hs);
        assert_eq!(
            plan_host(&p, Some(&ps), &[], "a.example.org", cur, T0 + 9999, true),
            Plan::Skip(Skip::HostStopped(stop.clone()))
        );

        let mut ps2 = record(accepted("203.0.113.5", T0));
        ps2.stop = Some(stop.clone());
        assert_eq!(
            plan_host(&p, Some(&ps2), &[], "a.example.org", cur, T0 + 9999, true),
            Plan::Skip(Skip::PolicyStopped(stop))
        );

        let mut hs = accepted("203.0.113.5", T0);
        hs.hold_until = Some(T0 + 1800);
        hs.hold_code = Some(Code::Outage);
        let ps3 = record(hs);
        assert_eq!(
            plan_host(&p, Some(&ps3), &[], "a.example.org", cur, T0 + 1799, true),
            Plan::Skip(Skip::Held {
                until: T0 + 1801,
                code: Code::Outage
            })
        );
        assert!(matches!(
            plan_host(&p, Some(&ps3), &[], "a.example.org", cur, T0 + 1801, false),
            Plan::Send { .. }
        ));

        // A hold recorded without its code (the first versions' files) still holds.
        let mut hs = accepted("203.0.113.5", T0);
        hs.hold_until = Some(T0 + 1800);
        let ps4 = record(hs);
        assert_eq!(
            plan_host(&p, Some(&ps4), &[], "a.example.org", cur, T0 + 1799, true),
            Plan::Skip(Skip::Held {
                until: T0 + 1801,
                code: Code::Unknown(String::new())
            })
        );
    }

    /// A network back-off holds every host until one second after its recorded end; --force
    /// passes it (it is not the provider's verdict).
    #[test]
    fn a_network_back_off_holds_every_host_unless_forced() {
        let p = policy("min_interval = \"0s\"");
        let cur = set(Some("203.0.113.6"), None);
        let mut ps = record(accepted("203.0.113.5", T0));
        ps.note_net_failure(3, T0, T0 + 120, "timeout".into());
        for (now, force, want_skip) in [
            (T0 + 10, false, true),
            (T0 + 120, false, true),
            (T0 + 10, true, false),
            (T0 + 121, false, false),
        ] {
            let plan = plan_host(&p, Some(&ps), &[], "a.example.org", cur, now, force);
            if want_skip {
                assert_eq!(
                    plan,
                    Plan::Skip(Skip::Retrying {
                        until: T0 + 121,
                        failures: 3
                    }),
                    "at +{} force {force}",
                    now - T0
                );
            } else {
                assert!(
                    matches!(plan, Plan::Send { .. }),
                    "at +{}: {plan:?}",
                    now - T0
                );
            }
        }
    }

    /// Per-family requests carry only the changed family; combined ones carry both.
    #[test]
    fn per_family_requests_carry_only_the_changed_family() {
        let mut p = policy("");
        let mut hs = accepted("203.0.113.5", T0);
        hs.v6 = Some(Accepted {
            addr: "2001:db8::1".parse().expect("v6"),
            at: T0,
        });
        let ps = record(hs);
        let cur = set(Some("203.0.113.5"), Some("2001:db8::2"));
        let Plan::Send { addrs, .. } =
            plan_host(&p, Some(&ps), &[], "a.example.org", cur, T0 + 600, false)
        else {
            panic!("due")
        };
        assert_eq!(addrs, set(None, Some("2001:db8::2")));
        p.dialect.family = FamilyMode::Combined;
        let Plan::Send { addrs, .. } =
            plan_host(&p, Some(&ps), &[], "a.example.org", cur, T0 + 600, false)
        else {
            panic!("due")
        };
        assert_eq!(addrs, cur);
    }

    /// A round asks for every due host, in config order, with what it should have and
    /// whether a `nochg` is expected; how the hosts travel is the protocol's.
    #[test]
    fn a_round_asks_for_every_due_host_in_config_order() {
        let text = "[[policy]]\nname = \"p\"\nserver = \"https://u.example/nic/update\"\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"a.example.org\", \"b.example.org\", \"c.example.org\"]\ninterface = \"eth0\"\nipv6 = true\n";
        let p = crate::config::test_policy(text);
        let mut rec = PolicyRecord::default();
        // a: first time (nochg expected); b and c: on record with an old address (changed).
        for h in ["b.example.org", "c.example.org"] {
            rec.hosts
                .insert(h.into(), Box::new(accepted("203.0.113.5", T0)));
        }
        let cur = set(Some("203.0.113.6"), Some("2001:db8::6"));
        let r = plan_round(&p, &rec, &[], cur, T0 + 600, false);
        let asked: Vec<(&str, AddrSet, bool)> = r
            .update
            .targets
            .iter()
            .map(|t| (t.host.as_str(), t.addrs, t.nochg_expected))
            .collect();
        assert_eq!(
            asked,
            [
                ("a.example.org", cur, true),
                ("b.example.org", cur, false),
                ("c.example.org", cur, false),
            ]
        );
        assert_eq!(
            r.due.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
            ["a.example.org", "b.example.org", "c.example.org"]
        );
        // Nothing due: an empty round.
        assert_eq!(
            plan_round(&p, &rec, &[], AddrSet::default(), T0, false),
            Round::default()
        );
    }

    const WINDOW: Duration = Duration::from_secs(25 * 86_400);

    /// An answer for host `h` that confirms `confirmed` of `sent`.
    fn answer(code: &Code, sent: AddrSet, confirmed: AddrSet) -> Answer {
        Answer {
            host: "h".into(),
            code: code.clone(),
            sent,
            confirmed,
        }
    }

    /// `record_answer` of an answer that confirms what was sent, with the default window.
    fn rec(hs: &mut HostRecord, code: &Code, sent: AddrSet, expected: bool, now: u64) -> Decision {
        let a = answer(code, sent, sent);
        record_answer(hs, &a, expected, now, WINDOW, Quirks::default()).decision
    }

    /// A clock the server keeps refusing (BADTIME) is held a minute at a time, and stops the
    /// host 30 minutes after the first refusal in a row; another answer starts the count
    /// again (reference 4.2).
    #[test]
    fn badtime_holds_then_stops_the_host_after_30_minutes() {
        let a = set(Some("203.0.113.5"), None);
        let bad = Code::Dns(9, 18);
        let mut hs = HostRecord::default();
        let minute = Decision::BackOff(crate::protocol::code::BADTIME_HOLD);
        for m in 0..30 {
            assert_eq!(
                rec(&mut hs, &bad, a, false, T0 + m * 60),
                minute,
                "minute {m}"
            );
        }
        assert_eq!(hs.badtime_since, Some(T0));
        assert_eq!(rec(&mut hs, &bad, a, false, T0 + 1800), Decision::StopHost);
        // The clock set: the next answer ends the count, and a later BADTIME holds again.
        let mut hs = HostRecord::default();
        rec(&mut hs, &bad, a, false, T0);
        assert_eq!(
            rec(&mut hs, &Code::Good, a, false, T0 + 1000),
            Decision::Continue
        );
        assert_eq!(hs.badtime_since, None);
        assert_eq!(rec(&mut hs, &bad, a, false, T0 + 2000), minute);
        assert_eq!(rec(&mut hs, &bad, a, false, T0 + 2000 + 1799), minute);
    }

    /// A dual-stack policy without one family says so, with what the provider then does in
    /// each mode; a single-stack or complete one says nothing.
    #[test]
    fn a_missing_family_is_told_with_what_the_provider_does() {
        let v4only = set(Some("203.0.113.5"), None);
        let mut p = policy("");
        for (mode, says) in [
            (FamilyMode::Combined, "removes the AAAA record"),
            (FamilyMode::MyipV6, "does not update the AAAA record"),
            (FamilyMode::Separate, "stays as it was"),
        ] {
            p.dialect.family = mode;
            let note = left_out(&p, v4only).expect("left out");
            assert!(
                note.starts_with("IPv6 is left out") && note.contains(says),
                "{note}"
            );
        }
        assert_eq!(
            left_out(&p, set(Some("203.0.113.5"), Some("2001:db8::5"))),
            None
        );
        assert!(
            left_out(&p, set(None, Some("2001:db8::5"))).is_some_and(|n| n.starts_with("IPv4"))
        );
        // deSEC keeps a family not sent with `preserve`; Dynu's IPv4 is `no`.
        p.dialect = crate::provider::Provider::DeSec.dialect();
        let note = left_out(&p, v4only).expect("left out");
        assert!(
            note.contains("sends myipv6=preserve, so the provider leaves the AAAA record"),
            "{note}"
        );
        p.dialect = crate::provider::Provider::Dynu.dialect();
        let note = left_out(&p, set(None, Some("2001:db8::5"))).expect("left out");
        assert!(note.contains("sends myip=no"), "{note}");
        p.ipv6 = false;
        assert_eq!(left_out(&p, v4only), None);
    }

    /// Recording: success stores the address; a repeated unexpected nochg stops the host;
    /// outages hold 30 then 60 minutes; wait codes hold as asked.
    #[test]
    fn an_answer_is_recorded_as_its_decision_says() {
        let sent = set(Some("203.0.113.5"), None);
        let mut hs = HostRecord::default();
        assert_eq!(
            rec(&mut hs, &Code::Good, sent, false, T0),
            Decision::Continue
        );
        assert_eq!(
            hs.v4.map(|a| (a.addr.to_string(), a.at)),
            Some(("203.0.113.5".into(), T0))
        );

        let mut hs = HostRecord::default();
        assert_eq!(
            rec(&mut hs, &Code::Nochg, sent, false, T0),
            Decision::Continue
        );
        assert_eq!(hs.nochg_streak, 1);
        assert_eq!(
            rec(&mut hs, &Code::Nochg, sent, false, T0 + 60),
            Decision::StopHost
        );
        assert_eq!(hs.stop.as_ref().map(|s| s.code.clone()), Some(Code::Nochg));

        let mut hs = HostRecord::default();
        rec(&mut hs, &Code::Nochg, sent, true, T0);
        assert_eq!(hs.nochg_streak, 0, "an expected nochg is no strike");

        // Provider-side holds are the server's (verdicts, see `policy::tests::verdicts_bind_every_policy_of_the_server_or_account`): the
        // host keeps only the streak that makes the next one 60 minutes.
        let mut hs = HostRecord::default();
        assert_eq!(
            rec(&mut hs, &Code::Outage, sent, false, T0),
            Decision::BackOff(Duration::from_secs(1800))
        );
        assert_eq!((hs.hold_until, hs.outage_streak), (None, 1));
        assert_eq!(
            rec(&mut hs, &Code::DnsErr, sent, false, T0 + 1800),
            Decision::BackOff(Duration::from_secs(3600))
        );
        assert_eq!(
            rec(&mut hs, &Code::Good, sent, false, T0 + 9000),
            Decision::Continue
        );
        assert_eq!((hs.hold_until, hs.outage_streak), (None, 0));

        let mut hs = HostRecord::default();
        assert_eq!(
            rec(
                &mut hs,
                &Code::Wait(Duration::from_secs(300)),
                sent,
                false,
                T0
            ),
            Decision::BackOff(Duration::from_secs(300))
        );
        assert_eq!(hs.hold_until, None);

        // An unreadable reply is about this host's answers: the host's own hold.
        let mut hs = HostRecord::default();
        rec(&mut hs, &Code::Unknown("x".into()), sent, false, T0);
        assert_eq!(hs.hold_until, Some(T0 + 1800));

        let mut hs = HostRecord::default();
        for i in 0..2 {
            assert!(matches!(
                rec(&mut hs, &Code::Unknown("x".into()), sent, false, T0 + i),
                Decision::BackOff(_)
            ));
        }
        assert_eq!(
            rec(&mut hs, &Code::NoLine, sent, false, T0 + 5),
            Decision::StopHost
        );
    }

    /// Unexpected `nochg` answers count as the provider counts them: a `good` between two of
    /// them does not wipe the first, so good, nochg, good, nochg stops the host; a second
    /// one after the window (the refresh interval) has passed starts again.
    #[test]
    fn nochg_counts_over_a_window() {
        let sent = set(Some("203.0.113.5"), None);
        let mut hs = HostRecord::default();
        let seq = [
            (Code::Good, Decision::Continue),
            (Code::Nochg, Decision::Continue),
            (Code::Good, Decision::Continue),
            (Code::Nochg, Decision::StopHost),
        ];
        for (i, (code, want)) in seq.into_iter().enumerate() {
            let got = rec(&mut hs, &code, sent, false, T0 + 600 * i as u64);
            assert_eq!(got, want, "answer {i}: {code}");
        }
        let mut hs = HostRecord::default();
        assert_eq!(
            rec(&mut hs, &Code::Nochg, sent, false, T0),
            Decision::Continue
        );
        let later = T0 + WINDOW.as_secs();
        assert_eq!(
            rec(&mut hs, &Code::Nochg, sent, false, later),
            Decision::Continue,
            "the first one has left the window"
        );
        assert_eq!((hs.nochg_streak, hs.nochg_at), (1, Some(later)));
    }

    /// Only what the reply confirms is accepted: a line naming only the IPv4 address (a
    /// server that ignored myipv6) leaves the IPv6 address unaccepted, to be sent again; a
    /// line naming none accepts what was sent.
    #[test]
    fn only_confirmed_addresses_are_accepted() {
        let q = Quirks::default();
        let sent = set(Some("203.0.113.130"), Some("2001:db8::130"));
        let mut hs = HostRecord::default();
        let a = answer(&Code::Good, sent, set(Some("203.0.113.130"), None));
        let r = record_answer(&mut hs, &a, false, T0, WINDOW, q);
        assert_eq!(r.decision, Decision::Continue);
        assert_eq!(r.unconfirmed, set(None, Some("2001:db8::130")));
        assert!(hs.v4.is_some() && hs.v6.is_none(), "{hs:?}");
        let report = Report::answer(Who::named("home"), &a, r, T0);
        assert_eq!(report.effect, Effect::Failed);
        assert!(
            report
                .message
                .contains("the reply does not confirm 2001:db8::130"),
            "{}",
            report.message
        );
        let mut hs = HostRecord::default();
        let r = record_answer(
            &mut hs,
            &answer(&Code::Good, sent, sent),
            false,
            T0,
            WINDOW,
            q,
        );
        assert_eq!(r.unconfirmed, AddrSet::default());
        assert!(hs.v4.is_some() && hs.v6.is_some());
    }

    /// A decision with nothing left unconfirmed.
    fn ok(decision: Decision) -> Recorded {
        Recorded {
            decision,
            unconfirmed: AddrSet::default(),
        }
    }

    /// One level and one wording per (code, decision), for both commands: successes are
    /// accepted, holds say how long and until when, verdicts say what to do.
    #[test]
    fn each_answer_has_one_level_and_one_wording_for_both_commands() {
        let sent = set(Some("203.0.113.5"), None);
        let r = Report::answer(
            Who::named("home"),
            &answer(&Code::Good, sent, sent),
            ok(Decision::Continue),
            T0,
        );
        assert_eq!((r.level, r.effect), (Level::Info, Effect::Accepted));
        assert_eq!(
            r.message,
            "good 203.0.113.5: the provider updated the record to the address sent"
        );
        let r = Report::answer(
            Who::named("home"),
            &answer(&Code::Nochg, sent, sent),
            ok(Decision::Continue),
            T0,
        );
        assert_eq!((r.level, r.effect), (Level::Warn, Effect::Accepted));
        let r = Report::answer(
            Who::named("home"),
            &answer(&Code::Outage, sent, sent),
            ok(Decision::BackOff(Duration::from_secs(1800))),
            T0,
        );
        assert_eq!((r.level, r.effect), (Level::Warn, Effect::Failed));
        assert_eq!(
            r.until,
            Some(T0 + 1801),
            "whole seconds: one after the recorded end"
        );
        assert!(
            r.text(&Zone::utc())
                .ends_with("; holding 30m (no request before 2023-11-14 22:43:21 +00:00)"),
            "{}",
            r.text(&Zone::utc())
        );
        let r = Report::answer(
            Who::named("home"),
            &answer(&Code::Badauth, sent, sent),
            ok(Decision::StopAccount),
            T0,
        );
        assert_eq!((r.level, r.effect), (Level::Error, Effect::Failed));
        assert!(
            r.message.starts_with(
                "badauth: the provider rejected the user name or password (badauth); sent 203.0.113.5;"
            ),
            "a failure shows what was sent, not as the server's answer: {}",
            r.message
        );
        assert!(
            r.message
                .contains("; stop account: fix the user name and password")
                && r.message.contains("`dynward reset home`"),
            "{}",
            r.message
        );
        assert_eq!(r.code, Some(Outcome::Answer(Code::Badauth)));
    }
}
