//! The `dynward` command: parse the command line, set up logging, run, map errors to exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dynward::config::{self, Env};
use dynward::{oneshot, store};
use tracing_subscriber::filter::LevelFilter;

const EXAMPLES: &str = "\
Examples:
  dynward check                                 validate /etc/dynward/dynward.toml
  dynward --config config/dynward.toml once --dry-run
                                                show addresses and the requests it would send
  dynward once                                  update every host whose address changed
  dynward once --force home                     re-send policy \"home\" even if unchanged
  dynward reset home                            re-enable policy \"home\" after a fatal answer

Exit status: 0 when everything is fine, 1 when a host was not updated or the config is
invalid, 2 on a usage error.";

/// Dynamic-DNS (dyndns2) update client for routers and servers.
#[derive(Parser, Debug)]
#[command(name = "dynward", version, about, after_help = EXAMPLES)]
struct Cli {
    /// Config file [default: /etc/dynward/dynward.toml, or $DYNWARD_CONFIG]
    #[arg(short, long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,

    /// More log output on stderr (-v info, -vv debug); also DYNWARD_LOG=error|warn|info|debug|trace
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate the config; list every problem with file, line and key
    Check,
    /// Detect addresses and send the updates that are due, once
    Once {
        /// Send nothing: print the exact requests (secrets masked)
        #[arg(long)]
        dry_run: bool,
        /// Update even when the address is unchanged (never past a stop, a provider hold or min_interval)
        #[arg(long)]
        force: bool,
        /// Only these policies (default: all)
        #[arg(value_name = "POLICY")]
        policies: Vec<String>,
    },
    /// Re-enable a policy (or one of its hosts) stopped by a fatal answer, and clear holds
    Reset {
        /// The policy
        policy: String,
        /// Only this host
        #[arg(long)]
        host: Option<String>,
    },
}

fn init_logging(verbose: u8) {
    let from_env = std::env::var("DYNWARD_LOG")
        .ok()
        .and_then(|v| v.parse::<LevelFilter>().ok());
    let level = from_env.unwrap_or(match verbose {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    });
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let path = cli
        .config
        .or_else(|| std::env::var_os("DYNWARD_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_PATH));
    let env = Env::process();
    let cfg = match config::load(&path, &env) {
        Ok(c) => c,
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
        Command::Reset { policy, host } => {
            if !cfg.policies.iter().any(|p| p.name == policy) {
                eprintln!("error: no policy named \"{policy}\" in {}", path.display());
                return ExitCode::from(2);
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
