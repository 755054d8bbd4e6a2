//! The per-policy state machine: pure, no sockets, tasks or clocks.
//!
//! Time enters as [`Now`] (a monotonic offset for timers and the wall clock for what is
//! recorded), events enter as [`Input`], and what the driver must do comes out as [`Action`]s.
//! [`Machine::next_deadline`] says when the driver must call again with [`Input::Tick`]. The
//! decisions themselves (which host is due, how a reply changes the record) are the core's
//! ([`crate::plan`]); `dynward once` and `dynward run` are two drivers of this one machine.
//!
//! States (user-visible names, as Comware shows them):
//! - `waiting`: no usable address, or the address has not been stable for `stable_for`;
//! - `resolving`: looking up the update server;
//! - `updating`: a request is in flight (never more than one per policy);
//! - `sleeping`: nothing due until the next change, refresh, hold or web re-check;
//! - `invalid`: a fatal answer (or an unusable setting): nothing is sent until the user changes
//!   the policy's config or resets it.
//!
//! The machine speaks updates and answers, never a protocol's messages: it asks for an
//! [`Update`] (which hosts, which addresses, what is expected back) and takes each reply's
//! per-host [`Answers`], or a failure; the exchange that carries the update is the
//! protocol's ([`crate::protocol`]), moved by the driver.
//!
//! Invariants, beside what the types hold (the update in flight lives in
//! [`State::Updating`], so an update is in flight exactly while updating, and there is one):
//! 1. a [`Action::Update`] is emitted only together with the state `updating`, and never while
//!    another update is in flight; a [`Action::Proceed`] only while updating, for the update
//!    in flight, after one of its answers;
//! 2. a [`Action::Resolve`] is emitted only on entering `resolving`;
//! 3. nothing is resolved or sent while `invalid`;
//! 4. no update carries a host that is stopped, held, backing off, or inside `min_interval`,
//!    and no update goes on with a host an earlier answer of it stopped or held.
//!
//! `tests::random_inputs_keep_the_invariants` checks them after every step of random input
//! sequences.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::addr::AddrSet;
use crate::config::{FingerprintKey, Policy};
use crate::plan::{self, Level, Plan, Report, Round, Skip};
use crate::protocol::code::{Code, Decision, Outcome};
use crate::protocol::dns::served::{Ask, Found};
use crate::protocol::{Answers, NetError, Pending, Update};
use crate::record::{
    Identity, Lift, PolicyRecord, Verdict, add_verdict, lift_verdicts, rebase_note, wait_end,
};
use crate::status::{
    HostStatus, NextAction, PolicyStatus, RetryStatus, stop_status, verdict_hold, verdict_stop,
};

/// The first back-off after a failure before any reply (resolve, connect, TLS, timeout).
pub const NET_BACKOFF_FIRST: Duration = Duration::from_secs(30);
/// The longest such back-off.
pub const NET_BACKOFF_CAP: Duration = Duration::from_secs(30 * 60);

/// The time as the machine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// Monotonic time since the driver started: all timers.
    pub mono: Duration,
    /// Wall clock, Unix seconds: what is recorded in the state file.
    pub wall: u64,
}

impl Now {
    /// This moment plus `d`, both clocks.
    pub fn plus(self, d: Duration) -> Now {
        Now {
            mono: self.mono + d,
            wall: self.wall + d.as_secs(),
        }
    }

    /// The monotonic deadline of a wall-clock time (now if it has passed).
    fn mono_of(self, wall: u64) -> Duration {
        self.mono + Duration::from_secs(wall.saturating_sub(self.wall))
    }
}

/// The update in flight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InFlight {
    /// The update's id, echoed by its answers.
    pub id: u64,
    /// Per host of the update: whether a `nochg` answer is expected.
    pub expected: BTreeMap<String, bool>,
}

/// What a sleeping policy waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    /// Nothing is planned: the next address change.
    AddressChange,
    /// The periodic refresh of an unchanged address (`max_interval`).
    Refresh,
    /// The next ask of a web or command source.
    WebCheck,
    /// The minimum gap between two updates of a host (`min_interval`).
    MinInterval,
    /// A hold after this code ends.
    Hold(Code),
    /// The retry after failures before any answer, this many in a row.
    Retry(u32),
    /// The retry after this network failure.
    RetryAfter(String),
    /// Nothing: the user reset the policy.
    Reset,
}

impl Wake {
    /// What happens then, in words: "the periodic refresh".
    pub fn what(&self) -> String {
        match self {
            Wake::AddressChange => "the next address change".into(),
            Wake::Refresh => "the periodic refresh".into(),
            Wake::WebCheck => "the next web check".into(),
            Wake::MinInterval => "min_interval has passed".into(),
            Wake::Hold(code) => plan::hold_end(code),
            Wake::Retry(failures) => {
                format!("the retry after a network failure ({failures} in a row)")
            }
            Wake::RetryAfter(why) => format!("the retry after a network failure: {why}"),
            Wake::Reset => "a reset by the user".into(),
        }
    }

    /// Why the policy sleeps, in words: "until the periodic refresh".
    pub fn reason(&self) -> String {
        match self {
            Wake::Reset => format!("after {}", self.what()),
            w => format!("until {}", w.what()),
        }
    }
}

/// The user-visible state, with the data that belongs to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// No usable or no stable address yet.
    Waiting {
        /// Why, in words.
        reason: String,
    },
    /// Looking up the update server.
    Resolving,
    /// A request is in flight.
    Updating(InFlight),
    /// Nothing to do until `until` (or the next address change).
    Sleeping {
        /// Next planned action (monotonic).
        until: Option<Duration>,
        /// The same moment on the wall clock (Unix seconds), fixed when it was planned, so
        /// that every look at it shows the same second.
        at: Option<u64>,
        /// What happens then.
        wake: Wake,
    },
    /// Stopped until the user acts.
    Invalid {
        /// Why, with the code.
        reason: String,
    },
}

impl State {
    /// The state's name as logs and `status` show it.
    pub fn name(&self) -> &'static str {
        match self {
            State::Waiting { .. } => "waiting",
            State::Resolving => "resolving",
            State::Updating(_) => "updating",
            State::Sleeping { .. } => "sleeping",
            State::Invalid { .. } => "invalid",
        }
    }

    /// Why the policy is in this state, in words.
    pub fn reason(&self) -> String {
        match self {
            State::Waiting { reason } | State::Invalid { reason } => reason.clone(),
            State::Sleeping { wake, .. } => wake.reason(),
            State::Resolving => "looking up the update server".into(),
            State::Updating(_) => "update in flight".into(),
        }
    }

    fn awaits_answer(&self) -> bool {
        matches!(self, State::Resolving | State::Updating(_))
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Logs a policy's new state (both drivers, for [`Action::StateChanged`]): one line with the
/// state's name and why, the policy and state as fields.
pub fn log_state_change(policy: &str, state: &'static str, reason: &str) {
    tracing::info!(policy = %policy, state, "{state}: {reason}");
}

/// How addresses reach the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readings {
    /// A stream of readings (netlink events, periodic web checks): a new address is published
    /// once it has been unchanged for the policy's `stable_for`.
    Stream,
    /// One reading, taken when asked: there is nothing to wait for, so it is used as it is.
    Single,
}

/// Everything that can happen to a policy.
#[derive(Debug, Clone)]
pub enum Input {
    /// The source's current publishable addresses (empty: none, with why).
    Addresses {
        /// What may be published now.
        addrs: AddrSet,
        /// Why it is empty, when it is.
        reason: Option<String>,
    },
    /// A deadline passed.
    Tick,
    /// The update server's name lookup finished.
    Resolved(Result<(), NetError>),
    /// A reply to the update `id` was read into answers.
    Answered {
        /// Which update.
        id: u64,
        /// The answers, per host.
        answers: Answers,
        /// Whether the update is over (nothing more will be sent for it).
        last: bool,
    },
    /// A message of the update `id` got no reply: the update is over.
    Failed {
        /// Which update.
        id: u64,
        /// Why.
        error: NetError,
        /// The hosts (and addresses) of the message that got no reply.
        pending: Pending,
    },
    /// A web check-IP lookup failed.
    WebFailed(String),
    /// The user reset the policy (or one host).
    Reset {
        /// Only this host.
        host: Option<String>,
    },
    /// The user asks to send the next round even where the address is unchanged
    /// (`once --force`); it passes no stop, provider hold or `min_interval`.
    Force,
    /// The verdicts that bind this policy now (at its server, or of its account), whichever
    /// policy got them.
    Verdicts(Vec<Verdict>),
    /// Ask the zone's servers now what they serve for every host with an accepted address
    /// (`once --verify`): answered with [`Input::Checked`].
    VerifyNow,
    /// What a check of a host's record at the zone's servers found.
    Checked {
        /// What it found.
        found: Found,
        /// A periodic check (`verify_every`), which repairs a record changed elsewhere; else
        /// the check after an update or asked by the user, which reports only.
        periodic: bool,
    },
    /// The driver gave up the update `id` before its (next) answer (its source address went
    /// away, or an answer to another policy at the server changed what may be sent): nothing
    /// more is known of its fate, so nothing more is recorded and the policy plans again at
    /// once, without the back-off of a network failure.
    Withdrawn {
        /// Which update.
        id: u64,
        /// Why, in words.
        why: String,
    },
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Resolve the update server's name and answer with [`Input::Resolved`].
    Resolve,
    /// Run this update's exchange and feed its answers back with [`Input::Answered`] (or
    /// [`Input::Failed`]).
    Update {
        /// The update's id, echoed by its answers.
        id: u64,
        /// What to publish for which hosts.
        update: Update,
    },
    /// Go on with the update `id` after answers that were not its last, for these hosts
    /// only; with none, the update ends here.
    Proceed {
        /// Which update.
        id: u64,
        /// The hosts still wanted.
        keep: Vec<String>,
    },
    /// Ask the web check-IP service; answer with [`Input::Addresses`] or [`Input::WebFailed`].
    CheckWeb,
    /// Ask the zone's authoritative servers what they serve for these hosts; answer each
    /// with [`Input::Checked`].
    Verify {
        /// One per host.
        asks: Vec<Ask>,
        /// A periodic check (see [`Input::Checked`]).
        periodic: bool,
    },
    /// Save the state file.
    Persist,
    /// The state changed: log it once.
    StateChanged {
        /// New state name.
        state: &'static str,
        /// Why.
        reason: String,
    },
    /// Run the policy's `on_change` or `on_error` hook (if configured).
    Hook(HookEvent),
    /// Tell the user: a result, a failure or a notice.
    Report(Report),
    /// A verdict for every policy at the server or of the account: record it and pass it on.
    Verdict(Verdict),
    /// Lift the verdicts that bind policies at `server` with user name `user`.
    Lift {
        /// The server.
        server: crate::protocol::ServerId,
        /// The user name.
        user: String,
        /// Stops only, or holds too.
        what: Lift,
    },
}

/// Which hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// After a successful change (`good`).
    Change,
    /// A host or the policy became invalid, or backs off.
    Error,
    /// The zone's servers do not serve what the provider accepted (the `on_error` hook).
    NotServed,
}

/// What a hook is told (as DYNWARD_* environment variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookEvent {
    /// Which hook.
    pub kind: HookKind,
    /// The hosts concerned.
    pub hosts: Vec<String>,
    /// The addresses sent.
    pub address: String,
    /// The policy's state after the event.
    pub state: &'static str,
    /// The answer (or network failure).
    pub code: Outcome,
    /// The explanation.
    pub message: String,
}

/// The hook events of one reply's answers: the hosts it changed, and the hosts it failed for
/// by code, each group with the addresses sent.
#[derive(Default)]
struct Hooks {
    changed: Vec<(String, Vec<String>)>,
    failed: Vec<(Code, String, Vec<String>)>,
}

impl Hooks {
    fn add(&mut self, a: &crate::protocol::Answer, decision: Decision) {
        let address = a.sent.to_string();
        match decision {
            Decision::Continue if a.code == Code::Good => {
                match self.changed.iter_mut().find(|(sent, _)| *sent == address) {
                    Some((_, hosts)) => hosts.push(a.host.clone()),
                    None => self.changed.push((address, vec![a.host.clone()])),
                }
            }
            Decision::Continue => {}
            _ => match self
                .failed
                .iter_mut()
                .find(|(c, sent, _)| c.name() == a.code.name() && *sent == address)
            {
                Some((_, _, hosts)) => hosts.push(a.host.clone()),
                None => self
                    .failed
                    .push((a.code.clone(), address, vec![a.host.clone()])),
            },
        }
    }

    /// The events, the changes first; `state` is the policy's after the answers.
    fn events(self, state: &'static str) -> Vec<HookEvent> {
        let changed = self.changed.into_iter().map(|(address, hosts)| HookEvent {
            kind: HookKind::Change,
            hosts,
            address,
            state,
            code: Outcome::Answer(Code::Good),
            message: Code::Good.explanation(),
        });
        let failed = self
            .failed
            .into_iter()
            .map(|(code, address, hosts)| HookEvent {
                kind: HookKind::Error,
                hosts,
                address,
                state,
                message: code.explanation(),
                code: Outcome::Answer(code),
            });
        changed.chain(failed).collect()
    }
}

/// The state machine of one policy.
#[derive(Debug)]
pub struct Machine {
    policy: Arc<Policy>,
    record: PolicyRecord,
    /// The verdicts that bind this policy (kept by the driver for every policy).
    verdicts: Vec<Verdict>,
    state: State,
    readings: Readings,
    /// The stable addresses being published.
    current: AddrSet,
    no_addr_reason: String,
    /// An address seen but not yet stable, and when it will be (monotonic, and wall-clock
    /// for display). It may stand beside any state: a change during a request waits for the
    /// request to end.
    candidate: Option<(AddrSet, Duration, u64)>,
    /// The user forced the next round.
    force: bool,
    /// A setting that cannot work (not persisted: a restart, reload or reset tries again).
    unusable: Option<String>,
    next_id: u64,
    /// The next web check (monotonic, and wall-clock for display).
    web_next: Option<(Duration, u64)>,
    /// The next periodic check of what the zone's servers serve (`verify_every`).
    verify_next: Option<Duration>,
    web_in_flight: bool,
    rng: u64,
    actions: Vec<Action>,
}

impl Machine {
    /// A machine for `policy` with what is on record for it. A record made under another
    /// config is adopted ([`PolicyRecord::adopt`]): its stops are cleared (changing the
    /// config is how the user acts on a fatal answer), and only what the change makes unknown
    /// is sent.
    pub fn new(
        policy: Arc<Policy>,
        mut record: PolicyRecord,
        verdicts: Vec<Verdict>,
        key: &FingerprintKey,
        now: Now,
        readings: Readings,
    ) -> Self {
        let (fingerprint, legacy, account) = (
            policy.fingerprint(key),
            policy.legacy_fingerprint(),
            policy.account(),
        );
        let recorded = record.fingerprint.clone();
        let config_changed = record.adopt(&Identity {
            fingerprint: &fingerprint,
            legacy: &legacy,
            account: &account,
            key_fresh: key.fresh,
        });
        let rng = policy.name.bytes().fold(0x9e37_79b9_7f4a_7c15u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }) | 1;
        let web_next = policy.source.is_asked().then_some((now.mono, now.wall));
        let verify_next = policy.verify_every.map(|d| now.mono + d);
        let mut m = Machine {
            policy,
            record,
            verdicts,
            state: State::Waiting {
                reason: "no address yet".into(),
            },
            readings,
            current: AddrSet::default(),
            no_addr_reason: "no address yet".into(),
            candidate: None,
            force: false,
            unusable: None,
            next_id: 1,
            web_next,
            verify_next,
            web_in_flight: false,
            rng,
            actions: Vec::new(),
        };
        if config_changed {
            m.notice(
                Level::Info,
                "the policy's config changed: its stops are cleared; what the provider already has is not sent again".into(),
            );
            m.lift(Lift::Stops);
        }
        // A record taken over silently (0.1.0's unkeyed fingerprint, a lost key) is written
        // at once under the new fingerprint, whether or not anything is sent: left as it was,
        // the next start would read the old fingerprint as a changed config and clear the
        // stops it kept. A new record waits for its first answer (no write for nothing).
        if config_changed || (!recorded.is_empty() && m.record.fingerprint != recorded) {
            m.actions.push(Action::Persist);
        }
        let moved = m.record.rebase_times(now.wall);
        if moved != 0 {
            m.notice(Level::Warn, rebase_note(moved));
            m.actions.push(Action::Persist);
        }
        m.on_timers(now);
        m.evaluate(now);
        m
    }

    /// The wall clock was stepped by `step.delta` seconds while this run held the record:
    /// what the run recorded moves with the clock, so holds and refreshes keep their
    /// distance to the present (a step forward neither ends a hold nor makes every refresh
    /// due; a step back does not stretch a hold). Timers already run on the monotonic clock.
    pub fn clock_stepped(&mut self, now: Now, step: crate::clock::Step) -> Vec<Action> {
        self.record.shift_times(step.run_start, step.delta);
        crate::record::shift_verdicts(&mut self.verdicts, step.run_start, step.delta);
        let moved = self.record.rebase_times(now.wall);
        if moved != 0 {
            self.notice(Level::Warn, rebase_note(moved));
        }
        self.actions.push(Action::Persist);
        if !self.state.awaits_answer() {
            self.evaluate(now);
        }
        self.drain()
    }

    /// The policy.
    pub fn policy(&self) -> &Arc<Policy> {
        &self.policy
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// What is on record (for the state file).
    pub fn persisted(&self) -> &PolicyRecord {
        &self.record
    }

    /// The verdicts that bind this policy, as it knows them.
    pub fn verdicts(&self) -> &[Verdict] {
        &self.verdicts
    }

    /// The record, when the machine is done.
    pub fn into_record(self) -> PolicyRecord {
        self.record
    }

    /// The stable addresses being published.
    pub fn current(&self) -> AddrSet {
        self.current
    }

    /// Whether an answer is awaited: a lookup, an update or a web check is out.
    pub fn has_work_out(&self) -> bool {
        self.state.awaits_answer() || self.web_in_flight
    }

    /// Takes the actions produced so far.
    pub fn drain(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.actions)
    }

    /// Each host's plan now, in config order (for `once`'s per-host lines).
    pub fn plans(&self, now: Now) -> Vec<(String, Plan)> {
        plan::plan_hosts(
            &self.policy,
            &self.record,
            &self.verdicts,
            self.current,
            now.wall,
            self.force,
        )
    }

    /// The round that would be sent now (for `once --dry-run`), without sending it.
    pub fn preview(&self, now: Now) -> Round {
        if self.stop_reason().is_some() {
            return Round::default();
        }
        plan::plan_round(
            &self.policy,
            &self.record,
            &self.verdicts,
            self.current,
            now.wall,
            self.force,
        )
    }

    /// Feeds one input; returns the actions to carry out.
    pub fn handle(&mut self, now: Now, input: Input) -> Vec<Action> {
        match input {
            Input::Addresses { addrs, reason } => self.on_addresses(now, addrs, reason),
            Input::Tick => {}
            Input::Resolved(result) => self.on_resolved(now, result),
            Input::Answered { id, answers, last } => {
                if let Some(round) = self.take_in_flight(id) {
                    self.on_answers(now, round, answers, last);
                }
            }
            Input::Failed { id, error, pending } => {
                if self.take_in_flight(id).is_some() {
                    self.on_net_error(now, Some(pending), error);
                }
            }
            Input::WebFailed(why) => {
                self.web_in_flight = false;
                self.web_next = Some(Self::after(now, self.policy.check_interval));
                self.notice(Level::Warn, format!("web check failed: {why}"));
                if self.current.is_empty() {
                    self.no_addr_reason = why;
                }
            }
            Input::Reset { host } => self.on_reset(host),
            Input::Force => self.force = true,
            Input::VerifyNow => self.verify(self.policy.verify_for, false),
            Input::Checked { found, periodic } => self.on_checked(now, found, periodic),
            Input::Verdicts(v) => self.verdicts = v,
            Input::Withdrawn { id, why } => {
                if self.take_in_flight(id).is_some() {
                    self.notice(
                        Level::Info,
                        format!("request withdrawn before its answer: {why}; planning again"),
                    );
                    self.evaluate(now);
                }
            }
        }
        self.on_timers(now);
        if !self.state.awaits_answer() {
            self.evaluate(now);
        }
        self.drain()
    }

    /// Lifts the verdicts that bind this policy (for every policy they bind).
    fn lift(&mut self, what: Lift) {
        let (server, user) = (self.policy.server_key(), self.policy.account_user());
        if lift_verdicts(&mut self.verdicts, &server, &user, what) {
            self.notice(
                Level::Info,
                format!("verdicts on every policy at {server} lifted"),
            );
        }
        self.actions.push(Action::Lift { server, user, what });
    }

    /// The round in flight, when `id` is its request.
    fn take_in_flight(&mut self, id: u64) -> Option<InFlight> {
        match &mut self.state {
            State::Updating(round) if round.id == id => Some(std::mem::take(round)),
            _ => None,
        }
    }

    fn on_reset(&mut self, host: Option<String>) {
        if !self.record.reset(host.as_deref()) {
            return;
        }
        if host.is_none() {
            self.lift(Lift::All);
        }
        self.unusable = None;
        if matches!(self.state, State::Invalid { .. }) {
            self.set_state(State::Sleeping {
                until: None,
                at: None,
                wake: Wake::Reset,
            });
        }
        self.actions.push(Action::Report(Report {
            host,
            ..Report::notice(
                Level::Info,
                "reset by the user: stops and holds cleared".into(),
            )
        }));
        self.actions.push(Action::Persist);
    }

    fn on_addresses(&mut self, now: Now, addrs: AddrSet, reason: Option<String>) {
        if self.policy.source.is_asked() && self.web_in_flight {
            self.web_in_flight = false;
            self.web_next = Some(Self::after(now, self.policy.check_interval));
        }
        if addrs.is_empty() {
            self.candidate = None;
            if !self.current.is_empty() {
                self.notice(Level::Warn, format!("address {} gone", self.current));
            }
            self.current = AddrSet::default();
            self.no_addr_reason = reason.unwrap_or_else(|| "no publishable address".into());
            return;
        }
        if self.readings == Readings::Single {
            self.candidate = None;
            self.current = addrs;
            return;
        }
        let pending = self.candidate.map(|(a, _, _)| a);
        if pending == Some(addrs) || (pending.is_none() && addrs == self.current) {
            return;
        }
        if self.state.awaits_answer() {
            self.notice(
                Level::Info,
                format!("address now {addrs}; last update not finished, it will follow"),
            );
        }
        let (mono, wall) = Self::after(now, self.policy.stable_for);
        self.candidate = Some((addrs, mono, wall));
    }

    /// The moment `d` after `now`, on both clocks.
    fn after(now: Now, d: Duration) -> (Duration, u64) {
        (now.mono + d, now.wall.saturating_add(d.as_secs()))
    }

    fn on_timers(&mut self, now: Now) {
        if let Some((addrs, at, _)) = self.candidate
            && now.mono >= at
        {
            self.candidate = None;
            if addrs != self.current {
                self.notice(Level::Info, format!("address {addrs} is stable"));
            }
            self.current = addrs;
        }
        if let Some((t, _)) = self.web_next
            && now.mono >= t
            && !self.web_in_flight
        {
            self.web_next = None;
            self.web_in_flight = true;
            self.actions.push(Action::CheckWeb);
        }
        if let (Some(t), Some(every)) = (self.verify_next, self.policy.verify_every)
            && now.mono >= t
        {
            // Skipped while an update is out: its own check follows it.
            self.verify_next = Some(now.mono + every);
            if !self.state.awaits_answer() {
                self.verify(Duration::ZERO, true);
            }
        }
    }

    /// What the provider accepted for `host`, as on record.
    fn accepted(&self, host: &str) -> AddrSet {
        self.record
            .hosts
            .get(host)
            .map(|h| AddrSet {
                v4: h.v4.map(|a| a.addr),
                v6: h.v6.map(|a| a.addr),
            })
            .unwrap_or_default()
    }

    /// The check of each of `hosts` (those with an accepted address, not stopped).
    fn asks<'a>(&self, hosts: impl Iterator<Item = &'a String>, limit: Duration) -> Vec<Ask> {
        hosts
            .filter(|h| self.record.hosts.get(*h).is_none_or(|r| r.stop.is_none()))
            .map(|h| Ask {
                host: h.clone(),
                want: self.accepted(h),
                zone: self.policy.api.zone.clone(),
                limit,
                behind_proxy: self.record.hosts.get(h).is_some_and(|r| r.behind_proxy),
            })
            .filter(|a| !a.want.is_empty())
            .collect()
    }

    /// Asks for a check of every host.
    fn verify(&mut self, limit: Duration, periodic: bool) {
        let asks = self.asks(self.policy.hosts.iter(), limit);
        if !asks.is_empty() {
            self.actions.push(Action::Verify { asks, periodic });
        }
    }

    /// Keeps what a check found; says it when it is news; after a periodic check that found
    /// the record changed elsewhere, the record learns what is served, so the planner sends
    /// the address again (it differs: no `nochg`).
    fn on_checked(&mut self, now: Now, found: Found, periodic: bool) {
        // A check of an address accepted before the last update says nothing of it.
        if found.want != self.accepted(&found.host) {
            return;
        }
        let blocked = self.blocked(&found.host, now.wall);
        let Some(hs) = self.record.hosts.get_mut(&found.host) else {
            return;
        };
        let news =
            !periodic || hs.published.as_ref().map(|p| p.served) != Some(found.published.served);
        let words = format!("{}: {}", found.host, found.published.words);
        let served = found.published.served;
        hs.published = Some(found.published);
        match &found.elsewhere {
            Some(moved) if periodic && !blocked => {
                if let Some(v4) = moved.v4 {
                    hs.v4 = v4.map(|addr| crate::record::Accepted { addr, at: now.wall });
                }
                if let Some(v6) = moved.v6 {
                    hs.v6 = v6.map(|addr| crate::record::Accepted { addr, at: now.wall });
                }
                self.notice(
                    Level::Warn,
                    format!(
                        "{words}: the record was changed outside dynward; {} is sent again",
                        found.want
                    ),
                );
                self.actions.push(Action::Persist);
            }
            _ if news => {
                let level = if served == Some(false) {
                    Level::Warn
                } else {
                    Level::Info
                };
                self.notice(level, words.clone());
                self.actions.push(Action::Persist);
                if served == Some(false) {
                    self.actions.push(Action::Hook(HookEvent {
                        kind: HookKind::NotServed,
                        hosts: vec![found.host.clone()],
                        address: found.want.to_string(),
                        state: self.state.name(),
                        code: Outcome::Answer(Code::Good),
                        message: words,
                    }));
                }
            }
            _ => {}
        }
    }

    fn stop_reason(&self) -> Option<String> {
        if let Some(why) = &self.unusable {
            return Some(why.clone());
        }
        if let Some(s) = &self.record.stop {
            return Some(s.reason.clone());
        }
        // Its scope and whose answer it was are in `status`'s stop line.
        if let Some(v) = self.verdicts.iter().find(|v| v.is_stop()) {
            return Some(v.reason.clone());
        }
        let stops: Vec<_> = self
            .policy
            .hosts
            .iter()
            .filter_map(|h| {
                let stop = self.record.hosts.get(h).and_then(|x| x.stop.as_ref())?;
                Some((h, stop))
            })
            .collect();
        match stops.first() {
            Some((h, s)) if stops.len() == self.policy.hosts.len() => Some(format!(
                "every host is stopped; {h} by {}: {}",
                s.code, s.reason
            )),
            _ => None,
        }
    }

    /// Decides what to do when idle.
    fn evaluate(&mut self, now: Now) {
        if let Some(reason) = self.stop_reason() {
            self.set_state(State::Invalid { reason });
            return;
        }
        if self.candidate.is_some() {
            self.set_state(State::Waiting {
                reason: "waiting for the address to be stable".into(),
            });
            return;
        }
        if self.current.is_empty() {
            let reason = self.no_addr_reason.clone();
            self.set_state(State::Waiting { reason });
            return;
        }
        let mut due = false;
        let mut next: Option<(Duration, u64, Wake)> = None;
        // A deadline from the record is a wall-clock second; its timer is its monotonic time.
        let mut consider = |wall: u64, wake: Wake| {
            let t = now.mono_of(wall);
            if next.as_ref().is_none_or(|(w, _, _)| t < *w) {
                next = Some((t, wall, wake));
            }
        };
        for (host, p) in self.plans(now) {
            match p {
                Plan::Send { .. } => due = true,
                Plan::Skip(Skip::Held { until, code }) => consider(until, Wake::Hold(code)),
                Plan::Skip(Skip::Retrying { until, failures }) => {
                    consider(until, Wake::Retry(failures))
                }
                Plan::Skip(Skip::TooSoon { until }) => consider(until, Wake::MinInterval),
                Plan::Skip(Skip::UpToDate) => {
                    let h = self.record.hosts.get(&host).map(|b| &**b);
                    if let Some(at) = plan::refresh_at(&self.policy, h, self.current) {
                        consider(at, Wake::Refresh);
                    }
                }
                Plan::Skip(
                    Skip::HostStopped(_)
                    | Skip::PolicyStopped(_)
                    | Skip::Refused(_)
                    | Skip::NoAddress,
                ) => {}
            }
        }
        if due {
            self.set_state(State::Resolving);
            self.actions.push(Action::Resolve);
            return;
        }
        let web = self.web_next.map(|(t, wall)| (t, wall, Wake::WebCheck));
        let next = match (next, web) {
            (Some(w), Some(v)) => Some(if v.0 < w.0 { v } else { w }),
            (w, v) => w.or(v),
        };
        let (until, at, wake) = match next {
            Some((t, wall, wake)) => (Some(t), Some(wall), wake),
            None => (None, None, Wake::AddressChange),
        };
        self.set_state(State::Sleeping { until, at, wake });
    }

    fn on_resolved(&mut self, now: Now, result: Result<(), NetError>) {
        if self.state != State::Resolving {
            return;
        }
        if let Err(e) = result {
            return self.on_net_error(now, None, e);
        }
        // Plan again now: a host may have changed while the name was looked up.
        let round = self.preview(now);
        if round.update.targets.is_empty() {
            // Nothing left: the user's force it was for is dealt with.
            self.force = false;
            return self.evaluate(now);
        }
        if let Some(note) = plan::left_out(&self.policy, self.current) {
            self.notice(Level::Warn, note);
        }
        for (host, why) in &round.due {
            self.actions.push(Action::Report(Report {
                host: Some(host.clone()),
                ..Report::notice(Level::Info, format!("update due: {why}"))
            }));
        }
        let id = self.next_id;
        self.next_id += 1;
        let expected = round
            .update
            .targets
            .iter()
            .map(|t| (t.host.clone(), t.nochg_expected))
            .collect();
        self.set_state(State::Updating(InFlight { id, expected }));
        self.actions.push(Action::Update {
            id,
            update: round.update,
        });
    }

    /// Records a reply's answers, says what they mean, and lets the update go on for the
    /// hosts still wanted, or ends it.
    fn on_answers(&mut self, now: Now, round: InFlight, answers: Answers, last: bool) {
        let applied = plan::apply_answers(
            &mut self.record,
            &self.policy,
            &answers,
            &round.expected,
            now.wall,
        );
        for n in applied.notes {
            self.notice(Level::Warn, n);
        }
        for v in applied.verdicts {
            add_verdict(&mut self.verdicts, v.clone());
            self.actions.push(Action::Verdict(v));
        }
        let mut hooks = Hooks::default();
        let mut good = Vec::new();
        for (answer, rec) in &applied.results {
            hooks.add(answer, rec.decision);
            if answer.code.is_success()
                && let Some(hs) = self.record.hosts.get_mut(&answer.host)
            {
                hs.behind_proxy = answers.hidden.contains(&answer.host);
            }
            if answer.code == Code::Good && rec.decision == Decision::Continue {
                // What was found for the address before is no longer the news.
                if let Some(hs) = self.record.hosts.get_mut(&answer.host) {
                    hs.published = None;
                }
                good.push(answer.host.clone());
            }
            let report = Report::answer(self.policy.who(), answer, *rec, now.wall);
            self.actions.push(Action::Report(report));
        }
        self.actions.push(Action::Persist);
        if !self.policy.verify_for.is_zero() {
            let asks = self.asks(good.iter(), self.policy.verify_for);
            if !asks.is_empty() {
                self.actions.push(Action::Verify {
                    asks,
                    periodic: false,
                });
            }
        }
        // Hosts an answer of this update stopped or held go no further (the other family's
        // request for a host that got `nohost`, say); after a verdict on the account or the
        // server nothing more goes.
        let keep: Vec<String> = if last || applied.stop_round {
            Vec::new()
        } else {
            round
                .expected
                .keys()
                .filter(|h| !self.blocked(h, now.wall))
                .cloned()
                .collect()
        };
        if !last {
            self.actions.push(Action::Proceed {
                id: round.id,
                keep: keep.clone(),
            });
        }
        if keep.is_empty() {
            // Update over: the user's force it was for is dealt with.
            self.force = false;
            self.evaluate(now);
        } else {
            self.set_state(State::Updating(round));
        }
        let state = self.state.name();
        self.actions
            .extend(hooks.events(state).into_iter().map(Action::Hook));
    }

    /// Whether `host` may not be sent now: an answer stopped or held it.
    fn blocked(&self, host: &str, now: u64) -> bool {
        self.record
            .hosts
            .get(host)
            .is_some_and(|r| r.stop.is_some() || r.hold_until.is_some_and(|u| wait_end(u) > now))
    }

    fn on_net_error(&mut self, now: Now, pending: Option<Pending>, e: NetError) {
        // The forced round was tried: forcing again would skip the back-off just recorded.
        // A config change stays to be validated by the next round.
        self.force = false;
        if let Some(p) = &pending {
            plan::apply_net_error(&mut self.record, p, &e, now.wall);
            self.actions.push(Action::Persist);
        }
        if e.is_config_problem() {
            self.actions.push(Action::Report(Report::unusable(&e)));
            self.unusable = Some(e.to_string());
            self.set_state(State::Invalid {
                reason: e.to_string(),
            });
            return;
        }
        let failures = self.record.net_failures.saturating_add(1);
        let d = self.net_backoff(failures);
        self.record
            .note_net_failure(failures, now.wall, now.wall + d.as_secs(), e.to_string());
        self.actions.push(Action::Persist);
        match &pending {
            Some(r) => {
                for h in &r.hosts {
                    self.actions
                        .push(Action::Report(Report::not_delivered(h, &e, d)));
                }
            }
            None => self
                .actions
                .push(Action::Report(Report::unreachable(&e, d))),
        }
        self.set_state(State::Sleeping {
            until: Some(now.mono + d),
            at: Some(wait_end(now.wall.saturating_add(d.as_secs()))),
            wake: Wake::RetryAfter(e.to_string()),
        });
        self.actions.push(Action::Hook(HookEvent {
            kind: HookKind::Error,
            hosts: pending
                .map(|r| r.hosts)
                .unwrap_or_else(|| self.policy.hosts.clone()),
            address: self.current.to_string(),
            state: self.state.name(),
            code: Outcome::Failure(e.kind()),
            message: e.to_string(),
        }));
    }

    /// 30 s doubling to 30 min, with ±20 % jitter so a fleet does not retry in step.
    fn net_backoff(&mut self, failures: u32) -> Duration {
        let base = NET_BACKOFF_FIRST.saturating_mul(1u32 << failures.saturating_sub(1).min(10));
        let base = base.min(NET_BACKOFF_CAP);
        // xorshift64: deterministic per policy, which keeps tests exact.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let permille = 800 + (self.rng % 401);
        base * permille as u32 / 1000
    }

    /// Logs a state change once; a sleeping policy that only changes its wake-up reason is
    /// not news.
    fn set_state(&mut self, s: State) {
        let changed = std::mem::discriminant(&s) != std::mem::discriminant(&self.state)
            || s.reason() != self.state.reason();
        let name_changed = s.name() != self.state.name();
        self.state = s;
        if changed && (name_changed || !matches!(self.state, State::Sleeping { .. })) {
            self.actions.push(Action::StateChanged {
                state: self.state.name(),
                reason: self.state.reason(),
            });
        }
    }

    fn notice(&mut self, level: Level, message: String) {
        self.actions
            .push(Action::Report(Report::notice(level, message)));
    }

    /// When the driver must call [`Machine::handle`] with [`Input::Tick`] next.
    pub fn next_deadline(&self) -> Option<Duration> {
        let mut d: Vec<Duration> = Vec::new();
        if let Some((_, at, _)) = self.candidate {
            d.push(at);
        }
        if let Some((t, _)) = self.web_next {
            d.push(t);
        }
        if let Some(t) = self.verify_next {
            d.push(t);
        }
        if let State::Sleeping { until: Some(t), .. } = &self.state {
            d.push(*t);
        }
        d.into_iter().min()
    }

    /// Whether this machine runs the same policy as `other`: a reload replaces a machine when
    /// any setting differs ([`crate::config::Change`] decides what each one means).
    pub fn same_config(&self, other: &Policy) -> bool {
        crate::config::Change::between(&self.policy, other) == crate::config::Change::None
    }

    /// A snapshot for `dynward status`.
    pub fn status(&self, now: Now) -> PolicyStatus {
        let name = &self.policy.name;
        let next = match &self.state {
            State::Sleeping {
                at: Some(at), wake, ..
            } => Some(NextAction {
                what: wake.what(),
                at: (*at).into(),
            }),
            State::Waiting { .. } => self.candidate.map(|(_, _, at)| NextAction {
                what: "the address becomes stable".into(),
                at: at.into(),
            }),
            _ => None,
        }
        .or_else(|| {
            self.web_next.map(|(_, at)| NextAction {
                what: "the next web check".into(),
                at: at.into(),
            })
        });
        let hosts = self
            .policy
            .hosts
            .iter()
            .map(|h| {
                HostStatus::of(
                    self.policy.who(),
                    h,
                    self.record.hosts.get(h).map(|b| &**b),
                    now.wall,
                )
            })
            .collect();
        PolicyStatus {
            name: name.clone(),
            state: self.state.name().into(),
            reason: self.state.reason(),
            stop: self
                .record
                .stop
                .as_ref()
                .map(|s| stop_status(s, self.policy.who(), None))
                .or_else(|| {
                    self.verdicts
                        .iter()
                        .find(|v| v.is_stop())
                        .map(|v| verdict_stop(v, self.policy.who()))
                }),
            hold: self
                .verdicts
                .iter()
                .filter(|v| !v.is_stop() && v.in_force(now.wall))
                .max_by_key(|v| v.until)
                .and_then(verdict_hold),
            retry: self
                .record
                .retry_at
                .filter(|at| *at >= now.wall)
                .map(|at| RetryStatus {
                    failures: self.record.net_failures,
                    reason: self.record.retry_reason.clone().unwrap_or_default(),
                    until: wait_end(at).into(),
                }),
            source: self.policy.source.to_string(),
            addresses: [
                self.current.v4.map(|a| a.to_string()),
                self.current.v6.map(|a| a.to_string()),
            ]
            .into_iter()
            .flatten()
            .collect(),
            // The driver knows the interfaces: it adds the derivation.
            derived: None,
            left_out: plan::left_out(&self.policy, self.current),
            next,
            hosts,
        }
    }

    /// The code behind an `invalid` state, for the one-line service status.
    pub fn invalid_code(&self) -> Option<Code> {
        if !matches!(self.state, State::Invalid { .. }) {
            return None;
        }
        self.record
            .stop
            .as_ref()
            .map(|s| s.code.clone())
            .or_else(|| {
                self.verdicts
                    .iter()
                    .find(|v| v.is_stop())
                    .map(|v| v.code.clone())
            })
            .or_else(|| {
                self.policy.hosts.iter().find_map(|h| {
                    self.record
                        .hosts
                        .get(h)
                        .and_then(|x| x.stop.as_ref())
                        .map(|s| s.code.clone())
                })
            })
    }
}

#[cfg(test)]
mod tests;
