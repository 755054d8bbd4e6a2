//! The API providers against local servers speaking their APIs: `dynward once` (and `run`
//! for a shared token) with `provider = "…"` and `server` pointed at 127.0.0.1. Cloudflare's
//! fake keeps zones and records and answers as the reference says (4.1); the others are
//! scripted with the answers of their sections (4.3–4.7). Each test asserts the requests
//! (method, path, headers, body; the token never in any output) and the decision.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::util::{self, DaemonProc, FakeServer, Received, Script, Setup, wait_for};

const TOKEN: &str = "cf-TOKEN-0123456789abcdefghijklmnopqrstu";
const IP: &str = "203.0.113.7";

/// Cloudflare as its API answers: zones by name, records by name, PATCH and POST.
#[derive(Default)]
struct Cloudflare {
    zones: Vec<(String, String)>,
    records: Vec<Value>,
    next: u32,
    /// Tokens that may read but not edit.
    read_only: bool,
}

fn ok(result: Value) -> Script {
    Script::Reply(
        200,
        json!({"success": true, "errors": [], "messages": [], "result": result}).to_string(),
    )
}

fn err(status: u16, code: i64, message: &str) -> Script {
    Script::Reply(
        status,
        json!({"success": false, "errors": [{"code": code, "message": message}], "messages": [], "result": null}).to_string(),
    )
}

impl Cloudflare {
    fn answer(&mut self, r: &Received) -> Script {
        if r.auth.as_deref() != Some(&format!("Bearer {TOKEN}")) {
            return err(403, 9109, "Invalid access token");
        }
        let parts: Vec<&str> = r
            .path
            .trim_start_matches("/client/v4/")
            .split('/')
            .collect();
        let q = |k: &str| r.param(k).unwrap_or_default();
        match (r.method.as_str(), parts.as_slice()) {
            ("GET", ["zones"]) => ok(Value::Array(
                self.zones
                    .iter()
                    .filter(|(_, n)| *n == q("name"))
                    .map(|(id, n)| json!({"id": id, "name": n, "status": "active"}))
                    .collect(),
            )),
            (_, ["zones", zid, "dns_records", rest @ ..]) => {
                if !self.zones.iter().any(|(id, _)| id == zid) {
                    return err(
                        400,
                        7003,
                        "Could not route to /zones, perhaps your object identifier is invalid?",
                    );
                }
                self.records_call(r, rest)
            }
            _ => err(404, 7000, "No route for that URI"),
        }
    }

    fn records_call(&mut self, r: &Received, rest: &[&str]) -> Script {
        let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
        match (r.method.as_str(), rest) {
            ("GET", []) => {
                let name = r.param("name").unwrap_or_default();
                ok(Value::Array(
                    self.records
                        .iter()
                        .filter(|x| x["name"] == name)
                        .cloned()
                        .collect(),
                ))
            }
            (_, _) if self.read_only => err(403, 10000, "Authentication error"),
            ("PATCH", [rid]) => match self.records.iter_mut().find(|x| x["id"] == *rid) {
                Some(rec) => {
                    for (k, v) in body.as_object().into_iter().flatten() {
                        rec[k] = v.clone();
                    }
                    ok(rec.clone())
                }
                None => err(404, 81044, "Record does not exist."),
            },
            ("POST", []) => {
                self.next += 1;
                let mut rec = body.clone();
                rec["id"] = json!(format!("new{}", self.next));
                self.records.push(rec.clone());
                ok(rec)
            }
            _ => err(405, 10000, "method not allowed"),
        }
    }
}

/// A fake Cloudflare on 127.0.0.1 with `example.org` (id `z1`) and these records.
fn cloudflare(records: Vec<Value>) -> (FakeServer, Arc<Mutex<Cloudflare>>) {
    let srv = FakeServer::http();
    srv.set_checkip(IP);
    let state = Arc::new(Mutex::new(Cloudflare {
        zones: vec![("z1".into(), "example.org".into())],
        records,
        ..Cloudflare::default()
    }));
    let s = state.clone();
    srv.respond_with(move |r| s.lock().expect("lock").answer(r));
    (srv, state)
}

fn record(id: &str, kind: &str, name: &str, content: &str) -> Value {
    json!({"id": id, "type": kind, "name": name, "content": content, "proxied": true, "ttl": 1, "comment": "the user's", "tags": ["owner:me"]})
}

/// One policy of `provider` at `srv` with the check-IP page of `srv`.
fn policy(provider: &str, srv: &FakeServer, name: &str, hosts: &str, extra: &str) -> String {
    format!(
        "[[policy]]\nname = \"{name}\"\nprovider = \"{provider}\"\nserver = \"http://{}\"\nallow_insecure_http = true\npassword = \"{TOKEN}\"\nhosts = [{hosts}]\nweb = \"{}\"\nmin_interval = \"0s\"\ntimeout = \"2s\"\nconnect_timeout = \"2s\"\n{extra}\n",
        srv.addr,
        srv.checkip_url()
    )
}

fn one(provider: &str, srv: &FakeServer, extra: &str) -> Setup {
    Setup::with(&policy(provider, srv, "p", "\"home.example.org\"", extra))
}

/// The requests other than the check-IP page: `METHOD path?query`.
fn calls(srv: &FakeServer) -> Vec<String> {
    srv.requests()
        .iter()
        .map(|r| {
            if r.query.is_empty() {
                format!("{} {}", r.method, r.path)
            } else {
                format!("{} {}?{}", r.method, r.path, r.query)
            }
        })
        .collect()
}

fn no_leak(run: &util::Run, s: &Setup) {
    assert!(
        !run.all().contains(TOKEN),
        "the token leaked:\n{}",
        run.all()
    );
    assert!(!s.state().contains(TOKEN), "the token is in the state file");
}

/// First update: the zone is found from the name (its id kept in the state file), the
/// missing record created with the logged defaults; the next change reads once and PATCHes
/// only the content (the user's proxied, TTL, comment and tags stay); an unchanged record
/// is read and not written.
#[test]
fn cloudflare_create_change_and_unchanged() {
    let (srv, cf) = cloudflare(vec![]);
    let s = one("cloudflare", &srv, "");
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        calls(&srv),
        [
            "GET /client/v4/zones?name=home.example.org",
            "GET /client/v4/zones?name=example.org",
            "GET /client/v4/zones/z1/dns_records?name=home.example.org&per_page=100",
            "POST /client/v4/zones/z1/dns_records",
        ]
    );
    let post = &srv.requests()[3];
    assert_eq!(post.content_type.as_deref(), Some("application/json"));
    let body: Value = serde_json::from_str(&post.body).expect("json");
    assert_eq!(
        body,
        json!({"type":"A","name":"home.example.org","content":IP,"ttl":1,"proxied":false})
    );
    assert!(r.all().contains("home.example.org: good"), "{}", r.all());
    assert!(
        r.all()
            .contains("created its A record at Cloudflare (proxied off, TTL automatic)"),
        "{}",
        r.all()
    );
    let state: Value = serde_json::from_str(&s.state()).expect("state");
    assert_eq!(state["policies"]["p"]["zones"]["example.org"], "z1");
    no_leak(&r, &s);

    // The user turns the proxy on and comments the record; the address changes.
    {
        let mut c = cf.lock().expect("lock");
        c.records[0]["proxied"] = json!(true);
        c.records[0]["comment"] = json!("mine");
    }
    srv.set_checkip("203.0.113.8");
    let before = srv.requests().len();
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let c = calls(&srv);
    assert_eq!(
        c[before..],
        [
            "GET /client/v4/zones/z1/dns_records?name=home.example.org&per_page=100".to_string(),
            "PATCH /client/v4/zones/z1/dns_records/new1".to_string(),
        ],
        "the cached zone id: no lookup"
    );
    assert_eq!(
        srv.requests()[before + 1].body,
        r#"{"content":"203.0.113.8"}"#
    );
    let rec = cf.lock().expect("lock").records[0].clone();
    assert_eq!(
        (rec["proxied"].clone(), rec["comment"].clone()),
        (json!(true), json!("mine"))
    );

    // A new state (another machine, say) finds the record as it should be: read, no write.
    let s2 = one("cloudflare", &srv, "");
    let before = srv.requests().len();
    let r = s2.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.all().contains("home.example.org: current"), "{}", r.all());
    assert!(
        calls(&srv)[before..].iter().all(|c| c.starts_with("GET ")),
        "{:?}",
        &calls(&srv)[before..]
    );
}

/// A CNAME on the name, or several records of the family: the host stops, nothing written.
#[test]
fn cloudflare_cname_and_several_records_stop_the_host() {
    for (records, words) in [
        (
            vec![record(
                "c1",
                "CNAME",
                "home.example.org",
                "elsewhere.example.net",
            )],
            "a CNAME record holds home.example.org",
        ),
        (
            vec![
                record("r1", "A", "home.example.org", "198.51.100.1"),
                record("r2", "A", "home.example.org", "198.51.100.2"),
            ],
            "ids r1, r2",
        ),
    ] {
        let (srv, _) = cloudflare(records);
        let s = one("cloudflare", &srv, "zone_id = \"z1\"");
        let r = s.run(&["once"]);
        assert_eq!(r.code, 1, "{}", r.all());
        assert!(
            r.all().contains(words) && r.all().contains("stop host"),
            "{}",
            r.all()
        );
        assert!(
            calls(&srv).iter().all(|c| c.starts_with("GET ")),
            "{:?}",
            calls(&srv)
        );
        let again = s.run(&["once"]);
        assert_eq!(
            srv.requests().len(),
            1,
            "a stopped host sends nothing: {}",
            again.all()
        );
    }
}

/// The token's answers stop the account with Cloudflare's hint; a zone the token cannot
/// see stops the host; a 429 holds for its Retry-After; a 5xx holds; a 200 that is no JSON
/// is unreadable.
#[test]
fn cloudflare_answers_and_decisions() {
    let cases: Vec<(Script, &str, &[&str])> = vec![
        (err(403, 9109, "Invalid access token"), "", &["denied", "stop account", "Zone · DNS · Edit"]),
        (err(403, 9109, "Cannot use the access token from location: 203.0.113.7"), "", &["denied", "client IP filter"]),
        (Script::TooMany(90, json!({"success":false,"errors":[{"code":971,"message":"More than 1200 requests per 300 seconds reached."}]}).to_string()), "", &["ratelimit 90s"]),
        (Script::Reply(429, "{}".into()), "", &["ratelimit 300s"]),
        (Script::Reply(502, "<html>Bad gateway</html>".into()), "", &["unavailable 502", "holding 30m"]),
        (Script::Reply(200, "<html>Welcome to the hotel wifi</html>".into()), "", &["unreadable", "hotel wifi"]),
    ];
    for (answer, extra, words) in cases {
        let (srv, _) = cloudflare(vec![]);
        srv.script([answer.clone()]);
        let s = one("cloudflare", &srv, extra);
        let r = s.run(&["once"]);
        assert_eq!(r.code, 1, "{answer:?}\n{}", r.all());
        for w in words {
            assert!(r.all().contains(w), "{answer:?}: missing {w}\n{}", r.all());
        }
        assert_eq!(srv.requests().len(), 1, "{answer:?}");
        no_leak(&r, &s);
    }
    // No zone visible: every suffix tried, then the host stops.
    let (srv, cf) = cloudflare(vec![]);
    cf.lock().expect("lock").zones.clear();
    let s = one("cloudflare", &srv, "");
    let r = s.run(&["once"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.all().contains("nozone") && r.all().contains("visible to this token"),
        "{}",
        r.all()
    );
    assert_eq!(calls(&srv).len(), 2);
    // A token that may read but not edit: the write is refused, the account stops.
    let (srv, cf) = cloudflare(vec![record("r1", "A", "home.example.org", "198.51.100.1")]);
    cf.lock().expect("lock").read_only = true;
    let s = one("cloudflare", &srv, "zone = \"example.org\"");
    let r = s.run(&["once"]);
    assert!(
        r.all().contains("denied") && r.all().contains("stop account"),
        "{}",
        r.all()
    );
    assert_eq!(
        calls(&srv).last().map(String::as_str),
        Some("PATCH /client/v4/zones/z1/dns_records/r1")
    );
}

/// A zone id cached in the state file goes stale (the zone was added again): the API's
/// 7003 drops it, the zone is looked up again and the new id kept.
#[test]
fn cloudflare_stale_zone_id_is_replaced() {
    let (srv, cf) = cloudflare(vec![record("r1", "A", "home.example.org", "198.51.100.1")]);
    let s = one("cloudflare", &srv, "zone = \"example.org\"");
    assert_eq!(s.run(&["once"]).code, 0);
    cf.lock().expect("lock").zones = vec![("z2".into(), "example.org".into())];
    srv.set_checkip("203.0.113.9");
    let before = srv.requests().len();
    let r = s.run(&["once"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        calls(&srv)[before..],
        [
            "GET /client/v4/zones/z1/dns_records?name=home.example.org&per_page=100".to_string(),
            "GET /client/v4/zones?name=example.org".to_string(),
            "GET /client/v4/zones/z2/dns_records?name=home.example.org&per_page=100".to_string(),
            "PATCH /client/v4/zones/z2/dns_records/r1".to_string(),
        ]
    );
    let state: Value = serde_json::from_str(&s.state()).expect("state");
    assert_eq!(state["policies"]["p"]["zones"]["example.org"], "z2");
}

/// `once --dry-run` shows the exchange it would run, the token masked; `check` refuses a
/// Global API Key and a zone that does not hold the host, naming the key.
#[test]
fn cloudflare_dry_run_and_check() {
    let (srv, _) = cloudflare(vec![]);
    let s = one("cloudflare", &srv, "");
    let r = s.run(&["once", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.all());
    for w in [
        "GET http://127.0.0.1",
        "/client/v4/zones?name=home.example.org",
        "PATCH ",
        "Authorization: Bearer ",
        "{\"content\":\"203.0.113.7\"}",
    ] {
        assert!(r.stdout.contains(w), "missing {w}:\n{}", r.all());
    }
    assert!(
        calls(&srv).is_empty(),
        "a dry run sends nothing: {:?}",
        calls(&srv)
    );
    no_leak(&r, &s);
    let key = "0123456789abcdef0123456789abcdef01234";
    let bad = Setup::with(
        &policy(
            "cloudflare",
            &srv,
            "p",
            "\"home.example.org\"",
            "zone = \"example.net\"",
        )
        .replace(TOKEN, key),
    );
    let r = bad.run(&["check"]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(
        r.all().contains("policy[0].password") && r.all().contains("Global API Key"),
        "{}",
        r.all()
    );
    assert!(
        r.all().contains("policy[0].zone")
            && r.all().contains("is not in the zone \"example.net\""),
        "{}",
        r.all()
    );
    assert!(!r.all().contains(key), "{}", r.all());
}

/// Two policies with one Cloudflare token: a 429 to the first holds both (the limit is the
/// token's), and the second sends nothing while it lasts.
#[test]
fn a_rate_limit_holds_every_policy_with_the_token() {
    let (srv, _) = cloudflare(vec![]);
    srv.script([Script::TooMany(600, r#"{"success":false,"errors":[{"code":971,"message":"More than 1200 requests per 300 seconds reached."}]}"#.into())]);
    let c = format!(
        "state_dir = \"{{state}}\"\n{}{}",
        policy(
            "cloudflare",
            &srv,
            "first",
            "\"first.example.org\"",
            "zone_id = \"z1\"\nstable_for = \"0s\""
        ),
        policy(
            "cloudflare",
            &srv,
            "second",
            "\"second.example.org\"",
            "zone_id = \"z1\"\nstable_for = \"0s\""
        ),
    );
    let s = Setup::new(&c);
    let d = DaemonProc::start(&s.config(), None);
    let state_of = |name: &str| {
        let r = s.run(&["status", "--json"]);
        let v: Value = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
        v["policies"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["name"] == name).cloned())
            .unwrap_or(Value::Null)
    };
    assert!(
        wait_for(10, || ["first", "second"]
            .iter()
            .all(|p| state_of(p)["state"] == "sleeping")),
        "{}",
        d.log()
    );
    assert_eq!(calls(&srv).len(), 1, "{:?}\n{}", calls(&srv), d.log());
    for p in ["first", "second"] {
        let st = state_of(p);
        assert!(!st["hold"]["until"].is_null(), "{p}: {st}");
    }
    // Saves are at most 200 ms behind.
    assert!(
        wait_for(2, || s.state().contains("verdicts")),
        "{}",
        s.state()
    );
    let state: Value = serde_json::from_str(&s.state()).expect("state");
    let v = &state["verdicts"][0];
    assert_eq!(v["user"], "token of first", "{state}");
    assert_eq!(
        v["until"].as_u64().unwrap_or(0) - v["since"].as_u64().unwrap_or(0),
        600
    );
    assert!(!d.log().contains(TOKEN));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(calls(&srv).len(), 1);
}

// ---------------------------------------------------------------------------------------
// The others, scripted with their documented answers.

/// Runs `once` for `provider` with these answers; the calls made and the run.
fn scripted(provider: &str, extra: &str, answers: Vec<Script>) -> (Vec<Received>, util::Run) {
    let srv = FakeServer::http();
    srv.set_checkip(IP);
    srv.script(answers);
    let s = one(provider, &srv, extra);
    let r = s.run(&["once"]);
    no_leak(&r, &s);
    (srv.requests(), r)
}

fn reply(status: u16, body: &str) -> Script {
    Script::Reply(status, body.into())
}

#[test]
fn porkbun_edit_create_and_refusals() {
    let (reqs, r) = scripted(
        "porkbun",
        "username = \"pk1_key\"",
        vec![
            reply(
                200,
                r#"{"status":"SUCCESS","records":[{"id":"1","name":"home.example.org","type":"A","content":"198.51.100.1","ttl":"900","prio":"0","notes":"router"}]}"#,
            ),
            reply(200, r#"{"status":"SUCCESS"}"#),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        reqs[0].path,
        "/api/json/v3/dns/retrieveByNameType/example.org/A/home"
    );
    assert_eq!(
        reqs[1].path,
        "/api/json/v3/dns/editByNameType/example.org/A/home"
    );
    let body: Value = serde_json::from_str(&reqs[1].body).expect("json");
    assert_eq!(
        body,
        json!({"content": IP, "ttl": "900", "notes": "router", "apikey": "pk1_key", "secretapikey": TOKEN})
    );
    assert!(reqs.iter().all(|q| q.method == "POST" && q.auth.is_none()));

    let (reqs, r) = scripted(
        "porkbun",
        "username = \"pk1_key\"",
        vec![
            reply(200, r#"{"status":"SUCCESS","records":[]}"#),
            reply(200, r#"{"status":"SUCCESS","id":7}"#),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(reqs[1].path, "/api/json/v3/dns/create/example.org");

    let (_, r) = scripted(
        "porkbun",
        "username = \"pk1_key\"",
        vec![reply(
            400,
            r#"{"status":"ERROR","message":"Domain is not opted in to API access."}"#,
        )],
    );
    assert!(
        r.code == 1 && r.all().contains("turn on API ACCESS") && r.all().contains("stop account"),
        "{}",
        r.all()
    );
    let (_, r) = scripted(
        "porkbun",
        "username = \"pk1_key\"",
        vec![reply(
            200,
            r#"{"status":"SUCCESS","records":[{"id":"1","type":"A","content":"203.0.113.7"}]}"#,
        )],
    );
    assert!(r.code == 0 && r.all().contains("current"), "{}", r.all());
}

#[test]
fn hetzner_create_poll_and_refusals() {
    let (reqs, r) = scripted(
        "hetzner",
        "",
        vec![
            reply(
                404,
                r#"{"error":{"code":"not_found","message":"rrset not found","details":{}}}"#,
            ),
            reply(
                201,
                r#"{"rrset":{"id":"home/A"},"action":{"id":13,"command":"create_rrset","status":"running"}}"#,
            ),
            reply(200, r#"{"action":{"id":13,"status":"success"}}"#),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let got: Vec<String> = reqs
        .iter()
        .map(|q| format!("{} {}", q.method, q.path))
        .collect();
    assert_eq!(
        got,
        [
            "GET /v1/zones/example.org/rrsets/home/A",
            "POST /v1/zones/example.org/rrsets",
            "GET /v1/actions/13"
        ]
    );
    assert_eq!(
        reqs[0].auth.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let (reqs, r) = scripted(
        "hetzner",
        "",
        vec![
            reply(
                200,
                r#"{"rrset":{"id":"home/A","records":[{"value":"198.51.100.1"}]}}"#,
            ),
            reply(201, r#"{"action":{"id":14,"status":"success"}}"#),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        reqs[1].path,
        "/v1/zones/example.org/rrsets/home/A/actions/set_records"
    );
    assert_eq!(
        reqs[1].body,
        format!(r#"{{"records":[{{"value":"{IP}"}}]}}"#)
    );
    let (_, r) = scripted(
        "hetzner",
        "",
        vec![reply(
            401,
            r#"{"error":{"code":"unauthorized","message":"unable to authenticate"}}"#,
        )],
    );
    assert!(
        r.code == 1 && r.all().contains("denied") && r.all().contains("stop account"),
        "{}",
        r.all()
    );
    let (_, r) = scripted(
        "hetzner",
        "",
        vec![
            reply(
                404,
                r#"{"error":{"code":"not_found","message":"rrset not found"}}"#,
            ),
            reply(
                404,
                r#"{"error":{"code":"not_found","message":"zone not found"}}"#,
            ),
        ],
    );
    assert!(r.code == 1 && r.all().contains("nozone"), "{}", r.all());
}

#[test]
fn digitalocean_patch_create_and_refusals() {
    let (reqs, r) = scripted(
        "digitalocean",
        "",
        vec![
            reply(
                200,
                r#"{"domain_records":[{"id":11,"type":"A","name":"home","data":"198.51.100.1","ttl":1800}],"meta":{"total":1}}"#,
            ),
            reply(
                200,
                &format!(
                    r#"{{"domain_record":{{"id":11,"type":"A","name":"home","data":"{IP}","ttl":1800}}}}"#
                ),
            ),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        format!("{} {}?{}", reqs[0].method, reqs[0].path, reqs[0].query),
        "GET /v2/domains/example.org/records?type=A&name=home.example.org"
    );
    assert_eq!(
        (reqs[1].method.as_str(), reqs[1].path.as_str()),
        ("PATCH", "/v2/domains/example.org/records/11")
    );
    assert_eq!(reqs[1].body, format!(r#"{{"data":"{IP}","type":"A"}}"#));
    let (_, r) = scripted(
        "digitalocean",
        "",
        vec![reply(
            404,
            r#"{"id":"not_found","message":"The resource you were accessing could not be found."}"#,
        )],
    );
    assert!(r.code == 1 && r.all().contains("nozone"), "{}", r.all());
    let (_, r) = scripted(
        "digitalocean",
        "",
        vec![reply(
            429,
            r#"{"id":"too_many_requests","message":"API Rate limit exceeded."}"#,
        )],
    );
    assert!(
        r.code == 1 && r.all().contains("ratelimit 300s"),
        "{}",
        r.all()
    );
}

#[test]
fn gandi_put_keeps_ttl_and_refusals() {
    let (reqs, r) = scripted(
        "gandi",
        "",
        vec![
            reply(
                200,
                r#"{"rrset_name":"home","rrset_type":"A","rrset_ttl":10800,"rrset_values":["198.51.100.1"]}"#,
            ),
            reply(201, r#"{"message":"DNS Record Created"}"#),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        (reqs[1].method.as_str(), reqs[1].path.as_str()),
        ("PUT", "/v5/livedns/domains/example.org/records/home/A")
    );
    assert_eq!(
        reqs[1].body,
        format!(r#"{{"rrset_ttl":10800,"rrset_values":["{IP}"]}}"#)
    );
    let (_, r) = scripted(
        "gandi",
        "",
        vec![reply(
            403,
            r#"{"code":403,"message":"Access was denied to this resource.","object":"HTTPForbidden","cause":"Forbidden"}"#,
        )],
    );
    assert!(
        r.code == 1 && r.all().contains("denied") && r.all().contains("technical configuration"),
        "{}",
        r.all()
    );
    let (reqs, _) = scripted(
        "gandi",
        "username = \"apikey\"",
        vec![reply(200, r#"{"rrset_values":["203.0.113.7"]}"#)],
    );
    assert_eq!(
        reqs[0].auth.as_deref(),
        Some(format!("Apikey {TOKEN}").as_str())
    );
}

#[test]
fn ionos_finds_the_zone_and_writes() {
    let (reqs, r) = scripted(
        "ionos",
        "",
        vec![
            reply(200, r#"[{"id":"zz","name":"example.org","type":"NATIVE"}]"#),
            reply(200, r#"{"id":"zz","name":"example.org","records":[]}"#),
            reply(201, r#"[{"id":"r1"}]"#),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let got: Vec<String> = reqs
        .iter()
        .map(|q| format!("{} {}", q.method, q.path))
        .collect();
    assert_eq!(
        got,
        [
            "GET /dns/v1/zones",
            "GET /dns/v1/zones/zz",
            "POST /dns/v1/zones/zz/records"
        ]
    );
    assert!(reqs[0].headers.contains("x-api-key"), "{}", reqs[0].headers);
    let (_, r) = scripted(
        "ionos",
        "",
        vec![reply(
            401,
            r#"[{"code":"UNAUTHORIZED","message":"The customer is not authorized to do this operation."}]"#,
        )],
    );
    assert!(r.code == 1 && r.all().contains("denied"), "{}", r.all());
}
