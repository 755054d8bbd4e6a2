//! What an HTTP exchange ends in, as plain values: the reply, or why there was none.
//!
//! The HTTP edge ([`crate::http`]) produces these and the decision code consumes them; keeping
//! them here means the machine and the core never depend on the HTTP client.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The most of a reply body that is read; the rest is dropped. A dyndns2 reply is a few lines.
pub const MAX_BODY: usize = 64 * 1024;

/// A reply, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The body, lossily decoded as UTF-8, at most [`MAX_BODY`] bytes of it.
    pub body: String,
    /// Whether the body was longer than [`MAX_BODY`].
    pub truncated: bool,
    /// The `Retry-After` header, when it gives seconds (an HTTP 429's wait).
    pub retry_after: Option<Duration>,
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
    /// Every address of the server was tried (one per family with a usable source) and none
    /// could be reached.
    #[error("no address of the server could be reached: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Attempts(Vec<NetError>),
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
            NetError::Attempts(_) => "connect",
        }
    }

    /// Whether the setting itself is unusable (a broken URL or CA file): retrying cannot help
    /// until the user changes the config.
    pub fn is_config_problem(&self) -> bool {
        matches!(self, NetError::CaFile { .. } | NetError::Url(_))
    }

    /// Whether the connection was never made, so another address of the server may be tried
    /// without a chance of sending the update twice.
    pub fn before_connecting(&self) -> bool {
        matches!(
            self,
            NetError::Refused(_) | NetError::Connect { .. } | NetError::Bind { .. }
        )
    }
}
