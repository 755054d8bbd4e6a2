//! The `dynward` command: parse the command line, set up logging, run, map errors to exit codes.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dynward::cli::{self, Command, Parsed};
use dynward::config::{self, Config, Env};
use dynward::daemon::control::{self, Answer, Request};
use dynward::duration::Zone;
use dynward::status::PolicyStatus;
use dynward::{daemon, offline, once, status, store};
use tracing_subscriber::filter::LevelFilter;

fn main() -> ExitCode {
    let cli = match cli::parse(std::env::args_os().skip(1)) {
        Ok(Parsed::Run(c)) => c,
        Ok(Parsed::Help(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("dynward {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    // The daemon's log is its record of what it did: info by default. One-shot commands
    // print their results on stdout and keep stderr for problems.
    let is_daemon = matches!(cli.command, Command::Run { .. });
    let syslog = matches!(cli.command, Command::Run { syslog: true });
    init_logging(
        cli.verbose.saturating_add(u8::from(is_daemon)),
        is_daemon,
        syslog,
    );
    match &cli.command {
        // The presets are the program's own: no config is needed.
        Command::Providers { json } => providers(*json),
        // Another client's config is all import reads: no dynward config is needed.
        Command::Import {
            from,
            file,
            output,
            force,
        } => import(from, file, output.clone(), *force),
        _ => with_config(cli),
    }
}

/// `dynward providers`: the preset table, for people or as JSON.
fn providers(json: bool) -> ExitCode {
    if json {
        let rows = dynward::docs::presets();
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into())
        );
    } else {
        print!("{}", dynward::docs::text_presets());
    }
    ExitCode::SUCCESS
}

/// `dynward import`: another client's config carried into one of ours.
fn import(from: &str, file: &Path, output: Option<PathBuf>, force: bool) -> ExitCode {
    // The parser lets only the clients import reads through.
    let Some(client) = dynward::import::Client::parse(from) else {
        eprintln!("error: --from {from}: dynward reads ddclient and inadyn configs");
        return ExitCode::from(2);
    };
    let opts = dynward::import::Options {
        client,
        input: file.to_path_buf(),
        output,
        force,
    };
    ExitCode::from(dynward::import::run(
        &opts,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    ))
}

/// The commands that read dynward's config.
fn with_config(cli: cli::Cli) -> ExitCode {
    let path = cli
        .config
        .or_else(|| std::env::var_os("DYNWARD_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_PATH));
    // A dry run sends nothing: it needs no password.
    let env = if matches!(cli.command, Command::Once { dry_run: true, .. }) {
        Env::dry_run()
    } else {
        Env::process()
    };
    let cfg = match config::load(&path, &env) {
        Ok(c) => c,
        // A running daemon keeps its last good config: status and reset still reach it.
        Err(e) if daemon_command(&cli.command).is_some() => {
            eprintln!("warning: {e}");
            return talk_to_daemon_only(&cli.command, &path);
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
        Command::Check => check(&cfg, &path, &state_dir),
        Command::Once {
            dry_run,
            force,
            verify,
            policies,
        } => run_once(
            &cfg,
            once::Options {
                dry_run,
                force,
                verify,
                policies,
                state_dir,
                zone: Zone::local(),
            },
        ),
        Command::Run { .. } => run_daemon(cfg, path, state_dir),
        Command::Reload => reload(&state_dir),
        Command::Status { json } => show_status(&cfg, &state_dir, json),
        Command::Reset { policy, host } => reset(&cfg, &path, &state_dir, &policy, host),
        Command::Import { .. } | Command::Providers { .. } => {
            unreachable!("handled before the config is read")
        }
    }
}

fn init_logging(verbose: u8, daemon: bool, syslog: bool) {
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
    // Without the journal (OpenWrt): to logd, the priority in the message's header and the
    // time logd's own.
    if syslog {
        let socket = std::env::var_os("DYNWARD_SYSLOG_SOCKET")
            .map_or_else(|| PathBuf::from(dynward::syslog::SOCKET), PathBuf::from);
        match dynward::syslog::Syslog::connect(&socket, "dynward") {
            Ok(writer) => {
                tracing_subscriber::fmt()
                    .with_max_level(level)
                    .with_writer(writer)
                    .without_time()
                    .with_level(false)
                    .with_ansi(false)
                    .with_target(false)
                    .init();
                return;
            }
            Err(e) => eprintln!(
                "--syslog: cannot connect to {}: {e}; logging to stderr",
                socket.display()
            ),
        }
    }
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .init();
}

/// Runs `fut` on the one runtime of this process (current-thread: one thread is plenty).
fn block_on<T>(fut: impl Future<Output = T>) -> Result<T, ExitCode> {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Ok(rt.block_on(fut)),
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            Err(ExitCode::from(1))
        }
    }
}

/// `dynward check`: the config is valid (it was loaded); say what it holds.
fn check(cfg: &Config, path: &Path, state_dir: &Path) -> ExitCode {
    let n = cfg.policies.len();
    println!(
        "{}: valid, {n} polic{}",
        path.display(),
        if n == 1 { "y" } else { "ies" }
    );
    for p in &cfg.policies {
        let fam = match (p.ipv4, p.ipv6) {
            (true, true) => "IPv4+IPv6",
            (true, false) => "IPv4",
            _ => "IPv6",
        };
        let ep = p.endpoint_label();
        // Token services take no user name: the password (the token) is the account.
        let (user, secret) = if p.username.is_empty() {
            ("no user name".to_string(), "token")
        } else {
            (format!("user {}", p.username), "password")
        };
        println!(
            "  {}: {ep}, {user}, {secret} from {}, {} host{} ({}), {}, {fam}",
            p.name,
            p.password_origin,
            p.hosts.len(),
            if p.hosts.len() == 1 { "" } else { "s" },
            p.hosts.join(", "),
            p.source
        );
        if let Some(lan) = &p.ipv6_lan {
            println!(
                "    IPv6 of a host behind the router: the prefix on {} + host id {}",
                lan.interface, lan.host_id
            );
        }
    }
    println!("  state: {}", state_dir.join(store::FILE_NAME).display());
    ExitCode::SUCCESS
}

/// `dynward once`.
fn run_once(cfg: &Config, opts: once::Options) -> ExitCode {
    // Two writers of one state file would lose results: leave it to the daemon.
    if !opts.dry_run && control::ask(&opts.state_dir, &status_request(false)).is_some() {
        eprintln!(
            "error: a dynward daemon is running on {}; it sends the updates itself (see `dynward status`). Use --dry-run, or stop it first.",
            opts.state_dir.display()
        );
        return ExitCode::from(2);
    }
    let mut out = std::io::stdout();
    match block_on(once::run(cfg, &opts, &mut out)) {
        Ok(Ok(true)) => ExitCode::SUCCESS,
        Ok(Ok(false)) => ExitCode::from(1),
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(code) => code,
    }
}

/// `dynward run`.
fn run_daemon(cfg: Config, config_path: PathBuf, state_dir: PathBuf) -> ExitCode {
    let opts = daemon::Options {
        config_path,
        state_dir,
        zone: Zone::local(),
    };
    match block_on(daemon::run(cfg, opts, stop_signal())) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
        Err(code) => code,
    }
}

/// `dynward reload`.
fn reload(state_dir: &Path) -> ExitCode {
    match control::ask(state_dir, &Request::Reload) {
        Some(answer) => print_answer(answer),
        None => {
            eprintln!(
                "error: no dynward daemon answers on {}",
                state_dir.join(daemon::SOCKET).display()
            );
            ExitCode::from(1)
        }
    }
}

/// `dynward status`: the daemon's view, or the state file's without one.
fn show_status(cfg: &Config, state_dir: &Path, json: bool) -> ExitCode {
    match control::ask(state_dir, &status_request(json)) {
        Some(Answer::Status { attention, output }) => {
            return print_rendered_status(&output, attention, true);
        }
        Some(other) => return print_answer(other),
        None => {}
    }
    match offline::status(cfg, state_dir) {
        Ok(all) => print_status(&all, false, json),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// `dynward reset`: through the daemon when one runs, else in the state file.
fn reset(
    cfg: &Config,
    path: &Path,
    state_dir: &Path,
    policy: &str,
    host: Option<String>,
) -> ExitCode {
    let Some(p) = cfg.policies.iter().find(|p| p.name == policy) else {
        eprintln!("error: no policy named \"{policy}\" in {}", path.display());
        return ExitCode::from(2);
    };
    if let Some(h) = host.as_deref()
        && !p.hosts.iter().any(|x| x == h)
    {
        eprintln!(
            "error: policy \"{policy}\" has no host \"{h}\" in {}; its hosts: {}",
            path.display(),
            p.hosts.join(", ")
        );
        return ExitCode::from(2);
    }
    let request = Request::Reset {
        policy: policy.to_string(),
        host: host.clone(),
    };
    if let Some(answer) = control::ask(state_dir, &request) {
        return print_answer(answer);
    }
    match offline::reset(state_dir, p, host.as_deref()) {
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

/// Prints a daemon's answer to `reset` or `reload`; a refusal fails.
fn print_answer(answer: Answer) -> ExitCode {
    match answer {
        Answer::Done(words) => {
            println!("{words}");
            ExitCode::SUCCESS
        }
        Answer::Refused(why) => {
            println!("error: {why}");
            ExitCode::from(1)
        }
        Answer::Status { .. } => {
            eprintln!("error: the daemon answered with its status");
            ExitCode::from(1)
        }
    }
}

/// Prints `status` for people or as JSON. The exit status is for scripts and monitoring:
/// 1 when the user must act (a policy or host is stopped), 3 when no daemon runs, else 0.
fn print_status(all: &[PolicyStatus], running: bool, json: bool) -> ExitCode {
    let output = status::render(all, running, json, &Zone::local());
    print_rendered_status(&output, status::needs_attention(all), running)
}

/// Prints a rendered `status`; the exit status as [`print_status`] says.
fn print_rendered_status(output: &str, attention: bool, running: bool) -> ExitCode {
    print!("{output}");
    if attention {
        ExitCode::from(1)
    } else if !running {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

/// The request of a command only a running daemon can answer without a config.
fn daemon_command(command: &Command) -> Option<Request> {
    match command {
        Command::Status { json } => Some(status_request(*json)),
        Command::Reset { policy, host } => Some(Request::Reset {
            policy: policy.clone(),
            host: host.clone(),
        }),
        Command::Reload => Some(Request::Reload),
        Command::Check
        | Command::Once { .. }
        | Command::Run { .. }
        | Command::Import { .. }
        | Command::Providers { .. } => None,
    }
}

/// `status`, `reset` or `reload` when the config file cannot be loaded: only a running
/// daemon can answer.
fn talk_to_daemon_only(command: &Command, config_path: &Path) -> ExitCode {
    let state_dir = store::state_dir(
        config::state_dir_hint(config_path).as_deref(),
        std::env::var("STATE_DIRECTORY").ok(),
    );
    let Some(cmd) = daemon_command(command) else {
        return ExitCode::from(1);
    };
    let Some(answer) = control::ask(&state_dir, &cmd) else {
        eprintln!("error: the config is invalid and no daemon answers");
        return ExitCode::from(1);
    };
    match (command, answer) {
        (Command::Status { .. }, Answer::Status { attention, output }) => {
            print_rendered_status(&output, attention, true)
        }
        (_, answer) => print_answer(answer),
    }
}

/// Asks a running daemon for `status`, rendered in this reader's zone (its `TZ`, when that
/// is one word).
fn status_request(json: bool) -> Request {
    let tz = std::env::var("TZ")
        .ok()
        .filter(|t| !t.is_empty() && !t.contains(char::is_whitespace));
    Request::Status { json, tz }
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
