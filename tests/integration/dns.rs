//! `provider = "rfc2136"` against a real BIND (Debian's `named`), started by the test on
//! loopback inside a network namespace it creates, with a TSIG key and an `update-policy`
//! that grants it one name. What was published is read back with `dig`.
//!
//! Root only, and it needs `named` and `dig`: `.ci/run` installs them, and `scripts/test`
//! reports this test as skipped, never as passed, where they are missing.

use crate::util;

use std::process::Command;

use util::{DaemonProc, Named, Netns, Setup, wait_for};

const ZONE: &str = "lab.example.test";
const HOST: &str = "home.lab.example.test";
const SECRET: &str = "c2VjcmV0LWtleS1mb3ItZHlud2FyZC10ZXN0cw==";

/// BIND inside `ns` with the key and a policy granting it [`HOST`]'s A and AAAA.
fn bind(ns: &Netns) -> Named<'_> {
    Named::start(
        ns,
        &format!(
            "key \"ddns-key\" {{ algorithm hmac-sha256; secret \"{SECRET}\"; }};\nzone \"{ZONE}\" {{\n    type primary;\n    file \"{{dir}}/zone\";\n    update-policy {{ grant ddns-key name {HOST}. A AAAA; }};\n}};\n"
        ),
        ZONE,
    )
}

/// How many updates BIND logged as approved or denied so far.
fn updates(bind: &Named<'_>) -> usize {
    bind.log()
        .lines()
        .filter(|l| l.contains("update '") || l.contains("updating zone"))
        .count()
}

fn config(password: &str, hosts: &str, extra: &str) -> String {
    format!(
        "state_dir = \"{{state}}\"\n[[policy]]\nname = \"lab\"\nprovider = \"rfc2136\"\nserver = \"127.0.0.1\"\ntsig_key = \"ddns-key\"\npassword = \"{password}\"\nhosts = [{hosts}]\ninterface = \"vw0\"\nipv6 = true\nstable_for = \"0s\"\nmin_interval = \"0s\"\ntimeout = \"10s\"\n{extra}"
    )
}

/// The whole exchange with a real BIND: the first update publishes A and AAAA in one
/// signed UPDATE (the zone found with an SOA query); an unchanged address sends nothing; a
/// new address is published; a name the key may not update (REFUSED) stops that host
/// only; a wrong secret (BADSIG) stops the account, and nothing more is sent; a zone the
/// server does not serve (NOTAUTH) stops the host. The secret never shows.
#[test]
#[ignore = "needs root (network namespaces) and BIND9: scripts/test runs it when they are there"]
fn rfc2136_against_bind() {
    util::require_root("rfc2136_against_bind");
    for tool in ["named", "dig"] {
        assert!(
            Command::new(tool).arg("-v").output().is_ok(),
            "{tool} is missing: apt-get install bind9 bind9-dnsutils (.ci/run does)"
        );
    }
    let ns = Netns::new("d");
    ns.add_wan();
    ns.run("ip addr add 203.0.113.20/32 dev vw0");
    ns.run("ip addr add 2001:db8:2::20/128 dev vw0 nodad");
    let bind = bind(&ns);
    let host = format!("\"{HOST}\"");

    // 1. The first update: A and AAAA in one UPDATE.
    let s = Setup::new(&config(SECRET, &host, ""));
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 0, "{}\n{}", r.all(), bind.log());
    assert!(
        r.stdout
            .contains(&format!("{HOST}: good 203.0.113.20,2001:db8:2::20")),
        "{}",
        r.all()
    );
    assert_eq!(bind.dig("A", HOST), "203.0.113.20");
    assert_eq!(bind.dig("AAAA", HOST), "2001:db8:2::20");
    assert!(!r.all().contains(SECRET), "the secret shown");
    assert!(updates(&bind) > 0, "BIND logs the update: {}", bind.log());

    // 2. Unchanged: nothing sent.
    let before = updates(&bind);
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("up-to-date"), "{}", r.all());
    assert_eq!(updates(&bind), before, "{}", bind.log());

    // 3. A new address.
    ns.batch("addr add 203.0.113.21/32 dev vw0\naddr del 203.0.113.20/32 dev vw0\n");
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        wait_for(5, || bind.dig("A", HOST) == "203.0.113.21"),
        "{}",
        bind.log()
    );

    // 4. A name outside the key's grant: REFUSED stops that host; the other is unchanged.
    let both = format!("{host}, \"other.{ZONE}\"");
    let s2 = Setup::new(&config(SECRET, &both, ""));
    let r = ns.dynward(&s2.config(), &["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains(&format!("other.{ZONE}: dns REFUSED")) && r.stdout.contains("stop host"),
        "{}",
        r.all()
    );
    assert!(r.stdout.contains(&format!("{HOST}: good")), "{}", r.all());
    assert_eq!(bind.dig("A", &format!("other.{ZONE}")), "");

    // 5. A wrong secret: BADSIG stops the account; the next run sends nothing.
    let s3 = Setup::new(&config("d3Jvbmctc2VjcmV0", &host, ""));
    let r = ns.dynward(&s3.config(), &["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains("dns BADSIG") && r.stdout.contains("stop account"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains("fix the TSIG key"),
        "the advice names the key: {}",
        r.all()
    );
    let before = updates(&bind);
    let r = ns.dynward(&s3.config(), &["once", "--force"]);
    assert!(r.stdout.contains("stopped since"), "{}", r.all());
    assert_eq!(
        updates(&bind),
        before,
        "nothing sent after BADSIG: {}",
        bind.log()
    );

    // 6. The key as tsig-keygen writes it, in password_file: its name and algorithm with it.
    let s5 = Setup::new(
        &config(SECRET, &host, "")
            .replace("tsig_key = \"ddns-key\"\n", "")
            .replace(
                &format!("password = \"{SECRET}\""),
                "password_file = \"ddns-key.conf\"",
            ),
    );
    let keyfile = s5.dir.path().join("ddns-key.conf");
    std::fs::write(
        &keyfile,
        format!("# tsig-keygen -a hmac-sha256 ddns-key\nkey \"ddns-key\" {{\n\talgorithm hmac-sha256;\n\tsecret \"{SECRET}\";\n}};\n"),
    )
    .expect("key file");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&keyfile, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let r = ns.dynward(&s5.config(), &["once"]);
    assert_eq!(r.code, 0, "{}\n{}", r.all(), bind.log());
    assert!(r.stdout.contains(&format!("{HOST}: good")), "{}", r.all());
    assert!(!r.all().contains(SECRET), "the secret shown");

    // 7. A key the server does not know: BADKEY stops the account.
    let s6 = Setup::new(
        &config(SECRET, &host, "").replace("tsig_key = \"ddns-key\"", "tsig_key = \"unknown-key\""),
    );
    let r = ns.dynward(&s6.config(), &["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains("dns BADKEY") && r.stdout.contains("stop account"),
        "{}",
        r.all()
    );

    // 8. A zone the server does not serve: NOTAUTH stops the host.
    let s4 = Setup::new(&config(
        SECRET,
        "\"home.elsewhere.test\"",
        "zone = \"elsewhere.test\"\n",
    ));
    let r = ns.dynward(&s4.config(), &["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains("dns NOTAUTH") && r.stdout.contains("stop host"),
        "{}",
        r.all()
    );
}

/// This machine's clock 1000 s behind (libfaketime): BIND answers BADTIME, signed with the
/// request's time; dynward holds a minute and says to set the clock; nothing is recorded as
/// published.
#[test]
#[ignore = "needs root (network namespaces), BIND9 and libfaketime: scripts/test runs it when they are there"]
fn rfc2136_badtime_holds_and_says_why() {
    util::require_root("rfc2136_badtime_holds_and_says_why");
    let lib = std::fs::read_dir("/usr/lib")
        .expect("/usr/lib")
        .flatten()
        .map(|e| e.path().join("faketime/libfaketime.so.1"))
        .find(|p| p.exists())
        .expect("libfaketime: apt-get install libfaketime (.ci/run does)");
    let ns = Netns::new("t");
    ns.add_wan();
    ns.run("ip addr add 203.0.113.20/32 dev vw0");
    let bind = bind(&ns);
    let s = Setup::new(
        &config(SECRET, &format!("\"{HOST}\""), "ipv6 = false\n").replace("ipv6 = true\n", ""),
    );
    let offset = s.dir.path().join("faketime");
    std::fs::write(&offset, "-1000\n").expect("offset");
    let o = Command::new("ip")
        .args(["netns", "exec", &ns.name, "env"])
        .arg(format!("LD_PRELOAD={}", lib.display()))
        .arg(format!("FAKETIME_TIMESTAMP_FILE={}", offset.display()))
        .args([
            "FAKETIME_NO_CACHE=1",
            "FAKETIME_DONT_FAKE_MONOTONIC=1",
            util::bin(),
            "--config",
        ])
        .arg(s.config())
        .arg("once")
        .env_remove("DYNWARD_LOG")
        .output()
        .expect("dynward under libfaketime");
    let r = util::Run::from(o);
    assert_eq!(r.code, 1, "{}\n{}", r.all(), bind.log());
    assert!(
        r.stdout.contains("dns BADTIME") && r.stdout.contains("holding 1m"),
        "{}",
        r.all()
    );
    assert!(r.stdout.contains("set the clock (NTP)"), "{}", r.all());
    assert_eq!(bind.dig("A", HOST), "", "nothing published");
}

fn opts() -> dynward::http::Options {
    dynward::http::Options {
        user_agent: "dynward-test/1".into(),
        connect_timeout: std::time::Duration::from_secs(2),
        timeout: std::time::Duration::from_secs(5),
        ca_file: None,
        bind: Vec::new(),
    }
}

/// The runner: a UDP reply with the TC bit goes to TCP (two bytes of length, then the
/// message), and a stray datagram with another ID is not taken for the reply.
#[test]
fn a_truncated_udp_reply_goes_to_tcp() {
    use dynward::protocol::dns::exchange::DnsMessage;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let reply = util::block_on(async {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("udp");
        let port = udp.local_addr().expect("addr").port();
        let tcp = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("tcp");
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            let (_, from) = udp.recv_from(&mut buf).await.expect("datagram");
            // First a stray datagram with another ID, then the truncated reply.
            udp.send_to(&[0xde, 0xad, 0x82, 0x00], from)
                .await
                .expect("stray");
            let tc = [buf[0], buf[1], 0xaa, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];
            udp.send_to(&tc, from).await.expect("tc");
        });
        tokio::spawn(async move {
            let (mut c, _) = tcp.accept().await.expect("accept");
            let len = c.read_u16().await.expect("len");
            let mut m = vec![0u8; usize::from(len)];
            c.read_exact(&mut m).await.expect("message");
            let mut out = vec![0, 14, m[0], m[1], 0xa8, 0x00];
            out.extend_from_slice(&[0; 8]);
            out.extend_from_slice(b"tc");
            c.write_all(&out).await.expect("reply");
        });
        let m = DnsMessage {
            bytes: vec![0x12, 0x34, 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            id: 0x1234,
            update: true,
            shown: String::new(),
        };
        let target = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        dynward::dns::send(&m, &opts(), &[target]).await
    })
    .expect("a reply over TCP");
    assert_eq!(&reply.bytes[..2], &[0x12, 0x34]);
    assert_eq!(&reply.bytes[reply.bytes.len() - 2..], b"tc");
}

/// The daemon over DNS: it publishes at start, sleeps, and publishes a new address of its
/// interface (a netlink event) with one UPDATE, while BIND serves the old one until then.
#[test]
#[ignore = "needs root (network namespaces) and BIND9: scripts/test runs it when they are there"]
fn rfc2136_daemon_follows_the_interface() {
    util::require_root("rfc2136_daemon_follows_the_interface");
    let ns = Netns::new("e");
    ns.add_wan();
    ns.run("ip addr add 203.0.113.30/32 dev vw0");
    let bind = bind(&ns);
    let s = Setup::new(&config(SECRET, &format!("\"{HOST}\""), "").replace("ipv6 = true\n", ""));
    let d = DaemonProc::start(&s.config(), Some(&ns.name));
    assert!(
        wait_for(10, || bind.dig("A", HOST) == "203.0.113.30"),
        "{}\n{}",
        d.log(),
        bind.log()
    );
    d.expect_log(10, "sleeping");
    ns.batch("addr add 203.0.113.31/32 dev vw0\naddr del 203.0.113.30/32 dev vw0\n");
    assert!(
        wait_for(10, || bind.dig("A", HOST) == "203.0.113.31"),
        "{}\n{}",
        d.log(),
        bind.log()
    );
    assert!(!d.log().contains(SECRET), "the secret in the log");
}

/// BIND's reply over TCP: UDP to the server's address is routed to a neighbour that never
/// answers (a policy rule for UDP alone, so TCP still reaches BIND), so both UDP tries get
/// nothing and the UPDATE goes over TCP, where BIND answers it, signed.
#[test]
#[ignore = "needs root (network namespaces) and BIND9: scripts/test runs it when they are there"]
fn rfc2136_reply_over_tcp() {
    util::require_root("rfc2136_reply_over_tcp");
    let ns = Netns::new("t");
    ns.add_wan();
    ns.run("ip addr add 203.0.113.40/32 dev vw0");
    ns.run("ip addr add 192.0.2.53/32 dev lo");
    let zone = format!(
        "$TTL 60\n@ IN SOA ns.{ZONE}. hostmaster.{ZONE}. 1 3600 600 86400 60\n@ IN NS ns.{ZONE}.\nns IN A 192.0.2.53\n"
    );
    let bind = Named::start_on(
        &ns,
        "192.0.2.53",
        &format!(
            "key \"ddns-key\" {{ algorithm hmac-sha256; secret \"{SECRET}\"; }};\nzone \"{ZONE}\" {{\n    type primary;\n    file \"{{dir}}/zone\";\n    update-policy {{ grant ddns-key name {HOST}. A AAAA; }};\n}};\n"
        ),
        ZONE,
        &zone,
    );
    // UDP to BIND goes nowhere; the rule comes before the local table, which is moved after it.
    ns.run("ip rule add pref 10 ipproto udp to 192.0.2.53 lookup 100");
    ns.run("ip rule add pref 100 lookup local");
    ns.run("ip rule del pref 0");
    ns.run("ip route add 192.0.2.53 via 192.0.2.254 dev vw0 onlink table 100");
    assert_eq!(bind.dig("SOA", ZONE), "", "UDP still reaches BIND");
    let dig_tcp = |name: &str| {
        ns.exec(&["dig", "+tcp", "+short", "+time=2", "@192.0.2.53", name, "A"])
            .trim()
            .to_string()
    };
    assert!(dig_tcp(ZONE).is_empty() && !dig_tcp(&format!("ns.{ZONE}")).is_empty());

    let s = Setup::new(
        &config(
            SECRET,
            &format!("\"{HOST}\""),
            &format!("zone = \"{ZONE}\"\n"),
        )
        .replace("ipv6 = true\n", "")
        .replace("server = \"127.0.0.1\"", "server = \"192.0.2.53\""),
    );
    let r = ns.dynward(&s.config(), &["once"]);
    assert_eq!(r.code, 0, "{}\n{}", r.all(), bind.log());
    assert!(
        r.stdout.contains(&format!("{HOST}: good 203.0.113.40")),
        "{}",
        r.all()
    );
    assert_eq!(dig_tcp(HOST), "203.0.113.40", "{}", bind.log());
}
