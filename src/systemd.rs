//! The service manager's side: READY, STATUS, WATCHDOG, RELOADING, STOPPING, and whether
//! stderr is the journal.
//!
//! Every call is a no-op without `NOTIFY_SOCKET` (a manual run, OpenWrt's procd), so the
//! daemon never has to ask which init it runs under.

use std::time::Duration;

use sd_notify::NotifyState;

/// Talks to the service manager, if there is one.
#[derive(Debug, Default)]
pub struct Notifier {
    last_status: String,
}

fn send(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::debug!(error = %e, "sd_notify failed");
    }
}

impl Notifier {
    /// Startup is complete: the config is valid and the state file is loaded.
    pub fn ready(&mut self) {
        send(&[NotifyState::Ready]);
    }

    /// The one-line summary `systemctl status` shows; sent only when it changed.
    pub fn status(&mut self, line: &str) {
        if line != self.last_status {
            send(&[NotifyState::Status(line)]);
            self.last_status = line.to_string();
        }
    }

    /// A reload starts (MONOTONIC_USEC makes it valid for Type=notify-reload too).
    pub fn reloading(&mut self) {
        match NotifyState::monotonic_usec_now() {
            Ok(m) => send(&[NotifyState::Reloading, m]),
            Err(_) => send(&[NotifyState::Reloading]),
        }
    }

    /// Shutdown has begun.
    pub fn stopping(&mut self) {
        send(&[NotifyState::Stopping]);
    }

    /// The watchdog ping.
    pub fn watchdog(&mut self) {
        send(&[NotifyState::Watchdog]);
    }
}

/// How often to ping the watchdog: half of `WatchdogSec`, when the service manager set one.
pub fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|d| d / 2)
}

/// Whether stderr is connected to the journal: `JOURNAL_STREAM` names stderr's device and
/// inode. Checking the inode (not just the variable) matters: a child started from a service
/// inherits the variable while its stderr may be a terminal.
pub fn stderr_is_journal() -> bool {
    use std::os::unix::fs::MetadataExt;
    let stderr = std::fs::metadata("/proc/self/fd/2")
        .ok()
        .map(|m| (m.dev(), m.ino()));
    stream_matches(std::env::var("JOURNAL_STREAM").ok().as_deref(), stderr)
}

/// Whether a `JOURNAL_STREAM` value (`DEV:INODE`) names the given (device, inode).
fn stream_matches(var: Option<&str>, stderr: Option<(u64, u64)>) -> bool {
    let (Some(v), Some((dev, ino))) = (var, stderr) else {
        return false;
    };
    v.split_once(':')
        .is_some_and(|(d, i)| d.parse() == Ok(dev) && i.parse() == Ok(ino))
}

/// The STATUS= line: counts per state, then the invalid policies with their code, e.g.
/// `2 sleeping, 1 invalid: home badauth`.
pub fn summary(states: &[(String, &'static str, Option<String>)]) -> String {
    let order = ["updating", "resolving", "waiting", "sleeping", "invalid"];
    let mut parts = Vec::new();
    for name in order {
        let n = states.iter().filter(|(_, s, _)| *s == name).count();
        if n > 0 {
            parts.push(format!("{n} {name}"));
        }
    }
    let mut line = if parts.is_empty() {
        "no policies".to_string()
    } else {
        parts.join(", ")
    };
    let invalid: Vec<String> = states
        .iter()
        .filter(|(_, s, _)| *s == "invalid")
        .map(|(p, _, code)| match code {
            Some(c) => format!("{p} {c}"),
            None => p.clone(),
        })
        .collect();
    if !invalid.is_empty() {
        line.push_str(": ");
        line.push_str(&invalid.join(", "));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The summary counts states in a fixed order and names invalid policies with their code.
    #[test]
    fn the_status_line_counts_states_and_names_invalid_policies() {
        let s = |v: &[(&str, &'static str, Option<&str>)]| {
            summary(
                &v.iter()
                    .map(|(a, b, c)| (a.to_string(), *b, c.map(String::from)))
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(s(&[]), "no policies");
        assert_eq!(
            s(&[
                ("a", "sleeping", None),
                ("home", "invalid", Some("badauth")),
                ("b", "sleeping", None)
            ]),
            "2 sleeping, 1 invalid: home badauth"
        );
        assert_eq!(
            s(&[("a", "waiting", None), ("b", "updating", None)]),
            "1 updating, 1 waiting"
        );
    }

    /// JOURNAL_STREAM counts only when it names stderr's device and inode.
    #[test]
    fn journal_stream_counts_only_when_it_names_stderr() {
        assert!(stream_matches(Some("8:1234"), Some((8, 1234))));
        assert!(!stream_matches(Some("8:1234"), Some((8, 1235))));
        assert!(!stream_matches(Some("9:1234"), Some((8, 1234))));
        assert!(!stream_matches(None, Some((8, 1234))));
        assert!(!stream_matches(Some("garbage"), Some((8, 1234))));
        assert!(!stream_matches(Some("8:1234"), None));
    }
}
