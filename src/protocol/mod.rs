//! Update protocols, and the seam between them and the machine (pure: messages in, values
//! out; no socket, no clock, no config file).
//!
//! The machine ([`crate::policy`]) asks for an [`Update`] (which hosts, which addresses,
//! what is expected back) and takes per-host [`Answers`] in dynward's own vocabulary
//! ([`code`]), or a network failure. How the update travels is the protocol's business: an
//! [`Exchange`] says which message to send next, takes each reply, and yields the answers it
//! learnt; a runner per wire ([`crate::http`]) moves it across, the same one for `once` and
//! `run`.
//!
//! - [`code`]: the answer codes, with the one table of their names, words and decisions;
//! - [`dyndns2`]: the dyndns2 exchange and its provider dialects;
//! - [`dns`]: DNS messages (RFC 2136 UPDATE with TSIG, queries) as data;
//! - [`http`]: HTTP messages as data; [`transport`]: why a message got no answer.

pub mod api;
pub mod code;
pub mod dns;
pub mod dyndns2;
pub mod html;
pub mod http;
pub mod transport;

pub use transport::{NetError, NetKind};

use crate::addr::AddrSet;
use code::Code;

/// Whom updates go to, as verdicts and the daemon's server queue know it: for HTTP
/// `scheme://host:port` (what state files record). A verdict on the client binds every policy
/// that talks to the same one.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct ServerId(String);

impl ServerId {
    /// The server of an HTTP URL: its scheme, host and port.
    pub fn of_url(u: &url::Url) -> ServerId {
        ServerId(format!(
            "{}://{}:{}",
            u.scheme(),
            u.host_str().unwrap_or_default(),
            u.port_or_known_default().unwrap_or_default()
        ))
    }

    /// The identity as written (in the state file, `status` and the log).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ServerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ServerId {
    fn from(s: &str) -> ServerId {
        ServerId(s.to_string())
    }
}

/// One host of an update: the addresses it should have, and whether a `nochg` answer is
/// expected (forced, the periodic refresh, or the host's first update).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The host.
    pub host: String,
    /// The addresses to publish for it.
    pub addrs: AddrSet,
    /// Whether the provider may rightly answer that it has them already.
    pub nochg_expected: bool,
}

/// What the machine asks a protocol for: the due hosts of one round, in config order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Update {
    /// The hosts and what each should have.
    pub targets: Vec<Target>,
    /// The zone ids (zone name → id) an API gave before, kept in the state file.
    pub zones: std::collections::BTreeMap<String, String>,
}

impl Update {
    /// The hosts, in order.
    pub fn hosts(&self) -> impl Iterator<Item = &str> {
        self.targets.iter().map(|t| t.host.as_str())
    }
}

/// One host's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The host.
    pub host: String,
    /// What the provider said about it.
    pub code: Code,
    /// The addresses the answer is about: those its message published.
    pub sent: AddrSet,
    /// Of those, the ones the provider confirmed it has: all of them unless its answer named
    /// others (an answer naming none confirms what was sent).
    pub confirmed: AddrSet,
}

/// What an exchange learnt from one reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    /// Per host of the message, in its order.
    pub answers: Vec<Answer>,
    /// Oddities of the reply worth a log line.
    pub notes: Vec<String>,
    /// Zone ids an API gave (zone name, id), or called stale (no id): the state file keeps
    /// them, so that the next update needs no lookup.
    pub learnt: Vec<(String, Option<String>)>,
    /// Hosts whose record the DNS cannot show (proxied at Cloudflare: the DNS serves the
    /// proxy's addresses): the API's content, read by the exchange, is what counts.
    pub hidden: Vec<String>,
}

/// What the message in flight was about, for a failure to tell which hosts got no answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    /// Its hosts.
    pub hosts: Vec<String>,
    /// The addresses it publishes.
    pub sent: AddrSet,
}

/// What an exchange needs next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next<M> {
    /// Send this message and [`Exchange::take`] its reply.
    Send(M),
    /// These answers are known; `last` when nothing more will be sent.
    Answers {
        /// The answers.
        answers: Answers,
        /// Whether the exchange is over.
        last: bool,
    },
    /// Nothing more to send or say.
    Done,
}

/// A protocol's exchange for one update, as a sans-IO state machine: it says what to send,
/// takes each reply, and yields per-host answers. It never sees a socket or a clock.
pub trait Exchange: Send {
    /// What it sends (an HTTP request, a DNS message).
    type Message;
    /// What comes back.
    type Reply;

    /// The next step.
    fn next(&mut self) -> Next<Self::Message>;

    /// The reply to the message [`Exchange::next`] gave last.
    fn take(&mut self, reply: Self::Reply);

    /// Narrows the rest of the exchange to these hosts (an answer stopped or held the
    /// others); with none, nothing more is sent.
    fn keep(&mut self, hosts: &[String]);

    /// What the message given last was about.
    fn pending(&self) -> Pending;

    /// The messages it would send if every reply were a success, for a dry run.
    fn preview(&self) -> Vec<Self::Message>;
}

/// An exchange over HTTP.
pub type HttpExchange = Box<dyn Exchange<Message = http::HttpRequest, Reply = http::HttpReply>>;

/// When an update starts, for the exchanges that sign (the time) and number (the seed of
/// their message IDs) what they send: the drivers read both, the exchange stays pure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Start {
    /// Unix seconds.
    pub now: u64,
    /// Random bits for message IDs.
    pub seed: u64,
}

/// An exchange over DNS.
pub type DnsExchange = Box<dns::exchange::Exchange>;

/// An update's exchange, over its wire: the drivers hold one and hand it to its runner.
pub enum AnyExchange {
    /// dyndns2 and the APIs.
    Http(HttpExchange),
    /// RFC 2136.
    Dns(DnsExchange),
}

impl AnyExchange {
    /// See [`Exchange::keep`].
    pub fn keep(&mut self, hosts: &[String]) {
        match self {
            AnyExchange::Http(x) => x.keep(hosts),
            AnyExchange::Dns(x) => x.keep(hosts),
        }
    }

    /// What it would send, each message as the dry run shows it (its lines, secrets
    /// masked), and whether it goes over HTTP.
    pub fn preview_lines(&self) -> (Vec<Vec<String>>, bool) {
        match self {
            AnyExchange::Http(x) => (x.preview().iter().map(|r| r.lines()).collect(), true),
            AnyExchange::Dns(x) => (
                x.preview().into_iter().map(|m| vec![m.shown]).collect(),
                false,
            ),
        }
    }
}

/// What one step of an exchange across its wire ended in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A reply was read into answers; `last` when the exchange is over.
    Answered {
        /// The answers.
        answers: Answers,
        /// Whether the exchange is over.
        last: bool,
    },
    /// A message got no reply: the exchange is over, and these hosts got no answer.
    Failed {
        /// Why.
        error: NetError,
        /// The message's hosts and addresses.
        pending: Pending,
    },
}
