//! The other REST APIs (reference 4.3–4.7): Porkbun, Hetzner Cloud, DigitalOcean, Gandi
//! LiveDNS and IONOS. Each reads the name's record of the family, then writes only when its
//! content differs (keeping the TTL and notes the user set), or creates it.
//!
//! One flow ([`RestFlow`]) runs them all: the stage due, the rules every API shares (429,
//! 5xx), the dry run's requests. A provider ([`RestApi`]) says only what its requests are
//! and what each answer means.

use std::fmt;
use std::net::IpAddr;

use serde_json::{Value, json};

use super::{
    Body, Choice, Cx, Flow, choose, default_zone, id, in_zone, items, relative, rtype, same_addr,
    snippet, text, triage, unreadable,
};
use crate::protocol::code::Code;
use crate::protocol::http::{HttpReply, HttpRequest, Method};

/// Where a read-then-write flow is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Stage {
    /// Finding the zone's id (IONOS): listing the zones.
    Zones,
    /// Reading the record.
    Read,
    /// Writing: an update of this record (its id, TTL and notes where the API needs them),
    /// or a create.
    Write(Option<Found>),
    /// Waiting for an asynchronous action (Hetzner): its id, polls left.
    Poll(String, u8),
    /// Over.
    Done(Code),
}

/// What the read found of a record to update.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Found {
    id: String,
    ttl: Option<Value>,
    extra: Option<Value>,
}

impl Found {
    /// The record a dry run shows being updated.
    fn placeholder() -> Found {
        Found {
            id: "<record id>".into(),
            ..Found::default()
        }
    }
}

/// What every flow here knows of its name and family.
#[derive(Debug)]
pub(super) struct Base {
    host: String,
    addr: IpAddr,
    /// A second read was made already (a create raced another, an id went stale).
    again: bool,
}

impl Base {
    /// The zone the host is in: the configured one, else its last two labels.
    fn zone(&self, cx: &Cx) -> String {
        cx.account
            .zone
            .clone()
            .unwrap_or_else(|| default_zone(&self.host))
    }

    /// The host relative to its zone (`@` for the apex), lower case.
    fn name(&self, cx: &Cx) -> String {
        relative(&self.host, &self.zone(cx)).to_ascii_lowercase()
    }

    /// The record type and the address, for paths and bodies.
    fn typed(&self) -> (&'static str, String) {
        (rtype(self.addr), self.addr.to_string())
    }

    /// The stage after a read that found these `(id, content, ttl, extra)` records of the
    /// family ([`choose`]'s rule).
    fn decide(&self, records: Vec<(String, String, Option<Value>, Option<Value>)>) -> Stage {
        match choose(&self.host, self.addr, &records, |r| &r.1, |r| r.0.clone()) {
            Choice::Current => Stage::Done(Code::Current),
            Choice::Create => Stage::Write(None),
            Choice::Update((rid, _, ttl, extra)) => Stage::Write(Some(Found {
                id: rid.clone(),
                ttl: ttl.clone(),
                extra: extra.clone(),
            })),
            Choice::Stop(code) => Stage::Done(code),
        }
    }

    /// The answer to a successful write whose reply echoes `content` (empty: it does not).
    fn written(&self, content: &str) -> Stage {
        if content.is_empty() || same_addr(content, self.addr) {
            Stage::Done(Code::Good)
        } else {
            Stage::Done(Code::Mismatch(content.parse().into_iter().collect()))
        }
    }
}

/// A provider's part of a read-then-write flow.
pub(super) trait RestApi: Send + fmt::Debug {
    /// The stage the flow starts at.
    fn start(&mut self, _b: &Base, _cx: &Cx) -> Stage {
        Stage::Read
    }

    /// The request of `stage`; none for a stage the provider does not have.
    fn request(&self, b: &Base, cx: &Cx, stage: &Stage) -> Option<HttpRequest>;

    /// The stage after `reply` to the request of `stage`, given its body when it is JSON
    /// (429 and 5xx were decided before).
    fn read(
        &mut self,
        b: &mut Base,
        cx: &mut Cx,
        stage: Stage,
        reply: &HttpReply,
        json: Option<Value>,
    ) -> Stage;

    /// The stages a dry run shows: the read and the write of a record found with another
    /// address.
    fn preview(&self, _b: &Base, _cx: &Cx) -> Vec<Stage> {
        vec![Stage::Read, Stage::Write(Some(Found::placeholder()))]
    }
}

/// One name and family through a [`RestApi`]. The API is boxed: one copy of the flow's
/// code serves them all (generic, it was built five times over).
#[derive(Debug)]
pub(super) struct RestFlow {
    base: Base,
    stage: Option<Stage>,
    api: Box<dyn RestApi>,
}

/// The flow of `api` for `host` and `addr`.
pub(super) fn flow(host: &str, addr: IpAddr, api: Box<dyn RestApi>) -> Box<dyn Flow> {
    Box::new(RestFlow {
        base: Base {
            host: host.to_string(),
            addr,
            again: false,
        },
        stage: None,
        api,
    })
}

impl Flow for RestFlow {
    fn next(&mut self, cx: &mut Cx) -> Result<HttpRequest, Code> {
        let stage = match self.stage.take() {
            Some(s) => s,
            None => self.api.start(&self.base, cx),
        };
        if let Stage::Done(c) = stage {
            return Err(c);
        }
        let req = self
            .api
            .request(&self.base, cx, &stage)
            .ok_or_else(|| Code::Unreadable(format!("no request for this stage ({stage:?})")))?;
        self.stage = Some(stage);
        Ok(req)
    }

    fn take(&mut self, cx: &mut Cx, reply: &HttpReply) {
        let stage = self.stage.take().unwrap_or(Stage::Read);
        self.stage = Some(match triage(reply) {
            Err(code) => Stage::Done(code),
            Ok(Body::Json(v)) => self.api.read(&mut self.base, cx, stage, reply, Some(v)),
            Ok(Body::Other(_)) => self.api.read(&mut self.base, cx, stage, reply, None),
        });
    }

    fn preview(&self, cx: &Cx) -> Vec<HttpRequest> {
        self.api
            .preview(&self.base, cx)
            .iter()
            .filter_map(|s| self.api.request(&self.base, cx, s))
            .collect()
    }
}

/// A status the APIs share: 401 and 403 refuse the token, with this hint.
fn denied(status: u16, msg: &str, hint: &str) -> Option<Code> {
    matches!(status, 401 | 403).then(|| Code::Denied(format!("HTTP {status}: {msg}; {hint}")))
}

/// An error answer as the REST APIs give them alike: 401/403 deny the credential (with the
/// API's `hint`), a status in `refused` refuses the record (in the words `refusal`), any
/// other is unreadable.
fn failed(reply: &HttpReply, msg: &str, hint: &str, refused: &[u16], refusal: String) -> Stage {
    let s = reply.status;
    Stage::Done(match denied(s, msg, hint) {
        Some(c) => c,
        None if refused.contains(&s) => Code::Refused(refusal),
        None => unreadable(reply),
    })
}

// ---------------------------------------------------------------------------------------
// Porkbun

/// Porkbun (API v3): every call a POST with the keys in the body.
#[derive(Debug)]
pub(super) struct Porkbun;

/// The host left of its domain: empty for the domain itself.
fn porkbun_sub(b: &Base, cx: &Cx) -> String {
    let n = b.name(cx);
    if n == "@" { String::new() } else { n }
}

/// What a Porkbun error message means.
fn porkbun_error(status: u16, v: Option<&Value>, reply: &HttpReply) -> Code {
    let Some(v) = v else {
        // The old host answers its load balancer's HTML 403.
        if status == 403 {
            return Code::Denied(format!(
                "HTTP 403 without an API answer ({}); Porkbun's API is at https://api.porkbun.com/api/json/v3: check server",
                snippet(&reply.body)
            ));
        }
        return unreadable(reply);
    };
    let msg = text(v, "message");
    let lower = msg.to_ascii_lowercase();
    if lower.contains("not opted in to api access") {
        return Code::Denied(format!(
            "{msg}; turn on API ACCESS for this domain in Porkbun's domain list"
        ));
    }
    if lower.contains("api key") || lower.contains("invalid") && lower.contains("key") {
        return Code::Denied(format!(
            "{msg}; check the API key (username) and the secret API key (password)"
        ));
    }
    if lower.contains("create error") {
        return Code::Refused(format!(
            "{msg}; another record holds the name (Porkbun's parking ALIAS or CNAME to pixie.porkbun.com on a new domain: delete it)"
        ));
    }
    if let Some(c) = denied(status, msg, "check the API keys") {
        return c;
    }
    // "Edit error" after a real change, and anything else: hold, the third in a row stops.
    Code::Unreadable(format!("HTTP {status}: {}", snippet(msg)))
}

impl RestApi for Porkbun {
    fn request(&self, b: &Base, cx: &Cx, stage: &Stage) -> Option<HttpRequest> {
        let (t, ip) = b.typed();
        let (zone, sub) = (b.zone(cx), porkbun_sub(b, cx));
        Some(match stage {
            Stage::Read => cx.request(
                Method::Post,
                &["dns", "retrieveByNameType", &zone, t, &sub],
                &[],
                None,
            ),
            Stage::Write(Some(f)) => {
                let mut body = json!({ "content": ip });
                if let Some(ttl) = &f.ttl {
                    body["ttl"] = ttl.clone();
                }
                if let Some(notes) = &f.extra {
                    body["notes"] = notes.clone();
                }
                cx.request(
                    Method::Post,
                    &["dns", "editByNameType", &zone, t, &sub],
                    &[],
                    Some(body),
                )
            }
            Stage::Write(None) => {
                let ttl = cx.account.ttl.unwrap_or(600).to_string();
                cx.request(
                    Method::Post,
                    &["dns", "create", &zone],
                    &[],
                    Some(json!({ "name": sub, "type": t, "content": ip, "ttl": ttl })),
                )
            }
            _ => return None,
        })
    }

    fn read(
        &mut self,
        b: &mut Base,
        _cx: &mut Cx,
        stage: Stage,
        reply: &HttpReply,
        v: Option<Value>,
    ) -> Stage {
        let ok = reply.status == 200 && v.as_ref().is_some_and(|v| text(v, "status") == "SUCCESS");
        match (stage, v) {
            (Stage::Read, Some(v)) if ok => {
                let records = items(&v, "records")
                    .filter(|r| text(r, "type") == rtype(b.addr))
                    .map(|r| {
                        (
                            id(r, "id").unwrap_or_default(),
                            text(r, "content").to_string(),
                            r.get("ttl").cloned(),
                            r.get("notes").filter(|n| !n.is_null()).cloned(),
                        )
                    })
                    .collect();
                b.decide(records)
            }
            (Stage::Write(_), Some(_)) if ok => Stage::Done(Code::Good),
            (_, v) => Stage::Done(porkbun_error(reply.status, v.as_ref(), reply)),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Hetzner

/// Polls of a running Hetzner action before the answer is a hold.
const HETZNER_POLLS: u8 = 3;

/// Hetzner (Cloud API: zones and RRsets; the old DNS API is shut).
#[derive(Debug)]
pub(super) struct Hetzner;

/// The stage after a Hetzner answer carrying an action: done, failed, or polled.
fn hetzner_action(v: &Value, polls: u8) -> Stage {
    let a = v.get("action").unwrap_or(&Value::Null);
    match text(a, "status") {
        "success" => Stage::Done(Code::Good),
        "error" => {
            let e = a.get("error").unwrap_or(&Value::Null);
            Stage::Done(Code::Refused(format!(
                "Hetzner's action failed: {} ({})",
                text(e, "message"),
                text(e, "code")
            )))
        }
        _ if polls == 0 => Stage::Done(Code::Unreadable(
            "Hetzner's action was still running after the polls".into(),
        )),
        _ => match id(a, "id") {
            Some(aid) => Stage::Poll(aid, polls - 1),
            // An answer without an action: the write was taken.
            None => Stage::Done(Code::Good),
        },
    }
}

impl RestApi for Hetzner {
    fn request(&self, b: &Base, cx: &Cx, stage: &Stage) -> Option<HttpRequest> {
        let (t, ip) = b.typed();
        let (zone, name) = (b.zone(cx), b.name(cx));
        Some(match stage {
            Stage::Read => cx.request(
                Method::Get,
                &["zones", &zone, "rrsets", &name, t],
                &[],
                None,
            ),
            Stage::Write(Some(_)) => cx.request(
                Method::Post,
                &["zones", &zone, "rrsets", &name, t, "actions", "set_records"],
                &[],
                Some(json!({ "records": [{ "value": ip }] })),
            ),
            Stage::Write(None) => {
                let mut body = json!({ "name": name, "type": t, "records": [{ "value": ip }] });
                if let Some(ttl) = cx.account.ttl {
                    body["ttl"] = ttl.into();
                }
                cx.request(Method::Post, &["zones", &zone, "rrsets"], &[], Some(body))
            }
            Stage::Poll(action, _) => cx.request(Method::Get, &["actions", action], &[], None),
            _ => return None,
        })
    }

    fn read(
        &mut self,
        b: &mut Base,
        cx: &mut Cx,
        stage: Stage,
        reply: &HttpReply,
        v: Option<Value>,
    ) -> Stage {
        let Some(v) = v else {
            return Stage::Done(unreadable(reply));
        };
        let e = v.get("error").unwrap_or(&Value::Null);
        let (code, msg) = (text(e, "code"), text(e, "message"));
        let s = reply.status;
        match stage {
            Stage::Read if s == 200 => {
                let rr = v.get("rrset").unwrap_or(&Value::Null);
                if items(rr, "records").any(|r| same_addr(text(r, "value"), b.addr)) {
                    Stage::Done(Code::Current)
                } else {
                    // set_records replaces the whole RRset: one write, whatever it held.
                    Stage::Write(Some(Found::default()))
                }
            }
            Stage::Read if s == 404 => Stage::Write(None),
            Stage::Poll(_, left) if matches!(s, 200 | 201) => hetzner_action(&v, left),
            Stage::Write(_) if matches!(s, 200 | 201) => hetzner_action(&v, HETZNER_POLLS),
            Stage::Write(None) if s == 409 && !b.again => {
                b.again = true;
                Stage::Read
            }
            Stage::Write(None) if s == 404 => Stage::Done(Code::NoZone(format!(
                "Hetzner knows no zone {} in this token's project ({msg})",
                b.zone(cx)
            ))),
            _ if s == 423 => Stage::Done(Code::Wait(std::time::Duration::from_secs(10))),
            _ => failed(
                reply,
                msg,
                "the project's API token must be Read & Write",
                &[400, 404, 409, 422],
                format!("HTTP {s} {code}: {msg}"),
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------
// DigitalOcean

/// DigitalOcean (API v2).
#[derive(Debug)]
pub(super) struct Digitalocean;

impl RestApi for Digitalocean {
    fn request(&self, b: &Base, cx: &Cx, stage: &Stage) -> Option<HttpRequest> {
        let (t, ip) = b.typed();
        let zone = b.zone(cx);
        Some(match stage {
            Stage::Read => cx.request(
                Method::Get,
                &["domains", &zone, "records"],
                &[("type", t), ("name", &b.host)],
                None,
            ),
            Stage::Write(Some(f)) => cx.request(
                Method::Patch,
                &["domains", &zone, "records", &f.id],
                &[],
                Some(json!({ "type": t, "data": ip })),
            ),
            Stage::Write(None) => {
                let mut body = json!({ "type": t, "name": b.name(cx), "data": ip });
                if let Some(ttl) = cx.account.ttl {
                    body["ttl"] = ttl.into();
                }
                cx.request(
                    Method::Post,
                    &["domains", &zone, "records"],
                    &[],
                    Some(body),
                )
            }
            _ => return None,
        })
    }

    fn read(
        &mut self,
        b: &mut Base,
        cx: &mut Cx,
        stage: Stage,
        reply: &HttpReply,
        v: Option<Value>,
    ) -> Stage {
        let Some(v) = v else {
            return Stage::Done(unreadable(reply));
        };
        let s = reply.status;
        let msg = text(&v, "message");
        match stage {
            Stage::Read if s == 200 => {
                let name = b.name(cx);
                let records = items(&v, "domain_records")
                    .filter(|r| {
                        text(r, "type") == rtype(b.addr)
                            && (text(r, "name") == name || text(r, "name") == b.host)
                    })
                    .map(|r| {
                        (
                            id(r, "id").unwrap_or_default(),
                            text(r, "data").to_string(),
                            None,
                            None,
                        )
                    })
                    .collect();
                b.decide(records)
            }
            Stage::Write(_) if matches!(s, 200 | 201) => {
                let r = v.get("domain_record").unwrap_or(&Value::Null);
                b.written(text(r, "data"))
            }
            _ if s == 404 => Stage::Done(Code::NoZone(format!(
                "DigitalOcean knows no domain {} for this token ({msg})",
                b.zone(cx)
            ))),
            _ => failed(
                reply,
                msg,
                "the token needs domain read and update",
                &[400, 422],
                format!("HTTP {s}: {msg}"),
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Gandi

/// Gandi LiveDNS (v5): the RRset is read, then PUT (which creates or replaces it), keeping
/// its TTL.
#[derive(Debug)]
pub(super) struct Gandi;

impl RestApi for Gandi {
    fn request(&self, b: &Base, cx: &Cx, stage: &Stage) -> Option<HttpRequest> {
        let (t, ip) = b.typed();
        let (zone, name) = (b.zone(cx), b.name(cx));
        let path = ["domains", &zone, "records", &name, t];
        Some(match stage {
            Stage::Read => cx.request(Method::Get, &path, &[], None),
            Stage::Write(found) => {
                let mut body = json!({ "rrset_values": [ip] });
                let ttl = found
                    .as_ref()
                    .and_then(|f| f.ttl.clone())
                    .or_else(|| cx.account.ttl.map(Value::from));
                if let Some(ttl) = ttl {
                    body["rrset_ttl"] = ttl;
                }
                cx.request(Method::Put, &path, &[], Some(body))
            }
            _ => return None,
        })
    }

    fn read(
        &mut self,
        b: &mut Base,
        cx: &mut Cx,
        stage: Stage,
        reply: &HttpReply,
        v: Option<Value>,
    ) -> Stage {
        let s = reply.status;
        let msg = v
            .as_ref()
            .map(|v| text(v, "message").to_string())
            .unwrap_or_default();
        match (stage, v) {
            (Stage::Read, Some(v)) if s == 200 => {
                if items(&v, "rrset_values").any(|c| same_addr(c.as_str().unwrap_or(""), b.addr)) {
                    Stage::Done(Code::Current)
                } else {
                    Stage::Write(Some(Found {
                        ttl: v.get("rrset_ttl").filter(|t| !t.is_null()).cloned(),
                        ..Found::default()
                    }))
                }
            }
            (Stage::Read, _) if s == 404 => Stage::Write(None),
            (Stage::Write(_), _) if matches!(s, 200 | 201) => Stage::Done(Code::Good),
            (Stage::Write(_), _) if s == 404 => Stage::Done(Code::NoZone(format!(
                "Gandi LiveDNS has no domain {} ({msg})",
                b.zone(cx)
            ))),
            (_, _) if s == 401 => Stage::Done(Code::Denied(format!(
                "HTTP 401: {msg}; the personal access token is wrong or has expired (they expire: create a new one)"
            ))),
            (_, _) if s == 403 => Stage::Done(Code::Denied(format!(
                "HTTP 403: {msg}; the token lacks the domain's technical configuration rights, or belongs to another organisation"
            ))),
            (_, Some(_)) if matches!(s, 400 | 422) => {
                Stage::Done(Code::Refused(format!("HTTP {s}: {msg}")))
            }
            _ => Stage::Done(unreadable(reply)),
        }
    }

    fn preview(&self, _b: &Base, _cx: &Cx) -> Vec<Stage> {
        vec![Stage::Read, Stage::Write(None)]
    }
}

// ---------------------------------------------------------------------------------------
// IONOS

/// IONOS (DNS API v1): the zone from the account's list, then the record read, updated or
/// created.
#[derive(Debug, Default)]
pub(super) struct Ionos {
    /// The zone's name and id, once known.
    zone: Option<(String, String)>,
}

/// The messages of an IONOS error array.
fn ionos_message(v: &Value) -> String {
    let list = v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]);
    list.iter()
        .map(|e| format!("{} {}", text(e, "code"), text(e, "message")))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Ionos {
    /// The zone of the host among the account's: the longest whose name it is in.
    fn pick(&mut self, b: &Base, cx: &mut Cx, v: &Value) -> Stage {
        let best = v
            .as_array()
            .into_iter()
            .flatten()
            .filter(|z| in_zone(&b.host, text(z, "name")))
            .max_by_key(|z| text(z, "name").len());
        match best.and_then(|z| Some((text(z, "name").to_string(), id(z, "id")?))) {
            Some((name, zid)) => {
                cx.learn(&name, &zid);
                self.zone = Some((name, zid));
                Stage::Read
            }
            None => Stage::Done(Code::NoZone(format!(
                "none of this key's IONOS zones holds {}",
                b.host
            ))),
        }
    }
}

impl RestApi for Ionos {
    fn start(&mut self, b: &Base, cx: &Cx) -> Stage {
        self.zone = cx.known_zone(&b.host);
        if self.zone.is_some() {
            Stage::Read
        } else {
            Stage::Zones
        }
    }

    fn request(&self, b: &Base, cx: &Cx, stage: &Stage) -> Option<HttpRequest> {
        let (t, ip) = b.typed();
        // A dry run asks before the flow started: the zone it would know.
        let zid = self
            .zone
            .clone()
            .or_else(|| cx.known_zone(&b.host))
            .map_or_else(|| "<zone id>".to_string(), |z| z.1);
        let zid = zid.as_str();
        Some(match stage {
            Stage::Zones => cx.request(Method::Get, &["zones"], &[], None),
            Stage::Read => cx.request(
                Method::Get,
                &["zones", zid],
                &[("suffix", &b.host), ("recordType", t)],
                None,
            ),
            Stage::Write(Some(f)) => {
                let mut body = json!({ "content": ip, "disabled": false });
                body["ttl"] = f.ttl.clone().unwrap_or(Value::from(3600));
                body["prio"] = f.extra.clone().unwrap_or(Value::from(0));
                cx.request(
                    Method::Put,
                    &["zones", zid, "records", &f.id],
                    &[],
                    Some(body),
                )
            }
            Stage::Write(None) => cx.request(
                Method::Post,
                &["zones", zid, "records"],
                &[],
                Some(json!([{
                    "name": b.host, "type": t, "content": ip,
                    "ttl": cx.account.ttl.unwrap_or(3600), "prio": 0, "disabled": false
                }])),
            ),
            _ => return None,
        })
    }

    fn read(
        &mut self,
        b: &mut Base,
        cx: &mut Cx,
        stage: Stage,
        reply: &HttpReply,
        v: Option<Value>,
    ) -> Stage {
        let Some(v) = v else {
            return Stage::Done(unreadable(reply));
        };
        let s = reply.status;
        let msg = ionos_message(&v);
        match stage {
            Stage::Zones if s == 200 => self.pick(b, cx, &v),
            Stage::Read if s == 200 => {
                let records = items(&v, "records")
                    .filter(|r| {
                        text(r, "type") == rtype(b.addr)
                            && text(r, "name").eq_ignore_ascii_case(&b.host)
                    })
                    .map(|r| {
                        (
                            id(r, "id").unwrap_or_default(),
                            text(r, "content").to_string(),
                            r.get("ttl").cloned(),
                            r.get("prio").cloned(),
                        )
                    })
                    .collect();
                b.decide(records)
            }
            Stage::Write(_) if matches!(s, 200 | 201) => Stage::Done(Code::Good),
            // A cached zone id gone stale: list the zones again, once.
            Stage::Read | Stage::Write(_)
                if s == 404 && !b.again && cx.account.zone_id.is_none() =>
            {
                b.again = true;
                if let Some((name, _)) = self.zone.take() {
                    cx.forget(&name);
                }
                Stage::Zones
            }
            _ if s == 404 => Stage::Done(Code::NoZone(format!("IONOS: {msg}"))),
            _ => failed(
                reply,
                &msg,
                "check the API key (prefix.secret)",
                &[400, 409, 422],
                format!("HTTP {s}: {msg}"),
            ),
        }
    }

    fn preview(&self, b: &Base, cx: &Cx) -> Vec<Stage> {
        let lookup = cx.known_zone(&b.host).is_none().then_some(Stage::Zones);
        lookup
            .into_iter()
            .chain([Stage::Read, Stage::Write(Some(Found::placeholder()))])
            .collect()
    }
}
