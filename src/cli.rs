//! The command line, defined once: the binary parses it and the man page is rendered from it
//! (`cargo run --example manpage`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Shown after `--help`.
pub const EXAMPLES: &str = "\
Examples:
  dynward check                                 validate /etc/dynward/dynward.toml
  dynward run                                   run the daemon (what the systemd unit does)
  dynward status                                what each policy is doing, and why
  dynward --config config/dynward.toml once --dry-run
                                                show addresses and the requests it would send
  dynward once                                  update every host whose address changed
  dynward once --force home                     re-send policy \"home\" even if unchanged
  dynward reset home                            re-enable policy \"home\" after a fatal answer

Exit status: 0 when everything is fine; 1 when a host was not updated, the config is
invalid, or (status) a policy or host is stopped; 2 on a usage error or when the state cannot
be read or written; 3 (status) when no daemon runs. `man dynward` is the full reference.";

/// Dynamic-DNS (dyndns2) update client for routers and servers.
#[derive(Parser, Debug)]
#[command(name = "dynward", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Config file [default: /etc/dynward/dynward.toml, or $DYNWARD_CONFIG]
    #[arg(short, long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// More log output on stderr: -v info, -vv debug (run logs info already: -v debug); DYNWARD_LOG=error|warn|info|debug|trace sets the level outright
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    /// What to do
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
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
    /// Run the daemon: watch addresses, update on change (SIGHUP reloads, SIGTERM stops)
    Run,
    /// Ask the running daemon to re-read its config and wait for the result (systemctl reload)
    Reload,
    /// Show each policy's state, addresses, last results and next action
    Status {
        /// Machine-readable output
        #[arg(long)]
        json: bool,
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
