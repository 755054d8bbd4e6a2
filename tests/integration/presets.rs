//! Every provider preset against a local server speaking its dialect: `dynward once` with
//! `provider = "…"` and `server` pointed at 127.0.0.1. For each preset: the request sent
//! (method, path, query, Authorization header) and the decision taken on an update, no change,
//! wrong credentials, an unknown host, an outage and an answer the preset's table does not know.

use crate::util;

use util::{FakeServer, Script, Setup};

/// The password (a token for some presets): a slash and an ampersand test its encoding.
const TOKEN: &str = "tok/en&1";
/// [`TOKEN`] as a query value or path segment.
const TOKEN_ENC: &str = "tok%2Fen%261";
/// The address the check-IP page reports.
const IP: &str = "203.0.113.7";

/// One preset's fixture.
struct Fixture {
    provider: &'static str,
    host: &'static str,
    /// Config lines beyond the common ones (the user name, where the preset takes one).
    config: &'static str,
    /// The path the update arrives at; `{token}` stands for the encoded token.
    path: &'static str,
    /// Query parameters the update carries; `{ip}`, `{token}` stand for the address and
    /// the encoded token.
    query: &'static [(&'static str, &'static str)],
    /// Parameters it must not carry (the family not published, an account not needed).
    absent: &'static [&'static str],
    /// The Basic header's `user:password`, or `None` when the secret travels in the URL.
    basic: Option<&'static str>,
    /// Status and body of an update and of no change.
    updated: (u16, &'static str),
    unchanged: (u16, &'static str),
    /// The code no change is read as (`nochg`; Namecheap tells no change from an update).
    unchanged_code: &'static str,
    /// Status and body of wrong credentials, and of an unknown host with its code.
    badauth: (u16, &'static str),
    nohost: (u16, &'static str),
    nohost_code: &'static str,
}

const DYNDNS2: &[(&str, &str)] = &[("hostname", "{host}"), ("myip", "{ip}")];

/// A dyndns2 preset with the user `alice` and this path and query.
const fn dyndns2(
    provider: &'static str,
    path: &'static str,
    query: &'static [(&'static str, &'static str)],
) -> Fixture {
    Fixture {
        provider,
        host: "home.example.org",
        config: "username = \"alice\"",
        path,
        query,
        absent: &[],
        basic: Some("alice:tok/en&1"),
        updated: (200, "good 203.0.113.7"),
        unchanged: (200, "nochg 203.0.113.7"),
        unchanged_code: "nochg",
        badauth: (401, "badauth"),
        nohost: (200, "nohost"),
        nohost_code: "nohost",
    }
}

fn fixtures() -> Vec<Fixture> {
    let system: &[(&str, &str)] = &[
        ("hostname", "{host}"),
        ("myip", "{ip}"),
        ("system", "dyndns"),
    ];
    vec![
        dyndns2("dyn", "/v3/update", DYNDNS2),
        dyndns2("noip", "/nic/update", DYNDNS2),
        Fixture {
            absent: &["myipv6"],
            ..dyndns2("dynu", "/nic/update", DYNDNS2)
        },
        dyndns2("3322", "/dyndns/update", system),
        dyndns2("oray", "/ph/update", DYNDNS2),
        dyndns2("ovh", "/nic/update", system),
        dyndns2("strato", "/nic/update", DYNDNS2),
        Fixture {
            unchanged: (204, ""),
            nohost: (409, ""),
            nohost_code: "http 409",
            ..dyndns2("selfhost", "/nic/update", DYNDNS2)
        },
        dyndns2("changeip", "/nic/update", system),
        Fixture {
            config: "",
            basic: Some("home.example.org:tok/en&1"),
            ..dyndns2("he", "/nic/update", DYNDNS2)
        },
        dyndns2(
            "dnsomatic",
            "/nic/update",
            &[
                ("hostname", "{host}"),
                ("myip", "{ip}"),
                ("wildcard", "NOCHG"),
                ("mx", "NOCHG"),
                ("backmx", "NOCHG"),
            ],
        ),
        Fixture {
            host: "home.dedyn.io",
            config: "",
            basic: Some("home.dedyn.io:tok/en&1"),
            nohost: (404, "Not found."),
            ..dyndns2(
                "desec",
                "/",
                &[
                    ("hostname", "{host}"),
                    ("myipv4", "{ip}"),
                    ("myipv6", "preserve"),
                ],
            )
        },
        Fixture {
            host: "home",
            config: "",
            absent: &["ipv6"],
            basic: None,
            updated: (200, "OK\n203.0.113.7\n\nUPDATED"),
            unchanged: (200, "OK\n203.0.113.7\n\nNOCHANGE"),
            badauth: (200, "KO"),
            nohost: (200, "KO"),
            nohost_code: "badauth",
            ..dyndns2(
                "duckdns",
                "/update",
                &[
                    ("domains", "home"),
                    ("token", "{token}"),
                    ("ip", "{ip}"),
                    ("verbose", "true"),
                ],
            )
        },
        Fixture {
            host: "home.dynv6.net",
            config: "",
            absent: &["ipv6", "hostname"],
            basic: None,
            updated: (200, "addresses updated"),
            unchanged: (200, "addresses unchanged"),
            badauth: (401, "invalid authentication token"),
            nohost: (404, "zone not found"),
            ..dyndns2(
                "dynv6",
                "/api/update",
                &[("zone", "{host}"), ("token", "{token}"), ("ipv4", "{ip}")],
            )
        },
        Fixture {
            host: "home.nsupdate.info",
            config: "",
            basic: Some("home.nsupdate.info:tok/en&1"),
            nohost: (200, "nohost"),
            ..dyndns2("nsupdate.info", "/nic/update", DYNDNS2)
        },
        Fixture {
            unchanged: (200, "no_change 203.0.113.7"),
            badauth: (400, "badauth"),
            nohost: (400, "nohost"),
            ..dyndns2("infomaniak", "/nic/update", DYNDNS2)
        },
        Fixture {
            badauth: (400, "badauth"),
            nohost: (400, "nohost"),
            ..dyndns2("now-dns", "/update", DYNDNS2)
        },
        dyndns2("spdyn", "/nic/update", DYNDNS2),
        Fixture {
            absent: &["myip6", "hostname"],
            ..dyndns2("all-inkl", "/", &[("host", "{host}"), ("myip", "{ip}")])
        },
        dyndns2("ipv64", "/nic/update", DYNDNS2),
        Fixture {
            host: "home.ddnss.de",
            config: "",
            absent: &["ip6"],
            basic: None,
            updated: (200, "<html><body>Updated 1 hostname.</body></html>"),
            unchanged: (200, "<html><body>No change</body></html>"),
            badauth: (200, "<html><body>badauth</body></html>"),
            ..dyndns2(
                "ddnss",
                "/upd.php",
                &[("host", "{host}"), ("key", "{token}"), ("ip", "{ip}")],
            )
        },
        Fixture {
            host: "home.dnshome.de",
            config: "",
            absent: &["ip6"],
            basic: Some("home.dnshome.de:tok/en&1"),
            ..dyndns2(
                "dnshome",
                "/dyndns.php",
                &[("hostname", "{host}"), ("ip", "{ip}")],
            )
        },
        Fixture {
            host: "home.mooo.com",
            config: "",
            absent: &["hostname"],
            basic: None,
            updated: (
                200,
                "Updated 1 host(s) home.mooo.com to 203.0.113.7 in 0.21 seconds",
            ),
            unchanged: (200, "ERROR: Address 203.0.113.7 has not changed."),
            badauth: (200, "ERROR: Unable to locate this record"),
            nohost: (200, "ERROR: Unable to locate this record"),
            nohost_code: "badauth",
            ..dyndns2("freedns", "/u/{token}/", &[("address", "{ip}")])
        },
        Fixture {
            host: "www.example.com",
            config: "username = \"example.com\"",
            absent: &["hostname", "ipv6"],
            basic: None,
            updated: (
                200,
                "<?xml version=\"1.0\" encoding=\"utf-16\"?><interface-response><Command>SETDNSHOST</Command><Language>eng</Language><IP>203.0.113.7</IP><ErrCount>0</ErrCount><ResponseCount>0</ResponseCount><Done>true</Done></interface-response>",
            ),
            unchanged: (
                200,
                "<interface-response><ErrCount>0</ErrCount></interface-response>",
            ),
            unchanged_code: "good",
            badauth: (
                200,
                "<interface-response><ErrCount>1</ErrCount><errors><Err1>Passwords do not match</Err1></errors></interface-response>",
            ),
            nohost: (
                200,
                "<interface-response><ErrCount>1</ErrCount><errors><Err1>No Records updated. A record not Found;</Err1></errors></interface-response>",
            ),
            ..dyndns2(
                "namecheap",
                "/update",
                &[
                    ("host", "www"),
                    ("domain", "example.com"),
                    ("password", "{token}"),
                    ("ip", "{ip}"),
                ],
            )
        },
        Fixture {
            absent: &["myipv6"],
            ..dyndns2("inwx", "/nic/update", DYNDNS2)
        },
        Fixture {
            config: "username = \"alice\"\nmin_interval = \"10m\"",
            absent: &["wildcard"],
            updated: (
                200,
                "<html><head><title>easyDNS</title></head><body>NOERROR</body></html>",
            ),
            unchanged: (200, "<html><body>OK</body></html>"),
            unchanged_code: "good",
            badauth: (200, "<html><body>NO_AUTH</body></html>"),
            nohost: (200, "<html><body>NOSERVICE</body></html>"),
            nohost_code: "!active",
            ..dyndns2("easydns", "/dyn/generic.php", DYNDNS2)
        },
        Fixture {
            config: "username = \"alice\"\nmin_interval = \"10m\"",
            absent: &["hostname", "myip", "zone"],
            updated: (
                200,
                "<SUCCESS CODE=\"200\" TEXT=\"Update succeeded.\" ZONE=\"example.org\" IP=\"203.0.113.7\">",
            ),
            unchanged: (
                200,
                "<SUCCESS CODE=\"201\" TEXT=\"No records need updating.\" ZONE=\"example.org\">",
            ),
            badauth: (
                200,
                "<ERROR CODE=\"708\" TEXT=\"Failed Login: alice\" ZONE=\"example.org\">",
            ),
            nohost: (
                200,
                "<ERROR CODE=\"701\" TEXT=\"Zone is not set up in this account.\" ZONE=\"example.org\">",
            ),
            ..dyndns2(
                "zoneedit",
                "/auth/dynamic.html",
                &[("host", "{host}"), ("dnsto", "{ip}")],
            )
        },
        dyndns2("loopia", "/XDynDNSServer/XDynDNS.php", DYNDNS2),
        Fixture {
            config: "",
            absent: &["aaaa", "auto", "hostname", "myip"],
            basic: None,
            updated: (
                200,
                "{\"status\": 200, \"message\": \"record updated\", \"value\": {\"A\": \"203.0.113.7\"}}",
            ),
            unchanged: (
                200,
                "{\"status\": 200, \"message\": \"record updated\", \"value\": {\"A\": \"203.0.113.7\"}}",
            ),
            unchanged_code: "good",
            badauth: (
                401,
                "{\"status\": 401, \"message\": \"invalid host or key\"}",
            ),
            nohost: (
                401,
                "{\"status\": 401, \"message\": \"invalid host or key\"}",
            ),
            nohost_code: "badauth",
            ..dyndns2(
                "njalla",
                "/update/",
                &[("h", "{host}"), ("k", "{token}"), ("a", "{ip}")],
            )
        },
        Fixture {
            host: "home.example.org",
            config: "",
            absent: &["ipv6", "hostname", "myip"],
            basic: None,
            updated: (200, ""),
            unchanged: (200, ""),
            unchanged_code: "good",
            badauth: (401, ""),
            nohost: (403, ""),
            nohost_code: "badauth",
            ..dyndns2(
                "ionos-dyndns",
                "/dns/v1/dyndns",
                &[("q", "{token}"), ("ipv4", "{ip}")],
            )
        },
    ]
}

/// Standard base64 of `s`, for the expected Basic header.
fn base64(s: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in s.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A scratch setup whose one policy uses the preset at `srv`, its address from `srv`'s
/// check-IP page.
fn setup(f: &Fixture, srv: &FakeServer) -> Setup {
    // No floor between updates, unless the preset has one of its own.
    let floor = if f.config.contains("min_interval") {
        ""
    } else {
        "min_interval = \"0s\"\n"
    };
    Setup::with(&format!(
        "[[policy]]\nname = \"p\"\nprovider = \"{}\"\nserver = \"http://{}\"\nallow_insecure_http = true\npassword = \"{TOKEN}\"\nhosts = [\"{}\"]\nweb = \"{}\"\n{floor}timeout = \"2s\"\nconnect_timeout = \"2s\"\n{}\n",
        f.provider,
        srv.addr,
        f.host,
        srv.checkip_url(),
        f.config
    ))
}

fn fill(f: &Fixture, s: &str) -> String {
    s.replace("{ip}", IP)
        .replace("{token}", TOKEN_ENC)
        .replace("{host}", f.host)
}

/// Runs `once` against a server answering `status` and `body`; checks the request, the exit
/// status and that the output names `code` and `decision` for the host.
fn scenario(f: &Fixture, answer: Script, code: i32, words: &[&str]) {
    let srv = FakeServer::http();
    srv.script([answer.clone()]);
    let s = setup(f, &srv);
    let r = s.run(&["once"]);
    let what = format!("{} {answer:?}", f.provider);
    assert_eq!(r.code, code, "{what}\n{}", r.all());
    for w in words {
        let w = fill(f, w);
        assert!(r.stdout.contains(&w), "{what}: missing {w:?}\n{}", r.all());
    }
    assert!(
        !r.all().contains(TOKEN),
        "{what}: the token leaked\n{}",
        r.all()
    );
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1, "{what}: {reqs:?}");
    let q = &reqs[0];
    assert_eq!(q.method, "GET", "{what}");
    assert_eq!(q.path, fill(f, f.path), "{what}");
    for (k, v) in f.query {
        assert_eq!(
            q.param(k).as_deref(),
            Some(fill(f, v).as_str()),
            "{what}: parameter {k} in {}",
            q.query
        );
    }
    for k in f.absent {
        assert_eq!(q.param(k), None, "{what}: {k} in {}", q.query);
    }
    let expected = f.basic.map(|b| format!("Basic {}", base64(b)));
    assert_eq!(q.auth, expected, "{what}: the Authorization header");
}

/// All six answers of one preset.
fn preset(name: &str) {
    let all = fixtures();
    let f = all
        .iter()
        .find(|f| f.provider == name)
        .expect("a fixture for the preset");
    let reply = |(status, body): (u16, &str)| Script::Reply(status, body.to_string());
    scenario(f, reply(f.updated), 0, &["{host}: good"]);
    let nochg = format!("{{host}}: {}", f.unchanged_code);
    scenario(f, reply(f.unchanged), 0, &[nochg.as_str()]);
    scenario(f, reply(f.badauth), 1, &["{host}: badauth", "stop account"]);
    let nohost = format!("{{host}}: {}", f.nohost_code);
    let stop = if f.nohost_code == "badauth" {
        "stop account"
    } else {
        "stop host"
    };
    scenario(f, reply(f.nohost), 1, &[nohost.as_str(), stop]);
    scenario(f, reply((503, "")), 1, &["{host}: 911", "holding 30m"]);
    scenario(
        f,
        reply((200, "Welcome to our new website")),
        1,
        &["{host}: unknown", "holding 30m"],
    );
}

/// Every preset has a fixture, and every fixture a preset.
#[test]
fn every_preset_has_a_fixture() {
    // The API providers have theirs in `api`, RFC 2136 against BIND in `dns`.
    let names: Vec<&str> = dynward::provider::ALL
        .iter()
        .filter(|(_, p)| p.api().is_none() && *p != dynward::provider::Provider::Rfc2136)
        .map(|(n, _)| *n)
        .collect();
    let fixed: Vec<&str> = fixtures().iter().map(|f| f.provider).collect();
    assert_eq!(names, fixed);
}

macro_rules! preset_tests {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                preset($name);
            }
        )*
    };
}

preset_tests! {
    dyn_answers => "dyn",
    noip_answers => "noip",
    dynu_answers => "dynu",
    p3322_answers => "3322",
    oray_answers => "oray",
    ovh_answers => "ovh",
    strato_answers => "strato",
    selfhost_answers => "selfhost",
    changeip_answers => "changeip",
    he_answers => "he",
    dnsomatic_answers => "dnsomatic",
    desec_answers => "desec",
    duckdns_answers => "duckdns",
    dynv6_answers => "dynv6",
    nsupdate_info_answers => "nsupdate.info",
    infomaniak_answers => "infomaniak",
    now_dns_answers => "now-dns",
    spdyn_answers => "spdyn",
    all_inkl_answers => "all-inkl",
    ipv64_answers => "ipv64",
    ddnss_answers => "ddnss",
    dnshome_answers => "dnshome",
    freedns_answers => "freedns",
    namecheap_answers => "namecheap",
    inwx_answers => "inwx",
    easydns_answers => "easydns",
    zoneedit_answers => "zoneedit",
    loopia_answers => "loopia",
    njalla_answers => "njalla",
    ionos_dyndns_answers => "ionos-dyndns",
}

/// HTTP 429 holds the server for its Retry-After (deSEC's one request per minute), and the
/// next run sends nothing while it lasts.
#[test]
fn rate_limit_holds_for_retry_after() {
    let all = fixtures();
    for name in ["desec", "ipv64"] {
        let f = all.iter().find(|f| f.provider == name).expect("fixture");
        let srv = FakeServer::http();
        srv.script([Script::TooMany(61, "Request was throttled.".into())]);
        let s = setup(f, &srv);
        let r = s.run(&["once"]);
        assert_eq!(r.code, 1, "{name}\n{}", r.all());
        assert!(
            r.stdout.contains(&format!("{}: ratelimit 61s", f.host)),
            "{name}\n{}",
            r.all()
        );
        let r = s.run(&["once", "--force"]);
        assert!(
            r.stdout
                .contains("the provider asked to wait (ratelimit 61s)"),
            "{name}\n{}",
            r.all()
        );
        assert_eq!(
            srv.requests().len(),
            1,
            "{name}: nothing sent inside the hold"
        );
    }
}

/// The case: DuckDNS at a local server answering `OK` exits 0 and records the
/// address; `KO` stops the account, and nothing more is sent until the user acts.
#[test]
fn duckdns_ok_records_and_ko_stops() {
    let all = fixtures();
    let f = all
        .iter()
        .find(|f| f.provider == "duckdns")
        .expect("fixture");
    let srv = FakeServer::http();
    srv.script([Script::Reply(200, "OK".into())]);
    let s = setup(f, &srv);
    let r = s.run(&["check"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains(&format!(
            "p: provider duckdns at server http://{}/update, no user name, token from password (in the config file), 1 host (home)",
            srv.addr
        )),
        "{}",
        r.all()
    );
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let st: serde_json::Value = serde_json::from_str(&s.state()).expect("state");
    assert_eq!(
        st["policies"]["p"]["hosts"]["home"]["v4"]["addr"], IP,
        "{st}"
    );

    srv.set_checkip("203.0.113.8");
    srv.script([Script::Reply(200, "KO".into())]);
    let r = s.run(&["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stdout.contains("stop account"), "{}", r.all());
    srv.set_checkip("203.0.113.9");
    let r = s.run(&["once", "--force"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stdout.contains("stopped since"), "{}", r.all());
    assert_eq!(srv.requests().len(), 2, "nothing sent after KO");
}

/// A dual-stack host behind NAT: `web4` and `web6` are each asked over their own family, and
/// both addresses go in DuckDNS's one request. With one `web` service that has no IPv6
/// address, IPv4 is published alone and the output says why IPv6 is not.
#[test]
fn per_family_check_ip() {
    let policy = |srv: &FakeServer, source: &str| {
        format!(
            "[[policy]]\nname = \"p\"\nprovider = \"duckdns\"\nserver = \"http://{}\"\nallow_insecure_http = true\npassword = \"{TOKEN}\"\nhosts = [\"home\"]\nipv6 = true\ntimeout = \"2s\"\nconnect_timeout = \"2s\"\n{source}\n",
            srv.addr
        )
    };
    let srv = FakeServer::http();
    srv.respond_with(|_| Script::Reply(200, "OK\n\nUPDATED".into()));
    let six = FakeServer::http_on("[::1]:0");
    six.set_checkip("2001:db8::7");
    let s = Setup::with(&policy(
        &srv,
        &format!(
            "web4 = \"{}\"\nweb6 = \"{}\"",
            srv.checkip_url(),
            six.checkip_url()
        ),
    ));
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("address: 203.0.113.7,2001:db8::7"),
        "{}",
        r.all()
    );
    let q = &srv.requests()[0];
    assert_eq!(q.param("ip").as_deref(), Some(IP), "{}", q.query);
    assert_eq!(
        q.param("ipv6").as_deref(),
        Some("2001:db8::7"),
        "{}",
        q.query
    );
    assert_eq!(
        six.requests().len(),
        0,
        "the check-IP page is not an update"
    );

    let srv = FakeServer::http();
    srv.respond_with(|_| Script::Reply(200, "OK\n\nUPDATED".into()));
    let s = Setup::with(&policy(&srv, &format!("web = \"{}\"", srv.checkip_url())));
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains(&format!(
            "check-IP service 127.0.0.1 has no IPv6 address, so it cannot tell this host's IPv6 address; set web6 to a service that has one; publishing {IP} only"
        )),
        "{}",
        r.all()
    );
    let q = &srv.requests()[0];
    assert_eq!(q.param("ip").as_deref(), Some(IP), "{}", q.query);
    assert_eq!(q.param("ipv6"), None, "{}", q.query);
}
