//! Why a message got no answer, whatever the wire: the failures a user can act on, told
//! apart. The runners ([`crate::http`]) produce them; the machine takes them as the update's
//! failure.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

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
    BrokenReply {
        /// The server name.
        host: String,
        /// What was wrong.
        detail: String,
    },
}

impl NetError {
    /// Its kind, for logs and the state file.
    pub fn kind(&self) -> NetKind {
        match self {
            NetError::Url(_) => NetKind::Url,
            NetError::Resolve { .. } => NetKind::Resolve,
            NetError::Bind { .. } => NetKind::Bind,
            NetError::Refused(_) => NetKind::Refused,
            NetError::Connect { .. } | NetError::Attempts(_) => NetKind::Connect,
            NetError::Tls { .. } => NetKind::Tls,
            NetError::CaFile { .. } => NetKind::CaFile,
            NetError::Timeout(_) => NetKind::Timeout,
            NetError::BrokenReply { .. } => NetKind::Reply,
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

/// The kind of a [`NetError`], by a short stable name (logs, hooks and the state file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetKind {
    /// The URL itself is unusable.
    Url,
    /// The server's name did not resolve.
    Resolve,
    /// The source address could not be bound.
    Bind,
    /// The connection was refused.
    Refused,
    /// No connection could be made.
    Connect,
    /// The TLS handshake failed.
    Tls,
    /// The configured CA file could not be used.
    CaFile,
    /// No complete reply in time.
    Timeout,
    /// The reply broke off or was not HTTP.
    Reply,
}

impl NetKind {
    const ALL: [NetKind; 9] = [
        NetKind::Url,
        NetKind::Resolve,
        NetKind::Bind,
        NetKind::Refused,
        NetKind::Connect,
        NetKind::Tls,
        NetKind::CaFile,
        NetKind::Timeout,
        NetKind::Reply,
    ];

    /// The short name.
    pub fn name(self) -> &'static str {
        match self {
            NetKind::Url => "url",
            NetKind::Resolve => "resolve",
            NetKind::Bind => "bind",
            NetKind::Refused => "refused",
            NetKind::Connect => "connect",
            NetKind::Tls => "tls",
            NetKind::CaFile => "ca_file",
            NetKind::Timeout => "timeout",
            NetKind::Reply => "reply",
        }
    }

    /// The kind a name stands for ([`NetKind::name`] backwards).
    pub fn from_name(name: &str) -> Option<NetKind> {
        NetKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for NetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
