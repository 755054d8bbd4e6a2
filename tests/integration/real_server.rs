//! dynward against a real dyndns2 server it was not written with: nsupdate.info (an
//! open-source dyndns2 service, pinned in `tests/realserver/requirements.txt`) updating BIND9
//! (Debian's `named`) over RFC 2136 with a TSIG key. Both run on loopback inside a network
//! namespace the test creates; what was published is read back with real DNS queries.
//!
//! Root only, and it needs the service's virtualenv (`DYNWARD_NSUPDATE_VENV`, by default
//! `/var/cache/dynward-tests/nsupdate-venv`), `named` and `dig`: `.ci/run` installs them, and
//! `scripts/test` reports this test as skipped, never as passed, where they are missing.

// The clock rule (crate::clock only) is the library's: tests time the real binary from outside.
#![allow(clippy::disallowed_methods)]

use crate::util;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use util::{DaemonProc, Named, Netns, Setup, wait_for};

const DOMAIN: &str = "dyn.example.test";
const FQDN: &str = "home.dyn.example.test";
const SECRET: &str = "first-update-secret";
const ROTATED: &str = "rotated-update-secret";

fn venv() -> PathBuf {
    std::env::var_os("DYNWARD_NSUPDATE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/dynward-tests/nsupdate-venv"))
}

fn realserver_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/realserver")
}

/// nsupdate.info and BIND9 inside `ns`, stopped (by the PIDs started here) on drop.
struct RealServer<'a> {
    ns: &'a Netns,
    dir: tempfile::TempDir,
    bind: Named<'a>,
    django: Option<Child>,
}

impl<'a> RealServer<'a> {
    fn start(ns: &'a Netns) -> RealServer<'a> {
        let tsig = "ZHlud2FyZC10ZXN0LXRzaWcta2V5LW5vdC1hLXNlY3JldC1hdC1hbGwtMDEyMzQ1Njc4OQ==";
        let bind = Named::start(
            ns,
            &format!(
                "key \"{DOMAIN}\" {{ algorithm hmac-sha512; secret \"{tsig}\"; }};\nzone \"{DOMAIN}\" {{\n    type primary;\n    file \"{{dir}}/zone\";\n    allow-update {{ key \"{DOMAIN}\"; }};\n}};\n"
            ),
            DOMAIN,
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().to_path_buf();
        let log = |name: &str| std::fs::File::create(d.join(name)).expect("log file");
        let mut s = RealServer {
            ns,
            dir,
            bind,
            django: None,
        };
        s.django_cmd(&["-m", "django", "migrate", "--noinput"]);
        s.provision(&["setup", DOMAIN, "127.0.0.1", tsig, "home", SECRET]);
        let django = s
            .python_in_ns()
            .args(["-m", "django", "runserver", "127.0.0.1:8000", "--noreload"])
            .stdout(Stdio::null())
            .stderr(log("django.log"))
            .spawn()
            .expect("start the dyndns2 server");
        s.django = Some(django);
        assert!(
            wait_for(20, || s
                .python_in_ns()
                .args([
                    "-c",
                    "import socket; socket.create_connection(('127.0.0.1', 8000), 1)"
                ])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|st| st.success())),
            "the dyndns2 server did not come up:\n{}",
            s.log("django.log")
        );
        s
    }

    fn env(&self, c: &mut Command) {
        c.env("DJANGO_SETTINGS_MODULE", "settings")
            .env("PYTHONPATH", realserver_dir())
            .env("DYNWARD_NSU_DB", self.dir.path().join("db.sqlite3"));
    }

    /// The service's Python inside the namespace.
    fn python_in_ns(&self) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns.name])
            .arg(venv().join("bin/python"));
        self.env(&mut c);
        c
    }

    /// Runs the service's Python (outside the namespace: only the database is touched).
    fn django_cmd(&self, args: &[&str]) -> String {
        let mut c = Command::new(venv().join("bin/python"));
        self.env(&mut c);
        let o = c.args(args).output().expect("python");
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn provision(&self, args: &[&str]) -> String {
        let script = realserver_dir().join("provision.py");
        let mut all = vec![script.to_str().expect("path")];
        all.extend_from_slice(args);
        self.django_cmd(&all)
    }

    /// The host's fault counters as the service keeps them: `client=N auth=N server=N`.
    fn faults(&self) -> String {
        self.provision(&["faults", FQDN]).trim().to_string()
    }

    /// What BIND answers for `name` (a real DNS query).
    fn dig(&self, rtype: &str, name: &str) -> String {
        self.bind.dig(rtype, name)
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// Update requests the service received so far (its request log).
    fn updates(&self) -> usize {
        self.log("django.log")
            .lines()
            .filter(|l| l.contains("\"GET /nic/update"))
            .count()
    }

    /// The update requests logged, once at least `expected` are: the server logs a request
    /// after its reply, so the client may have read the reply before the line is written.
    fn updates_at_least(&self, expected: usize) -> usize {
        wait_for(5, || self.updates() >= expected);
        self.updates()
    }
}

impl Drop for RealServer<'_> {
    fn drop(&mut self) {
        // named stops with its own drop.
        for c in self.django.iter_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The policy under test: the nsupdate.info preset (the user name is the host, one request
/// per family) sent to the real server on loopback.
fn config(password: &str, extra: &str) -> String {
    format!(
        "state_dir = \"{{state}}\"\n[[policy]]\nname = \"nsu\"\nprovider = \"nsupdate.info\"\nserver = \"http://127.0.0.1:8000\"\nallow_insecure_http = true\npassword = \"{password}\"\nhosts = [\"{FQDN}\"]\ninterface = \"vw0\"\nipv6 = true\nstable_for = \"0s\"\nmin_interval = \"0s\"\ntimeout = \"15s\"\n{extra}"
    )
}

/// The whole exchange with the real server: the first update publishes A and AAAA; an
/// unchanged address sends nothing (again, after a restart, and after the password was
/// rotated and the daemon reloaded: the service counts every needless `nochg` as a client
/// fault); a new address is published; the service's own `nohost` (a host the user name does
/// not own) and `badauth` (a wrong password) stop what they concern.
#[test]
#[ignore = "needs root (network namespaces), BIND9 and the nsupdate.info virtualenv: scripts/test runs it when they are there"]
fn real_dyndns2_server() {
    util::require_root("real_dyndns2_server");
    let python = venv().join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: .ci/run makes it from tests/realserver/requirements.txt",
        python.display()
    );
    for tool in ["named", "dig"] {
        assert!(
            Command::new(tool).arg("-v").output().is_ok(),
            "{tool} is missing: apt-get install bind9 bind9-dnsutils (.ci/run does)"
        );
    }
    let ns = Netns::new("n");
    ns.add_wan();
    ns.run("ip addr add 203.0.113.10/32 dev vw0");
    ns.run("ip addr add 2001:db8:1::10/128 dev vw0 nodad");
    let srv = RealServer::start(&ns);
    assert_eq!(srv.dig("A", FQDN), "", "nothing published yet");

    // 1. The first update: both records, one request per family.
    let s = Setup::new(&config(SECRET, ""));
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 0, "{}\n{}", r.all(), srv.log("django.log"));
    assert!(
        r.stdout.contains("good 203.0.113.10") && r.stdout.contains("good 2001:db8:1::10"),
        "{}",
        r.all()
    );
    assert_eq!(srv.dig("A", FQDN), "203.0.113.10");
    assert_eq!(srv.dig("AAAA", FQDN), "2001:db8:1::10");
    assert_eq!(srv.updates_at_least(2), 2, "{}", srv.log("django.log"));
    assert_eq!(srv.faults(), "client=0 auth=0 server=0");

    // 2. Unchanged: no request.
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("up-to-date"), "{}", r.all());
    assert_eq!(srv.updates_at_least(2), 2, "{}", srv.log("django.log"));

    // 3. The daemon starts over the same state, and the password is rotated (at the service
    //    and in the config, then a reload): still no request, no client fault.
    let d = DaemonProc::start(&s.config(), Some(&ns.name));
    d.expect_log(10, "sleeping");
    srv.provision(&["secret", FQDN, ROTATED]);
    s.write_config(&config(ROTATED, ""));
    d.signal("HUP");
    d.expect_log(10, "config reloaded");
    // The changed policy's new machine waits for its addresses, then decides: sleeping.
    assert!(
        wait_for(10, || s
            .run(&["status", "--json"])
            .stdout
            .contains("\"state\":\"sleeping\"")),
        "{}",
        d.log()
    );
    assert_eq!(
        srv.updates_at_least(2),
        2,
        "{}\n{}",
        d.log(),
        srv.log("django.log")
    );
    assert_eq!(srv.faults(), "client=0 auth=0 server=0");

    // 4. A new address goes out with the new password.
    ns.batch("addr add 203.0.113.11/32 dev vw0\naddr del 203.0.113.10/32 dev vw0\n");
    assert!(
        wait_for(15, || srv.dig("A", FQDN) == "203.0.113.11"),
        "{}\n{}",
        d.log(),
        srv.log("django.log")
    );
    assert_eq!(srv.dig("AAAA", FQDN), "2001:db8:1::10", "AAAA untouched");
    assert_eq!(srv.updates_at_least(3), 3, "{}", srv.log("django.log"));
    assert_eq!(srv.faults(), "client=0 auth=0 server=0");
    drop(d);

    // 5. A host the user name does not own: the service answers nohost; that host stops,
    //    and the next run sends nothing for it.
    let other = "[[policy]]\nname = \"other\"\nserver = \"http://127.0.0.1:8000/nic/update\"\nallow_insecure_http = true\nusername = \"home.dyn.example.test\"\npassword = \"rotated-update-secret\"\nhosts = [\"other.dyn.example.test\"]\ninterface = \"vw0\"\nstable_for = \"0s\"\nmin_interval = \"0s\"\n";
    s.write_config(&config(ROTATED, other));
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains("other.dyn.example.test: nohost"),
        "{}",
        r.all()
    );
    assert_eq!(
        srv.updates_at_least(4),
        4,
        "only other's request: {}",
        r.all()
    );
    // The service counts a request for a host the login does not own against the login's
    // host: one fault, and the stop keeps it at one.
    assert_eq!(srv.faults(), "client=1 auth=0 server=0");
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_eq!(
        srv.updates_at_least(4),
        4,
        "a stopped host sends nothing: {}",
        r.all()
    );
    assert_eq!(srv.faults(), "client=1 auth=0 server=0");

    // 6. A wrong password: badauth, the record stays, the account stops.
    s.write_config(&config("a-wrong-secret", ""));
    ns.batch("addr add 203.0.113.12/32 dev vw0\naddr del 203.0.113.11/32 dev vw0\n");
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stdout.contains("badauth"), "{}", r.all());
    assert_eq!(srv.dig("A", FQDN), "203.0.113.11");
    assert_eq!(srv.faults(), "client=1 auth=1 server=0");
    let st = ns.dynward(&s.config(), &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&st.stdout).expect("status JSON");
    assert_eq!(v["policies"][0]["stop"]["code"], "badauth", "{v}");
    let before = srv.updates_at_least(4);
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_eq!(
        srv.updates_at_least(before),
        before,
        "nothing after badauth: {}",
        r.all()
    );
}
