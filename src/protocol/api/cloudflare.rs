//! Cloudflare API v4 (reference 4.1): find the zone (the cached or configured id, else each
//! suffix of the name), list the name's records, then PATCH only `content` of the one
//! record of the family (the user's `proxied`, TTL, comment and tags stay), or create it.
//! The content the API returns decides "unchanged": a proxied record's DNS answer is
//! Cloudflare's own address.

use std::net::IpAddr;

use serde_json::{Value, json};

use super::{
    Body, Choice, Cx, Flow, choose, id, items, same_addr, text, triage, unreadable, zone_candidates,
};
use crate::protocol::code::Code;
use crate::protocol::http::{HttpReply, HttpRequest, Method};

/// Where the flow is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// Looking the zone up by name: the candidates not tried yet, the one asked about.
    Zone { left: Vec<String>, asked: String },
    /// Listing the name's records in the zone.
    List,
    /// Writing: PATCH of this record, or a create.
    Write { record: Option<String> },
    /// Over, with this answer.
    Done(Code),
}

/// One name and family at Cloudflare.
#[derive(Debug)]
pub struct Cloudflare {
    host: String,
    addr: IpAddr,
    /// The zone's name (when known by name) and id.
    zone: Option<(String, String)>,
    stage: Option<Stage>,
    /// A stale id was dropped once already: a second time stops the host.
    relooked: bool,
    /// The list was read again once already (a record gone, or created meanwhile).
    relisted: bool,
}

impl Cloudflare {
    /// The flow for `host` and `addr`.
    pub fn new(host: &str, addr: IpAddr) -> Cloudflare {
        Cloudflare {
            host: host.to_string(),
            addr,
            zone: None,
            stage: None,
            relooked: false,
            relisted: false,
        }
    }

    /// Where to start: the configured zone id, a cached one, else the lookup.
    fn start(&mut self, cx: &Cx) -> Stage {
        self.zone = cx.known_zone(&self.host);
        if self.zone.is_some() {
            return Stage::List;
        }
        let mut left = match &cx.account.zone {
            Some(z) => vec![z.clone()],
            None => zone_candidates(&self.host),
        };
        left.reverse();
        let asked = left.pop().unwrap_or_default();
        Stage::Zone { left, asked }
    }

    fn zone_id(&self) -> &str {
        self.zone.as_ref().map_or("", |(_, id)| id.as_str())
    }

    fn list(&self, cx: &Cx) -> HttpRequest {
        cx.request(
            Method::Get,
            &["zones", self.zone_id(), "dns_records"],
            &[("name", &self.host), ("per_page", "100")],
            None,
        )
    }

    fn write(&self, cx: &Cx, record: Option<&str>) -> HttpRequest {
        let content = self.addr.to_string();
        match record {
            Some(r) => cx.request(
                Method::Patch,
                &["zones", self.zone_id(), "dns_records", r],
                &[],
                Some(json!({ "content": content })),
            ),
            None => {
                let a = &cx.account;
                cx.request(
                    Method::Post,
                    &["zones", self.zone_id(), "dns_records"],
                    &[],
                    Some(json!({
                        "type": super::rtype(self.addr),
                        "name": self.host,
                        "content": content,
                        "ttl": a.ttl.unwrap_or(1),
                        "proxied": a.proxied,
                    })),
                )
            }
        }
    }

    /// The stage after a zone lookup's answer.
    fn zone_found(&mut self, cx: &mut Cx, left: Vec<String>, asked: String, v: &Value) -> Stage {
        let found = items(v, "result").find(|z| {
            text(z, "name").eq_ignore_ascii_case(&asked) && text(z, "status") != "deleted"
        });
        if let Some(z) = found {
            let Some(zid) = id(z, "id") else {
                return Stage::Done(Code::Unreadable("a zone without an id".into()));
            };
            match text(z, "status") {
                "active" | "" => {}
                s => cx.notes.push(format!(
                    "{}: Cloudflare says zone {asked} is {s}; updates may not be served yet",
                    self.host
                )),
            }
            cx.learn(&asked, &zid);
            self.zone = Some((asked, zid));
            return Stage::List;
        }
        let mut left = left;
        match left.pop() {
            Some(next) => Stage::Zone { left, asked: next },
            None => Stage::Done(Code::NoZone(format!(
                "no zone of {} is visible to this token at Cloudflare (a token scoped to other zones sees none; set zone_id if it may not read zones)",
                self.host
            ))),
        }
    }

    /// The stage after the records' list: unchanged, a PATCH of the one record, a create,
    /// or a stop.
    fn listed(&self, v: &Value) -> Stage {
        let all: Vec<&Value> = items(v, "result")
            .filter(|r| text(r, "name").eq_ignore_ascii_case(&self.host))
            .collect();
        if all.iter().any(|r| text(r, "type") == "CNAME") {
            return Stage::Done(Code::Refused(format!(
                "a CNAME record holds {}; dynward never replaces it (remove it to publish an address)",
                self.host
            )));
        }
        let rtype = super::rtype(self.addr);
        let mine: Vec<&Value> = all
            .into_iter()
            .filter(|r| text(r, "type") == rtype)
            .collect();
        let rid = |r: &&Value| id(r, "id").unwrap_or_default();
        match choose(&self.host, self.addr, &mine, |r| text(r, "content"), rid) {
            Choice::Current => Stage::Done(Code::Current),
            Choice::Create => Stage::Write { record: None },
            Choice::Update(one) => match id(one, "id") {
                Some(rid) => Stage::Write { record: Some(rid) },
                None => Stage::Done(Code::Unreadable("a record without an id".into())),
            },
            Choice::Stop(code) => Stage::Done(code),
        }
    }
}

/// Cloudflare's error codes of a reply: each error's and its chain's.
fn codes(v: &Value) -> Vec<i64> {
    let mut out = Vec::new();
    for e in items(v, "errors") {
        out.extend(e.get("code").and_then(Value::as_i64));
        for c in items(e, "error_chain") {
            out.extend(c.get("code").and_then(Value::as_i64));
        }
    }
    out
}

/// The errors' messages, chains included, on one line.
fn messages(v: &Value) -> String {
    let mut out = Vec::new();
    for e in items(v, "errors") {
        let m = text(e, "message");
        out.push(match e.get("code").and_then(Value::as_i64) {
            Some(c) => format!("{m} ({c})"),
            None => m.to_string(),
        });
        for c in items(e, "error_chain") {
            out.push(text(c, "message").to_string());
        }
    }
    super::snippet(&out.join("; "))
}

/// What a failed answer means, when the flow has no way around it.
fn failure(status: u16, v: &Value) -> Code {
    let cs = codes(v);
    let msg = messages(v);
    let has = |c: &[i64]| cs.iter().any(|x| c.contains(x));
    if msg.contains("Cannot use the access token from location") {
        return Code::Denied(format!(
            "{msg}; the token has a client IP filter, which fails right after an address change: remove the filter"
        ));
    }
    if has(&[6003, 6111, 6102, 6103]) {
        return Code::Denied(format!(
            "{msg}; the token is malformed (dynward sends it as a Bearer token: an API token, not the Global API Key)"
        ));
    }
    if has(&[10000, 9109]) || matches!(status, 401 | 403) {
        return Code::Denied(format!(
            "{msg}; the token is wrong or expired, or lacks Zone · DNS · Edit on this zone"
        ));
    }
    if has(&[81053]) || msg.contains("CNAME") {
        return Code::Refused(msg);
    }
    if has(&[1004, 9000, 9005, 9006, 9021, 9041, 81057, 81058]) {
        return Code::Refused(msg);
    }
    Code::Unreadable(if msg.is_empty() {
        format!("HTTP {status} without an error")
    } else {
        msg
    })
}

impl Flow for Cloudflare {
    fn next(&mut self, cx: &mut Cx) -> Result<HttpRequest, Code> {
        let stage = match self.stage.take() {
            Some(s) => s,
            None => self.start(cx),
        };
        let req = match &stage {
            Stage::Zone { asked, .. } => {
                cx.request(Method::Get, &["zones"], &[("name", asked)], None)
            }
            Stage::List => self.list(cx),
            Stage::Write { record } => self.write(cx, record.as_deref()),
            Stage::Done(code) => return Err(code.clone()),
        };
        self.stage = Some(stage);
        Ok(req)
    }

    fn take(&mut self, cx: &mut Cx, reply: &HttpReply) {
        let stage = self.stage.take().unwrap_or(Stage::List);
        let v = match triage(reply) {
            Err(code) => {
                self.stage = Some(Stage::Done(code));
                return;
            }
            Ok(Body::Other(_)) => {
                self.stage = Some(Stage::Done(unreadable(reply)));
                return;
            }
            Ok(Body::Json(v)) => v,
        };
        let ok = (200..300).contains(&reply.status) && v.get("success") == Some(&Value::Bool(true));
        let cs = codes(&v);
        self.stage = Some(match stage {
            Stage::Zone { left, asked } if ok => self.zone_found(cx, left, asked, &v),
            Stage::List if ok => {
                // A proxied record is served with Cloudflare's addresses, never its own.
                let proxied = items(&v, "result").any(|r| {
                    text(r, "name").eq_ignore_ascii_case(&self.host)
                        && text(r, "type") == super::rtype(self.addr)
                        && r.get("proxied") == Some(&Value::Bool(true))
                });
                let next = self.listed(&v);
                let creates_proxied =
                    matches!(next, Stage::Write { record: None }) && cx.account.proxied;
                if proxied || creates_proxied {
                    cx.hidden.push(self.host.clone());
                }
                next
            }
            Stage::Write { record } if ok => {
                if record.is_none() {
                    let a = &cx.account;
                    cx.notes.push(format!(
                        "{}: created its {} record at Cloudflare (proxied {}, TTL {})",
                        self.host,
                        super::rtype(self.addr),
                        if a.proxied { "on" } else { "off" },
                        a.ttl.map_or("automatic".to_string(), |t| format!("{t} s"))
                    ));
                }
                let back = v.get("result").map(|r| text(r, "content")).unwrap_or("");
                if back.is_empty() || same_addr(back, self.addr) {
                    Stage::Done(Code::Good)
                } else {
                    Stage::Done(Code::Mismatch(back.parse().into_iter().collect()))
                }
            }
            // A stale zone id (the zone was deleted and added again): look it up again, once.
            Stage::List | Stage::Write { .. }
                if (cs.contains(&7003) || cs.contains(&7000))
                    && !self.relooked
                    && cx.account.zone_id.is_none() =>
            {
                self.relooked = true;
                if let Some((name, _)) = self.zone.take() {
                    cx.forget(&name);
                }
                self.start(cx)
            }
            Stage::List | Stage::Write { .. } if cs.contains(&7003) || cs.contains(&7000) => {
                Stage::Done(Code::NoZone(format!(
                    "Cloudflare does not know zone id {} ({})",
                    self.zone_id(),
                    messages(&v)
                )))
            }
            // The record went away, or one was created meanwhile: read the list again, once.
            Stage::Write { .. }
                if (cs.contains(&81044) || cs.contains(&81057) || cs.contains(&81058))
                    && !self.relisted =>
            {
                self.relisted = true;
                Stage::List
            }
            _ => Stage::Done(failure(reply.status, &v)),
        });
    }

    fn preview(&self, cx: &Cx) -> Vec<HttpRequest> {
        let mut me = Cloudflare::new(&self.host, self.addr);
        let mut out = Vec::new();
        if let Stage::Zone { asked, .. } = me.start(cx) {
            out.push(cx.request(Method::Get, &["zones"], &[("name", &asked)], None));
            me.zone = Some((asked, "<zone id>".into()));
        }
        out.push(me.list(cx));
        out.push(me.write(cx, Some("<record id>")));
        out
    }
}
