//! `dynward run`: the one loop. It owns every I/O edge and the clock; the policy machines
//! ([`crate::policy`]) decide.
//!
//! One `select!` waits on: netlink notifications (address, link, route), the earliest machine
//! deadline, finished work (lookups, requests, web checks, run as tasks), SIGHUP, the control
//! socket (`status`, `reset`) and the shutdown future. Nothing polls: with no change due, the
//! process sleeps until the safety-net re-read (every few minutes) or the next deadline.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::addr::{Candidate, SkipReason};
use crate::clock::{WallClock, wall_now};
use crate::config::{self, Config, Env, Policy, Source};
use crate::hook;
use crate::http::{self, NetError};
use crate::oneshot::{detect_from_candidates, http_options, unix_now, web_addresses};
use crate::policy::{Action, HookKind, Input, Level, Machine, Now, PolicyStatus};
use crate::protocol::dyndns2::AddrSet;
use crate::store;
use crate::systemd::{self, Notifier};
use crate::watch::events::Watcher;
use crate::watch::iface::Snapshot;
use crate::watch::web;

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

/// The control socket's name in the state directory.
pub const SOCKET: &str = "control.sock";

/// How the daemon was started.
#[derive(Debug, Clone)]
pub struct Options {
    /// The config file (re-read on SIGHUP).
    pub config_path: PathBuf,
    /// The state directory.
    pub state_dir: PathBuf,
}

enum Done {
    Resolved {
        policy: String,
        generation: u64,
        result: Result<SocketAddr, NetError>,
    },
    Reply {
        policy: String,
        generation: u64,
        id: u64,
        result: Result<http::Response, NetError>,
    },
    Web {
        policy: String,
        generation: u64,
        result: Result<IpAddr, String>,
    },
}

enum Control {
    Status(oneshot::Sender<String>),
    Reload(oneshot::Sender<String>),
    Reset {
        policy: String,
        host: Option<String>,
        reply: oneshot::Sender<String>,
    },
}

struct Slot {
    machine: Machine,
    generation: u64,
    bind: Vec<IpAddr>,
    target: Option<SocketAddr>,
    last_skips: Vec<(IpAddr, SkipReason)>,
}

struct Daemon {
    opts: Options,
    state: store::State,
    slots: BTreeMap<String, Slot>,
    start: Instant,
    clock: WallClock,
    generation: u64,
    done_tx: mpsc::UnboundedSender<Done>,
    snapshot: Snapshot,
    last_save_error: Option<String>,
    notifier: Notifier,
    permits: Arc<tokio::sync::Semaphore>,
    dirty: bool,
    last_save: Option<Instant>,
}

/// Runs the daemon until `shutdown` resolves (SIGTERM/SIGINT in the binary).
pub async fn run(opts: Options, shutdown: impl Future<Output = ()>) -> Result<(), String> {
    let env = Env::process();
    let cfg = config::load(&opts.config_path, &env).map_err(|e| e.to_string())?;
    for w in &cfg.warnings {
        tracing::warn!("{}: {w}", opts.config_path.display());
    }
    std::fs::create_dir_all(&opts.state_dir).map_err(|e| {
        format!(
            "{}: cannot create the state directory: {e}",
            opts.state_dir.display()
        )
    })?;
    let state = match store::load(&opts.state_dir, unix_now()) {
        Ok(s) => s,
        Err(e @ store::Error::Corrupt { .. }) => {
            tracing::error!("{e}");
            store::State {
                version: store::VERSION,
                ..store::State::default()
            }
        }
        Err(e) => return Err(e.to_string()),
    };
    let listener = bind_control(&opts.state_dir)?;
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let (ctl_tx, mut ctl_rx) = mpsc::unbounded_channel::<Control>();
    let mut d = Daemon {
        opts,
        state,
        slots: BTreeMap::new(),
        start: Instant::now(),
        clock: WallClock::new(wall_now(), Duration::ZERO),
        generation: 0,
        done_tx,
        snapshot: Snapshot::default(),
        last_save_error: None,
        notifier: Notifier::default(),
        permits: Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)),
        dirty: false,
        last_save: None,
    };
    // The machines own the policies: no second copy is kept.
    for p in cfg.policies {
        d.add_policy(p);
    }
    d.persist();
    let mut watcher = match Watcher::new(d.needs_routes()) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, "cannot subscribe to netlink; re-reading interfaces every {}s instead", RESCAN.as_secs());
            None
        }
    };
    d.rescan();
    d.notifier.ready();
    d.report_status();
    tracing::info!(
        policies = d.slots.len(),
        state = %d.opts.state_dir.join(store::FILE_NAME).display(),
        "dynward {} running",
        env!("CARGO_PKG_VERSION")
    );

    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .map_err(|e| format!("cannot handle SIGHUP: {e}"))?;
    let mut rescan_at = Instant::now() + RESCAN;
    let mut stop_at: Option<Instant> = None;
    let watchdog = systemd::watchdog_interval();
    let mut watchdog_at = watchdog.map(|w| Instant::now() + w);
    if watchdog.is_some() {
        d.notifier.watchdog();
    }
    let mut watching_routes = d.needs_routes();
    tokio::pin!(shutdown);
    loop {
        let save_at = d.save_if_due();
        d.report_status();
        // A reload may have added an `interface = "auto"` policy: follow routes from now on.
        if d.needs_routes()
            && !watching_routes
            && watcher.is_some()
            && let Ok(w) = Watcher::new(true)
        {
            watcher = Some(w);
            watching_routes = true;
        }
        if let Some(at) = stop_at
            && (!d.slots.values().any(|s| s.machine.busy()) || Instant::now() >= at)
        {
            break;
        }
        let next = d
            .next_deadline()
            .map(|t| d.start + t)
            .unwrap_or(rescan_at)
            .min(rescan_at);
        let next = stop_at.map_or(next, |s| next.min(s));
        let next = watchdog_at.map_or(next, |w| next.min(w));
        let next = save_at.map_or(next, |w| next.min(w));
        tokio::select! {
            _ = &mut shutdown, if stop_at.is_none() => {
                d.notifier.stopping();
                tracing::info!("stopping: letting requests in flight finish for up to {}s", GRACE.as_secs());
                stop_at = Some(Instant::now() + GRACE);
            }
            _ = tokio::time::sleep_until(next) => {
                if let (Some(at), Some(every)) = (watchdog_at, watchdog)
                    && Instant::now() >= at {
                        d.notifier.watchdog();
                        watchdog_at = Some(Instant::now() + every);
                    }
                if Instant::now() >= rescan_at {
                    rescan_at = Instant::now() + RESCAN;
                    d.rescan();
                }
                if stop_at.is_none() {
                    d.tick();
                }
            }
            changed = async {
                match watcher.as_mut() {
                    Some(w) => w.changed().await,
                    None => std::future::pending().await,
                }
            } => {
                match changed {
                    Ok(lost) => {
                        if lost {
                            tracing::debug!("netlink notifications lost; re-reading everything");
                        }
                        d.rescan();
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "netlink watch failed; falling back to periodic re-reads");
                        watcher = None;
                    }
                }
            }
            Some(done) = done_rx.recv() => d.finished(done),
            _ = hup.recv() => {
                let _ = d.reload();
            }
            conn = listener.accept() => {
                if let Ok((stream, _)) = conn {
                    tokio::spawn(serve_control(stream, ctl_tx.clone()));
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

/// Binds the control socket, refusing to start next to a running daemon.
fn bind_control(dir: &Path) -> Result<UnixListener, String> {
    let path = dir.join(SOCKET);
    if std::os::unix::net::UnixStream::connect(&path).is_ok() {
        return Err(format!(
            "another dynward daemon is running (its control socket {} answers)",
            path.display()
        ));
    }
    let _ = std::fs::remove_file(&path);
    let l = UnixListener::bind(&path)
        .map_err(|e| format!("{}: cannot create the control socket: {e}", path.display()))?;
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    Ok(l)
}

/// Reads one command line from a control connection and writes the answer.
async fn serve_control(stream: UnixStream, tx: mpsc::UnboundedSender<Control>) {
    let (r, mut w) = stream.into_split();
    let mut line = String::new();
    let read = tokio::time::timeout(
        Duration::from_secs(2),
        BufReader::new(r).read_line(&mut line),
    )
    .await;
    if !matches!(read, Ok(Ok(_))) {
        return;
    }
    let mut words = line.split_whitespace();
    let (reply_tx, reply_rx) = oneshot::channel();
    let msg = match (words.next(), words.next(), words.next()) {
        (Some("status"), None, None) => Control::Status(reply_tx),
        (Some("reload"), None, None) => Control::Reload(reply_tx),
        (Some("reset"), Some(p), host) => Control::Reset {
            policy: p.to_string(),
            host: host.map(String::from),
            reply: reply_tx,
        },
        _ => {
            let _ = w.write_all(b"error: unknown command\n").await;
            return;
        }
    };
    if tx.send(msg).is_err() {
        return;
    }
    if let Ok(answer) = reply_rx.await {
        let _ = w.write_all(answer.as_bytes()).await;
    }
}

/// Sends one command to a running daemon; `None` when no daemon answers.
pub fn ask(state_dir: &Path, command: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::os::unix::net::UnixStream::connect(state_dir.join(SOCKET)).ok()?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    s.write_all(format!("{command}\n").as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

impl Daemon {
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
                store::describe_move(step.delta)
            );
            for p in self.state.policies.values_mut() {
                p.shift_times(step.run_start, step.delta);
            }
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
        let fp = p.fingerprint();
        let recorded = self
            .state
            .policies
            .get(&p.name)
            .map(|x| x.fingerprint.clone());
        let changed = recorded.is_some_and(|r| !r.is_empty() && r != fp);
        self.state.policy_mut(&p.name, &fp);
        // The machine owns its policy's state from now on; `self.state` keeps only the
        // policies no machine runs (removed from the config), so nothing is held twice.
        let pstate = self.state.policies.remove(&p.name).unwrap_or_default();
        let name = p.name.clone();
        self.generation += 1;
        let now = self.now();
        let mut machine = Machine::new(Arc::new(p), pstate, changed, now);
        let actions = machine.drain();
        self.slots.insert(
            name.clone(),
            Slot {
                machine,
                generation: self.generation,
                bind: Vec::new(),
                target: None,
                last_skips: Vec::new(),
            },
        );
        if changed {
            tracing::info!(policy = %name, "the policy's config changed: stops cleared, one update will validate it");
        }
        self.act(&name, actions);
    }

    fn next_deadline(&self) -> Option<Duration> {
        self.slots
            .values()
            .filter_map(|s| s.machine.next_deadline())
            .min()
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
        match Snapshot::read(self.needs_routes()) {
            Ok(s) => self.snapshot = s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the interfaces");
                return;
            }
        }
        let names: Vec<String> = self.slots.keys().cloned().collect();
        for name in names {
            let Some(slot) = self.slots.get(&name) else {
                continue;
            };
            let policy = slot.machine.policy().clone();
            let ifname = match &policy.source {
                Source::Web(_) => continue,
                Source::Interface(n) => n.clone(),
                Source::DefaultRoute => match &self.snapshot.default_route {
                    Some(n) => n.clone(),
                    None => {
                        self.feed(
                            &name,
                            Input::Addresses {
                                addrs: AddrSet::default(),
                                reason: Some(
                                    "no default route: cannot tell which interface is the WAN"
                                        .into(),
                                ),
                            },
                        );
                        continue;
                    }
                },
            };
            let reason = match self.snapshot.up.get(&ifname) {
                None if !self.snapshot.up.is_empty() => {
                    Some(format!("interface {ifname} does not exist"))
                }
                Some(false) => Some(format!("interface {ifname} is down")),
                _ => None,
            };
            let cands: Vec<Candidate> = self
                .snapshot
                .addrs
                .iter()
                .filter(|a| a.name == ifname)
                .map(|a| a.candidate.clone())
                .collect();
            let det = detect_from_candidates(&policy, &ifname, &cands);
            if let Some(slot) = self.slots.get_mut(&name) {
                slot.bind = det.bind.clone();
                if slot.last_skips != det.skipped {
                    for (ip, why) in &det.skipped {
                        tracing::info!(policy = %name, address = %ip, "address skipped: {why}");
                    }
                    slot.last_skips = det.skipped.clone();
                }
            }
            let (addrs, reason) = match reason {
                Some(r) => (AddrSet::default(), Some(r)),
                None => (det.addrs, det.error),
            };
            self.feed(&name, Input::Addresses { addrs, reason });
        }
    }

    fn act(&mut self, name: &str, actions: Vec<Action>) {
        for a in actions {
            let Some(slot) = self.slots.get(name) else {
                return;
            };
            let policy = slot.machine.policy().clone();
            let generation = slot.generation;
            let tx = self.done_tx.clone();
            let pname = name.to_string();
            match a {
                Action::Resolve => {
                    let bind = slot.bind.clone();
                    let url = policy.endpoint.server_url();
                    let permits = self.permits.clone();
                    tokio::spawn(async move {
                        let _permit = permits.acquire_owned().await;
                        let result = match url {
                            Some(u) => http::resolve(&u, &bind).await,
                            None => Err(NetError::Url("the update URL has no host".into())),
                        };
                        let _ = tx.send(Done::Resolved {
                            policy: pname,
                            generation,
                            result,
                        });
                    });
                }
                Action::Send { id, request } => {
                    let opts = http_options(&policy, slot.bind.clone());
                    let target = slot.target;
                    tracing::debug!(policy = %name, hosts = %request.hosts.join(","), address = %request.sent, "sending update");
                    let permits = self.permits.clone();
                    tokio::spawn(async move {
                        let _permit = permits.acquire_owned().await;
                        let result = http::get_via(
                            &request.url,
                            Some((&policy.username, &policy.password)),
                            &opts,
                            target,
                        )
                        .await;
                        let _ = tx.send(Done::Reply {
                            policy: pname,
                            generation,
                            id,
                            result,
                        });
                    });
                }
                Action::CheckWeb => {
                    let Source::Web(url) = policy.source.clone() else {
                        continue;
                    };
                    let opts = http_options(&policy, Vec::new());
                    let permits = self.permits.clone();
                    tokio::spawn(async move {
                        let _permit = permits.acquire_owned().await;
                        let result = match http::get(url.as_str(), None, &opts).await {
                            Err(e) => Err(e.to_string()),
                            Ok(r) if !(200..300).contains(&r.status) => {
                                Err(format!("check-IP service answered HTTP {}", r.status))
                            }
                            Ok(r) => web::parse_page(&r.body)
                                .ok_or_else(|| "check-IP page holds no IP address".to_string()),
                        };
                        let _ = tx.send(Done::Web {
                            policy: pname,
                            generation,
                            result,
                        });
                    });
                }
                Action::Persist => self.dirty = true,
                Action::Hook(event) => {
                    let argv = match event.kind {
                        HookKind::Change => policy.on_change.clone(),
                        HookKind::Error => policy.on_error.clone(),
                    };
                    if !argv.is_empty() {
                        let timeout = policy.hook_timeout;
                        tokio::spawn(async move {
                            hook::run(&pname, &argv, &event, timeout).await;
                        });
                    }
                }
                Action::StateChanged { state, reason } => {
                    tracing::info!(policy = %name, state, "{state}: {reason}");
                }
                Action::Log {
                    level,
                    host,
                    code,
                    message,
                } => {
                    let host = host.as_deref();
                    let code = code.as_deref();
                    match level {
                        Level::Info => tracing::info!(policy = %name, host, code, "{message}"),
                        Level::Warn => tracing::warn!(policy = %name, host, code, "{message}"),
                        Level::Error => tracing::error!(policy = %name, host, code, "{message}"),
                    }
                }
            }
        }
    }

    fn finished(&mut self, done: Done) {
        let (policy, generation) = match &done {
            Done::Resolved {
                policy, generation, ..
            }
            | Done::Reply {
                policy, generation, ..
            }
            | Done::Web {
                policy, generation, ..
            } => (policy.clone(), *generation),
        };
        // Work started by a machine that a reload replaced is dropped.
        if self.slots.get(&policy).map(|s| s.generation) != Some(generation) {
            return;
        }
        match done {
            Done::Resolved { result, .. } => {
                let input = match result {
                    Ok(addr) => {
                        if let Some(s) = self.slots.get_mut(&policy) {
                            s.target = Some(addr);
                        }
                        Input::Resolved(Ok(()))
                    }
                    Err(e) => Input::Resolved(Err(e)),
                };
                self.feed(&policy, input);
            }
            Done::Reply { id, result, .. } => self.feed(&policy, Input::Reply { id, result }),
            Done::Web { result, .. } => {
                let Some(slot) = self.slots.get(&policy) else {
                    return;
                };
                let p = slot.machine.policy().clone();
                let input = match result.and_then(|ip| web_addresses(&p, ip)) {
                    Err(e) => Input::WebFailed(e),
                    Ok(addrs) => Input::Addresses {
                        addrs,
                        reason: None,
                    },
                };
                self.feed(&policy, input);
            }
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
        if let Some(slot) = self.slots.remove(name) {
            self.state
                .policies
                .insert(name.to_string(), slot.machine.persisted().clone());
        }
    }

    fn persist(&mut self) {
        #[derive(serde::Serialize)]
        struct View<'a> {
            version: u32,
            policies: BTreeMap<&'a str, &'a store::PolicyState>,
        }
        self.dirty = false;
        self.last_save = Some(Instant::now());
        let mut policies: BTreeMap<&str, &store::PolicyState> = self
            .state
            .policies
            .iter()
            .map(|(n, p)| (n.as_str(), p))
            .collect();
        for (name, slot) in &self.slots {
            policies.insert(name.as_str(), slot.machine.persisted());
        }
        let view = View {
            version: store::VERSION,
            policies,
        };
        match store::save(&self.opts.state_dir, &view) {
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
    fn reload(&mut self) -> Result<(), String> {
        self.notifier.reloading();
        let r = self.reload_config();
        self.notifier.ready();
        r
    }

    fn reload_config(&mut self) -> Result<(), String> {
        tracing::info!(config = %self.opts.config_path.display(), "reloading the config");
        let cfg = match config::load(&self.opts.config_path, &Env::process()) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("{e}\nthe running config stays in force");
                return Err(e.to_string());
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
                    s.machine.invalid_code(),
                )
            })
            .collect();
        let line = systemd::summary(&states);
        self.notifier.status(&line);
    }

    fn control(&mut self, c: Control) {
        match c {
            Control::Status(reply) => {
                let now = self.now();
                let all: Vec<PolicyStatus> =
                    self.slots.values().map(|s| s.machine.status(now)).collect();
                let json = serde_json::to_string(&all).unwrap_or_else(|_| "[]".into());
                let _ = reply.send(json);
            }
            Control::Reload(reply) => {
                let answer = match self.reload() {
                    Ok(()) => "reloaded\n".to_string(),
                    Err(e) => format!("error: {e}\nthe running config stays in force\n"),
                };
                let _ = reply.send(answer);
            }
            Control::Reset {
                policy,
                host,
                reply,
            } => {
                let answer = if self.slots.contains_key(&policy) {
                    self.feed(&policy, Input::Reset { host: host.clone() });
                    self.persist();
                    match host {
                        Some(h) => format!("policy {policy}, host {h}: reset\n"),
                        None => format!("policy {policy}: reset\n"),
                    }
                } else {
                    format!("error: no policy named \"{policy}\"\n")
                };
                let _ = reply.send(answer);
            }
        }
    }
}

/// Formats `status` for people.
pub fn format_status(all: &[PolicyStatus], running: bool) -> String {
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

/// What `status` shows when no daemon runs: the configured policies with what the state file
/// records for them.
pub fn offline_status(cfg: &Config, state_dir: &Path) -> Result<Vec<PolicyStatus>, String> {
    let state = store::load(state_dir, unix_now()).map_err(|e| e.to_string())?;
    let now = Now {
        mono: Duration::ZERO,
        wall: unix_now(),
    };
    Ok(cfg
        .policies
        .iter()
        .map(|p| {
            let pstate = state.policies.get(&p.name).cloned().unwrap_or_default();
            let mut s = Machine::new(Arc::new(p.clone()), pstate, false, now).status(now);
            s.state = "not running".into();
            s.reason = String::new();
            s.next = None;
            s
        })
        .collect())
}
