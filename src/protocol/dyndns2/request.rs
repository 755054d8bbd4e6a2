//! Building dyndns2 requests (reference sections 2 and 3): GET, Basic auth (or the secret
//! where the dialect puts it), at most 20 hosts, `myip` never empty, the per-provider
//! IPv4+IPv6 strategy, each host named as the provider wants it.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use super::dialect::{Credentials, Dialect, FamilyMode, HostForm, Shape, User};
use crate::addr::AddrSet;
use crate::protocol::http::{Auth, HttpRequest};
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

/// One update request: the URL it goes to and what it is about.
#[derive(Clone, PartialEq, Eq)]
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

/// The masked URL in place of `url`: a request printed by accident shows no secret.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("url", &self.shown)
            .field("hosts", &self.hosts)
            .field("sent", &self.sent)
            .field("basic_auth", &self.basic_auth)
            .finish()
    }
}

impl Request {
    /// The URL with the password masked, for output and logs.
    pub fn display_url(&self) -> &str {
        &self.shown
    }

    /// The HTTP request that carries it, from the account `user` with `password` (a Basic
    /// header where the dialect wants one; the password is scrubbed from what comes back
    /// either way).
    pub fn http(&self, user: &str, password: &Secret) -> HttpRequest {
        let auth = if self.basic_auth {
            Auth::Basic {
                user: user.to_string(),
                password: password.clone(),
            }
        } else {
            Auth::None
        };
        HttpRequest {
            auth,
            secret: Some(password.clone()),
            ..HttpRequest::get(self.url.clone(), self.shown.clone())
        }
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
pub fn host_in_request<'h>(shape: &Shape, username: &str, host: &'h str) -> Cow<'h, str> {
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
        FamilyMode::Combined | FamilyMode::Separate => vec![(sh.v4, set.joined())],
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
    let mut out = Vec::new();
    for set in sets {
        for batch in hosts.chunks(per) {
            let host_list = batch
                .iter()
                .map(|h| enc(&host_in_request(&dialect.shape, username, h)))
                .collect::<Vec<_>>()
                .join(",");
            let fill = |secret: &str| match endpoint {
                Endpoint::Server(base) => {
                    server_url(base, dialect, username, secret, &host_list, &set)
                }
                Endpoint::Template(t) => t
                    .replace("<h>", &host_list)
                    .replace("<a>", &enc(&set.joined()))
                    .replace("<username>", &enc(username))
                    .replace("<password>", secret),
            };
            let basic_auth = match endpoint {
                Endpoint::Server(_) => dialect.shape.secret == Credentials::Basic,
                // The account goes in a header when the template does not carry the
                // password, or when a user name is set (as before templates could leave
                // it out).
                Endpoint::Template(t) => !t.contains("<password>") || !username.is_empty(),
            };
            out.push(Request {
                url: fill(&enc(password.expose())),
                shown: fill(MASK),
                hosts: batch.to_vec(),
                sent: set,
                basic_auth,
            });
        }
    }
    out
}

/// The update URL at a dyndns2 server for `host_list` publishing `set`, with the secret's
/// value as given (the real one, or the mask) where the dialect puts it.
fn server_url(
    base: &Url,
    dialect: &Dialect,
    username: &str,
    secret: &str,
    host_list: &str,
    set: &AddrSet,
) -> String {
    let sh = &dialect.shape;
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
    for (k, v) in address_params(dialect, set) {
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
    let mut u = base.clone();
    if sh.secret == Credentials::Path {
        let path = format!("{}/{secret}/", u.path().trim_end_matches('/'));
        u.set_path(&path);
    }
    u.set_query(Some(&q.join("&")));
    u.to_string()
}
