//! The machine's tests: named scenarios, the (state, input) table, and random input
//! sequences checked against the invariants of the module.

use super::*;
use crate::config::FingerprintKey;
use crate::plan::Effect;
use crate::protocol::Answer;
use crate::record::{Accepted, HostRecord, Lift, Verdict, add_verdict, lift_verdicts};

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

/// The updates asked for.
fn sends(a: &[Action]) -> Vec<(u64, Update)> {
    a.iter()
        .filter_map(|x| match x {
            Action::Update { id, update } => Some((*id, update.clone())),
            _ => None,
        })
        .collect()
}

/// The hosts an update goes on with, when the machine says.
fn proceeds(a: &[Action]) -> Vec<(u64, Vec<String>)> {
    a.iter()
        .filter_map(|x| match x {
            Action::Proceed { id, keep } => Some((*id, keep.clone())),
            _ => None,
        })
        .collect()
}

/// The hosts of an update.
fn hosts(u: &Update) -> Vec<&str> {
    u.hosts().collect()
}

/// Whether every host of the update is to have `addrs`.
fn publishes(u: &Update, addrs: AddrSet) -> bool {
    !u.targets.is_empty() && u.targets.iter().all(|t| t.addrs == addrs)
}

/// The answers to an update of `hosts` sending `sent`: one code for every host, or one code
/// per host in order; each confirms what was sent.
fn answers_to(hosts: &[&str], sent: AddrSet, codes: &[Code]) -> Answers {
    let code = |i: usize| codes.get(i).or(codes.first()).expect("a code").clone();
    Answers {
        answers: hosts
            .iter()
            .enumerate()
            .map(|(i, h)| Answer {
                host: h.to_string(),
                code: code(i),
                sent,
                confirmed: sent,
            })
            .collect(),
        ..Answers::default()
    }
}

/// The update's last answers: `codes` for its hosts (see [`answers_to`]), each about the
/// addresses asked for.
fn answered(id: u64, u: &Update, codes: &[Code]) -> Input {
    let sent = u.targets.first().map(|t| t.addrs).unwrap_or_default();
    Input::Answered {
        id,
        answers: answers_to(&hosts(u), sent, codes),
        last: true,
    }
}

/// The last answers for the two hosts of [`policy`], about 203.0.113.5.
fn answered_both(id: u64, codes: &[Code]) -> Input {
    Input::Answered {
        id,
        answers: answers_to(
            &["a.example.org", "b.example.org"],
            v4("203.0.113.5"),
            codes,
        ),
        last: true,
    }
}

/// No answer for the two hosts of [`policy`]: the message failed.
fn failed_both(id: u64, error: NetError) -> Input {
    Input::Failed {
        id,
        error,
        pending: Pending {
            hosts: vec!["a.example.org".into(), "b.example.org".into()],
            sent: v4("203.0.113.5"),
        },
    }
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

fn key() -> FingerprintKey {
    FingerprintKey::new([7; 32], false)
}

fn machine(p: Arc<Policy>, record: PolicyRecord, now: Now) -> Machine {
    Machine::new(p, record, Vec::new(), &key(), now, Readings::Stream)
}

/// A machine for a policy that reacts at once (stable_for 0), with nothing on record.
fn fresh() -> Machine {
    machine(policy("stable_for = \"0s\""), PolicyRecord::default(), t(0))
}

/// Runs an update round to its end with these answers (see [`answers_to`]); returns the
/// update asked for.
fn round(m: &mut Machine, now: Now, codes: &[Code]) -> Update {
    let a = m.handle(now, Input::Resolved(Ok(())));
    let s = sends(&a);
    assert_eq!(s.len(), 1, "{a:?}");
    assert_eq!(m.state().name(), "updating");
    m.handle(now, answered(s[0].0, &s[0].1, codes));
    s[0].1.clone()
}

/// The happy path: waiting until stable, resolving, updating, sleeping until the refresh.
#[test]
fn the_first_update_waits_resolves_updates_and_sleeps() {
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
    let req = round(&mut m, t(2), &[Code::Good]);
    assert_eq!(hosts(&req), ["a.example.org", "b.example.org"]);
    assert!(publishes(&req, v4("203.0.113.5")), "{req:?}");
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
fn a_single_reading_is_used_at_once_and_force_resends_once() {
    let mut m = Machine::new(
        policy("stable_for = \"30s\""),
        recorded("203.0.113.5", WALL0 - 3600),
        Vec::new(),
        &key(),
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
    let req = round(&mut m, t(0), &[Code::Nochg]);
    assert!(publishes(&req, v4("203.0.113.5")), "{req:?}");
    assert!(
        req.targets.iter().all(|t| t.nochg_expected),
        "forced: {req:?}"
    );
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
        Vec::new(),
        &key(),
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

    /// One update round at `mono` answered with `codes`.
    fn round(&mut self, mono: u64, codes: &[Code]) {
        let a = self.feed(mono, Input::Resolved(Ok(())));
        let s = sends(&a);
        assert_eq!(
            s.len(),
            1,
            "at {mono}, offset {}: {a:?} {:?}",
            self.offset,
            self.m.state()
        );
        self.feed(mono, answered(s[0].0, &s[0].1, codes));
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
            c.round(0, &[Code::Good]);
            c.feed(100, addrs("203.0.113.6"));
            c.round(100, &[Code::Outage]);
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
            let held: Vec<Option<u64>> = c.m.verdicts().iter().map(|v| v.until).collect();
            assert_eq!(
                held,
                [Some(after + 1900)],
                "{what}: the server's hold in the new clock"
            );
            let a = c.feed(1900, Input::Tick);
            assert!(!a.contains(&Action::Resolve), "{what}: {a:?}");
            let a = c.feed(1901, Input::Tick);
            assert!(a.contains(&Action::Resolve), "{what}: {a:?}");
            c.round(1901, &[Code::Good]);
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
        h.hold_code = Some(Code::Outage);
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
        h.hold_code = Some(Code::Outage);
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
fn records_ahead_of_the_clock_are_moved_and_said() {
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
fn a_restart_with_the_address_on_record_sends_nothing() {
    let mut m = machine(policy(""), recorded("203.0.113.5", WALL0 - 3600), t(0));
    m.handle(t(0), addrs("203.0.113.5"));
    let a = m.handle(t(2), Input::Tick);
    assert!(!a.contains(&Action::Resolve), "{a:?}");
    assert_eq!(m.state().name(), "sleeping");
}

/// stable_for = 0 reacts at once.
#[test]
fn stable_for_zero_reacts_at_once() {
    let mut m = fresh();
    assert!(
        m.handle(t(0), addrs("203.0.113.5"))
            .contains(&Action::Resolve)
    );
}

/// 50 flaps within a second yield one update, with the final address.
#[test]
fn fifty_flaps_in_a_second_make_one_update() {
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
    let req = round(&mut m, tms(3000), &[Code::Good]);
    assert!(publishes(&req, v4("203.0.113.59")), "{req:?}");
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
    m.handle(t(2), answered(s[0].0, &s[0].1, &[Code::Good]));
    assert_eq!(m.state().name(), "sleeping");
    assert_eq!(
        m.next_deadline(),
        Some(Duration::from_secs(63)),
        "min_interval from the last update, done at 2 (whole seconds: one more)"
    );
    assert!(!m.handle(t(62), Input::Tick).contains(&Action::Resolve));
    assert!(m.handle(t(63), Input::Tick).contains(&Action::Resolve));
    let req = round(&mut m, t(63), &[Code::Good]);
    assert!(publishes(&req, v4("203.0.113.7")), "{req:?}");
}

/// A request the driver withdraws (its source address went away) records nothing and costs
/// no back-off: the new address goes out as soon as it is stable, and a late answer to the
/// withdrawn request is ignored.
#[test]
fn withdrawn_request_follows_the_new_address() {
    let mut m = machine(policy(""), PolicyRecord::default(), t(0));
    m.handle(t(0), addrs("203.0.113.5"));
    m.handle(t(2), Input::Tick);
    let s = sends(&m.handle(t(2), Input::Resolved(Ok(()))));
    assert_eq!(m.state().name(), "updating");
    m.handle(t(3), addrs("203.0.113.6"));
    let before = m.persisted().clone();
    let a = m.handle(
        t(3),
        Input::Withdrawn {
            id: s[0].0,
            why: "its source address 203.0.113.5 went away".into(),
        },
    );
    assert!(
        logged(
            &a,
            "request withdrawn before its answer: its source address 203.0.113.5 went away"
        ),
        "{a:?}"
    );
    assert!(
        !a.contains(&Action::Persist) && !a.contains(&Action::Resolve),
        "{a:?}"
    );
    assert_eq!(m.persisted(), &before, "nothing is known, nothing recorded");
    assert_eq!(m.state().name(), "waiting");
    assert_eq!(
        m.next_deadline(),
        Some(Duration::from_secs(5)),
        "stable_for, no back-off"
    );
    assert!(m.handle(t(5), Input::Tick).contains(&Action::Resolve));
    let late = m.handle(t(5), answered(s[0].0, &s[0].1, &[Code::Good]));
    assert!(!late.contains(&Action::Persist), "{late:?}");
    let req = round(&mut m, t(5), &[Code::Good]);
    assert!(publishes(&req, v4("203.0.113.6")), "{req:?}");
}

/// badauth makes the policy invalid: no request on any change until reset.
#[test]
fn badauth_stops_everything_until_a_reset() {
    let mut m = fresh();
    m.handle(t(0), addrs("203.0.113.5"));
    let s = sends(&m.handle(t(0), Input::Resolved(Ok(()))));
    let a = m.handle(t(1), answered(s[0].0, &s[0].1, &[Code::Badauth]));
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
    round(&mut m, t(0), &[Code::Good, Code::NoHost]);
    assert_eq!(m.state().name(), "sleeping");
    m.handle(t(100), addrs("203.0.113.6"));
    let req = round(&mut m, t(100), &[Code::Good]);
    assert_eq!(hosts(&req), ["a.example.org"]);
    m.handle(t(200), addrs("203.0.113.7"));
    round(&mut m, t(200), &[Code::NotYours]);
    assert_eq!(m.state().name(), "invalid");
}

/// A host stopped by an answer of an update (its IPv4 request's) goes no further in it:
/// the machine lets the update go on for the other host only; a verdict on the account
/// ends it.
#[test]
fn an_update_goes_on_without_a_host_stopped_midway() {
    let mut m = machine(
        policy("stable_for = \"0s\"\nipv6 = true"),
        PolicyRecord::default(),
        t(0),
    );
    let both = AddrSet {
        v4: Some("203.0.113.5".parse().expect("v4")),
        v6: Some("2001:db8::5".parse().expect("v6")),
    };
    let feed = Input::Addresses {
        addrs: both,
        reason: None,
    };
    m.handle(t(0), feed.clone());
    let s = sends(&m.handle(t(0), Input::Resolved(Ok(()))));
    assert!(publishes(&s[0].1, both), "{s:?}");
    let v4_part = Input::Answered {
        id: s[0].0,
        answers: answers_to(
            &["a.example.org", "b.example.org"],
            v4("203.0.113.5"),
            &[Code::Good, Code::NoHost],
        ),
        last: false,
    };
    let a = m.handle(t(0), v4_part.clone());
    assert_eq!(proceeds(&a), [(s[0].0, vec!["a.example.org".to_string()])]);
    assert_eq!(m.state().name(), "updating", "{a:?}");
    assert!(sends(&a).is_empty(), "one update in flight: {a:?}");
    // A verdict on the account: nothing more goes, the update is over.
    let mut m = machine(
        policy("stable_for = \"0s\"\nipv6 = true"),
        PolicyRecord::default(),
        t(0),
    );
    m.handle(t(0), feed);
    let s = sends(&m.handle(t(0), Input::Resolved(Ok(()))));
    let a = m.handle(
        t(0),
        Input::Answered {
            id: s[0].0,
            answers: answers_to(
                &["a.example.org", "b.example.org"],
                v4("203.0.113.5"),
                &[Code::Badauth],
            ),
            last: false,
        },
    );
    assert_eq!(proceeds(&a), [(s[0].0, Vec::new())]);
    assert_eq!(m.state().name(), "invalid");
}

/// 911 holds 30 minutes, 60 on repeat; nothing is sent inside the hold.
#[test]
fn an_outage_holds_30_minutes_then_60() {
    let mut m = fresh();
    m.handle(t(0), addrs("203.0.113.5"));
    round(&mut m, t(0), &[Code::Outage]);
    // Whole-second stamps: a hold ends one second after its recorded end, never early.
    assert_eq!(m.next_deadline(), Some(Duration::from_secs(1801)));
    assert!(
        !m.handle(t(1800), addrs("203.0.113.6"))
            .contains(&Action::Resolve)
    );
    assert!(m.handle(t(1801), Input::Tick).contains(&Action::Resolve));
    round(&mut m, t(1801), &[Code::DnsErr]);
    assert_eq!(m.next_deadline(), Some(Duration::from_secs(1801 + 3601)));
    assert!(!m.handle(t(5401), Input::Tick).contains(&Action::Resolve));
    assert!(m.handle(t(5402), Input::Tick).contains(&Action::Resolve));
}

/// Failures before any reply back off from ~30 s, doubling to a 30-minute cap, with
/// jitter; the recorded end is in whole seconds, so each wait ends one second after it.
#[test]
fn network_back_offs_double_to_a_cap_with_jitter() {
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
    round(&mut m, t(now), &[Code::Good]);
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
        failed_both(s[0].0, NetError::Timeout("u.example".into())),
    );
    assert_eq!(m.state().name(), "sleeping");
    let undelivered: Vec<_> = a
        .iter()
        .filter_map(|x| match x {
            Action::Report(r) if r.effect == Effect::Failed => r.host.clone(),
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
fn an_address_gone_waits_and_comes_back_to_sleeping() {
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
fn the_refresh_comes_max_interval_after_the_last_acceptance() {
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
    round(&mut m, t(2 * 86400), &[Code::Nochg]);
    assert_eq!(m.state().name(), "sleeping", "an expected nochg is fine");
}

/// A record made under another config is adopted: its stops are cleared and the machine
/// says so, but an address the provider already has is not sent again (a real dyndns2
/// server counts each such nochg as a client fault); a host new to the policy is sent, alone.
#[test]
fn config_change_sends_only_what_it_makes_unknown() {
    let mut rec = recorded("203.0.113.5", WALL0 - 600);
    rec.fingerprint = "k2:an-older-config".into();
    rec.account = policy("").account();
    rec.stop = Some(crate::record::Stop {
        code: Code::Badauth,
        reason: "r".into(),
        since: WALL0 - 600,
    });
    let mut m = machine(policy("stable_for = \"0s\""), rec.clone(), t(0));
    assert!(logged(&m.drain(), "config changed"));
    assert!(m.persisted().stop.is_none(), "re-enabled");
    let a = m.handle(t(0), addrs("203.0.113.5"));
    assert!(!a.contains(&Action::Resolve), "nothing unknown: {a:?}");
    assert_eq!(m.state().name(), "sleeping");
    assert_eq!(m.persisted().fingerprint, m.policy().fingerprint(&key()));

    // One more host: only it is sent.
    let three = Arc::new(crate::config::test_policy(
        "[[policy]]\nname = \"home\"\nserver = \"https://u.example/nic/update\"\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"a.example.org\", \"b.example.org\", \"c.example.org\"]\ninterface = \"eth0\"\nstable_for = \"0s\"\n",
    ));
    let mut m = machine(three, rec.clone(), t(0));
    assert!(
        m.handle(t(0), addrs("203.0.113.5"))
            .contains(&Action::Resolve)
    );
    let req = round(&mut m, t(0), &[Code::Good]);
    assert_eq!(hosts(&req), ["c.example.org"]);

    // Another account: everything is unknown to it.
    let other = Arc::new(crate::config::test_policy(
        "[[policy]]\nname = \"home\"\nserver = \"https://u.example/nic/update\"\nusername = \"someone-else\"\npassword = \"pw\"\nhosts = [\"a.example.org\", \"b.example.org\"]\ninterface = \"eth0\"\nstable_for = \"0s\"\n",
    ));
    let mut m = machine(other, rec, t(0));
    assert!(
        m.handle(t(0), addrs("203.0.113.5"))
            .contains(&Action::Resolve)
    );
    let req = round(&mut m, t(0), &[Code::Good]);
    assert_eq!(req.targets.len(), 2);
}

/// A record taken over without a config change (0.1.0's unkeyed fingerprint, or a record
/// whose key was lost) keeps its stops and is written at once under the new fingerprint, even
/// when nothing is sent: the next start must not read the old fingerprint as a change.
#[test]
fn a_record_taken_over_silently_is_written_under_the_new_fingerprint() {
    let p = policy("stable_for = \"0s\"");
    let stopped = |fingerprint: String| {
        let mut rec = recorded("203.0.113.5", WALL0 - 600);
        rec.fingerprint = fingerprint;
        rec.account = p.account();
        rec.stop = Some(crate::record::Stop {
            code: Code::Badauth,
            reason: "r".into(),
            since: WALL0 - 600,
        });
        rec
    };
    let lost_key = FingerprintKey::new([9; 32], true);
    for (what, rec, key) in [
        ("0.1.0's record", stopped(p.legacy_fingerprint()), key()),
        ("a lost key", stopped(p.fingerprint(&key())), lost_key),
    ] {
        let mut m = Machine::new(p.clone(), rec, Vec::new(), &key, t(0), Readings::Single);
        let a = m.drain();
        assert!(a.contains(&Action::Persist), "{what}: {a:?}");
        assert!(!logged(&a, "config changed"), "{what}: {a:?}");
        assert_eq!(m.persisted().fingerprint, p.fingerprint(&key), "{what}");
        assert!(m.persisted().stop.is_some(), "{what}: the stop stands");
    }
    let same = Machine::new(
        p.clone(),
        stopped(p.fingerprint(&key())),
        Vec::new(),
        &key(),
        t(0),
        Readings::Single,
    )
    .drain();
    assert!(
        !same.contains(&Action::Persist),
        "nothing to write: {same:?}"
    );
}

/// A web source asks at start and then every check_interval.
#[test]
fn a_web_source_asks_at_start_and_every_check_interval() {
    let text = "[[policy]]\nname = \"w\"\nserver = \"https://u.example/\"\nusername = \"u\"\npassword = \"p\"\nhosts = [\"a.example.org\"]\nweb = \"https://checkip.example/\"\nstable_for = \"0s\"\n";
    let wp = Arc::new(crate::config::test_policy(text));
    let mut m = machine(wp, PolicyRecord::default(), t(0));
    assert!(m.drain().contains(&Action::CheckWeb));
    assert!(m.has_work_out());
    let a = m.handle(t(1), addrs("203.0.113.5"));
    assert!(a.contains(&Action::Resolve));
    let s = sends(&m.handle(t(1), Input::Resolved(Ok(()))));
    m.handle(t(2), answered(s[0].0, &s[0].1, &[Code::Good]));
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

/// Answers for an update that is not in flight are ignored.
#[test]
fn answers_for_an_update_not_in_flight_are_ignored() {
    let mut m = fresh();
    m.handle(t(0), addrs("203.0.113.5"));
    let a = m.handle(t(1), answered_both(99, &[Code::Badauth]));
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
        "good" => answered_both(id, &[Code::Good]),
        "badauth" => answered_both(id, &[Code::Badauth]),
        "911" => answered_both(id, &[Code::Outage]),
        "refused" => failed_both(id, NetError::Refused("192.0.2.1:80".parse().expect("sa"))),
        "webfail" => Input::WebFailed("x".into()),
        "reset" => Input::Reset { host: None },
        "reset-a" => Input::Reset {
            host: Some("a.example.org".into()),
        },
        "force" => Input::Force,
        "withdrawn" => Input::Withdrawn {
            id,
            why: "its source address went away".into(),
        },
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
            round(&mut m, t(1), &[Code::Good]);
        }
        "invalid" => {
            m.handle(t(0), addrs("203.0.113.5"));
            m.handle(t(1), Input::Tick);
            round(&mut m, t(1), &[Code::BadAgent]);
        }
        other => panic!("no state {other}"),
    }
    assert_eq!(m.state().name(), state);
    (m, id)
}

/// The kinds of action, as letters: R resolve, S update (send), N next step of an update,
/// C web check, D check at the zone's servers, P persist, H hook, V verdict, L lift of
/// verdicts.
fn kinds(a: &[Action]) -> String {
    let mut k: Vec<char> = a
        .iter()
        .filter_map(|x| match x {
            Action::Resolve => Some('R'),
            Action::Update { .. } => Some('S'),
            Action::Proceed { .. } => Some('N'),
            Action::CheckWeb => Some('C'),
            Action::Verify { .. } => Some('D'),
            Action::Persist => Some('P'),
            Action::Hook(_) => Some('H'),
            Action::Verdict(_) => Some('V'),
            Action::Lift { .. } => Some('L'),
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
fn every_state_meets_every_input_as_decided_by_hand() {
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
        ("waiting", "reset", "waiting", "LP"),
        ("waiting", "reset-a", "waiting", "-"),
        ("waiting", "force", "waiting", "-"),
        ("waiting", "withdrawn", "waiting", "-"),
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
        ("resolving", "reset", "resolving", "LP"),
        ("resolving", "reset-a", "resolving", "-"),
        ("resolving", "force", "resolving", "-"),
        ("resolving", "withdrawn", "resolving", "-"),
        // Only the answers of the update in flight move an updating policy on.
        ("updating", "addrs", "updating", "-"),
        ("updating", "gone", "updating", "-"),
        ("updating", "tick", "updating", "-"),
        ("updating", "resolved", "updating", "-"),
        ("updating", "unresolved", "updating", "-"),
        ("updating", "good", "sleeping", "DHP"),
        ("updating", "badauth", "invalid", "HPV"),
        ("updating", "911", "sleeping", "HPV"),
        ("updating", "refused", "sleeping", "HP"),
        ("updating", "webfail", "updating", "-"),
        ("updating", "reset", "updating", "LP"),
        ("updating", "reset-a", "updating", "-"),
        ("updating", "force", "updating", "-"),
        ("updating", "withdrawn", "resolving", "R"),
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
        ("sleeping", "reset", "sleeping", "LP"),
        ("sleeping", "reset-a", "sleeping", "P"),
        ("sleeping", "force", "sleeping", "-"),
        ("sleeping", "withdrawn", "sleeping", "-"),
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
        ("invalid", "reset", "sleeping", "LP"),
        ("invalid", "reset-a", "invalid", "P"),
        ("invalid", "force", "invalid", "-"),
        ("invalid", "withdrawn", "invalid", "-"),
    ];
    assert_eq!(table.len(), 5 * 14);
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
/// lookups, answers of every kind, some of them not the update's last, failures, resets,
/// forces, time jumps of every size) against both family strategies. After every step the
/// invariants of the module hold.
#[test]
fn random_inputs_keep_the_invariants() {
    let codes: [&[Code]; 11] = [
        &[Code::Good, Code::Good],
        &[Code::Nochg, Code::Nochg],
        &[Code::Good, Code::NoHost],
        &[Code::Badauth],
        &[Code::Outage],
        &[Code::Wait(Duration::from_secs(30))],
        &[Code::Unknown(String::new())],
        &[Code::Unknown("x".into())],
        &[Code::Refused127],
        &[Code::Abuse, Code::Good],
        &[
            Code::Mismatch(vec!["198.51.100.9".parse().expect("ip")]),
            Code::Good,
        ],
    ];
    let a4 = ["203.0.113.5", "203.0.113.6"];
    let a6 = ["2001:db8::5", "2001:db8::6"];
    let steps = [0u64, 0, 1, 2, 5, 31, 61, 62, 700, 1801, 3602, 90_000];
    let (mut sends_seen, mut proceeds_seen) = (0, 0);
    for (mode, seed0) in [("separate", 1u64), ("combined", 2)] {
        let p = policy(&format!(
            "stable_for = \"2s\"\nipv6 = true\nipv6_mode = \"{mode}\""
        ));
        for seq in 0..150u64 {
            let mut rng = Rng((seed0 << 32) ^ (seq + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let mut m = machine(p.clone(), PolicyRecord::default(), t(0));
            let mut ms = 0u64;
            let mut forced = false;
            // The hosts the update in flight still carries, and what it publishes.
            let mut wanted: Vec<String> = Vec::new();
            let mut sent = AddrSet::default();
            for step in 0..250 {
                ms += rng.pick(&steps) * 1000 + rng.next() % 1000;
                let now = tms(ms);
                let in_flight = match m.state() {
                    State::Updating(r) => Some(r.id),
                    _ => None,
                };
                let hosts: Vec<&str> = wanted.iter().map(String::as_str).collect();
                let input = match (m.state(), rng.next() % 10) {
                    (State::Resolving, 0..=4) => Input::Resolved(Ok(())),
                    (State::Updating(r), 0..=4) if rng.next().is_multiple_of(8) => Input::Failed {
                        id: r.id,
                        error: NetError::Timeout("x".into()),
                        pending: Pending {
                            hosts: wanted.clone(),
                            sent,
                        },
                    },
                    (State::Updating(r), 0..=4) => Input::Answered {
                        id: r.id,
                        answers: answers_to(&hosts, sent, rng.pick::<&[Code]>(&codes)),
                        last: !rng.next().is_multiple_of(3),
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
                    (State::Updating(r), 9) => Input::Withdrawn {
                        id: r.id,
                        why: "x".into(),
                    },
                    (_, 4) => Input::Resolved(Err(NetError::Timeout("x".into()))),
                    (_, 5) => answered_both(rng.next() % 4, &[Code::Good]),
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
                let (answers_in_flight, may_go_on) = match &input {
                    Input::Answered { id, last, .. } if Some(*id) == in_flight => (true, !last),
                    Input::Failed { id, .. } if Some(*id) == in_flight => (true, false),
                    _ => (false, false),
                };
                if matches!(input, Input::Force) {
                    forced = true;
                }
                let withdrawn = matches!(input, Input::Withdrawn { .. });
                let a = m.handle(now, input);
                if withdrawn {
                    // 0: a withdrawn update leaves no trace in the record.
                    assert_eq!(m.persisted(), &before, "{what}");
                }
                let s = sends(&a);
                let next = proceeds(&a);
                sends_seen += s.len();
                proceeds_seen += next.iter().filter(|(_, k)| !k.is_empty()).count();
                // The hosts an update (or its next step) carries may be sent.
                let may_send = |h: &str| {
                    let blocked_now = m.persisted().hosts.get(h).is_some_and(|x| {
                        x.stop.is_some() || x.hold_until.is_some_and(|u| u + 1 > now.wall)
                    }) || m.persisted().stop.is_some()
                        || m.verdicts().iter().any(|v| v.in_force(now.wall));
                    !blocked_now
                };
                // 1: at most one update, only with the state updating, for the id in
                // flight; its next step only after one of its answers that were not the
                // last.
                assert!(s.len() <= 1 && next.len() <= 1, "{what}: {a:?}");
                if let Some((id, update)) = s.first() {
                    let State::Updating(r) = m.state() else {
                        panic!("{what}: an update outside updating: {:?}", m.state());
                    };
                    assert_eq!(r.id, *id, "{what}");
                    assert!(
                        r.expected.keys().eq(update.hosts()),
                        "{what}: {r:?} {update:?}"
                    );
                    assert!(
                        in_flight.is_none() || answers_in_flight,
                        "{what}: an update while {in_flight:?} was in flight"
                    );
                    for h in update.hosts() {
                        // 4: the hosts it carries may be sent, and were due.
                        assert!(may_send(h), "{what}: {h} is stopped or held");
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
                    wanted = update.hosts().map(String::from).collect();
                    sent = update.targets[0].addrs;
                }
                if let Some((id, keep)) = next.first() {
                    assert!(may_go_on, "{what}: a next step unasked: {a:?}");
                    assert_eq!(Some(*id), in_flight, "{what}");
                    for h in keep {
                        assert!(may_send(h), "{what}: {h} goes on stopped or held");
                    }
                    let going_on = matches!(m.state(), State::Updating(r) if r.id == *id);
                    assert_eq!(going_on, !keep.is_empty(), "{what}: {:?}", m.state());
                    wanted = keep.clone();
                } else {
                    assert!(
                        !may_go_on,
                        "{what}: answers that were not the last, no word"
                    );
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
        sends_seen > 1000 && proceeds_seen > 100,
        "the sequences reach updating and go on: {sends_seen} {proceeds_seen}"
    );
}

/// A policy at `server` with user `user`, publishing from eth0 at once.
fn at(name: &str, server: &str, user: &str) -> Arc<Policy> {
    Arc::new(crate::config::test_policy(&format!(
        "[[policy]]\nname = \"{name}\"\nserver = \"{server}\"\nusername = \"{user}\"\npassword = \"pw\"\nhosts = [\"{name}.example.org\"]\ninterface = \"eth0\"\nstable_for = \"0s\"\n"
    )))
}

/// Machines sharing one list of verdicts, passed on as the drivers do.
struct Shared {
    machines: Vec<Machine>,
    verdicts: Vec<Verdict>,
}

impl Shared {
    fn new(policies: &[Arc<Policy>]) -> Shared {
        let machines = policies
            .iter()
            .map(|p| machine(p.clone(), PolicyRecord::default(), t(0)))
            .collect();
        Shared {
            machines,
            verdicts: Vec::new(),
        }
    }

    /// Feeds machine `i`, carries out its verdict actions on the shared list, and passes the
    /// list on to every machine it binds.
    fn feed(&mut self, i: usize, now: Now, input: Input) -> Vec<Action> {
        let a = self.machines[i].handle(now, input);
        for x in &a {
            match x {
                Action::Verdict(v) => add_verdict(&mut self.verdicts, v.clone()),
                Action::Lift { server, user, what } => {
                    lift_verdicts(&mut self.verdicts, server, user, *what);
                }
                _ => {}
            }
        }
        for j in 0..self.machines.len() {
            let binding = plan::binding(&self.verdicts, self.machines[j].policy());
            if j != i {
                self.machines[j].handle(now, Input::Verdicts(binding));
            }
        }
        a
    }

    /// Machine `i` gets `addr`, asks for an update, and the provider answers `codes`.
    fn answer(&mut self, i: usize, now: Now, addr: &str, codes: &[Code]) {
        let a = self.feed(i, now, addrs(addr));
        assert!(a.contains(&Action::Resolve), "#{i}: {a:?}");
        let s = sends(&self.feed(i, now, Input::Resolved(Ok(()))));
        self.feed(i, now, answered(s[0].0, &s[0].1, codes));
    }
}

/// A verdict on the client binds every policy at that server, whichever account, and none
/// elsewhere; an account's binds that account only; a provider's outage holds every policy at
/// the server until it ends; a reset of any policy it binds lifts it for all.
#[test]
fn verdicts_bind_every_policy_of_the_server_or_account() {
    let s1 = "https://dyn.example.net/nic/update";
    let ps = [
        at("a", s1, "alice"),
        at("b", s1, "bob"),
        at("c", "https://other.example.net/nic/update", "alice"),
        at("d", s1, "alice"),
    ];
    // badagent to a: b (another account at the same server) and d stop too; c goes on.
    let mut sh = Shared::new(&ps);
    sh.answer(0, t(0), "203.0.113.5", &[Code::BadAgent]);
    assert_eq!(sh.verdicts.len(), 1);
    assert_eq!(
        sh.verdicts[0].server.as_str(),
        "https://dyn.example.net:443"
    );
    assert_eq!(sh.verdicts[0].by, "a");
    for i in [1, 3] {
        let a = sh.feed(i, t(10), addrs("203.0.113.6"));
        assert!(!a.contains(&Action::Resolve), "#{i}: {a:?}");
        assert_eq!(sh.machines[i].state().name(), "invalid");
        let st = sh.machines[i].status(t(10));
        let stop = st.stop.expect("the verdict shows");
        assert_eq!(
            (stop.code.as_str(), stop.by.as_deref()),
            ("badagent", Some("a"))
        );
        assert!(
            stop.scope
                .contains("every policy at https://dyn.example.net:443"),
            "{stop:?}"
        );
    }
    assert!(
        sh.feed(2, t(10), addrs("203.0.113.6"))
            .contains(&Action::Resolve)
    );
    // A reset of b lifts it for everyone at the server.
    let a = sh.feed(1, t(20), Input::Reset { host: None });
    assert!(a.contains(&Action::Resolve), "{a:?}");
    assert!(sh.verdicts.is_empty());
    assert_eq!(
        sh.machines[3].state().name(),
        "resolving",
        "d sends what it could not before"
    );

    // badauth for alice at s1: d (alice) stops, b (bob) does not.
    let mut sh = Shared::new(&ps);
    sh.answer(0, t(0), "203.0.113.5", &[Code::Badauth]);
    assert_eq!(sh.verdicts[0].user.as_deref(), Some("alice"));
    assert!(
        !sh.feed(3, t(10), addrs("203.0.113.6"))
            .contains(&Action::Resolve)
    );
    assert_eq!(sh.machines[3].state().name(), "invalid");
    assert!(
        sh.feed(1, t(10), addrs("203.0.113.6"))
            .contains(&Action::Resolve)
    );

    // 911 to a: b holds until the hold ends, one second after its recorded end.
    let mut sh = Shared::new(&ps);
    sh.answer(0, t(0), "203.0.113.5", &[Code::Outage]);
    assert!(
        !sh.feed(1, t(100), addrs("203.0.113.6"))
            .contains(&Action::Resolve)
    );
    assert_eq!(
        sh.machines[1].next_deadline(),
        Some(Duration::from_secs(1801))
    );
    let hold = sh.machines[1].status(t(100)).hold.expect("the hold shows");
    assert_eq!((hold.code.as_str(), hold.by.as_deref()), ("911", Some("a")));
    assert!(!sh.feed(1, t(1800), Input::Tick).contains(&Action::Resolve));
    assert!(sh.feed(1, t(1801), Input::Tick).contains(&Action::Resolve));
}

/// A changed config lifts the stops that bind the policy (the user acted), for every policy
/// they bind; holds stay.
#[test]
fn config_change_lifts_verdict_stops() {
    let p = at("a", "https://dyn.example.net/nic/update", "alice");
    let stop = Verdict {
        server: p.server_key(),
        user: Some("alice".into()),
        code: Code::Badauth,
        reason: "r".into(),
        since: WALL0 - 60,
        until: None,
        by: "b".into(),
    };
    let hold = Verdict {
        until: Some(WALL0 + 600),
        user: None,
        code: Code::Outage,
        ..stop.clone()
    };
    let mut rec = PolicyRecord {
        fingerprint: "k2:older".into(),
        account: p.account(),
        ..PolicyRecord::default()
    };
    let mut m = Machine::new(
        p.clone(),
        rec.clone(),
        vec![stop.clone(), hold.clone()],
        &key(),
        t(0),
        Readings::Stream,
    );
    let a = m.drain();
    assert!(
        a.iter().any(|x| matches!(
            x,
            Action::Lift {
                what: Lift::Stops,
                ..
            }
        )),
        "{a:?}"
    );
    assert_eq!(m.verdicts(), std::slice::from_ref(&hold));
    // The same config: nothing lifted.
    rec.fingerprint = p.fingerprint(&key());
    let mut m = Machine::new(p, rec, vec![stop], &key(), t(0), Readings::Stream);
    assert!(!m.drain().iter().any(|x| matches!(x, Action::Lift { .. })));
    assert_eq!(m.state().name(), "invalid");
}

/// One reply that asks for `w10s` for one host and `w7s` for the other holds the server
/// (this policy and every other there) until the later end.
#[test]
fn the_longer_wait_of_one_reply_holds() {
    let s1 = "https://dyn.example.net/nic/update";
    let two = Arc::new(crate::config::test_policy(&format!(
        "[[policy]]\nname = \"a\"\nserver = \"{s1}\"\nusername = \"alice\"\npassword = \"pw\"\nhosts = [\"a.example.org\", \"b.example.org\"]\ninterface = \"eth0\"\nstable_for = \"0s\"\nmin_interval = \"0s\"\n"
    )));
    let mut sh = Shared::new(&[two, at("b", s1, "bob")]);
    sh.answer(
        0,
        t(0),
        "203.0.113.5",
        &[
            Code::Wait(Duration::from_secs(10)),
            Code::Wait(Duration::from_secs(7)),
        ],
    );
    for i in [0, 1] {
        let a = sh.feed(i, t(8), addrs("203.0.113.6"));
        assert!(!a.contains(&Action::Resolve), "#{i} at 8 s: {a:?}");
    }
    assert!(!sh.feed(1, t(10), Input::Tick).contains(&Action::Resolve));
    assert!(sh.feed(1, t(11), Input::Tick).contains(&Action::Resolve));
}

/// A rate limit asking for 61 s (an HTTP 429 with `Retry-After: 61`) holds the server,
/// this policy and every other there, for 61 s: no request before, one after.
#[test]
fn a_rate_limit_holds_the_server_for_its_retry_after() {
    let s1 = "https://dyn.example.net/nic/update";
    let mut sh = Shared::new(&[at("a", s1, "alice"), at("b", s1, "bob")]);
    sh.answer(
        0,
        t(0),
        "203.0.113.5",
        &[Code::RateLimited(Duration::from_secs(61))],
    );
    for i in [0, 1] {
        let a = sh.feed(i, t(30), addrs("203.0.113.6"));
        assert!(!a.contains(&Action::Resolve), "#{i} at 30 s: {a:?}");
    }
    assert!(!sh.feed(1, t(60), Input::Tick).contains(&Action::Resolve));
    assert!(sh.feed(1, t(62), Input::Tick).contains(&Action::Resolve));
}

/// The checks at the zone's servers asked for.
fn verifies(a: &[Action]) -> Vec<(Vec<Ask>, bool)> {
    a.iter()
        .filter_map(|x| match x {
            Action::Verify { asks, periodic } => Some((asks.clone(), *periodic)),
            _ => None,
        })
        .collect()
}

fn found(host: &str, want: AddrSet, served: Option<bool>, elsewhere: Option<&str>) -> Found {
    Found {
        host: host.into(),
        want,
        published: crate::protocol::dns::served::Published {
            at: WALL0 + 10,
            served,
            words: match served {
                Some(true) => "served by ns1 after 0.4 s".into(),
                Some(false) => "not served after 5 min: ns1 still has 198.51.100.9".into(),
                None => "not known: no authoritative server answered".into(),
            },
        },
        elsewhere: elsewhere.map(|e| crate::protocol::dns::served::Moved {
            v4: Some(Some(e.parse().expect("v4"))),
            v6: None,
        }),
    }
}

/// A `good` asks for a check of each host it changed, with `verify_for`; what the check
/// finds is kept and said; a host not served runs the error hook once, as `not-served`;
/// a check of an address no longer on record is dropped.
#[test]
fn a_good_update_is_checked_at_the_zones_servers() {
    let mut m = fresh();
    m.handle(t(0), addrs("203.0.113.5"));
    let a = m.handle(t(0), Input::Resolved(Ok(())));
    let (id, u) = sends(&a).remove(0);
    let a = m.handle(t(0), answered(id, &u, &[Code::Good, Code::Nochg]));
    let v = verifies(&a);
    assert_eq!(v.len(), 1, "{a:?}");
    let (asks, periodic) = &v[0];
    assert!(!periodic);
    assert_eq!(
        asks,
        &vec![Ask {
            host: "a.example.org".into(),
            want: v4("203.0.113.5"),
            zone: None,
            limit: Duration::from_secs(300),
            behind_proxy: false,
        }],
        "only the host the answer changed"
    );

    let served = found("a.example.org", v4("203.0.113.5"), Some(true), None);
    let a = m.handle(
        t(1),
        Input::Checked {
            found: served.clone(),
            periodic: false,
        },
    );
    assert!(
        logged(&a, "a.example.org: served by ns1 after 0.4 s"),
        "{a:?}"
    );
    assert!(a.contains(&Action::Persist));
    assert!(!a.iter().any(|x| matches!(x, Action::Hook(_))));
    assert_eq!(
        m.persisted().hosts["a.example.org"].published,
        Some(served.published.clone())
    );
    assert_eq!(
        m.status(t(1)).hosts[0]
            .published
            .as_ref()
            .map(|p| p.words.as_str()),
        Some("served by ns1 after 0.4 s")
    );

    let not = found(
        "a.example.org",
        v4("203.0.113.5"),
        Some(false),
        Some("198.51.100.9"),
    );
    let a = m.handle(
        t(2),
        Input::Checked {
            found: not,
            periodic: false,
        },
    );
    let hooks: Vec<&HookEvent> = a
        .iter()
        .filter_map(|x| match x {
            Action::Hook(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(hooks.len(), 1, "{a:?}");
    assert_eq!(hooks[0].kind, HookKind::NotServed);
    assert_eq!(hooks[0].hosts, vec!["a.example.org".to_string()]);
    assert!(hooks[0].message.contains("ns1 still has 198.51.100.9"));
    // After an update the check only reports: nothing is sent again.
    assert!(
        sends(&a).is_empty() && !a.contains(&Action::Resolve),
        "{a:?}"
    );

    let old = found(
        "a.example.org",
        v4("198.51.100.1"),
        Some(false),
        Some("198.51.100.9"),
    );
    let a = m.handle(
        t(3),
        Input::Checked {
            found: old,
            periodic: true,
        },
    );
    assert!(
        a.iter()
            .all(|x| !matches!(x, Action::Report(_) | Action::Hook(_))),
        "{a:?}"
    );
}

/// `verify_for = "0s"` asks no check; without `verify_every` there is no check timer, so an
/// idle machine keeps no deadline but its refresh.
#[test]
fn no_check_when_turned_off_and_no_timer_without_verify_every() {
    let mut m = machine(
        policy("stable_for = \"0s\"\nverify_for = \"0s\"\n"),
        PolicyRecord::default(),
        t(0),
    );
    m.handle(t(0), addrs("203.0.113.5"));
    let a = m.handle(t(0), Input::Resolved(Ok(())));
    let (id, u) = sends(&a).remove(0);
    let a = m.handle(t(0), answered(id, &u, &[Code::Good, Code::Good]));
    assert!(verifies(&a).is_empty(), "{a:?}");
    assert_eq!(
        m.next_deadline(),
        Some(Duration::from_secs(25 * 86400)),
        "the refresh only"
    );
}

/// `verify_every` checks every host on record, periodically, without a limit; a record
/// that no server serves, with another address there, is repaired: the record learns what
/// is served and the planner sends the address again, as a change (no nochg expected). A
/// host served by some server and not by another is only reported.
#[test]
fn a_periodic_check_repairs_a_record_changed_elsewhere() {
    let mut m = machine(
        policy("verify_every = \"10m\"\n"),
        recorded("203.0.113.5", WALL0),
        t(0),
    );
    m.handle(t(0), addrs("203.0.113.5"));
    m.handle(t(2), Input::Tick);
    assert_eq!(m.state().name(), "sleeping");
    assert_eq!(m.next_deadline(), Some(Duration::from_secs(600)));
    assert!(verifies(&m.handle(t(599), Input::Tick)).is_empty());
    let a = m.handle(t(600), Input::Tick);
    let v = verifies(&a);
    assert_eq!(v.len(), 1, "{a:?}");
    assert!(v[0].1, "periodic");
    assert_eq!(v[0].0.len(), 2);
    assert!(v[0].0.iter().all(|a| a.limit.is_zero()));
    assert_eq!(m.next_deadline(), Some(Duration::from_secs(1200)));

    // Mixed: ns1 serves it, ns2 does not: reported, not sent.
    let mixed = found("b.example.org", v4("203.0.113.5"), Some(false), None);
    let a = m.handle(
        t(601),
        Input::Checked {
            found: mixed.clone(),
            periodic: true,
        },
    );
    assert!(
        sends(&a).is_empty() && !a.contains(&Action::Resolve),
        "{a:?}"
    );
    assert!(logged(&a, "b.example.org: not served"), "{a:?}");
    // The same finding again is no news: no log line, no write, no hook.
    let a = m.handle(
        t(602),
        Input::Checked {
            found: mixed,
            periodic: true,
        },
    );
    assert!(
        a.iter()
            .all(|x| !matches!(x, Action::Report(_) | Action::Persist | Action::Hook(_))),
        "{a:?}"
    );

    // Changed elsewhere: one update of that host, as a change.
    let moved = found(
        "a.example.org",
        v4("203.0.113.5"),
        Some(false),
        Some("198.51.100.9"),
    );
    let a = m.handle(
        t(603),
        Input::Checked {
            found: moved,
            periodic: true,
        },
    );
    assert!(
        logged(
            &a,
            "the record was changed outside dynward; 203.0.113.5 is sent again"
        ),
        "{a:?}"
    );
    assert!(a.contains(&Action::Resolve), "{a:?}");
    let a = m.handle(t(603), Input::Resolved(Ok(())));
    let s = sends(&a);
    assert_eq!(s.len(), 1, "{a:?}");
    assert_eq!(hosts(&s[0].1), ["a.example.org"]);
    assert!(publishes(&s[0].1, v4("203.0.113.5")));
    assert!(!s[0].1.targets[0].nochg_expected, "{:?}", s[0].1);
}

/// A record the DNS cannot show (proxied at Cloudflare, as the API said) is not looked up:
/// its check takes the API's content, which the update read, and says why.
#[test]
fn a_proxied_record_is_checked_by_its_api_content() {
    let mut m = fresh();
    m.handle(t(0), addrs("203.0.113.5"));
    let a = m.handle(t(0), Input::Resolved(Ok(())));
    let (id, _) = sends(&a).remove(0);
    let mut answers = answers_to(
        &["a.example.org", "b.example.org"],
        v4("203.0.113.5"),
        &[Code::Good, Code::Good],
    );
    answers.hidden = vec!["b.example.org".into()];
    let a = m.handle(
        t(0),
        Input::Answered {
            id,
            answers,
            last: true,
        },
    );
    let asks = verifies(&a).remove(0).0;
    assert_eq!(
        asks.iter()
            .map(|a| (a.host.as_str(), a.behind_proxy))
            .collect::<Vec<_>>(),
        [("a.example.org", false), ("b.example.org", true)]
    );
    let f = crate::protocol::dns::served::behind_proxy(&asks[1], WALL0);
    assert_eq!(f.published.served, Some(true));
    assert_eq!(
        f.published.words,
        "proxied at Cloudflare: the DNS serves the proxy's addresses, not the record; the API's record has 203.0.113.5"
    );
    // Kept across runs: a periodic check or `once --verify` asks no DNS for it either.
    assert!(m.persisted().hosts["b.example.org"].behind_proxy);
    let a = m.handle(t(5), Input::VerifyNow);
    let asks = verifies(&a).remove(0).0;
    assert!(asks[1].behind_proxy && !asks[0].behind_proxy);
}

/// Where each family is its own request, a repair sends only the family someone else moved:
/// the other one is still served, and sending it would be a `nochg`.
#[test]
fn a_repair_sends_only_the_family_that_moved() {
    let p = Arc::new(crate::config::test_policy(
        "[[policy]]\nname = \"home\"\nprovider = \"nsupdate.info\"\npassword = \"pw\"\nhosts = [\"a.example.org\"]\ninterface = \"eth0\"\nipv6 = true\nstable_for = \"0s\"\nverify_every = \"1h\"\n",
    ));
    assert!(p.families_apart());
    let both = AddrSet {
        v4: Some("203.0.113.5".parse().expect("v4")),
        v6: Some("2001:db8::5".parse().expect("v6")),
    };
    let mut record = PolicyRecord::default();
    record.hosts.insert(
        "a.example.org".into(),
        Box::new(HostRecord {
            v4: Some(Accepted {
                addr: both.v4.expect("v4"),
                at: WALL0,
            }),
            v6: Some(Accepted {
                addr: both.v6.expect("v6"),
                at: WALL0,
            }),
            last_sent_at: Some(WALL0),
            ..HostRecord::default()
        }),
    );
    let mut m = machine(p, record, t(0));
    m.handle(
        t(0),
        Input::Addresses {
            addrs: both,
            reason: None,
        },
    );
    assert_eq!(m.state().name(), "sleeping");
    let a = m.handle(t(3600), Input::Tick);
    assert_eq!(verifies(&a).len(), 1, "{a:?}");
    let mut moved = found("a.example.org", both, Some(false), Some("198.51.100.9"));
    moved.published.words = "not served after 0.0 s: ns1 still has 198.51.100.9".into();
    let a = m.handle(
        t(3601),
        Input::Checked {
            found: moved,
            periodic: true,
        },
    );
    assert!(a.contains(&Action::Resolve), "{a:?}");
    let a = m.handle(t(3601), Input::Resolved(Ok(())));
    let s = sends(&a);
    assert_eq!(s.len(), 1, "{a:?}");
    assert!(
        publishes(&s[0].1, v4("203.0.113.5")),
        "only IPv4: {:?}",
        s[0].1
    );
}
