//! The service side of `dynward run`: the sd_notify protocol (READY, STATUS, WATCHDOG,
//! RELOADING, STOPPING) over a socket the test binds, and hooks run as real scripts.

// The clock rule (crate::clock only) is the library's: tests time the real binary from outside.
#![allow(clippy::disallowed_methods)]

use crate::util;

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use util::{FakeServer, Script, Setup, bin, wait_for, web_policy};

fn recv_all(sock: &UnixDatagram, for_: Duration) -> Vec<String> {
    let end = Instant::now() + for_;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    sock.set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    while Instant::now() < end {
        if let Ok(n) = sock.recv(&mut buf) {
            out.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    }
    out
}

/// READY comes after startup, STATUS tells the policy states (and the invalid one's code),
/// WATCHDOG pings at half of WATCHDOG_USEC, RELOADING/READY frame a reload, STOPPING comes
/// on SIGTERM.
#[test]
fn notify_protocol() {
    let ok = FakeServer::http();
    let bad = FakeServer::http();
    bad.script([Script::Reply(200, "badagent".into())]);
    let mut cfg = "state_dir = \"{state}\"\n".to_string();
    cfg.push_str(&web_policy(
        &ok,
        "home",
        &["home.example.org"],
        "pw",
        "stable_for = \"0s\"",
    ));
    cfg.push_str(&web_policy(
        &bad,
        "office",
        &["office.example.org"],
        "pw",
        "stable_for = \"0s\"",
    ));
    let s = Setup::new(&cfg);
    let sock_path = s.dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).expect("bind notify socket");
    let child = Command::new(bin())
        .arg("--config")
        .arg(s.config())
        .arg("run")
        .env("NOTIFY_SOCKET", &sock_path)
        .env("DYNWARD_RESOLV_CONF", util::NO_RESOLVER)
        .env("WATCHDOG_USEC", "400000")
        .env_remove("WATCHDOG_PID")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let mut child = KillOnDrop(child);
    let msgs = recv_all(&sock, Duration::from_millis(1500));
    let ready = msgs
        .iter()
        .position(|m| m.lines().any(|l| l == "READY=1"))
        .unwrap_or_else(|| panic!("READY in {msgs:?}"));
    let watchdogs = msgs.iter().filter(|m| m.contains("WATCHDOG=1")).count();
    assert!(
        watchdogs >= 4,
        "pings every 0.2 s for 1.5 s: {watchdogs} in {msgs:?}"
    );
    let statuses: Vec<&String> = msgs.iter().filter(|m| m.starts_with("STATUS=")).collect();
    assert!(statuses.len() >= 2, "status kept current: {msgs:?}");
    assert!(
        statuses
            .iter()
            .any(|m| m.trim_end() == "STATUS=1 sleeping, 1 invalid: office badagent"),
        "{statuses:?}"
    );
    assert!(
        msgs[..ready]
            .iter()
            .all(|m| !m.contains("WATCHDOG") || ready > 0)
    );

    util::sh(&["kill", "-HUP", &child.0.id().to_string()]);
    let msgs = recv_all(&sock, Duration::from_millis(500));
    let reloading = msgs
        .iter()
        .position(|m| m.contains("RELOADING=1"))
        .unwrap_or_else(|| panic!("{msgs:?}"));
    assert!(msgs[reloading].contains("MONOTONIC_USEC="), "{msgs:?}");
    assert!(
        msgs[reloading..]
            .iter()
            .any(|m| m.lines().any(|l| l == "READY=1")),
        "{msgs:?}"
    );

    util::sh(&["kill", "-TERM", &child.0.id().to_string()]);
    let msgs = recv_all(&sock, Duration::from_millis(500));
    assert!(msgs.iter().any(|m| m.contains("STOPPING=1")), "{msgs:?}");
    assert!(wait_for(5, || matches!(child.0.try_wait(), Ok(Some(_)))));
}

/// Ends the daemon (by its PID) even when an assertion fails first.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// on_change runs a real script with the DYNWARD_* variables and nothing else from the
/// daemon's environment; a hanging on_error hook is killed at its timeout and a failing one
/// is logged, and neither delays updates of other policies.
#[test]
fn hooks_run_and_never_block() {
    let ok = FakeServer::http();
    let bad = FakeServer::http();
    bad.script([Script::Reply(500, "911".into())]);
    let s = Setup::new("");
    let out = s.dir.path().join("hook.out");
    let script = s.dir.path().join("hook.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv | sort > {}\necho hook-says-hello\n",
            out.display()
        ),
    )
    .expect("write");
    let hang = s.dir.path().join("hang.sh");
    std::fs::write(&hang, "#!/bin/sh\necho started-hanging\nexec sleep 60\n").expect("write");
    for f in [&script, &hang] {
        util::sh(&["chmod", "755", &f.display().to_string()]);
    }
    let mut cfg = format!(
        "state_dir = \"{{state}}\"\nhook_timeout = \"1s\"\non_error = [\"{}\"]\n",
        hang.display()
    );
    cfg.push_str(&web_policy(
        &bad,
        "office",
        &["office.example.org"],
        "pw",
        "stable_for = \"0s\"",
    ));
    cfg.push_str(&web_policy(
        &ok,
        "home",
        &["home.example.org"],
        "pw",
        &format!(
            "stable_for = \"0s\"\non_change = [\"{}\", \"arg1\"]",
            script.display()
        ),
    ));
    s.write_config(&cfg);
    let d = util::DaemonProc::start(&s.config(), None);
    assert!(
        wait_for(10, || ok.requests().len() == 1 && bad.requests().len() == 1),
        "{}",
        d.log()
    );
    assert!(
        wait_for(5, || std::fs::read_to_string(&out)
            .map(|t| t.contains("DYNWARD_CODE"))
            .unwrap_or(false)),
        "{}",
        d.log()
    );
    let env = std::fs::read_to_string(&out).expect("hook output");
    for want in [
        "DYNWARD_POLICY=home",
        "DYNWARD_HOSTS=home.example.org",
        "DYNWARD_ADDRESS=203.0.113.7",
        "DYNWARD_CODE=good",
        "DYNWARD_STATE=sleeping",
        "DYNWARD_EVENT=change",
        "DYNWARD_MESSAGE=the provider updated the record to the address sent",
    ] {
        assert!(env.lines().any(|l| l == want), "{want} missing:\n{env}");
    }
    assert!(
        !env.contains("DYNWARD_LOG"),
        "daemon environment leaked into the hook:\n{env}"
    );
    assert!(!env.contains("pw"), "{env}");
    assert!(
        wait_for(5, || d.log().contains("hook-says-hello")),
        "{}",
        d.log()
    );
    assert!(
        wait_for(5, || d.log().contains("killed")),
        "hanging hook killed at its timeout:\n{}",
        d.log()
    );
    assert!(d.log().contains("started-hanging"), "{}", d.log());
}
