//! The `dynward` command: parse the command line, set up logging, run, map errors to exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use dynward::cli::{Cli, Command};
use dynward::config::{self, Env};
use dynward::{daemon, oneshot, store};
use tracing_subscriber::filter::LevelFilter;

fn init_logging(verbose: u8, daemon: bool) {
    use tracing_subscriber::prelude::*;
    let from_env = std::env::var("DYNWARD_LOG")
        .ok()
        .and_then(|v| v.parse::<LevelFilter>().ok());
    let level = from_env.unwrap_or(match verbose {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    });
    // Under systemd the daemon writes to the journal natively, with priorities and the fields
    // POLICY, HOST, STATE, CODE (`journalctl -u dynward POLICY=home`).
    if daemon
        && dynward::systemd::stderr_is_journal()
        && let Ok(layer) = tracing_journald::layer()
    {
        let layer = layer
            .with_field_prefix(None)
            .with_syslog_identifier("dynward".into());
        tracing_subscriber::registry()
            .with(layer.with_filter(level))
            .init();
        return;
    }
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The daemon's log is its record of what it did: info by default. One-shot commands
    // print their results on stdout and keep stderr for problems.
    let base = u8::from(matches!(cli.command, Command::Run));
    init_logging(
        cli.verbose.saturating_add(base),
        matches!(cli.command, Command::Run),
    );
    let path = cli
        .config
        .or_else(|| std::env::var_os("DYNWARD_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_PATH));
    let env = Env::process();
    let cfg = match config::load(&path, &env) {
        Ok(c) => c,
        // A running daemon keeps its last good config: status and reset still reach it.
        Err(e)
            if matches!(
                cli.command,
                Command::Status { .. } | Command::Reset { .. } | Command::Reload
            ) =>
        {
            eprintln!("warning: {e}");
            let dir = store::state_dir(
                config::state_dir_hint(&path).as_deref(),
                std::env::var("STATE_DIRECTORY").ok(),
            );
            return talk_to_daemon_only(&cli.command, &dir);
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    for w in &cfg.warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
    let state_dir = store::state_dir(
        cfg.state_dir.as_deref(),
        std::env::var("STATE_DIRECTORY").ok(),
    );
    match cli.command {
        Command::Check => {
            println!(
                "{}: valid, {} polic{}",
                path.display(),
                cfg.policies.len(),
                if cfg.policies.len() == 1 { "y" } else { "ies" }
            );
            for p in &cfg.policies {
                let fam = match (p.ipv4, p.ipv6) {
                    (true, true) => "IPv4+IPv6",
                    (true, false) => "IPv4",
                    _ => "IPv6",
                };
                let ep = match (&p.provider, &p.endpoint) {
                    (Some(pr), _) => format!("provider {pr}"),
                    (None, config::Endpoint::Server(u)) => format!("server {u}"),
                    (None, config::Endpoint::Template(_)) => "url template".to_string(),
                };
                println!(
                    "  {}: {ep}, user {}, password from {}, {} host{} ({}), {}, {fam}",
                    p.name,
                    p.username,
                    p.password_origin,
                    p.hosts.len(),
                    if p.hosts.len() == 1 { "" } else { "s" },
                    p.hosts.join(", "),
                    p.source
                );
            }
            println!("  state: {}", state_dir.join(store::FILE_NAME).display());
            ExitCode::SUCCESS
        }
        Command::Once {
            dry_run,
            force,
            policies,
        } => {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("cannot start the runtime: {e}");
                    return ExitCode::from(1);
                }
            };
            // Two writers of one state file would lose results: leave it to the daemon.
            if !dry_run && daemon::ask(&state_dir, "status").is_some() {
                eprintln!(
                    "error: a dynward daemon is running on {}; it sends the updates itself (see `dynward status`). Use --dry-run, or stop it first.",
                    state_dir.display()
                );
                return ExitCode::from(2);
            }
            let opts = oneshot::Options {
                dry_run,
                force,
                policies,
                state_dir,
            };
            let mut out = std::io::stdout();
            match rt.block_on(oneshot::run(&cfg, &opts, &mut out)) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Run => {
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(code) => return code,
            };
            let opts = daemon::Options {
                config_path: path,
                state_dir,
            };
            match rt.block_on(daemon::run(opts, stop_signal())) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Reload => match daemon::ask(&state_dir, "reload") {
            Some(answer) => print_answer(&answer),
            None => {
                eprintln!(
                    "error: no dynward daemon answers on {}",
                    state_dir.join(daemon::SOCKET).display()
                );
                ExitCode::from(1)
            }
        },
        Command::Status { json } => {
            let (all, running) = match daemon::ask(&state_dir, "status")
                .and_then(|s| serde_json::from_str::<Vec<dynward::policy::PolicyStatus>>(&s).ok())
            {
                Some(all) => (all, true),
                None => match daemon::offline_status(&cfg, &state_dir) {
                    Ok(all) => (all, false),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(1);
                    }
                },
            };
            print_status(&all, running, json)
        }
        Command::Reset { policy, host } => {
            if !cfg.policies.iter().any(|p| p.name == policy) {
                eprintln!("error: no policy named \"{policy}\" in {}", path.display());
                return ExitCode::from(2);
            }
            if let Some(answer) = daemon::ask(&state_dir, &reset_command(&policy, host.as_deref()))
            {
                return print_answer(&answer);
            }
            match oneshot::reset(&state_dir, &policy, host.as_deref()) {
                Ok(msg) => {
                    println!("{msg}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// The control-socket line for `reset`.
fn reset_command(policy: &str, host: Option<&str>) -> String {
    match host {
        Some(h) => format!("reset {policy} {h}"),
        None => format!("reset {policy}"),
    }
}

/// Prints a daemon's answer to `reset` or `reload`; an answer starting "error" fails.
fn print_answer(answer: &str) -> ExitCode {
    print!("{answer}");
    if answer.starts_with("error") {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints `status` for people or as JSON.
fn print_status(all: &[dynward::policy::PolicyStatus], running: bool, json: bool) -> ExitCode {
    if json {
        println!(
            "{}",
            serde_json::json!({ "running": running, "policies": all })
        );
    } else {
        print!("{}", daemon::format_status(all, running));
    }
    ExitCode::SUCCESS
}

/// `status`, `reset` or `reload` when the config file cannot be loaded: only a running
/// daemon can answer.
fn talk_to_daemon_only(command: &Command, state_dir: &std::path::Path) -> ExitCode {
    let cmd = match command {
        Command::Status { .. } => "status".to_string(),
        Command::Reset { policy, host } => reset_command(policy, host.as_deref()),
        Command::Reload => "reload".to_string(),
        _ => return ExitCode::from(1),
    };
    let Some(answer) = daemon::ask(state_dir, &cmd) else {
        eprintln!("error: the config is invalid and no daemon answers");
        return ExitCode::from(1);
    };
    match command {
        Command::Status { json } => {
            match serde_json::from_str::<Vec<dynward::policy::PolicyStatus>>(&answer) {
                Ok(all) => print_status(&all, true, *json),
                Err(_) => print_answer(&answer),
            }
        }
        _ => print_answer(&answer),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("cannot start the runtime: {e}");
            ExitCode::from(1)
        })
}

/// Resolves on SIGTERM or SIGINT.
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}
