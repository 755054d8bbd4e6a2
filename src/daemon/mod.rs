//! `dynward run`: the one loop. It owns every I/O edge and the clock; the policy machines
//! ([`crate::policy`]) decide.
//!
//! One `select!` waits on: netlink notifications (address, link, route), the earliest machine
//! deadline, finished work (lookups, requests, web checks, run as tasks), SIGHUP, the control
//! socket (`status`, `reset`) and the shutdown future. Nothing polls: with no change due, the
//! process sleeps until the safety-net re-read (every few minutes) or the next deadline.

pub mod control;
mod queue;

pub use control::SOCKET;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UnixListener;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::addr::SkipReason;
use crate::clock::{WallClock, mono_now, unix_now, wall_now};
use crate::config::{self, Config, Env, FingerprintKey, Policy, Source};
use crate::hook;
use crate::http::{self, NetError};
use crate::plan;
use crate::policy::{Action, Input, Machine, Now, Readings};
use crate::protocol::{AnyExchange, ServerId, Step, Update};
use crate::record::{
    PolicyRecord, Verdict, add_verdict, describe_move, lift_verdicts, prune_verdicts,
    shift_verdicts,
};
use crate::status::PolicyStatus;
use crate::store;
use crate::systemd::{self, Notifier};
use crate::watch::detect::{self, Reading};
use crate::watch::events::Watcher;
use crate::watch::iface::Snapshot;
use control::{Answer, Asked, Request};
use queue::{Holder, Queue, Turn};

/// The safety-net re-read of the interfaces, in case a notification was missed.
pub const RESCAN: Duration = Duration::from_secs(300);
/// How long in-flight requests may finish after a stop was asked.
pub const GRACE: Duration = Duration::from_secs(3);
/// At most this many requests (updates, lookups, web checks) run at once, whatever the
/// number of policies: a thousand policies must not open a thousand sockets.
pub const MAX_IN_FLIGHT: usize = 8;
/// Saves of the state file are at least this far apart: a burst of results (many policies)
/// costs a few writes, and no result waits longer than this to be on disk.
pub const SAVE_GAP: Duration = Duration::from_millis(200);

/// After a failed save (disk full, read-only), the next try comes this much later: what was
/// recorded reaches the disk soon after space is freed, without hammering a full disk.
pub const SAVE_RETRY: Duration = Duration::from_secs(5);

/// How the daemon was started.
#[derive(Debug, Clone)]
pub struct Options {
    /// The config file (re-read on SIGHUP).
    pub config_path: PathBuf,
    /// The state directory.
    pub state_dir: PathBuf,
    /// The zone times in the log are written in.
    pub zone: crate::duration::Zone,
}

/// Work that finished, for the machine of `policy` as it was at `generation`.
struct Done {
    policy: String,
    generation: u64,
    work: Work,
}

/// What the work was, with its result.
enum Work {
    /// The update server's addresses.
    Resolved(Result<Vec<SocketAddr>, NetError>),
    /// A step of the update `id`.
    Step {
        id: u64,
        exchange: AnyExchange,
        step: Step,
    },
    /// The asks of a web or command source.
    Web(Vec<Result<IpAddr, String>>),
    /// What a check of a host at the zone's servers found.
    Checked {
        found: crate::protocol::dns::served::Found,
        periodic: bool,
    },
}

struct Slot {
    machine: Machine,
    generation: u64,
    bind: Vec<IpAddr>,
    /// The server's addresses, in the order they are tried.
    targets: Vec<SocketAddr>,
    last_skips: Vec<(IpAddr, SkipReason)>,
    /// The address of a host behind the router and how it was composed (for `status` and
    /// the log).
    derived: Option<(Option<Ipv6Addr>, String)>,
    /// The step of an update in flight, withdrawn when its source address goes away.
    flight: Option<Flight>,
    /// The exchange of the update in flight, between two of its steps.
    exchange: Option<(u64, AnyExchange)>,
    /// The checks of hosts at the zone's servers under way: a newer one replaces one.
    checks: Checks,
}

/// The checks of a machine's hosts under way, by host. A machine replaced or removed takes
/// its checks with it (their results would be dropped as another generation's).
#[derive(Default)]
struct Checks(BTreeMap<String, tokio::task::AbortHandle>);

impl Drop for Checks {
    fn drop(&mut self) {
        for check in self.0.values() {
            check.abort();
        }
    }
}

/// A step of an update on its way.
struct Flight {
    id: u64,
    /// The address it leaves from (the source of the first server address's family).
    source: Option<IpAddr>,
    abort: tokio::task::AbortHandle,
}

struct Daemon {
    opts: Options,
    /// The key of the config fingerprints.
    key: FingerprintKey,
    /// The verdicts on clients and accounts, for every policy they bind.
    verdicts: Vec<Verdict>,
    /// Records of policies no machine runs (removed from the config): kept, not dropped.
    retired: BTreeMap<String, PolicyRecord>,
    slots: BTreeMap<String, Slot>,
    /// The line at each update server ([`Policy::server_key`]), with the updates waiting.
    queue: Queue<Update>,
    start: Instant,
    clock: WallClock,
    generation: u64,
    done_tx: mpsc::UnboundedSender<Done>,
    last_save_error: Option<String>,
    notifier: Notifier,
    permits: Arc<tokio::sync::Semaphore>,
    dirty: bool,
    last_save: Option<Instant>,
}

/// The loop's own timers: the safety-net re-read, the watchdog, the end of the grace period.
struct Timers {
    rescan_at: Instant,
    watchdog: Option<Duration>,
    watchdog_at: Option<Instant>,
    stop_at: Option<Instant>,
}

impl Timers {
    fn new() -> Timers {
        let now = mono_now();
        let watchdog = systemd::watchdog_interval();
        Timers {
            rescan_at: now + RESCAN,
            watchdog,
            watchdog_at: watchdog.map(|w| now + w),
            stop_at: None,
        }
    }

    /// The earliest of these, the machines' next deadline and a deferred save.
    fn next_wake(&self, machines: Option<Instant>, save: Option<Instant>) -> Instant {
        [machines, self.stop_at, self.watchdog_at, save]
            .into_iter()
            .flatten()
            .fold(self.rescan_at, Instant::min)
    }
}

/// Netlink notifications, when the kernel lets us subscribe; periodic re-reads otherwise.
struct Watch {
    watcher: Option<Watcher>,
    routes: bool,
}

impl Watch {
    fn subscribe(routes: bool) -> Watch {
        match Watcher::new(routes) {
            Ok(w) => Watch {
                watcher: Some(w),
                routes,
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot subscribe to netlink; re-reading interfaces every {}s instead", RESCAN.as_secs());
                Watch {
                    watcher: None,
                    routes,
                }
            }
        }
    }

    /// A reload may have added an `interface = "auto"` policy: follow routes from then on.
    fn follow_routes(&mut self, needed: bool) {
        if needed
            && !self.routes
            && self.watcher.is_some()
            && let Ok(w) = Watcher::new(true)
        {
            self.watcher = Some(w);
            self.routes = true;
        }
    }

    /// Waits for the next change; `Ok(true)` when notifications were lost.
    async fn changed(&mut self) -> std::io::Result<bool> {
        match self.watcher.as_mut() {
            Some(w) => w.changed().await,
            None => std::future::pending().await,
        }
    }
}

/// Runs the daemon over `cfg` (loaded by the caller, which has shown its warnings) until
/// `shutdown` resolves (SIGTERM/SIGINT in the binary).
pub async fn run(
    cfg: Config,
    opts: Options,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    let (records, verdicts) = open_state(&opts.state_dir)?;
    let key = store::fingerprint_key(&opts.state_dir, true)?;
    let listener = bind_control(&opts.state_dir)?;
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let (ctl_tx, mut ctl_rx) = mpsc::unbounded_channel::<Asked>();
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .map_err(Error::Signal)?;
    let mut d = Daemon::start(opts, records, verdicts, key, cfg.policies, done_tx);
    let mut watch = Watch::subscribe(d.needs_routes());
    d.rescan();
    d.announce();
    let mut timers = Timers::new();
    if timers.watchdog.is_some() {
        d.notifier.watchdog();
    }
    tokio::pin!(shutdown);
    loop {
        let save_at = d.save_if_due();
        d.report_status();
        watch.follow_routes(d.needs_routes());
        if let Some(at) = timers.stop_at
            && (!d.slots.values().any(|s| s.machine.has_work_out()) || mono_now() >= at)
        {
            break;
        }
        let machines = d.next_deadline().map(|t| d.start + t);
        tokio::select! {
            _ = &mut shutdown, if timers.stop_at.is_none() => {
                d.notifier.stopping();
                tracing::info!("stopping: letting requests in flight finish for up to {}s", GRACE.as_secs());
                timers.stop_at = Some(mono_now() + GRACE);
            }
            _ = tokio::time::sleep_until(timers.next_wake(machines, save_at)) => d.timers_due(&mut timers),
            changed = watch.changed() => match changed {
                Ok(lost) => {
                    if lost {
                        tracing::debug!("netlink notifications lost; re-reading everything");
                    }
                    d.rescan();
                }
                Err(e) => {
                    tracing::warn!(error = %e, "netlink watch failed; falling back to periodic re-reads");
                    watch.watcher = None;
                }
            },
            Some(done) = done_rx.recv() => d.finished(done),
            _ = hup.recv() => {
                let _ = d.reload();
            }
            conn = listener.accept() => {
                if let Ok((stream, _)) = conn {
                    tokio::spawn(control::serve(stream, ctl_tx.clone()));
                }
            }
            Some(ctl) = ctl_rx.recv() => d.control(ctl),
        }
    }
    d.persist();
    let _ = std::fs::remove_file(d.opts.state_dir.join(SOCKET));
    tracing::info!("stopped; state saved");
    Ok(())
}

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The state file cannot be used.
    #[error(transparent)]
    State(#[from] store::Error),
    /// Another daemon runs on the same state directory.
    #[error("another dynward daemon is running (its control socket {} answers)", .0.display())]
    Running(PathBuf),
    /// The control socket cannot be made.
    #[error("{}: cannot create the control socket: {source}", path.display())]
    Socket {
        /// The socket's path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// SIGHUP cannot be handled.
    #[error("cannot handle SIGHUP: {0}")]
    Signal(std::io::Error),
}

/// Creates the state directory and loads the records; a corrupt file is kept aside, logged,
/// and the daemon starts from an empty state.
fn open_state(dir: &Path) -> Result<(BTreeMap<String, PolicyRecord>, Vec<Verdict>), Error> {
    let opened = store::open(dir, unix_now(), true)?;
    if let Some(e) = opened.corrupt {
        tracing::error!("{e}");
    }
    if let Some(note) = opened.moved {
        tracing::warn!("{note}");
    }
    Ok((opened.state.policies, opened.state.verdicts))
}

/// Binds the control socket, refusing to start next to a running daemon.
fn bind_control(dir: &Path) -> Result<UnixListener, Error> {
    let path = dir.join(SOCKET);
    if std::os::unix::net::UnixStream::connect(&path).is_ok() {
        return Err(Error::Running(path));
    }
    let _ = std::fs::remove_file(&path);
    let l = UnixListener::bind(&path).map_err(|source| Error::Socket {
        path: path.clone(),
        source,
    })?;
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    Ok(l)
}

impl Daemon {
    /// A daemon with one machine per policy, the records of the others kept aside.
    fn start(
        opts: Options,
        records: BTreeMap<String, PolicyRecord>,
        verdicts: Vec<Verdict>,
        key: FingerprintKey,
        policies: Vec<Policy>,
        done_tx: mpsc::UnboundedSender<Done>,
    ) -> Daemon {
        let mut d = Daemon {
            opts,
            key,
            verdicts,
            retired: records,
            slots: BTreeMap::new(),
            queue: Queue::default(),
            start: mono_now(),
            clock: WallClock::new(wall_now(), Duration::ZERO),
            generation: 0,
            done_tx,
            last_save_error: None,
            notifier: Notifier::default(),
            permits: Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)),
            dirty: false,
            last_save: None,
        };
        // The machines own the policies: no second copy is kept.
        for p in policies {
            d.add_policy(p);
        }
        d.persist();
        d
    }

    /// READY for the service manager, and the start in the log.
    fn announce(&mut self) {
        self.notifier.ready();
        self.report_status();
        tracing::info!(
            policies = self.slots.len(),
            state = %self.opts.state_dir.join(store::FILE_NAME).display(),
            "dynward {} running",
            env!("CARGO_PKG_VERSION")
        );
    }

    /// The time for the machines. A step of the wall clock since the last reading is
    /// applied to every record first, so no decision is taken with times from two clocks.
    fn now(&mut self) -> Now {
        let mono = self.start.elapsed();
        let wall = wall_now();
        let now = Now {
            mono,
            wall: wall.as_secs(),
        };
        if let Some(step) = self.clock.observe(wall, mono) {
            tracing::warn!(
                "the wall clock was set {}; times recorded since the start moved with it",
                describe_move(step.delta)
            );
            for p in self.retired.values_mut() {
                p.shift_times(step.run_start, step.delta);
            }
            shift_verdicts(&mut self.verdicts, step.run_start, step.delta);
            let names: Vec<String> = self.slots.keys().cloned().collect();
            for name in names {
                if let Some(slot) = self.slots.get_mut(&name) {
                    let actions = slot.machine.clock_stepped(now, step);
                    self.act(&name, actions);
                }
            }
        }
        now
    }

    fn needs_routes(&self) -> bool {
        self.slots
            .values()
            .any(|s| s.machine.policy().source == Source::DefaultRoute)
    }

    fn add_policy(&mut self, p: Policy) {
        // The machine owns its policy's record from now on: nothing is held twice.
        let record = self.retired.remove(&p.name).unwrap_or_default();
        let name = p.name.clone();
        self.generation += 1;
        let now = self.now();
        let binding = plan::binding(&self.verdicts, &p);
        let mut machine = Machine::new(
            Arc::new(p),
            record,
            binding,
            &self.key,
            now,
            Readings::Stream,
        );
        let actions = machine.drain();
        self.slots.insert(
            name.clone(),
            Slot {
                machine,
                generation: self.generation,
                bind: Vec::new(),
                targets: Vec::new(),
                last_skips: Vec::new(),
                derived: None,
                flight: None,
                exchange: None,
                checks: Checks::default(),
            },
        );
        self.act(&name, actions);
    }

    fn next_deadline(&self) -> Option<Duration> {
        self.slots
            .values()
            .filter_map(|s| s.machine.next_deadline())
            .min()
    }

    /// The loop's timers and the machines' deadlines that have come.
    fn timers_due(&mut self, timers: &mut Timers) {
        let now = mono_now();
        if let (Some(at), Some(every)) = (timers.watchdog_at, timers.watchdog)
            && now >= at
        {
            self.notifier.watchdog();
            timers.watchdog_at = Some(now + every);
        }
        if now >= timers.rescan_at {
            timers.rescan_at = now + RESCAN;
            self.rescan();
        }
        if timers.stop_at.is_none() {
            self.tick();
        }
    }

    fn tick(&mut self) {
        let now = self.now();
        let due: Vec<String> = self
            .slots
            .iter()
            .filter(|(_, s)| s.machine.next_deadline().is_some_and(|t| t <= now.mono))
            .map(|(n, _)| n.clone())
            .collect();
        for name in due {
            self.feed(&name, Input::Tick);
        }
    }

    fn feed(&mut self, name: &str, input: Input) {
        let now = self.now();
        let Some(slot) = self.slots.get_mut(name) else {
            return;
        };
        let actions = slot.machine.handle(now, input);
        self.act(name, actions);
    }

    /// Re-reads the interfaces and tells every interface policy what it can publish now.
    fn rescan(&mut self) {
        let snapshot = match Snapshot::read(self.needs_routes()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the interfaces");
                return;
            }
        };
        let names: Vec<String> = self.slots.keys().cloned().collect();
        for name in names {
            let Some(slot) = self.slots.get_mut(&name) else {
                continue;
            };
            let Some(det) = detect::from_snapshot(slot.machine.policy(), &snapshot) else {
                continue;
            };
            let present =
                |ip: IpAddr| det.bind.contains(&ip) || det.skipped.iter().any(|(a, _)| *a == ip);
            let vanished = slot
                .flight
                .as_ref()
                .and_then(|f| f.source)
                .filter(|src| !present(*src));
            let changed = det.addrs != slot.machine.current();
            slot.bind = det.bind.clone();
            // Lifetimes count down between reads, so the text changes at every read: a line
            // when the address changes, or the reason for having none.
            let lan = det.derived.clone().map(|text| (det.addrs.v6, text));
            let said = |x: &Option<(Option<Ipv6Addr>, String)>| {
                x.as_ref()
                    .map(|(a, t)| a.map_or_else(|| t.clone(), |a| a.to_string()))
            };
            if said(&slot.derived) != said(&lan)
                && let Some((_, x)) = &lan
            {
                tracing::info!(policy = %name, "host behind the router: {x}");
            }
            slot.derived = lan;
            if slot.last_skips != det.skipped {
                for (ip, why) in &det.skipped {
                    tracing::info!(policy = %name, address = %ip, "address skipped: {why}");
                }
                slot.last_skips = det.skipped;
            }
            let input = Input::Addresses {
                addrs: det.addrs,
                reason: det.error,
            };
            // The new address first, so that the machine plans with it, not the old one.
            self.feed(&name, input);
            if let Some(src) = vanished {
                self.withdraw(&name, &format!("its source address {src} went away"));
            }
            // Not sent yet: the address it carries is no longer the one to publish.
            if let Some((holder, _)) = changed.then(|| self.queue.withdraw(&name)).flatten() {
                let why = "the address changed before it could be sent".to_string();
                self.feed(&name, Input::Withdrawn { id: holder.id, why });
            }
        }
    }

    /// Gives up the request in flight of `name` (its socket cannot work any more) and lets
    /// the machine plan again at once.
    fn withdraw(&mut self, name: &str, why: &str) {
        let Some(slot) = self.slots.get_mut(name) else {
            return;
        };
        // An answer already in: it is on its way to the machine, and it counts.
        let Some(flight) = slot.flight.take_if(|f| !f.abort.is_finished()) else {
            return;
        };
        flight.abort.abort();
        slot.exchange = None;
        let server = self
            .queue
            .release(&holder(name, slot.generation, flight.id));
        self.feed(
            name,
            Input::Withdrawn {
                id: flight.id,
                why: why.to_string(),
            },
        );
        if let Some(server) = server {
            self.next_in_line(&server);
        }
    }

    /// Sends the next update waiting at `server` while its line is free: as planned when no
    /// verdict for the server came since; otherwise its machine plans again with them.
    fn next_in_line(&mut self, server: &ServerId) {
        while let Some(turn) = self.queue.next(server) {
            match turn {
                Turn::Send(h, update) => self.start_update(&h.policy, h.id, &update),
                Turn::Stale(h) => self.feed(
                    &h.policy,
                    Input::Withdrawn {
                        id: h.id,
                        why: "an answer to another policy at the server came first".into(),
                    },
                ),
            }
        }
    }

    /// Starts an update, or queues it while another one at the same server is in flight.
    fn send(&mut self, name: &str, id: u64, update: Update) {
        let Some(slot) = self.slots.get(name) else {
            return;
        };
        let server = slot.machine.policy().server_key();
        match self
            .queue
            .ask(&server, holder(name, slot.generation, id), update)
        {
            Some(update) => self.start_update(name, id, &update),
            None => {
                tracing::debug!(policy = %name, "another update at the server is in flight; this one follows it")
            }
        }
    }

    /// Starts an update's exchange (its server's line is its own until the update is over).
    fn start_update(&mut self, name: &str, id: u64, update: &Update) {
        let Some(slot) = self.slots.get(name) else {
            return;
        };
        let policy = slot.machine.policy();
        tracing::debug!(policy = %name, hosts = %update.hosts().collect::<Vec<_>>().join(","), "sending update");
        let exchange = policy.exchange(update, crate::dns::start());
        self.dispatch(name, id, exchange);
    }

    /// Goes on with the update in flight for the hosts the machine still wants, or ends it.
    fn proceed(&mut self, name: &str, id: u64, keep: &[String]) {
        let Some(slot) = self.slots.get_mut(name) else {
            return;
        };
        let Some((_, mut exchange)) = slot.exchange.take_if(|(i, _)| *i == id) else {
            return;
        };
        if keep.is_empty() {
            if let Some(server) = self.queue.release(&holder(name, slot.generation, id)) {
                self.next_in_line(&server);
            }
            return;
        }
        exchange.keep(keep);
        self.dispatch(name, id, exchange);
    }

    /// Runs the exchange's next step as a task.
    fn dispatch(&mut self, name: &str, id: u64, mut exchange: AnyExchange) {
        let Some(slot) = self.slots.get(name) else {
            return;
        };
        let opts = http::Options::for_policy(slot.machine.policy(), slot.bind.clone());
        let targets = slot.targets.clone();
        let source = targets
            .first()
            .and_then(|t| opts.bind.iter().find(|b| b.is_ipv4() == t.is_ipv4()))
            .copied();
        let abort = self.spawn(name, async move {
            let step = crate::runner::step(&mut exchange, &opts, &targets).await;
            Work::Step { id, exchange, step }
        });
        if let Some(slot) = self.slots.get_mut(name) {
            slot.flight = abort.map(|abort| Flight { id, source, abort });
        }
    }

    /// Runs `work` for the machine of `name` as a task, within the limit of work in flight;
    /// its result comes back to the loop tagged with the machine's generation, so that work
    /// of a machine a reload replaced is dropped.
    fn spawn(
        &self,
        name: &str,
        work: impl Future<Output = Work> + Send + 'static,
    ) -> Option<tokio::task::AbortHandle> {
        let slot = self.slots.get(name)?;
        let (tx, permits) = (self.done_tx.clone(), self.permits.clone());
        let (policy, generation) = (name.to_string(), slot.generation);
        let task = tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            let work = work.await;
            let _ = tx.send(Done {
                policy,
                generation,
                work,
            });
        });
        Some(task.abort_handle())
    }

    fn act(&mut self, name: &str, actions: Vec<Action>) {
        for a in actions {
            let Some(slot) = self.slots.get(name) else {
                return;
            };
            let policy = slot.machine.policy().clone();
            match a {
                Action::Resolve => {
                    let bind = slot.bind.clone();
                    self.spawn(name, async move {
                        Work::Resolved(http::resolve_server(policy.server_url(), &bind).await)
                    });
                }
                Action::Update { id, update } => self.send(name, id, update),
                Action::Proceed { id, keep } => self.proceed(name, id, &keep),
                Action::CheckWeb => {
                    self.spawn(name, async move {
                        Work::Web(detect::check_asked(&policy).await)
                    });
                }
                Action::Verify { asks, periodic } => self.verify(name, asks, periodic),
                Action::Persist => self.dirty = true,
                Action::Hook(event) => {
                    if let Some(run) = hook::for_event(&policy, event) {
                        tokio::spawn(run);
                    }
                }
                Action::StateChanged { state, reason } => {
                    crate::policy::log_state_change(name, state, &reason)
                }
                Action::Report(r) => r.log(name, &self.opts.zone),
                Action::Verdict(v) => {
                    let server = v.server.clone();
                    self.queue.verdict(&server);
                    add_verdict(&mut self.verdicts, v.clone());
                    // A longer hold of the same scope may already stand: say the end that binds.
                    let until = self
                        .verdicts
                        .iter()
                        .find(|o| o.same_kind(&v))
                        .and_then(|o| o.until);
                    tracing::warn!(policy = %name, code = %v.code, "{}: it binds {} until {}", v.reason, v.scope(), match until {
                        Some(u) => self.opts.zone.format(crate::record::wait_end(u)),
                        None => "you act".to_string(),
                    });
                    self.dirty = true;
                    self.spread(&server, name);
                }
                Action::Lift { server, user, what } => {
                    if lift_verdicts(&mut self.verdicts, &server, &user, what) {
                        self.dirty = true;
                        self.spread(&server, name);
                    }
                }
            }
        }
    }

    /// Starts a check of each host at the zone's servers. The check after an update
    /// replaces one under way (its address is the news); a periodic one leaves a check under
    /// way alone. A check waits between its asks for minutes, so it holds no permit of the
    /// work in flight (its asks are a few small datagrams).
    fn verify(&mut self, name: &str, asks: Vec<crate::protocol::dns::served::Ask>, periodic: bool) {
        let Some(slot) = self.slots.get_mut(name) else {
            return;
        };
        for ask in asks {
            if periodic
                && slot
                    .checks
                    .0
                    .get(&ask.host)
                    .is_some_and(|c| !c.is_finished())
            {
                continue;
            }
            let (tx, policy, generation) =
                (self.done_tx.clone(), name.to_string(), slot.generation);
            let host = ask.host.clone();
            let task = tokio::spawn(async move {
                let found = crate::served::check(&ask, crate::clock::mono_now()).await;
                let _ = tx.send(Done {
                    policy,
                    generation,
                    work: Work::Checked { found, periodic },
                });
            });
            if let Some(old) = slot.checks.0.insert(host, task.abort_handle()) {
                old.abort();
            }
        }
    }

    /// Tells every other machine at `server` the verdicts that bind it now.
    fn spread(&mut self, server: &ServerId, except: &str) {
        let names: Vec<String> = self
            .slots
            .iter()
            .filter(|(n, s)| *n != except && s.machine.policy().server_key() == *server)
            .map(|(n, _)| n.clone())
            .collect();
        for name in names {
            let Some(slot) = self.slots.get(&name) else {
                continue;
            };
            let binding = plan::binding(&self.verdicts, slot.machine.policy());
            self.feed(&name, Input::Verdicts(binding));
        }
    }

    fn finished(&mut self, done: Done) {
        let Done {
            policy,
            generation,
            work,
        } = done;
        match work {
            Work::Step { id, exchange, step } => {
                self.stepped(&policy, generation, id, exchange, step)
            }
            Work::Resolved(result) => {
                let Some(slot) = self.current_slot(&policy, generation) else {
                    return;
                };
                slot.targets = result.as_ref().cloned().unwrap_or_default();
                self.feed(&policy, Input::Resolved(result.map(|_| ())));
            }
            Work::Checked { found, periodic } => {
                let Some(slot) = self.current_slot(&policy, generation) else {
                    return;
                };
                slot.checks.0.remove(&found.host);
                self.feed(&policy, Input::Checked { found, periodic });
            }
            Work::Web(answers) => {
                let Some(slot) = self.current_slot(&policy, generation) else {
                    return;
                };
                let p = slot.machine.policy();
                let input = match detect::read_asked(p, &answers) {
                    Reading::Failed(why) => Input::WebFailed(why),
                    Reading::Found(d) => {
                        for (ip, why) in &d.skipped {
                            tracing::info!(policy = %p.name, address = %ip, "address skipped: {why}");
                        }
                        for n in &d.notes {
                            tracing::warn!(policy = %p.name, "{n}");
                        }
                        Input::Addresses {
                            addrs: d.addrs,
                            reason: d.error,
                        }
                    }
                };
                self.feed(&policy, input);
            }
        }
    }

    /// The slot of `policy` if the work of `generation` is still its own: work started by a
    /// machine that a reload replaced is dropped.
    fn current_slot(&mut self, policy: &str, generation: u64) -> Option<&mut Slot> {
        self.slots
            .get_mut(policy)
            .filter(|s| s.generation == generation)
    }

    /// A step of an update came back: its answers (or failure) go to the machine, which says
    /// whether the update goes on; once it is over, the server's line goes to the next.
    fn stepped(
        &mut self,
        policy: &str,
        generation: u64,
        id: u64,
        exchange: AnyExchange,
        step: Step,
    ) {
        let over = matches!(
            step,
            Step::Failed { .. } | Step::Answered { last: true, .. }
        );
        let current = self.current_slot(policy, generation).is_some();
        let h = holder(policy, generation, id);
        let mut server = (over || !current).then(|| self.queue.release(&h)).flatten();
        if let Some(slot) = self.current_slot(policy, generation) {
            if slot.flight.as_ref().is_some_and(|f| f.id == id) {
                slot.flight = None;
            }
            if !over {
                slot.exchange = Some((id, exchange));
            }
            let input = match step {
                Step::Answered { answers, last } => Input::Answered { id, answers, last },
                Step::Failed { error, pending } => Input::Failed { id, error, pending },
            };
            self.feed(policy, input);
            // The machine asks to go on (or to stop) at once; an exchange it left is over.
            if let Some(slot) = self.current_slot(policy, generation)
                && slot.exchange.take_if(|(i, _)| *i == id).is_some()
            {
                server = self.queue.release(&h);
            }
        }
        if let Some(server) = server {
            self.next_in_line(&server);
        }
    }

    /// Saves now if something changed and the last save is at least [`SAVE_GAP`] old;
    /// otherwise returns when the deferred save is due.
    fn save_if_due(&mut self) -> Option<Instant> {
        if !self.dirty {
            return None;
        }
        let gap = if self.last_save_error.is_some() {
            SAVE_RETRY
        } else {
            SAVE_GAP
        };
        match self.last_save {
            Some(t) if t.elapsed() < gap => Some(t + gap),
            _ => {
                self.persist();
                None
            }
        }
    }

    /// Stops a policy's machine, keeping what it recorded.
    fn retire(&mut self, name: &str) {
        // Its update waiting for a line goes with it: left there, it would take the line when
        // its turn came, for a machine that is gone. One in flight frees its line when it
        // comes back (its generation is then not current).
        self.queue.withdraw(name);
        if let Some(slot) = self.slots.remove(name) {
            self.retired
                .insert(name.to_string(), slot.machine.into_record());
        }
    }

    fn persist(&mut self) {
        prune_verdicts(&mut self.verdicts, unix_now());
        self.dirty = false;
        self.last_save = Some(mono_now());
        let records = self.retired.iter().map(|(n, r)| (n.as_str(), r)).chain(
            self.slots
                .iter()
                .map(|(n, s)| (n.as_str(), s.machine.persisted())),
        );
        match store::save_records(&self.opts.state_dir, records, &self.verdicts) {
            Ok(()) => {
                if self.last_save_error.take().is_some() {
                    tracing::info!("state file writable again");
                }
            }
            Err(e) => {
                let msg = e.to_string();
                if self.last_save_error.as_deref() != Some(&msg) {
                    tracing::error!(
                        "{msg}; updates go on, and the save is retried every {}s (a restart before it succeeds may re-send them)",
                        SAVE_RETRY.as_secs()
                    );
                }
                self.last_save_error = Some(msg);
                // Still unsaved: keep it due, so it is written once the disk takes it.
                self.dirty = true;
            }
        }
    }

    /// SIGHUP: re-read the config. A broken file is logged and the running config stays;
    /// unchanged policies keep their state and timers.
    /// Returns the problems when the new config was refused.
    fn reload(&mut self) -> Result<(), config::Error> {
        self.notifier.reloading();
        let r = self.reload_config();
        self.notifier.ready();
        r
    }

    fn reload_config(&mut self) -> Result<(), config::Error> {
        tracing::info!(config = %self.opts.config_path.display(), "reloading the config");
        let cfg = match config::load(&self.opts.config_path, &Env::process()) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("{e}\nthe running config stays in force");
                return Err(e);
            }
        };
        for w in &cfg.warnings {
            tracing::warn!("{}: {w}", self.opts.config_path.display());
        }
        self.persist();
        let keep: Vec<String> = cfg.policies.iter().map(|p| p.name.clone()).collect();
        let removed: Vec<String> = self
            .slots
            .keys()
            .filter(|n| !keep.contains(n))
            .cloned()
            .collect();
        for n in removed {
            tracing::info!(policy = %n, "policy removed from the config");
            self.retire(&n);
        }
        let (mut kept, mut changed) = (0, 0);
        for p in cfg.policies {
            match self.slots.get(&p.name) {
                Some(s) if s.machine.same_config(&p) => kept += 1,
                _ => {
                    changed += 1;
                    self.retire(&p.name);
                    self.add_policy(p);
                }
            }
        }
        tracing::info!(unchanged = kept, changed, "config reloaded");
        self.rescan();
        self.persist();
        Ok(())
    }

    /// Keeps the service manager's one-line status current.
    fn report_status(&mut self) {
        let states: Vec<(String, &'static str, Option<String>)> = self
            .slots
            .iter()
            .map(|(n, s)| {
                (
                    n.clone(),
                    s.machine.state().name(),
                    s.machine.invalid_code().map(|c| c.to_string()),
                )
            })
            .collect();
        let line = systemd::summary(&states);
        self.notifier.status(&line);
    }

    fn control(&mut self, asked: Asked) {
        let answer = match asked.request {
            Request::Status { json, tz } => {
                let now = self.now();
                let all: Vec<PolicyStatus> = self
                    .slots
                    .values()
                    .map(|s| PolicyStatus {
                        derived: s.derived.as_ref().map(|(_, t)| t.clone()),
                        ..s.machine.status(now)
                    })
                    .collect();
                Answer::status(&all, json, &crate::duration::Zone::of_reader(tz.as_deref()))
            }
            Request::Reload => match self.reload() {
                Ok(()) => Answer::Done("reloaded".into()),
                Err(e) => Answer::Refused(format!("{e}\nthe running config stays in force")),
            },
            Request::Reset { policy, host } => self.reset(&policy, host),
        };
        let _ = asked.reply.send(answer);
    }

    /// `dynward reset` of a policy (or of one of its hosts), asked through the socket.
    fn reset(&mut self, policy: &str, host: Option<String>) -> Answer {
        let Some(hosts) = self
            .slots
            .get(policy)
            .map(|s| s.machine.policy().hosts.clone())
        else {
            return Answer::Refused(format!("no policy named \"{policy}\""));
        };
        if let Some(h) = host.as_ref().filter(|h| !hosts.contains(h)) {
            return Answer::Refused(format!(
                "policy \"{policy}\" has no host \"{h}\"; its hosts: {}",
                hosts.join(", ")
            ));
        }
        self.feed(policy, Input::Reset { host: host.clone() });
        self.persist();
        Answer::Done(match host {
            Some(h) => format!("policy {policy}, host {h}: reset"),
            None => format!("policy {policy}: reset"),
        })
    }
}

/// The holder of a server's line: `name`'s machine of `generation` with its update `id`.
fn holder(name: &str, generation: u64, id: u64) -> Holder {
    Holder {
        policy: name.to_string(),
        generation,
        id,
    }
}
