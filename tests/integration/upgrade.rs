//! An upgrade keeps every stop and hold: a state directory written by an earlier dynward
//! (tests/fixtures/upgrade-c4c160d, its README says how), read with this one under the same
//! config.

use crate::util;

use util::Setup;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/upgrade-c4c160d"
);

/// The fixture's config and state, copied into a scratch directory.
fn setup() -> Setup {
    let config = std::fs::read_to_string(format!("{FIXTURE}/dynward.toml")).expect("config");
    let s = Setup::new(&config.replace("state_dir = \"state\"", "state_dir = \"{state}\""));
    std::fs::create_dir_all(s.state_dir()).expect("state dir");
    for f in ["state.json", "fingerprint.key"] {
        std::fs::copy(format!("{FIXTURE}/state/{f}"), s.state_dir().join(f)).expect("copy");
    }
    s
}

/// `status` without a daemon shows every stop and hold the old file records, with whose
/// answer it was, and what the provider has.
#[test]
fn status_shows_every_stop_and_hold_of_the_old_state_file() {
    let s = setup();
    let r = s.run(&["status"]);
    assert_eq!(r.code, 1, "stops need the user: {}", r.all());
    let out = &r.stdout;
    for want in [
        "b.example.org: nohost at",
        "stopped by nohost since",
        "stopped by badauth since",
        "(for account carol at http://127.0.0.1:18083; policy refused got it)",
        "the provider asked to wait (w315360000s) until 2036",
        "(for every policy at http://127.0.0.1:18082; policy waits got it)",
        "dynward waits after the provider's error (unknown) until 2036",
        "the provider has 203.0.113.5 since",
    ] {
        assert!(out.contains(want), "missing {want:?}:\n{}", r.all());
    }
    assert!(!out.contains("config changed"), "{}", r.all());
}

/// A pass after the upgrade sends nothing: the stopped, held and up-to-date hosts stay as
/// they are (the old servers are gone, so any request would show as a failure), and the
/// file still holds every stop and hold afterwards.
#[test]
fn once_after_the_upgrade_sends_nothing_and_keeps_the_record() {
    let s = setup();
    let dry = s.run(&["once", "--dry-run"]);
    assert!(!dry.stdout.contains("would send"), "{}", dry.all());
    for want in [
        "a.example.org: up-to-date",
        "b.example.org: stopped since",
        "w.example.org: not sent: the provider asked to wait (w315360000s)",
        "x.example.org: stopped since",
        "o1.example.org: up-to-date",
        "o2.example.org: not sent: dynward waits after the provider's error (unknown)",
    ] {
        assert!(
            dry.stdout.contains(want),
            "missing {want:?}:\n{}",
            dry.all()
        );
    }
    let r = s.run(&["once"]);
    assert!(
        !r.all().contains("connection refused") && !r.all().contains("due ("),
        "nothing is due after the upgrade:\n{}",
        r.all()
    );
    let state: serde_json::Value = serde_json::from_str(&s.state()).expect("state json");
    let host = |p: &str, h: &str| state["policies"][p]["hosts"][h].clone();
    assert_eq!(host("home", "b.example.org")["stop"]["code"], "nohost");
    assert_eq!(host("odd", "o2.example.org")["hold_code"], "unknown");
    assert_eq!(
        host("odd", "o2.example.org")["hold_until"],
        2_111_858_295u64
    );
    let codes: Vec<&str> = state["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .map(|v| v["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["w315360000s", "badauth"], "{state}");
}
