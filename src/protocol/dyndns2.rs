//! The dyndns2 update protocol: build requests, read replies, decide. Pure code, no I/O.
//!
//! Follows `reference/dyndns2-protocol.md`: sections 2–3 for requests (GET, Basic auth,
//! at most 20 hosts, `myip` never empty, the per-provider IPv4+IPv6 strategy), 4–6 for replies
//! (per-host lines in order, once-per-request codes applied to all hosts, HTTP status as a
//! fallback, HTML stripped, returned addresses parsed and compared) and 5 for the decision each
//! code leads to.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use url::Url;

use crate::provider::{Credentials, Dialect, FamilyMode, HostForm, Rule, Shape, User};
use crate::secret::{MASK, Secret};

/// Characters percent-encoded in a query value. Commas and colons stay as they are: both are
/// legal in a query, and providers expect `myip=v4,v6` and IPv6 colons unescaped (as ddclient
/// and inadyn send them).
pub const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b',')
    .remove(b':');

/// The largest number of hosts one dyndns2 request may carry.
pub const MAX_HOSTS: usize = 20;

/// The provider-side error hold (dnserr, 911), first and repeated (reference section 5).
pub const OUTAGE_HOLD: Duration = Duration::from_secs(30 * 60);
/// The repeated provider-side error hold.
pub const OUTAGE_HOLD_REPEAT: Duration = Duration::from_secs(60 * 60);

/// Where updates are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A dyndns2 update URL (`server` or a `provider` preset); the query is built by dynward.
    Server(Url),
    /// A Comware-style URL template with `<h>`, `<a>`, `<username>`, `<password>`.
    Template(String),
}

impl Endpoint {
    /// A URL with the endpoint's scheme, host and port, for resolving the server.
    pub fn server_url(&self) -> Option<Url> {
        match self {
            Endpoint::Server(u) => Some(u.clone()),
            Endpoint::Template(t) => Url::parse(
                &t.replace("<h>", "h")
                    .replace("<a>", "a")
                    .replace("<username>", "u")
                    .replace("<password>", "p"),
            )
            .ok(),
        }
    }
}

/// The addresses a request publishes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddrSet {
    /// IPv4 address, if published.
    pub v4: Option<Ipv4Addr>,
    /// IPv6 address, if published.
    pub v6: Option<Ipv6Addr>,
}

impl AddrSet {
    /// Whether nothing is to be published.
    pub fn is_empty(&self) -> bool {
        self.v4.is_none() && self.v6.is_none()
    }

    /// Whether `ip` is one of the published addresses.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4 == Some(a),
            IpAddr::V6(a) => self.v6 == Some(a),
        }
    }

    /// The `myip` value: `v4`, `v6` or `v4,v6`.
    fn myip(&self) -> String {
        match (self.v4, self.v6) {
            (Some(a), Some(b)) => format!("{a},{b}"),
            (Some(a), None) => a.to_string(),
            (None, Some(b)) => b.to_string(),
            (None, None) => String::new(),
        }
    }
}

impl fmt::Display for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.v4, self.v6) {
            (None, None) => f.write_str("no address"),
            _ => f.write_str(&self.myip()),
        }
    }
}

/// One update request, ready for the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The full URL with its query. In template mode, and for providers that take the secret
    /// in the URL, it holds the password: print [`Request::display_url`] instead.
    pub url: String,
    /// The same URL with the password's slot masked, built beside it: masking where the
    /// request carries the secret, not every text that happens to equal it, keeps the rest
    /// of the URL as it is sent (and gives no hint of the password by what was masked).
    shown: String,
    /// The hosts this request updates, in the order the reply answers them.
    pub hosts: Vec<String>,
    /// What it publishes.
    pub sent: AddrSet,
    /// Whether the account goes in an `Authorization: Basic` header. Not when the URL
    /// carries the secret: it is sent once, where the provider reads it.
    pub basic_auth: bool,
}

impl Request {
    /// The URL with the password masked, for output and logs.
    pub fn display_url(&self) -> &str {
        &self.shown
    }
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// `host` without `suffix` (compared without case), if it ends with it and has more.
fn cut_suffix<'h>(host: &'h str, suffix: &str) -> Option<&'h str> {
    let cut = host.len().checked_sub(suffix.len()).filter(|c| *c > 0)?;
    let end = host.get(cut..)?;
    end.eq_ignore_ascii_case(suffix).then(|| &host[..cut])
}

/// How `host` is named in a request of `shape` for the account `username`.
pub fn host_in_request<'h>(
    shape: &Shape,
    username: &str,
    host: &'h str,
) -> std::borrow::Cow<'h, str> {
    match shape.host_form {
        HostForm::Full => host.into(),
        HostForm::Strip(suffix) => cut_suffix(host, suffix).unwrap_or(host).into(),
        HostForm::UnderUser if host.eq_ignore_ascii_case(username) => "@".into(),
        HostForm::UnderUser => cut_suffix(host, &format!(".{username}"))
            .unwrap_or(host)
            .into(),
    }
}

/// The address parameters of one request publishing `set`, in the dialect's form: with two
/// parameters, each family's address, else its keep value, else nothing.
fn address_params(dialect: &Dialect, set: &AddrSet) -> Vec<(&'static str, String)> {
    let sh = &dialect.shape;
    match dialect.family {
        FamilyMode::MyipV6 => [
            (sh.v4, set.v4.map(|a| a.to_string()), sh.keep4),
            (sh.v6, set.v6.map(|b| b.to_string()), sh.keep6),
        ]
        .into_iter()
        .filter_map(|(name, addr, keep)| Some((name, addr.or(keep.map(String::from))?)))
        .collect(),
        // One parameter: a single address, or Dyn's `v4,v6` list.
        FamilyMode::Combined | FamilyMode::Separate => vec![(sh.v4, set.myip())],
    }
}

/// Builds the requests that publish `addrs` for `hosts`: batches of at most
/// `dialect.max_hosts` (never more than 20), and per family as the dialect says. Returns no
/// request when there is no address: an empty `myip=` deletes records at some providers.
pub fn build_requests(
    endpoint: &Endpoint,
    dialect: &Dialect,
    username: &str,
    password: &Secret,
    hosts: &[String],
    addrs: AddrSet,
) -> Vec<Request> {
    if addrs.is_empty() || hosts.is_empty() {
        return Vec::new();
    }
    // The address sets sent, one per request family.
    let sets: Vec<AddrSet> = match (addrs.v4, addrs.v6, dialect.family) {
        (Some(_), Some(_), FamilyMode::Separate) => vec![
            AddrSet {
                v4: addrs.v4,
                v6: None,
            },
            AddrSet {
                v4: None,
                v6: addrs.v6,
            },
        ],
        _ => vec![addrs],
    };
    let per = dialect.max_hosts.clamp(1, MAX_HOSTS);
    let sh = &dialect.shape;
    let mut out = Vec::new();
    for set in sets {
        for batch in hosts.chunks(per) {
            let host_list = batch
                .iter()
                .map(|h| enc(&host_in_request(sh, username, h)))
                .collect::<Vec<_>>()
                .join(",");
            let (url, shown, basic_auth) = match endpoint {
                Endpoint::Server(base) => {
                    // The query with the secret's value as given: the real one, or the mask.
                    let query = |secret: &str| {
                        let mut q: Vec<String> = Vec::new();
                        if !sh.host.is_empty() {
                            q.push(format!("{}={host_list}", sh.host));
                        }
                        if let User::Param(name) = dialect.user {
                            q.push(format!("{name}={}", enc(username)));
                        }
                        if let Credentials::Query(name) = sh.secret {
                            q.push(format!("{name}={secret}"));
                        }
                        for (k, v) in address_params(dialect, &set) {
                            q.push(format!("{k}={v}"));
                        }
                        for fixed in [sh.fixed, dialect.extra.as_str()] {
                            if !fixed.is_empty() {
                                q.push(fixed.to_string());
                            }
                        }
                        if dialect.system_dyndns {
                            q.push("system=dyndns".into());
                        }
                        if dialect.legacy_nochg {
                            q.push("wildcard=NOCHG&mx=NOCHG&backmx=NOCHG".into());
                        }
                        q.join("&")
                    };
                    let fill = |secret: &str| {
                        let mut u = base.clone();
                        if sh.secret == Credentials::Path {
                            let path = format!("{}/{secret}/", u.path().trim_end_matches('/'));
                            u.set_path(&path);
                        }
                        u.set_query(Some(&query(secret)));
                        u.to_string()
                    };
                    (
                        fill(&enc(password.expose())),
                        fill(MASK),
                        sh.secret == Credentials::Basic,
                    )
                }
                Endpoint::Template(t) => {
                    let fill = |pass: &str| {
                        t.replace("<h>", &host_list)
                            .replace("<a>", &enc(&set.myip()))
                            .replace("<username>", &enc(username))
                            .replace("<password>", pass)
                    };
                    // The account goes in a header when the template does not carry the
                    // password, or when a user name is set (as before templates could
                    // leave it out).
                    (
                        fill(&enc(password.expose())),
                        fill(MASK),
                        !t.contains("<password>") || !username.is_empty(),
                    )
                }
            };
            out.push(Request {
                url,
                shown,
                hosts: batch.to_vec(),
                sent: set,
                basic_auth,
            });
        }
    }
    out
}

/// A provider's answer for one host (reference section 5, one variant per code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// `good`: the record now holds the address.
    Good,
    /// `nochg`: accepted, nothing changed (counts toward abuse when repeated).
    Nochg,
    /// `badauth`: bad user name or password.
    Badauth,
    /// `!donator`: an option needs a paid account.
    NotDonator,
    /// `notfqdn`: not a fully qualified host name.
    NotFqdn,
    /// `nohost`: host not in this account.
    NoHost,
    /// `numhost`: too many hosts, or a round-robin host.
    NumHost,
    /// `abuse`: blocked for update abuse.
    Abuse,
    /// `badagent`: user agent blocked, or method refused.
    BadAgent,
    /// `badsys`: invalid `system` parameter.
    BadSys,
    /// `!yours`: host belongs to another account.
    NotYours,
    /// `!active`: custom-DNS domain not activated.
    NotActive,
    /// `dnserr`: DNS error at the provider.
    DnsErr,
    /// `911`: provider outage or maintenance.
    Outage,
    /// `servererror` (Dynu): server error.
    ServerError,
    /// `conflict A` / `conflict AAAA`: a manual record clashes.
    Conflict(String),
    /// `wNNN[smh]`: wait this long.
    Wait(Duration),
    /// `badrequest`: the provider found the request malformed.
    BadRequest,
    /// `fatal` (Spdyn): the host was deactivated at the provider.
    Fatal,
    /// HTTP 429: too many requests; wait this long (its `Retry-After`, or half an hour).
    RateLimited(Duration),
    /// `good 127.0.0.1` although 127.0.0.1 was not sent: the client is blocked.
    Refused127,
    /// `good`/`nochg` naming other addresses than those sent.
    Mismatch(Vec<IpAddr>),
    /// An HTTP status with no code in the body.
    Http(u16),
    /// The reply had fewer lines than hosts: no answer for this host.
    NoLine,
    /// An empty, unknown or unparseable answer (the text, cut short).
    Unknown(String),
}

impl Code {
    /// The short name used in logs, status and the state file.
    pub fn name(&self) -> String {
        match self {
            Code::Good => "good".into(),
            Code::Nochg => "nochg".into(),
            Code::Badauth => "badauth".into(),
            Code::NotDonator => "!donator".into(),
            Code::NotFqdn => "notfqdn".into(),
            Code::NoHost => "nohost".into(),
            Code::NumHost => "numhost".into(),
            Code::Abuse => "abuse".into(),
            Code::BadAgent => "badagent".into(),
            Code::BadSys => "badsys".into(),
            Code::NotYours => "!yours".into(),
            Code::NotActive => "!active".into(),
            Code::DnsErr => "dnserr".into(),
            Code::Outage => "911".into(),
            Code::ServerError => "servererror".into(),
            Code::Conflict(r) => format!("conflict {r}"),
            Code::Wait(d) => format!("w{}s", d.as_secs()),
            Code::BadRequest => "badrequest".into(),
            Code::Fatal => "fatal".into(),
            Code::RateLimited(d) => format!("ratelimit {}s", d.as_secs()),
            Code::Refused127 => "good 127.0.0.1".into(),
            Code::Mismatch(_) => "mismatch".into(),
            Code::Http(s) => format!("http {s}"),
            Code::NoLine => "noline".into(),
            Code::Unknown(_) => "unknown".into(),
        }
    }

    /// Whether the provider asked for the wait itself (`wNNN`, an HTTP 429), rather than
    /// dynward holding after its error.
    pub fn is_asked_wait(&self) -> bool {
        matches!(self, Code::Wait(_) | Code::RateLimited(_))
    }

    /// Whether the code is a success (the provider holds the address).
    pub fn is_success(&self) -> bool {
        matches!(self, Code::Good | Code::Nochg)
    }

    /// Whether this code is an answer about the whole request rather than one host.
    fn request_scope(&self) -> bool {
        matches!(
            self,
            Code::Badauth
                | Code::NotDonator
                | Code::BadAgent
                | Code::BadSys
                | Code::DnsErr
                | Code::Outage
                | Code::ServerError
                | Code::BadRequest
                | Code::Refused127
        )
    }

    /// What happened, in words for the user.
    pub fn explanation(&self) -> String {
        match self {
            Code::Good => "the provider updated the record to the address sent".into(),
            Code::Nochg => "the provider already had this address; repeated unchanged updates count as abuse".into(),
            Code::Badauth => "the provider rejected the user name or password (badauth)".into(),
            Code::NotDonator => "the request used an option that needs a paid account (!donator)".into(),
            Code::NotFqdn => "the provider says this is not a fully qualified host name (notfqdn)".into(),
            Code::NoHost => "this host does not exist in this account (nohost)".into(),
            Code::NumHost => "the provider refused the number of hosts, or the host is a round-robin record (numhost)".into(),
            Code::Abuse => "the provider blocked this host for update abuse (abuse)".into(),
            Code::BadAgent => "the provider blocked this client's user agent or request method (badagent)".into(),
            Code::BadSys => "the provider rejected the system parameter (badsys)".into(),
            Code::NotYours => "this host belongs to another account (!yours)".into(),
            Code::NotActive => "the host's domain is not activated at the provider (!active)".into(),
            Code::DnsErr => "the provider had a DNS error on its side (dnserr)".into(),
            Code::Outage => "the provider reports an outage or maintenance (911)".into(),
            Code::ServerError => "the provider reports a server error (servererror)".into(),
            Code::Conflict(r) => format!("a manual {r} record at the provider clashes with the dynamic one (conflict)"),
            Code::Wait(d) => format!("the provider asks to wait {} before the next update", crate::duration::format(*d)),
            Code::BadRequest => "the provider found the request malformed (badrequest)".into(),
            Code::Fatal => "the provider says the host was deactivated (fatal)".into(),
            Code::RateLimited(d) => format!("the provider refused the request as one too many (HTTP 429) and asks to wait {}", crate::duration::format(*d)),
            Code::Refused127 => "the provider ignored the update and answered 127.0.0.1: it is refusing this client".into(),
            Code::Mismatch(got) => format!(
                "the provider answered with {} instead of the address sent",
                got.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(",")
            ),
            Code::Http(401 | 403) => "the provider refused the credentials (HTTP status without a code)".into(),
            Code::Http(409) => "the provider does not know this host's zone (HTTP 409)".into(),
            Code::Http(410) => "the provider says the account is inactive (HTTP 410)".into(),
            Code::Http(411) => "the provider found the address malformed (HTTP 411)".into(),
            Code::Http(412) => "the provider refused the address as private (HTTP 412)".into(),
            Code::Http(s) if (300..400).contains(s) => format!("the server redirected (HTTP {s}) and the redirect was not followed (another host or scheme would receive the credentials)"),
            Code::Http(s) => format!("the server answered HTTP {s} without a dyndns2 code"),
            Code::NoLine => "the reply had no line for this host".into(),
            Code::Unknown(t) if t.is_empty() => "the server's reply was empty".into(),
            Code::Unknown(t) => format!("the server's reply is not a dyndns2 code: \"{t}\""),
        }
    }

    /// What the user must do after this code led to `decision`, with the commands spelled
    /// out for `policy` (and `host`, for a host's stop).
    pub fn user_action(&self, decision: Decision, policy: &str, host: Option<&str>) -> String {
        let reset = format!("`dynward reset {policy}`");
        let reset_host = match host {
            Some(h) => format!("`dynward reset {policy} --host {h}`"),
            None => reset.clone(),
        };
        let host_name = host.unwrap_or("the host");
        match self {
            Code::Good => String::new(),
            Code::Nochg if decision == Decision::StopHost => format!(
                "find out why the provider already had the address (another client updating {host_name}?), then {reset_host}"
            ),
            Code::Nochg => "none; a second unexpected nochg in a row stops the host".into(),
            Code::Badauth | Code::Http(401 | 403) => format!(
                "fix username/password (Dyn: the updater client key); the changed config re-enables the policy, or run {reset}"
            ),
            Code::NotDonator => {
                format!("remove the paid-only option or upgrade the account, then {reset}")
            }
            // A fully qualified host refused as not fully qualified: the server means the user
            // name (nsupdate.info and Hurricane Electric take the host's full name as user).
            Code::NotFqdn if host.is_some_and(|h| h.contains('.')) => format!(
                "{host_name} is fully qualified, so the server means the user name: where the user name is the host's full name (nsupdate.info, Hurricane Electric), set username = \"{host_name}\", then {reset_host}"
            ),
            Code::NotFqdn | Code::NoHost | Code::NotYours => format!(
                "check {host_name} in the config and in the provider's account; a changed config re-enables it, or run {reset_host}"
            ),
            Code::NumHost => format!(
                "round-robin hosts cannot be updated: remove {host_name} from the config"
            ),
            Code::Abuse if decision == Decision::StopAccount => format!(
                "the block is lifted only by the provider: contact their support, then {reset}"
            ),
            Code::Abuse => format!(
                "the block is lifted only by the provider: contact their support, then {reset_host}"
            ),
            Code::BadAgent | Code::Refused127 => format!(
                "the provider refuses this client: check user_agent, report it to the dynward developers, then {reset}"
            ),
            Code::BadSys | Code::BadRequest | Code::Http(411) => format!(
                "check the server or url setting, report it to the dynward developers, then {reset}"
            ),
            Code::NotActive => format!("activate the domain at the provider, then {reset_host}"),
            Code::Fatal => format!("re-activate {host_name} in the provider's account, then {reset_host}"),
            Code::RateLimited(_) => "none; dynward waits as asked".into(),
            Code::DnsErr | Code::Outage | Code::ServerError => {
                "none; dynward waits 30 minutes (60 on repeat) before trying again".into()
            }
            Code::Conflict(_) => {
                format!("remove the manual record at the provider, then {reset_host}")
            }
            Code::Wait(_) => "none; dynward waits as asked".into(),
            Code::Mismatch(_) => format!(
                "check the address source (the provider recorded another address), then {reset_host}"
            ),
            Code::Http(409 | 412) => {
                format!("fix the host or the address source, then {reset_host}")
            }
            Code::Http(410) => format!("reactivate the account at the provider, then {reset}"),
            Code::Http(_) | Code::NoLine | Code::Unknown(_) if decision == Decision::StopHost => {
                format!(
                    "three replies in a row were not dyndns2 answers: check the server or url setting, then {reset_host}"
                )
            }
            Code::Http(_) | Code::NoLine | Code::Unknown(_) => {
                "none yet; dynward tries again in 30 minutes and stops the host after 3 such replies in a row".into()
            }
        }
    }

    /// The code a reply rule's `means` names: a dyndns2 code a provider answers (`good`,
    /// `badauth`, `w5m`, `fatal`, …), not one dynward infers (mismatch, no line, unknown, an
    /// HTTP status, a rate limit).
    pub fn for_rule(name: &str) -> Option<Code> {
        match Code::from_name(name)? {
            Code::Unknown(_)
            | Code::NoLine
            | Code::Mismatch(_)
            | Code::Refused127
            | Code::Http(_)
            | Code::RateLimited(_)
            | Code::Conflict(_) => None,
            c => Some(c),
        }
    }

    /// The code a recorded name stands for ([`Code::name`] backwards), for the advice on a
    /// stop read from the state file. Codes that carry text get it empty.
    pub fn from_name(name: &str) -> Option<Code> {
        let line = match name {
            "good 127.0.0.1" => return Some(Code::Refused127),
            "mismatch" => return Some(Code::Mismatch(Vec::new())),
            "noline" => return Some(Code::NoLine),
            "unknown" => return Some(Code::Unknown(String::new())),
            n => n,
        };
        if let Some(secs) = line.strip_prefix("ratelimit ") {
            let secs = secs.strip_suffix('s').unwrap_or(secs);
            return secs
                .parse()
                .ok()
                .map(|n| Code::RateLimited(Duration::from_secs(n)));
        }
        if let Some(status) = line.strip_prefix("http ") {
            return status.parse().ok().map(Code::Http);
        }
        match parse_line(line, &AddrSet::default()).0 {
            Code::Unknown(_) => None,
            c => Some(c),
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The answer for one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostResult {
    /// The host.
    pub host: String,
    /// Its code.
    pub code: Code,
    /// The addresses the provider named, if any and parseable.
    pub addrs: Vec<IpAddr>,
}

/// A parsed reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// One result per host sent, in the order sent.
    pub results: Vec<HostResult>,
    /// Oddities worth a log line (one line for many hosts, extra lines).
    pub notes: Vec<String>,
}

/// Longest excerpt of an unparseable reply kept for the user.
const EXCERPT: usize = 120;

fn excerpt(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let t = one_line.trim();
    match t.char_indices().nth(EXCERPT) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_string(),
    }
}

/// Reads one reply line into a code and the addresses it names.
fn parse_line(line: &str, sent: &AddrSet) -> (Code, Vec<IpAddr>) {
    let mut words = line.split_whitespace();
    let first = words.next().unwrap_or("").to_ascii_lowercase();
    let rest: Vec<&str> = words.collect();
    let addrs: Vec<IpAddr> = rest
        .iter()
        .flat_map(|w| w.split(','))
        .filter_map(|t| t.trim().parse().ok())
        .collect();
    let code = match first.as_str() {
        "good" | "successfully_changed" => Code::Good,
        "nochg" | "no_change" => Code::Nochg,
        "badauth" => Code::Badauth,
        "!donator" => Code::NotDonator,
        "notfqdn" => Code::NotFqdn,
        "nohost" => Code::NoHost,
        "numhost" => Code::NumHost,
        "abuse" => Code::Abuse,
        "badagent" => Code::BadAgent,
        "badsys" => Code::BadSys,
        "!yours" => Code::NotYours,
        "!active" => Code::NotActive,
        "dnserr" => Code::DnsErr,
        "911" => Code::Outage,
        "servererror" => Code::ServerError,
        "badrequest" => Code::BadRequest,
        "fatal" => Code::Fatal,
        "conflict" => Code::Conflict(
            rest.first()
                .map(|s| s.to_ascii_uppercase())
                .unwrap_or_default(),
        ),
        w if is_wait(w) => Code::Wait(wait_duration(w)),
        _ => Code::Unknown(excerpt(line)),
    };
    let code = match code {
        Code::Good | Code::Nochg => {
            let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
            if addrs == [loopback] && !sent.contains(loopback) {
                Code::Refused127
            } else if mismatch(&addrs, sent) {
                Code::Mismatch(addrs.clone())
            } else {
                code
            }
        }
        other => other,
    };
    (code, addrs)
}

/// Returned addresses disagree with those sent: a sent family answered with another address,
/// or nothing sent named at all (Dyn's legacy endpoint answers an ignored IPv6 with the old
/// IPv4). No returned address is no disagreement: many providers omit it.
fn mismatch(returned: &[IpAddr], sent: &AddrSet) -> bool {
    if returned.is_empty() || sent.is_empty() {
        return false;
    }
    let wrong_family_value = returned.iter().any(|a| match a {
        IpAddr::V4(x) => sent.v4.is_some_and(|s| s != *x),
        IpAddr::V6(x) => sent.v6.is_some_and(|s| s != *x),
    });
    let none_match = !returned.iter().any(|a| sent.contains(*a));
    wrong_family_value || none_match
}

/// Reads lines that each answer for one address of the set sent (both families sent, one
/// success line naming one of them, the other naming the other).
fn per_address(parsed: &[(Code, Vec<IpAddr>)], sent: &AddrSet) -> Option<(Code, Vec<IpAddr>)> {
    let [(c1, a1), (c2, a2)] = parsed else {
        return None;
    };
    let (Some(_), Some(_)) = (sent.v4, sent.v6) else {
        return None;
    };
    let one_each = matches!((a1.as_slice(), a2.as_slice()), ([x], [y]) if x.is_ipv4() != y.is_ipv4() && sent.contains(*x) && sent.contains(*y));
    if !(one_each && c1.is_success() && c2.is_success()) {
        return None;
    }
    let code = if *c1 == Code::Good || *c2 == Code::Good {
        Code::Good
    } else {
        Code::Nochg
    };
    Some((code, vec![a1[0], a2[0]]))
}

fn is_wait(w: &str) -> bool {
    w.len() >= 3
        && w.starts_with('w')
        && matches!(w.as_bytes().last(), Some(b's' | b'm' | b'h'))
        && w.get(1..w.len() - 1)
            .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
}

fn wait_duration(w: &str) -> Duration {
    let n: u64 = w
        .get(1..w.len().saturating_sub(1))
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    let unit = match w.as_bytes().last() {
        Some(b'h') => 3600,
        Some(b'm') => 60,
        _ => 1,
    };
    Duration::from_secs(n.saturating_mul(unit))
}

/// The longest wait a `Retry-After` is taken for; a longer one is cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Whether `hay` contains `needle`, case-insensitively, as whole words: a needle that starts
/// (ends) with a letter or digit must not have one just before (after) it, so that `OK` is not
/// found in "token" nor `updated` in "outdated".
pub fn has_words(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let word = |c: char| c.is_ascii_alphanumeric();
    let (h, n) = (hay.to_ascii_lowercase(), needle.to_ascii_lowercase());
    let open = n.starts_with(word);
    let close = n.ends_with(word);
    h.match_indices(&n).any(|(i, _)| {
        (!open || !h[..i].ends_with(word)) && (!close || !h[i + n.len()..].starts_with(word))
    })
}

/// Whether `rule` matches a reply: its status, if it names one, and its words in the body as
/// sent or in its text without HTML.
fn rule_matches(rule: &Rule, status: u16, body: &str, text: &str) -> bool {
    rule.status.is_none_or(|s| s == status)
        && (has_words(body, &rule.contains) || has_words(text, &rule.contains))
}

/// Reads a response into one result per host: [`parse_reply`], with the `Retry-After` of an
/// HTTP 429 as the wait.
pub fn read_response(
    resp: &super::Response,
    hosts: &[String],
    sent: &AddrSet,
    dialect: &Dialect,
) -> Reply {
    read(
        resp.status,
        &resp.body,
        resp.retry_after,
        hosts,
        sent,
        dialect,
    )
}

/// Reads an HTTP status and body into one result per host (reference section 4), through the
/// dialect: its reply rules first, then dyndns2 codes (unless the dialect has none), then the
/// HTTP status alone.
pub fn parse_reply(
    status: u16,
    body: &str,
    hosts: &[String],
    sent: &AddrSet,
    dialect: &Dialect,
) -> Reply {
    read(status, body, None, hosts, sent, dialect)
}

fn read(
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
    hosts: &[String],
    sent: &AddrSet,
    dialect: &Dialect,
) -> Reply {
    let text = if body.trim_start().starts_with('<') {
        super::html::text(body)
    } else {
        body.to_string()
    };
    let all = |code: Code, addrs: Vec<IpAddr>| -> Vec<HostResult> {
        hosts
            .iter()
            .map(|h| HostResult {
                host: h.clone(),
                code: code.clone(),
                addrs: addrs.clone(),
            })
            .collect()
    };
    let mut notes = Vec::new();
    // A rule names the answer for the whole request: such services answer once per request.
    if let Some(rule) = dialect
        .rules
        .iter()
        .find(|r| rule_matches(r, status, body, &text))
    {
        let code = Code::from_name(&rule.means).unwrap_or_else(|| Code::Unknown(excerpt(&text)));
        return Reply {
            results: all(code, Vec::new()),
            notes,
        };
    }
    if status == 429 {
        let wait = retry_after
            .unwrap_or(OUTAGE_HOLD)
            .clamp(Duration::from_secs(1), MAX_RETRY_AFTER);
        return Reply {
            results: all(Code::RateLimited(wait), Vec::new()),
            notes,
        };
    }
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.trim_matches(|c: char| c == '\r' || c.is_whitespace()))
        .filter(|l| !l.is_empty())
        .collect();
    let parsed: Vec<(Code, Vec<IpAddr>)> = if dialect.words {
        lines.iter().map(|l| parse_line(l, sent)).collect()
    } else {
        Vec::new()
    };
    let recognised = parsed.iter().any(|(c, _)| !matches!(c, Code::Unknown(_)));

    if !recognised {
        // No dyndns2 word in the body: the HTTP status is all there is (section 6).
        let code = match status {
            401 | 403 => Code::Badauth,
            500..=599 => Code::Outage,
            204 if dialect.status_codes => Code::Nochg,
            409..=412 if dialect.status_codes => Code::Http(status),
            200..=299 => Code::Unknown(excerpt(&lines.join(" "))),
            s => Code::Http(s),
        };
        if !matches!(status, 200..=299) && !lines.is_empty() {
            notes.push(format!(
                "HTTP {status} with body \"{}\"",
                excerpt(&lines.join(" "))
            ));
        }
        return Reply {
            results: all(code, Vec::new()),
            notes,
        };
    }

    // A once-per-request code, or a single line for several hosts, applies to every host.
    if let Some((code, addrs)) = parsed.iter().find(|(c, _)| c.request_scope()) {
        if parsed.len() > 1 {
            notes.push(format!(
                "{} lines in a reply whose first request-wide code is {code}",
                parsed.len()
            ));
        }
        return Reply {
            results: all(code.clone(), addrs.clone()),
            notes,
        };
    }
    // One host, both families, one success line per address (nsupdate.info answers
    // `myip=v4,v6` with `good v6` and `nochg v4`): one answer about two addresses, not
    // answers about two hosts. The host changed if either address did.
    if let [host] = hosts
        && let Some((code, addrs)) = per_address(&parsed, sent)
    {
        return Reply {
            results: vec![HostResult {
                host: host.clone(),
                code,
                addrs,
            }],
            notes,
        };
    }
    if parsed.len() == 1 && hosts.len() > 1 {
        let (code, addrs) = parsed[0].clone();
        if code.is_success() {
            notes.push(format!(
                "one line \"{code}\" for {} hosts: applied to all of them",
                hosts.len()
            ));
        }
        return Reply {
            results: all(code, addrs),
            notes,
        };
    }
    if parsed.len() > hosts.len() {
        notes.push(format!(
            "{} reply lines for {} hosts; the extra lines were ignored",
            parsed.len(),
            hosts.len()
        ));
    }
    let results = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| match parsed.get(i) {
            Some((code, addrs)) => HostResult {
                host: h.clone(),
                code: code.clone(),
                addrs: addrs.clone(),
            },
            None => HostResult {
                host: h.clone(),
                code: Code::NoLine,
                addrs: Vec::new(),
            },
        })
        .collect();
    Reply { results, notes }
}

/// What to do after a result (reference section 5's actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Record success and carry on.
    Continue,
    /// Stop this host until the user changes the config or resets it.
    StopHost,
    /// Stop every host of this account until the user acts.
    StopAccount,
    /// Stop all updates to this provider until the software or config is fixed.
    StopClient,
    /// Send nothing for this host before the duration has passed.
    BackOff(Duration),
}

impl Decision {
    /// Whether the user must act before the next request.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Decision::StopHost | Decision::StopAccount | Decision::StopClient
        )
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Continue => f.write_str("continue"),
            Decision::StopHost => f.write_str("stop host"),
            Decision::StopAccount => f.write_str("stop account"),
            Decision::StopClient => f.write_str("stop client"),
            Decision::BackOff(d) => write!(f, "back off {}", crate::duration::format(*d)),
        }
    }
}

/// What the classification needs to know of the host's past.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    /// The update was forced, the periodic refresh, or the host's first (no address on
    /// record): a `nochg` is then expected.
    pub nochg_expected: bool,
    /// Unexpected `nochg` answers in a row before this one.
    pub nochg_streak: u32,
    /// Unparseable answers in a row before this one.
    pub unknown_streak: u32,
    /// Provider-error holds (dnserr/911) in a row before this one.
    pub outage_streak: u32,
}

/// Turns one host's code into the decision (reference section 5's table).
pub fn decide(code: &Code, history: &History, dialect: &Dialect) -> Decision {
    let hold = |streak: u32| {
        if streak == 0 {
            OUTAGE_HOLD
        } else {
            OUTAGE_HOLD_REPEAT
        }
    };
    match code {
        Code::Good => Decision::Continue,
        Code::Nochg
            if history.nochg_expected || history.nochg_streak == 0 || dialect.nochg_harmless =>
        {
            Decision::Continue
        }
        Code::Nochg => Decision::StopHost,
        Code::Badauth | Code::NotDonator => Decision::StopAccount,
        Code::NotFqdn
        | Code::NoHost
        | Code::NumHost
        | Code::NotYours
        | Code::NotActive
        | Code::Conflict(_)
        | Code::Fatal
        | Code::Mismatch(_) => Decision::StopHost,
        Code::Abuse if dialect.abuse_is_account => Decision::StopAccount,
        Code::Abuse => Decision::StopHost,
        Code::BadAgent | Code::BadSys | Code::BadRequest | Code::Refused127 => Decision::StopClient,
        Code::DnsErr | Code::Outage | Code::ServerError => {
            Decision::BackOff(hold(history.outage_streak))
        }
        Code::Wait(d) | Code::RateLimited(d) => Decision::BackOff(*d),
        Code::Http(401 | 403) | Code::Http(410) => Decision::StopAccount,
        Code::Http(409 | 412) => Decision::StopHost,
        Code::Http(411) => Decision::StopClient,
        Code::Http(_) | Code::NoLine | Code::Unknown(_) => {
            if history.unknown_streak >= 2 {
                Decision::StopHost
            } else {
                Decision::BackOff(OUTAGE_HOLD)
            }
        }
    }
}

/// Whom a decision concerns (reference section 8, "Scope of a verdict").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// This host only.
    Host,
    /// Every policy using this account (server + user name).
    Account,
    /// Every policy that talks to this server: the verdict is on the client, or the server
    /// is down.
    Server,
}

/// The scope of `decision` taken on `code`: account stops concern the account, client stops
/// and provider-side holds (`911`, `dnserr`, 5xx, `wNNN`) the server.
pub fn scope(code: &Code, decision: Decision) -> Scope {
    match decision {
        Decision::StopAccount => Scope::Account,
        Decision::StopClient => Scope::Server,
        Decision::BackOff(_) if is_outage(code) || code.is_asked_wait() => Scope::Server,
        _ => Scope::Host,
    }
}

/// Whether the code counts toward the "unparseable reply" streak.
pub fn is_unparseable(code: &Code) -> bool {
    matches!(code, Code::Http(_) | Code::NoLine | Code::Unknown(_))
        && !matches!(code, Code::Http(401 | 403 | 409 | 410 | 411 | 412))
}

/// Whether the code is a provider-side error hold (dnserr, 911, servererror).
pub fn is_outage(code: &Code) -> bool {
    matches!(code, Code::DnsErr | Code::Outage | Code::ServerError)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn request_basic() {
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
    fn request_batches() {
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
    fn request_families() {
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
    fn request_never_empty_myip() {
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
    fn request_extras() {
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
    fn request_template() {
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
    fn every_code_and_decision() {
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
                let action = got.user_action(decision, "home", Some("h.example.org"));
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
    fn per_address_lines() {
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

    /// The advice follows what was decided and whom it concerns: a nochg that stopped the
    /// host, the third unreadable reply, and `notfqdn` for a fully qualified host (the server
    /// means the user name) each say what is true, with the real command.
    #[test]
    fn advice_says_what_was_decided() {
        let h = Some("home.example.org");
        let a = Code::Nochg.user_action(Decision::StopHost, "home", h);
        assert!(
            !a.starts_with("none") && a.contains("`dynward reset home --host home.example.org`"),
            "{a}"
        );
        let a = Code::Unknown(String::new()).user_action(Decision::StopHost, "home", h);
        assert!(
            a.contains("three replies in a row") && !a.contains("tries again"),
            "{a}"
        );
        let a = Code::Unknown(String::new()).user_action(Decision::BackOff(OUTAGE_HOLD), "home", h);
        assert!(a.contains("tries again in 30 minutes"), "{a}");
        let a = Code::NotFqdn.user_action(Decision::StopHost, "home", h);
        assert!(
            a.contains("the server means the user name")
                && a.contains("username = \"home.example.org\""),
            "{a}"
        );
        let a = Code::Badauth.user_action(Decision::StopAccount, "office", None);
        assert!(
            a.contains("`dynward reset office`") && !a.contains("POLICY"),
            "{a}"
        );
    }

    /// Every explanation is distinct: no two codes tell the user the same thing.
    #[test]
    fn explanations_are_specific() {
        let codes = vec![
            Code::Good,
            Code::Nochg,
            Code::Badauth,
            Code::NotDonator,
            Code::NotFqdn,
            Code::NoHost,
            Code::NumHost,
            Code::Abuse,
            Code::BadAgent,
            Code::BadSys,
            Code::NotYours,
            Code::NotActive,
            Code::DnsErr,
            Code::Outage,
            Code::ServerError,
            Code::Conflict("A".into()),
            Code::Wait(Duration::from_secs(60)),
            Code::BadRequest,
            Code::Refused127,
            Code::Mismatch(vec![]),
            Code::Http(401),
            Code::Http(409),
            Code::Http(410),
            Code::Http(411),
            Code::Http(412),
            Code::Http(302),
            Code::Http(418),
            Code::NoLine,
            Code::Unknown(String::new()),
            Code::Unknown("x".into()),
        ];
        let mut seen = std::collections::HashSet::new();
        for c in &codes {
            assert!(
                seen.insert(c.explanation()),
                "duplicate explanation for {c:?}"
            );
        }
    }

    /// Repeats change the decision: a second unexpected nochg stops the host, the third
    /// unparseable reply stops it, a repeated outage holds 60 minutes.
    #[test]
    fn history_rules() {
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
    fn multi_host_mapping() {
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
    fn request_wide_codes() {
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
    fn tolerant_line_reading() {
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
    fn html_bodies() {
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
    fn junk_bodies() {
        assert_eq!(one(200, ""), Code::Unknown(String::new()));
        assert_eq!(one(200, "\r\n \n"), Code::Unknown(String::new()));
        let long = "x".repeat(5000);
        match one(200, &long) {
            Code::Unknown(t) => assert!(t.chars().count() <= EXCERPT + 1),
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
    fn http_status_rules() {
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
    fn returned_addresses() {
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
        let readme = include_str!("../../README.md");
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

    /// Classification helpers agree with the decisions.
    #[test]
    fn helpers() {
        assert!(is_outage(&Code::Outage) && is_outage(&Code::DnsErr) && !is_outage(&Code::Badauth));
        assert!(is_unparseable(&Code::NoLine) && is_unparseable(&Code::Http(404)));
        assert!(!is_unparseable(&Code::Http(401)) && !is_unparseable(&Code::Good));
        assert!(Decision::StopHost.is_fatal() && !Decision::BackOff(OUTAGE_HOLD).is_fatal());
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
    fn preset_request_shapes() {
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
    fn host_forms() {
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
    fn words_match_whole() {
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
    fn preset_reply_tables() {
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
    fn rate_limits_hold() {
        let resp = |secs: Option<u64>| super::super::Response {
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
        assert_eq!(scope(&c, d), Scope::Server);
        assert!(!is_unparseable(&c));
        assert_eq!(Code::from_name(&c.name()), Some(c));
        assert_eq!(Code::from_name("fatal"), Some(Code::Fatal));
    }

    /// Template rules: first match wins, status and words together, then dyndns2.
    #[test]
    fn template_rules() {
        let d = Dialect {
            rules: vec![
                Rule {
                    status: Some(200),
                    contains: "OK".into(),
                    means: "good".into(),
                },
                Rule::words("KO", "badauth"),
                Rule::status(404, "nohost"),
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
}
