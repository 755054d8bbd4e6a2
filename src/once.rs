//! `dynward once`: one pass over the selected policies, then exit.
//!
//! A small in-order driver of the same machine the daemon drives ([`crate::policy::Machine`]):
//! it feeds the addresses of one interface snapshot (or runs the machine's web check), carries
//! out each action the machine asks for, feeds the result back, and stops when nothing more is
//! due now. Every decision is the machine's; this module only does the I/O and prints.

use std::collections::{BTreeSet, VecDeque};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::addr::AddrSet;
use crate::clock;
use crate::config::{Config, Policy, Source};
use crate::duration::Zone;
use crate::hook;
use crate::http;
use crate::plan::{Effect, Level, Plan, Report, Skip, skip_text};
use crate::policy::{Action, HookEvent, Input, Machine, Now, Readings};
use crate::protocol::{AnyExchange, Step, Target, Update};
use crate::record::{Verdict, add_verdict, lift_verdicts};
use crate::store::{self, StateFile};
use crate::watch::detect::{self, Detected, Reading};
use crate::watch::iface::Snapshot;

/// What `once` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Print the requests instead of sending them; write no state.
    pub dry_run: bool,
    /// Update even when the address is unchanged (never past a stop, hold or minimum gap).
    pub force: bool,
    /// After the pass, ask each zone's authoritative servers whether they serve what the
    /// provider has (a host not served fails the pass).
    pub verify: bool,
    /// Only these policies (all when empty).
    pub policies: Vec<String>,
    /// The state directory.
    pub state_dir: PathBuf,
    /// The zone times are shown in.
    pub zone: Zone,
}

/// Why `once` sent nothing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A policy named on the command line is not in the config.
    #[error("no policy named \"{name}\" in {}; policies: {}", config.display(), known.join(", "))]
    UnknownPolicy {
        /// The name.
        name: String,
        /// The config file.
        config: PathBuf,
        /// The policies it has.
        known: Vec<String>,
    },
    /// The state file cannot be read, or written: an update whose result cannot be
    /// remembered would be sent again later, as abuse.
    #[error("{0}; no update sent, because its result could not be recorded")]
    State(store::Error),
    /// The state file cannot be written where the config says.
    #[error(
        "{0}; no update sent, because its result could not be recorded (set state_dir or fix the permissions)"
    )]
    Unwritable(store::Error),
}

/// Runs `once`. Returns whether every host ended good, nochg or up-to-date.
pub async fn run(config: &Config, opts: &Options, out: &mut dyn Write) -> Result<bool, Error> {
    let selected = select(config, &opts.policies)?;
    let (mut state, state_ok) = open_state(opts, out)?;
    let key = store::fingerprint_key(&opts.state_dir, !opts.dry_run).map_err(Error::State)?;
    let snapshot = read_snapshot(&selected);
    let verdicts = std::mem::take(&mut state.verdicts);
    let mut pass = Pass {
        opts,
        out,
        key,
        verdicts,
        start: clock::mono_now(),
        hooks: JoinSet::new(),
        all_ok: state_ok,
    };
    for policy in selected {
        pass.policy(policy, &mut state, &snapshot).await;
    }
    // Hooks ran beside the updates; each ends by itself or by its timeout.
    while pass.hooks.join_next().await.is_some() {}
    Ok(pass.all_ok)
}

/// The policies named on the command line, or all of them.
fn select<'c>(config: &'c Config, names: &[String]) -> Result<Vec<&'c Policy>, Error> {
    if names.is_empty() {
        return Ok(config.policies.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            config
                .policies
                .iter()
                .find(|p| &p.name == name)
                .ok_or_else(|| Error::UnknownPolicy {
                    name: name.clone(),
                    config: config.path.clone(),
                    known: config.policies.iter().map(|p| p.name.clone()).collect(),
                })
        })
        .collect()
}

/// Loads the state (a corrupt file is kept aside and reported, and the pass goes on from an
/// empty state, failing its exit status) and, unless this is a dry run, proves it can be
/// written: an update whose result cannot be remembered would be re-sent later as abuse.
fn open_state(opts: &Options, out: &mut dyn Write) -> Result<(StateFile, bool), Error> {
    let (state, ok) = match store::open(&opts.state_dir, clock::unix_now(), false) {
        Ok(opened) => {
            if let Some(e) = &opened.corrupt {
                tracing::error!(error = %e, "state file unreadable");
                let _ = writeln!(out, "error: {e}");
            }
            if let Some(note) = &opened.moved {
                tracing::warn!("{note}");
            }
            (opened.state, opened.corrupt.is_none())
        }
        Err(e) if opts.dry_run => {
            let _ = writeln!(out, "warning: {e}; the dry run assumes an empty state");
            (StateFile::default(), true)
        }
        Err(e) => return Err(Error::State(e)),
    };
    if !opts.dry_run {
        store::save(&opts.state_dir, &state).map_err(Error::Unwritable)?;
    }
    Ok((state, ok))
}

/// One reading of the interfaces for every interface policy of the pass.
fn read_snapshot(selected: &[&Policy]) -> Option<Result<Snapshot, String>> {
    let interface = |p: &&&Policy| !p.source.is_asked();
    if !selected.iter().any(|p| interface(&p)) {
        return None;
    }
    let routes = selected.iter().any(|p| p.source == Source::DefaultRoute);
    Some(Snapshot::read(routes).map_err(|e| e.to_string()))
}

/// The pass over all policies: where it prints, its hooks, its verdict.
struct Pass<'a> {
    opts: &'a Options,
    out: &'a mut dyn Write,
    /// The key of the config fingerprints.
    key: crate::config::FingerprintKey,
    /// The verdicts on clients and accounts, for every policy of the pass.
    verdicts: Vec<Verdict>,
    start: Instant,
    hooks: JoinSet<hook::Exit>,
    all_ok: bool,
}

/// What one policy's part of the pass saw, for its exit status.
#[derive(Default)]
struct Tally {
    /// The hosts' plans when the addresses were known.
    plans: Vec<(String, Plan)>,
    accepted: BTreeSet<String>,
    failed: BTreeSet<String>,
    /// A failure of the whole policy (no host named).
    policy_failed: bool,
}

impl Tally {
    /// Every host ended accepted or up-to-date (a dry run: or due), and nothing failed.
    fn ok(&self, dry_run: bool) -> bool {
        !self.policy_failed
            && self.plans.iter().all(|(h, p)| {
                !self.failed.contains(h)
                    && (self.accepted.contains(h)
                        || matches!(p, Plan::Skip(Skip::UpToDate))
                        || (dry_run && matches!(p, Plan::Send { .. })))
            })
    }
}

/// Where the requests of a policy go out from, once known.
#[derive(Default)]
struct Route {
    bind: Vec<IpAddr>,
    /// The server's addresses, in the order they are tried.
    targets: Vec<SocketAddr>,
    /// Rounds started: one per pass, whatever the machine would do next.
    rounds: u32,
}

/// One policy's part of the pass: its machine, the actions it asked for, and what was seen.
struct Drive<'p> {
    policy: &'p Policy,
    m: Machine,
    pending: VecDeque<Action>,
    route: Route,
    tally: Tally,
    /// The machine asked for a save.
    dirty: bool,
    /// The exchange of the update in flight, between two of its steps.
    exchange: Option<AnyExchange>,
    /// The pass is over and `--verify` asked the check.
    verifying: bool,
}

/// What an interface policy may publish according to the pass's snapshot; `None` for a web
/// source (its machine asks for the web check).
fn detection(policy: &Policy, snapshot: &Option<Result<Snapshot, String>>) -> Option<Detected> {
    match (&policy.source, snapshot) {
        (source, _) if source.is_asked() => None,
        (_, None) => None,
        (_, Some(Ok(snap))) => detect::from_snapshot(policy, snap),
        (_, Some(Err(e))) => Some(Detected {
            origin: policy.source.to_string(),
            error: Some(format!("cannot read the interfaces: {e}")),
            ..Detected::default()
        }),
    }
}

impl Pass<'_> {
    fn now(&self) -> Now {
        Now {
            mono: self.start.elapsed(),
            wall: clock::unix_now(),
        }
    }

    fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
    }

    /// Drives one policy's machine until nothing more is due now.
    async fn policy(
        &mut self,
        policy: &Policy,
        state: &mut StateFile,
        snapshot: &Option<Result<Snapshot, String>>,
    ) {
        let detected = detection(policy, snapshot);
        self.header(policy, detected.as_ref());
        let record = state.policies.remove(&policy.name).unwrap_or_default();
        let mut d = Drive {
            policy,
            m: Machine::new(
                Arc::new(policy.clone()),
                record,
                crate::plan::binding(&self.verdicts, policy),
                &self.key,
                self.now(),
                Readings::Single,
            ),
            pending: VecDeque::new(),
            route: Route::default(),
            tally: Tally::default(),
            dirty: false,
            exchange: None,
            verifying: false,
        };
        d.pending.extend(d.m.drain());
        if self.opts.force {
            let actions = d.m.handle(self.now(), Input::Force);
            d.pending.extend(actions);
        }
        if let Some(found) = detected {
            self.feed_addresses(&mut d, found);
        }
        while let Some(action) = d.pending.pop_front() {
            self.carry_out(&mut d, action).await;
            if d.dirty && !self.opts.dry_run {
                d.dirty = false;
                self.save(state, &d);
            }
            if d.pending.is_empty() && self.opts.verify && !self.opts.dry_run && !d.verifying {
                d.verifying = true;
                let actions = d.m.handle(self.now(), Input::VerifyNow);
                d.pending.extend(actions);
            }
        }
        self.all_ok &= d.tally.ok(self.opts.dry_run);
        state
            .policies
            .insert(policy.name.clone(), d.m.into_record());
    }

    /// The policy's first line: how it updates and where its addresses come from.
    fn header(&mut self, policy: &Policy, detected: Option<&Detected>) {
        let origin = match (&policy.source, detected) {
            (source, _) if source.is_asked() => source.to_string(),
            (_, Some(d)) => d.origin.clone(),
            (source, None) => source.to_string(),
        };
        self.line(&format!(
            "policy {}: {} via {origin}",
            policy.name,
            policy.endpoint_label()
        ));
    }

    /// Feeds what was found to the machine and prints each host's plan.
    fn feed_addresses(&mut self, d: &mut Drive<'_>, found: Detected) {
        let input = self.detected(d.policy, found, &mut d.route);
        let actions = d.m.handle(self.now(), input);
        d.pending.extend(actions);
        d.tally.plans = self.print_plans(&d.m);
    }

    /// Carries out one action of the machine and feeds its result back.
    async fn carry_out(&mut self, d: &mut Drive<'_>, action: Action) {
        let policy = d.policy;
        let input = match action {
            Action::Resolve if self.opts.dry_run => {
                self.print_round(&d.m, &d.route);
                return;
            }
            Action::Resolve if d.route.rounds > 0 => {
                tracing::debug!(policy = %policy.name, "more is due; left for the next pass");
                return;
            }
            Action::Resolve => {
                d.route.rounds += 1;
                let result = http::resolve_server(policy.server_url(), &d.route.bind).await;
                d.route.targets = result.as_ref().cloned().unwrap_or_default();
                Input::Resolved(result.map(|_| ()))
            }
            Action::Update { id, update } => {
                let exchange = policy.exchange(&update, crate::dns::start());
                step(d, id, exchange).await
            }
            Action::Proceed { id, keep } => match d.exchange.take() {
                Some(mut exchange) if !keep.is_empty() => {
                    exchange.keep(&keep);
                    step(d, id, exchange).await
                }
                _ => return,
            },
            // `once` waits for no propagation unless asked: `--verify` checks after the pass.
            Action::Verify { .. } if !d.verifying => return,
            Action::Verify { asks, periodic } => {
                let since = clock::mono_now();
                let mut checks = JoinSet::new();
                let mut found = vec![None; asks.len()];
                for (i, a) in asks.into_iter().enumerate() {
                    checks.spawn(async move { (i, crate::served::check(&a, since).await) });
                }
                while let Some(Ok((i, f))) = checks.join_next().await {
                    found[i] = Some(f);
                }
                for f in found.into_iter().flatten() {
                    if f.published.served != Some(true) {
                        d.tally.failed.insert(f.host.clone());
                    }
                    self.line(&format!("  {}: {}", f.host, f.published.words));
                    let actions =
                        d.m.handle(self.now(), Input::Checked { found: f, periodic });
                    d.pending.extend(actions);
                }
                return;
            }
            Action::CheckWeb => {
                let answers = detect::check_asked(policy).await;
                match detect::read_asked(policy, &answers) {
                    Reading::Found(found) => self.feed_addresses(d, found),
                    Reading::Failed(e) => {
                        self.line(&format!("  {e}"));
                        let actions = d.m.handle(self.now(), Input::WebFailed(e));
                        d.pending.extend(actions);
                        d.tally.plans = self.print_plans(&d.m);
                    }
                }
                return;
            }
            Action::Persist => {
                d.dirty = true;
                return;
            }
            Action::Hook(event) => {
                if !self.opts.dry_run {
                    self.spawn_hook(policy, event);
                }
                return;
            }
            Action::StateChanged { state, reason } => {
                crate::policy::log_state_change(&policy.name, state, &reason);
                return;
            }
            Action::Report(r) => {
                self.report(policy, &r, &mut d.tally);
                return;
            }
            Action::Verdict(v) => {
                add_verdict(&mut self.verdicts, v);
                d.dirty = true;
                return;
            }
            Action::Lift { server, user, what } => {
                lift_verdicts(&mut self.verdicts, &server, &user, what);
                d.dirty = true;
                return;
            }
        };
        let actions = d.m.handle(self.now(), input);
        d.pending.extend(actions);
    }

    /// Writes the state file: every other policy's record and this machine's.
    fn save(&mut self, state: &StateFile, d: &Drive<'_>) {
        let records = state
            .policies
            .iter()
            .map(|(n, r)| (n.as_str(), r))
            .chain([(d.policy.name.as_str(), d.m.persisted())]);
        crate::record::prune_verdicts(&mut self.verdicts, clock::unix_now());
        if let Err(e) = store::save_records(&self.opts.state_dir, records, &self.verdicts) {
            tracing::error!(error = %e, "state not saved");
            self.line(&format!("error: {e}"));
            self.all_ok = false;
        }
    }

    /// Prints what detection found and turns it into the machine's input.
    fn detected(&mut self, policy: &Policy, d: Detected, route: &mut Route) -> Input {
        for (ip, why) in &d.skipped {
            tracing::info!(policy = %policy.name, address = %ip, reason = %why, "address skipped");
            self.line(&format!("  skipped {ip}: {why}"));
        }
        if !d.addrs.is_empty() {
            self.line(&format!("  address: {}", d.addrs));
        }
        if let Some(x) = &d.derived {
            tracing::info!(policy = %policy.name, "host behind the router: {x}");
            self.line(&format!("  host behind the router: {x}"));
        }
        if let Some(e) = &d.error {
            tracing::warn!(policy = %policy.name, error = %e, "no address to publish");
            self.line(&format!("  {e}"));
        }
        for n in &d.notes {
            tracing::warn!(policy = %policy.name, "{n}");
            self.line(&format!("  {n}"));
        }
        route.bind = d.bind;
        Input::Addresses {
            addrs: d.addrs,
            reason: d.error,
        }
    }

    /// One line per host: due and why, or why not. Returns the plans.
    fn print_plans(&mut self, m: &Machine) -> Vec<(String, Plan)> {
        let plans = m.plans(self.now());
        let policy = m.policy().clone();
        for (host, plan) in &plans {
            match plan {
                Plan::Send { why, .. } => self.line(&format!("  {host}: due ({why})")),
                Plan::Skip(s) => {
                    let text = skip_text(s, m.current(), policy.who(), host, &self.opts.zone);
                    self.line(&format!("  {host}: {text}"));
                    if *s == Skip::NoAddress && self.opts.dry_run {
                        self.print_example(&policy, host);
                    }
                }
            }
        }
        plans
    }

    /// With no address yet, the request a dry run would send once one is found.
    fn print_example(&mut self, policy: &Policy, host: &str) {
        let placeholder = Update {
            targets: vec![Target {
                host: host.to_string(),
                addrs: AddrSet {
                    v4: Some(std::net::Ipv4Addr::new(192, 0, 2, 1)),
                    v6: None,
                },
                nochg_expected: true,
            }],
            ..Update::default()
        };
        let (messages, _) = policy
            .exchange(&placeholder, crate::dns::start())
            .preview_lines();
        if let Some(first) = messages.first().and_then(|m| m.first()) {
            let line = first.replace("192.0.2.1", "<address>");
            self.line(&format!("  once an address is found it would send: {line}"));
        }
    }

    /// The requests of the round the machine would send now, secrets masked (dry run).
    fn print_round(&mut self, m: &Machine, route: &Route) {
        let policy = m.policy().clone();
        if let Some(note) = crate::plan::left_out(&policy, m.current()) {
            self.line(&format!("  {note}"));
        }
        let update = m.preview(self.now()).update;
        if update.targets.is_empty() {
            return;
        }
        let (messages, http) = policy
            .exchange(&update, crate::dns::start())
            .preview_lines();
        for lines in messages {
            self.print_request(&policy, lines, http, &route.bind);
        }
    }

    fn print_request(&mut self, policy: &Policy, lines: Vec<String>, http: bool, bind: &[IpAddr]) {
        let mut lines = lines.into_iter();
        if let Some(first) = lines.next() {
            self.line(&format!("  would send: {first}"));
        }
        for l in lines {
            self.line(&format!("    {l}"));
        }
        if http {
            self.line(&format!("    User-Agent: {}", policy.user_agent));
        }
        if !bind.is_empty() {
            let b: Vec<String> = bind.iter().map(|a| a.to_string()).collect();
            self.line(&format!("    source address: {}", b.join(" or ")));
        }
    }

    /// Logs a report, prints what the user should see of it, and counts its outcome.
    fn report(&mut self, policy: &Policy, r: &Report, tally: &mut Tally) {
        r.log(&policy.name, &self.opts.zone);
        match (&r.host, r.effect) {
            (Some(h), Effect::Accepted) => {
                tally.accepted.insert(h.clone());
            }
            (Some(h), Effect::Failed) => {
                tally.failed.insert(h.clone());
            }
            (None, Effect::Failed) => tally.policy_failed = true,
            (None, Effect::Accepted) | (_, Effect::Notice) => {}
        }
        // Routine notices (an update is due, an address is stable) are the log's; the
        // per-host lines already said what is due.
        if r.effect == Effect::Notice && r.level == Level::Info {
            return;
        }
        let text = r.text(&self.opts.zone);
        match &r.host {
            Some(h) => self.line(&format!("  {h}: {text}")),
            None => self.line(&format!("  {text}")),
        }
    }

    /// Runs a hook beside the pass; [`run`] waits for it before exiting.
    fn spawn_hook(&mut self, policy: &Policy, event: HookEvent) {
        if let Some(run) = hook::for_event(policy, event) {
            self.hooks.spawn(run);
        }
    }
}

/// Moves the update's exchange one step and turns what came back into the machine's input;
/// the exchange is kept for the next step while the update goes on.
async fn step(d: &mut Drive<'_>, id: u64, mut exchange: AnyExchange) -> Input {
    let opts = http::Options::for_policy(d.policy, d.route.bind.clone());
    match crate::runner::step(&mut exchange, &opts, &d.route.targets).await {
        Step::Answered { answers, last } => {
            if !last {
                d.exchange = Some(exchange);
            }
            Input::Answered { id, answers, last }
        }
        Step::Failed { error, pending } => Input::Failed { id, error, pending },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally_of(plans: &[(&str, Plan)], accepted: &[&str], failed: &[&str]) -> Tally {
        Tally {
            plans: plans
                .iter()
                .map(|(h, p)| (h.to_string(), p.clone()))
                .collect(),
            accepted: accepted.iter().map(|h| h.to_string()).collect(),
            failed: failed.iter().map(|h| h.to_string()).collect(),
            policy_failed: false,
        }
    }

    fn due() -> Plan {
        Plan::Send {
            addrs: AddrSet::default(),
            nochg_expected: false,
            why: "address changed",
        }
    }

    /// The exit status: 0 only when every host ended accepted or up-to-date; a host due but
    /// not answered, any failure, or a skip other than up-to-date makes it 1. A dry run counts
    /// due hosts as fine.
    #[test]
    fn the_exit_status_is_0_only_when_every_host_ended_accepted_or_up_to_date() {
        let up = Plan::Skip(Skip::UpToDate);
        let held = Plan::Skip(Skip::TooSoon { until: 5 });
        let cases: &[(Tally, bool, bool)] = &[
            (tally_of(&[("a", up.clone())], &[], &[]), false, true),
            (tally_of(&[("a", due())], &["a"], &[]), false, true),
            (tally_of(&[("a", due())], &[], &[]), false, false),
            (tally_of(&[("a", due())], &[], &[]), true, true),
            (tally_of(&[("a", due())], &["a"], &["a"]), false, false),
            (tally_of(&[("a", held)], &[], &[]), false, false),
            (
                tally_of(&[("a", up.clone()), ("b", due())], &["b"], &[]),
                false,
                true,
            ),
        ];
        for (i, (t, dry, want)) in cases.iter().enumerate() {
            assert_eq!(t.ok(*dry), *want, "case {i}");
        }
        let mut t = tally_of(&[("a", up)], &[], &[]);
        t.policy_failed = true;
        assert!(!t.ok(false), "a failure of the whole policy");
    }

    /// Only the named policies run, in the order named; an unknown name lists the known.
    #[test]
    fn only_the_named_policies_run_in_the_order_named() {
        let text = "[[policy]]\nname = \"a\"\nserver = \"https://u.example/\"\nusername = \"u\"\npassword = \"p\"\nhosts = [\"a.example.org\"]\ninterface = \"eth0\"\n[[policy]]\nname = \"b\"\nserver = \"https://u.example/\"\nusername = \"u\"\npassword = \"p\"\nhosts = [\"b.example.org\"]\ninterface = \"eth0\"\n";
        let cfg = crate::config::from_str(
            text,
            std::path::Path::new("t.toml"),
            &crate::config::Env {
                var: &|_| None,
                dry_run: false,
            },
        )
        .expect("valid");
        let names = |v: Vec<&Policy>| v.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(select(&cfg, &[]).expect("all")), ["a", "b"]);
        assert_eq!(
            names(select(&cfg, &["b".into(), "a".into()]).expect("named")),
            ["b", "a"]
        );
        let e = select(&cfg, &["c".into()])
            .expect_err("unknown")
            .to_string();
        assert!(
            e.contains("no policy named \"c\"") && e.contains("policies: a, b"),
            "{e}"
        );
    }
}
