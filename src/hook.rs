//! Hooks: `on_change` and `on_error` commands, run without a shell, never in the daemon's way.
//!
//! A hook runs as its own task with a clean environment (PATH and the DYNWARD_* variables only,
//! so no password from the daemon's environment leaks into it), its output captured into the
//! log, and a timeout after which it is killed. The daemon loop only spawns it.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use crate::policy::{HookEvent, HookKind};

/// The most of a hook's output (per stream) that is logged.
pub const MAX_OUTPUT: usize = 4096;

/// How a hook ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It exited with this code.
    Exited(i32),
    /// It was ended by this signal (it crashed, or something killed it).
    Signaled(i32),
    /// It ran past the timeout and was killed.
    TimedOut,
    /// It could not be started.
    NotStarted(String),
    /// It ran, but how it ended could not be read.
    Unknown(String),
}

/// The PATH every command dynward runs gets, whatever the daemon's own.
pub const SAFE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The environment a hook gets.
pub fn environment(policy: &str, e: &HookEvent) -> Vec<(&'static str, String)> {
    vec![
        ("PATH", SAFE_PATH.into()),
        ("DYNWARD_POLICY", policy.to_string()),
        ("DYNWARD_HOSTS", e.hosts.join(",")),
        ("DYNWARD_ADDRESS", e.address.clone()),
        ("DYNWARD_STATE", e.state.to_string()),
        ("DYNWARD_CODE", e.code.clone()),
        ("DYNWARD_MESSAGE", e.message.clone()),
        (
            "DYNWARD_EVENT",
            match e.kind {
                HookKind::Change => "change".into(),
                HookKind::Error => "error".into(),
            },
        ),
    ]
}

async fn read_capped(mut r: impl AsyncRead + Unpin) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        match r.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                // Keep reading past the cap so the hook never blocks on a full pipe.
                let room = MAX_OUTPUT.saturating_sub(buf.len());
                buf.extend_from_slice(&chunk[..n.min(room)]);
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// What a finished command left: how it ended and its output (each stream capped at
/// [`MAX_OUTPUT`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// How it ended.
    pub outcome: Outcome,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// Runs `argv` with exactly `env`, no stdin, and kills it after `timeout` (hooks and the
/// command address source share this).
pub async fn capture(
    argv: &[String],
    env: Vec<(&'static str, String)>,
    timeout: Duration,
) -> Finished {
    let done = |outcome| Finished {
        outcome,
        stdout: String::new(),
        stderr: String::new(),
    };
    let Some((prog, args)) = argv.split_first() else {
        return done(Outcome::NotStarted("empty command".into()));
    };
    let mut cmd = Command::new(prog);
    cmd.args(args)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(err) => return done(Outcome::NotStarted(err.to_string())),
    };
    let out = child.stdout.take().map(|s| tokio::spawn(read_capped(s)));
    let err = child.stderr.take().map(|s| tokio::spawn(read_capped(s)));
    let outcome = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) => {
            use std::os::unix::process::ExitStatusExt;
            match (status.code(), status.signal()) {
                (Some(c), _) => Outcome::Exited(c),
                (None, Some(sig)) => Outcome::Signaled(sig),
                (None, None) => Outcome::Unknown(format!("ended with {status}")),
            }
        }
        Ok(Err(e)) => Outcome::Unknown(e.to_string()),
        Err(_) => {
            let _ = child.kill().await;
            Outcome::TimedOut
        }
    };
    let mut f = done(outcome);
    for (slot, handle) in [(&mut f.stdout, out), (&mut f.stderr, err)] {
        // A killed command's grandchildren may hold the pipe open: do not wait for them.
        let Some(h) = handle else { continue };
        if let Ok(Ok(text)) = tokio::time::timeout(Duration::from_millis(200), h).await {
            *slot = text;
        }
    }
    f
}

/// Runs `argv` for `policy`, logging its output; returns how it ended.
pub async fn run(policy: &str, argv: &[String], e: &HookEvent, timeout: Duration) -> Outcome {
    let prog = argv.first().map(String::as_str).unwrap_or_default();
    let f = capture(argv, environment(policy, e), timeout).await;
    for (stream, text) in [("stdout", &f.stdout), ("stderr", &f.stderr)] {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            tracing::info!(policy, hook = %prog, stream, "hook: {line}");
        }
    }
    let outcome = f.outcome;
    match &outcome {
        Outcome::Exited(0) => tracing::info!(policy, hook = %prog, "hook finished"),
        Outcome::Exited(code) => {
            tracing::warn!(policy, hook = %prog, "hook failed with exit status {code}")
        }
        Outcome::Signaled(sig) => {
            tracing::warn!(policy, hook = %prog, "hook was ended by signal {sig}")
        }
        Outcome::TimedOut => tracing::warn!(
            policy,
            hook = %prog,
            "hook still running after {}; killed",
            crate::duration::format(timeout)
        ),
        Outcome::NotStarted(e) => {
            tracing::warn!(policy, hook = %prog, "hook could not be started: {e}")
        }
        Outcome::Unknown(e) => {
            tracing::warn!(policy, hook = %prog, "hook ran, but how it ended is unknown: {e}")
        }
    }
    outcome
}
