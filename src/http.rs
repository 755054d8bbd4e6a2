//! The HTTP runner, and the only module that knows reqwest: it moves an exchange across the
//! wire one request at a time ([`step`]), with the failures a user can act on told apart.
//!
//! The server name is resolved here, before connecting, so that "cannot get the server's
//! address" is its own error (Comware's `resolving` state) and the resolved address is then
//! pinned for the request. The socket can be bound to a source address, so a multi-WAN router
//! publishes (and asks check-IP services through) the WAN it means. Pooling is off: a pooled
//! connection would keep an old source address after the WAN address changed.

use std::error::Error as _;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use reqwest::{Url, redirect};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::config::Policy;
use crate::protocol::http::{Auth, HttpReply, HttpRequest, Method};
use crate::protocol::{HttpExchange, Step};
use crate::secret::redact;

pub use crate::protocol::NetError;
pub use crate::protocol::http::MAX_BODY;

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

impl Options {
    /// The options a policy's settings give, binding to `bind` (one address per family).
    pub fn for_policy(policy: &Policy, bind: Vec<IpAddr>) -> Options {
        Options {
            user_agent: policy.user_agent.clone(),
            connect_timeout: policy.connect_timeout,
            timeout: policy.timeout,
            ca_file: policy.ca_file.clone(),
            bind,
        }
    }
}

/// ring's crypto for rustls, offering the AES-GCM suites and the X25519 and P-256 groups
/// only: what every update server accepts (TLS 1.3 requires AES-128-GCM). Built field by
/// field because ring's `default_provider` names ChaCha20-Poly1305, whose code (45 kB) would
/// otherwise be in the binary and resident at every start. Certificates are verified with
/// every algorithm webpki has, as with the default provider.
fn provider() -> CryptoProvider {
    use SignatureScheme as S;
    use rustls::crypto::ring::{cipher_suite as cs, kx_group};
    use webpki::ring as alg;
    static SIG_ALGS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
        all: &[
            alg::ECDSA_P256_SHA256,
            alg::ECDSA_P256_SHA384,
            alg::ECDSA_P384_SHA256,
            alg::ECDSA_P384_SHA384,
            alg::ED25519,
            alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
            alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
            alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
            alg::RSA_PKCS1_2048_8192_SHA256,
            alg::RSA_PKCS1_2048_8192_SHA384,
            alg::RSA_PKCS1_2048_8192_SHA512,
            alg::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
            alg::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
            alg::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
        ],
        mapping: &[
            // TLS 1.2 does not fix the curve by the scheme; TLS 1.3 does.
            (
                S::ECDSA_NISTP384_SHA384,
                &[alg::ECDSA_P384_SHA384, alg::ECDSA_P256_SHA384],
            ),
            (
                S::ECDSA_NISTP256_SHA256,
                &[alg::ECDSA_P256_SHA256, alg::ECDSA_P384_SHA256],
            ),
            (S::ED25519, &[alg::ED25519]),
            (
                S::RSA_PSS_SHA512,
                &[alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
            ),
            (
                S::RSA_PSS_SHA384,
                &[alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
            ),
            (
                S::RSA_PSS_SHA256,
                &[alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
            ),
            (S::RSA_PKCS1_SHA512, &[alg::RSA_PKCS1_2048_8192_SHA512]),
            (S::RSA_PKCS1_SHA384, &[alg::RSA_PKCS1_2048_8192_SHA384]),
            (S::RSA_PKCS1_SHA256, &[alg::RSA_PKCS1_2048_8192_SHA256]),
        ],
    };
    CryptoProvider {
        cipher_suites: vec![
            cs::TLS13_AES_128_GCM_SHA256,
            cs::TLS13_AES_256_GCM_SHA384,
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ],
        kx_groups: vec![kx_group::X25519, kx_group::SECP256R1],
        signature_verification_algorithms: SIG_ALGS,
        secure_random: &SystemRng,
        key_provider: &NoClientKeys,
    }
}

/// The operating system's random numbers, through ring.
#[derive(Debug)]
struct SystemRng;

impl rustls::crypto::SecureRandom for SystemRng {
    fn fill(&self, buf: &mut [u8]) -> Result<(), rustls::crypto::GetRandomFailed> {
        use ring::rand::SecureRandom;
        ring::rand::SystemRandom::new()
            .fill(buf)
            .map_err(|_| rustls::crypto::GetRandomFailed)
    }
}

/// dynward never presents a client certificate, so it loads no private key.
#[derive(Debug)]
struct NoClientKeys;

impl rustls::crypto::KeyProvider for NoClientKeys {
    fn load_private_key(
        &self,
        _key: rustls::pki_types::PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn rustls::sign::SigningKey>, rustls::Error> {
        Err(rustls::Error::General(
            "dynward uses no client certificate".into(),
        ))
    }
}

fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another provider is installed already; either way one is in place.
        let _ = provider().install_default();
    });
}

/// Used when the system has no CA certificates and no `ca_file` is set: plain-HTTP requests
/// still work (reqwest's own set-up would refuse to build a client at all), and HTTPS fails
/// with a message that says what to install.
#[derive(Debug)]
struct NoTrustedRoots(Arc<CryptoProvider>);

impl ServerCertVerifier for NoTrustedRoots {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Err(rustls::Error::General(
            "no trusted CA certificates on this system: install ca-certificates, or set ca_file"
                .into(),
        ))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// TLS settings for a client that only speaks plain HTTP (redirects to another scheme are not
/// followed): no CA store is read for it.
fn plain_http_config() -> Result<rustls::ClientConfig, NetError> {
    let provider = Arc::new(provider());
    client_config(provider.clone(), Arc::new(NoTrustedRoots(provider)))
}

/// A client configuration with this verifier, TLS 1.2 and 1.3, HTTP/1.1 only.
fn client_config(
    provider: Arc<CryptoProvider>,
    verifier: Arc<dyn ServerCertVerifier>,
) -> Result<rustls::ClientConfig, NetError> {
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| NetError::Tls {
            host: String::new(),
            detail: e.to_string(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

type TlsKey = (Option<PathBuf>, Option<std::time::SystemTime>);

/// The TLS settings for a `ca_file` (or none): the system's roots plus the file's, built once
/// and reused, so a request does not re-read the whole CA store. A changed file is re-read.
fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, NetError> {
    static CACHE: Mutex<Vec<(TlsKey, rustls::ClientConfig)>> = Mutex::new(Vec::new());
    let ca_err = |path: &Path, detail: String| NetError::CaFile {
        path: path.to_path_buf(),
        detail,
    };
    let mtime = match ca_file {
        Some(p) => Some(
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .map_err(|e| ca_err(p, e.to_string()))?,
        ),
        None => None,
    };
    let key = (ca_file.map(Path::to_path_buf), mtime);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, cfg)) = cache.iter().find(|(k, _)| *k == key) {
        return Ok(cfg.clone());
    }
    let mut extra = Vec::new();
    if let Some(p) = ca_file {
        let pem = std::fs::read(p).map_err(|e| ca_err(p, e.to_string()))?;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            extra.push(cert.map_err(|e| ca_err(p, format!("not PEM certificates: {e:?}")))?);
        }
        if extra.is_empty() {
            return Err(ca_err(p, "holds no PEM certificate".into()));
        }
    }
    let provider = Arc::new(provider());
    let verifier: Arc<dyn ServerCertVerifier> =
        match rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone()) {
            Ok(v) => Arc::new(v),
            Err(_) => {
                tracing::warn!(
                    "no CA certificates found on this system: HTTPS requests will fail until ca-certificates is installed or ca_file is set"
                );
                Arc::new(NoTrustedRoots(provider.clone()))
            }
        };
    let cfg = client_config(provider, verifier)?;
    // Keep the latest per path: an edited ca_file replaces its old entry.
    cache.retain(|(k, _)| k.0 != key.0);
    cache.push((key, cfg.clone()));
    Ok(cfg)
}

/// Resolves the host of `url` to the address to connect to, preferring a family we can bind.
pub async fn resolve(url: &Url, bind: &[IpAddr]) -> Result<SocketAddr, NetError> {
    let all = resolve_all(url, bind).await?;
    all.first().copied().ok_or_else(|| NetError::Resolve {
        host: url.host_str().unwrap_or_default().to_string(),
        detail: "no addresses".into(),
    })
}

/// The addresses of the host of `url` to try, one per family: those of the families `bind`
/// has a source for, in its order (the families being published); without any of those, or
/// without a source at all (a web source), the resolver's.
pub async fn resolve_all(url: &Url, bind: &[IpAddr]) -> Result<Vec<SocketAddr>, NetError> {
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
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| NetError::Resolve {
            host: host.clone(),
            detail: e.to_string(),
        })?
        .collect();
    let targets = pick_targets(&addrs, bind);
    if targets.is_empty() {
        return Err(NetError::Resolve {
            host,
            detail: "no addresses".into(),
        });
    }
    Ok(targets)
}

/// One address per family, those with a source in `bind` first and, when there are any,
/// only those (pure).
fn pick_targets(addrs: &[SocketAddr], bind: &[IpAddr]) -> Vec<SocketAddr> {
    // The first address of each family in `families`' order, each family once.
    let one_each = |families: &mut dyn Iterator<Item = bool>| {
        let mut out: Vec<SocketAddr> = Vec::new();
        for v6 in families {
            if let Some(a) = addrs.iter().find(|a| a.is_ipv6() == v6)
                && !out.contains(a)
            {
                out.push(*a);
            }
        }
        out
    };
    let bound = one_each(&mut bind.iter().map(IpAddr::is_ipv6));
    if bound.is_empty() {
        one_each(&mut addrs.iter().map(SocketAddr::is_ipv6))
    } else {
        bound
    }
}

/// Sends one request and reads the reply, connecting to `target` when the server's address
/// was resolved already (else resolving it here).
///
/// Redirects are followed only to the same scheme, host and port: credentials never go to
/// another server. Error texts and the reply are scrubbed of the request's secret (a URL that
/// carries it may be echoed back) and never carry the URL.
pub async fn fetch(
    req: &HttpRequest,
    opts: &Options,
    target: Option<SocketAddr>,
) -> Result<HttpReply, NetError> {
    install_crypto();
    let secrets: Vec<_> = req.secret.iter().collect();
    let scrub = |s: String| redact(&s, &secrets);
    let parsed = Url::parse(&req.url).map_err(|e| NetError::Url(e.to_string()))?;
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
    let client = client(&parsed, opts, target, local).map_err(|e| match e {
        Build::Net(e) => e,
        Build::Client(e) => NetError::Tls {
            host: host.clone(),
            detail: scrub(error_chain(&e)),
        },
    })?;
    let method = match req.method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    };
    let mut out = client.request(method, parsed);
    match &req.auth {
        Auth::None => {}
        Auth::Basic { user, password } => out = out.basic_auth(user, Some(password.expose())),
        Auth::Bearer(token) => out = out.bearer_auth(token.expose()),
        Auth::Header { name, value } => out = out.header(*name, value.expose()),
    }
    if let Some((kind, body)) = &req.body {
        out = out
            .header(reqwest::header::CONTENT_TYPE, *kind)
            .body(body.clone());
    }
    let resp = out
        .send()
        .await
        .map_err(|e| classify(e, &host, target, local, &scrub))?;
    read_reply(resp)
        .await
        .map(|r| HttpReply {
            body: scrub(r.body),
            ..r
        })
        .map_err(|e| classify(e, &host, target, local, &scrub))
}

/// Why no client could be built.
enum Build {
    /// The TLS settings (a CA file) are unusable.
    Net(NetError),
    /// The HTTP client refused its settings.
    Client(reqwest::Error),
}

/// A client for one request to `url` at `target`, from `local`: no pooling (a pooled
/// connection would keep an old source address), no proxy, redirects only to the same
/// scheme, host and port, the CA store only for HTTPS.
fn client(
    url: &Url,
    opts: &Options,
    target: SocketAddr,
    local: Option<IpAddr>,
) -> Result<reqwest::Client, Build> {
    let host = url.host_str().unwrap_or_default();
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
        builder = builder.resolve(host, target);
    }
    if let Some(l) = local {
        builder = builder.local_address(l);
    }
    // Plain HTTP never verifies a certificate: the CA store is loaded only when HTTPS is used.
    let tls = if url.scheme() == "https" {
        tls_config(opts.ca_file.as_deref())
    } else {
        plain_http_config()
    };
    builder
        .tls_backend_preconfigured(tls.map_err(Build::Net)?)
        .build()
        .map_err(Build::Client)
}

/// The reply: its status, the `Retry-After` seconds, and at most [`MAX_BODY`] bytes of
/// its body (the rest is dropped and said to be).
async fn read_reply(mut resp: reqwest::Response) -> Result<HttpReply, reqwest::Error> {
    let status = resp.status().as_u16();
    // Seconds only: no provider sends an HTTP date. The APIs' own reset header (Hetzner,
    // DigitalOcean) gives the Unix time the limit ends, or seconds; it stands in for a
    // missing Retry-After.
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    let retry_after = header("retry-after")
        .or_else(|| header("ratelimit-reset").map(until_reset))
        .map(Duration::from_secs);
    let mut body = Vec::new();
    let mut truncated = false;
    while let Some(chunk) = resp.chunk().await? {
        let room = MAX_BODY - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(HttpReply {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
        truncated,
        retry_after,
    })
}

/// Seconds until a rate limit's reset: a large value is a Unix time (the wall clock says how
/// far), a small one already seconds.
fn until_reset(v: u64) -> u64 {
    const EPOCH_LIKE: u64 = 1_000_000_000;
    if v < EPOCH_LIKE {
        return v;
    }
    v.saturating_sub(crate::clock::unix_now()).max(1)
}

/// Resolves the update server at `url`: the addresses to try, one per family that can be
/// bound (see [`resolve_all`]).
pub async fn resolve_server(
    url: Option<Url>,
    bind: &[IpAddr],
) -> Result<Vec<SocketAddr>, NetError> {
    match url {
        Some(u) => resolve_all(&u, bind).await,
        None => Err(NetError::Url("the update URL has no host".into())),
    }
}

/// Moves `exchange` one step across HTTP: sends what it asks for until a reply gives
/// answers (or it ends), from `opts.bind` to the server's addresses resolved before. Boxed:
/// both drivers await it, and one copy of its code serves them.
pub fn step<'a>(
    exchange: &'a mut HttpExchange,
    opts: &'a Options,
    targets: &'a [SocketAddr],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Step> + Send + 'a>> {
    Box::pin(step_unboxed(exchange, opts, targets))
}

async fn step_unboxed(exchange: &mut HttpExchange, opts: &Options, targets: &[SocketAddr]) -> Step {
    crate::runner::drive(&mut **exchange, move |req| async move {
        send(&req, opts, targets).await
    })
    .await
}

/// Sends one request to the server addresses resolved before (`targets`), one after the
/// other while a connection cannot be made; every attempt is named when none succeeds. A
/// failure after connecting is never retried here: the update may have arrived.
pub async fn send(
    req: &HttpRequest,
    opts: &Options,
    targets: &[SocketAddr],
) -> Result<HttpReply, NetError> {
    if targets.is_empty() {
        return fetch(req, opts, None).await;
    }
    // All attempts share the policy's timeout: a second family is a fallback, not more time.
    let deadline = tokio::time::sleep(opts.timeout);
    tokio::pin!(deadline);
    let mut failed = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let attempt = tokio::select! {
            r = fetch(req, opts, Some(*t)) => r,
            () = &mut deadline => Err(NetError::Timeout(endpoint_host(&req.url))),
        };
        match attempt {
            Ok(r) => return Ok(r),
            Err(e) if e.before_connecting() && i + 1 < targets.len() => failed.push(e),
            Err(e) if failed.is_empty() => return Err(e),
            Err(e) => {
                failed.push(e);
                return Err(NetError::Attempts(failed));
            }
        }
    }
    Err(NetError::Attempts(failed))
}

/// The host part of `url`, for messages.
fn endpoint_host(url: &str) -> String {
    Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default()
}

/// An error with its causes, for errors that are not classified further.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
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
    // A connection that could not be made within the time is not a server that fell silent
    // mid-request: nothing was sent, so another address of the server may be tried.
    let connecting = e.is_connect();
    let connect_timeout = || NetError::Connect {
        addr: target,
        detail: "timed out while connecting".into(),
    };
    if e.is_timeout() {
        return if connecting {
            connect_timeout()
        } else {
            NetError::Timeout(host.to_string())
        };
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
                    io::ErrorKind::TimedOut if connecting => return connect_timeout(),
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
        NetError::BrokenReply {
            host: host.to_string(),
            detail: scrub(innermost),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().expect("socket address")
    }

    /// One address per family; the families being published (bound) first and only; without
    /// a bound family the server has, or without binding, every family.
    #[test]
    fn targets_fit_the_sources() {
        let both = [
            sa("[2001:db8::1]:443"),
            sa("[2001:db8::2]:443"),
            sa("192.0.2.1:443"),
        ];
        let v4: IpAddr = "203.0.113.5".parse().expect("ip");
        let v6: IpAddr = "2001:db8:5::5".parse().expect("ip");
        assert_eq!(pick_targets(&both, &[v4]), [sa("192.0.2.1:443")]);
        assert_eq!(
            pick_targets(&both, &[v4, v6]),
            [sa("192.0.2.1:443"), sa("[2001:db8::1]:443")]
        );
        assert_eq!(
            pick_targets(&both, &[]),
            [sa("[2001:db8::1]:443"), sa("192.0.2.1:443")]
        );
        let v6_only = [sa("[2001:db8::1]:443")];
        assert_eq!(pick_targets(&v6_only, &[v4]), [sa("[2001:db8::1]:443")]);
    }
}
