//! The only module that knows reqwest: one GET, with the failures a user can act on told apart.
//!
//! The server name is resolved here, before connecting, so that "cannot get the server's
//! address" is its own error (Comware's `resolving` state) and the resolved address is then
//! pinned for the request. The socket can be bound to a source address, so a multi-WAN router
//! publishes (and asks check-IP services through) the WAN it means. Pooling is off: a pooled
//! connection would keep an old source address after the WAN address changed.

use std::error::Error as _;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Once;
use std::time::Duration;

use reqwest::{Url, redirect};

use crate::secret::{Secret, redact};

/// The most of a reply body that is read; the rest is dropped. A dyndns2 reply is a few lines.
pub const MAX_BODY: usize = 64 * 1024;

/// How one request is made.
#[derive(Debug, Clone)]
pub struct Options {
    /// User-Agent header.
    pub user_agent: String,
    /// Time allowed to connect (TCP + TLS).
    pub connect_timeout: Duration,
    /// Time allowed for the whole exchange.
    pub timeout: Duration,
    /// Extra trusted roots (PEM), added to the system store.
    pub ca_file: Option<PathBuf>,
    /// Source addresses to bind to, one per family, when the policy watches an interface.
    pub bind: Vec<IpAddr>,
}

/// A reply, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The body, lossily decoded as UTF-8, at most [`MAX_BODY`] bytes of it.
    pub body: String,
    /// Whether the body was longer than [`MAX_BODY`].
    pub truncated: bool,
}

/// Why no reply was obtained. Each variant is a different problem for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// The URL itself is unusable.
    #[error("invalid URL: {0}")]
    Url(String),
    /// The server's name did not resolve.
    #[error("cannot get the server's address: {host} did not resolve ({detail})")]
    Resolve {
        /// The name.
        host: String,
        /// The resolver's words.
        detail: String,
    },
    /// The socket could not be bound to the interface address.
    #[error("cannot bind to source address {addr}: {detail}")]
    Bind {
        /// The source address.
        addr: IpAddr,
        /// The OS words.
        detail: String,
    },
    /// The server refused the connection.
    #[error("connection refused by {0}")]
    Refused(SocketAddr),
    /// Connecting failed otherwise (unreachable network, reset).
    #[error("cannot connect to {addr}: {detail}")]
    Connect {
        /// The server address.
        addr: SocketAddr,
        /// What went wrong.
        detail: String,
    },
    /// The TLS handshake failed (untrusted certificate, wrong name, protocol).
    #[error("TLS failure with {host}: {detail}")]
    Tls {
        /// The server name.
        host: String,
        /// The TLS error.
        detail: String,
    },
    /// The configured CA file could not be used.
    #[error("cannot use ca_file {path}: {detail}")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// No complete reply within the time allowed.
    #[error("no reply from {0} within the timeout")]
    Timeout(String),
    /// The reply broke off or was not HTTP.
    #[error("broken reply from {host}: {detail}")]
    Reply {
        /// The server name.
        host: String,
        /// What was wrong.
        detail: String,
    },
}

impl NetError {
    /// A short stable name for logs and the state file.
    pub fn kind(&self) -> &'static str {
        match self {
            NetError::Url(_) => "url",
            NetError::Resolve { .. } => "resolve",
            NetError::Bind { .. } => "bind",
            NetError::Refused(_) => "refused",
            NetError::Connect { .. } => "connect",
            NetError::Tls { .. } => "tls",
            NetError::CaFile { .. } => "ca_file",
            NetError::Timeout(_) => "timeout",
            NetError::Reply { .. } => "reply",
        }
    }
}

fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another provider is installed already; either way one is in place.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Resolves the host of `url` to the address to connect to, preferring a family we can bind.
pub async fn resolve(url: &Url, bind: &[IpAddr]) -> Result<SocketAddr, NetError> {
    let host = url
        .host_str()
        .ok_or_else(|| NetError::Url("no host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| NetError::Url("no port".into()))?;
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| NetError::Resolve {
            host: host.clone(),
            detail: e.to_string(),
        })?
        .collect();
    let pick = addrs
        .iter()
        .find(|a| bind.is_empty() || bind.iter().any(|b| b.is_ipv4() == a.is_ipv4()))
        .or(addrs.first())
        .copied();
    pick.ok_or_else(|| NetError::Resolve {
        host,
        detail: "no addresses".into(),
    })
}

/// Sends one GET to `url` (Basic auth when `auth` is given) and reads the reply.
///
/// Redirects are followed only to the same scheme, host and port: credentials never go to
/// another server. Error texts are scrubbed of the password and never carry the URL.
pub async fn get(
    url: &str,
    auth: Option<(&str, &Secret)>,
    opts: &Options,
) -> Result<Response, NetError> {
    get_via(url, auth, opts, None).await
}

/// As [`get`], connecting to `target` when the server's address was already resolved.
pub async fn get_via(
    url: &str,
    auth: Option<(&str, &Secret)>,
    opts: &Options,
    target: Option<SocketAddr>,
) -> Result<Response, NetError> {
    install_crypto();
    let secrets: Vec<&Secret> = auth.map(|(_, s)| s).into_iter().collect();
    let scrub = |s: String| redact(&s, &secrets);
    let parsed = Url::parse(url).map_err(|e| NetError::Url(e.to_string()))?;
    let host = parsed.host_str().unwrap_or_default().to_string();
    let target = match target {
        Some(t) => t,
        None => resolve(&parsed, &opts.bind).await?,
    };
    let local = opts
        .bind
        .iter()
        .find(|b| b.is_ipv4() == target.is_ipv4())
        .copied();

    let mut builder = reqwest::Client::builder()
        .user_agent(&opts.user_agent)
        .connect_timeout(opts.connect_timeout)
        .timeout(opts.timeout)
        .pool_max_idle_per_host(0)
        .no_proxy()
        .redirect(redirect::Policy::custom(|attempt| {
            let first = &attempt.previous()[0];
            let next = attempt.url();
            let same = next.scheme() == first.scheme()
                && next.host_str() == first.host_str()
                && next.port_or_known_default() == first.port_or_known_default();
            if same && attempt.previous().len() < 5 {
                attempt.follow()
            } else {
                attempt.stop()
            }
        }));
    if host.parse::<IpAddr>().is_err() {
        builder = builder.resolve(&host, target);
    }
    if let Some(l) = local {
        builder = builder.local_address(l);
    }
    if let Some(path) = &opts.ca_file {
        let pem = std::fs::read(path).map_err(|e| NetError::CaFile {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| NetError::CaFile {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        builder = builder.tls_certs_merge(certs);
    }
    let client = builder.build().map_err(|e| NetError::Tls {
        host: host.clone(),
        detail: scrub(e.to_string()),
    })?;
    let mut req = client.get(parsed);
    if let Some((user, pass)) = auth {
        req = req.basic_auth(user, Some(pass.expose()));
    }
    let mut resp = req
        .send()
        .await
        .map_err(|e| classify(e, &host, target, local, &scrub))?;
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    let mut truncated = false;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_BODY - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(classify(e, &host, target, local, &scrub)),
        }
    }
    Ok(Response {
        status,
        body: scrub(String::from_utf8_lossy(&body).into_owned()),
        truncated,
    })
}

/// Finds the cause that tells the user what is wrong in reqwest's error chain.
fn classify(
    e: reqwest::Error,
    host: &str,
    target: SocketAddr,
    local: Option<IpAddr>,
    scrub: &dyn Fn(String) -> String,
) -> NetError {
    let e = e.without_url();
    if e.is_timeout() {
        return NetError::Timeout(host.to_string());
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = e.source();
    let mut innermost = e.to_string();
    while let Some(c) = cause {
        tracing::trace!(cause = %c, kind = ?c, "request error cause");
        if let Some(tls) = c.downcast_ref::<rustls::Error>() {
            return NetError::Tls {
                host: host.to_string(),
                detail: tls.to_string(),
            };
        }
        if let Some(outer) = c.downcast_ref::<io::Error>() {
            // Connectors wrap io::Errors in io::Errors; the telling one is innermost.
            let mut io = outer;
            loop {
                match io.kind() {
                    io::ErrorKind::ConnectionRefused => return NetError::Refused(target),
                    io::ErrorKind::AddrNotAvailable | io::ErrorKind::AddrInUse => {
                        if let Some(addr) = local {
                            return NetError::Bind {
                                addr,
                                detail: io.to_string(),
                            };
                        }
                    }
                    io::ErrorKind::TimedOut => return NetError::Timeout(host.to_string()),
                    _ => {}
                }
                let inner = io.get_ref();
                if let Some(tls) = inner.and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    return NetError::Tls {
                        host: host.to_string(),
                        detail: tls.to_string(),
                    };
                }
                match inner.and_then(|i| i.downcast_ref::<io::Error>()) {
                    Some(next) => io = next,
                    None => break,
                }
            }
        }
        innermost = c.to_string();
        cause = c.source();
    }
    if e.is_connect() {
        NetError::Connect {
            addr: target,
            detail: scrub(innermost),
        }
    } else {
        NetError::Reply {
            host: host.to_string(),
            detail: scrub(innermost),
        }
    }
}
