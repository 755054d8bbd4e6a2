//! An upgrade keeps every stop and hold: state directories written by earlier dynwards
//! (tests/fixtures/upgrade-*, their READMEs say how), read with this one under the same
//! config.

use crate::util;

use util::{FakeServer, Setup};

/// Written by the last commit before the protocol seam.
const MAIN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/upgrade-c4c160d"
);

/// Written by version 0.1.0 (unkeyed fingerprints, no `fingerprint.key`, a hold only on the
/// host, an account's refusal as the policy's stop).
const V010: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/upgrade-0.1.0-7c8d719"
);

/// A fixture's config and state, copied into a scratch directory.
fn setup(fixture: &str) -> Setup {
    let config = std::fs::read_to_string(format!("{fixture}/dynward.toml")).expect("config");
    let s = Setup::new(&config.replace("state_dir = \"state\"", "state_dir = \"{state}\""));
    std::fs::create_dir_all(s.state_dir()).expect("state dir");
    for f in ["state.json", "fingerprint.key"] {
        let from = format!("{fixture}/state/{f}");
        if std::path::Path::new(&from).exists() {
            std::fs::copy(from, s.state_dir().join(f)).expect("copy");
        }
    }
    s
}

/// `status` without a daemon shows every stop and hold the old file records, with whose
/// answer it was, and what the provider has.
#[test]
fn status_shows_every_stop_and_hold_of_the_old_state_file() {
    let s = setup(MAIN);
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
    let s = setup(MAIN);
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

/// Version 0.1.0's file: `status` shows its stops (a host's, and the policy's for a refused
/// account) and its holds, and a pass after the upgrade sends nothing but the check-IP
/// question, takes the records over under keyed fingerprints and keeps every stop and hold.
#[test]
fn a_state_file_of_version_0_1_0_keeps_its_stops_and_holds() {
    let s = setup(V010);
    let r = s.run(&["status"]);
    assert_eq!(r.code, 1, "stops need the user: {}", r.all());
    for want in [
        "b.example.org: nohost at",
        "stopped by nohost since",
        "refused: not running: stopped: the provider rejected the user name or password (badauth)",
        "stopped by badauth since",
        "the provider asked to wait (w315360000s) until 2036",
        "dynward waits after the provider's error (unknown) until 2036",
        "the provider has 203.0.113.5 since",
    ] {
        assert!(r.stdout.contains(want), "missing {want:?}:\n{}", r.all());
    }
    assert!(!r.stdout.contains("config changed"), "{}", r.all());

    // The fixture's config names this check-IP service; the update servers are gone.
    let check_ip = FakeServer::http_on("127.0.0.1:18085");
    check_ip.reply("203.0.113.5\n");
    let run = s.run(&["once"]);
    assert!(
        !run.all().contains("connection refused") && !run.all().contains("due ("),
        "nothing is due after the upgrade:\n{}",
        run.all()
    );
    for want in [
        "a.example.org: up-to-date",
        "b.example.org: stopped since",
        "w.example.org: not sent: the provider asked to wait (w315360000s)",
        "x.example.org: stopped since",
        "o2.example.org: not sent: dynward waits after the provider's error (unknown)",
    ] {
        assert!(
            run.stdout.contains(want),
            "missing {want:?}:\n{}",
            run.all()
        );
    }
    let state: serde_json::Value = serde_json::from_str(&s.state()).expect("state json");
    let policy = |p: &str| state["policies"][p].clone();
    for p in ["home", "waits", "refused", "odd"] {
        let fp = policy(p)["fingerprint"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(fp.starts_with("k2:"), "{p}'s record taken over: {fp}");
    }
    assert_eq!(policy("refused")["stop"]["code"], "badauth", "{state}");
    let host = |p: &str, h: &str| policy(p)["hosts"][h].clone();
    assert_eq!(host("home", "b.example.org")["stop"]["code"], "nohost");
    assert_eq!(host("waits", "w.example.org")["hold_code"], "w315360000s");
    assert_eq!(
        host("waits", "w.example.org")["hold_until"],
        2_111_865_099u64
    );
    assert_eq!(host("odd", "o2.example.org")["hold_code"], "unknown");
    assert_eq!(
        host("odd", "o2.example.org")["hold_until"],
        2_111_865_099u64
    );
}

/// A lost `fingerprint.key` clears nothing, not even on the run after the one that made a
/// new key: the first run writes the records under the new key although it sends nothing.
#[test]
fn a_lost_key_keeps_the_stops_on_every_later_run() {
    let s = setup(MAIN);
    std::fs::remove_file(s.state_dir().join("fingerprint.key")).expect("lose the key");
    for run in ["first", "second"] {
        let r = s.run(&["once"]);
        for want in [
            "b.example.org: stopped since",
            "w.example.org: not sent: the provider asked to wait (w315360000s)",
            "x.example.org: stopped since",
        ] {
            assert!(
                r.stdout.contains(want),
                "{run} run: missing {want:?}:\n{}",
                r.all()
            );
        }
        assert!(
            !r.all().contains("due (") && !r.all().contains("config changed"),
            "{run} run sends nothing:\n{}",
            r.all()
        );
    }
}
