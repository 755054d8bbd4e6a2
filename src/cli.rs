//! The command line, defined once in the tables below: parsed with lexopt, and rendered as
//! `--help` and as the man page's synopsis, options and commands ([`crate::docs`]).
//!
//! lexopt rather than clap: seven commands and six options do not need a parser that is a
//! tenth of the binary, and every page of the binary is resident (see `bench/README.md`).

use std::ffi::OsString;
use std::path::PathBuf;

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
  dynward once --verify                         then check the zones' servers serve it
  dynward reset home                            re-enable policy \"home\" after a fatal answer
  dynward import --from ddclient /etc/ddclient.conf -o /etc/dynward/dynward.toml
                                                carry a ddclient config over, then check it

Exit status: 0 when everything is fine; 1 when a host was not updated, the config is
invalid, or (status) a policy or host is stopped; 2 on a usage error or when the state cannot
be read or written; 3 (status) when no daemon runs. `man dynward` is the full reference.";

/// What the program is, first line of `--help`.
pub const ABOUT: &str = "Dynamic-DNS (dyndns2) update client for routers and servers.";

/// One option or argument.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    /// The short form (`-c`), if any.
    pub short: Option<char>,
    /// The long form without dashes (`config`); none for a positional argument.
    pub long: Option<&'static str>,
    /// The name of its value (`PATH`), or of the positional argument (`POLICY`).
    pub value: Option<&'static str>,
    /// What it does.
    pub help: &'static str,
    /// A positional argument that must be given.
    pub required: bool,
    /// May be given several times (positional), or counts (`-vv`).
    pub many: bool,
}

impl Arg {
    const fn flag(long: &'static str, help: &'static str) -> Arg {
        Arg {
            short: None,
            long: Some(long),
            value: None,
            help,
            required: false,
            many: false,
        }
    }
}

/// A subcommand with its own options and arguments, in the order the synopsis shows them.
#[derive(Debug, Clone, Copy)]
pub struct Sub {
    /// Its name.
    pub name: &'static str,
    /// What it does, in one line.
    pub about: &'static str,
    /// Its options and positional arguments.
    pub args: &'static [Arg],
}

/// The options every command takes (`-h` and `-V` as well).
pub const GLOBAL: &[Arg] = &[
    Arg {
        short: Some('c'),
        long: Some("config"),
        value: Some("PATH"),
        help: "Config file [default: /etc/dynward/dynward.toml, or $DYNWARD_CONFIG]",
        required: false,
        many: false,
    },
    Arg {
        short: Some('v'),
        long: Some("verbose"),
        value: None,
        help: "More log output on stderr: -v info, -vv debug (run logs info already: -v debug); DYNWARD_LOG=error|warn|info|debug|trace sets the level outright",
        required: false,
        many: true,
    },
    Arg {
        short: Some('h'),
        long: Some("help"),
        value: None,
        help: "Print help",
        required: false,
        many: false,
    },
    Arg {
        short: Some('V'),
        long: Some("version"),
        value: None,
        help: "Print version",
        required: false,
        many: false,
    },
];

/// The subcommands.
pub const COMMANDS: &[Sub] = &[
    Sub {
        name: "check",
        about: "Validate the config; list every problem with file, line and key",
        args: &[],
    },
    Sub {
        name: "once",
        about: "Detect addresses and send the updates that are due, once",
        args: &[
            Arg::flag(
                "dry-run",
                "Send nothing: print the exact requests (secrets masked)",
            ),
            Arg::flag(
                "force",
                "Update even when the address is unchanged (never past a stop, a provider hold or min_interval)",
            ),
            Arg::flag(
                "verify",
                "Then ask each zone's authoritative servers whether they serve what the provider has (waits up to verify_for); exit 1 when a host is not served",
            ),
            Arg {
                short: None,
                long: None,
                value: Some("POLICY"),
                help: "Only these policies (default: all)",
                required: false,
                many: true,
            },
        ],
    },
    Sub {
        name: "run",
        about: "Run the daemon: watch addresses, update on change (SIGHUP reloads, SIGTERM stops)",
        args: &[Arg::flag(
            "syslog",
            "Log to syslog (/dev/log) with each message's priority, not to stderr: OpenWrt's logd (its init script passes it)",
        )],
    },
    Sub {
        name: "reload",
        about: "Ask the running daemon to re-read its config and wait for the result (systemctl reload)",
        args: &[],
    },
    Sub {
        name: "status",
        about: "Show each policy's state, addresses, last results and next action",
        args: &[Arg::flag("json", "Machine-readable output")],
    },
    Sub {
        name: "reset",
        about: "Re-enable a policy (or one of its hosts) stopped by a fatal answer, and clear holds",
        args: &[
            Arg {
                short: None,
                long: None,
                value: Some("POLICY"),
                help: "The policy",
                required: true,
                many: false,
            },
            Arg {
                short: None,
                long: Some("host"),
                value: Some("HOST"),
                help: "Only this host",
                required: false,
                many: false,
            },
        ],
    },
    Sub {
        name: "providers",
        about: "List the provider presets: endpoint, how both families travel, hosts per request, what to know",
        args: &[Arg::flag("json", "Machine-readable output")],
    },
    Sub {
        name: "import",
        about: "Write a dynward config from a ddclient or inadyn one: each setting says where it came from, what cannot be carried is listed with the reason",
        args: &[
            Arg {
                short: None,
                long: Some("from"),
                value: Some("CLIENT"),
                help: "The other client: ddclient or inadyn",
                required: false,
                many: false,
            },
            Arg {
                short: Some('o'),
                long: Some("output"),
                value: Some("PATH"),
                help: "Write the config here (mode 0600), then check it; without it, print it with secrets masked",
                required: false,
                many: false,
            },
            Arg::flag("force", "Replace the output file if it exists"),
            Arg {
                short: None,
                long: None,
                value: Some("FILE"),
                help: "The other client's config file",
                required: true,
                many: false,
            },
        ],
    },
];

/// The parsed command line.
#[derive(Debug, PartialEq, Eq)]
pub struct Cli {
    /// `--config`.
    pub config: Option<PathBuf>,
    /// How many `-v`.
    pub verbose: u8,
    /// What to do.
    pub command: Command,
}

/// The subcommands, with their options.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Validate the config.
    Check,
    /// One pass.
    Once {
        /// Send nothing.
        dry_run: bool,
        /// Send even where unchanged.
        force: bool,
        /// Check the zones' servers after the pass.
        verify: bool,
        /// Only these policies.
        policies: Vec<String>,
    },
    /// The daemon.
    Run {
        /// Log to syslog's socket instead of stderr.
        syslog: bool,
    },
    /// Reload the running daemon.
    Reload,
    /// Show the state.
    Status {
        /// As JSON.
        json: bool,
    },
    /// Re-enable a policy or host.
    Reset {
        /// The policy.
        policy: String,
        /// Only this host.
        host: Option<String>,
    },
    /// List the presets.
    Providers {
        /// As JSON.
        json: bool,
    },
    /// Carry another client's config over.
    Import {
        /// `ddclient` or `inadyn`.
        from: String,
        /// Its config file.
        file: PathBuf,
        /// Where to write ours.
        output: Option<PathBuf>,
        /// Replace an existing output.
        force: bool,
    },
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Run a command.
    Run(Cli),
    /// Print this help and exit 0.
    Help(String),
    /// Print the version and exit 0.
    Version,
}

/// A usage error: the message, then the usage line and where to read more (exit status 2).
#[derive(Debug, PartialEq, Eq)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn usage_error(message: impl std::fmt::Display, sub: Option<&Sub>) -> Usage {
    let help = match sub {
        Some(s) => format!("dynward {} --help", s.name),
        None => "dynward --help".into(),
    };
    Usage(format!(
        "error: {message}\n\n{}\n\nFor more information, try '{help}'.",
        usage_line(sub)
    ))
}

fn usage_line(sub: Option<&Sub>) -> String {
    match sub {
        None => "Usage: dynward [OPTIONS] <COMMAND>".into(),
        Some(s) => {
            let mut line = format!("Usage: dynward {} [OPTIONS]", s.name);
            for a in s.args.iter().filter(|a| a.long.is_none()) {
                let v = a.value.unwrap_or("ARG");
                line.push_str(&match (a.required, a.many) {
                    (true, false) => format!(" <{v}>"),
                    (true, true) => format!(" <{v}>..."),
                    (false, false) => format!(" [{v}]"),
                    (false, true) => format!(" [{v}]..."),
                });
            }
            line
        }
    }
}

/// An option's value, which must be UTF-8.
fn text_value(p: &mut lexopt::Parser, sub: Option<&Sub>) -> Result<String, Usage> {
    p.value()
        .map_err(|e| usage_error(e, sub))?
        .into_string()
        .map_err(|v| usage_error(format!("not UTF-8: {v:?}"), sub))
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, Usage> {
    use lexopt::Arg::{Long, Short, Value};
    let mut p = lexopt::Parser::from_args(args);
    let mut sub: Option<&'static Sub> = None;
    let mut seen = Seen::default();
    let mut help_command = false;
    let on = |sub: Option<&Sub>, name: &str| sub.is_some_and(|s| s.name == name);
    loop {
        let arg = match p.next() {
            Ok(Some(a)) => a,
            Ok(None) => break,
            Err(e) => return Err(usage_error(e, sub)),
        };
        match arg {
            Short('c') | Long("config") => match p.value() {
                Ok(v) => seen.config = Some(PathBuf::from(v)),
                Err(e) => return Err(usage_error(e, sub)),
            },
            Short('v') | Long("verbose") => seen.verbose = seen.verbose.saturating_add(1),
            Short('h') | Long("help") => return Ok(Parsed::Help(help(sub))),
            Short('V') | Long("version") => return Ok(Parsed::Version),
            Long("dry-run") if on(sub, "once") => seen.dry_run = true,
            Long("force") if on(sub, "once") || on(sub, "import") => seen.force = true,
            Long("verify") if on(sub, "once") => seen.verify = true,
            Long("from") if on(sub, "import") => seen.from = Some(text_value(&mut p, sub)?),
            Short('o') | Long("output") if on(sub, "import") => match p.value() {
                Ok(v) => seen.output = Some(PathBuf::from(v)),
                Err(e) => return Err(usage_error(e, sub)),
            },
            Long("syslog") if on(sub, "run") => seen.syslog = true,
            Long("json") if on(sub, "status") || on(sub, "providers") => seen.json = true,
            Long("host") if on(sub, "reset") => seen.host = Some(text_value(&mut p, sub)?),
            Value(v) => {
                let v = v
                    .into_string()
                    .map_err(|v| usage_error(format!("not UTF-8: {v:?}"), sub))?;
                match sub {
                    Some(_) => seen.values.push(v),
                    None if v == "help" && !help_command => help_command = true,
                    None => match COMMANDS.iter().find(|c| c.name == v) {
                        Some(c) if help_command => return Ok(Parsed::Help(help(Some(c)))),
                        Some(c) => sub = Some(c),
                        None => return Err(unknown_command(&v)),
                    },
                }
            }
            other => return Err(usage_error(other.unexpected(), sub)),
        }
    }
    if help_command {
        return Ok(Parsed::Help(help(None)));
    }
    let Some(s) = sub else {
        return Err(usage_error("a command is required", None));
    };
    let (config, verbose) = (seen.config.take(), seen.verbose);
    Ok(Parsed::Run(Cli {
        config,
        verbose,
        command: command(s, seen)?,
    }))
}

/// What the command line said besides the command.
#[derive(Default)]
struct Seen {
    config: Option<PathBuf>,
    verbose: u8,
    dry_run: bool,
    force: bool,
    verify: bool,
    json: bool,
    syslog: bool,
    host: Option<String>,
    from: Option<String>,
    output: Option<PathBuf>,
    /// The command's arguments, in order.
    values: Vec<String>,
}

/// A word that names no command.
fn unknown_command(v: &str) -> Usage {
    usage_error(
        format!(
            "unrecognized command '{v}'; the commands: {}",
            COMMANDS
                .iter()
                .map(|c| c.name)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None,
    )
}

/// The command `s` with what was seen for it; every argument must be taken.
fn command(s: &'static Sub, seen: Seen) -> Result<Command, Usage> {
    let sub = Some(s);
    let mut values = seen.values.into_iter();
    let command = match s.name {
        "check" => Command::Check,
        "once" => Command::Once {
            dry_run: seen.dry_run,
            force: seen.force,
            verify: seen.verify,
            policies: values.by_ref().collect(),
        },
        "run" => Command::Run {
            syslog: seen.syslog,
        },
        "reload" => Command::Reload,
        "status" => Command::Status { json: seen.json },
        "providers" => Command::Providers { json: seen.json },
        "import" => {
            let from = match seen.from.as_deref() {
                Some(f @ ("ddclient" | "inadyn")) => f.to_string(),
                Some(other) => {
                    return Err(usage_error(
                        format!("--from {other}: dynward reads ddclient and inadyn configs"),
                        sub,
                    ));
                }
                None => {
                    return Err(usage_error(
                        "--from ddclient or --from inadyn is missing",
                        sub,
                    ));
                }
            };
            match values.next() {
                Some(file) => Command::Import {
                    from,
                    file: PathBuf::from(file),
                    output: seen.output,
                    force: seen.force,
                },
                None => return Err(usage_error("the config file to import is missing", sub)),
            }
        }
        _ => match values.next() {
            Some(policy) => Command::Reset {
                policy,
                host: seen.host,
            },
            None => return Err(usage_error("the policy to reset is missing", sub)),
        },
    };
    if let Some(extra) = values.next() {
        return Err(usage_error(format!("unexpected argument '{extra}'"), sub));
    }
    Ok(command)
}

/// How an option reads in help: `-c, --config <PATH>`, `    --force`, `[POLICY]...`.
fn arg_label(a: &Arg) -> String {
    let value = a.value.unwrap_or("ARG");
    match a.long {
        None if a.many => format!("[{value}]..."),
        None if a.required => format!("<{value}>"),
        None => format!("[{value}]"),
        Some(long) => {
            let short = a.short.map(|s| format!("-{s}, ")).unwrap_or("    ".into());
            let value = a.value.map(|v| format!(" <{v}>")).unwrap_or_default();
            let many = if a.many { "..." } else { "" };
            format!("{short}--{long}{value}{many}")
        }
    }
}

/// Lines `  label  help`, the help column aligned.
fn table(rows: &[(String, &str)]) -> String {
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(l, h)| format!("  {l:width$}  {h}\n"))
        .collect()
}

/// `--help` of the program, or of one command.
pub fn help(sub: Option<&Sub>) -> String {
    let globals: Vec<(String, &str)> = GLOBAL.iter().map(|a| (arg_label(a), a.help)).collect();
    match sub {
        None => {
            let mut cmds: Vec<(String, &str)> = COMMANDS
                .iter()
                .map(|c| (c.name.to_string(), c.about))
                .collect();
            cmds.push((
                "help".into(),
                "Print this message or the help of the given command",
            ));
            format!(
                "{ABOUT}\n\n{}\n\nCommands:\n{}\nOptions:\n{}\n{EXAMPLES}\n",
                usage_line(None),
                table(&cmds),
                table(&globals)
            )
        }
        Some(s) => {
            let positionals: Vec<(String, &str)> = s
                .args
                .iter()
                .filter(|a| a.long.is_none())
                .map(|a| (arg_label(a), a.help))
                .collect();
            let mut options: Vec<(String, &str)> = s
                .args
                .iter()
                .filter(|a| a.long.is_some())
                .map(|a| (arg_label(a), a.help))
                .collect();
            options.extend(
                globals
                    .into_iter()
                    .filter(|(l, _)| !l.contains("--version")),
            );
            let arguments = if positionals.is_empty() {
                String::new()
            } else {
                format!("Arguments:\n{}\n", table(&positionals))
            };
            format!(
                "{}\n\n{}\n\n{arguments}Options:\n{}",
                s.about,
                usage_line(Some(s)),
                table(&options)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Parsed, Usage> {
        parse(line.split_whitespace().map(OsString::from))
    }

    fn run(line: &str) -> Cli {
        match parse_str(line) {
            Ok(Parsed::Run(c)) => c,
            other => panic!("{line}: {other:?}"),
        }
    }

    /// Every command with its options, the global options before or after it, `-vv`.
    #[test]
    fn every_command_takes_its_options_and_the_global_ones_anywhere() {
        assert_eq!(
            run("-c /x.toml once --dry-run home nas -vv"),
            Cli {
                config: Some("/x.toml".into()),
                verbose: 2,
                command: Command::Once {
                    dry_run: true,
                    force: false,
                    verify: false,
                    policies: vec!["home".into(), "nas".into()],
                },
            }
        );
        assert_eq!(
            run("once --force").command,
            Command::Once {
                dry_run: false,
                force: true,
                verify: false,
                policies: vec![],
            }
        );
        assert_eq!(
            run("reset home --host=a.example.org --config /y").command,
            Command::Reset {
                policy: "home".into(),
                host: Some("a.example.org".into()),
            }
        );
        assert_eq!(run("status --json").command, Command::Status { json: true });
        for (line, cmd) in [
            ("check", Command::Check),
            ("run", Command::Run { syslog: false }),
            ("run --syslog", Command::Run { syslog: true }),
            ("reload", Command::Reload),
            ("status", Command::Status { json: false }),
        ] {
            assert_eq!(run(line).command, cmd);
        }
    }

    /// Usage errors say what is wrong, the usage of the command and where to read more.
    #[test]
    fn usage_errors_say_what_is_wrong_and_where_to_read_more() {
        for (line, words) in [
            ("", "a command is required"),
            (
                "frob",
                "unrecognized command 'frob'; the commands: check, once",
            ),
            ("once --json", "invalid option '--json'"),
            ("status extra", "unexpected argument 'extra'"),
            ("reset", "the policy to reset is missing"),
            ("reset a b", "unexpected argument 'b'"),
            ("--config", "missing argument for option '--config'"),
            ("check --dry-run", "invalid option '--dry-run'"),
        ] {
            let Err(Usage(text)) = parse_str(line) else {
                panic!("{line:?} parsed");
            };
            assert!(
                text.starts_with(&format!("error: {words}")),
                "{line:?}: {text}"
            );
            assert!(text.contains("\n\nUsage: dynward"), "{text}");
            assert!(text.ends_with("--help'."), "{text}");
        }
        let Err(Usage(text)) = parse_str("reset") else {
            panic!()
        };
        assert!(
            text.contains("Usage: dynward reset [OPTIONS] <POLICY>"),
            "{text}"
        );
    }

    /// `--help`, `help` and `help COMMAND`; `--version`.
    #[test]
    fn help_comes_for_the_program_and_each_command_and_version_alone() {
        let Ok(Parsed::Help(top)) = parse_str("--help") else {
            panic!()
        };
        assert_eq!(parse_str("help"), Ok(Parsed::Help(top.clone())));
        assert!(top.starts_with(ABOUT), "{top}");
        assert!(top.contains("  -c, --config <PATH>  Config file"), "{top}");
        assert!(
            top.lines()
                .any(|l| l.starts_with("  reset ") && l.ends_with("Re-enable a policy (or one of its hosts) stopped by a fatal answer, and clear holds")),
            "{top}"
        );
        assert!(top.contains(EXAMPLES), "{top}");
        let Ok(Parsed::Help(once)) = parse_str("once -h") else {
            panic!()
        };
        assert_eq!(parse_str("help once"), Ok(Parsed::Help(once.clone())));
        assert!(
            once.contains("Usage: dynward once [OPTIONS] [POLICY]...")
                && once.contains("      --dry-run")
                && once.contains("[POLICY]...  Only these policies"),
            "{once}"
        );
        assert_eq!(parse_str("-V"), Ok(Parsed::Version));
        assert_eq!(parse_str("status --version"), Ok(Parsed::Version));
    }
}
