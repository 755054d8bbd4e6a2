//! Wall-clock steps on the real daemon (root: a network namespace gives real netlink events
//! that make every policy re-decide). The daemon's clock is set through libfaketime, which
//! moves `CLOCK_REALTIME` only: the monotonic clock, and so every timer, runs on.

use crate::util;

use std::path::{Path, PathBuf};

use dynward::clock::unix_now;
use util::{DaemonProc, FakeServer, Netns, Script, Setup, wait_for};

fn faketime_lib() -> Option<PathBuf> {
    let dir = Path::new("/usr/lib");
    std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
        let p = e.path().join("faketime/libfaketime.so.1");
        p.exists().then_some(p)
    })
}

/// The daemon's clock, as an offset from the real one in libfaketime's syntax.
struct FakeClock {
    file: PathBuf,
    lib: PathBuf,
}

impl FakeClock {
    /// Sets the daemon's clock to `secs` seconds from the real one (read at its next call).
    fn set_offset(&self, secs: i64) {
        std::fs::write(&self.file, format!("{secs:+}\n")).expect("faketime file");
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("LD_PRELOAD", self.lib.display().to_string()),
            ("FAKETIME_TIMESTAMP_FILE", self.file.display().to_string()),
            ("FAKETIME_NO_CACHE", "1".into()),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1".into()),
        ]
    }
}

/// The end of the hold on the policy's server (an outage holds every policy there).
fn hold_until(s: &Setup, policy: &str) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_str(&s.state()).ok()?;
    let account = v["policies"][policy]["account"].as_str()?;
    let server = account.split(' ').next()?;
    v["verdicts"]
        .as_array()?
        .iter()
        .find(|x| x["server"] == server)?["until"]
        .as_u64()
}

fn accepted_at(s: &Setup, policy: &str, host: &str) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_str(&s.state()).ok()?;
    v["policies"][policy]["hosts"][host]["v4"]["at"].as_u64()
}

/// A router boots with its clock in 1970: one policy is accepted, the other gets `911` (a
/// 30-minute hold), both recorded in 1970. Then:
/// 1. a restart once NTP has set the clock: no refresh burst, no retry inside the hold;
/// 2. the clock stepped forward 3 hours while running: still nothing, the hold moves along;
/// 3. stepped back 5 hours: still nothing, and the hold does not grow by 5 hours.
///
/// After each step an address appears on another interface, so every policy re-decides.
#[test]
#[ignore = "needs root (network namespaces) and libfaketime: scripts/test runs it when both are there"]
fn clock_steps_cause_no_burst_and_skip_no_hold() {
    util::require_root("clock_steps_cause_no_burst_and_skip_no_hold");
    let Some(lib) = faketime_lib() else {
        panic!("libfaketime is missing: apt-get install libfaketime (.ci/run does)");
    };
    let ns = Netns::new("k");
    let ok = FakeServer::http_on("198.51.100.1:0");
    let held = FakeServer::http_on("198.51.100.1:0");
    held.script((0..10).map(|_| Script::Reply(200, "911".into())));
    let policy = |name: &str, srv: &FakeServer| {
        format!(
            "[[policy]]\nname = \"{name}\"\nserver = \"{}\"\nallow_insecure_http = true\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"{name}.example.org\"]\ninterface = \"{}\"\nstable_for = \"0s\"\nmin_interval = \"0s\"\nmax_interval = \"1d\"\ntimeout = \"3s\"\n",
            srv.url(),
            ns.inner
        )
    };
    let s = Setup::new(&format!(
        "state_dir = \"{{state}}\"\n{}{}",
        policy("ok", &ok),
        policy("held", &held)
    ));
    let clock = FakeClock {
        file: s.state_dir().with_extension("faketime"),
        lib,
    };
    let env = clock.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let boot = 600i64;
    let real = unix_now() as i64;
    clock.set_offset(boot - real);

    // In 1970.
    let mut d = DaemonProc::start_env(&s.config(), Some(&ns.name), &env);
    assert!(
        wait_for(10, || ok.requests().len() == 1
            && held.requests().len() == 1),
        "{}",
        d.log()
    );
    assert!(
        wait_for(5, || hold_until(&s, "held").is_some()
            && accepted_at(&s, "ok", "ok.example.org").is_some()),
        "{}",
        s.state()
    );
    let hold_1970 = hold_until(&s, "held").expect("hold");
    assert!(
        (1800..4000).contains(&hold_1970),
        "recorded in 1970: {hold_1970}"
    );
    d.stop();

    let nudge = |n: u8| {
        ns.exec(&["ip", "addr", "add", &format!("192.0.2.{n}/32"), "dev", "lo"]);
    };
    // Both policies sleeping: each has taken the clock as it is now and decided; a burst or
    // a skipped hold would have them resolving or updating instead.
    let quiet = |d: &DaemonProc, what: &str| {
        assert!(
            wait_for(10, || {
                let r = s.run(&["status", "--json"]);
                let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
                v["policies"]
                    .as_array()
                    .is_some_and(|ps| ps.len() == 2 && ps.iter().all(|p| p["state"] == "sleeping"))
            }),
            "{what}: not settled\n{}",
            d.log()
        );
        assert_eq!(ok.requests().len(), 1, "{what}: refresh burst\n{}", d.log());
        assert_eq!(
            held.requests().len(),
            1,
            "{what}: hold skipped\n{}",
            d.log()
        );
    };

    // 1. NTP has set the clock; the daemon starts again.
    clock.set_offset(0);
    let t0 = unix_now();
    let d = DaemonProc::start_env(&s.config(), Some(&ns.name), &env);
    d.expect_log(10, "predate the clock being set");
    nudge(1);
    quiet(&d, "restart after the clock was set");
    let hold = hold_until(&s, "held").expect("hold");
    let accepted = accepted_at(&s, "ok", "ok.example.org").expect("accepted");
    assert!(
        hold >= t0 + 1700 && hold <= unix_now() + 1800,
        "hold {hold}, now {t0}: kept with its length"
    );
    assert!(accepted >= t0, "accepted {accepted} counts from now {t0}");

    // 2. Three hours forward while running.
    clock.set_offset(3 * 3600);
    nudge(2);
    d.expect_log(5, "wall clock was set forward 3h");
    quiet(&d, "step forward");
    assert!(
        wait_for(5, || hold_until(&s, "held")
            .is_some_and(|h| h.abs_diff(hold + 3 * 3600) <= 2)),
        "hold {:?}, expected {}",
        hold_until(&s, "held"),
        hold + 3 * 3600
    );

    // 3. Five hours back.
    clock.set_offset(-2 * 3600);
    nudge(3);
    d.expect_log(5, "wall clock was set back 5h");
    quiet(&d, "step back");
    assert!(
        wait_for(5, || hold_until(&s, "held")
            .is_some_and(|h| h.abs_diff(hold - 2 * 3600) <= 2)),
        "hold {:?}, expected {}",
        hold_until(&s, "held"),
        hold - 2 * 3600
    );
    let _ = std::fs::remove_file(&clock.file);
}
