//! Shared test helpers: a fake dyndns2 server that records requests and answers what the test
//! scripts, and a runner for the real `dynward` binary.
#![allow(dead_code)]
// The clock rule (crate::clock only) is the library's: tests time the real binary from outside.
#![allow(clippy::disallowed_methods)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Received {
    /// Request method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// Authorization header.
    pub auth: Option<String>,
    /// User-Agent header.
    pub user_agent: Option<String>,
    /// Content-Type header.
    pub content_type: Option<String>,
    /// Every header, as text, for tests that look for a secret anywhere.
    pub headers: String,
    /// The body.
    pub body: String,
    /// The client's address as the server saw it.
    pub peer: SocketAddr,
    /// When it arrived.
    pub at: std::time::Instant,
}

/// How the server answered one recorded request.
#[derive(Debug, Clone)]
pub struct Answered {
    /// Index into [`FakeServer::requests`].
    pub index: usize,
    /// HTTP status; 0 when the client closed the connection before the answer.
    pub status: u16,
    /// Body.
    pub body: String,
    /// When the handler finished (for a slow answer: after its delay).
    pub end: std::time::Instant,
}

impl Received {
    /// A query parameter's raw value.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }
}

/// What the server does with the next update request.
#[derive(Debug, Clone)]
pub enum Script {
    /// Answer with this status and body.
    Reply(u16, String),
    /// Never answer.
    Hang,
    /// Answer 302 to this location.
    Redirect(String),
    /// Answer with this status and body after a delay.
    Slow(Duration, u16, String),
    /// Answer HTTP 429 with `Retry-After` of these seconds, and this body.
    TooMany(u64, String),
}

/// Chooses the answer for a request when no script is queued.
pub type Responder = Box<dyn FnMut(&Received) -> Script + Send>;

#[derive(Default)]
struct Shared {
    requests: Vec<Received>,
    answers: Vec<Answered>,
    script: VecDeque<Script>,
    responder: Option<Responder>,
    checkip: String,
}

/// A dyndns2 server on 127.0.0.1. Without a script it answers `good <myip>` once per host.
/// `/checkip` answers the address set with [`FakeServer::set_checkip`].
pub struct FakeServer {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    /// The CA certificate file for HTTPS servers.
    pub ca_file: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

impl FakeServer {
    /// A plain HTTP server.
    pub fn http() -> Self {
        Self::start(None, "127.0.0.1:0")
    }

    /// A plain HTTP server on a given address (e.g. inside a network namespace).
    pub fn http_on(addr: &str) -> Self {
        Self::start(None, addr)
    }

    /// An HTTPS server with a fresh self-signed certificate for 127.0.0.1 and localhost.
    pub fn https() -> Self {
        Self::https_named(&["127.0.0.1", "localhost"])
    }

    /// An HTTPS server on 127.0.0.1 whose self-signed certificate names only `names`.
    pub fn https_named(names: &[&str]) -> Self {
        let provider = rustls::crypto::ring::default_provider();
        Self::https_with(
            names,
            &rcgen::PKCS_ECDSA_P256_SHA256,
            rustls::ALL_VERSIONS,
            provider,
        )
    }

    /// An HTTPS server with a certificate of this key type, offering only these TLS versions
    /// and this provider's suites (to test what the client negotiates).
    pub fn https_with(
        names: &[&str],
        alg: &'static rcgen::SignatureAlgorithm,
        versions: &[&'static rustls::SupportedProtocolVersion],
        provider: rustls::crypto::CryptoProvider,
    ) -> Self {
        let key_pair = rcgen::KeyPair::generate_for(alg).expect("key pair");
        let params =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("names");
        let cert = params.self_signed(&key_pair).expect("certificate");
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, cert.pem()).expect("write ca");
        let key =
            rustls::pki_types::PrivateKeyDer::try_from(key_pair.serialize_der()).expect("key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
            .with_protocol_versions(versions)
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone()], key)
            .expect("server config");
        let mut s = Self::start(
            Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))),
            "127.0.0.1:0",
        );
        s.ca_file = Some(ca);
        s._dir = Some(dir);
        s
    }

    fn start(tls: Option<tokio_rustls::TlsAcceptor>, bind: &str) -> Self {
        let shared = Arc::new(Mutex::new(Shared {
            checkip: "203.0.113.7".into(),
            ..Shared::default()
        }));
        let std_listener = std::net::TcpListener::bind(bind).expect("bind fake server");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("addr");
        let sh = shared.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).expect("listener");
                loop {
                    let Ok((stream, peer)) = listener.accept().await else {
                        continue;
                    };
                    let sh = sh.clone();
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        let svc = service_fn(move |req| handle(req, sh.clone(), peer));
                        match tls {
                            Some(acc) => {
                                if let Ok(s) = acc.accept(stream).await {
                                    let _ = http1::Builder::new()
                                        .serve_connection(TokioIo::new(s), svc)
                                        .await;
                                }
                            }
                            None => {
                                let _ = http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), svc)
                                    .await;
                            }
                        }
                    });
                }
            });
        });
        FakeServer {
            addr,
            shared,
            ca_file: None,
            _dir: None,
        }
    }

    /// The update URL (`/nic/update`) with the right scheme.
    pub fn url(&self) -> String {
        let scheme = if self.ca_file.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}/nic/update", self.addr)
    }

    /// The check-IP URL.
    pub fn checkip_url(&self) -> String {
        let scheme = if self.ca_file.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}/checkip", self.addr)
    }

    /// Queues answers for the next update requests.
    pub fn script(&self, items: impl IntoIterator<Item = Script>) {
        self.shared.lock().expect("lock").script.extend(items);
    }

    /// Queues one 200 answer with this body.
    pub fn reply(&self, body: &str) {
        self.script([Script::Reply(200, body.to_string())]);
    }

    /// What `/checkip` reports.
    pub fn set_checkip(&self, ip: &str) {
        self.shared.lock().expect("lock").checkip = ip.to_string();
    }

    /// Every update request so far.
    pub fn requests(&self) -> Vec<Received> {
        self.shared.lock().expect("lock").requests.clone()
    }

    /// Every answer given so far (in the order the handlers finished).
    pub fn answers(&self) -> Vec<Answered> {
        self.shared.lock().expect("lock").answers.clone()
    }

    /// Answers every request the script does not cover with what `f` chooses.
    pub fn respond_with(&self, f: impl FnMut(&Received) -> Script + Send + 'static) {
        self.shared.lock().expect("lock").responder = Some(Box::new(f));
    }
}

struct Unanswered {
    sh: Arc<Mutex<Shared>>,
    index: usize,
    armed: bool,
}

impl Drop for Unanswered {
    fn drop(&mut self) {
        if self.armed
            && let Ok(mut s) = self.sh.lock()
        {
            s.answers.push(Answered {
                index: self.index,
                status: 0,
                body: String::new(),
                end: std::time::Instant::now(),
            });
        }
    }
}

async fn handle(
    req: Request<Incoming>,
    sh: Arc<Mutex<Shared>>,
    peer: SocketAddr,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    if path == "/checkip" {
        let ip = sh.lock().expect("lock").checkip.clone();
        let body = format!(
            "<html><head><title>Current IP Check</title></head><body>Current IP Address: {ip}</body></html>\r\n"
        );
        return Ok(Response::new(Full::new(Bytes::from(body))));
    }
    let (auth, user_agent, content_type) = (
        header("authorization"),
        header("user-agent"),
        header("content-type"),
    );
    let headers = format!("{:?}", req.headers());
    let method = req.method().to_string();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|c| String::from_utf8_lossy(&c.to_bytes()).into_owned())
        .unwrap_or_default();
    let rec = Received {
        method,
        path,
        query,
        auth,
        user_agent,
        content_type,
        headers,
        body,
        peer,
        at: std::time::Instant::now(),
    };
    let (index, next) = {
        let mut s = sh.lock().expect("lock");
        s.requests.push(rec.clone());
        let index = s.requests.len() - 1;
        let next = s.script.pop_front();
        let next = match (next, s.responder.as_mut()) {
            (None, Some(f)) => Some(f(&rec)),
            (n, _) => n,
        };
        (index, next)
    };
    // The client may give up first (its timeout); hyper then drops this future, and the
    // guard records when, with status 0.
    let mut guard = Unanswered {
        sh: sh.clone(),
        index,
        armed: true,
    };
    let (status, body) = match next {
        Some(Script::Reply(s, b)) => (s, b),
        Some(Script::Slow(d, s, b)) => {
            tokio::time::sleep(d).await;
            (s, b)
        }
        Some(Script::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            (200, String::new())
        }
        Some(Script::TooMany(secs, body)) => {
            guard.armed = false;
            sh.lock().expect("lock").answers.push(Answered {
                index,
                status: 429,
                body: body.clone(),
                end: std::time::Instant::now(),
            });
            let mut r = Response::new(Full::new(Bytes::from(body)));
            *r.status_mut() = hyper::StatusCode::TOO_MANY_REQUESTS;
            r.headers_mut()
                .insert("retry-after", secs.to_string().parse().expect("header"));
            return Ok(r);
        }
        Some(Script::Redirect(loc)) => {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = hyper::StatusCode::FOUND;
            r.headers_mut()
                .insert("location", loc.parse().expect("location"));
            guard.armed = false;
            return Ok(r);
        }
        None => {
            let hosts = rec.param("hostname").unwrap_or_default();
            let ip = rec.param("myip").unwrap_or_default();
            let lines: Vec<String> = hosts.split(',').map(|_| format!("good {ip}")).collect();
            (200, lines.join("\n"))
        }
    };
    guard.armed = false;
    sh.lock().expect("lock").answers.push(Answered {
        index,
        status,
        body: body.clone(),
        end: std::time::Instant::now(),
    });
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = hyper::StatusCode::from_u16(status).expect("status");
    Ok(r)
}

/// A scratch directory with a config file and a state directory.
pub struct Setup {
    /// The directory.
    pub dir: tempfile::TempDir,
}

impl Setup {
    /// Writes `config` (with `{state}` replaced by the state directory).
    pub fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Setup { dir };
        s.write_config(config);
        s
    }

    /// A config of these `[[policy]]` sections, with its state in the setup's directory.
    pub fn with(policies: &str) -> Self {
        Setup::new(&format!("state_dir = \"{{state}}\"\n{policies}"))
    }

    /// Replaces the config file.
    pub fn write_config(&self, config: &str) {
        use std::os::unix::fs::PermissionsExt;
        let text = config.replace("{state}", &self.state_dir().display().to_string());
        std::fs::write(self.config(), text).expect("write config");
        // As an installed config holding a password is: no warning about its mode.
        std::fs::set_permissions(self.config(), std::fs::Permissions::from_mode(0o600))
            .expect("chmod config");
    }

    /// The config file.
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("dynward.toml")
    }

    /// The state directory.
    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// The state file's text (empty when absent).
    pub fn state(&self) -> String {
        std::fs::read_to_string(self.state_dir().join("state.json")).unwrap_or_default()
    }

    /// Runs dynward with this config and these arguments.
    /// A hook script in the test's directory that writes its environment, sorted, to
    /// `<name>.env` there (whole, or not at all): the script's path and the output's.
    pub fn env_hook(&self, name: &str) -> (PathBuf, PathBuf) {
        let out = self.dir.path().join(format!("{name}.env"));
        let script = self.dir.path().join(format!("{name}.sh"));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nenv | sort > {}.part\nmv {0}.part {0}\n",
                out.display()
            ),
        )
        .expect("write hook");
        sh(&["chmod", "755", &script.display().to_string()]);
        (script, out)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run_with(&self.config(), args, &[])
    }
}

/// A finished run of the binary.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// The run that `o` records.
    pub fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Both streams, for assertions and failure messages.
    pub fn all(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// The resolver file every dynward a test starts reads unless the test names another: it
/// names no resolver, so the check of an accepted update at the zone's servers never asks
/// the machine's own resolver about the tests' names (traffic stays on loopback and in the
/// tests' namespaces).
pub const NO_RESOLVER: &str = "/dev/null";

/// The binary under test: this build's, or `DYNWARD_TEST_BIN` (to show that a test fails
/// with an older build).
pub fn bin() -> &'static str {
    static BIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var("DYNWARD_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_dynward").into())
    })
}

/// Runs the binary with a config, arguments and extra environment variables.
pub fn run_with(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = Command::new(bin());
    c.arg("--config").arg(config).args(args);
    c.env_remove("DYNWARD_LOG")
        .env_remove("STATE_DIRECTORY")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("DYNWARD_RESOLV_CONF", NO_RESOLVER);
    for (k, v) in env {
        c.env(k, v);
    }
    Run::from(c.output().expect("run dynward"))
}

/// A policy with a web source pointing at the fake server's /checkip.
pub fn web_policy(
    server: &FakeServer,
    name: &str,
    hosts: &[&str],
    password: &str,
    extra: &str,
) -> String {
    let hosts: Vec<String> = hosts.iter().map(|h| format!("\"{h}\"")).collect();
    let ca = server
        .ca_file
        .as_ref()
        .map(|p| format!("ca_file = \"{}\"\n", p.display()))
        .unwrap_or_else(|| "allow_insecure_http = true\n".to_string());
    format!(
        "[[policy]]\nname = \"{name}\"\nserver = \"{}\"\nusername = \"alice\"\npassword = \"{password}\"\nhosts = [{}]\nweb = \"{}\"\nmin_interval = \"0s\"\ntimeout = \"2s\"\nconnect_timeout = \"2s\"\n{ca}{extra}\n",
        server.url(),
        hosts.join(", "),
        server.checkip_url(),
    )
}

/// Whether the tests run as root (network namespace tests need it).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// A network namespace with a veth pair to the test's namespace, removed on drop.
/// Host side `198.51.100.1/24`, namespace side `198.51.100.2/24`.
pub struct Netns {
    /// Namespace name.
    pub name: String,
    /// Held for the namespace's life: every namespace puts 198.51.100.1/24 on the host side,
    /// so two at once would steal each other's replies. A file lock also covers runners that
    /// start each test in its own process.
    _lock: std::fs::File,
    /// Interface name inside the namespace.
    pub inner: String,
    /// Interface name on the host side.
    pub outer: String,
}

/// Runs a command, panicking with its output when it fails.
pub fn sh(args: &[&str]) -> String {
    let o = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("spawn");
    assert!(
        o.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

impl Netns {
    /// Creates the namespace and the veth pair; `tag` keeps parallel tests apart.
    pub fn new(tag: &str) -> Self {
        let id = format!("{}{}", std::process::id() % 100_000, tag);
        let lock = std::fs::File::create("/tmp/dynward-netns-tests.lock").expect("lock file");
        lock.lock().expect("lock");
        let n = Netns {
            _lock: lock,
            name: format!("dwt-{id}"),
            inner: format!("dwn{id}"),
            outer: format!("dwh{id}"),
        };
        assert!(
            n.inner.len() <= 15 && n.outer.len() <= 15,
            "interface names too long"
        );
        let _ = Command::new("ip").args(["netns", "del", &n.name]).output();
        sh(&["ip", "netns", "add", &n.name]);
        sh(&[
            "ip", "link", "add", &n.outer, "type", "veth", "peer", "name", &n.inner,
        ]);
        sh(&["ip", "link", "set", &n.inner, "netns", &n.name]);
        sh(&["ip", "addr", "add", "198.51.100.1/24", "dev", &n.outer]);
        sh(&["ip", "link", "set", &n.outer, "up"]);
        n.exec(&["ip", "link", "set", "lo", "up"]);
        n.exec(&["ip", "addr", "add", "198.51.100.2/24", "dev", &n.inner]);
        n.exec(&["ip", "link", "set", &n.inner, "up"]);
        n
    }

    /// Runs a command inside the namespace.
    pub fn exec(&self, args: &[&str]) -> String {
        let mut v = vec!["ip", "netns", "exec", &self.name];
        v.extend_from_slice(args);
        sh(&v)
    }

    /// Runs dynward inside the namespace.
    pub fn dynward(&self, config: &Path, args: &[&str]) -> Run {
        self.dynward_env(config, args, &[])
    }

    /// Runs dynward inside the namespace with extra environment variables.
    pub fn dynward_env(&self, config: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, bin(), "--config"])
            .arg(config)
            .args(args);
        c.env_remove("DYNWARD_LOG")
            .env_remove("STATE_DIRECTORY")
            .env_remove("CREDENTIALS_DIRECTORY")
            .env("DYNWARD_RESOLV_CONF", NO_RESOLVER)
            .envs(env.iter().copied());
        Run::from(c.output().expect("run dynward in netns"))
    }

    /// Runs a space-separated command line inside the namespace.
    pub fn run(&self, cmd: &str) -> String {
        let args: Vec<&str> = cmd.split(' ').collect();
        self.exec(&args)
    }

    /// Routes replies to 203.0.113.0/24 (the published test addresses) back into the
    /// namespace, so requests may leave from those addresses.
    pub fn route_back(&self) {
        route_back_via(&self.outer);
    }

    /// A second veth pair inside the namespace, `vw0`/`vw1`, up: a "WAN" interface whose
    /// addresses a test can change without cutting the path to the server.
    pub fn add_wan(&self) {
        self.run("ip link add vw0 type veth peer name vw1");
        self.run("ip link set vw0 up");
        self.run("ip link set vw1 up");
    }

    /// Runs `ip -batch` lines inside the namespace in one process; returns how long it took.
    pub fn batch(&self, lines: &str) -> Duration {
        let file = std::env::temp_dir().join(format!("{}.batch", self.name));
        std::fs::write(&file, lines).expect("batch file");
        let t0 = std::time::Instant::now();
        sh(&[
            "ip",
            "-n",
            &self.name,
            "-batch",
            &file.display().to_string(),
        ]);
        let took = t0.elapsed();
        let _ = std::fs::remove_file(&file);
        took
    }

    /// A hosts file for this namespace only (ip netns exec mounts /etc/netns/NAME/*).
    pub fn set_hosts(&self, text: &str) {
        let dir = PathBuf::from("/etc/netns").join(&self.name);
        std::fs::create_dir_all(&dir).expect("mkdir /etc/netns/NAME");
        std::fs::write(dir.join("hosts"), text).expect("write hosts");
    }

    /// A resolv.conf for this namespace only (ip netns exec mounts /etc/netns/NAME/*).
    pub fn set_resolv_conf(&self, text: &str) {
        let dir = PathBuf::from("/etc/netns").join(&self.name);
        std::fs::create_dir_all(&dir).expect("mkdir /etc/netns/NAME");
        std::fs::write(dir.join("resolv.conf"), text).expect("write resolv.conf");
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Deleting the namespace destroys the veth pair (and routes through it).
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
        let _ = Command::new("ip")
            .args(["link", "del", &self.outer])
            .output();
        let _ = std::fs::remove_dir_all(PathBuf::from("/etc/netns").join(&self.name));
    }
}

/// Routes 203.0.113.0/24 to 198.51.100.2 over `dev` (the host side of a veth), so replies
/// reach requests sent from the published test addresses.
pub fn route_back_via(dev: &str) {
    sh(&[
        "ip",
        "route",
        "add",
        "203.0.113.0/24",
        "via",
        "198.51.100.2",
        "dev",
        dev,
    ]);
}

/// The root-only tests are `#[ignore]`d with their reason, so that `cargo test` lists them as
/// ignored; `scripts/test` includes them when it runs as root with what they need. This
/// fails such a test, saying why, when it is asked to run without root or without `ip`: a
/// test that cannot run must never look as if it passed.
pub fn require_root(test: &str) {
    assert!(
        is_root(),
        "{test} needs root to create network namespaces; run it through scripts/test as root"
    );
    assert!(
        Command::new("ip").arg("-V").output().is_ok(),
        "{test} needs the ip command (iproute2); .ci/run installs it"
    );
}

/// A running `dynward run`, stopped with SIGTERM (by its PID) when dropped.
pub struct DaemonProc {
    /// The child.
    pub child: std::process::Child,
    /// Where its stderr goes.
    pub log: PathBuf,
}

impl DaemonProc {
    /// Starts `dynward --config CONFIG run`, inside `netns` when given.
    pub fn start(config: &Path, netns: Option<&str>) -> Self {
        Self::start_env(config, netns, &[])
    }

    /// Like [`DaemonProc::start`], with extra environment variables.
    pub fn start_env(config: &Path, netns: Option<&str>, env: &[(&str, &str)]) -> Self {
        Self::start_bin(bin(), config, netns, env)
    }

    /// Like [`DaemonProc::start_env`], with another binary (a cross-built one under qemu).
    pub fn start_bin(bin: &str, config: &Path, netns: Option<&str>, env: &[(&str, &str)]) -> Self {
        let log = config.with_extension(format!(
            "log.{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let f = std::fs::File::create(&log).expect("log file");
        let mut c = match netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, bin]);
                c
            }
            None => Command::new(bin),
        };
        c.arg("--config").arg(config).arg("-v").arg("run");
        c.env_remove("STATE_DIRECTORY")
            .env_remove("CREDENTIALS_DIRECTORY")
            .env("DYNWARD_LOG", "debug")
            .env("DYNWARD_RESOLV_CONF", NO_RESOLVER)
            .envs(env.iter().copied());
        c.stderr(f).stdout(std::process::Stdio::null());
        let child = c.spawn().expect("start daemon");
        DaemonProc { child, log }
    }

    /// The log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits up to `secs` for `text` in the log; fails the test with the log if it never
    /// comes.
    pub fn expect_log(&self, secs: u64, text: &str) {
        assert!(
            wait_for(secs, || self.log().contains(text)),
            "{text:?} never logged:\n{}",
            self.log()
        );
    }

    /// Sends a signal by PID.
    pub fn signal(&self, sig: &str) {
        sh(&["kill", &format!("-{sig}"), &self.child.id().to_string()]);
    }

    /// SIGTERM, then waits; returns how long the exit took and the exit code.
    pub fn stop(&mut self) -> (Duration, Option<i32>) {
        let t0 = std::time::Instant::now();
        self.signal("TERM");
        for _ in 0..200 {
            if let Ok(Some(st)) = self.child.try_wait() {
                return (t0.elapsed(), st.code());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        (t0.elapsed(), None)
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for DaemonProc {
    fn drop(&mut self) {
        if self.running() {
            self.stop();
        }
    }
}

/// A port on `ip` where nothing listens, held for as long as the value lives. A port freed
/// after binding it can be handed to the next server a test starts, which then answers the
/// requests meant to be refused; this one is the local end of a live connection, so no
/// listener gets it and a connection to it is refused.
pub struct RefusingPort {
    /// The port number.
    pub port: u16,
    _ends: (std::net::TcpStream, std::net::TcpStream),
}

impl RefusingPort {
    /// Reserves a refusing port on `ip` (an address the test process can bind).
    pub fn on(ip: &str) -> Self {
        let l = std::net::TcpListener::bind(format!("{ip}:0")).expect("bind");
        let client = std::net::TcpStream::connect(l.local_addr().expect("addr")).expect("connect");
        let (server, _) = l.accept().expect("accept");
        let port = client.local_addr().expect("addr").port();
        Self {
            port,
            _ends: (client, server),
        }
    }
}

/// Polls `cond` every 20 ms for up to `secs` seconds.
pub fn wait_for(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + Duration::from_secs(secs);
    while std::time::Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// Runs `f` on a current-thread runtime (the runners' tests call library futures directly).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// BIND (`named`) on 127.0.0.1:53 inside a namespace, in a scratch directory: the test's
/// keys and zones (`{dir}` stands for the directory) and one zone file, `zone`, for `origin`.
/// Started, and up (it answers the SOA of `origin`), or the test fails with its log; stopped
/// by its PID on drop.
pub struct Named<'a> {
    /// The namespace it runs in.
    pub ns: &'a Netns,
    /// The address it listens on (port 53).
    pub listen: String,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

impl<'a> Named<'a> {
    /// Starts `named` on 127.0.0.1 with `keys_and_zones` after the common options, its zone
    /// file served by `ns.{origin}` alone.
    pub fn start(ns: &'a Netns, keys_and_zones: &str, origin: &str) -> Named<'a> {
        let zone = format!(
            "$TTL 60\n@ IN SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 60\n@ IN NS ns.{origin}.\nns IN A 127.0.0.1\n"
        );
        Self::start_on(ns, "127.0.0.1", keys_and_zones, origin, &zone)
    }

    /// Starts `named` on `listen` (a loopback address of the namespace) with
    /// `keys_and_zones` after the common options and `zone` as its file `zone`.
    pub fn start_on(
        ns: &'a Netns,
        listen: &str,
        keys_and_zones: &str,
        origin: &str,
        zone: &str,
    ) -> Named<'a> {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().display().to_string();
        let options = format!(
            "options {{\n    directory \"{d}\";\n    pid-file \"{d}/named.pid\";\n    session-keyfile \"{d}/session.key\";\n    managed-keys-directory \"{d}\";\n    listen-on port 53 {{ {listen}; }};\n    listen-on-v6 {{ none; }};\n    recursion no;\n    dnssec-validation no;\n    notify no;\n}};\ncontrols {{ }};\n"
        );
        std::fs::write(
            dir.path().join("named.conf"),
            options + &keys_and_zones.replace("{dir}", &d),
        )
        .expect("named.conf");
        std::fs::write(dir.path().join("zone"), zone).expect("zone");
        let log = std::fs::File::create(dir.path().join("named.log")).expect("log");
        let child = Command::new("ip")
            .args(["netns", "exec", &ns.name, "named", "-g", "-c"])
            .arg(dir.path().join("named.conf"))
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start named");
        let n = Named {
            ns,
            listen: listen.to_string(),
            dir,
            child,
        };
        // "running" once every zone is loaded: before, a query may get SERVFAIL.
        assert!(
            wait_for(10, || n.log().contains("running")
                && !n.dig("SOA", origin).is_empty()),
            "named did not come up:\n{}",
            n.log()
        );
        n
    }

    /// What it answers for `name` (a real DNS query).
    pub fn dig(&self, rtype: &str, name: &str) -> String {
        let o = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.ns.name,
                "dig",
                "+short",
                "+time=1",
                "+tries=1",
                &format!("@{}", self.listen),
                name,
                rtype,
            ])
            .output()
            .expect("dig");
        // dig +short writes its failures (";; connection refused") to stdout too.
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| !l.starts_with(";;"))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }

    /// Its log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("named.log")).unwrap_or_default()
    }
}

impl Drop for Named<'_> {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
