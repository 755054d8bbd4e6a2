//! `dynward run` inside a network namespace the test creates (root only): real netlink
//! events drive the updates.

// The clock rule (crate::clock only) is the library's: tests time the real binary from outside.
#![allow(clippy::disallowed_methods)]

use crate::util;

use std::time::{Duration, Instant};

use util::{DaemonProc, FakeServer, Netns, Script, Setup, wait_for};

fn cfg(srv: &FakeServer, iface: &str, extra: &str) -> String {
    format!(
        "state_dir = \"{{state}}\"\n[[policy]]\nname = \"wan\"\nserver = \"{}\"\nallow_insecure_http = true\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"home.example.org\"]\ninterface = \"{iface}\"\nmin_interval = \"0s\"\ntimeout = \"3s\"\n{extra}\n",
        srv.url()
    )
}

fn state_of(s: &Setup) -> serde_json::Value {
    let r = s.run(&["status", "--json"]);
    serde_json::from_str(&r.stdout).unwrap_or_default()
}

/// Whether the daemon's one policy has settled on these addresses: it publishes them and
/// sleeps, so it has decided what they need, and nothing is sent until something changes.
fn settled_on(s: &Setup, addrs: &[&str]) -> bool {
    let p = &state_of(s)["policies"][0];
    p["state"] == "sleeping" && p["addresses"] == serde_json::json!(addrs)
}

/// A new address is published shortly after stable_for, from that address; 50 flaps within a
/// second yield one update with the final address.
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn change_published_after_stable_for_and_flaps_coalesce() {
    util::require_root("change_published_after_stable_for_and_flaps_coalesce");
    let ns = Netns::new("d");
    ns.route_back();
    let srv = FakeServer::http_on("198.51.100.1:0");
    let s = Setup::new(&cfg(
        &srv,
        &ns.inner,
        "stable_for = \"1s\"\nipv4_prefix = \"203.0.113.0/24\"",
    ));
    let d = DaemonProc::start(&s.config(), Some(&ns.name));
    assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());
    assert_eq!(
        srv.requests()[0].param("myip").as_deref(),
        Some("198.51.100.2")
    );

    let t0 = Instant::now();
    ns.exec(&["ip", "addr", "add", "203.0.113.5/24", "dev", &ns.inner]);
    assert!(wait_for(10, || srv.requests().len() == 2), "{}", d.log());
    let took = t0.elapsed();
    eprintln!("update arrived {took:?} after the address change (stable_for 1s)");
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_secs(4),
        "{took:?}"
    );
    let r = &srv.requests()[1];
    assert_eq!(r.param("myip").as_deref(), Some("203.0.113.5"));
    assert_eq!(
        r.peer.ip().to_string(),
        "203.0.113.5",
        "sent from the published address"
    );

    // 50 flaps in well under a second, through one `ip -batch`.
    let mut batch = String::new();
    // /32 each: deleting a primary /24 address would also delete its secondaries.
    let mut prev = "203.0.113.5/24".to_string();
    for i in 0..50 {
        let next = format!("203.0.113.{}/32", 10 + i);
        batch.push_str(&format!(
            "addr add {next} dev {}\naddr del {prev} dev {}\n",
            ns.inner, ns.inner
        ));
        prev = next;
    }
    let flap_time = ns.batch(&batch);
    assert!(
        flap_time < Duration::from_secs(1),
        "flaps took {flap_time:?}"
    );
    assert!(wait_for(10, || srv.requests().len() >= 3), "{}", d.log());
    assert!(
        wait_for(10, || settled_on(&s, &["203.0.113.59"])),
        "{}",
        d.log()
    );
    let reqs = srv.requests();
    assert_eq!(
        reqs.len(),
        3,
        "one update for 50 flaps: {:?}",
        reqs.iter().map(|r| r.param("myip")).collect::<Vec<_>>()
    );
    assert_eq!(reqs[2].param("myip").as_deref(), Some("203.0.113.59"));
    assert!(d.log().contains("policy=wan"), "{}", d.log());
}

/// Removing the only publishable address moves the policy to waiting; adding it back publishes
/// nothing new (the provider has it).
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn address_removed_means_waiting() {
    util::require_root("address_removed_means_waiting");
    let ns = Netns::new("e");
    let srv = FakeServer::http_on("198.51.100.1:0");
    ns.exec(&[
        "ip",
        "addr",
        "add",
        "2001:db8:1::2/64",
        "dev",
        &ns.inner,
        "nodad",
    ]);
    let s = Setup::new(&cfg(
        &srv,
        &ns.inner,
        "stable_for = \"0s\"\nipv4 = false\nipv6 = true",
    ));
    let d = DaemonProc::start(&s.config(), Some(&ns.name));
    assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());
    assert_eq!(
        srv.requests()[0].param("myip").as_deref(),
        Some("2001:db8:1::2")
    );
    assert!(wait_for(5, || state_of(&s)["policies"][0]["state"] == "sleeping"));
    ns.exec(&["ip", "addr", "del", "2001:db8:1::2/64", "dev", &ns.inner]);
    assert!(
        wait_for(5, || state_of(&s)["policies"][0]["state"] == "waiting"),
        "{}",
        d.log()
    );
    let reason = state_of(&s)["policies"][0]["reason"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(reason.contains("no publishable IPv6 address"), "{reason}");
    ns.exec(&[
        "ip",
        "addr",
        "add",
        "2001:db8:1::2/64",
        "dev",
        &ns.inner,
        "nodad",
    ]);
    // Sleeping after waiting: the machine has decided about the address that came back.
    assert!(
        wait_for(5, || settled_on(&s, &["2001:db8:1::2"])),
        "{}",
        d.log()
    );
    assert_eq!(srv.requests().len(), 1, "same address again: nothing sent");
}

/// An IPv6 address added while duplicate-address detection runs is published only once DAD
/// has finished and the kernel reports it usable.
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn tentative_ipv6_published_only_when_usable() {
    util::require_root("tentative_ipv6_published_only_when_usable");
    let ns = Netns::new("f");
    ns.exec(&[
        "sysctl",
        "-qw",
        &format!("net.ipv6.conf.{}.dad_transmits=1", ns.inner),
    ]);
    ns.exec(&[
        "sysctl",
        "-qw",
        &format!("net.ipv6.neigh.{}.retrans_time_ms=2500", ns.inner),
    ]);
    let srv = FakeServer::http_on("198.51.100.1:0");
    let s = Setup::new(&cfg(
        &srv,
        &ns.inner,
        "stable_for = \"0s\"\nipv4 = false\nipv6 = true",
    ));
    let d = DaemonProc::start(&s.config(), Some(&ns.name));
    assert!(
        wait_for(5, || state_of(&s)["policies"][0]["state"] == "waiting"),
        "{}",
        d.log()
    );
    let t0 = Instant::now();
    ns.exec(&["ip", "addr", "add", "2001:db8:5::2/64", "dev", &ns.inner]);
    // The daemon saw the address and skipped it: it has decided while DAD runs.
    d.expect_log(5, "duplicate-address detection");
    let flags = ns.exec(&["ip", "-6", "addr", "show", "dev", &ns.inner]);
    assert!(flags.contains("tentative"), "DAD still running: {flags}");
    assert!(
        srv.requests().is_empty(),
        "published while tentative:\n{}",
        d.log()
    );
    assert!(
        d.log().contains("duplicate-address detection"),
        "{}",
        d.log()
    );
    assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());
    eprintln!("published {:?} after the address was added", t0.elapsed());
    assert_eq!(
        srv.requests()[0].param("myip").as_deref(),
        Some("2001:db8:5::2")
    );
}

/// The interface disappears (waiting, with why) and comes back: the same address sends
/// nothing, a new one is published. An IPv6 address deprecated while in use is withdrawn
/// from the choice and the stable one published instead.
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn interface_gone_and_back_and_ipv6_deprecated() {
    util::require_root("interface_gone_and_back_and_ipv6_deprecated");
    let ns = Netns::new("g");
    ns.route_back();
    ns.add_wan();
    ns.run("ip addr add 203.0.113.20/32 dev vw0");
    let srv = FakeServer::http_on("198.51.100.1:0");
    let s = Setup::new(&cfg(&srv, "vw0", "stable_for = \"0s\""));
    let d = DaemonProc::start(&s.config(), Some(&ns.name));
    assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());

    ns.run("ip link del vw0");
    assert!(
        wait_for(5, || state_of(&s)["policies"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("vw0 does not exist")),
        "{}",
        d.log()
    );
    assert_eq!(state_of(&s)["policies"][0]["state"], "waiting");
    ns.add_wan();
    ns.run("ip addr add 203.0.113.20/32 dev vw0");
    // Sleeping after waiting: the machine has decided about the address that came back.
    assert!(
        wait_for(5, || settled_on(&s, &["203.0.113.20"])),
        "{}",
        d.log()
    );
    assert_eq!(
        srv.requests().len(),
        1,
        "same address after the interface came back: nothing sent"
    );
    ns.run("ip addr add 203.0.113.21/32 dev vw0");
    ns.run("ip addr del 203.0.113.20/32 dev vw0");
    assert!(wait_for(5, || srv.requests().len() == 2), "{}", d.log());
    assert_eq!(
        srv.requests()[1].param("myip").as_deref(),
        Some("203.0.113.21")
    );
    drop(d);

    // IPv6: two stable addresses; the preferred one is deprecated while in use.
    ns.run("ip addr add 2001:db8:7::1/64 dev vw0 nodad");
    let s6 = Setup::new(&cfg(
        &srv,
        "vw0",
        "stable_for = \"0s\"\nipv4 = false\nipv6 = true\nipv6_prefix = \"2001:db8:7::/64\"",
    ));
    let d6 = DaemonProc::start(&s6.config(), Some(&ns.name));
    ns.run("ip addr add 2001:db8:8::1/64 dev vw0 nodad");
    assert!(
        wait_for(10, || srv
            .requests()
            .iter()
            .any(|r| r.param("myip").as_deref() == Some("2001:db8:7::1"))),
        "{}",
        d6.log()
    );
    ns.run("ip addr change 2001:db8:7::1/64 dev vw0 preferred_lft 0");
    assert!(
        wait_for(10, || srv
            .requests()
            .iter()
            .any(|r| r.param("myip").as_deref() == Some("2001:db8:8::1"))),
        "deprecated address not replaced:\n{}",
        d6.log()
    );
    assert!(d6.log().contains("deprecated IPv6 address"), "{}", d6.log());
}

/// 1000 address flaps in a few seconds yield one update, with the final address.
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn thousand_flaps_one_update() {
    util::require_root("thousand_flaps_one_update");
    let ns = Netns::new("h");
    ns.route_back();
    ns.add_wan();
    ns.run("ip addr add 203.0.113.1/32 dev vw0");
    let srv = FakeServer::http_on("198.51.100.1:0");
    let s = Setup::new(&cfg(&srv, "vw0", "stable_for = \"3s\""));
    let d = DaemonProc::start(&s.config(), Some(&ns.name));
    assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());
    // 500 adds and 500 deletes: the address moves through 203.0.113.2..=251 ten times.
    let mut batch = String::new();
    let mut prev = "203.0.113.1".to_string();
    for i in 0..500 {
        let next = format!("203.0.113.{}", 2 + i % 250);
        batch.push_str(&format!(
            "addr add {next}/32 dev vw0\naddr del {prev}/32 dev vw0\n"
        ));
        prev = next;
    }
    let took = ns.batch(&batch);
    assert!(took < Duration::from_secs(3), "1000 flaps took {took:?}");
    assert!(wait_for(10, || srv.requests().len() >= 2), "{}", d.log());
    let last = prev.clone();
    assert!(
        wait_for(10, || settled_on(&s, &[last.as_str()])),
        "{}",
        d.log()
    );
    let reqs = srv.requests();
    assert_eq!(
        reqs.len(),
        2,
        "one update for 1000 flaps: {:?}",
        reqs.iter().map(|r| r.param("myip")).collect::<Vec<_>>()
    );
    assert_eq!(reqs[1].param("myip").as_deref(), Some(prev.as_str()));
    let mut d = d;
    assert!(d.running(), "the daemon survived the burst");
}

/// The WAN address goes away while a request from it is in flight (the server never
/// answers): the request is withdrawn at once, not after its 30 s timeout and a back-off, and
/// the new address goes out as soon as it is stable, with no network failure counted.
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn request_from_a_vanished_address_is_withdrawn() {
    util::require_root("request_from_a_vanished_address_is_withdrawn");
    let ns = Netns::new("w");
    ns.route_back();
    ns.exec(&["ip", "addr", "add", "203.0.113.5/32", "dev", &ns.inner]);
    let srv = FakeServer::http_on("198.51.100.1:0");
    srv.script([Script::Hang]);
    let s = Setup::new(
        &cfg(
            &srv,
            &ns.inner,
            "stable_for = \"1s\"\nipv4_prefix = \"203.0.113.0/24\"",
        )
        .replace("timeout = \"3s\"", "timeout = \"30s\""),
    );
    let d = DaemonProc::start(&s.config(), Some(&ns.name));
    assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());
    assert_eq!(srv.requests()[0].peer.ip().to_string(), "203.0.113.5");

    let t0 = Instant::now();
    ns.batch(&format!(
        "addr add 203.0.113.6/32 dev {0}\naddr del 203.0.113.5/32 dev {0}\n",
        ns.inner
    ));
    assert!(wait_for(10, || srv.requests().len() == 2), "{}", d.log());
    let took = t0.elapsed();
    eprintln!("new address sent {took:?} after the old one went away (stable_for 1s)");
    assert!(took < Duration::from_secs(4), "{took:?}\n{}", d.log());
    let r = &srv.requests()[1];
    assert_eq!(r.param("myip").as_deref(), Some("203.0.113.6"));
    assert_eq!(r.peer.ip().to_string(), "203.0.113.6");
    assert!(
        d.log().contains(
            "request withdrawn before its answer: its source address 203.0.113.5 went away"
        ),
        "{}",
        d.log()
    );
    assert!(
        wait_for(5, || state_of(&s)["policies"][0]["state"] == "sleeping"),
        "{}",
        d.log()
    );
    let st = state_of(&s);
    let reason = st["policies"][0]["reason"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(!reason.contains("network failure"), "no back-off: {st}");
    let file: serde_json::Value = serde_json::from_str(&s.state()).expect("state file");
    let rec = &file["policies"]["wan"];
    assert_eq!(rec["net_failures"].as_u64().unwrap_or(0), 0, "{rec}");
    assert_eq!(
        rec["hosts"]["home.example.org"]["v4"]["addr"], "203.0.113.6",
        "{rec}"
    );
}

/// A host behind the router: its IPv6 address is the LAN interface's prefix plus its host id.
/// The prefix appears (published with the WAN's IPv4), changes as after a reconnect (the new
/// one published once stable, the old one deprecated), a second, shorter-lived prefix does
/// not win over it, and with every prefix deprecated nothing IPv6 is published; `status` and
/// `once --dry-run` show the derivation.
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn host_behind_the_router_follows_the_lan_prefix() {
    util::require_root("host_behind_the_router_follows_the_lan_prefix");
    let ns = Netns::new("l");
    let srv = FakeServer::http_on("198.51.100.1:0");
    ns.batch(
        "link add dwlan0 type veth peer name dwlan1\nlink set dwlan0 up\nlink set dwlan1 up\n\
         addr add 2001:db8:1:2::1/64 dev dwlan0 nodad preferred_lft 3600 valid_lft 7200\n",
    );
    let s = Setup::new(&cfg(
        &srv,
        &ns.inner,
        "stable_for = \"1s\"\nipv6 = true\nipv6_mode = \"combined\"\nipv6_prefix_from = \"dwlan0\"\nipv6_host_id = \"::1234\"",
    ));
    let dry = ns.dynward(&s.config(), &["once", "--dry-run"]);
    assert!(
        dry.stdout.contains("host behind the router: 2001:db8:1:2::1234 = prefix 2001:db8:1:2::/64 (from 2001:db8:1:2::1 on dwlan0, preferred for"),
        "{}",
        dry.all()
    );
    assert!(
        dry.stdout.contains("myip=198.51.100.2,2001:db8:1:2::1234"),
        "the request it would send: {}",
        dry.all()
    );
    let d = DaemonProc::start(&s.config(), Some(&ns.name));
    let myip = |i: usize| srv.requests()[i].param("myip").unwrap_or_default();
    assert!(wait_for(10, || srv.requests().len() == 1), "{}", d.log());
    assert_eq!(myip(0), "198.51.100.2,2001:db8:1:2::1234");
    let derived = || {
        state_of(&s)["policies"][0]["derived"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        derived().starts_with("2001:db8:1:2::1234 = prefix 2001:db8:1:2::/64"),
        "{}",
        state_of(&s)
    );

    // A reconnect: a new prefix with the full lifetime, the old one deprecated.
    ns.batch(
        "addr add 2001:db8:1:3::1/64 dev dwlan0 nodad preferred_lft 7200 valid_lft 7200\n\
         addr change 2001:db8:1:2::1/64 dev dwlan0 preferred_lft 0 valid_lft 600\n",
    );
    assert!(wait_for(10, || srv.requests().len() == 2), "{}", d.log());
    assert_eq!(myip(1), "198.51.100.2,2001:db8:1:3::1234");
    assert!(
        derived().contains("prefix 2001:db8:1:3::/64"),
        "{}",
        derived()
    );
    assert!(
        d.log()
            .contains("host behind the router: 2001:db8:1:3::1234"),
        "{}",
        d.log()
    );

    // Two usable prefixes: the one preferred longer stays; nothing is sent. The derivation's
    // words change at every read (lifetimes count down): once they have, the new prefix was
    // seen, and a sleeping policy on the same addresses has decided it needs nothing.
    let before = derived();
    ns.batch("addr add 2001:db8:1:4::1/64 dev dwlan0 nodad preferred_lft 600 valid_lft 1200\n");
    assert!(
        wait_for(10, || derived() != before
            && settled_on(&s, &["198.51.100.2", "2001:db8:1:3::1234"])),
        "{}",
        d.log()
    );
    assert_eq!(srv.requests().len(), 2, "{}", d.log());
    assert!(
        derived().contains("prefix 2001:db8:1:3::/64"),
        "{}",
        derived()
    );

    // Every prefix deprecated: no IPv6 to publish, and the IPv4 is unchanged: no request.
    ns.batch(
        "addr change 2001:db8:1:3::1/64 dev dwlan0 preferred_lft 0 valid_lft 600\n\
         addr change 2001:db8:1:4::1/64 dev dwlan0 preferred_lft 0 valid_lft 600\n",
    );
    assert!(
        wait_for(10, || derived().starts_with("no IPv6 address")),
        "{}",
        derived()
    );
    assert_eq!(
        derived(),
        "no IPv6 address: interface dwlan0 has no usable IPv6 prefix for host id ::1234"
    );
    // Once the IPv4 alone is stable, the policy decides: the provider has it.
    assert!(
        wait_for(10, || settled_on(&s, &["198.51.100.2"])),
        "{}",
        d.log()
    );
    assert_eq!(srv.requests().len(), 2, "{}", d.log());
}
