//! The control socket: `status`, `reset` and `reload` from the command line to a running
//! daemon. A request is one line of words; the answer is one JSON value, so the command line
//! tells success from refusal by its kind, not by reading its words.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};

use crate::status::PolicyStatus;

/// The control socket's name in the state directory.
pub const SOCKET: &str = "control.sock";

/// What the command line asks a running daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Every policy's status.
    Status,
    /// Re-read the config.
    Reload,
    /// Clear the stops and holds of a policy, or of one of its hosts.
    Reset {
        /// The policy.
        policy: String,
        /// Only this host.
        host: Option<String>,
    },
}

impl Request {
    /// The request's line on the socket.
    pub fn line(&self) -> String {
        match self {
            Request::Status => "status".into(),
            Request::Reload => "reload".into(),
            Request::Reset { policy, host: None } => format!("reset {policy}"),
            Request::Reset {
                policy,
                host: Some(h),
            } => format!("reset {policy} {h}"),
        }
    }

    /// The request a line asks for.
    pub fn parse(line: &str) -> Option<Request> {
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next(), words.next()) {
            (Some("status"), None, None, None) => Some(Request::Status),
            (Some("reload"), None, None, None) => Some(Request::Reload),
            (Some("reset"), Some(p), host, None) => Some(Request::Reset {
                policy: p.to_string(),
                host: host.map(String::from),
            }),
            _ => None,
        }
    }
}

/// The daemon's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Every policy's status.
    Status(Vec<PolicyStatus>),
    /// Done, in words.
    Done(String),
    /// Refused, and why (an unknown policy or host, a config that does not load).
    Refused(String),
}

/// A request from a connection, with where its answer goes.
#[derive(Debug)]
pub struct Asked {
    /// The request.
    pub request: Request,
    /// Where the answer goes.
    pub reply: oneshot::Sender<Answer>,
}

/// Reads one request from a control connection, hands it to the loop and writes the answer.
pub async fn serve(stream: UnixStream, tx: mpsc::UnboundedSender<Asked>) {
    let (r, mut w) = stream.into_split();
    let mut line = String::new();
    let read = tokio::time::timeout(
        Duration::from_secs(2),
        BufReader::new(r).read_line(&mut line),
    )
    .await;
    if !matches!(read, Ok(Ok(_))) {
        return;
    }
    let Some(request) = Request::parse(&line) else {
        let refused = Answer::Refused(format!("unknown command \"{}\"", line.trim()));
        let _ = w.write_all(&encode(&refused)).await;
        return;
    };
    let (reply, answer) = oneshot::channel();
    if tx.send(Asked { request, reply }).is_err() {
        return;
    }
    if let Ok(answer) = answer.await {
        let _ = w.write_all(&encode(&answer)).await;
    }
}

/// An answer on the wire: one line of JSON.
fn encode(a: &Answer) -> Vec<u8> {
    let mut out = serde_json::to_vec(a).unwrap_or_else(|_| b"{\"refused\":\"\"}".to_vec());
    out.push(b'\n');
    out
}

/// Asks a running daemon; `None` when no daemon answers (or its answer cannot be read).
pub fn ask(state_dir: &Path, request: &Request) -> Option<Answer> {
    let mut s = std::os::unix::net::UnixStream::connect(state_dir.join(SOCKET)).ok()?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    s.write_all(format!("{}\n", request.line()).as_bytes())
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    serde_json::from_str(out.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every request's line reads back as the request; lines that ask nothing known do not.
    #[test]
    fn requests_read_back_from_their_lines() {
        for r in [
            Request::Status,
            Request::Reload,
            Request::Reset {
                policy: "home".into(),
                host: None,
            },
            Request::Reset {
                policy: "home".into(),
                host: Some("a.example.org".into()),
            },
        ] {
            assert_eq!(Request::parse(&r.line()), Some(r));
        }
        for bad in ["", "stop", "status now", "reset", "reset a b c"] {
            assert_eq!(Request::parse(bad), None, "{bad}");
        }
    }

    /// An answer says its kind in JSON, so a refusal is never read as success.
    #[test]
    fn answers_say_their_kind() {
        let json = String::from_utf8(encode(&Answer::Refused("no policy".into()))).expect("utf8");
        assert_eq!(json, "{\"refused\":\"no policy\"}\n");
        let back: Answer = serde_json::from_str(&json).expect("read");
        assert_eq!(back, Answer::Refused("no policy".into()));
        let done: Answer = serde_json::from_str("{\"done\":\"policy home: reset\"}").expect("read");
        assert_eq!(done, Answer::Done("policy home: reset".into()));
    }
}
