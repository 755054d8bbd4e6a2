//! The dyndns2 requests and replies, as data: every dialect's request shape, every answer
//! read into codes and the decisions they lead to.

use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use super::*;
use crate::addr::AddrSet;
use crate::protocol::code::{
    Code, Decision, History, MAX_RETRY_AFTER, OUTAGE_HOLD, OUTAGE_HOLD_REPEAT, Scope,
};
use crate::secret::{MASK, Secret};

/// What `code` decides for a host with history `h` at a provider of dialect `d`.
fn decide(code: &Code, h: &History, d: &Dialect) -> Decision {
    code.decide(h, d.quirks())
}

fn hosts(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("h{i}.example.org")).collect()
}

fn v4(s: &str) -> AddrSet {
    AddrSet {
        v4: Some(s.parse().expect("v4")),
        v6: None,
    }
}

fn both() -> AddrSet {
    AddrSet {
        v4: Some("203.0.113.5".parse().expect("v4")),
        v6: Some("2001:db8::5".parse().expect("v6")),
    }
}

fn server() -> Endpoint {
    Endpoint::Server(Url::parse("https://members.example.net/nic/update").expect("url"))
}

fn pw() -> Secret {
    Secret::new("p&ss=wörd")
}

fn one(status: u16, body: &str) -> Code {
    let r = parse_reply(
        status,
        body,
        &hosts(1),
        &v4("203.0.113.5"),
        &Dialect::default(),
    );
    assert_eq!(r.results.len(), 1);
    r.results[0].code.clone()
}

/// A plain request: path kept, hosts comma-joined, myip set, nothing else.
#[test]
fn a_plain_request_keeps_the_path_and_joins_the_hosts() {
    let r = build_requests(
        &server(),
        &Dialect::default(),
        "u",
        &pw(),
        &hosts(2),
        v4("203.0.113.5"),
    );
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].url,
        "https://members.example.net/nic/update?hostname=h0.example.org,h1.example.org&myip=203.0.113.5"
    );
    assert_eq!(r[0].hosts, hosts(2));
    assert!(!r[0].url.contains("p&ss"));
}

/// More than 20 hosts are split into batches of at most 20, in order.
#[test]
fn more_than_20_hosts_go_in_batches_in_order() {
    let hs = hosts(45);
    let r = build_requests(
        &server(),
        &Dialect::default(),
        "u",
        &pw(),
        &hs,
        v4("203.0.113.5"),
    );
    assert_eq!(
        r.iter().map(|x| x.hosts.len()).collect::<Vec<_>>(),
        vec![20, 20, 5]
    );
    assert_eq!(
        r.iter().flat_map(|x| x.hosts.clone()).collect::<Vec<_>>(),
        hs
    );
    let d = Dialect {
        max_hosts: 1,
        ..Dialect::default()
    };
    assert_eq!(
        build_requests(&server(), &d, "u", &pw(), &hosts(3), v4("203.0.113.5")).len(),
        3
    );
    // A dialect can never raise the limit past 20.
    let d = Dialect {
        max_hosts: 100,
        ..Dialect::default()
    };
    assert_eq!(
        build_requests(&server(), &d, "u", &pw(), &hosts(21), v4("203.0.113.5")).len(),
        2
    );
}

/// Each IPv4+IPv6 strategy produces its documented query.
#[test]
fn each_family_strategy_makes_its_documented_query() {
    let mk = |family| Dialect {
        family,
        ..Dialect::default()
    };
    let c = build_requests(
        &server(),
        &mk(FamilyMode::Combined),
        "u",
        &pw(),
        &hosts(1),
        both(),
    );
    assert_eq!(c.len(), 1);
    assert!(
        c[0].url.ends_with("&myip=203.0.113.5,2001:db8::5"),
        "{}",
        c[0].url
    );
    let m = build_requests(
        &server(),
        &mk(FamilyMode::MyipV6),
        "u",
        &pw(),
        &hosts(1),
        both(),
    );
    assert!(
        m[0].url.ends_with("&myip=203.0.113.5&myipv6=2001:db8::5"),
        "{}",
        m[0].url
    );
    let only6 = AddrSet {
        v4: None,
        v6: both().v6,
    };
    let m6 = build_requests(
        &server(),
        &mk(FamilyMode::MyipV6),
        "u",
        &pw(),
        &hosts(1),
        only6,
    );
    assert!(
        m6[0].url.ends_with("&myip=no&myipv6=2001:db8::5"),
        "{}",
        m6[0].url
    );
    let s = build_requests(
        &server(),
        &mk(FamilyMode::Separate),
        "u",
        &pw(),
        &hosts(1),
        both(),
    );
    assert_eq!(s.len(), 2);
    assert!(s[0].url.ends_with("&myip=203.0.113.5"));
    assert_eq!(
        s[0].sent,
        AddrSet {
            v4: both().v4,
            v6: None
        }
    );
    assert!(s[1].url.ends_with("&myip=2001:db8::5"));
    assert_eq!(
        s[1].sent,
        AddrSet {
            v4: None,
            v6: both().v6
        }
    );
}

/// No address, no request: an empty myip= would delete records at some providers.
#[test]
fn no_address_means_no_request() {
    assert!(
        build_requests(
            &server(),
            &Dialect::default(),
            "u",
            &pw(),
            &hosts(2),
            AddrSet::default()
        )
        .is_empty()
    );
    let t = Endpoint::Template("https://x.example/u?h=<h>&a=<a>".into());
    assert!(
        build_requests(
            &t,
            &Dialect::default(),
            "u",
            &pw(),
            &hosts(2),
            AddrSet::default()
        )
        .is_empty()
    );
}

/// Provider extras: system=dyndns and the DNS-O-Matic NOCHG triple.
#[test]
fn provider_extras_go_in_every_request() {
    let d = Dialect {
        system_dyndns: true,
        legacy_nochg: true,
        ..Dialect::default()
    };
    let r = build_requests(&server(), &d, "u", &pw(), &hosts(1), v4("203.0.113.5"));
    assert!(
        r[0].url
            .ends_with("&myip=203.0.113.5&system=dyndns&wildcard=NOCHG&mx=NOCHG&backmx=NOCHG"),
        "{}",
        r[0].url
    );
}

/// Templates substitute and percent-encode every placeholder; the display URL masks the password.
#[test]
fn templates_fill_and_encode_every_placeholder_and_mask_the_password() {
    let t = Endpoint::Template(
        "https://x.example/dyndns/update?system=dyndns&hostname=<h>&myip=<a>&user=<username>&pass=<password>".into(),
    );
    let r = build_requests(
        &t,
        &Dialect::default(),
        "a b",
        &pw(),
        &hosts(2),
        v4("203.0.113.5"),
    );
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].url,
        "https://x.example/dyndns/update?system=dyndns&hostname=h0.example.org,h1.example.org&myip=203.0.113.5&user=a%20b&pass=p%26ss%3Dw%C3%B6rd"
    );
    let shown = r[0].display_url();
    assert!(shown.ends_with("&pass=********"), "{shown}");
    assert!(!shown.contains("p%26ss"));
    // What is shown does not depend on the password: the rest is shown as sent, even
    // where it happens to contain the password's text.
    for (password, host) in [("ddns", "bobhome.ddns.net"), ("x", "home.example.org")] {
        let r = build_requests(
            &t,
            &Dialect::default(),
            "u",
            &Secret::new(password),
            &[host.to_string()],
            v4("203.0.113.5"),
        );
        assert!(
            r[0].display_url().contains(&format!(
                "hostname={host}&myip=203.0.113.5&user=u&pass=********"
            )),
            "{}",
            r[0].display_url()
        );
    }
    let r6 = build_requests(&t, &Dialect::default(), "u", &pw(), &hosts(1), both());
    assert_eq!(
        r6.len(),
        2,
        "template + separate sends one request per family"
    );
    assert!(r6[1].url.contains("myip=2001:db8::5"));
}

/// Every code of reference section 5, one line, one host: the code and its decision.
#[test]
fn every_code_of_the_reference_leads_to_its_decision() {
    let h = History::default();
    let d = Dialect::default();
    let noip = crate::provider::Provider::NoIp.dialect();
    let table: Vec<(&str, Code, Decision)> = vec![
        ("good 203.0.113.5", Code::Good, Decision::Continue),
        ("good", Code::Good, Decision::Continue),
        ("nochg 203.0.113.5", Code::Nochg, Decision::Continue),
        ("badauth", Code::Badauth, Decision::StopAccount),
        ("!donator", Code::NotDonator, Decision::StopAccount),
        ("notfqdn", Code::NotFqdn, Decision::StopHost),
        ("nohost", Code::NoHost, Decision::StopHost),
        ("numhost", Code::NumHost, Decision::StopHost),
        ("abuse", Code::Abuse, Decision::StopHost),
        ("badagent", Code::BadAgent, Decision::StopClient),
        ("badsys", Code::BadSys, Decision::StopClient),
        ("!yours", Code::NotYours, Decision::StopHost),
        ("!active", Code::NotActive, Decision::StopHost),
        ("dnserr", Code::DnsErr, Decision::BackOff(OUTAGE_HOLD)),
        ("911", Code::Outage, Decision::BackOff(OUTAGE_HOLD)),
        (
            "servererror",
            Code::ServerError,
            Decision::BackOff(OUTAGE_HOLD),
        ),
        ("conflict A", Code::Conflict("A".into()), Decision::StopHost),
        (
            "conflict aaaa",
            Code::Conflict("AAAA".into()),
            Decision::StopHost,
        ),
        (
            "w90s",
            Code::Wait(Duration::from_secs(90)),
            Decision::BackOff(Duration::from_secs(90)),
        ),
        (
            "w5m",
            Code::Wait(Duration::from_secs(300)),
            Decision::BackOff(Duration::from_secs(300)),
        ),
        (
            "w2h",
            Code::Wait(Duration::from_secs(7200)),
            Decision::BackOff(Duration::from_secs(7200)),
        ),
        ("badrequest", Code::BadRequest, Decision::StopClient),
        ("good 127.0.0.1", Code::Refused127, Decision::StopClient),
        (
            "good 198.51.100.1",
            Code::Mismatch(vec!["198.51.100.1".parse().expect("ip")]),
            Decision::StopHost,
        ),
        ("GOOD 203.0.113.5", Code::Good, Decision::Continue),
        ("successfully_changed", Code::Good, Decision::Continue),
        ("no_change", Code::Nochg, Decision::Continue),
        (
            "hello",
            Code::Unknown("hello".into()),
            Decision::BackOff(OUTAGE_HOLD),
        ),
    ];
    for (body, code, decision) in table {
        let got = one(200, body);
        assert_eq!(got, code, "{body}");
        assert_eq!(decide(&got, &h, &d), decision, "{body}");
        assert!(!got.explanation().is_empty());
        assert!(!got.explanation().contains("update failed"));
        if !got.is_success() {
            let action = got.user_action(
                decision,
                crate::protocol::code::Who::named("home"),
                Some("h.example.org"),
            );
            assert!(!action.is_empty(), "{body} has no user action");
            assert!(!action.contains("POLICY"), "{action}");
            if decision.is_fatal() {
                assert!(
                    action.contains("dynward reset home")
                        || action.contains("remove h.example.org"),
                    "{body}: {action}"
                );
            }
        }
        assert_eq!(
            Code::from_name(&got.name()).map(|c| c.name()),
            Some(got.name()),
            "{body}"
        );
    }
    assert_eq!(decide(&Code::Abuse, &h, &noip), Decision::StopAccount);
}

/// A server that answers one line per address (nsupdate.info for `myip=v4,v6`) is read
/// per address of the one host sent, not as answers about two hosts; the host changed
/// if either address did.
#[test]
fn one_line_per_address_answers_for_the_one_host() {
    let d = Dialect::default();
    let host = vec!["home.example.org".to_string()];
    let sent = both();
    for (body, code) in [
        ("good 2001:db8::5\nnochg 203.0.113.5", Code::Good),
        ("nochg 203.0.113.5\nnochg 2001:db8::5", Code::Nochg),
    ] {
        let r = parse_reply(200, body, &host, &sent, &d);
        assert!(r.notes.is_empty(), "{body}: {:?}", r.notes);
        assert_eq!(r.results.len(), 1);
        assert_eq!(r.results[0].code, code, "{body}");
        assert_eq!(r.results[0].addrs.len(), 2, "{body}");
    }
    // Two hosts: two lines are two hosts' answers, as before.
    let two = vec!["a.example.org".to_string(), "b.example.org".to_string()];
    let r = parse_reply(
        200,
        "good 203.0.113.5\nnohost",
        &two,
        &v4("203.0.113.5"),
        &d,
    );
    assert_eq!(r.results[1].code, Code::NoHost);
}

/// Repeats change the decision: a second unexpected nochg stops the host, the third
/// unparseable reply stops it, a repeated outage holds 60 minutes.
#[test]
fn repeats_change_the_decision() {
    let d = Dialect::default();
    let h = |f: fn(&mut History)| {
        let mut x = History::default();
        f(&mut x);
        x
    };
    assert_eq!(
        decide(&Code::Nochg, &h(|x| x.nochg_streak = 1), &d),
        Decision::StopHost
    );
    assert_eq!(
        decide(
            &Code::Nochg,
            &h(|x| {
                x.nochg_streak = 1;
                x.nochg_expected = true
            }),
            &d
        ),
        Decision::Continue
    );
    assert_eq!(
        decide(&Code::Unknown("".into()), &h(|x| x.unknown_streak = 1), &d),
        Decision::BackOff(OUTAGE_HOLD)
    );
    assert_eq!(
        decide(&Code::Unknown("".into()), &h(|x| x.unknown_streak = 2), &d),
        Decision::StopHost
    );
    assert_eq!(
        decide(&Code::NoLine, &h(|x| x.unknown_streak = 2), &d),
        Decision::StopHost
    );
    assert_eq!(
        decide(&Code::Outage, &h(|x| x.outage_streak = 1), &d),
        Decision::BackOff(OUTAGE_HOLD_REPEAT)
    );
    assert_eq!(
        decide(&Code::DnsErr, &h(|x| x.outage_streak = 3), &d),
        Decision::BackOff(OUTAGE_HOLD_REPEAT)
    );
}

/// Per-host lines map in order; missing lines are NoLine; extra lines are noted.
#[test]
fn lines_map_to_hosts_in_order() {
    let sent = v4("203.0.113.5");
    let d = Dialect::default();
    let r = parse_reply(
        200,
        "good 203.0.113.5\nnohost\nnochg 203.0.113.5\n",
        &hosts(3),
        &sent,
        &d,
    );
    let codes: Vec<Code> = r.results.iter().map(|x| x.code.clone()).collect();
    assert_eq!(codes, vec![Code::Good, Code::NoHost, Code::Nochg]);
    assert_eq!(r.results[1].host, "h1.example.org");

    let r = parse_reply(200, "good 203.0.113.5\nnohost", &hosts(3), &sent, &d);
    assert_eq!(r.results[2].code, Code::NoLine);

    let r = parse_reply(200, "good\ngood\ngood", &hosts(2), &sent, &d);
    assert_eq!(r.results.len(), 2);
    assert!(r.notes[0].contains("3 reply lines for 2 hosts"));

    // One line for many hosts applies to all, with a note when it is a success.
    let r = parse_reply(200, "good 203.0.113.5", &hosts(3), &sent, &d);
    assert!(r.results.iter().all(|x| x.code == Code::Good));
    assert!(r.notes[0].contains("applied to all"));
    let r = parse_reply(200, "nohost", &hosts(2), &sent, &d);
    assert!(r.results.iter().all(|x| x.code == Code::NoHost));
}

/// Request-wide codes apply to every host wherever they stand.
#[test]
fn request_wide_codes_apply_to_every_host() {
    let sent = v4("203.0.113.5");
    for body in [
        "badauth",
        "911",
        "dnserr",
        "badagent",
        "!donator",
        "good 127.0.0.1",
    ] {
        let r = parse_reply(200, body, &hosts(4), &sent, &Dialect::default());
        assert_eq!(r.results.len(), 4);
        let first = r.results[0].code.clone();
        assert!(r.results.iter().all(|x| x.code == first), "{body}");
    }
    let r = parse_reply(
        200,
        "good 203.0.113.5\nbadauth",
        &hosts(2),
        &sent,
        &Dialect::default(),
    );
    assert!(r.results.iter().all(|x| x.code == Code::Badauth));
}

/// CR/LF, blank lines, spaces and case do not matter.
#[test]
fn line_endings_blank_lines_spaces_and_case_do_not_matter() {
    let r = parse_reply(
        200,
        "\r\n  GOOD 203.0.113.5 \r\n\r\n\tnochg 203.0.113.5\r\n",
        &hosts(2),
        &v4("203.0.113.5"),
        &Dialect::default(),
    );
    assert_eq!(r.results[0].code, Code::Good);
    assert_eq!(r.results[1].code, Code::Nochg);
    assert_eq!(
        r.results[0].addrs,
        vec!["203.0.113.5".parse::<IpAddr>().expect("ip")]
    );
}

/// HTML-wrapped codes are found after stripping tags, scripts and styles.
#[test]
fn codes_are_found_inside_html() {
    assert_eq!(
        one(200, "<html><body><p>good 203.0.113.5</p></body></html>"),
        Code::Good
    );
    assert_eq!(
        one(
            200,
            "<html><head><style>good{}</style><script>var x='badauth'</script></head><body>nohost</body></html>"
        ),
        Code::NoHost
    );
    let code = one(200, "<html><body><h1>Welcome</h1></body></html>");
    assert_eq!(code, Code::Unknown("Welcome".into()));
    let r = parse_reply(
        200,
        "<p>good 203.0.113.5</p><p>nohost</p>",
        &hosts(2),
        &v4("203.0.113.5"),
        &Dialect::default(),
    );
    assert_eq!(r.results[1].code, Code::NoHost);
}

/// Regression (found by fuzzing): non-ASCII text inside a skipped <script> block used to
/// slice the body inside a character and panic.
#[test]
fn html_with_multibyte_inside_script() {
    let body =
        "<html><head><script>x</scr\u{fffd}\u{0}d><body><p>good 203.0.113.5</p></body></html>";
    assert!(matches!(one(200, body), Code::Unknown(_) | Code::Good));
    assert_eq!(
        one(200, "<p>é</p><script>ü</script><p>good 203.0.113.5</p>"),
        Code::Unknown("é".into()),
        "the first line answers the only host"
    );
    assert_eq!(
        one(200, "<P>GOOD 203.0.113.5</P><SCRIPT>ß</SCRIPT>"),
        Code::Good
    );
}

/// Empty and junk bodies are unknown, never success; long junk is cut short.
#[test]
fn empty_and_junk_bodies_are_unknown_never_success() {
    assert_eq!(one(200, ""), Code::Unknown(String::new()));
    assert_eq!(one(200, "\r\n \n"), Code::Unknown(String::new()));
    let long = "x".repeat(5000);
    match one(200, &long) {
        Code::Unknown(t) => assert!(t.chars().count() <= reply::EXCERPT + 1),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        one(200, "\u{0}\u{1}binary\u{ff}"),
        Code::Unknown(_)
    ));
    assert!(matches!(one(200, "w12x"), Code::Unknown(_)));
    assert!(matches!(one(200, "w"), Code::Unknown(_)));
}

/// HTTP status is used when the body has no code (section 6); a body code wins.
#[test]
fn the_http_status_decides_when_the_body_has_no_code() {
    assert_eq!(one(401, ""), Code::Badauth);
    assert_eq!(one(403, "Forbidden"), Code::Badauth);
    assert_eq!(one(401, "badauth"), Code::Badauth);
    assert_eq!(one(500, ""), Code::Outage);
    assert_eq!(one(503, "<h1>Service Unavailable</h1>"), Code::Outage);
    assert_eq!(one(500, "911"), Code::Outage);
    assert_eq!(one(400, "nohost"), Code::NoHost);
    assert_eq!(one(404, "Not Found"), Code::Http(404));
    assert_eq!(one(302, ""), Code::Http(302));
    assert_eq!(one(204, ""), Code::Unknown(String::new()));
    let sh = crate::provider::Provider::SelfHost.dialect();
    let selfhost = |s| {
        parse_reply(s, "", &hosts(1), &v4("203.0.113.5"), &sh).results[0]
            .code
            .clone()
    };
    assert_eq!(selfhost(204), Code::Nochg);
    for s in [409, 410, 411, 412] {
        assert_eq!(selfhost(s), Code::Http(s));
    }
    let h = History::default();
    assert_eq!(decide(&Code::Http(410), &h, &sh), Decision::StopAccount);
    assert_eq!(decide(&Code::Http(409), &h, &sh), Decision::StopHost);
    assert_eq!(decide(&Code::Http(411), &h, &sh), Decision::StopClient);
    assert_eq!(
        decide(&Code::Http(404), &h, &sh),
        Decision::BackOff(OUTAGE_HOLD)
    );
}

/// Returned addresses are parsed and compared, not matched as text.
#[test]
fn returned_addresses_are_compared_as_addresses() {
    let sent = both();
    let d = Dialect::default();
    let code = |body: &str, s: &AddrSet| {
        parse_reply(200, body, &hosts(1), s, &d).results[0]
            .code
            .clone()
    };
    assert_eq!(code("good 203.0.113.5,2001:db8::5", &sent), Code::Good);
    assert_eq!(
        code("good 2001:0db8:0000::0005", &sent),
        Code::Good,
        "textual form differs, address is equal"
    );
    assert_eq!(
        code("good 2001:db8::5", &sent),
        Code::Good,
        "No-IP echoes only what it took"
    );
    assert!(matches!(
        code("good 203.0.113.6,2001:db8::5", &sent),
        Code::Mismatch(_)
    ));
    // Dyn's legacy endpoint ignores an IPv6 myip and answers with the old IPv4.
    let only6 = AddrSet {
        v4: None,
        v6: sent.v6,
    };
    assert!(matches!(
        code("nochg 198.51.100.1", &only6),
        Code::Mismatch(_)
    ));
    // Unparseable address text is ignored, not a mismatch.
    assert_eq!(code("good 203.000.113.005", &v4("203.0.113.5")), Code::Good);
    // good 127.0.0.1 is a refusal unless 127.0.0.1 was sent.
    assert_eq!(code("good 127.0.0.1", &v4("203.0.113.5")), Code::Refused127);
    assert_eq!(code("good 127.0.0.1", &v4("127.0.0.1")), Code::Good);
}

/// The README's table names every provider code users can see.
#[test]
fn readme_lists_every_code() {
    let readme = include_str!("../../../README.md");
    for word in [
        "good",
        "nochg",
        "badauth",
        "!donator",
        "notfqdn",
        "nohost",
        "numhost",
        "abuse",
        "badagent",
        "badsys",
        "!yours",
        "!active",
        "dnserr",
        "911",
        "servererror",
        "conflict A",
        "wNNNs",
        "badrequest",
        "good 127.0.0.1",
    ] {
        assert!(
            readme.contains(&format!("| `{word}")),
            "README lacks {word}"
        );
        assert!(
            !matches!(one(200, &word.replace("NNN", "5")), Code::Unknown(_)),
            "{word} not parsed"
        );
    }
}

fn preset(name: &str) -> Dialect {
    name.parse::<crate::provider::Provider>()
        .expect("preset")
        .dialect()
}

fn preset_url(name: &str) -> Endpoint {
    let p = name.parse::<crate::provider::Provider>().expect("preset");
    Endpoint::Server(Url::parse(p.server()).expect("url"))
}

fn six() -> AddrSet {
    AddrSet {
        v4: None,
        v6: Some("2001:db8::5".parse().expect("v6")),
    }
}

/// Each preset's request form: parameter names, where the token goes, what stands for a
/// family not sent, how hosts are named; the secret never in the shown URL.
#[test]
fn each_preset_sends_its_own_request_form() {
    let tok = Secret::new("t0k/en");
    let cases: &[(&str, &str, &str, AddrSet, &str, bool)] = &[
        (
            "desec",
            "",
            "h.dedyn.io",
            v4("203.0.113.5"),
            "https://update.dedyn.io/?hostname=h.dedyn.io&myipv4=203.0.113.5&myipv6=preserve",
            true,
        ),
        (
            "desec",
            "",
            "h.dedyn.io",
            six(),
            "https://update.dedyn.io/?hostname=h.dedyn.io&myipv4=preserve&myipv6=2001:db8::5",
            true,
        ),
        (
            "duckdns",
            "",
            "home.duckdns.org",
            both(),
            "https://www.duckdns.org/update?domains=home&token=t0k%2Fen&ip=203.0.113.5&ipv6=2001:db8::5&verbose=true",
            false,
        ),
        (
            "duckdns",
            "",
            "home",
            six(),
            "https://www.duckdns.org/update?domains=home&token=t0k%2Fen&ipv6=2001:db8::5&verbose=true",
            false,
        ),
        (
            "dynv6",
            "",
            "h.dynv6.net",
            both(),
            "https://dynv6.com/api/update?zone=h.dynv6.net&token=t0k%2Fen&ipv4=203.0.113.5&ipv6=2001:db8::5",
            false,
        ),
        (
            "all-inkl",
            "u",
            "h.example.org",
            v4("203.0.113.5"),
            "https://dyndns.kasserver.com/?host=h.example.org&myip=203.0.113.5",
            true,
        ),
        (
            "ddnss",
            "",
            "h.ddnss.de",
            both(),
            "https://ddnss.de/upd.php?host=h.ddnss.de&key=t0k%2Fen&ip=203.0.113.5&ip6=2001:db8::5",
            false,
        ),
        (
            "dnshome",
            "h.dnshome.de",
            "h.dnshome.de",
            v4("203.0.113.5"),
            "https://www.dnshome.de/dyndns.php?hostname=h.dnshome.de&ip=203.0.113.5",
            true,
        ),
        (
            "freedns",
            "",
            "h.mooo.com",
            v4("203.0.113.5"),
            "https://sync.afraid.org/u/t0k%2Fen/?address=203.0.113.5",
            false,
        ),
        (
            "namecheap",
            "example.com",
            "www.example.com",
            v4("203.0.113.5"),
            "https://dynamicdns.park-your-domain.com/update?host=www&domain=example.com&password=t0k%2Fen&ip=203.0.113.5",
            false,
        ),
        (
            "namecheap",
            "example.com",
            "Example.COM",
            v4("203.0.113.5"),
            "https://dynamicdns.park-your-domain.com/update?host=%40&domain=example.com&password=t0k%2Fen&ip=203.0.113.5",
            false,
        ),
        (
            "nsupdate.info",
            "h.nsupdate.info",
            "h.nsupdate.info",
            v4("203.0.113.5"),
            "https://ipv4.nsupdate.info/nic/update?hostname=h.nsupdate.info&myip=203.0.113.5",
            true,
        ),
    ];
    for (name, user, host, set, url, basic) in cases {
        let r = build_requests(
            &preset_url(name),
            &preset(name),
            user,
            &tok,
            &[host.to_string()],
            *set,
        );
        assert_eq!(r.len(), 1, "{name}");
        assert_eq!(r[0].url, *url, "{name}");
        assert_eq!(r[0].basic_auth, *basic, "{name}");
        assert!(
            !r[0].display_url().contains("t0k"),
            "{name}: {}",
            r[0].display_url()
        );
        assert_eq!(r[0].display_url(), url.replace("t0k%2Fen", MASK), "{name}");
        // Printed by accident (`{:?}`), neither the request nor its HTTP form shows it.
        let printed = format!("{:?} {:?}", r[0], r[0].http(user, &tok));
        assert!(!printed.contains("t0k"), "{name}: {printed}");
    }
    // nsupdate.info and Infomaniak: one request per family, `myip` in each.
    let r = build_requests(
        &preset_url("nsupdate.info"),
        &preset("nsupdate.info"),
        "h.nsupdate.info",
        &tok,
        &["h.nsupdate.info".to_string()],
        both(),
    );
    let urls: Vec<&str> = r.iter().map(|q| q.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://ipv4.nsupdate.info/nic/update?hostname=h.nsupdate.info&myip=203.0.113.5",
            "https://ipv4.nsupdate.info/nic/update?hostname=h.nsupdate.info&myip=2001:db8::5"
        ]
    );
    // Dynu's alias rides along; its IPv4 stays "no" when only IPv6 is sent.
    let mut dynu = preset("dynu");
    dynu.extra = "alias=office".into();
    let r = build_requests(
        &preset_url("dynu"),
        &dynu,
        "u",
        &tok,
        &["h.example.org".to_string()],
        six(),
    );
    assert_eq!(
        r[0].url,
        "https://api.dynu.com/nic/update?hostname=h.example.org&myip=no&myipv6=2001:db8::5&alias=office"
    );
    // A template carrying the password sends no header; one without it does.
    let t = Endpoint::Template("https://x.example/u?h=<h>&a=<a>&k=<password>".into());
    let r = build_requests(
        &t,
        &Dialect::default(),
        "",
        &tok,
        &hosts(1),
        v4("203.0.113.5"),
    );
    assert!(!r[0].basic_auth);
    let t = Endpoint::Template("https://x.example/u?h=<h>&a=<a>".into());
    let r = build_requests(
        &t,
        &Dialect::default(),
        "u",
        &tok,
        &hosts(1),
        v4("203.0.113.5"),
    );
    assert!(r[0].basic_auth);
}

/// Host names as the request carries them.
#[test]
fn hosts_are_named_as_each_provider_wants() {
    let duck = preset("duckdns").shape;
    assert_eq!(host_in_request(&duck, "", "home.duckdns.org"), "home");
    assert_eq!(host_in_request(&duck, "", "HOME.DuckDNS.org"), "HOME");
    assert_eq!(host_in_request(&duck, "", "home"), "home");
    assert_eq!(host_in_request(&duck, "", ".duckdns.org"), ".duckdns.org");
    let nc = preset("namecheap").shape;
    assert_eq!(
        host_in_request(&nc, "example.com", "a.b.example.com"),
        "a.b"
    );
    assert_eq!(host_in_request(&nc, "example.com", "example.com"), "@");
    assert_eq!(
        host_in_request(&nc, "example.com", "badexample.com"),
        "badexample.com"
    );
    assert_eq!(
        host_in_request(&Shape::DYNDNS2, "u", "h.example.org"),
        "h.example.org"
    );
}

/// Words are whole words, case-insensitively; needles with punctuation at an end match
/// inside other text at that end.
#[test]
fn rule_words_match_whole_words_in_any_case() {
    assert!(has_words("OK", "ok"));
    assert!(has_words("ok\n203.0.113.5\n\nUPDATED", "updated"));
    assert!(!has_words("invalid token", "ok"));
    assert!(!has_words("outdated", "updated"));
    assert!(has_words("Updated 1 hostname(s)", "Updated"));
    assert!(has_words(
        "<x><ErrCount>0</ErrCount></x>",
        "<ErrCount>0</ErrCount>"
    ));
    assert!(!has_words(
        "<ErrCount>1</ErrCount>",
        "<ErrCount>0</ErrCount>"
    ));
    assert!(has_words("anything", ""));
    assert!(!has_words("", "ok"));
}

fn via(name: &str, status: u16, body: &str) -> Code {
    let r = parse_reply(status, body, &hosts(2), &v4("203.0.113.5"), &preset(name));
    assert_eq!(r.results.len(), 2);
    assert_eq!(
        r.results[0].code, r.results[1].code,
        "one answer for the request"
    );
    r.results[0].code.clone()
}

/// Each dialect's reply table: updated, unchanged, wrong credentials, unknown host, outage,
/// an answer it does not know.
#[test]
fn each_preset_reads_its_own_answers() {
    let unknown = |c: &Code| matches!(c, Code::Unknown(_));
    // Each preset: updated, unchanged, wrong credentials, unknown host (status, body).
    type Answer = (u16, &'static str);
    let cases: &[(&str, Answer, Answer, Answer, Answer)] = &[
        (
            "duckdns",
            (200, "OK\n203.0.113.5\n\nUPDATED"),
            (200, "OK\n203.0.113.5\n\nNOCHANGE"),
            (200, "KO"),
            (200, "KO"),
        ),
        (
            "dynv6",
            (200, "addresses updated"),
            (200, "addresses unchanged"),
            (401, "invalid authentication token"),
            (404, "zone not found"),
        ),
        (
            "ddnss",
            (200, "<html><body>Updated 1 hostname.</body></html>"),
            (200, "No change"),
            (200, "badauth"),
            (200, "nohost"),
        ),
        (
            "freedns",
            (
                200,
                "Updated 1 host(s) h.mooo.com to 203.0.113.5 in 0.2 seconds",
            ),
            (200, "ERROR: Address 203.0.113.5 has not changed."),
            (200, "ERROR: Unable to locate this record"),
            (200, "ERROR: Unable to locate this record"),
        ),
        (
            "namecheap",
            (
                200,
                "<?xml version=\"1.0\"?><interface-response><Command>SETDNSHOST</Command><ErrCount>0</ErrCount><Done>true</Done></interface-response>",
            ),
            (200, "<ErrCount>0</ErrCount>"),
            (
                200,
                "<ErrCount>1</ErrCount><errors><Err1>Passwords do not match</Err1></errors>",
            ),
            (
                200,
                "<ErrCount>1</ErrCount><errors><Err1>No Records updated. A record not Found;</Err1></errors>",
            ),
        ),
        (
            "desec",
            (200, "good"),
            (200, "nochg"),
            (401, "badauth"),
            (404, "Not found."),
        ),
        (
            "infomaniak",
            (200, "good 203.0.113.5"),
            (200, "no_change 203.0.113.5"),
            (400, "badauth"),
            (400, "nohost"),
        ),
        (
            "now-dns",
            (200, "good 203.0.113.5"),
            (200, "nochg 203.0.113.5"),
            (400, "badauth"),
            (400, "nohost"),
        ),
        (
            "spdyn",
            (200, "good 203.0.113.5"),
            (200, "nochg 203.0.113.5"),
            (200, "badauth"),
            (200, "nohost"),
        ),
        (
            "ipv64",
            (200, "good"),
            (200, "nochg"),
            (401, "badauth"),
            (200, "nohost"),
        ),
    ];
    for (name, good, nochg, auth, nohost) in cases {
        assert_eq!(via(name, good.0, good.1), Code::Good, "{name} updated");
        // Namecheap says no more than "no error" either way.
        let unchanged = if *name == "namecheap" {
            Code::Good
        } else {
            Code::Nochg
        };
        assert_eq!(via(name, nochg.0, nochg.1), unchanged, "{name} unchanged");
        assert_eq!(
            via(name, auth.0, auth.1),
            Code::Badauth,
            "{name} credentials"
        );
        let h = via(name, nohost.0, nohost.1);
        // DuckDNS and FreeDNS cannot tell a wrong token from a wrong host.
        let host_code = if matches!(*name, "duckdns" | "freedns") {
            Code::Badauth
        } else {
            Code::NoHost
        };
        assert_eq!(h, host_code, "{name} unknown host");
        assert_eq!(via(name, 503, ""), Code::Outage, "{name} outage");
        assert!(
            unknown(&via(name, 200, "Welcome to our new website")),
            "{name} unknown answer"
        );
        assert!(
            matches!(via(name, 429, ""), Code::RateLimited(_)),
            "{name} 429"
        );
    }
    // Spdyn's fatal stops the host.
    assert_eq!(via("spdyn", 200, "fatal"), Code::Fatal);
    assert_eq!(
        decide(&Code::Fatal, &History::default(), &preset("spdyn")),
        Decision::StopHost
    );
    // dynv6's "addresses unchanged" never stops, however often.
    let h = History {
        nochg_streak: 5,
        ..History::default()
    };
    assert_eq!(
        decide(&Code::Nochg, &h, &preset("dynv6")),
        Decision::Continue
    );
    assert_eq!(
        decide(&Code::Nochg, &h, &Dialect::default()),
        Decision::StopHost
    );
    // DuckDNS's KO stops the account.
    assert_eq!(
        decide(&Code::Badauth, &History::default(), &preset("duckdns")),
        Decision::StopAccount
    );
}

/// HTTP 429 holds the server for its Retry-After (cut to a day, at least a second), or
/// half an hour without one; `ratelimit Ns` reads back from the state file.
#[test]
fn a_rate_limit_holds_for_its_retry_after_within_a_day() {
    let resp = |secs: Option<u64>| crate::protocol::http::HttpReply {
        status: 429,
        body: "overcommited".into(),
        truncated: false,
        retry_after: secs.map(Duration::from_secs),
    };
    let code = |secs| {
        read_response(
            &resp(secs),
            &hosts(1),
            &v4("203.0.113.5"),
            &Dialect::default(),
        )
        .results[0]
            .code
            .clone()
    };
    assert_eq!(code(Some(61)), Code::RateLimited(Duration::from_secs(61)));
    assert_eq!(code(Some(0)), Code::RateLimited(Duration::from_secs(1)));
    assert_eq!(code(Some(10_000_000)), Code::RateLimited(MAX_RETRY_AFTER));
    assert_eq!(code(None), Code::RateLimited(OUTAGE_HOLD));
    let c = Code::RateLimited(Duration::from_secs(61));
    let d = decide(&c, &History::default(), &Dialect::default());
    assert_eq!(d, Decision::BackOff(Duration::from_secs(61)));
    assert_eq!(
        c.scope(d, crate::protocol::code::Quirks::default()),
        Scope::Server
    );
    let per_token = crate::protocol::code::Quirks {
        limits_per_account: true,
        ..Default::default()
    };
    assert_eq!(
        c.scope(d, per_token),
        Scope::Account,
        "an API limits per token"
    );
    assert!(!c.is_unreadable());
    assert_eq!(Code::from_name(&c.name()), Some(c));
    assert_eq!(Code::from_name("fatal"), Some(Code::Fatal));
}

/// Template rules: first match wins, status and words together, then dyndns2.
#[test]
fn template_rules_match_in_order_then_dyndns2_words() {
    let d = Dialect {
        rules: vec![
            Rule {
                status: Some(200),
                ..Rule::words("OK", Code::Good)
            },
            Rule::words("KO", Code::Badauth),
            Rule::status(404, Code::NoHost),
        ],
        ..Dialect::default()
    };
    let one = |status, body: &str| {
        parse_reply(status, body, &hosts(1), &v4("203.0.113.5"), &d).results[0]
            .code
            .clone()
    };
    assert_eq!(one(200, "OK"), Code::Good);
    assert_eq!(
        one(500, "OK"),
        Code::Outage,
        "status and words must both match"
    );
    assert_eq!(one(200, "KO"), Code::Badauth);
    assert_eq!(one(404, ""), Code::NoHost);
    assert_eq!(
        one(200, "nochg"),
        Code::Nochg,
        "dyndns2 words after the rules"
    );
    assert!(matches!(one(200, "hmm"), Code::Unknown(_)));
}
