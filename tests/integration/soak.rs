//! Soak (root: a network namespace): the real daemon runs six policies for a few minutes
//! (`DYNWARD_SOAK_SECS`, default 180) while their interfaces change address at random and a
//! provider answers a random mix of codes, slow replies and HTTP errors; the test resets
//! policies now and then, as a user would. Afterwards an independent checker replays the
//! server's log and lists every broken rule of the protocol discipline:
//! - no request for a stopped policy or host before a reset;
//! - the provider judges the client: after a stop of the client (401, `badauth` bind the
//!   account) or inside a hold (`911`, `dnserr`, 5xx, `wNNN`) at a server, no request from
//!   any policy bound by it before it ends or a reset of one of them; the six policies talk
//!   to two servers, and two of the three at each share an account;
//! - never two requests in flight for one policy;
//! - a request whose source address went away while it was open is given up: it ends there,
//!   costs no back-off, and its answer (if the server still wrote one) reached no one;
//! - no request inside a provider hold or a network back-off;
//! - no update with the address the provider already accepted (no config change and no
//!   forced refresh happen here);
//! - no two requests for one host within the minimum gap.

// The clock rule (crate::clock only) is the library's: tests time the real binary from outside.
#![allow(clippy::disallowed_methods)]

use crate::util;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use util::{Answered, DaemonProc, FakeServer, Netns, Received, Script, Setup};

const POLICIES: usize = 6;
const MIN_GAP: Duration = Duration::from_secs(5);
const TIMEOUT: Duration = Duration::from_secs(2);
/// A slow answer comes after the client's timeout: a network failure for the client.
const SLOW: Duration = Duration::from_secs(3);
/// The first network back-off is 30 s minus at most 20 % jitter.
const NET_BACKOFF_MIN: Duration = Duration::from_secs(24);
/// 911, dnserr, HTTP 5xx and unreadable answers hold the host at least this long.
const OUTAGE_HOLD: Duration = Duration::from_secs(30 * 60);

/// Codes that answer for the whole request, not for one host.
const REQUEST_WIDE: [&str; 8] = [
    "badauth",
    "!donator",
    "badagent",
    "badsys",
    "dnserr",
    "911",
    "servererror",
    "badrequest",
];

/// xorshift64*: the soak's randomness, seeded and printed so a run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The server policy `p` talks to (two: policies 0-2 and 3-5).
fn server_of(p: usize) -> usize {
    p / 3
}

/// The user name of policy `p`: at each server, the first two share an account.
fn user_of(p: usize) -> String {
    match p % 3 {
        0 | 1 => format!("u{}", server_of(p)),
        _ => format!("u{p}"),
    }
}

/// One update request with its answer, as the checker reads it.
#[derive(Debug, Clone)]
struct Req {
    policy: usize,
    hosts: Vec<String>,
    ip: String,
    /// The address the request came from.
    source: String,
    at: Instant,
    /// None: never answered.
    end: Option<Instant>,
    status: u16,
    body: String,
}

#[derive(Default)]
struct HostModel {
    stopped: bool,
    hold_until: Option<Instant>,
    accepted: Option<String>,
    last_at: Option<Instant>,
}

#[derive(Default)]
struct PolicyModel {
    stopped: bool,
    backoff_until: Option<Instant>,
    busy_until: Option<Option<Instant>>,
    hosts: HashMap<String, HostModel>,
}

/// What binds every policy at a server, or of an account there.
#[derive(Default)]
struct ServerModel {
    /// The client is refused (badagent and the like: not in this mix, but checked).
    stopped: bool,
    hold_until: Option<Instant>,
    /// Which answer set the hold, for the report.
    hold_by: String,
    /// Accounts (user names) refused with badauth or 401.
    accounts_stopped: std::collections::HashSet<String>,
}

/// What the replay found.
#[derive(Default, Debug)]
struct Report {
    violations: Vec<String>,
    /// When each violation happened (the request's arrival), for the log excerpt.
    moments: Vec<Instant>,
    codes: BTreeMap<String, usize>,
    requests: usize,
}

/// An address the test took off a policy's interface: it went between `from` (the test
/// began to remove it) and `to` (the command returned).
#[derive(Clone)]
struct Removal {
    policy: usize,
    ip: String,
    from: Instant,
    to: Instant,
}

/// A reset the test asked for: the daemon applied it at some moment between `from` (the
/// command started) and `to` (it answered).
#[derive(Clone, Copy)]
struct Reset {
    policy: usize,
    from: Instant,
    to: Instant,
}

/// Replays the server's log against the rules.
fn check(reqs: &[Req], resets: &[Reset], t0: Instant) -> Report {
    check_with(reqs, resets, &[], t0)
}

/// As [`check`], with the addresses taken away during the run.
///
/// The checker must never blame the daemon for a race it cannot see, so each event counts
/// at the earliest moment the daemon could have acted on it: a request when the server got
/// it, its answer when the server wrote it (a timeout when it was sent), and a reset at the
/// start of its command and again at its end, lifting what an answer set meanwhile (the
/// daemon may have read that answer before the reset). Likewise a request was given up if
/// its source address may have gone while it was open.
fn check_with(reqs: &[Req], resets: &[Reset], removals: &[Removal], t0: Instant) -> Report {
    enum Ev<'a> {
        Req(&'a Req),
        Answer(&'a Req),
        Reset(usize),
    }
    let timed_out =
        |r: &Req| r.status == 0 || r.end.is_some_and(|end| end.duration_since(r.at) >= TIMEOUT);
    // Its source address went away while it was open: the client gave it up there, and
    // nothing of it counts on the client's side.
    let gone = |r: &Req| {
        removals
            .iter()
            .find(|x| {
                x.policy == r.policy
                    && x.ip == r.source
                    && x.to > r.at
                    && r.end.is_none_or(|e| e > x.from)
            })
            .map(|x| x.from)
    };
    let mut events: Vec<(Instant, Ev)> = Vec::new();
    for r in reqs {
        events.push((r.at, Ev::Req(r)));
        match r.end {
            Some(_) if gone(r).is_some() => {}
            Some(_) if timed_out(r) => events.push((r.at, Ev::Answer(r))),
            Some(end) => events.push((end, Ev::Answer(r))),
            None => {}
        }
    }
    for x in resets {
        events.push((x.from, Ev::Reset(x.policy)));
        events.push((x.to, Ev::Reset(x.policy)));
    }
    // Stable: a request comes before its own answer at the same instant.
    events.sort_by_key(|(at, _)| *at);
    let mut models: HashMap<usize, PolicyModel> = HashMap::new();
    let mut servers: HashMap<usize, ServerModel> = HashMap::new();
    let mut report = Report::default();
    let secs = |at: Instant| format!("{:.1}s", at.duration_since(t0).as_secs_f64());
    for (at, ev) in events {
        match ev {
            Ev::Reset(p) => {
                // A reset lifts what binds the policy, for every policy it binds.
                let sm = servers.entry(server_of(p)).or_default();
                sm.stopped = false;
                sm.hold_until = None;
                sm.accounts_stopped.remove(&user_of(p));
                let m = models.entry(p).or_default();
                m.stopped = false;
                m.backoff_until = None;
                for h in m.hosts.values_mut() {
                    h.stopped = false;
                    h.hold_until = None;
                }
            }
            Ev::Req(r) => {
                report.requests += 1;
                let m = models.entry(r.policy).or_default();
                let sm = servers.entry(server_of(r.policy)).or_default();
                let user = user_of(r.policy);
                let mut bad = |what: String| {
                    report
                        .violations
                        .push(format!("p{} at {}: {what}", r.policy, secs(at)));
                    report.moments.push(at);
                };
                if m.stopped {
                    bad("request for a stopped policy".into());
                }
                if sm.stopped {
                    bad("request to a server that refuses the client".into());
                }
                if sm.accounts_stopped.contains(&user) {
                    bad(format!("request for the refused account {user}"));
                }
                if let Some(t) = sm.hold_until.filter(|t| at < *t) {
                    bad(format!(
                        "request inside a hold of the whole server ({}, until {})",
                        sm.hold_by,
                        secs(t)
                    ));
                }
                if m.backoff_until.is_some_and(|t| at < t) {
                    bad("request inside the network back-off".into());
                }
                match m.busy_until {
                    Some(None) => bad("request while an earlier one was never answered".into()),
                    Some(Some(t)) if at < t => bad("two requests in flight for one policy".into()),
                    _ => {}
                }
                for h in &r.hosts {
                    let hm = m.hosts.entry(h.clone()).or_default();
                    if hm.stopped {
                        bad(format!("{h}: request for a stopped host"));
                    }
                    if hm.hold_until.is_some_and(|t| at < t) {
                        bad(format!("{h}: request inside the provider's hold"));
                    }
                    if hm.accepted.as_deref() == Some(r.ip.as_str()) {
                        bad(format!("{h}: unchanged address {} sent again", r.ip));
                    }
                    if hm.last_at.is_some_and(|t| at < t + MIN_GAP) {
                        bad(format!("{h}: two requests within the minimum gap"));
                    }
                }
                if let Some(t) = gone(r) {
                    m.busy_until = Some(Some(t));
                    continue;
                }
                for h in &r.hosts {
                    m.hosts.entry(h.clone()).or_default().last_at = Some(at);
                }
                m.busy_until = Some(r.end);
            }
            Ev::Answer(r) => {
                let m = models.entry(r.policy).or_default();
                let sm = servers.entry(server_of(r.policy)).or_default();
                let user = user_of(r.policy);
                let Some(end) = r.end else { continue };
                let mut code = |c: &str| *report.codes.entry(c.to_string()).or_default() += 1;
                let hold = |sm: &mut ServerModel, until: Instant, what: &str| {
                    if sm.hold_until.is_none_or(|t| t < until) {
                        sm.hold_until = Some(until);
                        sm.hold_by = format!("p{}'s {what} at {}", r.policy, secs(end));
                    }
                };
                if timed_out(r) {
                    code("(timeout)");
                    m.backoff_until = Some(r.at + NET_BACKOFF_MIN);
                    continue;
                }
                if r.status == 401 {
                    code("HTTP 401");
                    sm.accounts_stopped.insert(user.clone());
                    continue;
                }
                if r.status >= 500 {
                    code("HTTP 5xx");
                    hold(sm, end + OUTAGE_HOLD, "HTTP 5xx");
                    continue;
                }
                let mut lines: Vec<&str> = r.body.lines().collect();
                // A request-wide code anywhere applies to every host (reference section 3).
                if let Some(w) = lines.iter().find(|l| {
                    let w = l.split_whitespace().next().unwrap_or("");
                    REQUEST_WIDE.contains(&w)
                }) {
                    lines = vec![*w];
                }
                for (i, h) in r.hosts.iter().enumerate() {
                    let line = lines.get(i).or(lines.last()).copied().unwrap_or("");
                    let word = line.split_whitespace().next().unwrap_or("");
                    code(if word.starts_with('w') { "wNs" } else { word });
                    let hm = m.hosts.entry(h.clone()).or_default();
                    match word {
                        "good" | "nochg" => {
                            hm.accepted = line.split_whitespace().nth(1).map(String::from)
                        }
                        "badauth" | "!donator" => {
                            sm.accounts_stopped.insert(user.clone());
                        }
                        "badagent" | "badsys" | "badrequest" => sm.stopped = true,
                        "nohost" | "abuse" => hm.stopped = true,
                        "911" | "dnserr" | "servererror" => hold(sm, end + OUTAGE_HOLD, word),
                        w if w.len() > 2 && w.starts_with('w') && w.ends_with('s') => {
                            let n: u64 = w[1..w.len() - 1].parse().unwrap_or(0);
                            hold(sm, end + Duration::from_secs(n), w);
                        }
                        _ => hm.hold_until = Some(end + OUTAGE_HOLD),
                    }
                }
            }
        }
    }
    report
}

/// The provider: answers from a seeded mix, and `nochg` when the address is already its
/// record (a real provider's answer to a needless update).
fn provider(seed: u64) -> impl FnMut(&Received) -> Script + Send + 'static {
    let mut rng = Rng(seed);
    let mut record: HashMap<String, String> = HashMap::new();
    move |rec| {
        let hosts = rec.param("hostname").unwrap_or_default();
        let ip = rec.param("myip").unwrap_or_default();
        match rng.below(1000) {
            0..20 => return Script::Slow(SLOW, 200, String::new()),
            20..35 => return Script::Reply(500, "<html>Internal Server Error</html>".into()),
            35..40 => return Script::Reply(401, String::new()),
            40..50 => return Script::Reply(200, "badauth".into()),
            // Request-wide codes come once for the whole request (reference section 3).
            50..70 => return Script::Reply(200, "911".into()),
            70..80 => return Script::Reply(200, "dnserr".into()),
            _ => {}
        }
        let lines: Vec<String> = hosts
            .split(',')
            .map(|h| match rng.below(1000) {
                0..80 => format!("w{}s", 3 + rng.below(8)),
                80..95 => "nohost".into(),
                125..135 => "abuse".into(),
                135..150 => "hello there".into(),
                _ => {
                    if record.get(h) == Some(&ip) {
                        format!("nochg {ip}")
                    } else {
                        record.insert(h.to_string(), ip.clone());
                        format!("good {ip}")
                    }
                }
            })
            .collect();
        Script::Reply(200, lines.join("\n"))
    }
}

/// One server's log as the checker reads it.
fn requests_of(srv: &FakeServer) -> Vec<Req> {
    let answers: HashMap<usize, Answered> =
        srv.answers().into_iter().map(|a| (a.index, a)).collect();
    srv.requests()
        .iter()
        .enumerate()
        .map(|(i, r)| Req {
            policy: r
                .path
                .trim_start_matches("/p")
                .split('/')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("policy in the path"),
            hosts: r
                .param("hostname")
                .unwrap_or_default()
                .split(',')
                .map(String::from)
                .collect(),
            ip: r.param("myip").unwrap_or_default(),
            source: r.peer.ip().to_string(),
            at: r.at,
            end: answers.get(&i).map(|a| a.end),
            status: answers.get(&i).map_or(0, |a| a.status),
            body: answers.get(&i).map(|a| a.body.clone()).unwrap_or_default(),
        })
        .collect()
}

/// The lines of a daemon log stamped between `from` and `to`.
fn log_between(log: &str, from: std::time::SystemTime, to: std::time::SystemTime) -> String {
    // tracing's stamps are UTC, "2026-12-02T00:45:05.516820Z": the second of the day is
    // enough for a window of seconds (a run across midnight shows less).
    let of_day = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() % 86400.0)
    };
    let stamp = |line: &str| -> Option<f64> {
        let clock = line.get(11..26)?;
        let mut parts = clock.split(':');
        let h: f64 = parts.next()?.parse().ok()?;
        let m: f64 = parts.next()?.parse().ok()?;
        let s: f64 = parts.next()?.parse().ok()?;
        Some(h * 3600.0 + m * 60.0 + s)
    };
    let (a, b) = (of_day(from), of_day(to) + 0.01);
    log.lines()
        .filter(|l| stamp(l).is_some_and(|t| t >= a && t <= b))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn addr(policy: usize, n: u64) -> String {
    format!("203.0.113.{}/32", policy as u64 * 40 + 1 + n)
}

#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn soak_keeps_the_protocol_discipline() {
    util::require_root("soak_keeps_the_protocol_discipline");
    let secs: u64 = std::env::var("DYNWARD_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(180);
    let seed = std::env::var("DYNWARD_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    eprintln!("soak: {secs} s, seed {seed} (DYNWARD_SOAK_SEED repeats the provider's answers)");
    let ns = Netns::new("s");
    ns.route_back();
    let srvs = [
        FakeServer::http_on("198.51.100.1:0"),
        FakeServer::http_on("198.51.100.1:0"),
    ];
    for (i, srv) in srvs.iter().enumerate() {
        srv.respond_with(provider(seed.rotate_left(i as u32 * 29) | 1));
    }
    let mut rng = Rng(seed.rotate_left(17) | 1);

    let mut batch = String::new();
    let mut current: Vec<Option<String>> = Vec::new();
    let mut config = "state_dir = \"{state}\"\n".to_string();
    for p in 0..POLICIES {
        let a = addr(p, 0);
        batch.push_str(&format!(
            "link add sw{p}a type veth peer name sw{p}b\nlink set sw{p}a up\nlink set sw{p}b up\naddr add {a} dev sw{p}a\n"
        ));
        current.push(Some(a));
        config.push_str(&format!(
            "[[policy]]\nname = \"p{p}\"\nserver = \"http://{}/p{p}/nic/update\"\nallow_insecure_http = true\nusername = \"{}\"\npassword = \"pw\"\nhosts = [\"p{p}a.example.org\", \"p{p}b.example.org\"]\ninterface = \"sw{p}a\"\nipv4_prefix = \"203.0.113.0/24\"\nstable_for = \"1s\"\nmin_interval = \"{}s\"\nmax_interval = \"1d\"\ntimeout = \"{}s\"\nconnect_timeout = \"{}s\"\n",
            srvs[server_of(p)].addr,
            user_of(p),
            MIN_GAP.as_secs(),
            TIMEOUT.as_secs(),
            TIMEOUT.as_secs()
        ));
    }
    ns.batch(&batch);
    let s = Setup::new(&config);
    let t0 = Instant::now();
    let t0_wall = std::time::SystemTime::now();
    let mut d = DaemonProc::start(&s.config(), Some(&ns.name));
    let mut resets: Vec<Reset> = Vec::new();
    let mut removals: Vec<Removal> = Vec::new();
    let removed = |p: usize, a: &str, from: Instant| Removal {
        policy: p,
        ip: a.trim_end_matches("/32").to_string(),
        from,
        to: Instant::now(),
    };
    let mut changes = 0usize;
    let end = t0 + Duration::from_secs(secs);
    while Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100 + rng.below(900)));
        let p = rng.below(POLICIES as u64) as usize;
        match rng.below(100) {
            0..15 => {
                let from = Instant::now();
                let r = s.run(&["reset", &format!("p{p}")]);
                assert_eq!(r.code, 0, "reset p{p}: {}", r.all());
                resets.push(Reset {
                    policy: p,
                    from,
                    to: Instant::now(),
                });
            }
            15..22 => {
                if let Some(a) = current[p].take() {
                    let from = Instant::now();
                    ns.batch(&format!("addr del {a} dev sw{p}a\n"));
                    removals.push(removed(p, &a, from));
                    changes += 1;
                }
            }
            _ => {
                let a = addr(p, 1 + rng.below(30));
                if current[p].as_ref() != Some(&a) {
                    let mut b = format!("addr add {a} dev sw{p}a\n");
                    let old = current[p].replace(a);
                    if let Some(old) = &old {
                        b.push_str(&format!("addr del {old} dev sw{p}a\n"));
                    }
                    let from = Instant::now();
                    ns.batch(&b);
                    if let Some(old) = old {
                        removals.push(removed(p, &old, from));
                    }
                    changes += 1;
                }
            }
        }
        assert!(d.running(), "the daemon died:\n{}", d.log());
    }
    let (_, code) = d.stop();
    assert_eq!(code, Some(0), "{}", d.log());
    // A slow answer still being written finishes on the server's side.
    std::thread::sleep(SLOW);

    let mut reqs: Vec<Req> = srvs.iter().flat_map(requests_of).collect();
    reqs.sort_by_key(|r| r.at);
    let report = check_with(&reqs, &resets, &removals, t0);
    // How long the races the checker allows for could last.
    let longest = |spans: Vec<Duration>| spans.into_iter().max().unwrap_or_default().as_millis();
    let mut text = format!(
        "soak: {secs} s, seed {seed}, {POLICIES} policies, {changes} address changes, {} resets, {} requests, answers {:?}\nsoak: the longest reset took {} ms, the longest address change {} ms\nsoak: {} violations\n",
        resets.len(),
        report.requests,
        report.codes,
        longest(resets.iter().map(|x| x.to - x.from).collect()),
        longest(removals.iter().map(|x| x.to - x.from).collect()),
        report.violations.len()
    );
    for v in &report.violations {
        text.push_str(&format!("  {v}\n"));
    }
    eprint!("{text}");
    // cargo test shows a passing test's output only with --nocapture: CI prints this file.
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("soak-report.txt"),
        &text,
    );
    if !report.violations.is_empty() {
        // The whole log first; the part that explains each violation last, where a
        // shortened CI output still shows it.
        let log = d.log();
        eprintln!("the daemon's log:\n{log}");
        let mut around = String::new();
        for (v, at) in report.violations.iter().zip(&report.moments) {
            let wall = t0_wall + at.duration_since(t0);
            around.push_str(&format!("--- {v}: the daemon's log from 5 s before\n"));
            around.push_str(&log_between(&log, wall - Duration::from_secs(5), wall));
        }
        panic!("{text}{around}");
    }
    assert!(
        report.requests as u64 >= secs / 6,
        "too little traffic for a soak: {} requests",
        report.requests
    );
}

/// The checker itself: each rule, broken once in a synthetic log, is reported; the same log
/// without the offending request is clean.
#[test]
fn checker_finds_each_broken_rule() {
    let t0 = Instant::now();
    let s = |x: f64| t0 + Duration::from_secs_f64(x);
    let req = |at: f64, ip: &str, body: &str, status: u16, took: f64| Req {
        policy: 0,
        hosts: vec!["a".into()],
        ip: ip.into(),
        source: ip.into(),
        at: s(at),
        end: Some(s(at + took)),
        status,
        body: body.into(),
    };
    let good = req(0.0, "203.0.113.1", "good 203.0.113.1", 200, 0.1);
    let cases: Vec<(&str, Vec<Req>)> = vec![
        (
            "stopped policy",
            vec![
                req(0.0, "203.0.113.1", "badauth", 200, 0.1),
                req(10.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1),
            ],
        ),
        (
            "stopped host",
            vec![
                req(0.0, "203.0.113.1", "nohost", 200, 0.1),
                req(10.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1),
            ],
        ),
        (
            "in flight",
            vec![
                req(0.0, "203.0.113.1", "good 203.0.113.1", 200, 1.5),
                Req {
                    hosts: vec!["b".into()],
                    ..req(1.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1)
                },
            ],
        ),
        (
            "network back-off",
            vec![
                req(0.0, "203.0.113.1", "", 200, 3.0),
                req(20.0, "203.0.113.1", "good 203.0.113.1", 200, 0.1),
            ],
        ),
        (
            "provider's hold",
            vec![
                req(0.0, "203.0.113.1", "w9s", 200, 0.1),
                req(6.0, "203.0.113.1", "good 203.0.113.1", 200, 0.1),
            ],
        ),
        (
            "unchanged address",
            vec![
                good.clone(),
                req(10.0, "203.0.113.1", "nochg 203.0.113.1", 200, 0.1),
            ],
        ),
        (
            "minimum gap",
            vec![
                good.clone(),
                req(3.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1),
            ],
        ),
    ];
    for (rule, reqs) in cases {
        let r = check(&reqs, &[], t0);
        assert_eq!(r.violations.len(), 1, "{rule}: {:?}", r.violations);
        assert!(check(&reqs[..1], &[], t0).violations.is_empty(), "{rule}");
    }
    // A request whose source address went away while it was open ends there: the next one,
    // with the new address, may follow at once, with no back-off, and its answer counts for
    // no one; the same without the removal breaks three rules.
    let withdrawn = vec![
        req(0.0, "203.0.113.1", "911", 200, 3.0),
        req(1.5, "203.0.113.2", "good 203.0.113.2", 200, 0.1),
        req(8.0, "203.0.113.3", "good 203.0.113.3", 200, 0.1),
    ];
    let gone = [Removal {
        policy: 0,
        ip: "203.0.113.1".into(),
        from: s(0.5),
        to: s(0.5),
    }];
    let r = check_with(&withdrawn, &[], &gone, t0);
    assert!(r.violations.is_empty(), "{:?}", r.violations);
    let r = check(&withdrawn, &[], t0);
    assert_eq!(r.violations.len(), 4, "{:?}", r.violations);
    let late = [Removal {
        from: s(3.5),
        to: s(3.5),
        ..gone[0].clone()
    }];
    let r = check_with(&withdrawn, &[], &late, t0);
    assert_eq!(
        r.violations.len(),
        4,
        "answered before the removal: {:?}",
        r.violations
    );
    // The removal began before the server read the request and ended after: the request
    // may have left just before the address went, and been given up.
    let straddling = [Removal {
        from: s(0.0),
        to: s(0.01),
        ..gone[0].clone()
    }];
    let withdrawn_at_once = vec![
        Req {
            at: s(0.005),
            ..withdrawn[0].clone()
        },
        withdrawn[1].clone(),
        withdrawn[2].clone(),
    ];
    let r = check_with(&withdrawn_at_once, &[], &straddling, t0);
    assert!(r.violations.is_empty(), "{:?}", r.violations);
    let before = [Removal {
        to: s(0.004),
        ..straddling[0].clone()
    }];
    let r = check_with(&withdrawn_at_once, &[], &before, t0);
    assert_eq!(r.violations.len(), 4, "gone before: {:?}", r.violations);

    // The provider judges the client: its verdicts bind other policies too.
    let on = |policy: usize, r: Req| Req { policy, ..r };
    let scoped: Vec<(&str, Vec<Req>, usize)> = vec![
        (
            "a hold of the whole server binds another policy there",
            vec![
                req(0.0, "203.0.113.1", "911", 200, 0.1),
                on(1, req(10.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1)),
            ],
            1,
        ),
        (
            "a wait code holds the server",
            vec![
                req(0.0, "203.0.113.1", "w9s", 200, 0.1),
                on(2, req(5.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1)),
            ],
            1,
        ),
        (
            "badauth binds the account's other policy",
            vec![
                req(0.0, "203.0.113.1", "badauth", 200, 0.1),
                on(1, req(10.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1)),
            ],
            1,
        ),
        (
            "badauth does not bind another account at the server",
            vec![
                req(0.0, "203.0.113.1", "badauth", 200, 0.1),
                on(2, req(10.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1)),
            ],
            0,
        ),
        (
            "another server stays independent",
            vec![
                req(0.0, "203.0.113.1", "911", 200, 0.1),
                on(3, req(10.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1)),
            ],
            0,
        ),
    ];
    for (rule, reqs, want) in scoped {
        let r = check(&reqs, &[], t0);
        assert_eq!(r.violations.len(), want, "{rule}: {:?}", r.violations);
    }
    // A reset at 5 s, its command answered at once.
    let reset = |policy: usize| Reset {
        policy,
        from: s(5.0),
        to: s(5.0),
    };
    let held = vec![
        req(0.0, "203.0.113.1", "911", 200, 0.1),
        on(1, req(10.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1)),
    ];
    assert!(
        check(&held, &[reset(2)], t0).violations.is_empty(),
        "a reset of any policy bound by a verdict lifts it for all"
    );
    assert_eq!(check(&held, &[reset(3)], t0).violations.len(), 1);
    // A reset between a stop and the next request makes it legitimate.
    let reqs = vec![
        req(0.0, "203.0.113.1", "badauth", 200, 0.1),
        req(10.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1),
    ];
    assert!(check(&reqs, &[reset(0)], t0).violations.is_empty());
    assert_eq!(
        check(&reqs, &[reset(2)], t0).violations.len(),
        1,
        "the reset of a policy of another account"
    );
    assert!(
        check(&reqs, &[reset(1)], t0).violations.is_empty(),
        "policy 1 shares the account: its reset lifts the account's stop"
    );
    // The daemon applies a reset somewhere between the command's start and its answer: an
    // answer written in between may have come before the reset, and been lifted by it.
    let slow_reset = [Reset {
        to: s(5.2),
        ..reset(2)
    }];
    let raced = vec![
        on(1, req(5.05, "203.0.113.1", "911", 200, 0.05)),
        req(10.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1),
    ];
    assert_eq!(check(&raced, &[reset(2)], t0).violations.len(), 1);
    assert!(
        check(&raced, &slow_reset, t0).violations.is_empty(),
        "a hold set while the reset was being applied: {:?}",
        check(&raced, &slow_reset, t0).violations
    );
    let after = vec![
        on(1, req(5.15, "203.0.113.1", "911", 200, 0.1)),
        req(10.0, "203.0.113.2", "good 203.0.113.2", 200, 0.1),
    ];
    assert_eq!(
        check(&after, &slow_reset, t0).violations.len(),
        1,
        "a hold set after the reset answered binds"
    );
    // A request sent while the reset was being applied may already follow it.
    let stopped = vec![
        on(1, req(0.0, "203.0.113.1", "badauth", 200, 0.1)),
        req(5.1, "203.0.113.2", "good 203.0.113.2", 200, 0.1),
    ];
    let own = [Reset {
        to: s(5.2),
        ..reset(0)
    }];
    assert!(check(&stopped, &own, t0).violations.is_empty());
    assert_eq!(check(&stopped, &[], t0).violations.len(), 1);
}

/// The excerpt shown with a violation holds the lines of its window and no others.
#[test]
fn log_excerpt_is_the_window() {
    let t = std::time::UNIX_EPOCH + Duration::from_secs(20_000 * 86400 + 3600);
    let log = "1970-01-01T01:00:01.000000Z  INFO early\n\
               1970-01-01T01:00:04.500000Z  WARN inside\n\
               continued without a stamp\n\
               1970-01-01T01:00:06.000000Z  INFO late\n";
    let got = log_between(log, t + Duration::from_secs(3), t + Duration::from_secs(5));
    assert_eq!(got, "1970-01-01T01:00:04.500000Z  WARN inside\n");
}
