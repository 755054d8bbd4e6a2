//! `dynward run` as a real process against fake dyndns2 servers on 127.0.0.1 (web address
//! source, no root needed): restart, fatal stops and reset, holds, reload, status, shutdown.

use crate::util;

use std::time::Duration;

use util::{DaemonProc, FakeServer, Script, Setup, wait_for, web_policy};

/// `status --json`, checking its exit status as documented: 1 when a policy or host is
/// stopped, 3 without a daemon, else 0.
fn status_json(s: &Setup) -> serde_json::Value {
    let r = s.run(&["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("status JSON");
    let stopped = v["policies"].as_array().expect("policies").iter().any(|p| {
        !p["stop"].is_null()
            || p["hosts"]
                .as_array()
                .is_some_and(|h| h.iter().any(|h| !h["stop"].is_null()))
    });
    let want = match (stopped, v["running"].as_bool()) {
        (true, _) => 1,
        (false, Some(false)) => 3,
        _ => 0,
    };
    assert_eq!(r.code, want, "{}", r.all());
    v
}

fn policy_state(s: &Setup, name: &str) -> String {
    let st = status_json(s);
    st["policies"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == name))
        .map(|p| p["state"].as_str().unwrap_or("").to_string())
        .unwrap_or_default()
}

fn cfg(servers: &[(&FakeServer, &str)]) -> String {
    let mut c = "state_dir = \"{state}\"\n".to_string();
    for (srv, name) in servers {
        c.push_str(&web_policy(
            srv,
            name,
            &[&format!("{name}.example.org")],
            "pw-secret",
            "stable_for = \"0s\"",
        ));
    }
    c
}

/// The address is published at start; a restart with the same address sends nothing.
#[test]
fn restart_sends_nothing() {
    let srv = FakeServer::http();
    let s = Setup::new(&cfg(&[(&srv, "home")]));
    let mut d = DaemonProc::start(&s.config(), None);
    assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());
    assert!(
        wait_for(5, || policy_state(&s, "home") == "sleeping"),
        "{}",
        d.log()
    );
    let (took, code) = d.stop();
    assert_eq!(code, Some(0), "{}", d.log());
    assert!(took < Duration::from_secs(3), "{took:?}");

    let mut d2 = DaemonProc::start(&s.config(), None);
    // A new machine waits for its web check; sleeping means it has decided: nothing is due.
    assert!(
        wait_for(5, || policy_state(&s, "home") == "sleeping"),
        "{}",
        d2.log()
    );
    assert_eq!(srv.requests().len(), 1, "restart sent again:\n{}", d2.log());
    d2.stop();
}

/// A fatal code stops that policy only; others carry on; `reset` resumes it within a second.
#[test]
fn fatal_stops_one_policy_and_reset_resumes() {
    let bad = FakeServer::http();
    let good = FakeServer::http();
    bad.script([Script::Reply(401, "badauth".into())]);
    let s = Setup::new(&cfg(&[(&bad, "bad"), (&good, "good")]));
    let d = DaemonProc::start(&s.config(), None);
    assert!(
        wait_for(10, || policy_state(&s, "bad") == "invalid"),
        "{}",
        d.log()
    );
    assert!(
        wait_for(5, || policy_state(&s, "good") == "sleeping"),
        "{}",
        d.log()
    );
    assert_eq!(bad.requests().len(), 1);
    assert_eq!(good.requests().len(), 1);
    let st = status_json(&s);
    let badp = st["policies"]
        .as_array()
        .expect("array")
        .iter()
        .find(|p| p["name"] == "bad")
        .expect("bad")
        .clone();
    assert!(
        badp["reason"].as_str().unwrap_or("").contains("badauth"),
        "{badp}"
    );
    let log = d.log();
    assert!(
        log.contains("ERROR") && log.contains("rejected the user name or password"),
        "{log}"
    );

    // Nothing more for the stopped policy, even after a reload: it is kept as it was, and
    // stays invalid.
    d.signal("HUP");
    d.expect_log(5, "config reloaded unchanged=2 changed=0");
    assert_eq!(policy_state(&s, "bad"), "invalid");
    assert_eq!(bad.requests().len(), 1);

    let r = s.run(&["reset", "bad"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("reset"), "{}", r.all());
    assert!(
        wait_for(1, || bad.requests().len() == 2),
        "reset did not act within a second:\n{}",
        d.log()
    );
    assert!(
        wait_for(5, || policy_state(&s, "bad") == "sleeping"),
        "{}",
        d.log()
    );
}

/// 911 holds the server: status says when the hold ends and whose answer it was; a restart
/// keeps holding and sends nothing.
#[test]
fn outage_hold_survives_restart() {
    let srv = FakeServer::http();
    srv.script([Script::Reply(500, "911".into())]);
    let s = Setup::new(&cfg(&[(&srv, "home")]));
    let mut d = DaemonProc::start(&s.config(), None);
    assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());
    assert!(
        wait_for(5, || policy_state(&s, "home") == "sleeping"),
        "{}",
        d.log()
    );
    let st = status_json(&s);
    let p = &st["policies"][0];
    // A provider's outage holds the whole server: the policy's hold, from its own answer.
    let held = p["hold"]["until"]["utc"].as_str().unwrap_or("").to_string();
    assert!(!held.is_empty(), "{p}");
    assert_eq!(p["hold"]["by"], "home", "{p}");
    // Saves are at most 200 ms behind.
    assert!(
        wait_for(2, || s.state().contains("verdicts")),
        "{}",
        s.state()
    );
    let state: serde_json::Value = serde_json::from_str(&s.state()).expect("state");
    let v = &state["verdicts"][0];
    let until = v["until"].as_u64().expect("until");
    assert_eq!(until - v["since"].as_u64().expect("since"), 1800);
    let last = &state["policies"]["home"]["hosts"]["home.example.org"]["last"]["at"];
    assert_eq!(v["since"], *last);
    d.stop();
    let d2 = DaemonProc::start(&s.config(), None);
    // A new machine waits for its web check; sleeping means it has decided: it holds.
    assert!(
        wait_for(5, || policy_state(&s, "home") == "sleeping"),
        "{}",
        d2.log()
    );
    assert_eq!(srv.requests().len(), 1, "{}", d2.log());
}

/// Two policies (two accounts) at one server want to send at the same moment: their requests
/// go one after the other, so the server's `911` to the first holds the second before it
/// sends; the second's status names the first as the cause.
#[test]
fn one_request_at_a_time_per_server() {
    let srv = FakeServer::http();
    srv.script([Script::Slow(Duration::from_millis(400), 500, "911".into())]);
    let mut c = "state_dir = \"{state}\"\n".to_string();
    for (name, user) in [("first", "alice"), ("second", "bob")] {
        c.push_str(
            &web_policy(
                &srv,
                name,
                &[&format!("{name}.example.org")],
                "pw",
                "stable_for = \"0s\"",
            )
            .replace("username = \"alice\"", &format!("username = \"{user}\"")),
        );
    }
    let s = Setup::new(&c);
    let d = DaemonProc::start(&s.config(), None);
    assert!(
        wait_for(10, || ["first", "second"]
            .iter()
            .all(|p| policy_state(&s, p) == "sleeping")),
        "{}",
        d.log()
    );
    // Both sleeping: each has decided, the second holding on the first's answer.
    let reqs = srv.requests();
    assert_eq!(
        reqs.len(),
        1,
        "{:?}\n{}",
        reqs.iter().map(|r| r.query.clone()).collect::<Vec<_>>(),
        d.log()
    );
    let st = status_json(&s);
    let held: Vec<String> = st["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .map(|p| {
            format!(
                "{}:{}",
                p["name"].as_str().unwrap_or(""),
                p["hold"]["by"].as_str().unwrap_or("-")
            )
        })
        .collect();
    let by = reqs[0]
        .param("hostname")
        .and_then(|h| h.split('.').next().map(str::to_string))
        .expect("hostname");
    assert_eq!(
        held,
        [format!("first:{by}"), format!("second:{by}")],
        "{st}"
    );
}

/// A policy that a reload removes takes its waiting update out of the server's line: the
/// update is never sent, and the line does not stay taken by a machine that is gone (a
/// policy added at the same server follows the update in flight).
#[test]
fn a_reload_takes_a_removed_policys_waiting_update_out_of_the_line() {
    let srv = FakeServer::http();
    srv.script([Script::Slow(
        Duration::from_millis(1500),
        200,
        "good".into(),
    )]);
    let config = |names: &[(&str, &str)]| {
        let mut c = "state_dir = \"{state}\"\n".to_string();
        for (name, user) in names {
            c.push_str(
                &web_policy(
                    &srv,
                    name,
                    &[&format!("{name}.example.org")],
                    "pw",
                    "stable_for = \"0s\"",
                )
                .replace("username = \"alice\"", &format!("username = \"{user}\"")),
            );
        }
        c
    };
    let s = Setup::new(&config(&[("first", "alice"), ("second", "bob")]));
    let d = DaemonProc::start(&s.config(), None);
    d.expect_log(10, "this one follows it");
    assert_eq!(srv.requests().len(), 1, "{}", d.log());
    s.write_config(&config(&[("first", "alice"), ("third", "carol")]));
    d.signal("HUP");
    d.expect_log(5, "config reloaded");
    assert!(
        wait_for(10, || ["first", "third"]
            .iter()
            .all(|p| policy_state(&s, p) == "sleeping")),
        "{}",
        d.log()
    );
    let hosts: Vec<String> = srv
        .requests()
        .iter()
        .filter_map(|r| r.param("hostname"))
        .collect();
    assert_eq!(
        hosts,
        ["first.example.org", "third.example.org"],
        "{}",
        d.log()
    );
}

/// A daemon that answers in a form this version cannot read (one of the version before, as
/// during a package upgrade) is not taken for no daemon: `status` says so and fails, instead
/// of showing the state file as if nothing ran.
#[test]
fn a_daemon_of_another_version_is_not_taken_for_none() {
    let srv = FakeServer::http();
    let s = Setup::new(&format!(
        "state_dir = \"{{state}}\"\n{}",
        web_policy(&srv, "home", &["home.example.org"], "pw", "")
    ));
    std::fs::create_dir_all(s.state_dir()).expect("state dir");
    let listener =
        std::os::unix::net::UnixListener::bind(s.state_dir().join("control.sock")).expect("socket");
    // The answer of the version before: the status as a bare JSON list.
    let old = std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        let (mut conn, _) = listener.accept().expect("accept");
        let mut line = String::new();
        std::io::BufReader::new(&conn)
            .read_line(&mut line)
            .expect("read");
        conn.write_all(b"[]").expect("write");
        line
    });
    let r = s.run(&["status"]);
    assert_eq!(old.join().expect("old daemon").trim(), "status text");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all()
            .contains("cannot read (another version is running: restart it)")
            && !r.all().contains("not running"),
        "{}",
        r.all()
    );
}

/// SIGHUP with a broken file keeps the running config; with a changed policy it applies it
/// (an update validates it) and leaves unchanged policies alone.
#[test]
fn reload_keeps_old_on_error_and_applies_changes() {
    let a = FakeServer::http();
    let b = FakeServer::http();
    let good_cfg = cfg(&[(&a, "a"), (&b, "b")]);
    let s = Setup::new(&good_cfg);
    let d = DaemonProc::start(&s.config(), None);
    assert!(
        wait_for(10, || a.requests().len() == 1 && b.requests().len() == 1),
        "{}",
        d.log()
    );
    assert!(wait_for(5, || policy_state(&s, "a") == "sleeping"
        && policy_state(&s, "b") == "sleeping"));

    s.write_config(&good_cfg.replace("[[policy]]", "[[policy]]\ncolour = \"red\""));
    d.signal("HUP");
    assert!(
        wait_for(5, || d.log().contains("the running config stays in force")),
        "{}",
        d.log()
    );
    assert!(d.log().contains("colour: unknown key"), "{}", d.log());
    assert_eq!(policy_state(&s, "a"), "sleeping");
    // `dynward reload` (systemctl reload) waits for the answer and fails on a broken file.
    let r = s.run(&["reload"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains("colour: unknown key")
            && r.stdout.contains("the running config stays in force"),
        "{}",
        r.all()
    );

    // Change policy b's hosts only.
    s.write_config(&good_cfg.replace("b.example.org", "b2.example.org"));
    d.signal("HUP");
    assert!(wait_for(5, || b.requests().len() == 2), "{}", d.log());
    assert_eq!(
        b.requests()[1].param("hostname").as_deref(),
        Some("b2.example.org")
    );
    // The reload kept `a` as it was (its machine, its state): nothing is sent for it.
    d.expect_log(5, "config reloaded unchanged=1 changed=1");
    assert_eq!(policy_state(&s, "a"), "sleeping");
    assert_eq!(a.requests().len(), 1, "unchanged policy untouched");
}

/// SIGTERM with a request in flight: the daemon waits a short grace period, then exits cleanly.
#[test]
fn stop_with_request_in_flight() {
    let srv = FakeServer::http();
    srv.script([Script::Hang]);
    let s = Setup::new(&cfg(&[(&srv, "home")]).replace("timeout = \"2s\"", "timeout = \"60s\""));
    let mut d = DaemonProc::start(&s.config(), None);
    assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());
    assert!(
        wait_for(5, || policy_state(&s, "home") == "updating"),
        "{}",
        d.log()
    );
    let (took, code) = d.stop();
    assert_eq!(code, Some(0), "{}", d.log());
    assert!(
        took >= Duration::from_millis(2500) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert!(s.state().contains("\"home\""), "state saved");
}

/// A second daemon on the same state refuses to start; status works without a daemon.
#[test]
fn single_instance_and_offline_status() {
    let srv = FakeServer::http();
    let s = Setup::new(&cfg(&[(&srv, "home")]));
    let r = s.run(&["status"]);
    assert_eq!(r.code, 3, "no daemon runs: {}", r.all());
    assert!(r.stdout.contains("dynward is not running"), "{}", r.all());
    let d = DaemonProc::start(&s.config(), None);
    assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());
    let r = s.run(&["run"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("another dynward daemon is running"),
        "{}",
        r.all()
    );
    let r = s.run(&["status"]);
    assert!(
        r.stdout.contains("home: sleeping") && r.stdout.contains("home.example.org: good at"),
        "{}",
        r.all()
    );
    assert!(!r.stdout.contains("pw-secret") && !d.log().contains("pw-secret"));
}

/// A command address source under the daemon: asked at start, its address published; the
/// command runs without the daemon's environment (no password reaches it).
#[test]
fn command_source_under_the_daemon() {
    use std::os::unix::fs::PermissionsExt;
    let srv = FakeServer::http();
    let dir = tempfile::tempdir().expect("tempdir");
    let seen = dir.path().join("env.txt");
    let script = dir.path().join("wan-ip");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nenv > {}\necho 198.51.100.77\n", seen.display()),
    )
    .expect("script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let s = Setup::with(&format!(
        "[[policy]]\nname = \"c\"\nserver = \"{}\"\nallow_insecure_http = true\nusername = \"u\"\npassword_env = \"DW_TEST_PW\"\nhosts = [\"c.example.org\"]\ncommand = [\"{}\"]\nstable_for = \"0s\"\n",
        srv.url(),
        script.display()
    ));
    let d = DaemonProc::start_env(&s.config(), None, &[("DW_TEST_PW", "pw-in-env")]);
    assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());
    assert_eq!(
        srv.requests()[0].param("myip").as_deref(),
        Some("198.51.100.77")
    );
    let env = std::fs::read_to_string(&seen).expect("the command ran");
    assert!(env.contains("DYNWARD_POLICY=c"), "{env}");
    assert!(
        !env.contains("pw-in-env") && !env.contains("DW_TEST_PW"),
        "{env}"
    );
}

/// `web4` and `web6` under the daemon: each family's service is asked over its own family,
/// and the preset's one request carries both addresses; a service that fails for one family
/// is named in the log, and the other family is still published.
#[test]
fn per_family_check_ip_under_the_daemon() {
    let srv = FakeServer::http();
    srv.respond_with(|_| Script::Reply(200, "OK\n\nUPDATED".into()));
    let six = FakeServer::http_on("[::1]:0");
    six.set_checkip("2001:db8::77");
    let s = Setup::with(&format!(
        "[[policy]]\nname = \"d\"\nprovider = \"duckdns\"\nserver = \"http://{}\"\nallow_insecure_http = true\npassword = \"tok\"\nhosts = [\"home\"]\nipv6 = true\nweb4 = \"{}\"\nweb6 = \"{}\"\nstable_for = \"0s\"\n",
        srv.addr,
        srv.checkip_url(),
        six.checkip_url()
    ));
    let d = DaemonProc::start(&s.config(), None);
    assert!(wait_for(10, || !srv.requests().is_empty()), "{}", d.log());
    let q = &srv.requests()[0];
    assert_eq!(q.param("ip").as_deref(), Some("203.0.113.7"), "{}", q.query);
    assert_eq!(
        q.param("ipv6").as_deref(),
        Some("2001:db8::77"),
        "{}",
        q.query
    );
    drop(d);

    // The IPv6 service is gone: IPv4 alone goes out, and the log says why IPv6 does not.
    let srv = FakeServer::http();
    srv.respond_with(|_| Script::Reply(200, "OK\n\nUPDATED".into()));
    let s = Setup::with(&format!(
        "[[policy]]\nname = \"d\"\nprovider = \"duckdns\"\nserver = \"http://{}\"\nallow_insecure_http = true\npassword = \"tok\"\nhosts = [\"home\"]\nipv6 = true\nweb4 = \"{}\"\nweb6 = \"http://[::1]:9/checkip\"\nstable_for = \"0s\"\n",
        srv.addr,
        srv.checkip_url(),
    ));
    let d = DaemonProc::start(&s.config(), None);
    assert!(wait_for(10, || !srv.requests().is_empty()), "{}", d.log());
    let q = &srv.requests()[0];
    assert_eq!(q.param("ip").as_deref(), Some("203.0.113.7"), "{}", q.query);
    assert_eq!(q.param("ipv6"), None, "{}", q.query);
    d.expect_log(5, "check-IP service over IPv6: connection refused");
    d.expect_log(5, "publishing 203.0.113.7 only");
}

/// A check-IP service that answers with an address that cannot be published (here CGNAT's)
/// has told where the router is: the daemon takes that as a reading, as `once` does, stops
/// publishing the old address and says why, instead of keeping it as if the service had
/// failed to answer.
#[test]
fn a_check_ip_answer_that_cannot_be_published_is_a_reading() {
    let srv = FakeServer::http();
    srv.set_checkip("203.0.113.7");
    let s = Setup::with(&web_policy(
        &srv,
        "w",
        &["w.example.org"],
        "pw",
        "stable_for = \"0s\"\ncheck_interval = \"1m\"",
    ));
    let d = DaemonProc::start(&s.config(), None);
    assert!(wait_for(10, || !srv.requests().is_empty()), "{}", d.log());
    srv.set_checkip("100.64.1.1");
    // The next ask comes a minute after the first.
    d.expect_log(75, "check-IP service reported 100.64.1.1");
    let st = status_json(&s);
    let p = &st["policies"][0];
    assert_eq!(p["state"], "waiting", "{st}");
    assert_eq!(p["addresses"], serde_json::json!([]), "{st}");
    assert!(
        p["reason"]
            .as_str()
            .is_some_and(|r| r.contains("100.64.1.1")),
        "{st}"
    );
    assert_eq!(srv.requests().len(), 1, "nothing more is sent");
}
