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

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
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
        ("DYNWARD_CODE", e.code.to_string()),
        ("DYNWARD_MESSAGE", e.message.clone()),
        (
            "DYNWARD_EVENT",
            match e.kind {
                HookKind::Change => "change".into(),
                HookKind::Error => "error".into(),
                HookKind::NotServed => "not-served".into(),
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
    pub exit: Exit,
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
    let done = |exit| Finished {
        exit,
        stdout: String::new(),
        stderr: String::new(),
    };
    let Some((prog, args)) = argv.split_first() else {
        return done(Exit::NotStarted("empty command".into()));
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
        Err(err) => return done(Exit::NotStarted(err.to_string())),
    };
    let out = child.stdout.take().map(|s| tokio::spawn(read_capped(s)));
    let err = child.stderr.take().map(|s| tokio::spawn(read_capped(s)));
    let exit = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) => {
            use std::os::unix::process::ExitStatusExt;
            match (status.code(), status.signal()) {
                (Some(c), _) => Exit::Exited(c),
                (None, Some(sig)) => Exit::Signaled(sig),
                (None, None) => Exit::Unknown(format!("ended with {status}")),
            }
        }
        Ok(Err(e)) => Exit::Unknown(e.to_string()),
        Err(_) => {
            let _ = child.kill().await;
            Exit::TimedOut
        }
    };
    let mut f = done(exit);
    for (slot, handle) in [(&mut f.stdout, out), (&mut f.stderr, err)] {
        // A killed command's grandchildren may hold the pipe open: do not wait for them.
        let Some(h) = handle else { continue };
        if let Ok(Ok(text)) = tokio::time::timeout(Duration::from_millis(200), h).await {
            *slot = text;
        }
    }
    f
}

/// The run of `policy`'s hook for `event`, when it has one: the driver spawns it beside its
/// work (the daemon as a task, `once` in a set it waits for before exiting).
pub fn for_event(
    policy: &crate::config::Policy,
    event: HookEvent,
) -> Option<impl std::future::Future<Output = Exit> + Send + 'static> {
    let argv = match event.kind {
        HookKind::Change => policy.on_change.clone(),
        HookKind::Error | HookKind::NotServed => policy.on_error.clone(),
    };
    if argv.is_empty() {
        return None;
    }
    let (name, timeout) = (policy.name.clone(), policy.hook_timeout);
    Some(async move { run(&name, &argv, &event, timeout).await })
}

/// Runs `argv` for `policy`, logging its output; returns how it ended.
pub async fn run(policy: &str, argv: &[String], e: &HookEvent, timeout: Duration) -> Exit {
    let prog = argv.first().map(String::as_str).unwrap_or_default();
    let f = capture(argv, environment(policy, e), timeout).await;
    for (stream, text) in [("stdout", &f.stdout), ("stderr", &f.stderr)] {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            tracing::info!(policy, hook = %prog, stream, "hook: {line}");
        }
    }
    let exit = f.exit;
    match &exit {
        Exit::Exited(0) => tracing::info!(policy, hook = %prog, "hook finished"),
        Exit::Exited(code) => {
            tracing::warn!(policy, hook = %prog, "hook failed with exit status {code}")
        }
        Exit::Signaled(sig) => {
            tracing::warn!(policy, hook = %prog, "hook was ended by signal {sig}")
        }
        Exit::TimedOut => tracing::warn!(
            policy,
            hook = %prog,
            "hook still running after {}; killed",
            crate::duration::format(timeout)
        ),
        Exit::NotStarted(e) => {
            tracing::warn!(policy, hook = %prog, "hook could not be started: {e}")
        }
        Exit::Unknown(e) => {
            tracing::warn!(policy, hook = %prog, "hook ran, but how it ended is unknown: {e}")
        }
    }
    exit
}
