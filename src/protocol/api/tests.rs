//! Each API's flow against scripted replies in the shapes the reference gives: the requests
//! (method, path, body; the secret never in what is shown) and the answer.

use std::collections::BTreeMap;
use std::time::Duration;

use super::*;
use crate::protocol::code::{Decision, History, Quirks, Scope};
use crate::protocol::{Exchange as _, Target};

const TOKEN: &str = "tok-SECRET-123";

fn account(api: Api, base: &str) -> Account {
    Account {
        api,
        base: Url::parse(base).expect("base"),
        key: if api == Api::Porkbun {
            "pk1_key".into()
        } else {
            String::new()
        },
        token: Secret::new(TOKEN),
        zone: None,
        zone_id: None,
        ttl: None,
        proxied: false,
        apikey_scheme: false,
    }
}

fn cf() -> Account {
    account(Api::Cloudflare, "https://api.cloudflare.com/client/v4")
}

fn update(host: &str, v4: Option<&str>, v6: Option<&str>) -> Update {
    Update {
        targets: vec![Target {
            host: host.into(),
            addrs: AddrSet {
                v4: v4.map(|a| a.parse().expect("v4")),
                v6: v6.map(|a| a.parse().expect("v6")),
            },
            nochg_expected: false,
        }],
        ..Update::default()
    }
}

fn reply(status: u16, body: &str) -> HttpReply {
    HttpReply {
        status,
        body: body.into(),
        truncated: false,
        retry_after: None,
    }
}

/// What an exchange did with the replies it was given, one per request in order.
#[derive(Debug, Default)]
struct Run {
    /// `METHOD path?query` per request, with the shown body.
    sent: Vec<(String, Option<String>)>,
    requests: Vec<HttpRequest>,
    codes: Vec<Code>,
    learnt: Vec<(String, Option<String>)>,
    notes: Vec<String>,
    hidden: Vec<String>,
}

fn run(ex: &mut Exchange, replies: Vec<HttpReply>) -> Run {
    let mut out = Run::default();
    let mut replies = replies.into_iter();
    loop {
        match ex.next() {
            Next::Send(req) => {
                let u = Url::parse(&req.url).expect("url");
                let line = match u.query() {
                    Some(q) => format!("{} {}?{q}", req.method.as_str(), u.path()),
                    None => format!("{} {}", req.method.as_str(), u.path()),
                };
                out.sent.push((line, req.shown_body.clone()));
                out.requests.push(req);
                let r = replies
                    .next()
                    .unwrap_or_else(|| panic!("no reply scripted for {:?}", out.sent.last()));
                ex.take(r);
            }
            Next::Answers { answers, .. } => {
                out.codes
                    .extend(answers.answers.into_iter().map(|a| a.code));
                out.learnt.extend(answers.learnt);
                out.notes.extend(answers.notes);
                out.hidden.extend(answers.hidden);
            }
            Next::Done => break,
        }
    }
    assert!(replies.next().is_none(), "replies left: {:?}", out.sent);
    for r in &out.requests {
        let shown = format!("{r:?} {:?} {:?}", r.lines(), r.shown_body);
        assert!(!shown.contains(TOKEN), "the token shows: {shown}");
    }
    out
}

/// `update` through a new exchange of `account`, with the zone ids known before.
fn exchange(
    account: Account,
    update: Update,
    known: BTreeMap<String, String>,
    replies: Vec<HttpReply>,
) -> Run {
    run(&mut Exchange::new(account, &update, known), replies)
}

fn lines(r: &Run) -> Vec<&str> {
    r.sent.iter().map(|(l, _)| l.as_str()).collect()
}

fn cf_ok(result: &str) -> HttpReply {
    reply(
        200,
        &format!(r#"{{"success":true,"errors":[],"messages":[],"result":{result}}}"#),
    )
}

fn cf_err(status: u16, code: i64, msg: &str) -> HttpReply {
    reply(
        status,
        &format!(
            r#"{{"success":false,"errors":[{{"code":{code},"message":"{msg}"}}],"messages":[],"result":null}}"#
        ),
    )
}

const ZONE: &str = r#"[{"id":"z1","name":"example.org","status":"active"}]"#;

fn zones(cached: &[(&str, &str)]) -> BTreeMap<String, String> {
    cached
        .iter()
        .map(|(z, i)| (z.to_string(), i.to_string()))
        .collect()
}

/// First update: the zone is found by walking the name's suffixes, the record is missing
/// and is created with the logged defaults; the zone id is learnt for the state file.
#[test]
fn cloudflare_first_update_finds_the_zone_and_creates_the_record() {
    let r = exchange(
        cf(),
        update("home.example.org", Some("203.0.113.5"), None),
        BTreeMap::new(),
        vec![
            cf_ok("[]"),
            cf_ok(ZONE),
            cf_ok("[]"),
            cf_ok(r#"{"id":"r1","content":"203.0.113.5"}"#),
        ],
    );
    assert_eq!(
        lines(&r),
        [
            "GET /client/v4/zones?name=home.example.org",
            "GET /client/v4/zones?name=example.org",
            "GET /client/v4/zones/z1/dns_records?name=home.example.org&per_page=100",
            "POST /client/v4/zones/z1/dns_records",
        ]
    );
    let body: serde_json::Value =
        serde_json::from_str(r.sent[3].1.as_deref().expect("body")).expect("json");
    assert_eq!(
        body,
        serde_json::json!({"type":"A","name":"home.example.org","content":"203.0.113.5","ttl":1,"proxied":false})
    );
    assert_eq!(r.codes, [Code::Good]);
    assert_eq!(r.learnt, [("example.org".into(), Some("z1".into()))]);
    assert!(r.notes[0].contains("created its A record") && r.notes[0].contains("proxied off"));
    assert!(
        r.hidden.is_empty(),
        "a record not proxied is what the DNS serves"
    );
    let req = &r.requests[0];
    assert_eq!(req.auth, Auth::Bearer(Secret::new(TOKEN)));
    assert_eq!(req.lines()[1], format!("Authorization: Bearer {MASK}"));
}

/// A change: with the zone id cached, one read, then a PATCH of `content` alone (the
/// user's proxied, TTL, comment and tags stay).
#[test]
fn cloudflare_change_patches_only_the_content() {
    let r = exchange(
        cf(),
        update("home.example.org", Some("203.0.113.6"), None),
        zones(&[("example.org", "z1")]),
        vec![
            cf_ok(
                r#"[{"id":"r1","type":"A","name":"home.example.org","content":"203.0.113.5","proxied":true,"ttl":1,"comment":"mine","tags":["a:b"]}]"#,
            ),
            cf_ok(r#"{"id":"r1","content":"203.0.113.6"}"#),
        ],
    );
    assert_eq!(lines(&r)[1], "PATCH /client/v4/zones/z1/dns_records/r1");
    assert_eq!(r.sent[1].1.as_deref(), Some(r#"{"content":"203.0.113.6"}"#));
    assert_eq!(r.codes, [Code::Good]);
    assert!(r.learnt.is_empty());
    // Proxied: the DNS serves Cloudflare's addresses; the check takes the API's content.
    assert_eq!(r.hidden, ["home.example.org"]);
}

/// Unchanged: the API's content already has the address (a proxied record included, whose
/// DNS answer could never show it): one read, no write.
#[test]
fn cloudflare_unchanged_reads_and_writes_nothing() {
    let r = exchange(
        cf(),
        update("home.example.org", None, Some("2001:db8::5")),
        zones(&[("example.org", "z1")]),
        vec![cf_ok(
            r#"[{"id":"r1","type":"A","name":"home.example.org","content":"203.0.113.5"},{"id":"r2","type":"AAAA","name":"home.example.org","content":"2001:DB8:0::5","proxied":true}]"#,
        )],
    );
    assert_eq!(r.sent.len(), 1);
    assert_eq!(r.codes, [Code::Current]);
    assert_eq!(r.hidden, ["home.example.org"], "the AAAA record is proxied");
}

/// Several records of the family, none with the address: the host stops naming them;
/// one of them with it: unchanged.
#[test]
fn cloudflare_several_records_stop_the_host_unless_one_has_the_address() {
    let two = r#"[{"id":"r1","type":"A","name":"h.example.org","content":"198.51.100.1"},{"id":"r2","type":"A","name":"h.example.org","content":"198.51.100.2"}]"#;
    let r = exchange(
        cf(),
        update("h.example.org", Some("203.0.113.5"), None),
        zones(&[("example.org", "z1")]),
        vec![cf_ok(two)],
    );
    let Code::Refused(m) = &r.codes[0] else {
        panic!("{:?}", r.codes)
    };
    assert!(m.contains("ids r1, r2"), "{m}");
    assert_eq!(
        exchange(
            cf(),
            update("h.example.org", Some("198.51.100.2"), None),
            zones(&[("example.org", "z1")]),
            vec![cf_ok(two)]
        )
        .codes,
        [Code::Current]
    );
}

/// A name held by a CNAME is never touched.
#[test]
fn cloudflare_never_touches_a_cname() {
    let r = exchange(
        cf(),
        update("h.example.org", Some("203.0.113.5"), None),
        zones(&[("example.org", "z1")]),
        vec![cf_ok(
            r#"[{"id":"c1","type":"CNAME","name":"h.example.org","content":"elsewhere.example.net"}]"#,
        )],
    );
    assert_eq!(r.sent.len(), 1, "no write");
    assert!(matches!(&r.codes[0], Code::Refused(m) if m.contains("CNAME")));
    assert_eq!(
        r.codes[0].course(),
        crate::protocol::code::Course::Stop(Scope::Host)
    );
}

/// The token's answers stop the account, with Cloudflare's hint where one helps; a zone
/// no lookup finds stops the host.
#[test]
fn cloudflare_token_and_zone_answers() {
    let cases = [
        (cf_err(403, 9109, "Invalid access token"), "lacks Zone"),
        (
            cf_err(
                403,
                9109,
                "Cannot use the access token from location: 203.0.113.5",
            ),
            "client IP filter",
        ),
        (
            cf_err(403, 10000, "Authentication error"),
            "lacks Zone · DNS · Edit",
        ),
        (
            reply(
                400,
                r#"{"success":false,"errors":[{"code":6003,"message":"Invalid request headers","error_chain":[{"code":6111,"message":"Invalid format for Authorization header"}]}]}"#,
            ),
            "Global API Key",
        ),
    ];
    for (answer, hint) in cases {
        let r = exchange(
            cf(),
            update("h.example.org", Some("203.0.113.5"), None),
            zones(&[("example.org", "z1")]),
            vec![answer],
        );
        let Code::Denied(m) = &r.codes[0] else {
            panic!("{:?}", r.codes)
        };
        assert!(m.contains(hint), "{m}");
        let d = r.codes[0].decide(&History::default(), Quirks::default());
        assert_eq!(d, Decision::StopAccount);
    }
    let r = exchange(
        cf(),
        update("h.example.org", Some("203.0.113.5"), None),
        BTreeMap::new(),
        vec![cf_ok("[]"), cf_ok("[]")],
    );
    assert!(matches!(&r.codes[0], Code::NoZone(m) if m.contains("visible to this token")));
}

/// `zone` asks for that zone alone; `zone_id` skips the lookup.
#[test]
fn cloudflare_zone_and_zone_id_settings() {
    let mut a = cf();
    a.zone = Some("example.org".into());
    let r = exchange(
        a,
        update("a.b.example.org", Some("203.0.113.5"), None),
        BTreeMap::new(),
        vec![
            cf_ok(ZONE),
            cf_ok(r#"[{"id":"r1","type":"A","name":"a.b.example.org","content":"203.0.113.5"}]"#),
        ],
    );
    assert_eq!(lines(&r)[0], "GET /client/v4/zones?name=example.org");
    let mut a = cf();
    a.zone_id = Some("zz9".into());
    let r = exchange(
        a,
        update("a.example.org", Some("203.0.113.5"), None),
        BTreeMap::new(),
        vec![cf_ok("[]"), cf_ok("{}")],
    );
    assert_eq!(
        lines(&r)[0],
        "GET /client/v4/zones/zz9/dns_records?name=a.example.org&per_page=100"
    );
    assert!(r.learnt.is_empty());
}

/// A 429 holds for its Retry-After, else five minutes; 5xx holds as an outage; a 200 that
/// is not JSON (a captive portal) is unreadable.
#[test]
fn cloudflare_rate_limit_outage_and_non_json() {
    let limited = HttpReply {
        retry_after: Some(Duration::from_secs(120)),
        ..cf_err(429, 971, "More than 1200 requests per 300 seconds reached.")
    };
    let cases = [
        (limited, Code::RateLimited(Duration::from_secs(120))),
        (
            cf_err(429, 971, "slow down"),
            Code::RateLimited(RATE_LIMIT_HOLD),
        ),
        (
            reply(502, "<html>bad gateway</html>"),
            Code::Unavailable(502),
        ),
    ];
    for (answer, want) in cases {
        assert_eq!(
            exchange(
                cf(),
                update("h.example.org", Some("203.0.113.5"), None),
                zones(&[("example.org", "z1")]),
                vec![answer]
            )
            .codes,
            [want]
        );
    }
    let r = exchange(
        cf(),
        update("h.example.org", Some("203.0.113.5"), None),
        zones(&[("example.org", "z1")]),
        vec![reply(200, "<html>Welcome to the hotel wifi</html>")],
    );
    assert!(matches!(&r.codes[0], Code::Unreadable(m) if m.contains("hotel wifi")));
    let per_token = Quirks {
        limits_per_account: true,
        ..Quirks::default()
    };
    let c = Code::RateLimited(Duration::from_secs(120));
    let d = c.decide(&History::default(), per_token);
    assert_eq!(
        c.scope(d, per_token),
        Scope::Account,
        "the limit is the token's"
    );
    let c = Code::Unavailable(502);
    let d = c.decide(&History::default(), per_token);
    assert_eq!(
        c.scope(d, per_token),
        Scope::Server,
        "an outage is the server's"
    );
}

/// A cached zone id gone stale: dropped, looked up again once, the new id learnt; stale
/// again: the host stops.
#[test]
fn cloudflare_stale_zone_id_is_looked_up_again_once() {
    let stale = || {
        reply(
            400,
            r#"{"success":false,"errors":[{"code":7003,"message":"Could not route to /zones/old/dns_records, perhaps your object identifier is invalid?"},{"code":7000,"message":"No route for that URI"}]}"#,
        )
    };
    let r = exchange(
        cf(),
        update("example.org", Some("203.0.113.5"), None),
        zones(&[("example.org", "old")]),
        vec![
            stale(),
            cf_ok(r#"[{"id":"new","name":"example.org","status":"active"}]"#),
            cf_ok(r#"[{"id":"r1","type":"A","name":"example.org","content":"203.0.113.5"}]"#),
        ],
    );
    assert_eq!(
        lines(&r),
        [
            "GET /client/v4/zones/old/dns_records?name=example.org&per_page=100",
            "GET /client/v4/zones?name=example.org",
            "GET /client/v4/zones/new/dns_records?name=example.org&per_page=100",
        ]
    );
    assert_eq!(r.codes, [Code::Current]);
    assert_eq!(
        r.learnt,
        [
            ("example.org".to_string(), None),
            ("example.org".to_string(), Some("new".to_string()))
        ]
    );
    let r = exchange(
        cf(),
        update("example.org", Some("203.0.113.5"), None),
        zones(&[("example.org", "old")]),
        vec![
            stale(),
            cf_ok(r#"[{"id":"new","name":"example.org"}]"#),
            stale(),
        ],
    );
    assert!(matches!(&r.codes[0], Code::NoZone(_)), "{:?}", r.codes);
}

/// A record gone between the read and the PATCH, or created meanwhile: read again, once.
#[test]
fn cloudflare_record_races_read_again_once() {
    let r = exchange(
        cf(),
        update("h.example.org", Some("203.0.113.6"), None),
        zones(&[("example.org", "z1")]),
        vec![
            cf_ok(r#"[{"id":"r1","type":"A","name":"h.example.org","content":"203.0.113.5"}]"#),
            cf_err(404, 81044, "Record does not exist."),
            cf_ok("[]"),
            cf_err(400, 81058, "An identical record already exists."),
        ],
    );
    assert_eq!(lines(&r)[3], "POST /client/v4/zones/z1/dns_records");
    assert!(matches!(&r.codes[0], Code::Refused(_)), "{:?}", r.codes);
}

/// Both families: each its own read and write; `keep` drops a host's later family.
#[test]
fn each_family_is_its_own_flow() {
    let mut ex = Exchange::new(
        cf(),
        &update("h.example.org", Some("203.0.113.5"), Some("2001:db8::5")),
        zones(&[("example.org", "z1")]),
    );
    assert_eq!(ex.preview().len(), 4, "a read and a write per family");
    let Next::Send(_) = ex.next() else { panic!() };
    ex.take(cf_err(403, 9109, "Invalid access token"));
    let Next::Answers { answers, last } = ex.next() else {
        panic!()
    };
    assert!(!last);
    assert_eq!(answers.answers[0].sent.v6, None);
    assert_eq!(ex.pending().hosts, Vec::<String>::new());
    ex.keep(&[]);
    assert_eq!(ex.next(), Next::Done);
}

// ------------------------------------------------------------------------------------

/// Porkbun: read by name and type; a change edits with the record's own TTL and notes;
/// a missing record is created; the keys travel in the body, masked where shown.
#[test]
fn porkbun_reads_then_edits_keeping_ttl_and_notes() {
    let base = "https://api.porkbun.com/api/json/v3";
    let r = exchange(
        account(Api::Porkbun, base),
        update("home.example.org", Some("203.0.113.6"), None),
        BTreeMap::new(),
        vec![
            reply(
                200,
                r#"{"status":"SUCCESS","records":[{"id":"106926652","name":"home.example.org","type":"A","content":"203.0.113.5","ttl":"900","prio":"0","notes":"router"}]}"#,
            ),
            reply(200, r#"{"status":"SUCCESS"}"#),
        ],
    );
    assert_eq!(
        lines(&r),
        [
            "POST /api/json/v3/dns/retrieveByNameType/example.org/A/home",
            "POST /api/json/v3/dns/editByNameType/example.org/A/home"
        ]
    );
    let body: serde_json::Value =
        serde_json::from_str(&r.requests[1].body.as_ref().expect("body").1).expect("json");
    assert_eq!(
        body,
        serde_json::json!({"content":"203.0.113.6","ttl":"900","notes":"router","apikey":"pk1_key","secretapikey":TOKEN})
    );
    let shown = r.sent[1].1.as_deref().expect("shown");
    assert!(
        shown.contains(&format!(r#""secretapikey":"{MASK}""#)),
        "{shown}"
    );
    assert!(shown.contains(&format!(r#""apikey":"{MASK}""#)), "{shown}");
    assert_eq!(r.codes, [Code::Good]);

    let r = exchange(
        account(Api::Porkbun, base),
        update("example.org", Some("203.0.113.6"), None),
        BTreeMap::new(),
        vec![
            reply(200, r#"{"status":"SUCCESS","records":[]}"#),
            reply(200, r#"{"status":"SUCCESS","id":1}"#),
        ],
    );
    assert_eq!(
        lines(&r),
        [
            "POST /api/json/v3/dns/retrieveByNameType/example.org/A/",
            "POST /api/json/v3/dns/create/example.org"
        ]
    );
    assert!(
        r.sent[1]
            .1
            .as_deref()
            .expect("shown")
            .contains(r#""name":"""#)
    );

    let r = exchange(
        account(Api::Porkbun, base),
        update("home.example.org", Some("203.0.113.5"), None),
        BTreeMap::new(),
        vec![reply(
            200,
            r#"{"status":"SUCCESS","records":[{"id":"1","type":"A","content":"203.0.113.5"}]}"#,
        )],
    );
    assert_eq!(
        r.codes,
        [Code::Current],
        "no edit to the same value (Porkbun errors on it)"
    );
}

/// Porkbun's refusals: the domain's API access switch and a bad key stop the account; a
/// create error stops the host with the parking-record hint; its old host's HTML 403 says
/// where the API is.
#[test]
fn porkbun_errors() {
    let base = "https://api.porkbun.com/api/json/v3";
    let cases = [
        (
            reply(
                400,
                r#"{"status":"ERROR","message":"Domain is not opted in to API access."}"#,
            ),
            "API ACCESS",
        ),
        (
            reply(
                400,
                r#"{"status":"ERROR","message":"Invalid API key. (002)"}"#,
            ),
            "secret API key",
        ),
        (
            reply(403, "<html><center>awselb/2.0</center></html>"),
            "api.porkbun.com",
        ),
    ];
    for (answer, hint) in cases {
        let r = exchange(
            account(Api::Porkbun, base),
            update("h.example.org", Some("203.0.113.5"), None),
            BTreeMap::new(),
            vec![answer],
        );
        assert!(
            matches!(&r.codes[0], Code::Denied(m) if m.contains(hint)),
            "{:?}",
            r.codes
        );
    }
    let r = exchange(
        account(Api::Porkbun, base),
        update("h.example.org", Some("203.0.113.5"), None),
        BTreeMap::new(),
        vec![
            reply(200, r#"{"status":"SUCCESS","records":[]}"#),
            reply(
                400,
                r#"{"status":"ERROR","message":"Create error: We were unable to create the DNS record."}"#,
            ),
        ],
    );
    assert!(matches!(&r.codes[0], Code::Refused(m) if m.contains("pixie.porkbun.com")));
}

/// Hetzner: a missing RRset (404) is created; a running action is polled until it
/// succeeds; an RRset holding the address is unchanged; a held one is set through its
/// action; an action's error stops the host.
#[test]
fn hetzner_rrsets_and_actions() {
    let base = "https://api.hetzner.cloud/v1";
    let r = exchange(
        account(Api::Hetzner, base),
        update("home.example.org", None, Some("2001:db8::7")),
        BTreeMap::new(),
        vec![
            reply(
                404,
                r#"{"error":{"code":"not_found","message":"rrset not found"}}"#,
            ),
            reply(
                201,
                r#"{"rrset":{"id":"home/AAAA"},"action":{"id":42,"status":"running"}}"#,
            ),
            reply(200, r#"{"action":{"id":42,"status":"success"}}"#),
        ],
    );
    assert_eq!(
        lines(&r),
        [
            "GET /v1/zones/example.org/rrsets/home/AAAA",
            "POST /v1/zones/example.org/rrsets",
            "GET /v1/actions/42"
        ]
    );
    assert_eq!(
        r.sent[1].1.as_deref(),
        Some(r#"{"name":"home","records":[{"value":"2001:db8::7"}],"type":"AAAA"}"#)
    );
    assert_eq!(r.codes, [Code::Good]);
    assert_eq!(r.requests[0].auth, Auth::Bearer(Secret::new(TOKEN)));

    let r = exchange(
        account(Api::Hetzner, base),
        update("example.org", Some("203.0.113.5"), None),
        BTreeMap::new(),
        vec![reply(
            200,
            r#"{"rrset":{"id":"@/A","name":"@","type":"A","ttl":null,"records":[{"value":"203.0.113.5","comment":""}]}}"#,
        )],
    );
    assert_eq!(lines(&r), ["GET /v1/zones/example.org/rrsets/@/A"]);
    assert_eq!(r.codes, [Code::Current]);

    let r = exchange(
        account(Api::Hetzner, base),
        update("example.org", Some("203.0.113.6"), None),
        BTreeMap::new(),
        vec![
            reply(
                200,
                r#"{"rrset":{"id":"@/A","records":[{"value":"203.0.113.5"}]}}"#,
            ),
            reply(
                201,
                r#"{"action":{"id":7,"status":"error","error":{"code":"protected","message":"rrset is change protected"}}}"#,
            ),
        ],
    );
    assert_eq!(
        lines(&r)[1],
        "POST /v1/zones/example.org/rrsets/@/A/actions/set_records"
    );
    assert!(matches!(&r.codes[0], Code::Refused(m) if m.contains("change protected")));

    for (status, body) in [
        (
            401,
            r#"{"error":{"code":"unauthorized","message":"unable to authenticate"}}"#,
        ),
        (
            403,
            r#"{"error":{"code":"forbidden","message":"insufficient permissions"}}"#,
        ),
    ] {
        let mut ex = Exchange::new(
            account(Api::Hetzner, base),
            &update("example.org", Some("203.0.113.6"), None),
            BTreeMap::new(),
        );
        assert!(
            matches!(&run(&mut ex, vec![reply(status, body)]).codes[0], Code::Denied(m) if m.contains("Read & Write"))
        );
    }
}

/// DigitalOcean: read by type and name; one record PATCHed (type and data only); none
/// created; an unknown domain stops the host; a bad token the account.
#[test]
fn digitalocean_reads_patches_and_creates() {
    let base = "https://api.digitalocean.com/v2";
    let r = exchange(
        account(Api::Digitalocean, base),
        update("home.example.org", Some("203.0.113.6"), None),
        BTreeMap::new(),
        vec![
            reply(
                200,
                r#"{"domain_records":[{"id":3352896,"type":"A","name":"home","data":"203.0.113.5","ttl":1800}],"meta":{"total":1}}"#,
            ),
            reply(
                200,
                r#"{"domain_record":{"id":3352896,"type":"A","name":"home","data":"203.0.113.6","ttl":1800}}"#,
            ),
        ],
    );
    assert_eq!(
        lines(&r),
        [
            "GET /v2/domains/example.org/records?type=A&name=home.example.org",
            "PATCH /v2/domains/example.org/records/3352896"
        ]
    );
    assert_eq!(
        r.sent[1].1.as_deref(),
        Some(r#"{"data":"203.0.113.6","type":"A"}"#)
    );
    assert_eq!(r.codes, [Code::Good]);

    let r = exchange(
        account(Api::Digitalocean, base),
        update("home.example.org", Some("203.0.113.6"), None),
        BTreeMap::new(),
        vec![
            reply(200, r#"{"domain_records":[],"meta":{"total":0}}"#),
            reply(201, r#"{"domain_record":{"id":1,"data":"203.0.113.6"}}"#),
        ],
    );
    assert_eq!(lines(&r)[1], "POST /v2/domains/example.org/records");
    assert_eq!(r.codes, [Code::Good]);

    let r = exchange(
        account(Api::Digitalocean, base),
        update("home.example.org", Some("203.0.113.6"), None),
        BTreeMap::new(),
        vec![reply(
            404,
            r#"{"id":"not_found","message":"The resource you were accessing could not be found."}"#,
        )],
    );
    assert!(matches!(&r.codes[0], Code::NoZone(_)));
    let r = exchange(
        account(Api::Digitalocean, base),
        update("home.example.org", Some("203.0.113.6"), None),
        BTreeMap::new(),
        vec![reply(
            401,
            r#"{"id":"unauthorized","message":"Unable to authenticate you"}"#,
        )],
    );
    assert!(matches!(&r.codes[0], Code::Denied(_)));
}

/// Gandi: a missing RRset (404) is PUT; one with another value is PUT keeping its TTL; an
/// expired token stops the account; the legacy key goes as `Apikey`.
#[test]
fn gandi_reads_then_puts_keeping_the_ttl() {
    let base = "https://api.gandi.net/v5/livedns";
    let r = exchange(
        account(Api::Gandi, base),
        update("home.example.org", Some("203.0.113.6"), None),
        BTreeMap::new(),
        vec![
            reply(
                200,
                r#"{"rrset_name":"home","rrset_type":"A","rrset_ttl":1800,"rrset_values":["203.0.113.5"]}"#,
            ),
            reply(201, r#"{"message":"DNS Record Created"}"#),
        ],
    );
    assert_eq!(
        lines(&r),
        [
            "GET /v5/livedns/domains/example.org/records/home/A",
            "PUT /v5/livedns/domains/example.org/records/home/A"
        ]
    );
    assert_eq!(
        r.sent[1].1.as_deref(),
        Some(r#"{"rrset_ttl":1800,"rrset_values":["203.0.113.6"]}"#)
    );
    assert_eq!(r.codes, [Code::Good]);

    let mut a = account(Api::Gandi, base);
    a.apikey_scheme = true;
    let r = exchange(
        a,
        update("home.example.org", Some("203.0.113.6"), None),
        BTreeMap::new(),
        vec![
            reply(
                404,
                r#"{"code":404,"message":"Unknown record","object":"HTTPNotFound","cause":"Not Found"}"#,
            ),
            reply(
                401,
                r#"{"code":401,"message":"The server could not verify that you authorized to access the document you requested.","object":"HTTPUnauthorized","cause":"Unauthorized"}"#,
            ),
        ],
    );
    assert!(matches!(
        &r.requests[0].auth,
        Auth::Header {
            name: "Authorization",
            ..
        }
    ));
    assert!(matches!(&r.codes[0], Code::Denied(m) if m.contains("expired")));
}

/// IONOS: the zone from the account's list (the longest that holds the host), the record
/// read and PUT with its own TTL, a create as an array; a stale cached id is listed again.
#[test]
fn ionos_zone_list_read_and_write() {
    let base = "https://api.hosting.ionos.com/dns/v1";
    let r = exchange(
        account(Api::Ionos, base),
        update("home.sub.example.org", Some("203.0.113.6"), None),
        BTreeMap::new(),
        vec![
            reply(
                200,
                r#"[{"id":"z-org","name":"example.org","type":"NATIVE"},{"id":"z-sub","name":"sub.example.org","type":"NATIVE"},{"id":"z-net","name":"example.net"}]"#,
            ),
            reply(
                200,
                r#"{"id":"z-sub","name":"sub.example.org","records":[{"id":"r9","name":"home.sub.example.org","rootName":"sub.example.org","type":"A","content":"203.0.113.5","ttl":600,"prio":0,"disabled":false}]}"#,
            ),
            reply(200, "{}"),
        ],
    );
    assert_eq!(
        lines(&r),
        [
            "GET /dns/v1/zones",
            "GET /dns/v1/zones/z-sub?suffix=home.sub.example.org&recordType=A",
            "PUT /dns/v1/zones/z-sub/records/r9"
        ]
    );
    assert_eq!(
        r.sent[2].1.as_deref(),
        Some(r#"{"content":"203.0.113.6","disabled":false,"prio":0,"ttl":600}"#)
    );
    assert_eq!(r.learnt, [("sub.example.org".into(), Some("z-sub".into()))]);
    assert!(matches!(
        &r.requests[0].auth,
        Auth::Header {
            name: "X-API-Key",
            ..
        }
    ));

    let r = exchange(
        account(Api::Ionos, base),
        update("home.example.org", Some("203.0.113.6"), None),
        zones(&[("example.org", "gone")]),
        vec![
            reply(
                404,
                r#"[{"code":"ZONE_NOT_FOUND","message":"Zone not found"}]"#,
            ),
            reply(200, r#"[{"id":"z2","name":"example.org"}]"#),
            reply(200, r#"{"records":[]}"#),
            reply(201, r#"[{"id":"r1"}]"#),
        ],
    );
    assert_eq!(lines(&r)[3], "POST /dns/v1/zones/z2/records");
    assert!(r.sent[3].1.as_deref().expect("body").starts_with('['));
    assert_eq!(r.codes, [Code::Good]);
    assert_eq!(
        r.learnt,
        [
            ("example.org".to_string(), None),
            ("example.org".to_string(), Some("z2".to_string()))
        ]
    );
}

/// The names a host's zone may be, and a host relative to its zone.
#[test]
fn zone_names() {
    assert_eq!(
        zone_candidates("a.b.example.org"),
        ["a.b.example.org", "b.example.org", "example.org"]
    );
    assert_eq!(relative("A.example.org", "example.org"), "A");
    assert_eq!(relative("example.org", "example.org"), "@");
    assert_eq!(default_zone("a.b.example.org"), "example.org");
    assert!(in_zone("x.Example.org", "example.org") && !in_zone("xexample.org", "example.org"));
}
