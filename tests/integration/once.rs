//! `dynward once`, `check` and `reset` run as real processes against a fake dyndns2 server on
//! 127.0.0.1 (HTTP and HTTPS).

use crate::util;

use util::{DaemonProc, FakeServer, RefusingPort, Script, Setup, wait_for, web_policy};

const PW: &str = "Sup3r-s3cret&pw";

fn state_of(s: &Setup) -> serde_json::Value {
    serde_json::from_str(&s.state()).expect("state file is JSON")
}

/// The request carries the right method, path, Basic auth, User-Agent, hosts and address; the
/// result is printed per host, recorded, and the exit status is 0.
#[test]
fn request_contents_and_success() {
    let srv = FakeServer::http();
    let s = Setup::with(&web_policy(
        &srv,
        "home",
        &["home.example.org", "nas.example.org"],
        PW,
        "",
    ));
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    let q = &reqs[0];
    assert_eq!(q.method, "GET");
    assert_eq!(q.path, "/nic/update");
    assert_eq!(
        q.param("hostname").as_deref(),
        Some("home.example.org,nas.example.org")
    );
    assert_eq!(q.param("myip").as_deref(), Some("203.0.113.7"));
    // base64("alice:Sup3r-s3cret&pw")
    assert_eq!(
        q.auth.as_deref(),
        Some("Basic YWxpY2U6U3VwM3ItczNjcmV0JnB3")
    );
    let ua = q.user_agent.clone().unwrap_or_default();
    assert!(
        ua.starts_with(&format!("dynward/{} (+", env!("CARGO_PKG_VERSION"))),
        "{ua}"
    );
    assert!(
        r.stdout
            .contains("home.example.org: good 203.0.113.7: the provider updated the record"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains("nas.example.org: good 203.0.113.7"),
        "{}",
        r.all()
    );
    let st = state_of(&s);
    assert_eq!(
        st["policies"]["home"]["hosts"]["nas.example.org"]["v4"]["addr"],
        "203.0.113.7"
    );
}

/// A second run with an unchanged address sends nothing and says up-to-date; a changed
/// address is sent; --force re-sends an unchanged one.
#[test]
fn unchanged_address_sends_nothing() {
    let srv = FakeServer::http();
    let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], PW, ""));
    assert_eq!(s.run(&["once"]).code, 0);
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("up-to-date"), "{}", r.all());
    assert_eq!(srv.requests().len(), 1, "no second request");

    srv.set_checkip("203.0.113.8");
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(srv.requests().len(), 2);
    assert_eq!(
        srv.requests()[1].param("myip").as_deref(),
        Some("203.0.113.8")
    );

    srv.reply("nochg 203.0.113.8");
    let r = s.run(&["once", "--force"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(srv.requests().len(), 3);
    assert!(r.stdout.contains("nochg"), "{}", r.all());
}

/// Each return code prints its own explanation (and the action where one is needed) and
/// gives the documented exit status.
#[test]
fn each_code_explained_with_exit_status() {
    let cases: &[(u16, &str, i32, &str)] = &[
        (200, "good 203.0.113.7", 0, "updated the record"),
        (200, "nochg 203.0.113.7", 0, "already had this address"),
        (401, "badauth", 1, "rejected the user name or password"),
        (401, "", 1, "rejected the user name or password"),
        (200, "!donator", 1, "needs a paid account"),
        (200, "notfqdn", 1, "not a fully qualified host name"),
        (200, "nohost", 1, "does not exist in this account"),
        (200, "numhost", 1, "round-robin"),
        (200, "abuse", 1, "blocked this host for update abuse"),
        (200, "badagent", 1, "blocked this client's user agent"),
        (200, "badsys", 1, "rejected the system parameter"),
        (200, "!yours", 1, "belongs to another account"),
        (200, "!active", 1, "not activated"),
        (200, "dnserr", 1, "DNS error on its side"),
        (500, "911", 1, "outage or maintenance"),
        (503, "", 1, "outage or maintenance"),
        (200, "good 127.0.0.1", 1, "refusing this client"),
        (200, "good 198.51.100.99", 1, "instead of the address sent"),
        (
            200,
            "<html><body>Welcome</body></html>",
            1,
            "not a dyndns2 code",
        ),
        (200, "", 1, "reply was empty"),
        (404, "Not Found", 1, "HTTP 404 without a dyndns2 code"),
        (200, "w5m", 1, "asks to wait 5m"),
    ];
    for (status, body, code, words) in cases {
        let srv = FakeServer::http();
        srv.script([Script::Reply(*status, body.to_string())]);
        let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], PW, ""));
        let r = s.run(&["once"]);
        assert_eq!(r.code, *code, "{status} {body:?}\n{}", r.all());
        assert!(
            r.stdout.contains(words),
            "{status} {body:?}: missing {words:?}\n{}",
            r.all()
        );
        assert!(!r.stdout.contains("update failed"), "{}", r.all());
    }
}

/// A fatal code stops the policy: the next run sends nothing and says why; `reset` re-enables
/// it; a config change also clears the stop.
#[test]
fn fatal_code_stops_until_reset_or_config_change() {
    let srv = FakeServer::http();
    srv.script([Script::Reply(401, "badauth".into())]);
    let cfg = format!(
        "state_dir = \"{{state}}\"\n{}",
        web_policy(&srv, "home", &["home.example.org"], PW, "")
    );
    let s = Setup::new(&cfg);
    let r = s.run(&["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stdout.contains("stop account"), "{}", r.all());
    assert!(
        r.stderr.contains("ERROR"),
        "fatal answers are logged at error level\n{}",
        r.all()
    );

    for _ in 0..2 {
        let r = s.run(&["once", "--force"]);
        assert_eq!(r.code, 1);
        assert!(
            r.stdout.contains("stopped since") && r.stdout.contains("badauth"),
            "{}",
            r.all()
        );
    }
    assert_eq!(srv.requests().len(), 1, "nothing sent after badauth");

    let r = s.run(&["reset", "home"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(srv.requests().len(), 2);

    // A host-level stop, cleared by a config change (the password).
    srv.set_checkip("203.0.113.9");
    srv.reply("nohost");
    assert_eq!(s.run(&["once"]).code, 1);
    srv.set_checkip("203.0.113.10");
    assert_eq!(s.run(&["once"]).code, 1);
    assert_eq!(srv.requests().len(), 3);
    s.write_config(&cfg.replace(PW, "another-pw"));
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(srv.requests().len(), 4);
}

/// 911 holds the server for 30 minutes even with --force, and the hold is in the state file.
#[test]
fn outage_holds() {
    let srv = FakeServer::http();
    srv.script([Script::Reply(500, "911".into())]);
    let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], PW, ""));
    let r = s.run(&["once"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("holding 30m"), "{}", r.all());
    let r = s.run(&["once", "--force"]);
    assert!(
        r.stdout
            .contains("dynward waits after the provider's error (911) until"),
        "{}",
        r.all()
    );
    assert_eq!(srv.requests().len(), 1);
    let st = state_of(&s);
    let v = &st["verdicts"][0];
    let until = v["until"].as_u64().expect("the server's hold");
    let at = st["policies"]["home"]["hosts"]["home.example.org"]["last"]["at"]
        .as_u64()
        .expect("at");
    assert_eq!(until - at, 1800);
    assert_eq!(v["by"], "home");
}

/// More than 20 hosts go out in batches of at most 20.
#[test]
fn batches_of_twenty() {
    let srv = FakeServer::http();
    let hosts: Vec<String> = (0..25).map(|i| format!("h{i}.example.org")).collect();
    let refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let s = Setup::with(&web_policy(&srv, "many", &refs, PW, ""));
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let counts: Vec<usize> = srv
        .requests()
        .iter()
        .map(|q| q.param("hostname").unwrap_or_default().split(',').count())
        .collect();
    assert_eq!(counts, vec![20, 5]);
}

/// HTTPS with the test CA in ca_file works; without it the certificate is refused with a
/// TLS-specific message, and nothing is recorded as accepted.
#[test]
fn https_trusted_and_untrusted() {
    let srv = FakeServer::https();
    let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], PW, ""));
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(srv.requests().len(), 1);
    assert!(srv.url().starts_with("https://"));

    let srv2 = FakeServer::https();
    let plain = FakeServer::http();
    let cfg = web_policy(&srv2, "home", &["home.example.org"], PW, "")
        .replace(
            &format!(
                "ca_file = \"{}\"\n",
                srv2.ca_file.as_ref().expect("ca").display()
            ),
            "",
        )
        .replace(&srv2.checkip_url(), &plain.checkip_url());
    let s2 = Setup::new(&format!("state_dir = \"{{state}}\"\n{cfg}"));
    let r = s2.run(&["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains("TLS failure with 127.0.0.1"),
        "{}",
        r.all()
    );
    assert!(srv2.requests().is_empty());
    assert!(s2.state().contains("error:tls"), "{}", s2.state());
    assert!(!s2.state().contains("\"v4\""), "nothing accepted");
}

/// The TLS the client offers: TLS 1.2 and 1.3, AES-GCM, certificates signed with P-256,
/// P-384 or Ed25519 keys, all accepted; a server that offers only ChaCha20-Poly1305 is a TLS
/// failure that says so (dynward leaves that suite out: its code would be resident at every
/// start, and every server offers AES-GCM).
#[test]
fn tls_versions_suites_and_key_types() {
    use rustls::crypto::ring::{cipher_suite as cs, default_provider};
    let names = ["127.0.0.1", "localhost"];
    let cases: [(
        &'static rcgen::SignatureAlgorithm,
        &'static rustls::SupportedProtocolVersion,
    ); 4] = [
        (&rcgen::PKCS_ECDSA_P256_SHA256, &rustls::version::TLS12),
        (&rcgen::PKCS_ECDSA_P384_SHA384, &rustls::version::TLS12),
        (&rcgen::PKCS_ECDSA_P384_SHA384, &rustls::version::TLS13),
        (&rcgen::PKCS_ED25519, &rustls::version::TLS13),
    ];
    for (alg, version) in cases {
        let srv = FakeServer::https_with(&names, alg, &[version], default_provider());
        let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], PW, ""));
        let r = s.run(&["once"]);
        assert_eq!(r.code, 0, "{alg:?} {version:?}\n{}", r.all());
        assert_eq!(srv.requests().len(), 1, "{alg:?} {version:?}");
    }
    let chacha_only = rustls::crypto::CryptoProvider {
        cipher_suites: vec![
            cs::TLS13_CHACHA20_POLY1305_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ],
        ..default_provider()
    };
    let srv = FakeServer::https_with(
        &names,
        &rcgen::PKCS_ECDSA_P256_SHA256,
        rustls::ALL_VERSIONS,
        chacha_only,
    );
    let plain = FakeServer::http();
    let cfg = web_policy(&srv, "home", &["home.example.org"], PW, "")
        .replace(&srv.checkip_url(), &plain.checkip_url());
    let r = Setup::with(&cfg).run(&["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains("TLS failure with 127.0.0.1"),
        "{}",
        r.all()
    );
    assert!(srv.requests().is_empty());
}

/// Network failures each get their own message: refused, timeout, redirect to another host.
#[test]
fn network_failures_are_specific() {
    // Refused: a port where nothing listens.
    let closed = RefusingPort::on("127.0.0.1");
    let port = closed.port;
    let srv = FakeServer::http();
    let cfg = web_policy(&srv, "home", &["home.example.org"], PW, "")
        .replace(&srv.url(), &format!("http://127.0.0.1:{port}/nic/update"));
    let s = Setup::new(&format!("state_dir = \"{{state}}\"\n{cfg}"));
    let r = s.run(&["once"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains(&format!("connection refused by 127.0.0.1:{port}")),
        "{}",
        r.all()
    );

    // Timeout: the server accepts and never answers.
    srv.script([Script::Hang]);
    let s = Setup::with(
        &web_policy(&srv, "home", &["home.example.org"], PW, "")
            .replace("\ntimeout = \"2s\"", "\ntimeout = \"1s\""),
    );
    let r = s.run(&["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout
            .contains("no reply from 127.0.0.1 within the timeout"),
        "{}",
        r.all()
    );

    // A redirect to another host is not followed: the credentials stay home.
    let other = FakeServer::http();
    srv.script([Script::Redirect(other.url())]);
    let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], PW, ""));
    let r = s.run(&["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stdout.contains("redirected (HTTP 302)"), "{}", r.all());
    assert!(other.requests().is_empty(), "the other host got nothing");
}

/// --dry-run prints method, URL and headers with secrets masked, sends nothing, writes no state.
#[test]
fn dry_run_sends_nothing() {
    let srv = FakeServer::http();
    let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], PW, ""));
    let r = s.run(&["once", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains(&format!(
            "would send: GET {}?hostname=home.example.org&myip=203.0.113.7",
            srv.url()
        )),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("Authorization: Basic ******** (user alice)"),
        "{}",
        r.all()
    );
    assert!(r.stdout.contains("User-Agent: dynward/"), "{}", r.all());
    assert!(srv.requests().is_empty());
    assert!(!s.state_dir().exists(), "a dry run writes no state");
}

/// A URL template with <password> is masked in the dry run and filled on the wire.
#[test]
fn template_password_masked() {
    let srv = FakeServer::http();
    let tpl = format!(
        "http://{}/nic/update?hostname=<h>&myip=<a>&pass=<password>",
        srv.addr
    );
    let cfg = web_policy(&srv, "home", &["home.example.org"], PW, "").replace(
        &format!("server = \"{}\"", srv.url()),
        &format!("url = \"{tpl}\""),
    );
    let s = Setup::new(&format!("state_dir = \"{{state}}\"\n{cfg}"));
    let r = s.run(&["once", "--dry-run"]);
    assert!(r.stdout.contains("pass=********"), "{}", r.all());
    assert!(!r.stdout.contains("s3cret"), "{}", r.all());
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        srv.requests()[0].param("pass").as_deref(),
        Some("Sup3r-s3cret%26pw")
    );
}

/// `check` lists every problem with file:line:column and key, exit 1; a valid file exits 0
/// with a summary.
#[test]
fn check_reports_located_problems() {
    let s = Setup::new(
        "[[policy]]\nname = \"x\"\nprovider = \"dyn\"\nusername = \"u\"\npassword = \"p\"\nhosts = [\"bad\"]\ninterface = \"eth0\"\nipv6 = \"yes\"\n",
    );
    let r = s.run(&["check"]);
    assert_eq!(r.code, 1, "{}", r.all());
    let f = s.config().display().to_string();
    assert!(
        r.stderr.contains(&format!("{f}:6:10: policy[0].hosts[0]:")),
        "{}",
        r.all()
    );
    assert!(
        r.stderr
            .contains(&format!("{f}:8:8: policy[0].ipv6: must be true or false")),
        "{}",
        r.all()
    );
    assert!(r.stderr.contains("2 problems"), "{}", r.all());

    let ok = Setup::new(
        "[[policy]]\nname = \"x\"\nprovider = \"dyn\"\nusername = \"u\"\npassword = \"p\"\nhosts = [\"a.example.org\"]\ninterface = \"eth0\"\n",
    );
    let r = ok.run(&["check"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("valid, 1 policy") && r.stdout.contains("x: provider dyn"),
        "{}",
        r.all()
    );

    // A host behind the router: check names the LAN interface and the host id it composes.
    let lan = Setup::new(
        "[[policy]]\nname = \"nas\"\nprovider = \"dyn\"\nusername = \"u\"\npassword = \"p\"\nhosts = [\"nas.example.org\"]\ninterface = \"eth0\"\nipv6 = true\nipv6_prefix_from = \"br-lan\"\nipv6_host_mac = \"00:11:22:33:44:55\"\n",
    );
    let r = lan.run(&["check"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("IPv6 of a host behind the router: the prefix on br-lan + host id ::211:22ff:fe33:4455 (EUI-64 of 00:11:22:33:44:55)"),
        "{}",
        r.all()
    );

    let missing = util::run_with(
        std::path::Path::new("/nonexistent/dynward.toml"),
        &["check"],
        &[],
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("/nonexistent/dynward.toml: cannot read the config file"),
        "{}",
        missing.all()
    );
}

/// `status` without a daemon reports a corrupt state file (kept aside) instead of showing an
/// empty state as if nothing were recorded.
#[test]
fn status_reports_a_corrupt_state_file() {
    let srv = FakeServer::http();
    let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], PW, ""));
    std::fs::create_dir_all(s.state_dir()).expect("mkdir");
    std::fs::write(s.state_dir().join("state.json"), "{ not json").expect("write");
    let r = s.run(&["status"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("unreadable state file"), "{}", r.all());
}

/// A corrupt state file is reported, kept aside, and the run continues from empty state.
#[test]
fn corrupt_state_kept_aside() {
    let srv = FakeServer::http();
    let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], PW, ""));
    std::fs::create_dir_all(s.state_dir()).expect("mkdir");
    std::fs::write(s.state_dir().join("state.json"), "{ not json").expect("write");
    let r = s.run(&["once"]);
    assert!(r.stdout.contains("unreadable state file"), "{}", r.all());
    let kept: Vec<_> = std::fs::read_dir(s.state_dir())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("state.json.bad-")
        })
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::read_to_string(kept[0].path()).expect("read"),
        "{ not json"
    );
    assert!(s.state().contains("203.0.113.7"), "new state written");
    assert_eq!(r.code, 1, "the run reports the problem in its status");
}

/// An unwritable state directory stops `once` before anything is sent.
#[test]
fn unwritable_state_sends_nothing() {
    let srv = FakeServer::http();
    let s = Setup::new(&format!(
        "state_dir = \"{{state}}/sub\"\n{}",
        web_policy(&srv, "home", &["home.example.org"], PW, "")
    ));
    // A file where the state directory should be: unwritable for root too.
    std::fs::write(s.state_dir(), "not a directory").expect("write");
    let r = s.run(&["once"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains("no update sent, because its result could not be recorded"),
        "{}",
        r.all()
    );
    assert!(srv.requests().is_empty());
}

/// The password never appears in any output, log or state file, at the most verbose level,
/// across check, dry run, a real run, a failing run, a fatal answer and reset.
#[test]
fn password_never_leaks() {
    let srv = FakeServer::http();
    let tpl = format!(
        "http://{}/nic/update?hostname=<h>&myip=<a>&p=<password>",
        srv.addr
    );
    let cfg = format!(
        "state_dir = \"{{state}}\"\n{}{}",
        web_policy(&srv, "home", &["home.example.org"], PW, ""),
        web_policy(&srv, "tpl", &["t.example.org"], PW, "").replace(
            &format!("server = \"{}\"", srv.url()),
            &format!("url = \"{tpl}\"")
        )
    );
    let s = Setup::new(&cfg);
    // The server echoes the query back: a reply body carrying the password must be scrubbed.
    srv.script([
        Script::Reply(200, "good 203.0.113.7".into()),
        Script::Reply(200, format!("odd p={PW} p=Sup3r-s3cret%26pw")),
    ]);
    let mut everything = String::new();
    for args in [
        vec!["-vvv", "check"],
        vec!["-vvv", "once", "--dry-run"],
        vec!["-vvv", "once"],
        vec!["-vvv", "once", "--force"],
        vec!["-vvv", "reset", "home"],
    ] {
        let r = util::run_with(&s.config(), &args, &[("DYNWARD_LOG", "trace")]);
        everything.push_str(&r.all());
    }
    srv.script([Script::Reply(401, format!("badauth for {PW}"))]);
    srv.set_checkip("203.0.113.77");
    everything.push_str(&util::run_with(&s.config(), &["-vvv", "once"], &[]).all());
    everything.push_str(&s.state());
    assert!(
        everything.contains("TRACE") || everything.contains("DEBUG"),
        "verbose logging was on"
    );
    assert!(everything.len() > 1000);
    for needle in [PW, "Sup3r-s3cret%26pw", "Sup3r-s3cret"] {
        assert!(
            !everything.contains(needle),
            "{needle} leaked:\n{everything}"
        );
    }
}

/// An unknown policy name on the command line is a usage error naming the known ones.
#[test]
fn unknown_policy_name() {
    let srv = FakeServer::http();
    let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], PW, ""));
    let r = s.run(&["once", "nope"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no policy named \"nope\"") && r.stderr.contains("policies: home"),
        "{}",
        r.all()
    );
}

/// The DYNWARD_* and PATH lines a hook was given.
fn hook_env(out: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("DYNWARD_") || l.starts_with("PATH="))
        .map(String::from)
        .collect()
}

/// `once` runs on_change after a `good` and on_error after a stop, with the environment the
/// daemon gives for the same events (compared with a daemon's hooks over a fresh state), and
/// nothing of its own environment.
#[test]
fn once_runs_hooks_as_the_daemon_does() {
    let ok = FakeServer::http();
    let bad = FakeServer::http();
    bad.respond_with(|_| Script::Reply(401, "badauth".into()));
    let s = Setup::new("");
    let (change, change_out) = s.env_hook("change");
    let (error, error_out) = s.env_hook("error");
    let cfg = |state: &str| {
        format!(
            "state_dir = \"{state}\"\non_error = [\"{}\"]\n{}{}",
            error.display(),
            web_policy(
                &ok,
                "home",
                &["home.example.org"],
                PW,
                &format!(
                    "stable_for = \"0s\"\non_change = [\"{}\", \"arg\"]",
                    change.display()
                ),
            ),
            web_policy(
                &bad,
                "office",
                &["office.example.org"],
                PW,
                "stable_for = \"0s\""
            ),
        )
    };
    s.write_config(&cfg("{state}"));
    let r = util::run_with(&s.config(), &["once"], &[("DYNWARD_LOG", "info")]);
    assert_eq!(r.code, 1, "office was refused\n{}", r.all());
    let from_once = (hook_env(&change_out), hook_env(&error_out));
    for want in [
        "DYNWARD_POLICY=home",
        "DYNWARD_HOSTS=home.example.org",
        "DYNWARD_ADDRESS=203.0.113.7",
        "DYNWARD_CODE=good",
        "DYNWARD_STATE=sleeping",
        "DYNWARD_EVENT=change",
        "DYNWARD_MESSAGE=the provider updated the record to the address sent",
    ] {
        assert!(
            from_once.0.iter().any(|l| l == want),
            "{want}: {from_once:?}\n{}",
            r.all()
        );
    }
    for want in [
        "DYNWARD_POLICY=office",
        "DYNWARD_CODE=badauth",
        "DYNWARD_STATE=invalid",
        "DYNWARD_EVENT=error",
    ] {
        assert!(
            from_once.1.iter().any(|l| l == want),
            "{want}: {from_once:?}\n{}",
            r.all()
        );
    }
    let everything = std::fs::read_to_string(&change_out).expect("hook ran");
    assert!(!everything.contains("DYNWARD_LOG"), "{everything}");
    assert!(!everything.contains(PW), "{everything}");

    // The daemon, over a fresh state, gives the same environment for the same events.
    for f in [&change_out, &error_out] {
        std::fs::remove_file(f).expect("remove");
    }
    let fresh = s.dir.path().join("daemon-state");
    s.write_config(&cfg(&fresh.display().to_string()));
    let d = DaemonProc::start(&s.config(), None);
    assert!(
        wait_for(10, || change_out.exists() && error_out.exists()),
        "{}",
        d.log()
    );
    assert_eq!((hook_env(&change_out), hook_env(&error_out)), from_once);
}

/// A network failure in `once` starts the machine's back-off, in the state file: the next
/// `once` sends nothing until it ends (unless forced), and a daemon started then sees the
/// same record and keeps to it.
#[test]
fn network_backoff_is_shared_by_once_and_the_daemon() {
    let srv = FakeServer::http();
    srv.script([Script::Hang]);
    let s = Setup::with(
        &web_policy(
            &srv,
            "home",
            &["home.example.org"],
            PW,
            "stable_for = \"0s\"",
        )
        .replace("\ntimeout = \"2s\"", "\ntimeout = \"1s\""),
    );
    let r = s.run(&["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout
            .contains("not delivered: no reply from 127.0.0.1 within the timeout"),
        "{}",
        r.all()
    );
    let st = state_of(&s);
    let home = &st["policies"]["home"];
    assert_eq!(home["net_failures"], 1, "{st}");
    let retry_at = home["retry_at"].as_u64().expect("retry_at");
    let failed_at = home["failed_at"].as_u64().expect("failed_at");
    assert!((24..=36).contains(&(retry_at - failed_at)), "{st}");

    // The server works again, but the back-off stands.
    let r = s.run(&["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout
            .contains("not sent: retrying after a network failure (1 in a row)"),
        "{}",
        r.all()
    );
    assert_eq!(srv.requests().len(), 1, "nothing sent inside the back-off");

    let mut d = DaemonProc::start(&s.config(), None);
    assert!(
        wait_for(5, || {
            let r = s.run(&["status", "--json"]);
            r.stdout
                .contains("until the retry after a network failure (1 in a row)")
        }),
        "{}",
        d.log()
    );
    // Sleeping until the retry: the daemon has decided to keep the back-off.
    assert_eq!(
        srv.requests().len(),
        1,
        "the daemon keeps the back-off\n{}",
        d.log()
    );
    d.stop();
    assert_eq!(
        state_of(&s)["policies"]["home"]["retry_at"],
        retry_at,
        "the same record"
    );

    // --force tries at once: the back-off is ours, not the provider's verdict.
    let r = s.run(&["once", "--force"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(srv.requests().len(), 2);
    assert!(state_of(&s)["policies"]["home"].get("retry_at").is_none());
}

/// Rotating the password re-sends nothing the provider already has (measured against a real
/// dyndns2 server, each such nochg counts as a client fault): the next run sends nothing. The
/// state file's fingerprint is keyed, with the key in a file of its own.
#[test]
fn password_rotation_sends_nothing() {
    let srv = FakeServer::http();
    let cfg = format!(
        "state_dir = \"{{state}}\"\n{}",
        web_policy(&srv, "home", &["home.example.org"], PW, "")
    );
    let s = Setup::new(&cfg);
    assert_eq!(s.run(&["once"]).code, 0);
    s.write_config(&cfg.replace(PW, "a-rotated-password"));
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("up-to-date"), "{}", r.all());
    assert_eq!(srv.requests().len(), 1, "nothing sent again");
    let st = state_of(&s);
    let fp = st["policies"]["home"]["fingerprint"]
        .as_str()
        .expect("fingerprint");
    assert!(fp.starts_with("k2:"), "{fp}");
    let key = s.state_dir().join("fingerprint.key");
    assert_eq!(std::fs::read(&key).expect("key file").len(), 32);
    // A new address still goes out, with the new password.
    srv.set_checkip("203.0.113.8");
    assert_eq!(s.run(&["once"]).code, 0);
    assert_eq!(srv.requests().len(), 2);
}

/// `web_policy` with another user name.
fn as_user(policy: String, user: &str) -> String {
    policy.replace("username = \"alice\"", &format!("username = \"{user}\""))
}

/// A provider's verdict binds every policy that talks to that server: `badagent` to one
/// policy stops the others at that server, whatever their account, within the same pass and in
/// the next, and says whose answer it was; a policy at another server goes on; a reset of any
/// bound policy lifts it. `badauth` binds the account only; `911` holds the whole server.
#[test]
fn verdicts_bind_every_policy_at_the_server() {
    let srv = FakeServer::http();
    srv.respond_with(|r| match r.param("hostname").as_deref() {
        Some("a.example.org") => Script::Reply(200, "badagent".into()),
        _ => Script::Reply(200, "good".into()),
    });
    let other = FakeServer::http();
    let s = Setup::with(
        &[
            web_policy(&srv, "a", &["a.example.org"], PW, ""),
            as_user(web_policy(&srv, "b", &["b.example.org"], PW, ""), "bob"),
            web_policy(&other, "c", &["c.example.org"], PW, ""),
        ]
        .concat(),
    );
    let r = s.run(&["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_eq!(
        srv.requests().len(),
        1,
        "only a's request went out\n{}",
        r.all()
    );
    assert_eq!(other.requests().len(), 1);
    assert!(
        r.stdout.contains("b.example.org: stopped since ")
            && r.stdout
                .contains("by badagent (for every policy at http://127.0.0.1:")
            && r.stdout.contains("; policy a got it)"),
        "{}",
        r.all()
    );
    assert_eq!(s.run(&["once"]).code, 1);
    assert_eq!(srv.requests().len(), 1, "nothing more to that server");
    let st = s.run(&["status", "--json"]);
    assert_eq!(st.code, 1);
    let v: serde_json::Value = serde_json::from_str(&st.stdout).expect("json");
    let b = &v["policies"][1];
    assert_eq!(
        (b["name"].as_str(), b["stop"]["by"].as_str()),
        (Some("b"), Some("a")),
        "{b}"
    );
    assert_eq!(b["stop"]["code"], "badagent");
    // A reset of b lifts it for a too: a's request is sent (and refused again), then b's is
    // stopped by the new verdict.
    assert_eq!(s.run(&["reset", "b"]).code, 0);
    s.run(&["once"]);
    assert_eq!(srv.requests().len(), 2);

    // badauth binds alice's account at the server; bob's goes on.
    let srv = FakeServer::http();
    srv.respond_with(|r| match r.auth.as_deref() {
        // base64("alice:Sup3r-s3cret&pw")
        Some("Basic YWxpY2U6U3VwM3ItczNjcmV0JnB3") => Script::Reply(401, "badauth".into()),
        _ => Script::Reply(200, "good".into()),
    });
    let s = Setup::with(
        &[
            web_policy(&srv, "a", &["a.example.org"], PW, ""),
            as_user(web_policy(&srv, "b", &["b.example.org"], PW, ""), "bob"),
            web_policy(&srv, "d", &["d.example.org"], PW, ""),
        ]
        .concat(),
    );
    let r = s.run(&["once"]);
    let hosts: Vec<String> = srv
        .requests()
        .iter()
        .filter_map(|q| q.param("hostname"))
        .collect();
    assert_eq!(hosts, ["a.example.org", "b.example.org"], "{}", r.all());
    assert!(
        r.stdout.contains("(for account alice at http://127.0.0.1:"),
        "{}",
        r.all()
    );

    // 911 holds every policy at the server.
    let srv = FakeServer::http();
    srv.respond_with(|_| Script::Reply(500, "911".into()));
    let s = Setup::with(
        &[
            web_policy(&srv, "a", &["a.example.org"], PW, ""),
            as_user(web_policy(&srv, "b", &["b.example.org"], PW, ""), "bob"),
        ]
        .concat(),
    );
    let r = s.run(&["once"]);
    assert_eq!(srv.requests().len(), 1, "{}", r.all());
    assert!(
        r.stdout.contains(
            "b.example.org: not sent: dynward waits after the provider's error (911) until "
        ),
        "{}",
        r.all()
    );
}

/// Without a daemon, `status` shows what the state file records: after `once` got `badauth`
/// the account's stop with its code, reason and what to do; after `nohost` the host's stop;
/// after `911` the server's hold and its end; after a network failure the back-off and its
/// end. Text and JSON say the same.
#[test]
fn offline_status_shows_every_stop_and_hold() {
    let auth = FakeServer::http();
    auth.script([Script::Reply(401, "badauth".into())]);
    let host = FakeServer::http();
    host.script([Script::Reply(200, "nohost".into())]);
    let outage = FakeServer::http();
    outage.script([Script::Reply(500, "911".into())]);
    let down = FakeServer::http();
    let s = Setup::with(
        &[
            web_policy(&auth, "auth", &["auth.example.org"], PW, ""),
            web_policy(&host, "host", &["host.example.org"], PW, ""),
            web_policy(&outage, "outage", &["outage.example.org"], PW, ""), // The check-IP service answers; the update server is a closed port.
            web_policy(&down, "down", &["down.example.org"], PW, "")
                .replace(&down.url(), "http://127.0.0.1:9/nic/update"),
        ]
        .concat(),
    );
    let r = s.run(&["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    let st = s.run(&["status", "--json"]);
    assert_eq!(st.code, 1, "a stop needs the user: {}", st.all());
    let v: serde_json::Value = serde_json::from_str(&st.stdout).expect("json");
    assert_eq!(v["running"], false);
    let p = |name: &str| {
        v["policies"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no policy {name}: {v}"))
    };
    let a = p("auth");
    assert_eq!(a["state"], "not running");
    assert_eq!(
        a["reason"],
        "stopped: the provider rejected the user name or password (badauth)"
    );
    assert_eq!(a["stop"]["code"], "badauth", "{a}");
    assert!(
        !a["stop"]["reason"].as_str().unwrap_or("").is_empty(),
        "{a}"
    );
    assert!(
        a["stop"]["action"]
            .as_str()
            .unwrap_or("")
            .contains("dynward reset auth"),
        "{a}"
    );
    let h = p("host");
    assert_eq!(h["hosts"][0]["stop"]["code"], "nohost", "{h}");
    let o = p("outage");
    let until = o["hold"]["until"]["unix"].as_u64().expect("hold until");
    assert_eq!(o["hold"]["code"], "911", "{o}");
    let now = dynward::clock::unix_now();
    assert!(
        (now + 1700..=now + 1802).contains(&until),
        "{until} vs {now}: {o}"
    );
    let d = p("down");
    assert_eq!(d["retry"]["failures"], 1, "{d}");
    assert!(
        d["retry"]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("127.0.0.1:9"),
        "{d}"
    );
    let retry = d["retry"]["until"]["unix"].as_u64().expect("retry until");
    assert!(
        (now + 20..=now + 40).contains(&retry),
        "{retry} vs {now}: {d}"
    );

    let text = s.run(&["status"]);
    assert_eq!(text.code, 1);
    for words in [
        "auth: not running: stopped: ",
        "stopped by badauth since ",
        "host.example.org: nohost at",
        "stopped by nohost since",
        "until",
        "after 1 network failure in a row: ",
        "; addresses not read without a daemon",
    ] {
        assert!(text.stdout.contains(words), "{words:?} in\n{}", text.stdout);
    }
}

/// A command address source: what it prints is read like a check-IP page and published; a
/// command that fails, prints no address, prints a private one or hangs is named with what
/// went wrong, and nothing is sent.
#[test]
fn command_address_source() {
    use std::os::unix::fs::PermissionsExt;
    let srv = FakeServer::http();
    let dir = tempfile::tempdir().expect("tempdir");
    let script = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("script");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        p.display().to_string()
    };
    let setup = |cmd: &str| {
        Setup::new(&format!(
            "state_dir = \"{{state}}\"\nhook_timeout = \"1s\"\n[[policy]]\nname = \"c\"\nserver = \"{}\"\nallow_insecure_http = true\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"c.example.org\"]\ncommand = [\"{cmd}\", \"wan\"]\n",
            srv.url()
        ))
    };
    let ok = script("ok.sh", "echo \"$1 address: 203.0.113.77\"");
    let r = setup(&ok).run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains(&format!("via command {ok} wan")),
        "{}",
        r.all()
    );
    assert_eq!(srv.requests().len(), 1, "{}", r.all());
    assert_eq!(
        srv.requests()[0].param("myip").as_deref(),
        Some("203.0.113.77")
    );

    for (name, body, said) in [
        (
            "fail.sh",
            "echo 'modem unreachable' >&2; exit 3",
            "failed with exit status 3: modem unreachable",
        ),
        ("junk.sh", "echo hello", "printed no IP address: hello"),
        (
            "private.sh",
            "echo 10.0.0.1",
            "address command reported 10.0.0.1: private",
        ),
        ("slow.sh", "sleep 5", "still running after 1s; killed"),
    ] {
        let path = script(name, body);
        let r = setup(&path).run(&["once"]);
        assert_eq!(r.code, 1, "{name}: {}", r.all());
        assert!(r.stdout.contains(said), "{name}: {}", r.all());
        assert_eq!(srv.requests().len(), 1, "{name}: nothing sent");
    }
    let r = setup("/nonexistent/ip").run(&["once"]);
    assert!(
        r.stdout
            .contains("address command /nonexistent/ip could not be started"),
        "{}",
        r.all()
    );
}

/// `server` next to `provider`: the preset's quirks (OVH's `system=dyndns`), sent to the
/// server given.
#[test]
fn preset_sent_to_another_endpoint() {
    let srv = FakeServer::http();
    let s = Setup::with(&format!(
        "[[policy]]\nname = \"o\"\nprovider = \"ovh\"\nserver = \"{}\"\nallow_insecure_http = true\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"o.example.org\"]\nweb = \"http://{}/ip\"\n",
        srv.url(),
        srv.addr
    ));
    srv.respond_with(|r| {
        if r.path == "/ip" {
            util::Script::Reply(200, "203.0.113.9".into())
        } else {
            let ip = r.param("myip").unwrap_or_default();
            util::Script::Reply(200, format!("good {ip}"))
        }
    });
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains(&format!("provider ovh at server {}", srv.url())),
        "{}",
        r.all()
    );
    let update = srv
        .requests()
        .into_iter()
        .find(|q| q.path != "/ip")
        .expect("an update");
    assert_eq!(
        update.param("system").as_deref(),
        Some("dyndns"),
        "{update:?}"
    );
    assert_eq!(update.param("myip").as_deref(), Some("203.0.113.9"));
}
