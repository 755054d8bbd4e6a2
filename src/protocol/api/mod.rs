//! The DNS hosts' own REST APIs (Cloudflare, Porkbun, Hetzner, DigitalOcean, Gandi, IONOS):
//! an update becomes, per host and family, a read of the record and at most one write,
//! after finding the host's zone (provider-API reference, section 4).
//!
//! Each provider is a [`Flow`]: a sans-IO machine for one name and family that says which
//! request comes next, or its answer. [`Exchange`] runs the flows of an update one after the
//! other and shares what they learn (zone ids) through [`Cx`]. The rules every provider
//! shares live here: the answer to a 429, a 5xx and a body that is not JSON; the zone and
//! relative names of a host.

mod cloudflare;
mod rest;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use crate::addr::AddrSet;
use crate::protocol::code::{Code, MAX_RETRY_AFTER};
use crate::protocol::http::{Auth, HttpReply, HttpRequest, Method};
use crate::protocol::{Answer, Answers, Next, Pending, Update};
use crate::secret::{MASK, Secret};

/// The hold after an HTTP 429 that names no wait (the reference's generic rule).
pub const RATE_LIMIT_HOLD: Duration = Duration::from_secs(5 * 60);

/// An API provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Cloudflare API v4.
    Cloudflare,
    /// Porkbun API v3.
    Porkbun,
    /// Hetzner Cloud API (zones and RRsets).
    Hetzner,
    /// DigitalOcean API v2.
    Digitalocean,
    /// Gandi LiveDNS v5.
    Gandi,
    /// IONOS DNS API v1.
    Ionos,
}

impl Api {
    /// Whether `proxied` means anything to this API.
    pub fn has_proxy(self) -> bool {
        self == Api::Cloudflare
    }

    /// Whether `zone_id` means anything to this API.
    pub fn has_zone_ids(self) -> bool {
        matches!(self, Api::Cloudflare | Api::Ionos)
    }

    /// The smallest TTL the provider takes (Cloudflare: 60, or 1 for automatic).
    pub fn min_ttl(self) -> u32 {
        match self {
            Api::Cloudflare | Api::Hetzner | Api::Ionos => 60,
            Api::Digitalocean => 30,
            Api::Gandi => 300,
            Api::Porkbun => 600,
        }
    }
}

/// Where and as whom an API policy sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The API.
    pub api: Api,
    /// Its base URL (the preset's, or `server`).
    pub base: Url,
    /// A key sent beside the secret (Porkbun's `apikey`); empty for the others.
    pub key: String,
    /// The token or secret key.
    pub token: Secret,
    /// The zone the hosts are in, when set.
    pub zone: Option<String>,
    /// The zone's id, when set: no lookup.
    pub zone_id: Option<String>,
    /// The TTL of a record dynward creates; none: the provider's default.
    pub ttl: Option<u32>,
    /// Whether a record dynward creates is proxied (Cloudflare).
    pub proxied: bool,
    /// Gandi's legacy API key scheme (`Authorization: Apikey`) rather than a personal
    /// access token.
    pub apikey_scheme: bool,
}

/// What the flows of one exchange share: the account, the zone ids known (from the state
/// file and learnt on the way), and what they learnt for the state file.
#[derive(Debug)]
pub struct Cx {
    /// The account.
    pub account: Account,
    /// Zone name → id.
    pub zones: BTreeMap<String, String>,
    /// Ids learnt (or dropped: none) since the last answers.
    pub learnt: Vec<(String, Option<String>)>,
    /// Lines worth logging since the last answers.
    pub notes: Vec<String>,
    /// Hosts whose record the DNS cannot show (see [`Answers::hidden`]).
    pub hidden: Vec<String>,
}

impl Cx {
    /// Records a zone's id for the rest of the exchange and the state file.
    pub fn learn(&mut self, zone: &str, id: &str) {
        if self.zones.get(zone).map(String::as_str) != Some(id) {
            self.zones.insert(zone.to_string(), id.to_string());
            self.learnt.push((zone.to_string(), Some(id.to_string())));
        }
    }

    /// Forgets a zone's id the API called stale.
    pub fn forget(&mut self, zone: &str) {
        if self.zones.remove(zone).is_some() {
            self.learnt.push((zone.to_string(), None));
        }
    }

    /// The zone of `host` known without a lookup: the configured id (with the configured
    /// name, if any), else a cached one.
    pub fn known_zone(&self, host: &str) -> Option<(String, String)> {
        let a = &self.account;
        match &a.zone_id {
            Some(id) => Some((a.zone.clone().unwrap_or_default(), id.clone())),
            None => self.cached_zone(host),
        }
    }

    /// The cached zone of `host`: the longest known zone it is in.
    pub fn cached_zone(&self, host: &str) -> Option<(String, String)> {
        self.zones
            .iter()
            .filter(|(z, _)| in_zone(host, z))
            .max_by_key(|(z, _)| z.len())
            .map(|(z, id)| (z.clone(), id.clone()))
    }

    /// A request to `segments` under the base URL, with `query`, carrying `body` as JSON;
    /// authorised as the API wants (a bearer token but for Porkbun, IONOS and Gandi's
    /// legacy keys).
    pub fn request(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<serde_json::Value>,
    ) -> HttpRequest {
        let a = &self.account;
        let url = join(&a.base, segments, query);
        let auth = match a.api {
            Api::Porkbun => Auth::None,
            Api::Ionos => Auth::Header {
                name: "X-API-Key",
                value: a.token.clone(),
            },
            Api::Gandi if a.apikey_scheme => Auth::Header {
                name: "Authorization",
                value: Secret::new(format!("Apikey {}", a.token.expose())),
            },
            _ => Auth::Bearer(a.token.clone()),
        };
        let (body, shown_body) = match (a.api, body) {
            (Api::Porkbun, b) => {
                // Porkbun's credentials travel in every body, its only way.
                let mut b = b.unwrap_or_else(|| serde_json::json!({}));
                let mut shown = b.clone();
                b["apikey"] = a.key.clone().into();
                b["secretapikey"] = a.token.expose().into();
                shown["apikey"] = MASK.into();
                shown["secretapikey"] = MASK.into();
                (Some(b.to_string()), Some(shown.to_string()))
            }
            (_, Some(b)) => (Some(b.to_string()), Some(b.to_string())),
            (_, None) => (None, None),
        };
        HttpRequest {
            method,
            shown: url.clone(),
            url,
            auth,
            body: body.map(|b| ("application/json", b)),
            shown_body,
            secret: Some(a.token.clone()),
        }
    }
}

/// `base` with `segments` appended (each encoded as one segment) and `query`.
fn join(base: &Url, segments: &[&str], query: &[(&str, &str)]) -> String {
    let mut u = base.clone();
    if let Ok(mut p) = u.path_segments_mut() {
        p.pop_if_empty().extend(segments);
    }
    if !query.is_empty() {
        u.query_pairs_mut().extend_pairs(query);
    }
    u.to_string()
}

/// Whether `host` is `zone` or a name under it.
pub fn in_zone(host: &str, zone: &str) -> bool {
    let (host, zone) = (host.to_ascii_lowercase(), zone.to_ascii_lowercase());
    host == zone || host.ends_with(&format!(".{zone}"))
}

/// `host` relative to `zone`: `@` for the zone itself.
pub fn relative(host: &str, zone: &str) -> String {
    if host.eq_ignore_ascii_case(zone) {
        return "@".into();
    }
    host.get(..host.len().saturating_sub(zone.len() + 1))
        .unwrap_or(host)
        .to_string()
}

/// The zone a host is taken to be in when none is set: its last two labels.
pub fn default_zone(host: &str) -> String {
    let labels: Vec<&str> = host.split('.').collect();
    labels[labels.len().saturating_sub(2)..].join(".")
}

/// The names a host's zone may be, longest first: the host itself, then each parent of two
/// labels or more.
pub fn zone_candidates(host: &str) -> Vec<String> {
    let labels: Vec<&str> = host.split('.').collect();
    (0..labels.len().saturating_sub(1))
        .map(|i| labels[i..].join("."))
        .collect()
}

/// The record type of an address.
pub fn rtype(addr: IpAddr) -> &'static str {
    match addr {
        IpAddr::V4(_) => "A",
        IpAddr::V6(_) => "AAAA",
    }
}

/// What a reply is, before the provider reads its fields: the rules every API shares.
#[derive(Debug)]
pub enum Body {
    /// JSON, whatever the status.
    Json(serde_json::Value),
    /// Not JSON (a proxy's page, an empty body), with the status.
    Other(String),
}

/// A reply's verdict where every API's rules decide (429, 5xx), else its body.
pub fn triage(reply: &HttpReply) -> Result<Body, Code> {
    if reply.status == 429 {
        return Err(Code::RateLimited(
            reply.retry_after.map_or(RATE_LIMIT_HOLD, |d| {
                d.clamp(Duration::from_secs(1), MAX_RETRY_AFTER)
            }),
        ));
    }
    if reply.status >= 500 {
        return Err(Code::Unavailable(reply.status));
    }
    Ok(match serde_json::from_str(&reply.body) {
        Ok(v) => Body::Json(v),
        Err(_) => Body::Other(snippet(&reply.body)),
    })
}

/// A reply that is not what the flow expects: unreadable, with what it was.
pub fn unreadable(reply: &HttpReply) -> Code {
    Code::Unreadable(format!("HTTP {}: {}", reply.status, snippet(&reply.body)))
}

/// The start of a text, on one line, for a message.
pub fn snippet(text: &str) -> String {
    const MAX: usize = 120;
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &one[..i]),
        None => one,
    }
}

/// The elements of a JSON array field (none when it is missing or not an array).
pub fn items<'a>(
    v: &'a serde_json::Value,
    key: &str,
) -> impl Iterator<Item = &'a serde_json::Value> {
    v.get(key)
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
}

/// What a read of a name's records of one family says to do.
#[derive(Debug)]
pub enum Choice<'a, T> {
    /// One of them has the address: nothing to write.
    Current,
    /// There is none: create it.
    Create,
    /// Update this one, the only one.
    Update(&'a T),
    /// Stop the host: several, none with the address.
    Stop(Code),
}

/// The rule every API shares for a name's records of one family (`content` and `id` read
/// each): unchanged if one already has the address, else update the only one, create a
/// missing one, or stop the host naming the records (dynward updates one record; it never
/// picks one of several for the user).
pub fn choose<'a, T>(
    host: &str,
    addr: IpAddr,
    records: &'a [T],
    content: impl Fn(&T) -> &str,
    id: impl Fn(&T) -> String,
) -> Choice<'a, T> {
    if records.iter().any(|r| same_addr(content(r), addr)) {
        return Choice::Current;
    }
    match records {
        [] => Choice::Create,
        [one] => Choice::Update(one),
        many => Choice::Stop(Code::Refused(format!(
            "{} {} records for {host} (ids {}), none with the address; dynward updates one record: delete the others",
            many.len(),
            rtype(addr),
            many.iter().map(id).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// A JSON string field.
pub fn text<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v.get(key).and_then(serde_json::Value::as_str).unwrap_or("")
}

/// A JSON field that is a string or a number, as text (ids come as either).
pub fn id(v: &serde_json::Value, key: &str) -> Option<String> {
    match v.get(key)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether a record's content is the address (compared as addresses: `2001:db8::1` and
/// `2001:DB8:0::1` are the same).
pub fn same_addr(content: &str, addr: IpAddr) -> bool {
    content.trim().parse::<IpAddr>() == Ok(addr)
}

/// One name and family's flow through a provider's API.
pub trait Flow: Send + fmt::Debug {
    /// The next request, or the answer: the flow is over.
    fn next(&mut self, cx: &mut Cx) -> Result<HttpRequest, Code>;
    /// The reply to the request given last.
    fn take(&mut self, cx: &mut Cx, reply: &HttpReply);
    /// The requests a dry run shows: those of a record found with another address.
    fn preview(&self, cx: &Cx) -> Vec<HttpRequest>;
}

/// A flow with the host and address it is for.
#[derive(Debug)]
struct Job {
    host: String,
    addr: IpAddr,
    flow: Box<dyn Flow>,
}

impl Job {
    fn sent(&self) -> AddrSet {
        let mut s = AddrSet::default();
        match self.addr {
            IpAddr::V4(a) => s.v4 = Some(a),
            IpAddr::V6(a) => s.v6 = Some(a),
        }
        s
    }
}

/// The flow of `api` for `host` and `addr`.
fn flow(api: Api, host: &str, addr: IpAddr) -> Box<dyn Flow> {
    match api {
        Api::Cloudflare => Box::new(cloudflare::Cloudflare::new(host, addr)),
        Api::Porkbun => rest::flow(host, addr, Box::new(rest::Porkbun)),
        Api::Hetzner => rest::flow(host, addr, Box::new(rest::Hetzner)),
        Api::Digitalocean => rest::flow(host, addr, Box::new(rest::Digitalocean)),
        Api::Gandi => rest::flow(host, addr, Box::new(rest::Gandi)),
        Api::Ionos => rest::flow(host, addr, Box::<rest::Ionos>::default()),
    }
}

/// An update over an API: its hosts' flows, each family its own, one after the other.
#[derive(Debug)]
pub struct Exchange {
    cx: Cx,
    queue: VecDeque<Job>,
    current: Option<Job>,
}

impl Exchange {
    /// The flows that carry `update`, with the zone ids known before.
    pub fn new(account: Account, update: &Update, zones: BTreeMap<String, String>) -> Exchange {
        let queue = update
            .targets
            .iter()
            .flat_map(|t| {
                let v4 = t.addrs.v4.map(IpAddr::V4);
                let v6 = t.addrs.v6.map(IpAddr::V6);
                v4.into_iter().chain(v6).map(|addr| Job {
                    host: t.host.clone(),
                    addr,
                    flow: flow(account.api, &t.host, addr),
                })
            })
            .collect();
        Exchange {
            cx: Cx {
                account,
                zones,
                learnt: Vec::new(),
                notes: Vec::new(),
                hidden: Vec::new(),
            },
            queue,
            current: None,
        }
    }
}

impl crate::protocol::Exchange for Exchange {
    type Message = HttpRequest;
    type Reply = HttpReply;

    fn next(&mut self) -> Next<HttpRequest> {
        if self.current.is_none() {
            self.current = self.queue.pop_front();
        }
        let Some(job) = self.current.as_mut() else {
            return Next::Done;
        };
        match job.flow.next(&mut self.cx) {
            Ok(req) => Next::Send(req),
            Err(code) => {
                let sent = job.sent();
                let confirmed = if code.is_success() {
                    sent
                } else {
                    AddrSet::default()
                };
                let answer = Answer {
                    host: job.host.clone(),
                    code,
                    sent,
                    confirmed,
                };
                self.current = None;
                Next::Answers {
                    answers: Answers {
                        answers: vec![answer],
                        notes: std::mem::take(&mut self.cx.notes),
                        learnt: std::mem::take(&mut self.cx.learnt),
                        hidden: std::mem::take(&mut self.cx.hidden),
                    },
                    last: self.queue.is_empty(),
                }
            }
        }
    }

    fn take(&mut self, reply: HttpReply) {
        if let Some(job) = self.current.as_mut() {
            job.flow.take(&mut self.cx, &reply);
        }
    }

    fn keep(&mut self, hosts: &[String]) {
        self.queue.retain(|j| hosts.contains(&j.host));
    }

    fn pending(&self) -> Pending {
        self.current
            .as_ref()
            .map(|j| Pending {
                hosts: vec![j.host.clone()],
                sent: j.sent(),
            })
            .unwrap_or_default()
    }

    fn preview(&self) -> Vec<HttpRequest> {
        self.current
            .iter()
            .chain(&self.queue)
            .flat_map(|j| j.flow.preview(&self.cx))
            .collect()
    }
}

#[cfg(test)]
mod tests;
