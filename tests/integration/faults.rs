//! Faults dynward must survive: killed mid-write, slow or odd servers, an unwritable state
//! file. Real processes against fake servers on 127.0.0.1.

// The clock rule (crate::clock only) is the library's: tests time the real binary from outside.
#![allow(clippy::disallowed_methods)]

use crate::util;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use util::{DaemonProc, FakeServer, RefusingPort, Script, Setup, wait_for, web_policy};

/// SIGKILL at random moments while `once` sends a run of updates and saves after each: the
/// state file is always complete and parseable afterwards (atomic rename), 60 times over.
/// Each round publishes a new address, so that every save writes (a save of what the file
/// already holds writes nothing, and a kill then could not land mid-write).
#[test]
fn sigkill_never_leaves_a_broken_state_file() {
    let srv = FakeServer::http();
    let hosts: Vec<String> = (0..60).map(|i| format!("h{i}.example.org")).collect();
    let refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
    // 60 hosts: three requests of 20, a save after each.
    let cfg = format!(
        "state_dir = \"{{state}}\"\n{}",
        web_policy(&srv, "many", &refs, "pw", "")
    );
    let s = Setup::new(&cfg);
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut killed_mid_run = 0;
    for round in 0..60 {
        srv.set_checkip(&format!("203.0.113.{}", round + 1));
        let mut child = std::process::Command::new(util::bin())
            .arg("--config")
            .arg(s.config())
            .args(["once", "--force"])
            .env("DYNWARD_RESOLV_CONF", util::NO_RESOLVER)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_micros(seed % 40_000));
        if matches!(child.try_wait(), Ok(None)) {
            killed_mid_run += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let text = s.state();
        if text.is_empty() {
            continue; // killed before the first save
        }
        let v: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("round {round}: broken state file ({e}):\n{text}"));
        assert_eq!(v["version"], 1, "round {round}");
        let leftovers: Vec<_> = std::fs::read_dir(s.state_dir())
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.contains("bad-"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "round {round}: state was judged corrupt: {leftovers:?}"
        );
    }
    eprintln!("kills that landed mid-run: {killed_mid_run} of 60");
    assert!(
        killed_mid_run >= 10,
        "too few kills landed mid-run ({killed_mid_run}) to mean anything"
    );
}

/// A server that sends one byte per second is cut off by the timeout, with its own message.
#[test]
fn one_byte_per_second_server_times_out() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut buf = [0u8; 1024];
                let _ = c.read(&mut buf);
                for b in b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\ngood\n" {
                    if c.write_all(&[*b]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            });
        }
    });
    let ip = FakeServer::http();
    let cfg = web_policy(&ip, "home", &["home.example.org"], "pw", "")
        .replace(&ip.url(), &format!("http://127.0.0.1:{port}/nic/update"));
    let s = Setup::new(&format!("state_dir = \"{{state}}\"\n{cfg}"));
    let t0 = Instant::now();
    let r = s.run(&["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout
            .contains("no reply from 127.0.0.1 within the timeout"),
        "{}",
        r.all()
    );
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
}

/// 502 and 503, with and without a body, are provider outages (held 30 min); a body in
/// another encoding is read without failing.
#[test]
fn odd_statuses_and_encodings() {
    for (status, body) in [
        (502u16, ""),
        (502, "<h1>Bad Gateway</h1>"),
        (503, ""),
        (503, "Service Unavailable"),
    ] {
        let srv = FakeServer::http();
        srv.script([Script::Reply(status, body.into())]);
        let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], "pw", ""));
        let r = s.run(&["once"]);
        assert_eq!(r.code, 1, "{}", r.all());
        assert!(
            r.stdout.contains("outage or maintenance (911)") && r.stdout.contains("holding 30m"),
            "{status} {body:?}\n{}",
            r.all()
        );
    }
    // ISO-8859-1 bytes after the address: decoded lossily, the code still read.
    let srv = FakeServer::http();
    let latin1 = String::from_utf8_lossy(b"nohost \xe9t\xe9").into_owned();
    srv.script([Script::Reply(200, latin1)]);
    let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], "pw", ""));
    let r = s.run(&["once"]);
    assert!(
        r.stdout.contains("does not exist in this account (nohost)"),
        "{}",
        r.all()
    );
}

/// One update-server fault and what the daemon must make of it.
struct Fault {
    name: &'static str,
    srv: FakeServer,
    answer: Option<Script>,
    /// The policy's state afterwards.
    state: &'static str,
    /// Words of its log line.
    words: String,
    /// Requests the server must have seen.
    requests: usize,
}

impl Fault {
    fn new(
        name: &'static str,
        srv: FakeServer,
        answer: Option<Script>,
        state: &'static str,
        words: String,
        requests: usize,
    ) -> Self {
        Fault {
            name,
            srv,
            answer,
            state,
            words,
            requests,
        }
    }
}

/// Every update-server fault at once against one running daemon: each policy ends in the
/// state its fault calls for, with its own log message, after one attempt (no retry storm),
/// while a healthy policy beside them is updated and the daemon keeps running.
#[test]
fn server_faults_against_a_running_daemon() {
    let closed = RefusingPort::on("127.0.0.1");
    let free_port = closed.port;
    let latin1 = String::from_utf8_lossy(b"nohost \xe9t\xe9").into_owned();
    let huge = "x".repeat(10 * 1024 * 1024);
    let outage = "outage or maintenance";
    let mut cases = vec![
        Fault::new(
            "healthy",
            FakeServer::http(),
            None,
            "sleeping",
            "good 203.0.113.7: the provider updated the record".into(),
            1,
        ),
        Fault::new(
            "refused",
            FakeServer::http(),
            None,
            "sleeping",
            format!("connection refused by 127.0.0.1:{free_port}"),
            0,
        ),
        Fault::new(
            "hang",
            FakeServer::http(),
            Some(Script::Hang),
            "sleeping",
            "no reply from 127.0.0.1 within the timeout".into(),
            1,
        ),
        Fault::new(
            "e500",
            FakeServer::http(),
            Some(Script::Reply(500, String::new())),
            "sleeping",
            outage.into(),
            1,
        ),
        Fault::new(
            "e500html",
            FakeServer::http(),
            Some(Script::Reply(
                500,
                "<html><body><h1>Internal Server Error</h1></body></html>".into(),
            )),
            "sleeping",
            outage.into(),
            1,
        ),
        Fault::new(
            "e502",
            FakeServer::http(),
            Some(Script::Reply(502, String::new())),
            "sleeping",
            outage.into(),
            1,
        ),
        Fault::new(
            "e503",
            FakeServer::http(),
            Some(Script::Reply(503, "Service Unavailable".into())),
            "sleeping",
            outage.into(),
            1,
        ),
        Fault::new(
            "unauth",
            FakeServer::http(),
            Some(Script::Reply(401, String::new())),
            "invalid",
            "rejected the user name or password".into(),
            1,
        ),
        Fault::new(
            "html",
            FakeServer::http(),
            Some(Script::Reply(
                200,
                "<html><body>Welcome</body></html>".into(),
            )),
            "sleeping",
            "not a dyndns2 code".into(),
            1,
        ),
        Fault::new(
            "latin1",
            FakeServer::http(),
            Some(Script::Reply(200, latin1)),
            "invalid",
            "does not exist in this account".into(),
            1,
        ),
        Fault::new(
            "huge",
            FakeServer::http(),
            Some(Script::Reply(200, huge)),
            "sleeping",
            "reply longer than 64 KiB".into(),
            1,
        ),
        Fault::new(
            "untrusted",
            FakeServer::https(),
            None,
            "sleeping",
            "TLS failure with 127.0.0.1".into(),
            0,
        ),
        Fault::new(
            "wrongname",
            FakeServer::https_named(&["update.example.net"]),
            None,
            "sleeping",
            "TLS failure with 127.0.0.1".into(),
            0,
        ),
    ];
    let checkip = FakeServer::http();
    let mut cfg = "state_dir = \"{state}\"\n".to_string();
    for Fault {
        name, srv, answer, ..
    } in &mut cases
    {
        if let Some(sc) = answer.take() {
            srv.script([sc]);
        }
        let mut p = web_policy(
            srv,
            name,
            &[&format!("{name}.example.org")],
            "pw",
            "stable_for = \"0s\"",
        )
        .replace(&srv.checkip_url(), &checkip.checkip_url());
        if *name == "refused" {
            p = p.replace(
                &srv.url(),
                &format!("http://127.0.0.1:{free_port}/nic/update"),
            );
        }
        if *name == "untrusted"
            && let Some(ca) = &srv.ca_file
        {
            p = p.replace(&format!("ca_file = \"{}\"\n", ca.display()), "");
        }
        cfg.push_str(&p);
    }
    let s = Setup::new(&cfg);
    let mut d = DaemonProc::start(&s.config(), None);
    let states = |s: &Setup| -> Vec<(String, String)> {
        let r = s.run(&["status", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
        v["policies"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| {
                        (
                            p["name"].as_str().unwrap_or("").to_string(),
                            p["state"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let settled = |s: &Setup, d: &DaemonProc| {
        let st = states(s);
        let log = d.log();
        cases.iter().all(
            |Fault {
                 name, state, words, ..
             }| {
                st.iter().any(|(n, x)| n == name && x == state)
                    && log.lines().any(|l| {
                        l.contains(&format!("policy={name}")) && l.contains(words.as_str())
                    })
            },
        )
    };
    assert!(
        wait_for(15, || settled(&s, &d)),
        "{:?}\n{}",
        states(&s),
        d.log()
    );
    // Settled: every policy has decided (held, backing off, stopped), so nothing more goes.
    for Fault {
        name,
        srv,
        requests,
        ..
    } in &cases
    {
        assert_eq!(srv.requests().len(), *requests, "{name}\n{}", d.log());
    }
    assert!(d.running(), "{}", d.log());
    assert!(!d.log().contains("update failed"), "{}", d.log());
}

/// The state file cannot be written: the error is logged (once), and the daemon keeps
/// updating; when it can write again, it says so.
#[test]
fn unwritable_state_keeps_the_daemon_updating() {
    let a = FakeServer::http();
    let b = FakeServer::http();
    b.script([Script::Reply(401, "badauth".into())]);
    let mut cfg = "state_dir = \"{state}\"\n".to_string();
    cfg.push_str(&web_policy(
        &a,
        "a",
        &["a.example.org"],
        "pw",
        "stable_for = \"0s\"",
    ));
    cfg.push_str(&web_policy(
        &b,
        "b",
        &["b.example.org"],
        "pw",
        "stable_for = \"0s\"",
    ));
    let s = Setup::new(&cfg);
    let d = DaemonProc::start(&s.config(), None);
    assert!(
        wait_for(10, || a.requests().len() == 1 && b.requests().len() == 1),
        "{}",
        d.log()
    );
    // Block the temporary file's path: every save now fails, for root too.
    let blocker = s.state_dir().join(".state.json.tmp");
    std::fs::create_dir_all(&blocker).expect("mkdir");
    let r = s.run(&["reset", "b"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        wait_for(5, || b.requests().len() == 2),
        "updates go on:\n{}",
        d.log()
    );
    d.expect_log(3, "cannot write the state file");
    assert!(d.log().contains("updates go on"), "{}", d.log());
    // What was recorded meanwhile reaches the disk by itself once it can.
    std::fs::remove_dir(&blocker).expect("rmdir");
    d.expect_log(8, "state file writable again");
    let state: serde_json::Value = serde_json::from_str(&s.state()).expect("state");
    assert_eq!(
        state["policies"]["b"]["hosts"]["b.example.org"]["v4"]["addr"], "203.0.113.7",
        "the update made while unwritable is on disk: {state}"
    );
}

/// The state directory's file system is full: the old state file stays whole, the daemon
/// keeps updating and says so once, and what it recorded is saved once space is freed.
/// Root: a 256 KiB tmpfs is mounted over the state directory (and unmounted at the end).
#[test]
#[ignore = "needs root (a tmpfs mount): scripts/test runs it as root"]
fn full_state_dir_keeps_the_daemon_updating() {
    util::require_root("full_state_dir_keeps_the_daemon_updating");
    struct Mount(std::path::PathBuf);
    impl Drop for Mount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let a = FakeServer::http();
    let b = FakeServer::http();
    let policy = |srv: &FakeServer, name: &str| {
        web_policy(
            srv,
            name,
            &[&format!("{name}.example.org")],
            "pw",
            "stable_for = \"0s\"",
        )
    };
    let s = Setup::with(&policy(&a, "a"));
    std::fs::create_dir_all(s.state_dir()).expect("mkdir");
    util::sh(&[
        "mount",
        "-t",
        "tmpfs",
        "-o",
        "size=256k,mode=0700",
        "tmpfs",
        &s.state_dir().display().to_string(),
    ]);
    let _mount = Mount(s.state_dir());
    let d = DaemonProc::start(&s.config(), None);
    assert!(wait_for(10, || a.requests().len() == 1), "{}", d.log());
    assert!(
        wait_for(5, || s.state().contains("a.example.org")),
        "{}",
        d.log()
    );
    let before = s.state();

    // Fill the file system to the last byte.
    let filler = s.state_dir().join("filler");
    let mut f = std::fs::File::create(&filler).expect("filler");
    let chunk = vec![0u8; 4096];
    while f.write_all(&chunk).is_ok() {}
    while f.write_all(&[0]).is_ok() {}
    drop(f);

    // A policy added by reload is updated though nothing can be saved.
    s.write_config(&format!(
        "state_dir = \"{{state}}\"\n{}{}",
        policy(&a, "a"),
        policy(&b, "b")
    ));
    let r = s.run(&["reload"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        wait_for(10, || b.requests().len() == 1),
        "updates go on:\n{}",
        d.log()
    );
    d.expect_log(5, "No space left on device");
    assert_eq!(
        s.state(),
        before,
        "the old state file is untouched while the disk is full"
    );
    assert_eq!(
        d.log().matches("No space left on device").count(),
        1,
        "said once, not on every retry:\n{}",
        d.log()
    );

    std::fs::remove_file(&filler).expect("free space");
    d.expect_log(8, "state file writable again");
    assert!(s.state().contains("b.example.org"), "{}", s.state());
    let r = s.run(&["status"]);
    assert_eq!(r.code, 0, "{}", r.all());
    drop(d);
}

/// A full daemon session at the most verbose level (trace), with hooks, status, JSON status,
/// reload, reset, a fatal answer and a provider echoing the password: the password is in no
/// output, log line, hook environment, state file or status.
#[test]
fn no_secret_anywhere_in_a_daemon_session() {
    const PW: &str = "Zx9-very-secret-Qw";
    let a = FakeServer::http();
    let b = FakeServer::http();
    b.script([Script::Reply(401, format!("badauth {PW}"))]);
    let s = Setup::new("");
    let hook_out = s.dir.path().join("hook.env");
    let hook = s.dir.path().join("hook.sh");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\nenv >> {}\necho \"$@\"\n", hook_out.display()),
    )
    .expect("write");
    util::sh(&["chmod", "755", &hook.display().to_string()]);
    let mut cfg = format!(
        "state_dir = \"{{state}}\"\non_change = [\"{h}\"]\non_error = [\"{h}\"]\n",
        h = hook.display()
    );
    cfg.push_str(&web_policy(
        &a,
        "a",
        &["a.example.org"],
        PW,
        "stable_for = \"0s\"",
    ));
    let tpl = format!(
        "http://{}/nic/update?hostname=<h>&myip=<a>&pw=<password>",
        b.addr
    );
    cfg.push_str(
        &web_policy(&b, "b", &["b.example.org"], PW, "stable_for = \"0s\"").replace(
            &format!("server = \"{}\"", b.url()),
            &format!("url = \"{tpl}\""),
        ),
    );
    s.write_config(&cfg);
    let mut everything = String::new();
    {
        let mut c = std::process::Command::new(util::bin());
        c.arg("--config").arg(s.config()).arg("-vvv").arg("run");
        let log = s.dir.path().join("daemon.log");
        c.env("DYNWARD_LOG", "trace")
            .env("DYNWARD_RESOLV_CONF", util::NO_RESOLVER)
            .stderr(std::fs::File::create(&log).expect("log"))
            .stdout(std::process::Stdio::null());
        let mut child = c.spawn().expect("start");
        assert!(wait_for(10, || a.requests().len() == 1 && b.requests().len() == 1));
        assert!(wait_for(5, || std::fs::read_to_string(&hook_out)
            .map(|t| t.contains("DYNWARD_CODE=badauth"))
            .unwrap_or(false)));
        for args in [
            vec!["status"],
            vec!["status", "--json"],
            vec!["reload"],
            vec!["reset", "b"],
            vec!["once", "--dry-run"],
            vec!["-vvv", "check"],
        ] {
            everything.push_str(&s.run(&args).all());
        }
        assert!(wait_for(5, || b.requests().len() == 2), "reset resent");
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .output();
        let _ = child.wait();
        everything.push_str(&std::fs::read_to_string(&log).unwrap_or_default());
    }
    everything.push_str(&std::fs::read_to_string(&hook_out).unwrap_or_default());
    everything.push_str(&s.state());
    assert!(everything.contains("TRACE"), "trace logging was on");
    assert!(everything.contains("DYNWARD_POLICY=b"), "the hooks ran");
    assert_eq!(
        b.requests()[0].param("pw").as_deref(),
        Some(PW),
        "the password did go on the wire"
    );
    assert!(
        !everything.contains(PW),
        "the password leaked:\n{everything}"
    );
}

/// Hooks that hang, crash or cannot start never hold up an update: a policy whose on_error
/// hook still hangs is updated at once after a reset; a hook killed by a signal and one that
/// does not exist are each logged with their own message; a hook still running when the
/// daemon stops is ended with it.
#[test]
fn hooks_that_hang_or_crash_do_not_delay_updates() {
    let p = FakeServer::http();
    let q = FakeServer::http();
    p.script([Script::Reply(200, "badauth".into())]);
    let s = Setup::new("");
    let pidfile = s.dir.path().join("hang.pid");
    let hang = s.dir.path().join("hang.sh");
    let crash = s.dir.path().join("crash.sh");
    std::fs::write(
        &hang,
        format!(
            "#!/bin/sh\necho $$ > {}\nexec sleep 60\n",
            pidfile.display()
        ),
    )
    .expect("write");
    std::fs::write(&crash, "#!/bin/sh\nkill -SEGV $$\n").expect("write");
    for f in [&hang, &crash] {
        util::sh(&["chmod", "755", &f.display().to_string()]);
    }
    let mut cfg = "state_dir = \"{state}\"\nhook_timeout = \"30s\"\n".to_string();
    cfg.push_str(&web_policy(
        &p,
        "p",
        &["p.example.org"],
        "pw",
        &format!(
            "stable_for = \"0s\"\non_error = [\"{}\"]\non_change = [\"{}\"]",
            hang.display(),
            crash.display()
        ),
    ));
    cfg.push_str(&web_policy(
        &q,
        "q",
        &["q.example.org"],
        "pw",
        "stable_for = \"0s\"\non_change = [\"/nonexistent/dynward-hook\"]",
    ));
    s.write_config(&cfg);
    let mut d = DaemonProc::start(&s.config(), None);
    assert!(
        wait_for(10, || p.requests().len() == 1 && pidfile.exists()),
        "{}",
        d.log()
    );
    let pid = wait_for(2, || {
        std::fs::read_to_string(&pidfile).is_ok_and(|t| t.trim().parse::<u32>().is_ok())
    })
    .then(|| std::fs::read_to_string(&pidfile).expect("pid"))
    .expect("hook pid");
    let proc_dir = std::path::PathBuf::from(format!("/proc/{}", pid.trim()));

    let t0 = Instant::now();
    let r = s.run(&["reset", "p"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(wait_for(5, || p.requests().len() == 2), "{}", d.log());
    let took = t0.elapsed();
    assert!(proc_dir.exists(), "the on_error hook is still hanging");
    assert!(
        took < Duration::from_secs(2),
        "update after reset took {took:?}"
    );
    d.expect_log(5, "hook was ended by signal 11");
    d.expect_log(5, "hook could not be started");
    assert_eq!(q.requests().len(), 1, "{}", d.log());
    assert!(d.running(), "{}", d.log());

    let (_, code) = d.stop();
    assert_eq!(code, Some(0), "{}", d.log());
    assert!(
        wait_for(3, || !proc_dir.exists()),
        "the hanging hook outlived the daemon"
    );
}

/// The daemon starts over a truncated, empty, garbage or future-version state file: the error
/// names the file, the kind of damage and where the file was kept; the bad file is kept
/// byte for byte; the daemon runs from an empty state, updates, and writes a good file.
#[test]
fn damaged_state_file_gives_a_safe_start() {
    let srv = FakeServer::http();
    let cfg = format!(
        "state_dir = \"{{state}}\"\n{}",
        web_policy(
            &srv,
            "home",
            &["home.example.org"],
            "pw",
            "stable_for = \"0s\""
        )
    );
    // A real state file to truncate.
    let s = Setup::new(&cfg);
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let good = s.state();
    let half = good[..good.len() / 2].to_string();
    for (kind, bytes, words) in [
        ("truncated", half.as_str(), "EOF while parsing"),
        ("empty", "", "the file is empty"),
        ("garbage", "\u{1}\u{2}garbage\u{ff}", "expected value"),
        (
            "future",
            "{\"version\": 99, \"policies\": {}}",
            "written by a newer dynward (format 99",
        ),
    ] {
        let s = Setup::new(&cfg);
        std::fs::create_dir_all(s.state_dir()).expect("mkdir");
        let path = s.state_dir().join("state.json");
        std::fs::write(&path, bytes).expect("write");
        let before = srv.requests().len();
        let d = DaemonProc::start(&s.config(), None);
        assert!(
            wait_for(10, || srv.requests().len() == before + 1),
            "{kind}: {}",
            d.log()
        );
        assert!(
            wait_for(5, || s.state().contains("203.0.113.7")),
            "{kind}: {}",
            d.log()
        );
        let log = d.log();
        let line = log
            .lines()
            .find(|l| l.contains("unreadable state file"))
            .unwrap_or_else(|| panic!("{kind}: no error line\n{log}"));
        assert!(line.contains(&path.display().to_string()), "{kind}: {line}");
        assert!(line.contains(words), "{kind}: {line}");
        let kept: Vec<_> = std::fs::read_dir(s.state_dir())
            .expect("dir")
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("state.json.bad-")
            })
            .collect();
        assert_eq!(kept.len(), 1, "{kind}");
        assert!(
            line.contains(&kept[0].path().display().to_string()),
            "{kind}: {line}"
        );
        assert_eq!(
            std::fs::read(kept[0].path()).expect("kept"),
            bytes.as_bytes(),
            "{kind}"
        );
        let r = s.run(&["status"]);
        assert_eq!(r.code, 0, "{kind}: {}", r.all());
    }
}

/// A 10 MB reply costs no memory beyond the 64 KiB kept: the daemon that got one peaks
/// within 4 MB of one that got a normal reply (a buffered body would add over 10 MB).
#[test]
fn huge_reply_does_not_grow_memory() {
    let peak = |d: &DaemonProc| -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", d.child.id())).expect("proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .expect("VmHWM")
    };
    let mut peaks = Vec::new();
    for body in ["good 203.0.113.7".to_string(), "x".repeat(10 * 1024 * 1024)] {
        let srv = FakeServer::http();
        srv.script([Script::Reply(200, body)]);
        let s = Setup::with(&web_policy(
            &srv,
            "home",
            &["home.example.org"],
            "pw",
            "stable_for = \"0s\"",
        ));
        let d = DaemonProc::start(&s.config(), None);
        assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());
        d.expect_log(5, "policy=home state=\"sleeping\"");
        peaks.push(peak(&d));
    }
    eprintln!(
        "peak RSS: normal reply {} kB, 10 MB reply {} kB",
        peaks[0], peaks[1]
    );
    assert!(
        peaks[1] < peaks[0] + 4096,
        "10 MB reply: {} kB against {} kB",
        peaks[1],
        peaks[0]
    );
}
