//! `dynward once`: detect addresses, decide per host, send, record. One pass, then exit.
//!
//! The per-host decision ([`plan_host`]) and the recording of a result ([`record`]) are pure
//! functions of the state, the time and the inputs, tested below; [`run`] does the I/O.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::addr::{self, Candidate, SkipReason};
use crate::config::{Config, Policy, Source};
use crate::http::{self, NetError};
use crate::protocol::dyndns2::{self, AddrSet, Code, Decision, History, Request};
use crate::secret::MASK;
use crate::store::{self, Accepted, HostState, LastResult, PolicyState, State, Stop};
use crate::watch::{iface, web};

/// What `once` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Print the requests instead of sending them; write no state.
    pub dry_run: bool,
    /// Update even when the address is unchanged (never past a stop, hold or minimum gap).
    pub force: bool,
    /// Only these policies (all when empty).
    pub policies: Vec<String>,
    /// The state directory.
    pub state_dir: PathBuf,
}

/// The addresses found for a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detected {
    /// What to publish.
    pub addrs: AddrSet,
    /// Addresses not published, with why.
    pub skipped: Vec<(IpAddr, SkipReason)>,
    /// Source addresses for the request sockets (interface sources only).
    pub bind: Vec<IpAddr>,
    /// Where the addresses came from, for output.
    pub origin: String,
    /// Why detection failed, if it did.
    pub error: Option<String>,
}

/// Chooses what to publish from an interface's candidates (pure).
pub fn detect_from_candidates(policy: &Policy, ifname: &str, cands: &[Candidate]) -> Detected {
    let mut d = Detected {
        origin: format!("interface {ifname}"),
        ..Detected::default()
    };
    if policy.ipv4 {
        let c = addr::choose(
            cands,
            false,
            policy.ipv4_prefix.as_ref(),
            policy.allow_private,
        );
        d.addrs.v4 = c.chosen.and_then(|a| match a {
            IpAddr::V4(v) => Some(v),
            IpAddr::V6(_) => None,
        });
        d.skipped.extend(c.skipped);
    }
    if policy.ipv6 {
        let c = addr::choose(
            cands,
            true,
            policy.ipv6_prefix.as_ref(),
            policy.allow_private,
        );
        d.addrs.v6 = c.chosen.and_then(|a| match a {
            IpAddr::V6(v) => Some(v),
            IpAddr::V4(_) => None,
        });
        d.skipped.extend(c.skipped);
    }
    // Bind to the published address of each family; without one (e.g. a private WAN
    // address behind NAT), to the interface's first usable address of that family.
    for v6 in [false, true] {
        let published = if v6 {
            d.addrs.v6.map(IpAddr::V6)
        } else {
            d.addrs.v4.map(IpAddr::V4)
        };
        let fallback = cands
            .iter()
            .filter(|c| c.addr.is_ipv6() == v6)
            .find(|c| {
                !matches!(
                    addr::skip_reason(c, true),
                    Some(SkipReason::Tentative | SkipReason::DadFailed | SkipReason::LinkLocal)
                ) && !c.addr.is_loopback()
            })
            .map(|c| c.addr);
        if let Some(b) = published.or(fallback) {
            d.bind.push(b);
        }
    }
    if d.addrs.is_empty() {
        let fam = match (policy.ipv4, policy.ipv6) {
            (true, true) => "IPv4 or IPv6",
            (true, false) => "IPv4",
            _ => "IPv6",
        };
        d.error = Some(if cands.is_empty() {
            format!("interface {ifname} has no addresses")
        } else {
            format!("interface {ifname} has no publishable {fam} address")
        });
    }
    d
}

/// Detects the policy's addresses from its source (I/O).
pub async fn detect(policy: &Policy) -> Detected {
    match &policy.source {
        Source::Interface(_) | Source::DefaultRoute => {
            let name = match &policy.source {
                Source::Interface(n) => n.clone(),
                _ => match iface::default_route_interface() {
                    Ok(Some(n)) => n,
                    Ok(None) => {
                        return Detected {
                            origin: "interface auto".into(),
                            error: Some(
                                "no default route: cannot tell which interface is the WAN".into(),
                            ),
                            ..Detected::default()
                        };
                    }
                    Err(e) => {
                        return Detected {
                            origin: "interface auto".into(),
                            error: Some(e.to_string()),
                            ..Detected::default()
                        };
                    }
                },
            };
            let all = match iface::list() {
                Ok(a) => a,
                Err(e) => {
                    return Detected {
                        origin: format!("interface {name}"),
                        error: Some(e.to_string()),
                        ..Detected::default()
                    };
                }
            };
            if !all.iter().any(|a| a.name == name) && !interface_exists(&name) {
                return Detected {
                    origin: format!("interface {name}"),
                    error: Some(format!("interface {name} does not exist")),
                    ..Detected::default()
                };
            }
            let cands: Vec<Candidate> = all
                .into_iter()
                .filter(|a| a.name == name)
                .map(|a| a.candidate)
                .collect();
            let mut d = detect_from_candidates(policy, &name, &cands);
            if policy.source == Source::DefaultRoute {
                d.origin = format!("interface {name} (the default route's)");
            }
            d
        }
        Source::Web(url) => {
            let mut d = Detected {
                origin: format!("web {url}"),
                ..Detected::default()
            };
            let opts = http_options(policy, Vec::new());
            match http::get(url.as_str(), None, &opts).await {
                Err(e) => d.error = Some(format!("check-IP service: {e}")),
                Ok(r) if !(200..300).contains(&r.status) => {
                    d.error = Some(format!("check-IP service answered HTTP {}", r.status));
                }
                Ok(r) => match web::parse_page(&r.body) {
                    None => d.error = Some("check-IP page holds no IP address".into()),
                    Some(ip) => match web_addresses(policy, ip) {
                        Ok(a) => d.addrs = a,
                        Err(e) => {
                            if let Some(reason) =
                                addr::skip_reason(&Candidate::plain(ip), policy.allow_private)
                            {
                                d.skipped.push((ip, reason));
                            }
                            d.error = Some(e);
                        }
                    },
                },
            }
            d
        }
    }
}

/// What a check-IP answer lets the policy publish: the address, if it is publishable and of a
/// family the policy publishes; otherwise why not.
pub fn web_addresses(policy: &Policy, ip: IpAddr) -> Result<AddrSet, String> {
    if let Some(reason) = addr::skip_reason(&Candidate::plain(ip), policy.allow_private) {
        return Err(format!("check-IP service reported {ip}: {reason}"));
    }
    match ip {
        IpAddr::V4(a) if policy.ipv4 => Ok(AddrSet {
            v4: Some(a),
            v6: None,
        }),
        IpAddr::V6(a) if policy.ipv6 => Ok(AddrSet {
            v4: None,
            v6: Some(a),
        }),
        _ => Err(format!(
            "check-IP service reported {ip}, a family this policy does not publish"
        )),
    }
}

fn interface_exists(name: &str) -> bool {
    std::path::Path::new("/sys/class/net").join(name).exists()
}

/// The HTTP options of a policy.
pub fn http_options(policy: &Policy, bind: Vec<IpAddr>) -> http::Options {
    http::Options {
        user_agent: policy.user_agent.clone(),
        connect_timeout: policy.connect_timeout,
        timeout: policy.timeout,
        ca_file: policy.ca_file.clone(),
        bind,
    }
}

/// Why a host is not updated in this pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The provider already has the current address.
    UpToDate,
    /// The account or client is stopped until the user acts.
    PolicyStopped(Stop),
    /// The host is stopped until the user acts.
    HostStopped(Stop),
    /// A provider hold is running.
    Held {
        /// Until (Unix seconds).
        until: u64,
        /// The code that asked for it.
        code: String,
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

/// Decides whether a host is due (pure). `config_changed` is true when the policy's
/// fingerprint differs from the recorded one, which is a reason to send once to validate it.
pub fn plan_host(
    policy: &Policy,
    pstate: Option<&PolicyState>,
    host: &str,
    current: AddrSet,
    now: u64,
    force: bool,
    config_changed: bool,
) -> Plan {
    let hs = pstate.and_then(|p| p.hosts.get(host));
    if let Some(stop) = pstate.and_then(|p| p.stop.clone())
        && !config_changed
    {
        return Plan::Skip(Skip::PolicyStopped(stop));
    }
    if let Some(stop) = hs.and_then(|h| h.stop.clone())
        && !config_changed
    {
        return Plan::Skip(Skip::HostStopped(stop));
    }
    // Recorded times are whole seconds, rounded down, so an event recorded at `t` happened
    // before `t + 1`: waits end one second after their recorded end, never early.
    if let Some(until) = hs
        .and_then(|h| h.hold_until)
        .map(|u| u.saturating_add(1))
        .filter(|u| *u > now)
    {
        let code = hs.and_then(|h| h.hold_code.clone()).unwrap_or_default();
        return Plan::Skip(Skip::Held { until, code });
    }
    if current.is_empty() {
        return Plan::Skip(Skip::NoAddress);
    }
    let first = hs.is_none_or(|h| h.v4.is_none() && h.v6.is_none());
    let v4_changed = current.v4.is_some() && hs.and_then(|h| h.v4).map(|a| a.addr) != current.v4;
    let v6_changed = current.v6.is_some() && hs.and_then(|h| h.v6).map(|a| a.addr) != current.v6;
    let oldest = hs.and_then(|h| {
        let ats = [
            current.v4.and(h.v4.map(|a| a.at)),
            current.v6.and(h.v6.map(|a| a.at)),
        ];
        ats.into_iter().flatten().min()
    });
    let refresh = oldest.is_some_and(|at| now >= at.saturating_add(policy.max_interval.as_secs()));
    let (why, nochg_expected) = if first {
        ("no address on record for this host", true)
    } else if v4_changed || v6_changed {
        ("address changed", false)
    } else if config_changed {
        ("the policy's config changed", true)
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
    // Per-family requests send only the family that changed, so an unchanged family does
    // not draw a nochg; combined forms carry the whole set (it replaces the host's records).
    let mut addrs = current;
    let separate = policy.dialect.family == crate::provider::FamilyMode::Separate;
    if separate && !first && (v4_changed || v6_changed) {
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

/// Applies one host's answer to its state (pure); returns the decision taken.
pub fn record(
    hs: &mut HostState,
    code: &Code,
    sent: AddrSet,
    nochg_expected: bool,
    now: u64,
    dialect: &crate::provider::Dialect,
) -> Decision {
    let history = History {
        nochg_expected,
        nochg_streak: hs.nochg_streak,
        unknown_streak: hs.unknown_streak,
        outage_streak: hs.outage_streak,
    };
    let decision = dyndns2::decide(code, &history, dialect);
    hs.last_sent_at = Some(now);
    hs.last = Some(LastResult {
        at: now,
        code: code.name(),
        message: code.explanation(),
        sent: sent.to_string(),
    });
    hs.nochg_streak = match code {
        Code::Nochg if !nochg_expected => hs.nochg_streak + 1,
        _ => 0,
    };
    hs.unknown_streak = if dyndns2::is_unparseable(code) {
        hs.unknown_streak + 1
    } else {
        0
    };
    hs.outage_streak = if dyndns2::is_outage(code) {
        hs.outage_streak + 1
    } else {
        0
    };
    match decision {
        Decision::Continue => {
            if let Some(a) = sent.v4 {
                hs.v4 = Some(Accepted { addr: a, at: now });
            }
            if let Some(a) = sent.v6 {
                hs.v6 = Some(Accepted { addr: a, at: now });
            }
            hs.hold_until = None;
            hs.hold_code = None;
        }
        Decision::BackOff(d) => {
            hs.hold_until = Some(now.saturating_add(d.as_secs()));
            hs.hold_code = Some(code.name());
        }
        Decision::StopHost => {
            hs.stop = Some(Stop {
                code: code.name(),
                reason: code.explanation(),
                since: now,
            });
        }
        // Account and client stops are recorded on the policy by the caller.
        Decision::StopAccount | Decision::StopClient => {}
    }
    decision
}

/// What one reply did to a policy's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Per host: its code and the decision taken.
    pub results: Vec<(String, Code, Decision)>,
    /// Oddities of the reply worth a log line.
    pub notes: Vec<String>,
    /// No further request of this round may be sent (account stop, client stop, outage).
    pub stop_round: bool,
}

/// Applies a reply to the policy's state (pure): per-host results, account and client stops
/// on the policy, and a provider outage held for every host of the policy, since "no request
/// to that provider" means none for the other hosts either.
pub fn apply_reply(
    p: &mut PolicyState,
    policy: &Policy,
    req: &Request,
    status: u16,
    body: &str,
    expected: &BTreeMap<String, bool>,
    now: u64,
) -> Applied {
    let parsed = dyndns2::parse_reply(status, body, &req.hosts, &req.sent, &policy.dialect);
    let mut applied = Applied {
        results: Vec::new(),
        notes: parsed.notes,
        stop_round: false,
    };
    for r in &parsed.results {
        let hs = p.hosts.entry(r.host.clone()).or_default();
        let exp = expected.get(&r.host).copied().unwrap_or(false);
        let decision = record(hs, &r.code, req.sent, exp, now, &policy.dialect);
        let hold = (hs.hold_until, hs.hold_code.clone());
        if matches!(decision, Decision::StopAccount | Decision::StopClient) {
            p.stop = Some(Stop {
                code: r.code.name(),
                reason: r.code.explanation(),
                since: now,
            });
            applied.stop_round = true;
        }
        if dyndns2::is_outage(&r.code) {
            for h in &policy.hosts {
                let other = p.hosts.entry(h.clone()).or_default();
                if other.hold_until < hold.0 {
                    other.hold_until = hold.0;
                    other.hold_code = hold.1.clone();
                }
            }
            applied.stop_round = true;
        }
        applied
            .results
            .push((r.host.clone(), r.code.clone(), decision));
    }
    applied
}

/// Records a request that got no reply (pure). The accepted addresses stay as they were, so
/// the next attempt sends again.
pub fn apply_net_error(p: &mut PolicyState, req: &Request, e: &NetError, now: u64) {
    for h in &req.hosts {
        let hs = p.hosts.entry(h.clone()).or_default();
        hs.last_sent_at = Some(now);
        hs.last = Some(LastResult {
            at: now,
            code: format!("error:{}", e.kind()),
            message: e.to_string(),
            sent: req.sent.to_string(),
        });
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Formats Unix seconds as UTC `YYYY-MM-DD HH:MM:SS`.
pub fn format_time(t: u64) -> String {
    let days = t / 86400;
    let secs = t % 86400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn skip_text(s: &Skip, current: AddrSet) -> String {
    match s {
        Skip::UpToDate => format!("up-to-date ({current} is on record with the provider)"),
        Skip::PolicyStopped(st) | Skip::HostStopped(st) => format!(
            "stopped since {} by {}: {}; change the config or run `dynward reset` to send again",
            format_time(st.since),
            st.code,
            st.reason
        ),
        Skip::Held { until, code } => format!(
            "holding until {} after {code}, as the provider asked",
            format_time(*until)
        ),
        Skip::TooSoon { until } => format!(
            "not sent: the last update was less than min_interval ago; next allowed at {}",
            format_time(*until)
        ),
        Skip::NoAddress => "not sent: no publishable address".into(),
    }
}

/// Writes the exact request, secrets masked, for `--dry-run`.
fn print_request(out: &mut dyn Write, policy: &Policy, req: &Request, bind: &[IpAddr]) {
    let _ = writeln!(
        out,
        "  would send: GET {}",
        req.display_url(&policy.password)
    );
    let _ = writeln!(
        out,
        "    Authorization: Basic {MASK} (user {})",
        policy.username
    );
    let _ = writeln!(out, "    User-Agent: {}", policy.user_agent);
    if !bind.is_empty() {
        let b: Vec<String> = bind.iter().map(|a| a.to_string()).collect();
        let _ = writeln!(out, "    source address: {}", b.join(" or "));
    }
}

/// Runs `once`. Returns whether every host ended good, nochg or up-to-date.
pub async fn run(config: &Config, opts: &Options, out: &mut dyn Write) -> Result<bool, String> {
    let selected: Vec<&Policy> = if opts.policies.is_empty() {
        config.policies.iter().collect()
    } else {
        let mut v = Vec::new();
        for name in &opts.policies {
            match config.policies.iter().find(|p| &p.name == name) {
                Some(p) => v.push(p),
                None => {
                    let known: Vec<&str> =
                        config.policies.iter().map(|p| p.name.as_str()).collect();
                    return Err(format!(
                        "no policy named \"{name}\" in {}; policies: {}",
                        config.path.display(),
                        known.join(", ")
                    ));
                }
            }
        }
        v
    };

    let mut all_ok = true;
    let mut state = match store::load(&opts.state_dir, unix_now()) {
        Ok(s) => s,
        Err(e @ store::Error::Corrupt { .. }) => {
            tracing::error!(error = %e, "state file unreadable");
            let _ = writeln!(out, "error: {e}");
            all_ok = false;
            State {
                version: store::VERSION,
                ..State::default()
            }
        }
        Err(e) if opts.dry_run => {
            let _ = writeln!(out, "warning: {e}; the dry run assumes an empty state");
            State {
                version: store::VERSION,
                ..State::default()
            }
        }
        Err(e) => {
            return Err(format!(
                "{e}; no update sent, because its result could not be recorded"
            ));
        }
    };
    let now = unix_now();
    for (name, p) in &mut state.policies {
        let moved = p.rebase_times(now);
        if moved != 0 {
            let note = store::rebase_note(moved);
            tracing::warn!(policy = %name, "{note}");
            let _ = writeln!(out, "note: policy {name}: {note}");
        }
    }
    if !opts.dry_run {
        // Refuse to send what could not be remembered: that would mean nochg abuse later.
        store::save(&opts.state_dir, &state).map_err(|e| {
            format!("{e}; no update sent, because its result could not be recorded (set state_dir or fix the permissions)")
        })?;
    }

    for policy in selected {
        let det = detect(policy).await;
        let _ = writeln!(
            out,
            "policy {}: {} via {}",
            policy.name,
            match policy.provider {
                Some(p) => format!("provider {p}"),
                None => "server".to_string(),
            },
            det.origin
        );
        for (ip, why) in &det.skipped {
            tracing::info!(policy = %policy.name, address = %ip, reason = %why, "address skipped");
            let _ = writeln!(out, "  skipped {ip}: {why}");
        }
        if !det.addrs.is_empty() {
            let _ = writeln!(out, "  address: {}", det.addrs);
        }
        if let Some(e) = &det.error {
            tracing::warn!(policy = %policy.name, error = %e, "no address to publish");
            let _ = writeln!(out, "  {e}");
        }

        let fingerprint = policy.fingerprint();
        let recorded = state
            .policies
            .get(&policy.name)
            .map(|p| p.fingerprint.clone());
        let config_changed = recorded.is_some_and(|f| !f.is_empty() && f != fingerprint);
        let pstate = state.policies.get(&policy.name).cloned();

        // Plan every host, then group the due ones by what they send.
        let mut groups: BTreeMap<(String, bool), (AddrSet, Vec<String>)> = BTreeMap::new();
        let mut expected: BTreeMap<String, bool> = BTreeMap::new();
        for host in &policy.hosts {
            match plan_host(
                policy,
                pstate.as_ref(),
                host,
                det.addrs,
                unix_now(),
                opts.force,
                config_changed,
            ) {
                Plan::Skip(s) => {
                    let ok = s == Skip::UpToDate;
                    all_ok &= ok;
                    let text = skip_text(&s, det.addrs);
                    if matches!(s, Skip::NoAddress) && det.addrs.is_empty() && opts.dry_run {
                        let example = dyndns2::build_requests(
                            &policy.endpoint,
                            &policy.dialect,
                            &policy.username,
                            &policy.password,
                            std::slice::from_ref(host),
                            AddrSet {
                                v4: Some(std::net::Ipv4Addr::new(192, 0, 2, 1)),
                                v6: None,
                            },
                        );
                        let _ = writeln!(out, "  {host}: {text}");
                        if let Some(r) = example.first() {
                            let shown = r
                                .display_url(&policy.password)
                                .replace("192.0.2.1", "<address>");
                            let _ = writeln!(
                                out,
                                "  once an address is found it would send: GET {shown}"
                            );
                        }
                        continue;
                    }
                    let _ = writeln!(out, "  {host}: {text}");
                }
                Plan::Send {
                    addrs,
                    nochg_expected,
                    why,
                } => {
                    let _ = writeln!(out, "  {host}: due ({why})");
                    expected.insert(host.clone(), nochg_expected);
                    groups
                        .entry((addrs.to_string(), nochg_expected))
                        .or_insert((addrs, Vec::new()))
                        .1
                        .push(host.clone());
                }
            }
        }

        let mut requests = Vec::new();
        for (addrs, hosts) in groups.into_values() {
            requests.extend(dyndns2::build_requests(
                &policy.endpoint,
                &policy.dialect,
                &policy.username,
                &policy.password,
                &hosts,
                addrs,
            ));
        }
        if opts.dry_run {
            for r in &requests {
                print_request(out, policy, r, &det.bind);
            }
            continue;
        }

        let opts_http = http_options(policy, det.bind.clone());
        for req in requests {
            let now = unix_now();
            let reply = http::get(
                &req.url,
                Some((&policy.username, &policy.password)),
                &opts_http,
            )
            .await;
            let p = state.policy_mut(&policy.name, &fingerprint);
            let stop_policy = match reply {
                Err(e) => {
                    all_ok = false;
                    report_net_error(out, policy, &req, &e);
                    apply_net_error(p, &req, &e, now);
                    // Nothing more can reach this server now: the rest would fail the same way.
                    true
                }
                Ok(resp) => {
                    if resp.truncated {
                        tracing::warn!(policy = %policy.name, "reply longer than {} bytes; the rest was dropped", http::MAX_BODY);
                    }
                    let applied =
                        apply_reply(p, policy, &req, resp.status, &resp.body, &expected, now);
                    for n in &applied.notes {
                        tracing::warn!(policy = %policy.name, note = %n, "reply oddity");
                    }
                    for (host, code, decision) in &applied.results {
                        all_ok &= code.is_success() && *decision == Decision::Continue;
                        report_result(out, policy, host, code, *decision, req.sent);
                    }
                    applied.stop_round
                }
            };
            if let Err(e) = store::save(&opts.state_dir, &state) {
                tracing::error!(error = %e, "state not saved");
                let _ = writeln!(out, "error: {e}");
                all_ok = false;
            }
            if stop_policy {
                break;
            }
        }
    }
    Ok(all_ok)
}

fn report_net_error(out: &mut dyn Write, policy: &Policy, req: &Request, e: &NetError) {
    for h in &req.hosts {
        tracing::warn!(policy = %policy.name, host = %h, code = e.kind(), error = %e, "update not delivered");
        let _ = writeln!(
            out,
            "  {h}: not delivered: {e}; nothing is known about whether it applied, so it will be sent again"
        );
    }
}

fn report_result(
    out: &mut dyn Write,
    policy: &Policy,
    host: &str,
    code: &Code,
    decision: Decision,
    sent: AddrSet,
) {
    let action = code.user_action();
    let mut line = format!("  {host}: {code} {sent}: {}", code.explanation());
    match decision {
        Decision::Continue => {}
        Decision::BackOff(d) => {
            line.push_str(&format!("; holding {}", crate::duration::format(d)));
        }
        d => line.push_str(&format!("; {d}: {action}")),
    }
    match decision {
        Decision::Continue if *code == Code::Good => {
            tracing::info!(policy = %policy.name, host, code = %code, address = %sent, "updated")
        }
        Decision::Continue => {
            tracing::warn!(policy = %policy.name, host, code = %code, address = %sent, "{}", code.explanation())
        }
        Decision::BackOff(d) => tracing::warn!(
            policy = %policy.name, host, code = %code, hold = %crate::duration::format(d),
            "{}", code.explanation()
        ),
        _ => tracing::error!(
            policy = %policy.name, host, code = %code, decision = %decision,
            "{}; {}", code.explanation(), action
        ),
    }
    let _ = writeln!(out, "{line}");
}

/// `dynward reset`: clear the stops and holds of a policy (or one host) in the state file.
pub fn reset(
    state_dir: &std::path::Path,
    policy: &str,
    host: Option<&str>,
) -> Result<String, String> {
    let mut state = store::load(state_dir, unix_now()).map_err(|e| e.to_string())?;
    if !state.reset(policy, host) {
        return Err(match host {
            Some(h) => format!("nothing on record for host {h} of policy {policy}"),
            None => format!("nothing on record for policy {policy}"),
        });
    }
    store::save(state_dir, &state).map_err(|e| e.to_string())?;
    Ok(match host {
        Some(h) => format!("policy {policy}, host {h}: stops and holds cleared"),
        None => format!("policy {policy}: stops and holds cleared"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::FamilyMode;
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

    fn pstate(hs: HostState) -> PolicyState {
        let mut p = PolicyState::default();
        p.hosts.insert("a.example.org".into(), Box::new(hs));
        p
    }

    fn accepted(v4: &str, at: u64) -> HostState {
        HostState {
            v4: Some(Accepted {
                addr: v4.parse().expect("v4"),
                at,
            }),
            last_sent_at: Some(at),
            ..HostState::default()
        }
    }

    /// The due/skip table: each rule with explicit times.
    #[test]
    fn plan_table() {
        let p = policy("");
        let cur = set(Some("203.0.113.5"), None);
        let plan =
            |ps: Option<&PolicyState>, cur: AddrSet, now: u64, force: bool, changed: bool| {
                plan_host(&p, ps, "a.example.org", cur, now, force, changed)
            };
        // First time: send, nochg expected.
        assert_eq!(
            plan(None, cur, T0, false, false),
            Plan::Send {
                addrs: cur,
                nochg_expected: true,
                why: "no address on record for this host"
            }
        );
        // Same address on record: up-to-date, even a restart later.
        let same = pstate(accepted("203.0.113.5", T0));
        assert_eq!(
            plan(Some(&same), cur, T0 + 3600, false, false),
            Plan::Skip(Skip::UpToDate)
        );
        // Forced: send, but never inside the minimum gap.
        assert!(matches!(
            plan(Some(&same), cur, T0 + 3600, true, false),
            Plan::Send {
                nochg_expected: true,
                ..
            }
        ));
        assert_eq!(
            plan(Some(&same), cur, T0 + 30, true, false),
            Plan::Skip(Skip::TooSoon { until: T0 + 61 })
        );
        // Changed: send, nochg not expected; inside the gap: too soon.
        let new = set(Some("203.0.113.6"), None);
        // Stamps are whole seconds: the gap ends one second after the recorded one.
        assert!(matches!(
            plan(Some(&same), new, T0 + 61, false, false),
            Plan::Send {
                nochg_expected: false,
                ..
            }
        ));
        assert_eq!(
            plan(Some(&same), new, T0 + 60, false, false),
            Plan::Skip(Skip::TooSoon { until: T0 + 61 })
        );
        // Refresh after max_interval (25 days).
        let d25 = 25 * 86400;
        assert_eq!(
            plan(Some(&same), cur, T0 + d25 - 1, false, false),
            Plan::Skip(Skip::UpToDate)
        );
        assert!(matches!(
            plan(Some(&same), cur, T0 + d25, false, false),
            Plan::Send {
                why: "periodic refresh (max_interval)",
                ..
            }
        ));
        // Config change: once, to validate.
        assert!(matches!(
            plan(Some(&same), cur, T0 + 3600, false, true),
            Plan::Send {
                why: "the policy's config changed",
                ..
            }
        ));
        // No address: skip.
        assert_eq!(
            plan(Some(&same), AddrSet::default(), T0 + 3600, true, false),
            Plan::Skip(Skip::NoAddress)
        );
    }

    /// Stops hold until the config changes; holds hold even then, and even with --force.
    #[test]
    fn plan_stops_and_holds() {
        let p = policy("");
        let cur = set(Some("203.0.113.6"), None);
        let stop = Stop {
            code: "nohost".into(),
            reason: "r".into(),
            since: T0,
        };
        let mut hs = accepted("203.0.113.5", T0);
        hs.stop = Some(stop.clone());
        let ps = pstate(hs);
        assert_eq!(
            plan_host(&p, Some(&ps), "a.example.org", cur, T0 + 9999, true, false),
            Plan::Skip(Skip::HostStopped(stop.clone()))
        );
        assert!(matches!(
            plan_host(&p, Some(&ps), "a.example.org", cur, T0 + 9999, false, true),
            Plan::Send { .. }
        ));

        let mut ps2 = pstate(accepted("203.0.113.5", T0));
        ps2.stop = Some(stop.clone());
        assert_eq!(
            plan_host(&p, Some(&ps2), "a.example.org", cur, T0 + 9999, true, false),
            Plan::Skip(Skip::PolicyStopped(stop))
        );

        let mut hs = accepted("203.0.113.5", T0);
        hs.hold_until = Some(T0 + 1800);
        hs.hold_code = Some("911".into());
        let ps3 = pstate(hs);
        for changed in [false, true] {
            assert_eq!(
                plan_host(
                    &p,
                    Some(&ps3),
                    "a.example.org",
                    cur,
                    T0 + 1799,
                    true,
                    changed
                ),
                Plan::Skip(Skip::Held {
                    until: T0 + 1801,
                    code: "911".into()
                })
            );
        }
        assert!(matches!(
            plan_host(
                &p,
                Some(&ps3),
                "a.example.org",
                cur,
                T0 + 1801,
                false,
                false
            ),
            Plan::Send { .. }
        ));
    }

    /// Per-family requests carry only the changed family; combined ones carry both.
    #[test]
    fn plan_families() {
        let mut p = policy("");
        let mut hs = accepted("203.0.113.5", T0);
        hs.v6 = Some(Accepted {
            addr: "2001:db8::1".parse().expect("v6"),
            at: T0,
        });
        let ps = pstate(hs);
        let cur = set(Some("203.0.113.5"), Some("2001:db8::2"));
        let Plan::Send { addrs, .. } =
            plan_host(&p, Some(&ps), "a.example.org", cur, T0 + 600, false, false)
        else {
            panic!("due")
        };
        assert_eq!(addrs, set(None, Some("2001:db8::2")));
        p.dialect.family = FamilyMode::Combined;
        let Plan::Send { addrs, .. } =
            plan_host(&p, Some(&ps), "a.example.org", cur, T0 + 600, false, false)
        else {
            panic!("due")
        };
        assert_eq!(addrs, cur);
    }

    /// Recording: success stores the address; a repeated unexpected nochg stops the host;
    /// outages hold 30 then 60 minutes; wait codes hold as asked.
    #[test]
    fn record_rules() {
        let d = crate::provider::Dialect::default();
        let sent = set(Some("203.0.113.5"), None);
        let mut hs = HostState::default();
        assert_eq!(
            record(&mut hs, &Code::Good, sent, false, T0, &d),
            Decision::Continue
        );
        assert_eq!(
            hs.v4.map(|a| (a.addr.to_string(), a.at)),
            Some(("203.0.113.5".into(), T0))
        );

        let mut hs = HostState::default();
        assert_eq!(
            record(&mut hs, &Code::Nochg, sent, false, T0, &d),
            Decision::Continue
        );
        assert_eq!(hs.nochg_streak, 1);
        assert_eq!(
            record(&mut hs, &Code::Nochg, sent, false, T0 + 60, &d),
            Decision::StopHost
        );
        assert_eq!(hs.stop.as_ref().map(|s| s.code.as_str()), Some("nochg"));

        let mut hs = HostState::default();
        record(&mut hs, &Code::Nochg, sent, true, T0, &d);
        assert_eq!(hs.nochg_streak, 0, "an expected nochg is no strike");

        let mut hs = HostState::default();
        assert_eq!(
            record(&mut hs, &Code::Outage, sent, false, T0, &d),
            Decision::BackOff(Duration::from_secs(1800))
        );
        assert_eq!(hs.hold_until, Some(T0 + 1800));
        assert_eq!(
            record(&mut hs, &Code::DnsErr, sent, false, T0 + 1800, &d),
            Decision::BackOff(Duration::from_secs(3600))
        );
        assert_eq!(hs.hold_until, Some(T0 + 1800 + 3600));
        assert_eq!(
            record(&mut hs, &Code::Good, sent, false, T0 + 9000, &d),
            Decision::Continue
        );
        assert_eq!((hs.hold_until, hs.outage_streak), (None, 0));

        let mut hs = HostState::default();
        record(
            &mut hs,
            &Code::Wait(Duration::from_secs(300)),
            sent,
            false,
            T0,
            &d,
        );
        assert_eq!(hs.hold_until, Some(T0 + 300));

        let mut hs = HostState::default();
        for i in 0..2 {
            assert!(matches!(
                record(&mut hs, &Code::Unknown("x".into()), sent, false, T0 + i, &d),
                Decision::BackOff(_)
            ));
        }
        assert_eq!(
            record(&mut hs, &Code::NoLine, sent, false, T0 + 5, &d),
            Decision::StopHost
        );
    }

    /// Interface detection: documentation addresses publish, private and ULA are skipped with
    /// reasons, and the socket binds to the published address.
    #[test]
    fn detection_from_candidates() {
        let p = policy("");
        let cands: Vec<Candidate> = ["192.168.1.2", "192.0.2.2", "fd00::2", "fe80::1"]
            .iter()
            .map(|s| Candidate::plain(s.parse().expect("ip")))
            .collect();
        let d = detect_from_candidates(&p, "eth0", &cands);
        assert_eq!(d.addrs, set(Some("192.0.2.2"), None));
        assert_eq!(
            d.bind,
            vec![
                "192.0.2.2".parse::<IpAddr>().expect("ip"),
                "fd00::2".parse().expect("ip")
            ]
        );
        assert_eq!(d.skipped.len(), 3);
        assert!(d.error.is_none());

        let only_private = [Candidate::plain("10.0.0.5".parse().expect("ip"))];
        let d = detect_from_candidates(&p, "eth0", &only_private);
        assert!(d.addrs.is_empty());
        assert_eq!(d.bind, vec!["10.0.0.5".parse::<IpAddr>().expect("ip")]);
        assert_eq!(
            d.error.as_deref(),
            Some("interface eth0 has no publishable IPv4 or IPv6 address")
        );
        assert_eq!(
            detect_from_candidates(&p, "eth0", &[]).error.as_deref(),
            Some("interface eth0 has no addresses")
        );
    }

    /// UTC formatting of Unix time.
    #[test]
    fn time_format() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_time(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(format_time(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
