//! The daemon's log as syslog messages, for systems without the journal: OpenWrt, whose
//! `logd` reads `/dev/log` (`run --syslog`; `logread -e dynward` shows them).
//!
//! Each event is one datagram, `<PRI>dynward[PID]: message`, its priority from the event's
//! level (facility daemon). The formatting is tracing-subscriber's; only the transport is
//! here. A send that fails (logd restarted and its socket is new) connects again once; a
//! message that still cannot go is dropped rather than blocking the daemon.

use std::io::{self, Write};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// Where syslog listens.
pub const SOCKET: &str = "/dev/log";

/// RFC 3164's facility "daemon" (3), shifted into the priority.
const DAEMON: u8 = 3 << 3;

/// The severity of a level, as syslog numbers them (debug and trace are both "debug").
pub fn severity(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    }
}

/// A connection to the syslog socket; a [`MakeWriter`] for tracing-subscriber's formatter.
#[derive(Debug)]
pub struct Syslog {
    path: PathBuf,
    socket: Mutex<UnixDatagram>,
    tag: String,
}

impl Syslog {
    /// Connects to the socket at `path`, tagging messages `ident[PID]`.
    pub fn connect(path: &Path, ident: &str) -> io::Result<Syslog> {
        Ok(Syslog {
            path: path.to_path_buf(),
            socket: Mutex::new(connect(path)?),
            tag: format!("{ident}[{}]", std::process::id()),
        })
    }

    fn message(&self, level: &Level) -> Message<'_> {
        Message {
            syslog: self,
            severity: severity(level),
            text: Vec::new(),
        }
    }

    fn send(&self, severity: u8, message: &[u8]) {
        let message = message.strip_suffix(b"\n").unwrap_or(message);
        let mut datagram = format!("<{}>{}: ", DAEMON | severity, self.tag).into_bytes();
        datagram.extend_from_slice(message);
        let Ok(mut socket) = self.socket.lock() else {
            return;
        };
        if socket.send(&datagram).is_err()
            && let Ok(fresh) = connect(&self.path)
        {
            *socket = fresh;
            let _ = socket.send(&datagram);
        }
    }
}

fn connect(path: &Path) -> io::Result<UnixDatagram> {
    let socket = UnixDatagram::unbound()?;
    socket.connect(path)?;
    Ok(socket)
}

/// One event's message, sent when the formatter is done with it.
#[derive(Debug)]
pub struct Message<'a> {
    syslog: &'a Syslog,
    severity: u8,
    text: Vec<u8>,
}

impl Write for Message<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Message<'_> {
    fn drop(&mut self) {
        if !self.text.is_empty() {
            self.syslog.send(self.severity, &self.text);
        }
    }
}

impl<'a> MakeWriter<'a> for Syslog {
    type Writer = Message<'a>;

    fn make_writer(&'a self) -> Message<'a> {
        self.message(&Level::INFO)
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Message<'a> {
        self.message(meta.level())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn listen(path: &Path) -> UnixDatagram {
        let s = UnixDatagram::bind(path).expect("bind");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        s
    }

    fn recv(s: &UnixDatagram) -> String {
        let mut buf = [0u8; 2048];
        let n = s.recv(&mut buf).expect("a datagram");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Each event is one datagram with its level's priority (facility daemon) and the tag;
    /// the formatter's newline is not sent. After logd restarts (a new socket at the same
    /// path), messages reach the new one.
    #[test]
    fn events_go_to_the_socket_with_their_priority() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        let logd = listen(&path);
        let syslog = Syslog::connect(&path, "dynward").expect("connect");
        let tag = format!("dynward[{}]", std::process::id());
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .without_time()
            .with_level(false)
            .with_target(false)
            .with_ansi(false)
            .with_writer(syslog)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(policy = "home", "badauth: the account is stopped");
            assert_eq!(
                recv(&logd),
                format!("<27>{tag}: badauth: the account is stopped policy=\"home\"")
            );
            tracing::warn!("held");
            assert_eq!(recv(&logd), format!("<28>{tag}: held"));
            tracing::info!("sleeping");
            assert_eq!(recv(&logd), format!("<30>{tag}: sleeping"));
            tracing::debug!("detail");
            assert_eq!(recv(&logd), format!("<31>{tag}: detail"));

            drop(logd);
            std::fs::remove_file(&path).expect("remove");
            let restarted = listen(&path);
            tracing::warn!("after the restart");
            assert_eq!(recv(&restarted), format!("<28>{tag}: after the restart"));
        });
    }
}
