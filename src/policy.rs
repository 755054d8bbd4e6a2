//! The per-policy state machine: pure, no sockets, tasks or clocks.
//!
//! Time enters as [`Now`] (a monotonic offset for timers and the wall clock for what is
//! recorded), events enter as [`Input`], and what the driver must do comes out as [`Action`]s.
//! [`Machine::next_deadline`] says when the driver must call again with [`Input::Tick`].
//!
//! States (user-visible names, as Comware shows them):
//! - `waiting`: no usable address, or the address has not been stable for `stable_for`;
//! - `resolving`: looking up the update server;
//! - `updating`: a request is in flight (never more than one per policy);
//! - `sleeping`: nothing due until the next change, refresh, hold or web re-check;
//! - `invalid`: a fatal answer (or an unusable setting): nothing is sent until the user changes
//!   the policy's config or resets it.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::{Policy, Source};
use crate::http::{NetError, Response};
use crate::oneshot::{Plan, Skip, apply_net_error, apply_reply, format_time, plan_host};
use crate::protocol::dyndns2::{self, AddrSet, Decision, Request};
use crate::store::PolicyState;

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

/// The user-visible state.
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
    Updating,
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
            State::Updating => "updating",
            State::Sleeping { .. } => "sleeping",
            State::Invalid { .. } => "invalid",
        }
    }

    fn reason(&self) -> String {
        match self {
            State::Waiting { reason } | State::Invalid { reason } => reason.clone(),
            State::Sleeping { reason, .. } => reason.clone(),
            State::Resolving => "looking up the update server".into(),
            State::Updating => "request in flight".into(),
        }
    }

    fn busy(&self) -> bool {
        matches!(self, State::Resolving | State::Updating)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
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
}

/// How loud a log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Routine.
    Info,
    /// Something the user may want to know.
    Warn,
    /// The user must act.
    Error,
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
    /// Log a result or notice.
    Log {
        /// Level.
        level: Level,
        /// Host concerned, if any.
        host: Option<String>,
        /// Code, if any.
        code: Option<String>,
        /// Message.
        message: String,
    },
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
    fingerprint: String,
    pstate: PolicyState,
    state: State,
    current: AddrSet,
    no_addr_reason: String,
    candidate: Option<(AddrSet, Duration)>,
    config_changed: bool,
    queue: VecDeque<Request>,
    expected: BTreeMap<String, bool>,
    in_flight: Option<u64>,
    next_id: u64,
    net_failures: u32,
    net_backoff_until: Option<Duration>,
    web_next: Option<Duration>,
    web_in_flight: bool,
    rng: u64,
    actions: Vec<Action>,
}

impl Machine {
    /// A machine for `policy` with what is on record for it. `config_changed` is set when the
    /// recorded fingerprint differs (a changed policy is sent once to validate it, and its
    /// stops are cleared by [`crate::store::State::policy_mut`] before this is called).
    pub fn new(policy: Arc<Policy>, pstate: PolicyState, config_changed: bool, now: Now) -> Self {
        let fingerprint = policy.fingerprint();
        let rng = policy.name.bytes().fold(0x9e37_79b9_7f4a_7c15u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }) | 1;
        let mut m = Machine {
            policy,
            fingerprint,
            pstate,
            state: State::Waiting {
                reason: "no address yet".into(),
            },
            current: AddrSet::default(),
            no_addr_reason: "no address yet".into(),
            candidate: None,
            config_changed,
            queue: VecDeque::new(),
            expected: BTreeMap::new(),
            in_flight: None,
            next_id: 1,
            net_failures: 0,
            net_backoff_until: None,
            web_next: None,
            web_in_flight: false,
            rng,
            actions: Vec::new(),
        };
        if matches!(m.policy.source, Source::Web(_)) {
            m.web_next = Some(now.mono);
        }
        let moved = m.pstate.rebase_times(now.wall);
        if moved != 0 {
            m.note_rebase(moved);
        }
        // A network back-off survives a restart, like the provider's holds.
        m.net_failures = m.pstate.net_failures;
        if let Some(at) = m.pstate.retry_at.filter(|at| *at > now.wall) {
            m.net_backoff_until = Some(now.mono_of(at));
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
        self.pstate.shift_times(step.run_start, step.delta);
        let moved = self.pstate.rebase_times(now.wall);
        if moved != 0 {
            self.log(Level::Warn, None, None, crate::store::rebase_note(moved));
        }
        self.actions.push(Action::Persist);
        if !self.state.busy() {
            self.evaluate(now);
        }
        self.drain()
    }

    fn note_rebase(&mut self, moved: i64) {
        self.log(Level::Warn, None, None, crate::store::rebase_note(moved));
        self.actions.push(Action::Persist);
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
    pub fn persisted(&self) -> &PolicyState {
        &self.pstate
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

    /// Feeds one input; returns the actions to carry out.
    pub fn handle(&mut self, now: Now, input: Input) -> Vec<Action> {
        match input {
            Input::Addresses { addrs, reason } => self.on_addresses(now, addrs, reason),
            Input::Tick => {}
            Input::Resolved(Ok(())) => self.on_resolved(now),
            Input::Resolved(Err(e)) => self.on_net_error(now, None, e),
            Input::Reply { id, result } => {
                if self.in_flight == Some(id) {
                    self.in_flight = None;
                    match result {
                        Ok(resp) => self.on_reply(now, resp),
                        Err(e) => {
                            let req = self.queue.pop_front();
                            self.on_net_error(now, req, e)
                        }
                    }
                }
            }
            Input::WebFailed(why) => {
                self.web_in_flight = false;
                self.web_next = Some(now.mono + self.policy.check_interval);
                self.log(Level::Warn, None, None, format!("web check failed: {why}"));
                if self.current.is_empty() {
                    self.no_addr_reason = why;
                }
            }
            Input::Reset { host } => {
                let found = self.pstate.reset(host.as_deref());
                if found {
                    self.net_failures = 0;
                    self.net_backoff_until = None;
                    if matches!(self.state, State::Invalid { .. }) {
                        self.set_state(State::Sleeping {
                            until: None,
                            reason: "reset by the user".into(),
                        });
                    }
                    self.log(
                        Level::Info,
                        host,
                        None,
                        "reset by the user: stops and holds cleared".into(),
                    );
                    self.actions.push(Action::Persist);
                }
            }
        }
        self.on_timers(now);
        if !self.state.busy() {
            self.evaluate(now);
        }
        self.drain()
    }

    fn on_addresses(&mut self, now: Now, addrs: AddrSet, reason: Option<String>) {
        if matches!(self.policy.source, Source::Web(_)) && self.web_in_flight {
            self.web_in_flight = false;
            self.web_next = Some(now.mono + self.policy.check_interval);
        }
        if addrs.is_empty() {
            self.candidate = None;
            if !self.current.is_empty() {
                self.log(
                    Level::Warn,
                    None,
                    None,
                    format!("address {} gone", self.current),
                );
            }
            self.current = AddrSet::default();
            self.no_addr_reason = reason.unwrap_or_else(|| "no publishable address".into());
            return;
        }
        let pending = self.candidate.map(|(a, _)| a);
        if pending == Some(addrs) || (pending.is_none() && addrs == self.current) {
            return;
        }
        if self.state.busy() {
            self.log(
                Level::Info,
                None,
                None,
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
                self.log(
                    Level::Info,
                    None,
                    None,
                    format!("address {addrs} is stable"),
                );
            }
            self.current = addrs;
        }
        if self.net_backoff_until.is_some_and(|t| now.mono >= t) {
            self.net_backoff_until = None;
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
        if self.config_changed {
            return None;
        }
        if let Some(s) = &self.pstate.stop {
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
            .filter_map(|h| self.pstate.hosts.get(h).and_then(|x| x.stop.as_ref()))
            .collect();
        if !stops.is_empty() && stops.len() == self.policy.hosts.len() {
            let s = stops[0];
            return Some(format!(
                "every host stopped; first {}: {}",
                s.code, s.reason
            ));
        }
        None
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
        if let Some(t) = self.net_backoff_until {
            self.set_state(State::Sleeping {
                until: Some(t),
                reason: format!(
                    "retrying after a network failure ({} in a row)",
                    self.net_failures
                ),
            });
            return;
        }
        let mut due = false;
        let mut wake: Option<(Duration, String)> = None;
        let mut consider = |t: Duration, why: String| {
            if wake.as_ref().is_none_or(|(w, _)| t < *w) {
                wake = Some((t, why));
            }
        };
        for host in &self.policy.hosts {
            match plan_host(
                &self.policy,
                Some(&self.pstate),
                host,
                self.current,
                now.wall,
                false,
                self.config_changed,
            ) {
                Plan::Send { .. } => due = true,
                Plan::Skip(Skip::Held { until, code }) => {
                    consider(now.mono_of(until), format!("provider hold ({code}) ends"))
                }
                Plan::Skip(Skip::TooSoon { until }) => {
                    consider(now.mono_of(until), "min_interval passes".into())
                }
                Plan::Skip(Skip::UpToDate) => {
                    let h = self.pstate.hosts.get(host);
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

    fn on_resolved(&mut self, now: Now) {
        if self.state != State::Resolving {
            return;
        }
        // Plan again now: a host may have changed while the name was looked up.
        let mut groups: BTreeMap<(String, bool), (AddrSet, Vec<String>)> = BTreeMap::new();
        self.expected.clear();
        for host in &self.policy.hosts {
            if let Plan::Send {
                addrs,
                nochg_expected,
                why,
            } = plan_host(
                &self.policy,
                Some(&self.pstate),
                host,
                self.current,
                now.wall,
                false,
                self.config_changed,
            ) {
                self.actions.push(Action::Log {
                    level: Level::Info,
                    host: Some(host.clone()),
                    code: None,
                    message: format!("update due: {why}"),
                });
                self.expected.insert(host.clone(), nochg_expected);
                groups
                    .entry((addrs.to_string(), nochg_expected))
                    .or_insert((addrs, Vec::new()))
                    .1
                    .push(host.clone());
            }
        }
        self.queue.clear();
        for (addrs, hosts) in groups.into_values() {
            self.queue.extend(dyndns2::build_requests(
                &self.policy.endpoint,
                &self.policy.dialect,
                &self.policy.username,
                &self.policy.password,
                &hosts,
                addrs,
            ));
        }
        self.send_next(now);
    }

    fn send_next(&mut self, now: Now) {
        match self.queue.front() {
            Some(req) => {
                let id = self.next_id;
                self.next_id += 1;
                self.in_flight = Some(id);
                let request = req.clone();
                self.set_state(State::Updating);
                self.actions.push(Action::Send { id, request });
            }
            None => {
                // Round over: the config change it may have been for has been dealt with.
                self.config_changed = false;
                self.evaluate(now);
            }
        }
    }

    fn on_reply(&mut self, now: Now, resp: Response) {
        let Some(req) = self.queue.pop_front() else {
            return;
        };
        self.net_failures = 0;
        if resp.truncated {
            self.log(
                Level::Warn,
                None,
                None,
                "reply longer than 64 KiB; the rest was dropped".into(),
            );
        }
        self.pstate.net_failures = 0;
        self.pstate.failed_at = None;
        self.pstate.retry_at = None;
        self.pstate.retry_reason = None;
        let applied = apply_reply(
            &mut self.pstate,
            &self.policy,
            &req,
            resp.status,
            &resp.body,
            &self.expected,
            now.wall,
        );
        for n in applied.notes {
            self.log(Level::Warn, None, None, n);
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
            let (level, message) = match decision {
                Decision::Continue if *code == dyndns2::Code::Good => (
                    Level::Info,
                    format!("updated to {}: {}", req.sent, code.explanation()),
                ),
                Decision::Continue => (
                    Level::Warn,
                    format!("{} ({})", code.explanation(), req.sent),
                ),
                Decision::BackOff(d) => (
                    Level::Warn,
                    format!(
                        "{}; no request before {}",
                        code.explanation(),
                        format_time(now.wall + d.as_secs())
                    ),
                ),
                d => (
                    Level::Error,
                    format!("{}; {d}: {}", code.explanation(), code.user_action()),
                ),
            };
            self.actions.push(Action::Log {
                level,
                host: Some(host.clone()),
                code: Some(code.name()),
                message,
            });
        }
        self.actions.push(Action::Persist);
        if applied.stop_round {
            self.queue.clear();
        }
        self.send_next(now);
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

    fn on_net_error(&mut self, now: Now, req: Option<Request>, e: NetError) {
        let fatal = matches!(e, NetError::CaFile { .. } | NetError::Url(_));
        if let Some(r) = &req {
            apply_net_error(&mut self.pstate, r, &e, now.wall);
            self.actions.push(Action::Persist);
        }
        self.queue.clear();
        self.in_flight = None;
        if fatal {
            self.log(
                Level::Error,
                None,
                Some(e.kind().into()),
                format!("{e}; fix the config"),
            );
            self.set_state(State::Invalid {
                reason: e.to_string(),
            });
            return;
        }
        self.net_failures += 1;
        let d = self.net_backoff(self.net_failures);
        self.net_backoff_until = Some(now.mono + d);
        self.pstate.net_failures = self.net_failures;
        self.pstate.failed_at = Some(now.wall);
        self.pstate.retry_at = Some(now.wall + d.as_secs());
        self.pstate.retry_reason = Some(e.to_string());
        self.actions.push(Action::Persist);
        self.log(
            Level::Warn,
            None,
            Some(e.kind().into()),
            format!("{e}; retrying in {}", crate::duration::format(d)),
        );
        self.set_state(State::Sleeping {
            until: self.net_backoff_until,
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
        let base = NET_BACKOFF_FIRST.saturating_mul(1u32 << (failures - 1).min(10));
        let base = base.min(NET_BACKOFF_CAP);
        // xorshift64: deterministic per policy, which keeps tests exact.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let permille = 800 + (self.rng % 401);
        base * permille as u32 / 1000
    }

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

    fn log(&mut self, level: Level, host: Option<String>, code: Option<String>, message: String) {
        self.actions.push(Action::Log {
            level,
            host,
            code,
            message,
        });
    }

    /// When the driver must call [`Machine::handle`] with [`Input::Tick`] next.
    pub fn next_deadline(&self) -> Option<Duration> {
        let mut d: Vec<Duration> = Vec::new();
        if let Some((_, at)) = self.candidate {
            d.push(at);
        }
        if let Some(t) = self.net_backoff_until {
            d.push(t);
        }
        if let Some(t) = self.web_next {
            d.push(t);
        }
        if let State::Sleeping { until: Some(t), .. } = &self.state {
            d.push(*t);
        }
        d.into_iter().min()
    }

    /// Whether this machine runs the same policy: every setting, the fingerprinted ones, the
    /// timers, the HTTP settings and the hooks. A reload replaces a machine when any differ.
    pub fn same_config(&self, other: &Policy) -> bool {
        self.fingerprint == other.fingerprint()
            && self.policy.password_origin == other.password_origin
            && self.policy.allow_insecure_http == other.allow_insecure_http
            && self.policy.on_change == other.on_change
            && self.policy.on_error == other.on_error
            && self.policy.hook_timeout == other.hook_timeout
            && self.policy.stable_for == other.stable_for
            && self.policy.min_interval == other.min_interval
            && self.policy.max_interval == other.max_interval
            && self.policy.check_interval == other.check_interval
            && self.policy.timeout == other.timeout
            && self.policy.connect_timeout == other.connect_timeout
            && self.policy.ca_file == other.ca_file
    }

    /// A snapshot for `dynward status`.
    pub fn status(&self, now: Now) -> PolicyStatus {
        let wall_of = |t: Duration| now.wall + t.saturating_sub(now.mono).as_secs();
        let next = match &self.state {
            State::Sleeping {
                until: Some(t),
                reason,
            } => Some(NextAction {
                what: reason.clone(),
                at: wall_of(*t),
                at_text: format_time(wall_of(*t)),
            }),
            State::Waiting { .. } => self.candidate.map(|(_, t)| NextAction {
                what: "address becomes stable".into(),
                at: wall_of(t),
                at_text: format_time(wall_of(t)),
            }),
            _ => None,
        }
        .or_else(|| {
            self.web_next.map(|t| NextAction {
                what: "web re-check".into(),
                at: wall_of(t),
                at_text: format_time(wall_of(t)),
            })
        });
        let hosts = self
            .policy
            .hosts
            .iter()
            .map(|h| {
                let hs = self.pstate.hosts.get(h);
                HostStatus {
                    host: h.clone(),
                    last_code: hs.and_then(|x| x.last.as_ref()).map(|l| l.code.clone()),
                    last_message: hs.and_then(|x| x.last.as_ref()).map(|l| l.message.clone()),
                    last_at: hs.and_then(|x| x.last.as_ref()).map(|l| format_time(l.at)),
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
                        .filter(|t| *t > now.wall)
                        .map(format_time),
                }
            })
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
        self.pstate
            .stop
            .as_ref()
            .map(|s| s.code.clone())
            .or_else(|| {
                self.policy.hosts.iter().find_map(|h| {
                    self.pstate
                        .hosts
                        .get(h)
                        .and_then(|x| x.stop.as_ref())
                        .map(|s| s.code.clone())
                })
            })
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Accepted, HostState};

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

    fn ok(body: &str) -> Result<Response, NetError> {
        Ok(Response {
            status: 200,
            body: body.into(),
            truncated: false,
        })
    }

    fn recorded(addr: &str, at: u64) -> PolicyState {
        let mut p = PolicyState::default();
        for h in ["a.example.org", "b.example.org"] {
            p.hosts.insert(
                h.into(),
                Box::new(HostState {
                    v4: Some(Accepted {
                        addr: addr.parse().expect("v4"),
                        at,
                    }),
                    last_sent_at: Some(at),
                    ..HostState::default()
                }),
            );
        }
        p
    }

    /// A machine for a policy that reacts at once (stable_for 0), with nothing on record.
    fn fresh() -> Machine {
        Machine::new(
            policy("stable_for = \"0s\""),
            PolicyState::default(),
            false,
            t(0),
        )
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
        let mut m = Machine::new(policy(""), PolicyState::default(), false, t(0));
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

    /// A machine driven the way the daemon drives it: each reading of the clocks goes
    /// through [`crate::clock::WallClock`], and a step is applied before the input.
    struct Clocked {
        m: Machine,
        clock: crate::clock::WallClock,
        /// Wall minus monotonic seconds: changed by a test to step the clock.
        offset: u64,
    }

    impl Clocked {
        fn new(p: Arc<Policy>, pstate: PolicyState, offset: u64) -> Self {
            let now = Now {
                mono: Duration::ZERO,
                wall: offset,
            };
            Clocked {
                m: Machine::new(p, pstate, false, now),
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

    const REAL: u64 = crate::store::CLOCK_FLOOR + 330 * 86_400;

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
                    PolicyState::default(),
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
        assert!(
            a.iter().any(|x| matches!(x, Action::Log { message, .. } if message.contains("ahead of the clock"))),
            "{a:?}"
        );
        assert_eq!(
            c.m.next_deadline(),
            Some(Duration::from_secs(60)),
            "network back-off first"
        );
        c.feed(60, Input::Tick);
        assert_eq!(c.m.next_deadline(), Some(Duration::from_secs(1801)));
        assert!(!c.feed(1800, Input::Tick).contains(&Action::Resolve));
        assert!(c.feed(1801, Input::Tick).contains(&Action::Resolve));
    }

    /// A restart with the address on record sends nothing.
    #[test]
    fn restart_sends_nothing() {
        let mut m = Machine::new(
            policy(""),
            recorded("203.0.113.5", WALL0 - 3600),
            false,
            t(0),
        );
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
        let mut m = Machine::new(policy(""), PolicyState::default(), false, t(0));
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
        assert!(a.iter().any(|x| matches!(x, Action::Log { message, .. } if message.contains("last update not finished"))), "{a:?}");
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
                result: Ok(Response {
                    status: 401,
                    body: "badauth".into(),
                    truncated: false,
                }),
            },
        );
        assert_eq!(m.state().name(), "invalid");
        assert!(a.iter().any(|x| matches!(
            x,
            Action::Log {
                level: Level::Error,
                ..
            }
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

    /// Failures before any reply back off from ~30 s, doubling to a 30-minute cap, with jitter.
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
                w >= base * 0.8 - 0.01 && w <= base * 1.2 + 0.01,
                "failure {n}: {w} vs {base}"
            );
            seen.push(wait);
            now += wait.as_secs() + 1;
            assert!(m.handle(t(now), Input::Tick).contains(&Action::Resolve));
        }
        assert!(seen.windows(2).take(5).all(|w| w[1] > w[0]), "{seen:?}");
        // A reply resets the streak.
        round(&mut m, t(now), "good\ngood");
        assert_eq!(m.state().name(), "sleeping");
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
        let mut m2 = Machine::new(policy("stable_for = \"0s\""), p, false, later);
        let a = m2.handle(later, addrs("203.0.113.5"));
        assert!(!a.contains(&Action::Resolve), "{a:?}");
        assert_eq!(
            m2.next_deadline(),
            Some(Duration::from_secs(retry - WALL0 - 10))
        );
        // The second failure after restart doubles from the recorded count.
        let at = Now {
            mono: Duration::from_secs(retry - WALL0 - 10),
            wall: retry,
        };
        assert!(m2.handle(at, Input::Tick).contains(&Action::Resolve));
        m2.handle(
            at,
            Input::Resolved(Err(NetError::Timeout("u.example".into()))),
        );
        assert_eq!(m2.persisted().net_failures, 2);
        let wait = m2.persisted().retry_at.expect("retry") - retry;
        assert!((48..=72).contains(&wait), "{wait}");
    }

    /// A failed request keeps the address unaccepted, so the retry sends it again.
    #[test]
    fn failed_send_is_retried() {
        let mut m = fresh();
        m.handle(t(0), addrs("203.0.113.5"));
        let s = sends(&m.handle(t(0), Input::Resolved(Ok(()))));
        m.handle(
            t(1),
            Input::Reply {
                id: s[0].0,
                result: Err(NetError::Timeout("u.example".into())),
            },
        );
        assert_eq!(m.state().name(), "sleeping");
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
        assert!(
            gap >= Duration::from_secs(62) && gap < Duration::from_secs(63),
            "{gap:?}"
        );
        assert!(m.handle(t(63), Input::Tick).contains(&Action::Resolve));
    }

    /// The address going away moves the policy to waiting; it comes back to sleeping.
    #[test]
    fn address_removed_waits() {
        let mut m = Machine::new(
            policy("stable_for = \"0s\""),
            recorded("203.0.113.5", WALL0),
            false,
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
        let mut m = Machine::new(
            policy("stable_for = \"0s\"\nmax_interval = \"2d\""),
            recorded("203.0.113.5", WALL0),
            false,
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

    /// A changed config is sent once with an unchanged address.
    #[test]
    fn config_change_validates_once() {
        let mut m = Machine::new(
            policy("stable_for = \"0s\""),
            recorded("203.0.113.5", WALL0 - 600),
            true,
            t(0),
        );
        assert!(
            m.handle(t(0), addrs("203.0.113.5"))
                .contains(&Action::Resolve)
        );
        round(&mut m, t(0), "nochg\nnochg");
        assert!(!m.handle(t(100), Input::Tick).contains(&Action::Resolve));
    }

    /// A web source asks at start and then every check_interval.
    #[test]
    fn web_rechecks() {
        let text = "[[policy]]\nname = \"w\"\nserver = \"https://u.example/\"\nusername = \"u\"\npassword = \"p\"\nhosts = [\"a.example.org\"]\nweb = \"https://checkip.example/\"\nstable_for = \"0s\"\n";
        let wp = Arc::new(crate::config::test_policy(text));
        let mut m = Machine::new(wp, PolicyState::default(), false, t(0));
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
        let m = Machine::new(policy(""), PolicyState::default(), false, t(0));
        assert!(m.same_config(&policy("")));
        for extra in [
            "min_interval = \"2m\"",
            "timeout = \"5s\"",
            "on_change = [\"/bin/true\"]",
            "on_error = [\"/bin/true\"]",
            "check_interval = \"20m\"",
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
        assert!(a.is_empty() || !a.contains(&Action::Persist));
        assert_eq!(m.state().name(), "resolving");
    }

    /// Every state meets every kind of input: no panic, never a send while invalid, never a
    /// second request while one is in flight, and the state is always one of the five.
    #[test]
    fn every_state_and_input() {
        let inputs = |id: u64| -> Vec<Input> {
            vec![
                addrs("203.0.113.9"),
                Input::Addresses {
                    addrs: AddrSet::default(),
                    reason: Some("gone".into()),
                },
                Input::Tick,
                Input::Resolved(Ok(())),
                Input::Resolved(Err(NetError::Timeout("x".into()))),
                Input::Reply {
                    id,
                    result: ok("good\ngood"),
                },
                Input::Reply {
                    id,
                    result: ok("badauth"),
                },
                Input::Reply {
                    id,
                    result: ok("911"),
                },
                Input::Reply {
                    id,
                    result: Err(NetError::Refused("192.0.2.1:80".parse().expect("sa"))),
                },
                Input::WebFailed("x".into()),
                Input::Reset { host: None },
                Input::Reset {
                    host: Some("a.example.org".into()),
                },
            ]
        };
        // Build one machine in each state.
        let make = |state: &str| -> (Machine, u64) {
            let mut m = Machine::new(
                policy("stable_for = \"1s\""),
                PolicyState::default(),
                false,
                t(0),
            );
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
                _ => unreachable!(),
            }
            assert_eq!(m.state().name(), state);
            (m, id)
        };
        let mut cases = 0;
        for state in ["waiting", "resolving", "updating", "sleeping", "invalid"] {
            for (i, _) in inputs(0).iter().enumerate() {
                let (mut m, id) = make(state);
                let input = inputs(id).remove(i);
                let was_updating = m.state().name() == "updating";
                let is_reset = matches!(input, Input::Reset { .. });
                let a = m.handle(t(2), input);
                cases += 1;
                let n_send = sends(&a).len();
                assert!(n_send <= 1, "{state} #{i}: {a:?}");
                if state == "invalid" && !is_reset {
                    assert_eq!(m.state().name(), "invalid", "#{i}");
                    assert!(!a.contains(&Action::Resolve) && n_send == 0, "#{i}");
                }
                if was_updating && !matches!(inputs(id)[i], Input::Reply { .. }) {
                    assert_eq!(n_send, 0, "never a second request in flight: #{i}");
                }
                assert!(
                    ["waiting", "resolving", "updating", "sleeping", "invalid"]
                        .contains(&m.state().name())
                );
                // Drive the rest of the way with ticks: never panics, never sends while invalid.
                for k in 3..6 {
                    let a = m.handle(t(k * 4000), Input::Tick);
                    if m.state().name() == "invalid" {
                        assert!(sends(&a).is_empty());
                    }
                }
            }
        }
        assert_eq!(cases, 60);
    }
}
