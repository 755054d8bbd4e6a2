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
//! Invariants, beside what the types hold (the request in flight lives in
//! [`State::Updating`], so a request is in flight exactly while updating, and there is one):
//! 1. a [`Action::Send`] is emitted only together with the state `updating`, and never while
//!    another request is in flight: only a reply (or failure) for the request in flight lets the
//!    round send its next one;
//! 2. a [`Action::Resolve`] is emitted only on entering `resolving`;
//! 3. nothing is resolved or sent while `invalid`;
//! 4. no request carries a host that is stopped, held, backing off, or inside `min_interval`.
//!
//! `tests::random_inputs_keep_the_invariants` checks them after every step of random input
//! sequences.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{Policy, Source};
use crate::duration::format_time;
use crate::plan::{self, Level, Plan, Report, Round, Skip};
use crate::protocol::dyndns2::{self, AddrSet, Decision, Request};
use crate::protocol::{NetError, Response};
use crate::record::{PolicyRecord, rebase_note};
use crate::status::{HostStatus, NextAction, PolicyStatus};

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

/// The request in flight and the rest of its round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InFlight {
    /// The id of the request in flight (the front of `queue`), echoed by its reply.
    pub id: u64,
    /// The round's requests not yet answered; the first is in flight.
    pub queue: VecDeque<Request>,
    /// Per host of the round: whether a `nochg` answer is expected.
    pub expected: BTreeMap<String, bool>,
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
        /// What happens then.
        reason: String,
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
            State::Sleeping { reason, .. } => reason.clone(),
            State::Resolving => "looking up the update server".into(),
            State::Updating(_) => "request in flight".into(),
        }
    }

    fn busy(&self) -> bool {
        matches!(self, State::Resolving | State::Updating(_))
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
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
    /// The request `id` finished.
    Reply {
        /// Which request.
        id: u64,
        /// Its reply, or why there is none.
        result: Result<Response, NetError>,
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
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Resolve the update server's name and answer with [`Input::Resolved`].
    Resolve,
    /// Send this request and answer with [`Input::Reply`].
    Send {
        /// Request id, echoed in the reply.
        id: u64,
        /// The request.
        request: Request,
    },
    /// Ask the web check-IP service; answer with [`Input::Addresses`] or [`Input::WebFailed`].
    CheckWeb,
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
}

/// Which hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// After a successful change (`good`).
    Change,
    /// A host or the policy became invalid, or backs off.
    Error,
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
    /// The code (or network error kind).
    pub code: String,
    /// The explanation.
    pub message: String,
}

/// The state machine of one policy.
#[derive(Debug)]
pub struct Machine {
    policy: Arc<Policy>,
    record: PolicyRecord,
    state: State,
    readings: Readings,
    /// The stable addresses being published.
    current: AddrSet,
    no_addr_reason: String,
    /// An address seen but not yet stable, and when it will be. It may stand beside any
    /// state: a change during a request waits for the request to end.
    candidate: Option<(AddrSet, Duration)>,
    /// The recorded fingerprint differed: the next round validates the changed config.
    config_changed: bool,
    /// The user forced the next round.
    force: bool,
    /// A setting that cannot work (not persisted: a restart, reload or reset tries again).
    unusable: Option<String>,
    next_id: u64,
    web_next: Option<Duration>,
    web_in_flight: bool,
    rng: u64,
    actions: Vec<Action>,
}

impl Machine {
    /// A machine for `policy` with what is on record for it. A record made under another
    /// config fingerprint is adopted: its stops are cleared (changing the config is how the
    /// user acts on a fatal answer) and the next round is sent once to validate the change.
    pub fn new(
        policy: Arc<Policy>,
        mut record: PolicyRecord,
        now: Now,
        readings: Readings,
    ) -> Self {
        let config_changed = record.adopt(&policy.fingerprint());
        let rng = policy.name.bytes().fold(0x9e37_79b9_7f4a_7c15u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }) | 1;
        let web_next = matches!(policy.source, Source::Web(_)).then_some(now.mono);
        let mut m = Machine {
            policy,
            record,
            state: State::Waiting {
                reason: "no address yet".into(),
            },
            readings,
            current: AddrSet::default(),
            no_addr_reason: "no address yet".into(),
            candidate: None,
            config_changed,
            force: false,
            unusable: None,
            next_id: 1,
            web_next,
            web_in_flight: false,
            rng,
            actions: Vec::new(),
        };
        if config_changed {
            m.notice(
                Level::Info,
                "the policy's config changed: stops cleared, one update will validate it".into(),
            );
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
        let moved = self.record.rebase_times(now.wall);
        if moved != 0 {
            self.notice(Level::Warn, rebase_note(moved));
        }
        self.actions.push(Action::Persist);
        if !self.state.busy() {
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

    /// The record, when the machine is done.
    pub fn into_record(self) -> PolicyRecord {
        self.record
    }

    /// The stable addresses being published.
    pub fn current(&self) -> AddrSet {
        self.current
    }

    /// Whether a request or lookup is in flight.
    pub fn busy(&self) -> bool {
        self.state.busy() || self.web_in_flight
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
            self.current,
            now.wall,
            self.force,
            self.config_changed,
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
            self.current,
            now.wall,
            self.force,
            self.config_changed,
        )
    }

    /// Feeds one input; returns the actions to carry out.
    pub fn handle(&mut self, now: Now, input: Input) -> Vec<Action> {
        match input {
            Input::Addresses { addrs, reason } => self.on_addresses(now, addrs, reason),
            Input::Tick => {}
            Input::Resolved(result) => self.on_resolved(now, result),
            Input::Reply { id, result } => {
                if let Some(round) = self.take_in_flight(id) {
                    match result {
                        Ok(resp) => self.on_reply(now, round, resp),
                        Err(e) => {
                            let req = round.queue.into_iter().next();
                            self.on_net_error(now, req, e)
                        }
                    }
                }
            }
            Input::WebFailed(why) => {
                self.web_in_flight = false;
                self.web_next = Some(now.mono + self.policy.check_interval);
                self.notice(Level::Warn, format!("web check failed: {why}"));
                if self.current.is_empty() {
                    self.no_addr_reason = why;
                }
            }
            Input::Reset { host } => self.on_reset(host),
            Input::Force => self.force = true,
        }
        self.on_timers(now);
        if !self.state.busy() {
            self.evaluate(now);
        }
        self.drain()
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
        self.unusable = None;
        if matches!(self.state, State::Invalid { .. }) {
            self.set_state(State::Sleeping {
                until: None,
                reason: "reset by the user".into(),
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
        if matches!(self.policy.source, Source::Web(_)) && self.web_in_flight {
            self.web_in_flight = false;
            self.web_next = Some(now.mono + self.policy.check_interval);
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
        let pending = self.candidate.map(|(a, _)| a);
        if pending == Some(addrs) || (pending.is_none() && addrs == self.current) {
            return;
        }
        if self.state.busy() {
            self.notice(
                Level::Info,
                format!("address now {addrs}; last update not finished, it will follow"),
            );
        }
        self.candidate = Some((addrs, now.mono + self.policy.stable_for));
    }

    fn on_timers(&mut self, now: Now) {
        if let Some((addrs, at)) = self.candidate
            && now.mono >= at
        {
            self.candidate = None;
            if addrs != self.current {
                self.notice(Level::Info, format!("address {addrs} is stable"));
            }
            self.current = addrs;
        }
        if let Some(t) = self.web_next
            && now.mono >= t
            && !self.web_in_flight
        {
            self.web_next = None;
            self.web_in_flight = true;
            self.actions.push(Action::CheckWeb);
        }
    }

    fn stop_reason(&self) -> Option<String> {
        if let Some(why) = &self.unusable {
            return Some(why.clone());
        }
        if self.config_changed {
            return None;
        }
        if let Some(s) = &self.record.stop {
            return Some(format!(
                "{}: {} (since {})",
                s.code,
                s.reason,
                format_time(s.since)
            ));
        }
        let stops: Vec<_> = self
            .policy
            .hosts
            .iter()
            .filter_map(|h| self.record.hosts.get(h).and_then(|x| x.stop.as_ref()))
            .collect();
        match stops.first() {
            Some(s) if stops.len() == self.policy.hosts.len() => Some(format!(
                "every host stopped; first {}: {}",
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
        let mut wake: Option<(Duration, String)> = None;
        let mut consider = |t: Duration, why: String| {
            if wake.as_ref().is_none_or(|(w, _)| t < *w) {
                wake = Some((t, why));
            }
        };
        for (host, p) in self.plans(now) {
            match p {
                Plan::Send { .. } => due = true,
                Plan::Skip(Skip::Held { until, code }) => {
                    consider(now.mono_of(until), format!("provider hold ({code}) ends"))
                }
                Plan::Skip(Skip::Retrying { until, failures }) => consider(
                    now.mono_of(until),
                    format!("retrying after a network failure ({failures} in a row)"),
                ),
                Plan::Skip(Skip::TooSoon { until }) => {
                    consider(now.mono_of(until), "min_interval passes".into())
                }
                Plan::Skip(Skip::UpToDate) => {
                    let h = self.record.hosts.get(&host);
                    let at = [
                        self.current.v4.and(h.and_then(|h| h.v4).map(|a| a.at)),
                        self.current.v6.and(h.and_then(|h| h.v6).map(|a| a.at)),
                    ]
                    .into_iter()
                    .flatten()
                    .min();
                    if let Some(at) = at {
                        let refresh = at.saturating_add(self.policy.max_interval.as_secs());
                        consider(now.mono_of(refresh), "periodic refresh".into());
                    }
                }
                Plan::Skip(Skip::HostStopped(_) | Skip::PolicyStopped(_) | Skip::NoAddress) => {}
            }
        }
        if due {
            self.set_state(State::Resolving);
            self.actions.push(Action::Resolve);
            return;
        }
        if let Some(t) = self.web_next {
            consider(t, "web re-check".into());
        }
        let (until, reason) = match wake {
            Some((t, why)) => (Some(t), why),
            None => (None, "until the next address change".into()),
        };
        self.set_state(State::Sleeping { until, reason });
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
        for (host, why) in &round.due {
            self.actions.push(Action::Report(Report {
                host: Some(host.clone()),
                ..Report::notice(Level::Info, format!("update due: {why}"))
            }));
        }
        self.send_next(
            now,
            InFlight {
                id: 0,
                queue: round.requests,
                expected: round.expected,
            },
        );
    }

    /// Sends the round's next request, or ends the round.
    fn send_next(&mut self, now: Now, mut round: InFlight) {
        match round.queue.front() {
            Some(req) => {
                let request = req.clone();
                round.id = self.next_id;
                self.next_id += 1;
                let id = round.id;
                self.set_state(State::Updating(round));
                self.actions.push(Action::Send { id, request });
            }
            None => {
                // Round over: the config change or the user's force it was for is dealt with.
                self.config_changed = false;
                self.force = false;
                self.evaluate(now);
            }
        }
    }

    fn on_reply(&mut self, now: Now, mut round: InFlight, resp: Response) {
        let Some(req) = round.queue.pop_front() else {
            return;
        };
        let applied = plan::apply_reply(
            &mut self.record,
            &self.policy,
            &req,
            &resp,
            &round.expected,
            now.wall,
        );
        for n in applied.notes {
            self.notice(Level::Warn, n);
        }
        let mut changed = Vec::new();
        let mut errors: Vec<(Vec<String>, String, String)> = Vec::new();
        for (host, code, decision) in &applied.results {
            match decision {
                Decision::Continue if *code == dyndns2::Code::Good => changed.push(host.clone()),
                Decision::Continue => {}
                _ => match errors.iter_mut().find(|(_, c, _)| *c == code.name()) {
                    Some(e) => e.0.push(host.clone()),
                    None => errors.push((vec![host.clone()], code.name(), code.explanation())),
                },
            }
            let report = Report::answer(host, code, *decision, req.sent, now.wall);
            self.actions.push(Action::Report(report));
        }
        self.actions.push(Action::Persist);
        if applied.stop_round {
            round.queue.clear();
        }
        round.queue = std::mem::take(&mut round.queue)
            .into_iter()
            .flat_map(|r| self.still_wanted(r, now.wall))
            .collect();
        self.send_next(now, round);
        let state = self.state.name();
        if !changed.is_empty() {
            self.actions.push(Action::Hook(HookEvent {
                kind: HookKind::Change,
                hosts: changed,
                address: req.sent.to_string(),
                state,
                code: "good".into(),
                message: dyndns2::Code::Good.explanation(),
            }));
        }
        for (hosts, code, message) in errors {
            self.actions.push(Action::Hook(HookEvent {
                kind: HookKind::Error,
                hosts,
                address: req.sent.to_string(),
                state,
                code,
                message,
            }));
        }
    }

    /// A queued request of the round without the hosts an earlier reply of the same round
    /// stopped or held (the other family's request for a host that got `nohost`, say).
    fn still_wanted(&self, req: Request, now: u64) -> Vec<Request> {
        let blocked = |h: &String| {
            self.record.hosts.get(h).is_some_and(|r| {
                r.stop.is_some() || r.hold_until.is_some_and(|u| u.saturating_add(1) > now)
            })
        };
        if !req.hosts.iter().any(blocked) {
            return vec![req];
        }
        let kept: Vec<String> = req.hosts.iter().filter(|h| !blocked(h)).cloned().collect();
        dyndns2::build_requests(
            &self.policy.endpoint,
            &self.policy.dialect,
            &self.policy.username,
            &self.policy.password,
            &kept,
            req.sent,
        )
    }

    fn on_net_error(&mut self, now: Now, req: Option<Request>, e: NetError) {
        // The forced round was tried: forcing again would skip the back-off just recorded.
        // A config change stays to be validated by the next round.
        self.force = false;
        if let Some(r) = &req {
            plan::apply_net_error(&mut self.record, r, &e, now.wall);
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
        match &req {
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
            reason: format!("retrying after a network failure: {e}"),
        });
        self.actions.push(Action::Hook(HookEvent {
            kind: HookKind::Error,
            hosts: req
                .map(|r| r.hosts)
                .unwrap_or_else(|| self.policy.hosts.clone()),
            address: self.current.to_string(),
            state: self.state.name(),
            code: e.kind().into(),
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
        if let Some((_, at)) = self.candidate {
            d.push(at);
        }
        if let Some(t) = self.web_next {
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
        let wall_of = |t: Duration| now.wall + t.saturating_sub(now.mono).as_secs();
        let at = |what: &str, t: Duration| NextAction {
            what: what.into(),
            at: wall_of(t),
            at_text: format_time(wall_of(t)),
        };
        let next = match &self.state {
            State::Sleeping {
                until: Some(t),
                reason,
            } => Some(at(reason, *t)),
            State::Waiting { .. } => self.candidate.map(|(_, t)| at("address becomes stable", t)),
            _ => None,
        }
        .or_else(|| self.web_next.map(|t| at("web re-check", t)));
        let hosts = self
            .policy
            .hosts
            .iter()
            .map(|h| HostStatus::of(h, self.record.hosts.get(h).map(|b| &**b), now.wall))
            .collect();
        PolicyStatus {
            name: self.policy.name.clone(),
            state: self.state.name().into(),
            reason: self.state.reason(),
            source: self.policy.source.to_string(),
            addresses: if self.current.is_empty() {
                None
            } else {
                Some(self.current.to_string())
            },
            next,
            hosts,
        }
    }

    /// The code behind an `invalid` state, for the one-line service status.
    pub fn invalid_code(&self) -> Option<String> {
        if !matches!(self.state, State::Invalid { .. }) {
            return None;
        }
        self.record
            .stop
            .as_ref()
            .map(|s| s.code.clone())
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
mod tests {
    use super::*;
    use crate::record::{Accepted, HostRecord};

    const WALL0: u64 = 1_750_000_000;

    fn t(secs: u64) -> Now {
        Now {
            mono: Duration::from_secs(secs),
            wall: WALL0 + secs,
        }
    }

    fn tms(ms: u64) -> Now {
        Now {
            mono: Duration::from_millis(ms),
            wall: WALL0 + ms / 1000,
        }
    }

    fn policy(extra: &str) -> Arc<Policy> {
        let text = format!(
            "[[policy]]\nname = \"home\"\nserver = \"https://u.example/nic/update\"\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"a.example.org\", \"b.example.org\"]\ninterface = \"eth0\"\n{extra}{}",
            if extra.contains("stable_for") {
                ""
            } else {
                "\nstable_for = \"2s\"\n"
            }
        );
        Arc::new(crate::config::test_policy(&text))
    }

    fn v4(s: &str) -> AddrSet {
        AddrSet {
            v4: Some(s.parse().expect("v4")),
            v6: None,
        }
    }

    fn addrs(s: &str) -> Input {
        Input::Addresses {
            addrs: v4(s),
            reason: None,
        }
    }

    fn sends(a: &[Action]) -> Vec<(u64, Request)> {
        a.iter()
            .filter_map(|x| match x {
                Action::Send { id, request } => Some((*id, request.clone())),
                _ => None,
            })
            .collect()
    }

    fn reply(status: u16, body: &str) -> Result<Response, NetError> {
        Ok(Response {
            status,
            body: body.into(),
            truncated: false,
        })
    }

    fn ok(body: &str) -> Result<Response, NetError> {
        reply(200, body)
    }

    fn logged(a: &[Action], words: &str) -> bool {
        a.iter()
            .any(|x| matches!(x, Action::Report(r) if r.message.contains(words)))
    }

    fn recorded(addr: &str, at: u64) -> PolicyRecord {
        let mut p = PolicyRecord::default();
        for h in ["a.example.org", "b.example.org"] {
            p.hosts.insert(
                h.into(),
                Box::new(HostRecord {
                    v4: Some(Accepted {
                        addr: addr.parse().expect("v4"),
                        at,
                    }),
                    last_sent_at: Some(at),
                    ..HostRecord::default()
                }),
            );
        }
        p
    }

    fn machine(p: Arc<Policy>, record: PolicyRecord, now: Now) -> Machine {
        Machine::new(p, record, now, Readings::Stream)
    }

    /// A machine for a policy that reacts at once (stable_for 0), with nothing on record.
    fn fresh() -> Machine {
        machine(policy("stable_for = \"0s\""), PolicyRecord::default(), t(0))
    }

    /// Runs an update round to its end with one reply body; returns the request sent.
    fn round(m: &mut Machine, now: Now, body: &str) -> Request {
        let a = m.handle(now, Input::Resolved(Ok(())));
        let s = sends(&a);
        assert_eq!(s.len(), 1, "{a:?}");
        assert_eq!(m.state().name(), "updating");
        m.handle(
            now,
            Input::Reply {
                id: s[0].0,
                result: ok(body),
            },
        );
        s[0].1.clone()
    }

    /// The happy path: waiting until stable, resolving, updating, sleeping until the refresh.
    #[test]
    fn first_update_path() {
        let mut m = machine(policy(""), PolicyRecord::default(), t(0));
        assert_eq!(m.state().name(), "waiting");
        let a = m.handle(t(0), addrs("203.0.113.5"));
        assert_eq!(
            m.state(),
            &State::Waiting {
                reason: "waiting for the address to be stable".into()
            }
        );
        assert!(!a.contains(&Action::Resolve));
        assert_eq!(m.next_deadline(), Some(Duration::from_secs(2)));
        assert!(!m.handle(tms(1999), Input::Tick).contains(&Action::Resolve));
        let a = m.handle(t(2), Input::Tick);
        assert!(a.contains(&Action::Resolve), "{a:?}");
        assert_eq!(m.state().name(), "resolving");
        let req = round(&mut m, t(2), "good 203.0.113.5\ngood 203.0.113.5");
        assert!(
            req.url
                .ends_with("hostname=a.example.org,b.example.org&myip=203.0.113.5"),
            "{}",
            req.url
        );
        assert_eq!(m.state().name(), "sleeping");
        let refresh = Duration::from_secs(2 + 25 * 86400);
        assert_eq!(m.next_deadline(), Some(refresh));
        assert_eq!(
            m.persisted().hosts["a.example.org"].v4.map(|a| a.at),
            Some(WALL0 + 2)
        );
    }

    /// One reading (`once`): used at once, whatever stable_for says; force re-sends an
    /// unchanged address once, and the round after it is not forced.
    #[test]
    fn single_reading_and_force() {
        let mut m = Machine::new(
            policy("stable_for = \"30s\""),
            recorded("203.0.113.5", WALL0 - 3600),
            t(0),
            Readings::Single,
        );
        let a = m.handle(t(0), addrs("203.0.113.5"));
        assert!(!a.contains(&Action::Resolve), "unchanged: {a:?}");
        assert_eq!(m.state().name(), "sleeping");
        let a = m.handle(t(0), Input::Force);
        assert!(a.contains(&Action::Resolve), "{a:?}");
        let plans = m.plans(t(0));
        assert!(
            plans
                .iter()
                .all(|(_, p)| matches!(p, Plan::Send { why: "forced", .. })),
            "{plans:?}"
        );
        let req = round(&mut m, t(0), "nochg\nnochg");
        assert_eq!(req.sent, v4("203.0.113.5"));
        assert_eq!(m.state().name(), "sleeping", "expected nochg is fine");
        assert!(
            m.plans(t(100))
                .iter()
                .all(|(_, p)| *p == Plan::Skip(Skip::UpToDate)),
            "force lasts one round"
        );
        // A new address is taken as read, with no stable_for wait.
        let mut m = Machine::new(
            policy("stable_for = \"30s\""),
            PolicyRecord::default(),
            t(0),
            Readings::Single,
        );
        assert!(
            m.handle(t(0), addrs("203.0.113.6"))
                .contains(&Action::Resolve)
        );
    }

    /// A machine driven the way the daemon drives it: each reading of the clocks goes
    /// through [`crate::clock::WallClock`], and a step is applied before the input.
    struct Clocked {
        m: Machine,
        clock: crate::clock::WallClock,
        /// Wall minus monotonic seconds: changed by a test to step the clock.
        offset: u64,
    }

    impl Clocked {
        fn new(p: Arc<Policy>, record: PolicyRecord, offset: u64) -> Self {
            let now = Now {
                mono: Duration::ZERO,
                wall: offset,
            };
            Clocked {
                m: machine(p, record, now),
                clock: crate::clock::WallClock::new(Duration::from_secs(offset), Duration::ZERO),
                offset,
            }
        }

        fn feed(&mut self, mono: u64, input: Input) -> Vec<Action> {
            let now = Now {
                mono: Duration::from_secs(mono),
                wall: self.offset + mono,
            };
            let mut out = Vec::new();
            if let Some(step) = self.clock.observe(Duration::from_secs(now.wall), now.mono) {
                out = self.m.clock_stepped(now, step);
            }
            out.extend(self.m.handle(now, input));
            out
        }

        /// One update round at `mono` answered with `body`.
        fn round(&mut self, mono: u64, body: &str) {
            let a = self.feed(mono, Input::Resolved(Ok(())));
            let s = sends(&a);
            assert_eq!(
                s.len(),
                1,
                "at {mono}, offset {}: {a:?} {:?}",
                self.offset,
                self.m.state()
            );
            self.feed(
                mono,
                Input::Reply {
                    id: s[0].0,
                    result: ok(body),
                },
            );
        }
    }

    const REAL: u64 = crate::record::CLOCK_FLOOR + 330 * 86_400;

    /// Steps of every size, either way, at any moment of a 30-minute provider hold: the hold
    /// ends exactly when it would have without the step, nothing is sent inside it, and no
    /// refresh falls due. Then an update goes out and the next one waits for the refresh.
    #[test]
    fn clock_steps_keep_holds_and_refreshes() {
        let year = 365 * 86_400u64;
        // (clock before, clock after): 1970 boot set by NTP, an admin's corrections both
        // ways, steps just over the threshold, and a clock set back below the floor.
        let cases = [
            (100, REAL),
            (REAL, REAL + 2 * 3600),
            (REAL, REAL - 2 * 3600),
            (REAL, REAL + 6),
            (REAL, REAL - 6),
            (REAL, REAL + 10 * year),
            (REAL, 100),
        ];
        for (before, after) in cases {
            for step_at in [130, 900, 1900] {
                let what = format!("{before} -> {after} at {step_at}");
                let mut c = Clocked::new(
                    policy("stable_for = \"0s\"\nmax_interval = \"1d\""),
                    PolicyRecord::default(),
                    before,
                );
                c.feed(0, addrs("203.0.113.5"));
                c.round(0, "good\ngood");
                c.feed(100, addrs("203.0.113.6"));
                c.round(100, "911");
                assert_eq!(
                    c.m.next_deadline(),
                    Some(Duration::from_secs(1901)),
                    "{what}"
                );
                // The clock is stepped (seen at the next input), then the address flaps.
                c.offset = after;
                let a = c.feed(step_at, addrs("203.0.113.7"));
                assert!(!a.contains(&Action::Resolve), "{what}: {a:?}");
                assert_eq!(c.m.state().name(), "sleeping", "{what}");
                assert_eq!(
                    c.m.next_deadline(),
                    Some(Duration::from_secs(1901)),
                    "{what}"
                );
                let held = c.m.persisted().hosts["a.example.org"].hold_until;
                assert_eq!(
                    held,
                    Some(after + 1900),
                    "{what}: the hold in the new clock"
                );
                let a = c.feed(1900, Input::Tick);
                assert!(!a.contains(&Action::Resolve), "{what}: {a:?}");
                let a = c.feed(1901, Input::Tick);
                assert!(a.contains(&Action::Resolve), "{what}: {a:?}");
                c.round(1901, "good\ngood");
                assert_eq!(
                    c.m.next_deadline(),
                    Some(Duration::from_secs(1901 + 86_400)),
                    "{what}: the next refresh"
                );
            }
        }
    }

    /// A restart once the clock is set, over records made in 1970 (before NTP answered):
    /// no refresh burst, the hold is kept with its length, the address on record stands.
    #[test]
    fn restart_over_records_from_an_unset_clock() {
        let mut p = recorded("203.0.113.5", 500);
        for h in p.hosts.values_mut() {
            h.hold_until = Some(500 + 1800);
            h.hold_code = Some("911".into());
        }
        let mut c = Clocked::new(
            policy("stable_for = \"0s\"\nmax_interval = \"1d\""),
            p,
            REAL,
        );
        let a = c.feed(0, addrs("203.0.113.6"));
        assert!(!a.contains(&Action::Resolve), "{a:?}");
        assert_eq!(c.m.next_deadline(), Some(Duration::from_secs(1801)));
        assert_eq!(
            c.m.persisted().hosts["a.example.org"].hold_until,
            Some(REAL + 1800)
        );
        // Same address, no hold: the refresh is a full max_interval away, not overdue.
        let mut c = Clocked::new(
            policy("stable_for = \"0s\"\nmax_interval = \"1d\""),
            recorded("203.0.113.5", 500),
            REAL,
        );
        let a = c.feed(0, addrs("203.0.113.5"));
        assert!(!a.contains(&Action::Resolve), "{a:?}");
        assert_eq!(c.m.next_deadline(), Some(Duration::from_secs(86_400)));
    }

    /// A restart with the clock behind the records (booted in 1970, not set yet): a hold
    /// lasts its length, not decades; a new address goes out once the hold is over.
    #[test]
    fn restart_with_the_clock_behind_the_records() {
        let mut p = recorded("203.0.113.5", REAL);
        for h in p.hosts.values_mut() {
            h.hold_until = Some(REAL + 1800);
            h.hold_code = Some("911".into());
        }
        p.failed_at = Some(REAL - 60);
        p.retry_at = Some(REAL + 60);
        p.net_failures = 3;
        let mut c = Clocked::new(policy("stable_for = \"0s\""), p, 300);
        let a = c.feed(0, addrs("203.0.113.6"));
        assert!(!a.contains(&Action::Resolve), "{a:?}");
        // Moved with the rest, so the back-off keeps its length too; it ends inside the
        // hold, so the first wake-up is the hold's end.
        assert_eq!(c.m.persisted().retry_at, Some(300 + 60));
        assert_eq!(c.m.next_deadline(), Some(Duration::from_secs(1801)));
        assert!(!c.feed(1800, Input::Tick).contains(&Action::Resolve));
        assert!(c.feed(1801, Input::Tick).contains(&Action::Resolve));
    }

    /// Records ahead of the clock are moved, and the machine says so in its first actions.
    #[test]
    fn rebase_is_reported() {
        let mut m = machine(
            policy("stable_for = \"0s\""),
            recorded("203.0.113.5", WALL0 + 3600),
            t(0),
        );
        let a = m.drain();
        assert!(logged(&a, "ahead of the clock"), "{a:?}");
        assert!(a.contains(&Action::Persist));
    }

    /// A restart with the address on record sends nothing.
    #[test]
    fn restart_sends_nothing() {
        let mut m = machine(policy(""), recorded("203.0.113.5", WALL0 - 3600), t(0));
        m.handle(t(0), addrs("203.0.113.5"));
        let a = m.handle(t(2), Input::Tick);
        assert!(!a.contains(&Action::Resolve), "{a:?}");
        assert_eq!(m.state().name(), "sleeping");
    }

    /// stable_for = 0 reacts at once.
    #[test]
    fn zero_stable_for() {
        let mut m = fresh();
        assert!(
            m.handle(t(0), addrs("203.0.113.5"))
                .contains(&Action::Resolve)
        );
    }

    /// 50 flaps within a second yield one update, with the final address.
    #[test]
    fn flaps_coalesce() {
        let mut m = machine(policy(""), PolicyRecord::default(), t(0));
        for i in 0..50u64 {
            let a = m.handle(tms(i * 20), addrs(&format!("203.0.113.{}", 10 + i)));
            assert!(!a.contains(&Action::Resolve));
        }
        assert_eq!(
            m.next_deadline(),
            Some(Duration::from_millis(49 * 20 + 2000))
        );
        let a = m.handle(tms(49 * 20 + 2000), Input::Tick);
        assert!(a.contains(&Action::Resolve));
        let req = round(&mut m, tms(3000), "good\ngood");
        assert!(req.url.ends_with("myip=203.0.113.59"), "{}", req.url);
    }

    /// A change while a request is in flight is remembered; one more update follows after the
    /// minimum gap, with the newest address only.
    #[test]
    fn change_during_update_follows_after_min_gap() {
        let mut m = fresh();
        m.handle(t(0), addrs("203.0.113.5"));
        let s = sends(&m.handle(t(0), Input::Resolved(Ok(()))));
        let a = m.handle(t(1), addrs("203.0.113.6"));
        assert!(logged(&a, "last update not finished"), "{a:?}");
        assert!(
            sends(&a).is_empty() && !a.contains(&Action::Resolve),
            "never two in flight"
        );
        m.handle(t(1), addrs("203.0.113.7"));
        m.handle(
            t(2),
            Input::Reply {
                id: s[0].0,
                result: ok("good\ngood"),
            },
        );
        assert_eq!(m.state().name(), "sleeping");
        assert_eq!(
            m.next_deadline(),
            Some(Duration::from_secs(63)),
            "min_interval from the last update, done at 2 (whole seconds: one more)"
        );
        assert!(!m.handle(t(62), Input::Tick).contains(&Action::Resolve));
        assert!(m.handle(t(63), Input::Tick).contains(&Action::Resolve));
        let req = round(&mut m, t(63), "good\ngood");
        assert!(req.url.ends_with("myip=203.0.113.7"), "{}", req.url);
    }

    /// badauth makes the policy invalid: no request on any change until reset.
    #[test]
    fn fatal_until_reset() {
        let mut m = fresh();
        m.handle(t(0), addrs("203.0.113.5"));
        let s = sends(&m.handle(t(0), Input::Resolved(Ok(()))));
        let a = m.handle(
            t(1),
            Input::Reply {
                id: s[0].0,
                result: reply(401, "badauth"),
            },
        );
        assert_eq!(m.state().name(), "invalid");
        assert!(a.iter().any(|x| matches!(
            x,
            Action::Report(Report {
                level: Level::Error,
                ..
            })
        )));
        assert!(a.contains(&Action::Persist));
        for i in 0..5 {
            let a = m.handle(t(1000 + i * 1000), addrs(&format!("203.0.113.{}", 20 + i)));
            assert!(!a.contains(&Action::Resolve));
            assert_eq!(m.state().name(), "invalid");
        }
        assert_eq!(m.next_deadline(), None);
        let a = m.handle(t(9000), Input::Reset { host: None });
        assert!(a.contains(&Action::Resolve), "{a:?}");
    }

    /// A setting that cannot work (a CA file that cannot be used) makes the policy invalid
    /// without a retry loop, and without a record: a reset (or a new machine) tries again.
    #[test]
    fn unusable_setting_is_invalid_until_reset() {
        let mut m = fresh();
        m.handle(t(0), addrs("203.0.113.5"));
        let e = NetError::CaFile {
            path: "/etc/x.pem".into(),
            detail: "no certificate".into(),
        };
        let a = m.handle(t(0), Input::Resolved(Err(e)));
        assert_eq!(m.state().name(), "invalid");
        assert!(!a.contains(&Action::Resolve), "{a:?}");
        for k in 1..4 {
            let a = m.handle(t(k * 1000), Input::Tick);
            assert!(!a.contains(&Action::Resolve) && sends(&a).is_empty());
        }
        assert!(m.persisted().stop.is_none(), "not a provider's verdict");
        assert!(
            m.handle(t(5000), Input::Reset { host: None })
                .contains(&Action::Resolve)
        );
    }

    /// A host-level stop leaves the other host running; the policy becomes invalid only when
    /// every host is stopped.
    #[test]
    fn host_stop_is_per_host() {
        let mut m = fresh();
        m.handle(t(0), addrs("203.0.113.5"));
        round(&mut m, t(0), "good 203.0.113.5\nnohost");
        assert_eq!(m.state().name(), "sleeping");
        m.handle(t(100), addrs("203.0.113.6"));
        let req = round(&mut m, t(100), "good 203.0.113.6");
        assert_eq!(req.hosts, vec!["a.example.org".to_string()]);
        m.handle(t(200), addrs("203.0.113.7"));
        round(&mut m, t(200), "!yours");
        assert_eq!(m.state().name(), "invalid");
    }

    /// A host stopped by the first request of a round (IPv4) is left out of the round's
    /// later request (IPv6): no request for a stopped host, even within one round.
    #[test]
    fn round_drops_a_host_stopped_midway() {
        let mut m = machine(
            policy("stable_for = \"0s\"\nipv6 = true"),
            PolicyRecord::default(),
            t(0),
        );
        let both = AddrSet {
            v4: Some("203.0.113.5".parse().expect("v4")),
            v6: Some("2001:db8::5".parse().expect("v6")),
        };
        m.handle(
            t(0),
            Input::Addresses {
                addrs: both,
                reason: None,
            },
        );
        let s = sends(&m.handle(t(0), Input::Resolved(Ok(()))));
        assert_eq!(s[0].1.sent.v6, None, "IPv4 first");
        let a = m.handle(
            t(0),
            Input::Reply {
                id: s[0].0,
                result: ok("good\nnohost"),
            },
        );
        let next = sends(&a);
        assert_eq!(next.len(), 1, "{a:?}");
        assert_eq!(next[0].1.hosts, vec!["a.example.org".to_string()]);
        assert!(
            next[0].1.url.contains("hostname=a.example.org&"),
            "{}",
            next[0].1.url
        );
        assert_eq!(next[0].1.sent.v4, None);
    }

    /// 911 holds 30 minutes, 60 on repeat; nothing is sent inside the hold.
    #[test]
    fn outage_holds() {
        let mut m = fresh();
        m.handle(t(0), addrs("203.0.113.5"));
        round(&mut m, t(0), "911");
        // Whole-second stamps: a hold ends one second after its recorded end, never early.
        assert_eq!(m.next_deadline(), Some(Duration::from_secs(1801)));
        assert!(
            !m.handle(t(1800), addrs("203.0.113.6"))
                .contains(&Action::Resolve)
        );
        assert!(m.handle(t(1801), Input::Tick).contains(&Action::Resolve));
        round(&mut m, t(1801), "dnserr");
        assert_eq!(m.next_deadline(), Some(Duration::from_secs(1801 + 3601)));
        assert!(!m.handle(t(5401), Input::Tick).contains(&Action::Resolve));
        assert!(m.handle(t(5402), Input::Tick).contains(&Action::Resolve));
    }

    /// Failures before any reply back off from ~30 s, doubling to a 30-minute cap, with
    /// jitter; the recorded end is in whole seconds, so each wait ends one second after it.
    #[test]
    fn network_backoff_growth() {
        let mut m = fresh();
        m.handle(t(0), addrs("203.0.113.5"));
        let mut now = 0u64;
        let mut seen = Vec::new();
        for n in 0..10u32 {
            let e = NetError::Refused("192.0.2.1:443".parse().expect("sa"));
            m.handle(t(now), Input::Resolved(Err(e)));
            assert_eq!(m.state().name(), "sleeping");
            let wait = m.next_deadline().expect("deadline") - Duration::from_secs(now);
            let base = (30u64 << n.min(10)).min(1800) as f64;
            let w = wait.as_secs_f64();
            assert!(
                w >= (base * 0.8).floor() + 1.0 && w <= (base * 1.2).floor() + 1.0,
                "failure {n}: {w} vs {base}"
            );
            assert_eq!(m.persisted().net_failures, n + 1);
            seen.push(wait);
            assert!(
                !m.handle(t(now + wait.as_secs() - 1), Input::Tick)
                    .contains(&Action::Resolve),
                "not before the end"
            );
            now += wait.as_secs();
            assert!(m.handle(t(now), Input::Tick).contains(&Action::Resolve));
        }
        assert!(seen.windows(2).take(5).all(|w| w[1] > w[0]), "{seen:?}");
        // A reply resets the streak.
        round(&mut m, t(now), "good\ngood");
        assert_eq!(m.state().name(), "sleeping");
        assert_eq!(m.persisted().net_failures, 0);
        assert_eq!(m.persisted().retry_at, None);
    }

    /// A network back-off is in the state file and holds after a restart.
    #[test]
    fn network_backoff_survives_restart() {
        let mut m = fresh();
        m.handle(t(0), addrs("203.0.113.5"));
        let a = m.handle(
            t(0),
            Input::Resolved(Err(NetError::Timeout("u.example".into()))),
        );
        assert!(a.contains(&Action::Persist));
        let p = m.persisted().clone();
        let retry = p.retry_at.expect("persisted");
        assert!((WALL0 + 24..=WALL0 + 36).contains(&retry), "{retry}");
        assert_eq!(p.net_failures, 1);
        // "Restart" 10 s later with a fresh monotonic clock.
        let later = Now {
            mono: Duration::ZERO,
            wall: WALL0 + 10,
        };
        let mut m2 = machine(policy("stable_for = \"0s\""), p, later);
        let a = m2.handle(later, addrs("203.0.113.5"));
        assert!(!a.contains(&Action::Resolve), "{a:?}");
        assert_eq!(
            m2.next_deadline(),
            Some(Duration::from_secs(retry + 1 - WALL0 - 10))
        );
        // The second failure after restart doubles from the recorded count.
        let at = Now {
            mono: Duration::from_secs(retry + 1 - WALL0 - 10),
            wall: retry + 1,
        };
        assert!(m2.handle(at, Input::Tick).contains(&Action::Resolve));
        m2.handle(
            at,
            Input::Resolved(Err(NetError::Timeout("u.example".into()))),
        );
        assert_eq!(m2.persisted().net_failures, 2);
        let wait = m2.persisted().retry_at.expect("retry") - (retry + 1);
        assert!((48..=72).contains(&wait), "{wait}");
    }

    /// A failed request keeps the address unaccepted, so the retry sends it again.
    #[test]
    fn failed_send_is_retried() {
        let mut m = fresh();
        m.handle(t(0), addrs("203.0.113.5"));
        let s = sends(&m.handle(t(0), Input::Resolved(Ok(()))));
        let a = m.handle(
            t(1),
            Input::Reply {
                id: s[0].0,
                result: Err(NetError::Timeout("u.example".into())),
            },
        );
        assert_eq!(m.state().name(), "sleeping");
        let undelivered: Vec<_> = a
            .iter()
            .filter_map(|x| match x {
                Action::Report(r) if r.outcome == crate::plan::Outcome::Failed => r.host.clone(),
                _ => None,
            })
            .collect();
        assert_eq!(undelivered, ["a.example.org", "b.example.org"]);
        // The back-off (~30 s) passes first; min_interval (60 s from the attempt) still holds.
        let first = m.next_deadline().expect("deadline");
        assert!(first < Duration::from_secs(40), "{first:?}");
        assert!(
            !m.handle(
                Now {
                    mono: first,
                    wall: WALL0 + first.as_secs()
                },
                Input::Tick
            )
            .contains(&Action::Resolve)
        );
        let gap = m.next_deadline().expect("deadline");
        assert_eq!(gap, Duration::from_secs(62));
        assert!(m.handle(t(62), Input::Tick).contains(&Action::Resolve));
    }

    /// The address going away moves the policy to waiting; it comes back to sleeping.
    #[test]
    fn address_removed_waits() {
        let mut m = machine(
            policy("stable_for = \"0s\""),
            recorded("203.0.113.5", WALL0),
            t(0),
        );
        m.handle(t(0), addrs("203.0.113.5"));
        assert_eq!(m.state().name(), "sleeping");
        m.handle(
            t(5),
            Input::Addresses {
                addrs: AddrSet::default(),
                reason: Some("interface eth0 is down".into()),
            },
        );
        assert_eq!(
            m.state(),
            &State::Waiting {
                reason: "interface eth0 is down".into()
            }
        );
        m.handle(t(10), addrs("203.0.113.5"));
        assert_eq!(m.state().name(), "sleeping");
    }

    /// The forced refresh comes max_interval after the last acceptance.
    #[test]
    fn refresh_after_max_interval() {
        let mut m = machine(
            policy("stable_for = \"0s\"\nmax_interval = \"2d\""),
            recorded("203.0.113.5", WALL0),
            t(0),
        );
        m.handle(t(0), addrs("203.0.113.5"));
        assert_eq!(m.next_deadline(), Some(Duration::from_secs(2 * 86400)));
        assert!(
            m.handle(t(2 * 86400), Input::Tick)
                .contains(&Action::Resolve)
        );
        round(&mut m, t(2 * 86400), "nochg\nnochg");
        assert_eq!(m.state().name(), "sleeping", "an expected nochg is fine");
    }

    /// A record made under another config is adopted: its stops are cleared, the machine
    /// says so, and the changed config is sent once with an unchanged address.
    #[test]
    fn config_change_validates_once() {
        let mut rec = recorded("203.0.113.5", WALL0 - 600);
        rec.fingerprint = "an-older-config".into();
        rec.stop = Some(crate::record::Stop {
            code: "badauth".into(),
            reason: "r".into(),
            since: WALL0 - 600,
        });
        let mut m = machine(policy("stable_for = \"0s\""), rec, t(0));
        assert!(logged(&m.drain(), "config changed"));
        assert!(m.persisted().stop.is_none());
        assert!(
            m.handle(t(0), addrs("203.0.113.5"))
                .contains(&Action::Resolve)
        );
        round(&mut m, t(0), "nochg\nnochg");
        assert!(!m.handle(t(100), Input::Tick).contains(&Action::Resolve));
        assert_eq!(m.persisted().fingerprint, m.policy().fingerprint());
    }

    /// A web source asks at start and then every check_interval.
    #[test]
    fn web_rechecks() {
        let text = "[[policy]]\nname = \"w\"\nserver = \"https://u.example/\"\nusername = \"u\"\npassword = \"p\"\nhosts = [\"a.example.org\"]\nweb = \"https://checkip.example/\"\nstable_for = \"0s\"\n";
        let wp = Arc::new(crate::config::test_policy(text));
        let mut m = machine(wp, PolicyRecord::default(), t(0));
        assert!(m.drain().contains(&Action::CheckWeb));
        assert!(m.busy());
        let a = m.handle(t(1), addrs("203.0.113.5"));
        assert!(a.contains(&Action::Resolve));
        let s = sends(&m.handle(t(1), Input::Resolved(Ok(()))));
        m.handle(
            t(2),
            Input::Reply {
                id: s[0].0,
                result: ok("good"),
            },
        );
        assert_eq!(m.next_deadline(), Some(Duration::from_secs(601)));
        assert!(m.handle(t(601), Input::Tick).contains(&Action::CheckWeb));
        m.handle(t(602), Input::WebFailed("timeout".into()));
        assert_eq!(
            m.current(),
            v4("203.0.113.5"),
            "a failed check keeps the address"
        );
        assert_eq!(m.next_deadline(), Some(Duration::from_secs(1202)));
    }

    /// A reload sees every setting: timers and hooks included, not only the fingerprint.
    #[test]
    fn same_config_sees_every_setting() {
        let m = machine(policy(""), PolicyRecord::default(), t(0));
        assert!(m.same_config(&policy("")));
        for extra in [
            "min_interval = \"2m\"",
            "timeout = \"5s\"",
            "on_change = [\"/bin/true\"]",
            "on_error = [\"/bin/true\"]",
            "check_interval = \"20m\"",
            "ipv6 = true",
        ] {
            assert!(!m.same_config(&policy(extra)), "{extra}");
        }
    }

    /// A reply for a request that is not in flight is ignored.
    #[test]
    fn stale_reply_ignored() {
        let mut m = fresh();
        m.handle(t(0), addrs("203.0.113.5"));
        let a = m.handle(
            t(1),
            Input::Reply {
                id: 99,
                result: ok("badauth"),
            },
        );
        assert!(!a.contains(&Action::Persist), "{a:?}");
        assert_eq!(m.state().name(), "resolving");
    }

    /// The inputs of the (state, input) table, by name.
    fn table_input(name: &str, id: u64) -> Input {
        match name {
            "addrs" => addrs("203.0.113.9"),
            "gone" => Input::Addresses {
                addrs: AddrSet::default(),
                reason: Some("gone".into()),
            },
            "tick" => Input::Tick,
            "resolved" => Input::Resolved(Ok(())),
            "unresolved" => Input::Resolved(Err(NetError::Timeout("x".into()))),
            "good" => Input::Reply {
                id,
                result: ok("good\ngood"),
            },
            "badauth" => Input::Reply {
                id,
                result: ok("badauth"),
            },
            "911" => Input::Reply {
                id,
                result: ok("911"),
            },
            "refused" => Input::Reply {
                id,
                result: Err(NetError::Refused("192.0.2.1:80".parse().expect("sa"))),
            },
            "webfail" => Input::WebFailed("x".into()),
            "reset" => Input::Reset { host: None },
            "reset-a" => Input::Reset {
                host: Some("a.example.org".into()),
            },
            "force" => Input::Force,
            other => panic!("no input {other}"),
        }
    }

    /// One machine in each state (stable_for 1 s, t0 = 0), and the id in flight (0: none).
    fn in_state(state: &str) -> (Machine, u64) {
        let mut m = machine(policy("stable_for = \"1s\""), PolicyRecord::default(), t(0));
        let mut id = 0;
        match state {
            "waiting" => {}
            "resolving" => {
                m.handle(t(0), addrs("203.0.113.5"));
                m.handle(t(1), Input::Tick);
            }
            "updating" => {
                m.handle(t(0), addrs("203.0.113.5"));
                m.handle(t(1), Input::Tick);
                id = sends(&m.handle(t(1), Input::Resolved(Ok(()))))[0].0;
            }
            "sleeping" => {
                m.handle(t(0), addrs("203.0.113.5"));
                m.handle(t(1), Input::Tick);
                round(&mut m, t(1), "good\ngood");
            }
            "invalid" => {
                m.handle(t(0), addrs("203.0.113.5"));
                m.handle(t(1), Input::Tick);
                round(&mut m, t(1), "badagent");
            }
            other => panic!("no state {other}"),
        }
        assert_eq!(m.state().name(), state);
        (m, id)
    }

    /// The kinds of action, as letters: R resolve, S send, C web check, P persist, H hook.
    fn kinds(a: &[Action]) -> String {
        let mut k: Vec<char> = a
            .iter()
            .filter_map(|x| match x {
                Action::Resolve => Some('R'),
                Action::Send { .. } => Some('S'),
                Action::CheckWeb => Some('C'),
                Action::Persist => Some('P'),
                Action::Hook(_) => Some('H'),
                Action::StateChanged { .. } | Action::Report(_) => None,
            })
            .collect();
        k.sort_unstable();
        k.dedup();
        if k.is_empty() {
            "-".into()
        } else {
            k.into_iter().collect()
        }
    }

    /// Every state meets every input at t0 + 2 s: (state, input) -> (state, actions), each
    /// row decided by hand. Then every machine is driven on with ticks and never sends while
    /// invalid.
    #[test]
    fn every_state_and_input() {
        #[rustfmt::skip]
        let table: &[(&str, &str, &str, &str)] = &[
            ("waiting", "addrs", "waiting", "-"),
            ("waiting", "gone", "waiting", "-"),
            ("waiting", "tick", "waiting", "-"),
            ("waiting", "resolved", "waiting", "-"),
            ("waiting", "unresolved", "waiting", "-"),
            ("waiting", "good", "waiting", "-"),
            ("waiting", "badauth", "waiting", "-"),
            ("waiting", "911", "waiting", "-"),
            ("waiting", "refused", "waiting", "-"),
            ("waiting", "webfail", "waiting", "-"),
            ("waiting", "reset", "waiting", "P"),
            ("waiting", "reset-a", "waiting", "-"),
            ("waiting", "force", "waiting", "-"),
            // A change while resolving waits for the round; the lookup's answer starts it.
            ("resolving", "addrs", "resolving", "-"),
            ("resolving", "gone", "resolving", "-"),
            ("resolving", "tick", "resolving", "-"),
            ("resolving", "resolved", "updating", "S"),
            ("resolving", "unresolved", "sleeping", "HP"),
            ("resolving", "good", "resolving", "-"),
            ("resolving", "badauth", "resolving", "-"),
            ("resolving", "911", "resolving", "-"),
            ("resolving", "refused", "resolving", "-"),
            ("resolving", "webfail", "resolving", "-"),
            ("resolving", "reset", "resolving", "P"),
            ("resolving", "reset-a", "resolving", "-"),
            ("resolving", "force", "resolving", "-"),
            // Only the reply of the request in flight moves an updating policy on.
            ("updating", "addrs", "updating", "-"),
            ("updating", "gone", "updating", "-"),
            ("updating", "tick", "updating", "-"),
            ("updating", "resolved", "updating", "-"),
            ("updating", "unresolved", "updating", "-"),
            ("updating", "good", "sleeping", "HP"),
            ("updating", "badauth", "invalid", "HP"),
            ("updating", "911", "sleeping", "HP"),
            ("updating", "refused", "sleeping", "HP"),
            ("updating", "webfail", "updating", "-"),
            ("updating", "reset", "updating", "P"),
            ("updating", "reset-a", "updating", "-"),
            ("updating", "force", "updating", "-"),
            // Sleeping after a good at 1 s: a new address waits to be stable; a forced
            // round waits for min_interval.
            ("sleeping", "addrs", "waiting", "-"),
            ("sleeping", "gone", "waiting", "-"),
            ("sleeping", "tick", "sleeping", "-"),
            ("sleeping", "resolved", "sleeping", "-"),
            ("sleeping", "unresolved", "sleeping", "-"),
            ("sleeping", "good", "sleeping", "-"),
            ("sleeping", "badauth", "sleeping", "-"),
            ("sleeping", "911", "sleeping", "-"),
            ("sleeping", "refused", "sleeping", "-"),
            ("sleeping", "webfail", "sleeping", "-"),
            ("sleeping", "reset", "sleeping", "P"),
            ("sleeping", "reset-a", "sleeping", "P"),
            ("sleeping", "force", "sleeping", "-"),
            // Invalid after badagent: only a reset of the policy lifts it (and then
            // min_interval still holds the next request).
            ("invalid", "addrs", "invalid", "-"),
            ("invalid", "gone", "invalid", "-"),
            ("invalid", "tick", "invalid", "-"),
            ("invalid", "resolved", "invalid", "-"),
            ("invalid", "unresolved", "invalid", "-"),
            ("invalid", "good", "invalid", "-"),
            ("invalid", "badauth", "invalid", "-"),
            ("invalid", "911", "invalid", "-"),
            ("invalid", "refused", "invalid", "-"),
            ("invalid", "webfail", "invalid", "-"),
            ("invalid", "reset", "sleeping", "P"),
            ("invalid", "reset-a", "invalid", "P"),
            ("invalid", "force", "invalid", "-"),
        ];
        assert_eq!(table.len(), 5 * 13);
        for (from, input, to, acts) in table {
            let (mut m, id) = in_state(from);
            let a = m.handle(t(2), table_input(input, id));
            assert_eq!(
                (m.state().name(), kinds(&a).as_str()),
                (*to, *acts),
                "{from} + {input}: {a:?}"
            );
            for k in 3..6 {
                let a = m.handle(t(k * 4000), Input::Tick);
                if m.state().name() == "invalid" {
                    assert!(sends(&a).is_empty() && !a.contains(&Action::Resolve));
                }
            }
        }
    }

    /// xorshift64, for reproducible random sequences.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[(self.next() % items.len() as u64) as usize]
        }
    }

    /// Whether `host` may be carried by the first request of a round at `now`, by the
    /// record as it was before: not stopped, not held, not backing off (unless forced),
    /// and outside min_interval.
    fn may_start(rec: &PolicyRecord, host: &str, now: u64, min_gap: u64, forced: bool) -> bool {
        let h = rec.hosts.get(host);
        rec.stop.is_none()
            && h.is_none_or(|h| {
                h.stop.is_none()
                    && h.hold_until.is_none_or(|u| u < now)
                    && h.last_sent_at.is_none_or(|s| s + min_gap < now)
            })
            && (forced || rec.retry_at.is_none_or(|r| r < now))
    }

    /// Random input sequences (addresses of both families appearing, changing and vanishing,
    /// lookups, replies of every kind, failures, resets, forces, time jumps of every size)
    /// against both family strategies. After every step the invariants of the module hold.
    #[test]
    fn random_inputs_keep_the_invariants() {
        let bodies: [&str; 11] = [
            "good\ngood",
            "nochg\nnochg",
            "good\nnohost",
            "badauth",
            "911",
            "w30s\nw30s",
            "",
            "<html>x</html>",
            "good 127.0.0.1",
            "abuse\ngood",
            "nochg 198.51.100.9\ngood",
        ];
        let a4 = ["203.0.113.5", "203.0.113.6"];
        let a6 = ["2001:db8::5", "2001:db8::6"];
        let steps = [0u64, 0, 1, 2, 5, 31, 61, 62, 700, 1801, 3602, 90_000];
        let mut sends_seen = 0;
        for (mode, seed0) in [("separate", 1u64), ("combined", 2)] {
            let p = policy(&format!(
                "stable_for = \"2s\"\nipv6 = true\nipv6_mode = \"{mode}\""
            ));
            for seq in 0..150u64 {
                let mut rng = Rng((seed0 << 32) ^ (seq + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                let mut m = machine(p.clone(), PolicyRecord::default(), t(0));
                let mut ms = 0u64;
                let mut forced = false;
                for step in 0..250 {
                    ms += rng.pick(&steps) * 1000 + rng.next() % 1000;
                    let now = tms(ms);
                    let in_flight = match m.state() {
                        State::Updating(r) => Some(r.id),
                        _ => None,
                    };
                    let input = match (m.state(), rng.next() % 10) {
                        (State::Resolving, 0..=4) => Input::Resolved(Ok(())),
                        (State::Updating(r), 0..=4) => Input::Reply {
                            id: r.id,
                            result: if rng.next().is_multiple_of(8) {
                                Err(NetError::Timeout("x".into()))
                            } else {
                                reply(200, rng.pick::<&str>(&bodies))
                            },
                        },
                        (_, 0..=3) => Input::Addresses {
                            addrs: AddrSet {
                                v4: (!rng.next().is_multiple_of(4))
                                    .then(|| rng.pick(&a4).parse().expect("v4")),
                                v6: rng
                                    .next()
                                    .is_multiple_of(2)
                                    .then(|| rng.pick(&a6).parse().expect("v6")),
                            },
                            reason: None,
                        },
                        (_, 4) => Input::Resolved(Err(NetError::Timeout("x".into()))),
                        (_, 5) => Input::Reply {
                            id: rng.next() % 4,
                            result: ok("good\ngood"),
                        },
                        (_, 6) => Input::Reset { host: None },
                        (_, 7) => Input::Reset {
                            host: Some("a.example.org".into()),
                        },
                        (_, 8) => Input::Force,
                        _ => Input::Tick,
                    };
                    let what = format!("{mode} seq {seq} step {step} at {ms} ms: {input:?}");
                    let before = m.persisted().clone();
                    let was_resolving = *m.state() == State::Resolving;
                    let answers_in_flight =
                        matches!(&input, Input::Reply { id, .. } if Some(*id) == in_flight);
                    if matches!(input, Input::Force) {
                        forced = true;
                    }
                    let a = m.handle(now, input);
                    let s = sends(&a);
                    sends_seen += s.len();
                    // 1: at most one send, only with the state updating, for the id in flight.
                    assert!(s.len() <= 1, "{what}: {a:?}");
                    if let Some((id, req)) = s.first() {
                        let State::Updating(r) = m.state() else {
                            panic!("{what}: a send outside updating: {:?}", m.state());
                        };
                        assert_eq!(r.id, *id, "{what}");
                        assert_eq!(r.queue.front(), Some(req), "{what}");
                        // Never a second request in flight.
                        assert!(
                            in_flight.is_none() || answers_in_flight,
                            "{what}: a send while {in_flight:?} was in flight"
                        );
                        // 4: the hosts it carries may be sent.
                        for h in &req.hosts {
                            let blocked_now = m.persisted().hosts.get(h).is_some_and(|x| {
                                x.stop.is_some() || x.hold_until.is_some_and(|u| u + 1 > now.wall)
                            }) || m.persisted().stop.is_some();
                            assert!(!blocked_now, "{what}: {h} is stopped or held");
                            if was_resolving {
                                assert!(
                                    may_start(&before, h, now.wall, 60, forced),
                                    "{what}: {h} was not due: {before:?}"
                                );
                            }
                        }
                        if was_resolving {
                            forced = false;
                        }
                    }
                    // 2: a lookup only on entering resolving.
                    if a.contains(&Action::Resolve) {
                        assert_eq!(*m.state(), State::Resolving, "{what}");
                    }
                    // 3: nothing resolved or sent while invalid.
                    if m.state().name() == "invalid" {
                        assert!(s.is_empty() && !a.contains(&Action::Resolve), "{what}");
                    }
                    // No deadline in the past: the driver would spin.
                    if let Some(d) = m.next_deadline() {
                        assert!(d > now.mono, "{what}: deadline {d:?}");
                    }
                }
            }
        }
        assert!(
            sends_seen > 1000,
            "the sequences reach updating: {sends_seen}"
        );
    }
}
