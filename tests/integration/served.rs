//! Whether an update is what the world reads: after the provider accepts it, the zone's
//! authoritative servers (two real BINDs in a namespace the test creates, on 127.0.0.1 and
//! 127.0.0.2) are asked directly. Served by both; repaired after someone else changed the
//! record; not served by a server that never gets it; a dyndns2 server that answers `good`
//! and never publishes.
//!
//! Root only, with `named`, `dig` and `nsupdate`: `.ci/run` installs them, and
//! `scripts/test` reports this test as skipped, never as passed, where they are missing.

use crate::util;

use std::io::Write;
use std::process::{Command, Stdio};

use util::{DaemonProc, FakeServer, Named, Netns, Setup, wait_for};

const ZONE: &str = "lab.example.test";
const HOST: &str = "home.lab.example.test";
const WEB: &str = "web.lab.example.test";
const SECRET: &str = "c2VjcmV0LWtleS1mb3ItZHlud2FyZC10ZXN0cw==";
const NS1: &str = "ns1.lab.example.test";
const NS2: &str = "ns2.lab.example.test";

/// The zone both servers start from: two servers, and `web` at an old address.
fn zone(extra: &str) -> String {
    format!(
        "$TTL 60\n@ IN SOA {NS1}. hostmaster.{ZONE}. 1 3600 600 86400 60\n@ IN NS {NS1}.\n@ IN NS {NS2}.\nns1 IN A 127.0.0.1\nns2 IN A 127.0.0.2\nweb IN A 198.51.100.9\n{extra}"
    )
}

/// The primary: updates with the key, and tells 127.0.0.2 of each change.
fn primary(ns: &Netns) -> Named<'_> {
    Named::start_on(
        ns,
        "127.0.0.1",
        &format!(
            "key \"ddns-key\" {{ algorithm hmac-sha256; secret \"{SECRET}\"; }};\nzone \"{ZONE}\" {{\n    type primary;\n    file \"{{dir}}/zone\";\n    update-policy {{ grant ddns-key zonesub A AAAA; }};\n    notify explicit;\n    also-notify {{ 127.0.0.2; }};\n    allow-transfer {{ any; }};\n}};\n"
        ),
        ZONE,
        &zone(""),
    )
}

/// The second server as a secondary of the primary: it serves what the primary has.
fn secondary(ns: &Netns) -> Named<'_> {
    Named::start_on(
        ns,
        "127.0.0.2",
        &format!(
            "zone \"{ZONE}\" {{\n    type secondary;\n    primaries {{ 127.0.0.1; }};\n    file \"{{dir}}/zone.copy\";\n}};\n"
        ),
        ZONE,
        "",
    )
}

/// The second server on its own, with the zone as it was: it never gets an update.
fn stale(ns: &Netns) -> Named<'_> {
    Named::start_on(
        ns,
        "127.0.0.2",
        &format!("zone \"{ZONE}\" {{\n    type primary;\n    file \"{{dir}}/zone\";\n}};\n"),
        ZONE,
        &zone("home IN A 198.51.100.9\n"),
    )
}

fn config(extra: &str) -> String {
    format!(
        "state_dir = \"{{state}}\"\n[[policy]]\nname = \"lab\"\nprovider = \"rfc2136\"\nserver = \"127.0.0.1\"\ntsig_key = \"ddns-key\"\npassword = \"{SECRET}\"\nhosts = [\"{HOST}\"]\ninterface = \"vw0\"\nipv6 = true\nstable_for = \"0s\"\nmin_interval = \"0s\"\ntimeout = \"10s\"\n{extra}"
    )
}

/// A record changed by someone else, with BIND's own `nsupdate`.
fn nsupdate(ns: &Netns, lines: &str) {
    let mut c = Command::new("ip")
        .args(["netns", "exec", &ns.name, "nsupdate", "-y"])
        .arg(format!("hmac-sha256:ddns-key:{SECRET}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nsupdate");
    c.stdin
        .take()
        .expect("stdin")
        .write_all(format!("server 127.0.0.1\n{lines}send\n").as_bytes())
        .expect("write");
    let o = c.wait_with_output().expect("nsupdate");
    assert!(o.status.success(), "nsupdate: {o:?}");
}

#[test]
#[ignore = "needs root (network namespaces) and BIND9: scripts/test runs it when they are there"]
fn updates_are_checked_where_the_world_reads_them() {
    util::require_root("updates_are_checked_where_the_world_reads_them");
    for tool in ["named", "dig", "nsupdate"] {
        assert!(
            Command::new(tool).arg("-V").output().is_ok(),
            "{tool} is missing: apt-get install bind9 bind9-dnsutils (.ci/run does)"
        );
    }
    let ns = Netns::new("v");
    ns.add_wan();
    ns.run("ip addr add 203.0.113.30/32 dev vw0");
    ns.run("ip addr add 2001:db8:3::30/128 dev vw0 nodad");
    // The servers' names as the system resolves them; the zone and its servers as the
    // resolver (the primary, here) answers.
    ns.set_hosts(&format!("127.0.0.1 {NS1}\n127.0.0.2 {NS2}\n"));
    // named listens only on addresses an interface has.
    ns.run("ip addr add 127.0.0.2/8 dev lo");
    let one = primary(&ns);
    let two = secondary(&ns);
    let s = Setup::new(&config(""));
    let resolv = s.dir.path().join("resolv.conf");
    std::fs::write(&resolv, "nameserver 127.0.0.1\n").expect("resolv.conf");
    let resolv = resolv.display().to_string();
    let env = [("DYNWARD_RESOLV_CONF", resolv.as_str())];

    // 1. The first update, then both servers serve it.
    let r = ns.dynward_env(&s.config(), &["once", "--verify"], &env);
    assert_eq!(r.code, 0, "{}\n{}", r.all(), one.log());
    assert!(r.stdout.contains(&format!("{HOST}: good")), "{}", r.all());
    assert!(
        r.stdout
            .contains(&format!("{HOST}: served by {NS1}, {NS2} after ")),
        "{}\n{}",
        r.all(),
        two.log()
    );
    assert_eq!(two.dig("A", HOST), "203.0.113.30");
    let st = ns.dynward(&s.config(), &["status"]);
    assert!(
        st.stdout
            .contains(&format!("    served by {NS1}, {NS2} after ")),
        "{}",
        st.all()
    );

    // 2. Someone else changes the record: the periodic check finds it, and one update
    //    repairs it (its address differs from the one the server has: no nochg).
    s.write_config(&config("verify_every = \"10s\"\n"));
    let mut d = DaemonProc::start_env(&s.config(), Some(&ns.name), &env);
    d.expect_log(10, "sleeping");
    nsupdate(
        &ns,
        &format!("update delete {HOST} A\nupdate add {HOST} 60 A 198.51.100.50\n"),
    );
    assert!(wait_for(5, || two.dig("A", HOST) == "198.51.100.50"));
    assert!(
        wait_for(30, || one.dig("A", HOST) == "203.0.113.30"
            && two.dig("A", HOST) == "203.0.113.30"),
        "{}\n{}",
        d.log(),
        one.log()
    );
    let log = d.log();
    assert!(
        log.contains(&format!("{HOST}: not served after"))
            && log.contains(&format!("{NS1} still has 198.51.100.50"))
            && log.contains(
                "the record was changed outside dynward; 203.0.113.30,2001:db8:3::30 is sent again"
            ),
        "{log}"
    );
    assert_eq!(
        log.matches("sending update").count(),
        1,
        "one update repairs it: {log}"
    );
    d.expect_log(40, &format!("{HOST}: served by {NS1}, {NS2}"));
    d.stop();
    drop(two);

    // 3. The second server never gets the update: not served, said once, and the
    //    on_error hook is told `not-served`; `once --verify` fails.
    let two = stale(&ns);
    let (hook, hook_out) = s.env_hook("error");
    s.write_config(&config(&format!(
        "verify_for = \"3s\"\non_error = [\"{}\"]\n",
        hook.display()
    )));
    ns.batch("addr add 203.0.113.31/32 dev vw0\naddr del 203.0.113.30/32 dev vw0\n");
    let r = ns.dynward_env(&s.config(), &["once", "--verify"], &env);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains(&format!(
            "{HOST}: not served after 3.0 s: {NS2} still has 198.51.100.9"
        )),
        "{}\n{}",
        r.all(),
        two.log()
    );
    let hook_env = std::fs::read_to_string(&hook_out).unwrap_or_default();
    assert!(
        hook_env.contains("DYNWARD_EVENT=not-served")
            && hook_env.contains(&format!("DYNWARD_HOSTS={HOST}")),
        "{hook_env}"
    );
    let st = ns.dynward(&s.config(), &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&st.stdout).expect("status JSON");
    assert_eq!(
        v["policies"][0]["hosts"][0]["published"]["served"], false,
        "{v}"
    );

    // 4. A dyndns2 server that answers `good` and publishes nothing.
    let srv = FakeServer::http_on("198.51.100.1:0");
    let web = Setup::new(&format!(
        "state_dir = \"{{state}}\"\n[[policy]]\nname = \"web\"\nserver = \"{}\"\nallow_insecure_http = true\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"{WEB}\"]\ninterface = \"{}\"\nmin_interval = \"0s\"\nverify_for = \"2s\"\n",
        srv.url(),
        ns.inner
    ));
    let r = ns.dynward_env(&web.config(), &["once", "--verify"], &env);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains(&format!("{WEB}: good 198.51.100.2"))
            && r.stdout.contains(&format!(
                "{WEB}: not served after 2.0 s: {NS1} still has 198.51.100.9, {NS2} still has 198.51.100.9"
            )),
        "{}",
        r.all()
    );
    assert_eq!(srv.requests().len(), 1);
}
