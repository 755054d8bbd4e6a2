//! `once` with interface sources, inside a network namespace the test creates (root only):
//! addresses come from netlink with their flags, requests leave from the interface address.

use crate::util;

use util::{FakeServer, Netns, RefusingPort, Setup, sh};

fn iface_policy(srv: &FakeServer, iface: &str, extra: &str) -> String {
    format!(
        "state_dir = \"{{state}}\"\n[[policy]]\nname = \"wan\"\nserver = \"{}\"\nallow_insecure_http = true\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"home.example.org\"]\ninterface = \"{iface}\"\nmin_interval = \"0s\"\ntimeout = \"3s\"\n{extra}\n",
        srv.url()
    )
}

/// The interface's address is published and the request is sent from it; a preferred prefix
/// picks among several; `auto` follows the default route.
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn interface_address_published_and_bound() {
    util::require_root("interface_address_published_and_bound");
    let ns = Netns::new("a");
    let srv = FakeServer::http_on("198.51.100.1:0");
    let s = Setup::new(&iface_policy(&srv, &ns.inner, ""));
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].param("myip").as_deref(), Some("198.51.100.2"));
    assert_eq!(reqs[0].peer.ip().to_string(), "198.51.100.2");

    // A second address; the prefix picks it, and the request leaves from it.
    ns.exec(&["ip", "addr", "add", "203.0.113.5/24", "dev", &ns.inner]);
    ns.route_back();
    s.write_config(&iface_policy(
        &srv,
        &ns.inner,
        "ipv4_prefix = \"203.0.113.0/24\"",
    ));
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2, "{}", r.all());
    assert_eq!(reqs[1].param("myip").as_deref(), Some("203.0.113.5"));
    assert_eq!(reqs[1].peer.ip().to_string(), "203.0.113.5");

    // interface = "auto": the default route's interface.
    ns.exec(&["ip", "route", "add", "default", "via", "198.51.100.1"]);
    s.write_config(&iface_policy(&srv, "auto", ""));
    let r = ns.dynward(&s.config(), &["once", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains(&format!("interface {} (the default route's)", ns.inner)),
        "{}",
        r.all()
    );
    assert!(r.stdout.contains("myip=198.51.100.2"), "{}", r.all());

    // No such interface: a specific message, nothing sent.
    s.write_config(&iface_policy(&srv, "nosuch0", ""));
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("interface nosuch0 does not exist"),
        "{}",
        r.all()
    );
    assert_eq!(srv.requests().len(), 2);
}

/// IPv6 addresses still in duplicate-address detection, or deprecated, are not published;
/// the output says why.
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn ipv6_flags_respected() {
    util::require_root("ipv6_flags_respected");
    let ns = Netns::new("b");
    // Make DAD take minutes, so the address is reliably tentative while the test looks.
    ns.exec(&[
        "sysctl",
        "-qw",
        &format!("net.ipv6.conf.{}.dad_transmits=50", ns.inner),
    ]);
    ns.exec(&[
        "sysctl",
        "-qw",
        &format!("net.ipv6.neigh.{}.retrans_time_ms=10000", ns.inner),
    ]);
    ns.exec(&["ip", "addr", "add", "2001:db8:1::2/64", "dev", &ns.inner]);
    ns.exec(&[
        "ip",
        "addr",
        "add",
        "2001:db8:2::2/64",
        "dev",
        &ns.inner,
        "nodad",
        "preferred_lft",
        "0",
    ]);
    let srv = FakeServer::http_on("198.51.100.1:0");
    let s = Setup::new(&iface_policy(&srv, &ns.inner, "ipv4 = false\nipv6 = true"));
    let r = ns.dynward(&s.config(), &["once", "--dry-run"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout
            .contains("skipped 2001:db8:1::2: IPv6 address still in duplicate-address detection"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("skipped 2001:db8:2::2: deprecated IPv6 address"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains("no publishable IPv6 address"),
        "{}",
        r.all()
    );

    // A usable one is published.
    ns.exec(&[
        "ip",
        "addr",
        "add",
        "2001:db8:3::2/64",
        "dev",
        &ns.inner,
        "nodad",
    ]);
    let r = ns.dynward(&s.config(), &["once", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("myip=2001:db8:3::2"), "{}", r.all());
}

/// A server name that does not resolve gives "cannot get the server's address", distinct from
/// connect failures. The namespace's resolver points at its own loopback, where nothing
/// listens, so no query leaves the machine.
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn unresolvable_server_is_specific() {
    util::require_root("unresolvable_server_is_specific");
    let ns = Netns::new("c");
    ns.set_resolv_conf("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
    let srv = FakeServer::http_on("198.51.100.1:0");
    let cfg = iface_policy(&srv, &ns.inner, "")
        .replace(&srv.url(), "http://update.example.invalid/nic/update");
    let s = Setup::new(&cfg);
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout
            .contains("cannot get the server's address: update.example.invalid did not resolve"),
        "{}",
        r.all()
    );
}

/// `once` on an interface that is down publishes nothing and says so, exactly as the daemon
/// does, although the interface still carries its address; up again, the address goes out.
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn once_on_a_down_interface_publishes_nothing() {
    util::require_root("once_on_a_down_interface_publishes_nothing");
    let ns = Netns::new("d");
    ns.add_wan();
    ns.run("ip addr add 203.0.113.20/24 dev vw0");
    ns.run("ip link set vw0 down");
    assert!(
        ns.run("ip -4 addr show dev vw0").contains("203.0.113.20"),
        "a down interface keeps its IPv4 address"
    );
    let srv = FakeServer::http_on("198.51.100.1:0");
    let s = Setup::new(&iface_policy(&srv, "vw0", ""));
    for args in [&["once", "--dry-run"][..], &["once"][..]] {
        let r = ns.dynward(&s.config(), args);
        assert_eq!(r.code, 1, "{args:?}\n{}", r.all());
        assert!(r.stdout.contains("interface vw0 is down"), "{}", r.all());
        assert!(!r.stdout.contains("\n  would send: GET"), "{}", r.all());
        assert!(
            r.stdout
                .contains("home.example.org: not sent: no publishable address"),
            "{}",
            r.all()
        );
    }
    assert!(srv.requests().is_empty());
    ns.run("ip link set vw0 up");
    ns.route_back();
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1, "{}", r.all());
    assert_eq!(reqs[0].param("myip").as_deref(), Some("203.0.113.20"));
}

/// The server's IPv6 address, 2001:db8:1::1, on the host side of the namespace's veth.
fn server_ipv6(ns: &Netns) {
    let cmd = format!("ip -6 addr add 2001:db8:1::1/64 dev {} nodad", ns.outer);
    sh(&cmd.split(' ').collect::<Vec<_>>());
}

/// A policy whose server is `update.example.test:{port}`, a name this namespace's hosts file
/// gives both an AAAA (2001:db8:1::1) and an A (198.51.100.1) address.
fn dual_server_policy(ns: &Netns, port: u16, extra: &str) -> Setup {
    ns.set_hosts("2001:db8:1::1 update.example.test\n198.51.100.1 update.example.test\n");
    let cfg = format!(
        "state_dir = \"{{state}}\"\n[[policy]]\nname = \"wan\"\nserver = \"http://update.example.test:{port}/nic/update\"\nallow_insecure_http = true\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"home.example.org\"]\ninterface = \"{}\"\nmin_interval = \"0s\"\ntimeout = \"3s\"\n{extra}\n",
        ns.inner
    );
    Setup::new(&cfg)
}

/// A WAN whose only IPv6 address is link-local, to a server with AAAA and A: the request
/// leaves over IPv4 from the published address, never from `fe80::` (which the kernel
/// refuses for a global destination); an IPv4-only policy never binds an IPv6 address.
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn source_address_fits_the_destination() {
    util::require_root("source_address_fits_the_destination");
    let ns = Netns::new("e");
    server_ipv6(&ns);
    // A link-local address past duplicate-address detection, so nothing else rules it out.
    ns.run(&format!("ip -6 addr flush dev {} scope link", ns.inner));
    ns.run(&format!("ip -6 addr add fe80::2/64 dev {} nodad", ns.inner));
    let srv = FakeServer::http_on("0.0.0.0:0");
    let s = dual_server_policy(&ns, srv.addr.port(), "ipv6 = true");
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1, "{}", r.all());
    assert_eq!(reqs[0].param("myip").as_deref(), Some("198.51.100.2"));
    assert_eq!(reqs[0].peer.ip().to_string(), "198.51.100.2");

    // IPv4 only, with a global IPv6 address on the WAN too: it is not a source.
    ns.run(&format!(
        "ip -6 addr add 2001:db8:1::2/64 dev {} nodad",
        ns.inner
    ));
    let s = dual_server_policy(&ns, srv.addr.port(), "ipv6 = false");
    let r = ns.dynward(&s.config(), &["once", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("    source address: 198.51.100.2\n"),
        "{}",
        r.all()
    );
}

/// The server has both families and the first one tried cannot be reached: the other one,
/// which has a source too, is tried within the same timeout; when neither answers, the error
/// names both attempts.
#[test]
#[ignore = "needs root (network namespaces): scripts/test runs it as root"]
fn each_family_of_the_server_is_tried() {
    util::require_root("each_family_of_the_server_is_tried");
    let ns = Netns::new("f");
    server_ipv6(&ns);
    ns.run(&format!(
        "ip -6 addr add 2001:db8:1::2/64 dev {} nodad",
        ns.inner
    ));
    // Listening on the AAAA address only: the A address refuses the connection.
    let srv = FakeServer::http_on("[2001:db8:1::1]:0");
    let port = srv.addr.port();
    let s = dual_server_policy(&ns, port, "ipv6 = true");
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    // One request per family (the default mode), both over IPv6 after IPv4 was refused.
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2, "{}", r.all());
    for (req, sent) in reqs.iter().zip(["198.51.100.2", "2001:db8:1::2"]) {
        assert_eq!(req.peer.ip().to_string(), "2001:db8:1::2", "{}", r.all());
        assert_eq!(req.param("myip").as_deref(), Some(sent), "{}", r.all());
    }

    // Nothing listens on either address: both attempts are named.
    drop(srv);
    let closed = RefusingPort::on("[2001:db8:1::1]");
    let port = closed.port;
    let s = dual_server_policy(&ns, port, "ipv6 = true");
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains(&format!(
            "no address of the server could be reached: connection refused by 198.51.100.1:{port}; connection refused by [2001:db8:1::1]:{port}"
        )),
        "{}",
        r.all()
    );
}
