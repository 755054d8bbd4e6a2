//! What a new user sees, on the real binary: help, the example config, `check`, the dry run,
//! `status` (text and JSON), `reset` and the man page say what the program does.

use crate::util;

use std::process::{Command, Stdio};

use util::{FakeServer, Setup, bin, wait_for, web_policy};

const PW: &str = "Sup3r-s3cret&pw";

/// The lines of `text` that a log at `level` (INFO, DEBUG...) wrote.
fn at_level(text: &str, level: &str) -> usize {
    text.lines()
        .filter(|l| l.split_whitespace().nth(1) == Some(level))
        .count()
}

/// The daemon's stderr for `args` (before `run`), stopped once it has started.
fn daemon_log(s: &Setup, args: &[&str]) -> String {
    let log = s.dir.path().join(format!("run{}.log", args.len()));
    let mut child = Command::new(bin())
        .arg("--config")
        .arg(s.config())
        .args(args)
        .arg("run")
        .env_remove("DYNWARD_LOG")
        .env_remove("STATE_DIRECTORY")
        .env("DYNWARD_RESOLV_CONF", util::NO_RESOLVER)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start daemon");
    let started = wait_for(10, || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("sleeping"))
    });
    util::sh(&["kill", "-TERM", &child.id().to_string()]);
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(started, "{text}");
    text
}

/// `--help` says what `-v` does, and it does that: the one-shot commands log warnings by
/// default, info with -v, debug with -vv; `run` logs info by default and debug with -v.
#[test]
fn verbosity_is_as_the_help_says() {
    let help = util::run_with(std::path::Path::new("/dev/null"), &["--help"], &[]);
    assert!(
        help.stdout
            .contains("-v info, -vv debug (run logs info already: -v debug)"),
        "{}",
        help.all()
    );
    let srv = FakeServer::http();
    let s = Setup::with(&web_policy(
        &srv,
        "home",
        &["home.example.org"],
        PW,
        "stable_for = \"0s\"",
    ));
    let levels = |args: &[&str]| {
        let r = s.run(args);
        (
            at_level(&r.stderr, "INFO") > 0,
            at_level(&r.stderr, "DEBUG") > 0,
        )
    };
    assert_eq!(levels(&["once", "--dry-run"]), (false, false));
    assert_eq!(levels(&["-v", "once", "--dry-run"]), (true, false));
    assert_eq!(levels(&["-vv", "once", "--dry-run"]), (true, true));
    let quiet = daemon_log(&s, &[]);
    assert!(
        at_level(&quiet, "INFO") > 0 && at_level(&quiet, "DEBUG") == 0,
        "{quiet}"
    );
    let loud = daemon_log(&s, &["-v"]);
    assert!(at_level(&loud, "DEBUG") > 0, "{loud}");
}

/// The example config's credential name is the policy's name, as dynward reads it
/// (`$CREDENTIALS_DIRECTORY/<name>`): proved by running `check` over the example with the
/// credential it names and no password.
#[test]
fn example_config_names_the_credential_dynward_reads() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/dynward.toml"))
        .expect("example");
    assert!(
        !text.contains("dynward-home"),
        "the old, wrong name is gone"
    );
    let named = text
        .split("LoadCredential=")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .expect("the example names a LoadCredential");
    let s = Setup::new(&text.replace("password = \"change-me\"\n", ""));
    let creds = s.dir.path().join("creds");
    std::fs::create_dir_all(&creds).expect("mkdir");
    std::fs::write(creds.join(named), "from-the-credential\n").expect("credential");
    let r = util::run_with(
        &s.config(),
        &["check"],
        &[("CREDENTIALS_DIRECTORY", &creds.display().to_string())],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains(&format!("password from systemd credential {named}")),
        "{}",
        r.all()
    );
}

/// The README's first command on a fresh clone (the example as git leaves it, readable by
/// all): the dry run needs no password and warns of nothing; `once` without `--dry-run`
/// and `check` still ask for the password the example leaves to a systemd credential
/// (issue 21). The source is a fixed command here: the machine's default route is not
/// the test's business.
#[test]
fn the_example_dry_run_needs_no_password_and_warns_of_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/dynward.toml"))
        .expect("example");
    assert!(
        !text.lines().any(|l| l.starts_with("password")),
        "the example holds no password"
    );
    let s = Setup::new(&text.replace(
        "interface = \"auto\"",
        "command = [\"/bin/echo\", \"203.0.113.7\"]",
    ));
    std::fs::set_permissions(s.config(), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let state = s.dir.path().join("state");
    let state_env = state.display().to_string();
    let env = [("STATE_DIRECTORY", state_env.as_str())];
    let r = util::run_with(&s.config(), &["once", "--dry-run"], &env);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.stderr.contains("warning"), "{}", r.all());
    assert!(
        r.stdout.contains("would send: GET https://members.dyndns.org/v3/update?hostname=home.example.org,nas.example.org&myip=203.0.113.7"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains("Authorization: Basic ********"),
        "{}",
        r.all()
    );
    for args in [&["check"][..], &["once"][..]] {
        let r = util::run_with(&s.config(), args, &env);
        assert_eq!(r.code, 1, "{args:?}: {}", r.all());
        assert!(
            r.all().contains("policy[0].password: missing"),
            "{args:?}: {}",
            r.all()
        );
    }
}

/// `reset` of a host the policy does not have is a usage error (exit 2) that lists the
/// policy's hosts, with and without a daemon; a host it has is reset.
#[test]
fn reset_of_an_unknown_host_is_an_error() {
    let srv = FakeServer::http();
    let s = Setup::with(&web_policy(&srv, "home", &["home.example.org"], PW, ""));
    assert_eq!(s.run(&["once"]).code, 0);
    let check = |r: util::Run| {
        assert_eq!(r.code, 2, "{}", r.all());
        assert!(
            r.stderr
                .contains("policy \"home\" has no host \"nosuch.example.org\"")
                && r.stderr.contains("its hosts: home.example.org"),
            "{}",
            r.all()
        );
    };
    check(s.run(&["reset", "home", "--host", "nosuch.example.org"]));
    let d = util::DaemonProc::start(&s.config(), None);
    assert!(
        wait_for(5, || {
            let r = s.run(&["status"]);
            r.stdout.contains("home: ") && !r.stdout.contains("not running")
        }),
        "the daemon answers: {}",
        d.log()
    );
    check(s.run(&["reset", "home", "--host", "nosuch.example.org"]));
    let r = s.run(&["reset", "home", "--host", "home.example.org"]);
    assert_eq!(r.code, 0, "{}", r.all());
}

/// A template policy is a `url template` in `check` and in the dry run alike; the dry run
/// masks the password where the request carries it (the template's slot and the
/// Authorization header) and shows the rest as sent, even when the password is a common
/// substring of it: comparing it with `check` reveals nothing.
#[test]
fn dry_run_masks_the_password_where_it_is_carried() {
    let srv = FakeServer::http();
    for (password, host) in [("ddns", "bobhome.ddns.net"), ("x", "home.example.org")] {
        let tpl = format!(
            "http://{}/nic/update?hostname=<h>&myip=<a>&pass=<password>",
            srv.addr
        );
        let cfg = web_policy(&srv, "home", &[host], password, "").replace(
            &format!("server = \"{}\"", srv.url()),
            &format!("url = \"{tpl}\""),
        );
        let s = Setup::new(&format!("state_dir = \"{{state}}\"\n{cfg}"));
        let check = s.run(&["check"]);
        assert!(
            check.stdout.contains("home: url template, user alice"),
            "{}",
            check.all()
        );
        let r = s.run(&["once", "--dry-run"]);
        assert_eq!(r.code, 0, "{}", r.all());
        assert!(
            r.stdout.contains("policy home: url template via web "),
            "{}",
            r.all()
        );
        assert!(
            r.stdout.contains(&format!(
                "would send: GET http://{}/nic/update?hostname={host}&myip=203.0.113.7&pass=********\n",
                srv.addr
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
    }
}

/// `check` on a config as users of other clients write it: every problem located, and each
/// says what dynward calls it, in a sentence.
#[test]
fn config_errors_help_the_users_of_other_clients() {
    let s = Setup::new(
        "daemon = 300\nssl = true\n[[policy]]\nname = \"home\"\nprotocol = \"dyndns2\"\nprovider = \"no-ip\"\nlogin = \"alice\"\npassword = \"pw\"\nhostname = \"home.example.org\"\nuse = \"if\"\nusev4 = \"ifv4\"\ncheckip-server = \"checkip.example\"\nstable_for = \"5 minutes\"\nmin_interval = \"1.5s\"\n",
    );
    let r = s.run(&["check"]);
    assert_eq!(r.code, 1, "{}", r.all());
    let f = s.config().display().to_string();
    for (at, says) in [
        ("1:1: daemon", "`dynward run` is the daemon"),
        (
            "2:1: ssl",
            "dynward uses https:// unless `server` or `url` says http://",
        ),
        ("5:1: policy[0].protocol", "dynward speaks dyndns2"),
        ("6:12: policy[0].provider", "did you mean \"noip\"?"),
        (
            "7:1: policy[0].login",
            "the account's user name is `username`",
        ),
        (
            "9:1: policy[0].hostname",
            "`hosts = [\"home.example.org\"]`",
        ),
        (
            "10:1: policy[0].use",
            "the address source is `interface = \"eth0\"`",
        ),
        ("11:1: policy[0].usev4", "the address source is"),
        (
            "12:1: policy[0].checkip-server",
            "a check-IP service is `web = ",
        ),
        (
            "13:14: policy[0].stable_for",
            "\"5 minutes\" is written \"5m\"",
        ),
        (
            "14:16: policy[0].min_interval",
            "\"1.5s\": whole numbers only",
        ),
    ] {
        let line = r
            .stderr
            .lines()
            .find(|l| l.contains(&format!("{f}:{at}:")))
            .unwrap_or_else(|| panic!("no problem at {at}:\n{}", r.all()));
        assert!(line.contains(says), "{at}: {line}");
        assert!(!line.contains("did you mean \"url\""), "{line}");
    }
    assert!(
        r.stderr.contains("e.g. \"30s\", \"10m\", \"25d\""),
        "durations say the accepted form\n{}",
        r.all()
    );
}

/// The Hurricane Electric one-host rule points at `hosts`; a duplicate policy name says
/// where the first one is.
#[test]
fn config_errors_point_at_the_right_line() {
    let he = "[[policy]]\nname = \"a\"\nprovider = \"he\"\npassword = \"pw\"\ninterface = \"eth0\"\nhosts = [\"a.example.org\", \"b.example.org\"]\n";
    let r = Setup::new(he).run(&["check"]);
    assert!(
        r.stderr
            .contains(":6:9: policy[0].hosts: provider \"he\" has one key per host"),
        "{}",
        r.all()
    );
    let one = "[[policy]]\nname = \"home\"\nprovider = \"dyn\"\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"a.example.org\"]\ninterface = \"eth0\"\n";
    let r = Setup::new(&format!("{one}{one}")).run(&["check"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains(
            ":9:8: policy[1].name: duplicate policy name \"home\": policy[0] at line 2 has it already"
        ),
        "{}",
        r.all()
    );
}

/// A config holding a password warns when others (or a group other than root's and the
/// service's) can read it, as a password_file does; 0600 and root:root 0640 are quiet.
#[test]
fn a_readable_config_with_a_password_warns() {
    use std::os::unix::fs::PermissionsExt;
    let one = "[[policy]]\nname = \"home\"\nprovider = \"dyn\"\nusername = \"u\"\npassword = \"pw-in-file\"\nhosts = [\"a.example.org\"]\ninterface = \"eth0\"\n";
    let s = Setup::new(one);
    let warned = |mode: u32| {
        std::fs::set_permissions(s.config(), std::fs::Permissions::from_mode(mode)).expect("chmod");
        let r = s.run(&["check"]);
        assert_eq!(r.code, 0, "{}", r.all());
        assert!(!r.all().contains("pw-in-file"), "{}", r.all());
        r.stderr
            .lines()
            .find(|l| l.contains("holds the password of home"))
            .map(String::from)
    };
    let w = warned(0o644).expect("0644 warns");
    assert!(
        w.contains("readable by others") && w.contains("chmod 600"),
        "{w}"
    );
    assert_eq!(warned(0o600), None);
    // The file's group: root when the tests run as root, else the user's own group.
    let own_group = std::fs::metadata(s.config()).map(|m| {
        use std::os::unix::fs::MetadataExt;
        m.gid()
    });
    if own_group.is_ok_and(|g| g == 0) {
        assert_eq!(warned(0o640), None, "root's group may read it");
    } else {
        let w = warned(0o640).expect("a user's group is not trusted");
        assert!(w.contains("readable by its group"), "{w}");
    }
}

const CET: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

/// Two policies stopped and held by `once`: `status` without a daemon shows what the state
/// file records. Each stop is said once, with what to do for this policy; the provider's
/// hold is the only "hold"; times are local with their offset; the hold's end is the same
/// second as in the dry run; the exit status says the user must act (1).
#[test]
fn status_text_says_what_to_do_in_local_time() {
    let bad = FakeServer::http();
    bad.respond_with(|_| util::Script::Reply(401, "badauth".into()));
    let held = FakeServer::http();
    held.respond_with(|_| util::Script::Reply(200, "911".into()));
    let s = Setup::with(
        &[
            web_policy(
                &bad,
                "home",
                &["home.example.org"],
                PW,
                "stable_for = \"0s\"",
            ),
            web_policy(
                &held,
                "office",
                &["office.example.org"],
                PW,
                "stable_for = \"0s\"\ncheck_interval = \"1h\"",
            ),
        ]
        .concat(),
    );
    let first = s.run(&["once"]);
    assert_eq!(first.code, 1);
    assert!(
        first.stdout.contains("or run `dynward reset home`") && !first.all().contains("POLICY"),
        "the advice names the policy: {}",
        first.all()
    );
    let tz = [("TZ", CET)];
    let r = util::run_with(&s.config(), &["status"], &tz);
    assert_eq!(r.code, 1, "a stop needs the user: {}", r.all());
    let out = &r.stdout;
    assert!(
        out.contains("dynward is not running; showing what the state file records"),
        "{out}"
    );
    let stop = out
        .lines()
        .find(|l| l.starts_with("  stopped by badauth since "))
        .unwrap_or_else(|| panic!("no stop line:\n{out}"));
    assert!(
        stop.contains(" +01:00 (for account alice at http://127.0.0.1:")
            && stop.contains("; policy home got it); to send again: "),
        "the account's verdict, and whose answer it was: {stop}"
    );
    assert!(stop.contains("or run `dynward reset home`"), "{stop}");
    assert!(
        !out.contains("POLICY") && !out.contains("(badauth) ("),
        "{out}"
    );
    assert_eq!(
        out.matches("badauth").count(),
        3,
        "the code in the policy's line (why it is stopped), once in the stop line, once in the host's answer (its explanation does not repeat it):\n{out}"
    );
    let (hold, whose) = out
        .lines()
        .find_map(|l| l.strip_prefix("  dynward waits after the provider's error (911) until "))
        .and_then(|rest| rest.split_once(" (for every policy at "))
        .unwrap_or_else(|| panic!("no hold line:\n{out}"));
    assert!(hold.ends_with(" +01:00"), "{hold}");
    assert!(whose.ends_with("; policy office got it)"), "{whose}");
    assert!(
        !out.contains("held until") && !out.contains("provider holds"),
        "{out}"
    );
    let dry = util::run_with(&s.config(), &["once", "--dry-run"], &tz);
    assert!(
        dry.stdout.contains(&format!(
            "office.example.org: not sent: dynward waits after the provider's error (911) until {hold}"
        )),
        "the same second in the dry run as in status:\n{}\n{out}",
        dry.stdout
    );

    // The running daemon says the same, in its states' words, and in the reader's zone, not
    // its own.
    let d = util::DaemonProc::start_env(&s.config(), None, &[("TZ", "UTC0")]);
    let running = || util::run_with(&s.config(), &["status"], &tz);
    assert!(
        wait_for(5, || running().stdout.contains("office: sleeping")),
        "{}",
        d.log()
    );
    let r = running();
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains(
            "home: invalid: the provider rejected the user name or password (badauth)\n  stopped by badauth since "
        ),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains(&format!(
            "office: sleeping until the wait after the provider's error (911) ends, at {hold}\n"
        )),
        "{}",
        r.all()
    );
    let utc = util::run_with(&s.config(), &["status"], &[("TZ", "UTC0")]);
    assert_eq!(utc.code, 1, "{}", utc.all());
    assert!(
        utc.stdout.contains(" +00:00") && !utc.stdout.contains(" +01:00"),
        "{}",
        utc.stdout
    );
}

/// `status --json`: one schema (`schema` 1), lists as arrays, every time as Unix seconds with
/// its RFC 3339 UTC text; a running daemon's next action keeps its second from one call to
/// the next; exit 0 while nothing needs the user.
#[test]
fn status_json_is_one_schema() {
    let srv = FakeServer::http();
    let s = Setup::with(&web_policy(
        &srv,
        "home",
        &["home.example.org"],
        PW,
        "stable_for = \"0s\"",
    ));
    let d = util::DaemonProc::start(&s.config(), None);
    let status = || {
        let r = s.run(&["status", "--json"]);
        (
            r.code,
            serde_json::from_str::<serde_json::Value>(&r.stdout).expect("json"),
        )
    };
    assert!(
        wait_for(10, || status().1["policies"][0]["state"] == "sleeping"),
        "{}",
        d.log()
    );
    let (code, v) = status();
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["schema"], 1);
    assert_eq!(v["running"], true);
    let p = &v["policies"][0];
    assert_eq!(p["addresses"], serde_json::json!(["203.0.113.7"]));
    let h = &p["hosts"][0];
    assert_eq!(h["accepted"][0]["address"], "203.0.113.7");
    for t in [
        &h["accepted"][0]["since"],
        &h["last"]["at"],
        &p["next"]["at"],
    ] {
        let unix = t["unix"].as_u64().unwrap_or_else(|| panic!("{t}"));
        let utc = t["utc"].as_str().unwrap_or_else(|| panic!("{t}"));
        assert!(utc.ends_with('Z') && utc.contains('T'), "{utc}");
        assert!(unix > 1_700_000_000, "{t}");
    }
    assert!(
        p["stop"].is_null() && h["stop"].is_null() && h["hold"].is_null(),
        "{p}"
    );
    let first = p["next"]["at"]["unix"].clone();
    for _ in 0..5 {
        std::thread::sleep(std::time::Duration::from_millis(230));
        assert_eq!(
            status().1["policies"][0]["next"]["at"]["unix"],
            first,
            "no flip"
        );
    }
    let text = util::run_with(&s.config(), &["status"], &[("TZ", CET)]);
    assert_eq!(text.code, 0, "{}", text.all());
    assert!(
        text.stdout
            .contains("home: sleeping until the next web check, at ")
            && text.stdout.contains("the provider has 203.0.113.7 since "),
        "{}",
        text.all()
    );
}

/// The man page, rendered with `man -l`: every reference section, `once` taking several
/// policies, the examples one per line as in `--help`, and only pages that exist in SEE ALSO.
#[test]
fn man_page_is_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("dynward.1");
    std::fs::write(&page, dynward::docs::man_page()).expect("write");
    let out = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "200")
        .env("MAN_KEEP_FORMATTING", "0")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .expect("man is installed (.ci/run installs man-db)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Overstrike (bold "X\bX", underline "_\bX") to plain text, as `col -b` does.
    let mut text = String::new();
    for c in String::from_utf8_lossy(&out.stdout).chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "COMMANDS",
        "CONFIGURATION",
        "ANSWERS",
        "STATES",
        "FILES",
        "SIGNALS",
        "ENVIRONMENT",
        "EXIT STATUS",
        "EXAMPLES",
        "SEE ALSO",
    ] {
        assert!(text.lines().any(|l| l == section), "no {section}:\n{text}");
    }
    assert!(
        text.contains("dynward once [--dry-run] [--force] [--verify] [POLICY]..."),
        "{text}"
    );
    for key in [
        "check_interval",
        "password_file",
        "hook_timeout",
        "ipv6_mode",
        "verify_for",
        "verify_every",
        "DYNWARD_RESOLV_CONF",
    ] {
        assert!(text.contains(key), "{key} undocumented");
    }
    let help = util::run_with(std::path::Path::new("/dev/null"), &["--help"], &[]);
    assert!(
        help.stdout.contains("`man dynward` is the full reference"),
        "{}",
        help.all()
    );
    for line in help
        .stdout
        .lines()
        .skip_while(|l| *l != "Examples:")
        .skip(1)
        .take_while(|l| !l.is_empty())
    {
        assert!(
            text.lines().any(|l| l.trim() == line.trim()),
            "example line reflowed: {line:?}\n{text}"
        );
    }
    let see_also = text.split("SEE ALSO").nth(1).expect("see also");
    assert!(!see_also.contains("dynward-"), "{see_also}");
}

/// A dual-stack policy in combined mode with only an IPv4 address says, in the dry run and
/// when it sends, that IPv6 is left out and that the provider will remove the AAAA record.
#[test]
fn dual_stack_says_what_it_leaves_out() {
    let srv = FakeServer::http();
    let s = Setup::with(&web_policy(
        &srv,
        "home",
        &["home.example.org"],
        PW,
        "ipv6 = true\nipv6_mode = \"combined\"\nstable_for = \"0s\"",
    ));
    for args in [&["once", "--dry-run"][..], &["once"][..]] {
        let r = s.run(args);
        assert!(
            r.stdout.contains("IPv6 is left out: no publishable IPv6 address now; with ipv6_mode = \"combined\" the provider replaces the host's addresses with those sent, so it removes the AAAA record"),
            "{args:?}: {}",
            r.all()
        );
    }
    assert_eq!(
        srv.requests()[0].param("myip").as_deref(),
        Some("203.0.113.7")
    );
    let d = util::DaemonProc::start(&s.config(), None);
    assert!(
        wait_for(5, || s
            .run(&["status", "--json"])
            .stdout
            .contains("\"left_out\":\"IPv6 is left out")),
        "{}",
        d.log()
    );
    let text = s.run(&["status"]);
    assert!(
        text.stdout.contains("\n  IPv6 is left out: "),
        "{}",
        text.all()
    );
}

/// `dynward providers` needs no config and lists every preset, the same in text and JSON
/// (the README's table comes from the same rows: a unit test keeps them equal).
#[test]
fn providers_lists_every_preset() {
    let run = |args: &[&str]| {
        let o = Command::new(bin())
            .args(["--config", "/nonexistent/dynward.toml", "providers"])
            .args(args)
            .output()
            .expect("run");
        assert!(o.status.success(), "{o:?}");
        String::from_utf8(o.stdout).expect("utf-8")
    };
    let text = run(&[]);
    let json: serde_json::Value = serde_json::from_str(&run(&["--json"])).expect("JSON");
    let rows = json.as_array().expect("a list");
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "dyn",
            "noip",
            "dynu",
            "3322",
            "oray",
            "ovh",
            "strato",
            "selfhost",
            "changeip",
            "he",
            "dnsomatic",
            "desec",
            "duckdns",
            "dynv6",
            "nsupdate.info",
            "infomaniak",
            "now-dns",
            "spdyn",
            "all-inkl",
            "ipv64",
            "ddnss",
            "dnshome",
            "freedns",
            "namecheap",
            "inwx",
            "easydns",
            "zoneedit",
            "loopia",
            "njalla",
            "ionos-dyndns",
            "rfc2136",
            "cloudflare",
            "porkbun",
            "hetzner",
            "digitalocean",
            "gandi",
            "ionos"
        ]
    );
    let cf = rows
        .iter()
        .find(|r| r["name"] == "cloudflare")
        .expect("cloudflare");
    assert_eq!(cf["server"], "https://api.cloudflare.com/client/v4");
    assert!(
        cf["notes"]
            .as_str()
            .is_some_and(|n| n.contains("PATCHes only its content")),
        "{cf}"
    );
    assert!(
        text.contains("a read, then at most one write, per host and family"),
        "{text}"
    );
    for r in rows {
        let (name, server) = (
            r["name"].as_str().expect("name"),
            r["server"].as_str().expect("server"),
        );
        assert!(
            text.lines()
                .any(|l| l.split_whitespace().collect::<Vec<_>>() == [name, server]),
            "{name} and its endpoint on one line: {text}"
        );
        assert!(
            text.contains(r["notes"].as_str().expect("notes")),
            "{name}: {text}"
        );
    }
    let duck = rows
        .iter()
        .find(|r| r["name"] == "duckdns")
        .expect("duckdns");
    assert!(
        duck["answers"]
            .as_str()
            .is_some_and(|a| a.starts_with("\"KO\" = badauth")),
        "{duck}"
    );
    assert!(text.contains("answers: \"KO\" = badauth"), "{text}");
    let he = rows.iter().find(|r| r["name"] == "he").expect("he");
    assert_eq!(he["hosts_per_request"], 1);
    assert!(text.contains("at most 1 host per request"), "{text}");
    let oray = rows.iter().find(|r| r["name"] == "oray").expect("oray");
    assert_eq!(oray["plain_http"], true);
}
