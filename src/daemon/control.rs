//! The control socket: `status`, `reset` and `reload` from the command line to a running
//! daemon. A request is one line of words; the answer starts with its kind (`done`,
//! `refused`, `status`), so the command line tells success from refusal by the kind, never by
//! reading the words that follow it. The daemon renders `status` itself, in the asker's
//! zone, so the command line prints it as it comes and needs no reader for it.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};

use crate::status;

/// The control socket's name in the state directory.
pub const SOCKET: &str = "control.sock";

/// What the command line asks a running daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Every policy's status, rendered for the asker.
    Status {
        /// As the JSON document, not text.
        json: bool,
        /// The asker's `TZ`, for the times in the text.
        tz: Option<String>,
    },
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
            Request::Status { json, tz } => {
                let form = if *json { "json" } else { "text" };
                match tz {
                    Some(tz) => format!("status {form} {tz}"),
                    None => format!("status {form}"),
                }
            }
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
            (Some("status"), Some(form @ ("json" | "text")), tz, None) => Some(Request::Status {
                json: form == "json",
                tz: tz.map(String::from),
            }),
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Every policy's status, rendered.
    Status {
        /// A policy or host is stopped: the user must act.
        attention: bool,
        /// The text or JSON to print.
        output: String,
    },
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
        let _ = w.write_all(&refused.encode()).await;
        return;
    };
    let (reply, answer) = oneshot::channel();
    if tx.send(Asked { request, reply }).is_err() {
        return;
    }
    if let Ok(answer) = answer.await {
        let _ = w.write_all(&answer.encode()).await;
    }
}

impl Answer {
    /// Every policy's status, rendered as `json` or as text in `zone`.
    pub fn status(all: &[status::PolicyStatus], json: bool, zone: &crate::duration::Zone) -> Self {
        Answer::Status {
            attention: status::needs_attention(all),
            output: status::render(all, true, json, zone),
        }
    }

    /// The answer on the wire: its kind, a space, then the words (for a status, whether it
    /// needs attention, then the output from the next line on).
    fn encode(&self) -> Vec<u8> {
        let (kind, rest) = match self {
            Answer::Status { attention, output } => (
                "status",
                format!(
                    "{}\n{output}",
                    if *attention { "attention" } else { "fine" }
                ),
            ),
            Answer::Done(words) => ("done", words.clone()),
            Answer::Refused(why) => ("refused", why.clone()),
        };
        format!("{kind} {rest}\n").into_bytes()
    }

    /// The answer a daemon sent ([`Answer::encode`] backwards).
    fn decode(text: &str) -> Option<Answer> {
        let (kind, rest) = text.split_once(' ')?;
        let rest = rest.strip_suffix('\n').unwrap_or(rest);
        match kind {
            "status" => match rest.split_once('\n')? {
                ("attention", output) => Some(Answer::Status {
                    attention: true,
                    output: output.to_string(),
                }),
                ("fine", output) => Some(Answer::Status {
                    attention: false,
                    output: output.to_string(),
                }),
                _ => None,
            },
            "done" => Some(Answer::Done(rest.to_string())),
            "refused" => Some(Answer::Refused(rest.to_string())),
            _ => None,
        }
    }
}

/// Asks a running daemon; `None` when no daemon listens. A daemon that listens but gives
/// no answer this version can read is refused with why (not taken for no daemon: its state
/// is not the file's).
pub fn ask(state_dir: &Path, request: &Request) -> Option<Answer> {
    let path = state_dir.join(SOCKET);
    let mut s = std::os::unix::net::UnixStream::connect(&path).ok()?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut out = String::new();
    let talked = s
        .write_all(format!("{}\n", request.line()).as_bytes())
        .and_then(|()| s.read_to_string(&mut out));
    Some(match talked {
        Err(e) => Answer::Refused(format!(
            "the daemon on {} did not answer: {e}",
            path.display()
        )),
        Ok(_) => Answer::decode(&out).unwrap_or_else(|| {
            Answer::Refused(format!(
                "the daemon on {} answers in a form this dynward cannot read (another version is running: restart it)",
                path.display()
            ))
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every request's line reads back as the request; lines that ask nothing known do not.
    #[test]
    fn requests_read_back_from_their_lines() {
        for r in [
            Request::Status {
                json: false,
                tz: None,
            },
            Request::Status {
                json: true,
                tz: Some("CET-1CEST,M3.5.0,M10.5.0/3".into()),
            },
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
        for bad in ["", "stop", "status", "status now", "reset", "reset a b c"] {
            assert_eq!(Request::parse(bad), None, "{bad}");
        }
    }

    /// An answer says its kind first, so a refusal is never read as success whatever its
    /// words; every answer reads back as itself, words over several lines included.
    #[test]
    fn answers_say_their_kind_and_read_back() {
        let refused = Answer::Refused("a config error\nthe running config stays in force".into());
        let wire = String::from_utf8(refused.encode()).expect("utf8");
        assert!(wire.starts_with("refused a config error\n"), "{wire}");
        for a in [
            refused,
            Answer::Done("policy home: reset".into()),
            Answer::Done("error: words that look like a failure".into()),
            Answer::Status {
                attention: false,
                output: "policy home: sleeping\n".into(),
            },
            Answer::Status {
                attention: true,
                output: String::new(),
            },
        ] {
            let wire = String::from_utf8(a.encode()).expect("utf8");
            assert_eq!(Answer::decode(&wire), Some(a));
        }
        assert_eq!(Answer::decode("policy home: reset\n"), None);
    }
}
