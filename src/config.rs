//! The configuration file: a strict TOML walk that collects every problem with its line.
//!
//! Parsing is done in two stages (as ripgrep does): the TOML document is read into a table
//! that keeps byte spans, then each key is checked and turned into a typed value. Every
//! problem found on the way is recorded with its line, column and key path, so that one run
//! of `dynward check` lists them all. Unknown keys are errors: a typo must never silently
//! leave a default in place.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::de::{DeTable, DeValue};
use url::Url;

use crate::addr::Prefix;
use crate::duration;
use crate::lan6::{HostId, LanHost};
use crate::protocol::code::{Code, Quirks};
use crate::protocol::dyndns2::Endpoint;
use crate::protocol::dyndns2::{Credentials, Dialect, FamilyMode, HostForm, Rule, Shape, User};
use crate::protocol::{HttpExchange, ServerId, Update, dyndns2};
use crate::provider::Provider;
use crate::secret::Secret;

/// Where the config is read from when neither `--config` nor `DYNWARD_CONFIG` says.
pub const DEFAULT_PATH: &str = "/etc/dynward/dynward.toml";
/// Where the state lives when neither the config nor `$STATE_DIRECTORY` says.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/dynward";

/// The default User-Agent; providers require one that names product, version and a contact.
pub fn default_user_agent() -> String {
    format!(
        "dynward/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    /// `state_dir` as written, if written.
    pub state_dir: Option<PathBuf>,
    /// The policies, in file order.
    pub policies: Vec<Policy>,
    /// Non-fatal findings (e.g. a password file readable by others).
    pub warnings: Vec<String>,
}

/// Where a policy gets its address from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The global addresses of this interface.
    Interface(String),
    /// The interface of the default route, followed as it changes.
    DefaultRoute,
    /// A check-IP web service, asked over each family the policy publishes.
    Web(Url),
    /// A check-IP service per family (`web4`, `web6`), each asked over its own family.
    WebFamilies {
        /// Asked over IPv4 for the IPv4 address.
        v4: Option<Url>,
        /// Asked over IPv6 for the IPv6 address.
        v6: Option<Url>,
    },
    /// A command (program and arguments, no shell) that prints the address, asked like a web
    /// service.
    Command(Vec<String>),
}

impl Source {
    /// Whether the address is asked for every `check_interval` (web, command) rather than
    /// followed through netlink.
    pub fn is_asked(&self) -> bool {
        matches!(
            self,
            Source::Web(_) | Source::WebFamilies { .. } | Source::Command(_)
        )
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Interface(i) => write!(f, "interface {i}"),
            Source::DefaultRoute => f.write_str("interface auto (default route)"),
            Source::Web(u) => write!(f, "web {u}"),
            Source::WebFamilies { v4, v6 } => {
                let v4 = v4.iter().map(|u| format!("web4 {u}"));
                let v6 = v6.iter().map(|u| format!("web6 {u}"));
                f.write_str(&v4.chain(v6).collect::<Vec<_>>().join(", "))
            }
            Source::Command(argv) => write!(f, "command {}", argv.join(" ")),
        }
    }
}

/// One account at one provider, its hosts and its address source.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Unique name, shown in logs and status.
    pub name: String,
    /// Set when chosen with `provider = "..."`.
    pub provider: Option<Provider>,
    /// Update endpoint.
    pub endpoint: Endpoint,
    /// Provider quirks (preset, or generic dyndns2 with `ipv6_mode`).
    pub dialect: Dialect,
    /// Account user name.
    pub username: String,
    /// Account password or update key.
    pub password: Secret,
    /// Where the password came from, for `check` (never the value).
    pub password_origin: String,
    /// Host names to update.
    pub hosts: Vec<String>,
    /// Address source.
    pub source: Source,
    /// Publish IPv4.
    pub ipv4: bool,
    /// Publish IPv6.
    pub ipv6: bool,
    /// Publish private, CGNAT, link-local and ULA addresses too.
    pub allow_private: bool,
    /// Permit `http://` with credentials.
    pub allow_insecure_http: bool,
    /// User-Agent header.
    pub user_agent: String,
    /// Extra trusted root certificate(s) in PEM.
    pub ca_file: Option<PathBuf>,
    /// Total time allowed for one request.
    pub timeout: Duration,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Preferred IPv4 prefix when several addresses qualify.
    pub ipv4_prefix: Option<Prefix>,
    /// Preferred IPv6 prefix when several addresses qualify.
    pub ipv6_prefix: Option<Prefix>,
    /// Publish the IPv6 address of a host behind the router: the prefix on a LAN interface
    /// plus the host's id, instead of an address of the policy's interface.
    pub ipv6_lan: Option<LanHost>,
    /// How long an address must stay unchanged before it is published (daemon).
    pub stable_for: Duration,
    /// Minimum gap between two updates of the same host.
    pub min_interval: Duration,
    /// Forced same-address refresh period.
    pub max_interval: Duration,
    /// How often a web source is re-checked (daemon).
    pub check_interval: Duration,
    /// Command run after a successful change (program and arguments, no shell).
    pub on_change: Vec<String>,
    /// Command run when a host or the policy becomes invalid or backs off.
    pub on_error: Vec<String>,
    /// How long a hook may run before it is killed.
    pub hook_timeout: Duration,
}

/// One problem in the config file, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line; 0 when the problem is about the whole file.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Key path such as `policy[0].server` (empty for syntax errors).
    pub key: String,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
}

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read at all.
    #[error("{path}: cannot read the config file: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file was read and has problems.
    #[error("{}", format_problems(path, problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem, in line order.
        problems: Vec<Problem>,
    },
}

fn format_problems(path: &Path, problems: &[Problem]) -> String {
    let mut out = format!(
        "{}: {} problem{} in the config:",
        path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str(&format!("\n  {}:{}:{}: ", path.display(), p.line, p.column));
        if !p.key.is_empty() {
            out.push_str(&format!("{}: ", p.key));
        }
        out.push_str(&p.message);
    }
    out
}

/// What the loader may look up outside the file: environment variables and the systemd
/// credentials directory. Injected so tests do not touch the process environment.
pub struct Env<'a> {
    /// Environment variable lookup.
    pub var: &'a dyn Fn(&str) -> Option<String>,
}

impl Env<'_> {
    /// The real process environment.
    pub fn process() -> Env<'static> {
        Env {
            var: &|k| std::env::var(k).ok(),
        }
    }
}

/// Reads and validates the config file at `path`.
pub fn load(path: &Path, env: &Env<'_>) -> Result<Config, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut cfg = from_str(&text, path, env)?;
    let inline: Vec<&str> = cfg
        .policies
        .iter()
        .filter(|p| p.password_origin == INLINE_PASSWORD)
        .map(|p| p.name.as_str())
        .collect();
    if let (false, Ok(meta)) = (inline.is_empty(), std::fs::metadata(path))
        && let Some(who) = loose_readers(&meta, &group_ids("/etc/group", SERVICE_GROUP))
    {
        cfg.warnings.push(format!(
            "the file holds the password of {} and is readable by {who}; run: chmod 600 {} (the package installs it root:{SERVICE_GROUP} 0640), or move the password to password_file or a systemd credential",
            inline.join(", "),
            path.display()
        ));
    }
    Ok(cfg)
}

/// `password_origin` of a password written in the config file itself.
const INLINE_PASSWORD: &str = "password (in the config file)";

/// The group the package gives the service, which may read the config.
pub const SERVICE_GROUP: &str = "dynward";

/// The ids of group `name` in a group file (none when it is not there).
fn group_ids(file: &str, name: &str) -> Vec<u32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            (f.next() == Some(name))
                .then(|| f.nth(1).and_then(|gid| gid.parse().ok()))
                .flatten()
        })
        .collect()
}

/// Who besides the owner can read a file holding a secret, in words; `None` when no one:
/// others never, the group only when it is root's or the service's.
fn loose_readers(meta: &std::fs::Metadata, service_gids: &[u32]) -> Option<&'static str> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mode = meta.permissions().mode();
    if mode & 0o004 != 0 {
        return Some("others");
    }
    let trusted = meta.gid() == 0 || service_gids.contains(&meta.gid());
    (mode & 0o040 != 0 && !trusted).then_some("its group")
}

/// Validates config text; `path` is used for messages and to resolve relative paths.
pub fn from_str(text: &str, path: &Path, env: &Env<'_>) -> Result<Config, Error> {
    let mut w = Walker {
        src: text,
        problems: Vec::new(),
        warnings: Vec::new(),
        base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        names: Vec::new(),
    };
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        for e in syntax {
            let span = e.span().unwrap_or(0..0);
            let first = e.message().lines().next().unwrap_or("syntax error");
            w.problem_at(span.start, "", format!("TOML syntax: {first}"));
        }
        return Err(w.into_error(path));
    }
    let doc = doc.into_inner();
    let mut state_dir = None;
    let mut globals = Globals::default();
    for (k, v) in doc.iter() {
        match k.get_ref().as_ref() {
            "state_dir" => {
                if let Some(s) = w.string(v, "state_dir") {
                    state_dir = Some(PathBuf::from(s));
                }
            }
            "on_change" => globals.on_change = w.command(v, "on_change").unwrap_or_default(),
            "on_error" => globals.on_error = w.command(v, "on_error").unwrap_or_default(),
            "hook_timeout" => globals.hook_timeout = w.duration(v, "hook_timeout"),
            "policy" => {}
            other => {
                let hint = match foreign_hint(other) {
                    Some(h) => h.to_string(),
                    None if POLICY_KEYS.contains(&other) => {
                        "it belongs inside a [[policy]] section".to_string()
                    }
                    None => format!("top-level keys are {} and [[policy]]", TOP_KEYS.join(", ")),
                };
                w.problem_at(k.span().start, other, format!("unknown key; {hint}"))
            }
        }
    }
    let mut policies = Vec::new();
    if let Some(v) = doc.get("policy") {
        match v.get_ref() {
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("policy[{i}]");
                    match item.get_ref() {
                        DeValue::Table(t) => {
                            if let Some(p) = w.policy(t, item.span().start, &at, env, &globals) {
                                policies.push(p);
                            }
                        }
                        _ => w.problem_at(
                            item.span().start,
                            &at,
                            "must be a table; write [[policy]] sections".into(),
                        ),
                    }
                }
            }
            _ => w.problem_at(
                v.span().start,
                "policy",
                "must be an array of tables; write each policy as a [[policy]] section".into(),
            ),
        }
    }
    if !doc.contains_key("policy") && w.problems.is_empty() {
        w.problem_at(
            0,
            "policy",
            "no [[policy]] section; add at least one policy".into(),
        );
    }
    if !w.problems.is_empty() {
        return Err(w.into_error(path));
    }
    Ok(Config {
        path: path.to_path_buf(),
        state_dir,
        policies,
        warnings: w.warnings,
    })
}

/// The `state_dir` of a config file that may not be valid as a whole, so that `status` and
/// `reset` still reach the daemon while the file is being edited.
pub fn state_dir_hint(path: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(path).ok()?;
    let table = text.parse::<toml::Table>().ok()?;
    table.get("state_dir")?.as_str().map(PathBuf::from)
}

fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}

type Item<'i> = toml::Spanned<DeValue<'i>>;

struct Walker<'s> {
    src: &'s str,
    problems: Vec<Problem>,
    warnings: Vec<String>,
    base: PathBuf,
    /// Every policy name read, with where it stands and its policy's path, to tell a
    /// duplicate where the first one is.
    names: Vec<(String, usize, String)>,
}

/// Every key a policy may have; anything else is reported as unknown.
pub(crate) const POLICY_KEYS: &[&str] = &[
    "name",
    "server",
    "url",
    "provider",
    "username",
    "password",
    "password_file",
    "password_env",
    "hosts",
    "interface",
    "web",
    "web4",
    "web6",
    "command",
    "replies",
    "alias",
    "ipv4",
    "ipv6",
    "allow_private",
    "allow_insecure_http",
    "user_agent",
    "ca_file",
    "timeout",
    "connect_timeout",
    "ipv6_mode",
    "ipv4_prefix",
    "ipv6_prefix",
    "ipv6_prefix_from",
    "ipv6_host_id",
    "ipv6_host_mac",
    "stable_for",
    "min_interval",
    "max_interval",
    "check_interval",
    "on_change",
    "on_error",
];

/// Top-level keys besides `[[policy]]`.
pub(crate) const TOP_KEYS: &[&str] = &["state_dir", "on_change", "on_error", "hook_timeout"];

/// Keys the users of other clients type (ddclient, inadyn), and what dynward calls them.
const FOREIGN_KEYS: &[(&str, &str)] = &[
    ("login", "the account's user name is `username`"),
    ("user", "the account's user name is `username`"),
    (
        "hostname",
        "host names go in a list: `hosts = [\"home.example.org\"]`",
    ),
    (
        "hostnames",
        "host names go in a list: `hosts = [\"home.example.org\"]`",
    ),
    (
        "alias",
        "host names go in a list: `hosts = [\"home.example.org\"]`",
    ),
    (
        "protocol",
        "dynward speaks dyndns2; say where updates go with `provider`, `server` or `url`",
    ),
    (
        "system",
        "dynward speaks dyndns2; say where updates go with `provider`, `server` or `url`",
    ),
    (
        "use",
        "the address source is `interface = \"eth0\"` (`\"auto\"`: the default route's) or `web = \"https://…\"` (a check-IP service)",
    ),
    (
        "usev4",
        "the address source is `interface = \"eth0\"` (`\"auto\"`: the default route's) or `web = \"https://…\"` (a check-IP service)",
    ),
    (
        "usev6",
        "IPv6 is published with `ipv6 = true`, from the same `interface` or `web`",
    ),
    (
        "if",
        "the interface is `interface = \"eth0\"` (or `\"auto\"`)",
    ),
    (
        "ifv4",
        "the interface is `interface = \"eth0\"` (or `\"auto\"`)",
    ),
    (
        "ifv6",
        "the interface is `interface = \"eth0\"` (or `\"auto\"`); IPv6 is published with `ipv6 = true`",
    ),
    ("allow-ipv6", "IPv6 is published with `ipv6 = true`"),
    (
        "checkip-server",
        "a check-IP service is `web = \"https://…\"`",
    ),
    (
        "checkip-path",
        "a check-IP service is `web = \"https://…\"`, one URL",
    ),
    ("webv4", "a check-IP service is `web = \"https://…\"`"),
    (
        "ssl",
        "dynward uses https:// unless `server` or `url` says http://: remove `ssl`",
    ),
    (
        "daemon",
        "`dynward run` is the daemon: it reacts to address changes as they happen, with no interval to set (a `web` source is asked every `check_interval`)",
    ),
    (
        "period",
        "`dynward run` reacts to address changes as they happen; a `web` source is asked every `check_interval`",
    ),
    (
        "wildcard",
        "dynward sends no wildcard, mx or backmx options",
    ),
    ("mx", "dynward sends no wildcard, mx or backmx options"),
];

/// What dynward calls a key another client uses (`-` and `_` alike, any case).
fn foreign_hint(key: &str) -> Option<&'static str> {
    let k = key.to_ascii_lowercase().replace('_', "-");
    FOREIGN_KEYS
        .iter()
        .find(|(name, _)| *name == k)
        .map(|(_, hint)| *hint)
}

/// Hooks and their timeout as set at the top level: defaults for every policy.
#[derive(Debug, Clone, Default)]
struct Globals {
    on_change: Vec<String>,
    on_error: Vec<String>,
    hook_timeout: Option<Duration>,
}

/// The defaults and floors of a policy's settings (README "Configuration").
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// See [`DEFAULT_TIMEOUT`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The shortest `timeout` and `connect_timeout`.
pub const MIN_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a new address must stay unchanged before the daemon publishes it.
pub const DEFAULT_STABLE_FOR: Duration = Duration::from_secs(5);
/// The least time between two updates of one host.
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(60);
/// How often an unchanged address is re-sent (providers expire idle hosts after 30 days).
pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(25 * 86_400);
/// The shortest `max_interval`: more often is counted as `nochg` abuse.
pub const MIN_MAX_INTERVAL: Duration = Duration::from_secs(86_400);
/// How often a web source is asked.
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(600);
/// The shortest `check_interval`: check-IP services block clients that ask more often.
pub const MIN_CHECK_INTERVAL: Duration = Duration::from_secs(60);
/// How long a hook may run.
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(30);

/// The policy table being read, and where it is.
struct Section<'t, 'i> {
    t: &'t DeTable<'i>,
    table_at: usize,
    at: &'t str,
}

impl<'t, 'i> Section<'t, 'i> {
    /// The key's path for messages: `policy[0].hosts`.
    fn key(&self, k: &str) -> String {
        format!("{}.{k}", self.at)
    }

    fn get(&self, k: &str) -> Option<&'t Item<'i>> {
        self.t.get(k)
    }
}

/// What the families section read.
struct Families {
    ipv4: bool,
    ipv6: bool,
    allow_private: bool,
    allow_insecure_http: bool,
}

/// What the HTTP section read.
struct HttpSettings {
    user_agent: Option<String>,
    ca_file: Option<PathBuf>,
    timeout: Duration,
    connect_timeout: Duration,
}

/// What the timers section read.
struct Timers {
    stable_for: Duration,
    min_interval: Duration,
    max_interval: Duration,
    check_interval: Duration,
}

impl Walker<'_> {
    fn problem_at(&mut self, offset: usize, key: &str, message: String) {
        let (line, column) = line_col(self.src, offset);
        self.problems.push(Problem {
            line,
            column,
            key: key.to_string(),
            message,
        });
    }

    fn into_error(mut self, path: &Path) -> Error {
        self.problems.sort_by_key(|p| (p.line, p.column));
        Error::Invalid {
            path: path.to_path_buf(),
            problems: self.problems,
        }
    }

    fn string(&mut self, v: &Item<'_>, key: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                self.problem_at(
                    v.span().start,
                    key,
                    format!("must be a string, found {}", other.type_str()),
                );
                None
            }
        }
    }

    fn boolean(&mut self, v: &Item<'_>, key: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.problem_at(
                    v.span().start,
                    key,
                    format!("must be true or false, found {}", other.type_str()),
                );
                None
            }
        }
    }

    fn duration(&mut self, v: &Item<'_>, key: &str) -> Option<Duration> {
        if let DeValue::Integer(_) = v.get_ref() {
            self.problem_at(
                v.span().start,
                key,
                "durations are strings with a unit, e.g. \"30s\", \"10m\", \"25d\"".into(),
            );
            return None;
        }
        let s = self.string(v, key)?;
        match duration::parse(&s) {
            Ok(d) => Some(d),
            Err(e) => {
                self.problem_at(v.span().start, key, e);
                None
            }
        }
    }

    /// A command: a non-empty list of strings whose first is an absolute path (no shell, no
    /// PATH lookup: what runs is exactly what the file says).
    fn command(&mut self, v: &Item<'_>, key: &str) -> Option<Vec<String>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.problem_at(
                v.span().start,
                key,
                "must be a list like [\"/usr/local/bin/notify\", \"arg\"] (no shell)".into(),
            );
            return None;
        };
        let mut out = Vec::new();
        for (i, it) in items.iter().enumerate() {
            out.push(self.string(it, &format!("{key}[{i}]"))?);
        }
        match out.first() {
            None => {
                self.problem_at(
                    v.span().start,
                    key,
                    "is empty; name the program to run".into(),
                );
                None
            }
            Some(p) if !p.starts_with('/') => {
                self.problem_at(
                    v.span().start,
                    key,
                    format!("\"{p}\" must be an absolute path (commands run without a shell or PATH lookup)"),
                );
                None
            }
            Some(_) => Some(out),
        }
    }

    fn policy(
        &mut self,
        t: &DeTable<'_>,
        table_at: usize,
        at: &str,
        env: &Env<'_>,
        globals: &Globals,
    ) -> Option<Policy> {
        let before = self.problems.len();
        let s = Section { t, table_at, at };
        self.unknown_keys(&s);
        let name = self.name(&s);
        let (provider, endpoint, mut dialect) = self.endpoint(&s);
        self.replies(&s, provider, endpoint.as_ref(), &mut dialect);
        self.alias(&s, provider, &mut dialect);
        let hosts = self.hosts(&s, endpoint.as_ref(), &dialect);
        let username = self.username(&s, provider, endpoint.as_ref(), &dialect, &hosts);
        let password = self.password(t, table_at, at, name.as_deref(), env);
        let source = self.source(&s);
        let families = self.families(&s, provider, endpoint.as_ref(), &dialect);
        let http = self.http_settings(&s);
        let timers = self.timers(&s);
        let ipv4_prefix = self.prefix(&s, "ipv4_prefix", false);
        let ipv6_prefix = self.prefix(&s, "ipv6_prefix", true);
        let ipv6_lan = self.lan_host(&s, &families, source.as_ref());
        if let Some(Source::WebFamilies { v4, v6 }) = &source {
            for (url, on, key, flag) in [
                (v4, families.ipv4, "web4", "ipv4 = false"),
                (v6, families.ipv6, "web6", "ipv6 is not true"),
            ] {
                if url.is_some() && !on {
                    let at = s.get(key).map_or(s.table_at, |v| v.span().start);
                    self.problem_at(
                        at,
                        &s.key(key),
                        format!("asks for an address the policy does not publish ({flag})"),
                    );
                }
            }
        }
        let (on_change, on_error) = self.hooks(&s, globals);
        if self.problems.len() != before {
            return None;
        }
        let (password, password_origin) = password?;
        Some(Policy {
            name: name?,
            provider,
            endpoint: endpoint?,
            dialect,
            username: username?,
            password,
            password_origin,
            hosts,
            source: source?,
            ipv4: families.ipv4,
            ipv6: families.ipv6,
            allow_private: families.allow_private,
            allow_insecure_http: families.allow_insecure_http,
            user_agent: http.user_agent?,
            ca_file: http.ca_file,
            timeout: http.timeout,
            connect_timeout: http.connect_timeout,
            ipv4_prefix,
            ipv6_prefix,
            ipv6_lan,
            stable_for: timers.stable_for,
            min_interval: timers.min_interval,
            max_interval: timers.max_interval,
            check_interval: timers.check_interval,
            on_change,
            on_error,
            hook_timeout: globals.hook_timeout.unwrap_or(DEFAULT_HOOK_TIMEOUT),
        })
    }

    /// Keys a policy may not have, each with the closest known one.
    fn unknown_keys(&mut self, s: &Section<'_, '_>) {
        for (k, _) in s.t.iter() {
            let name = k.get_ref().as_ref();
            if !POLICY_KEYS.contains(&name) {
                let hint = match foreign_hint(name) {
                    Some(h) => format!("; {h}"),
                    None if TOP_KEYS.contains(&name) => {
                        "; it belongs at the top level, before the first [[policy]]".into()
                    }
                    None => closest(name, POLICY_KEYS)
                        .map(|c| format!("; did you mean \"{c}\"?"))
                        .unwrap_or_default(),
                };
                self.problem_at(k.span().start, &s.key(name), format!("unknown key{hint}"));
            }
        }
    }

    /// `name`: required; it names the systemd credential, so it must be a file name.
    fn name(&mut self, s: &Section<'_, '_>) -> Option<String> {
        let Some(v) = s.get("name") else {
            self.problem_at(
                s.table_at,
                &s.key("name"),
                "missing; every policy needs a unique name".into(),
            );
            return None;
        };
        let n = self.string(v, &s.key("name"))?;
        let ok = !n.is_empty() && n.len() <= MAX_NAME && n.chars().all(is_name_char);
        if !ok {
            self.problem_at(
                v.span().start,
                &s.key("name"),
                "must be 1-64 characters of letters, digits, '-', '_' or '.' (it names a credential file)".into(),
            );
            return None;
        }
        match self.names.iter().find(|(m, _, _)| *m == n).cloned() {
            Some((_, first, first_at)) => {
                let (line, _) = line_col(self.src, first);
                self.problem_at(
                    v.span().start,
                    &s.key("name"),
                    format!("duplicate policy name \"{n}\": {first_at} at line {line} has it already; names must be unique"),
                );
            }
            None => self
                .names
                .push((n.clone(), v.span().start, s.at.to_string())),
        }
        Some(n)
    }

    /// Exactly one of `server`, `url` and `provider`, and `ipv6_mode`: where updates go and
    /// the dialect they are sent in.
    fn endpoint(&mut self, s: &Section<'_, '_>) -> (Option<Provider>, Option<Endpoint>, Dialect) {
        let chosen: Vec<(&str, &Item<'_>)> = ["server", "url", "provider"]
            .into_iter()
            .filter_map(|k| s.get(k).map(|v| (k, v)))
            .collect();
        let mut provider = None;
        let mut dialect = Dialect::default();
        let mut endpoint = None;
        match chosen.as_slice() {
            [] => self.problem_at(
                s.table_at,
                &s.key("server"),
                "missing update endpoint; set one of server, url or provider".into(),
            ),
            [(one, v)] => {
                if let Some(text) = self.string(v, &s.key(one)) {
                    match *one {
                        "provider" => {
                            if let Some(p) = self.preset(v, &text, &s.key("provider")) {
                                provider = Some(p);
                                dialect = p.dialect();
                                endpoint = Url::parse(p.server()).ok().map(Endpoint::Server);
                            }
                        }
                        "server" => match parse_server(&text) {
                            Ok(u) => endpoint = Some(Endpoint::Server(u)),
                            Err(e) => self.problem_at(v.span().start, &s.key("server"), e),
                        },
                        _ => match check_template(&text) {
                            Ok(()) => endpoint = Some(Endpoint::Template(text)),
                            Err(e) => self.problem_at(v.span().start, &s.key("url"), e),
                        },
                    }
                }
            }
            // A preset sent to another endpoint (a regional or self-hosted server, a test):
            // the preset's dialect and quirks, the given server.
            [(a, pv), (b, sv)] | [(b, sv), (a, pv)] if *a == "provider" && *b == "server" => {
                let p = self
                    .string(pv, &s.key("provider"))
                    .and_then(|text| self.preset(pv, &text, &s.key("provider")));
                let u = self.string(sv, &s.key("server")).and_then(|text| {
                    let given_path = Url::parse(&text).map(|u| u.path().len() > 1);
                    parse_server(&text)
                        .map_err(|e| self.problem_at(sv.span().start, &s.key("server"), e))
                        .ok()
                        .map(|u| (u, given_path.unwrap_or(true)))
                });
                if let (Some(p), Some((mut u, given_path))) = (p, u) {
                    // A server without a path takes the preset's (`/update`, `/u/`, `/`).
                    if !given_path && let Ok(preset) = Url::parse(p.server()) {
                        u.set_path(preset.path());
                    }
                    provider = Some(p);
                    dialect = p.dialect();
                    endpoint = Some(Endpoint::Server(u));
                }
            }
            many => {
                if let Some((later, v)) = last_in_file(many) {
                    self.problem_at(
                        v.span().start,
                        &s.key(later),
                        format!(
                            "set only one of server, url and provider (found {}); server next to provider sends that preset's requests to another endpoint",
                            names(many)
                        ),
                    );
                }
            }
        }
        if let Some(v) = s.get("ipv6_mode")
            && let Some(text) = self.string(v, &s.key("ipv6_mode"))
        {
            match text.parse::<FamilyMode>() {
                Ok(FamilyMode::MyipV6) if matches!(endpoint, Some(Endpoint::Template(_))) => self
                    .problem_at(
                        v.span().start,
                        &s.key("ipv6_mode"),
                        "\"myipv6\" needs server or provider; a url template has only <a>".into(),
                    ),
                Ok(m) => dialect.family = m,
                Err(e) => self.problem_at(v.span().start, &s.key("ipv6_mode"), e),
            }
        }
        (provider, endpoint, dialect)
    }

    /// The preset `text` names, or a problem with the closest name.
    fn preset(&mut self, v: &Item<'_>, text: &str, key: &str) -> Option<Provider> {
        text.parse::<Provider>()
            .map_err(|e| {
                let hint = provider_hint(text)
                    .map(|c| format!("; did you mean \"{c}\"?"))
                    .unwrap_or_default();
                self.problem_at(v.span().start, key, format!("{e}{hint}"));
            })
            .ok()
    }

    /// `hosts`: a non-empty list of distinct host names.
    fn hosts(
        &mut self,
        s: &Section<'_, '_>,
        endpoint: Option<&Endpoint>,
        dialect: &Dialect,
    ) -> Vec<String> {
        // A service whose names all end the same (DuckDNS) takes them without the ending, and
        // a template sends what it is given: both may be one label.
        let short_ok = matches!(endpoint, Some(Endpoint::Template(_)))
            || matches!(dialect.shape.host_form, HostForm::Strip(_));
        let mut hosts = Vec::new();
        let Some(v) = s.get("hosts") else {
            self.problem_at(
                s.table_at,
                &s.key("hosts"),
                "missing; list the host names to update, e.g. hosts = [\"home.example.org\"]"
                    .into(),
            );
            return hosts;
        };
        match v.get_ref() {
            DeValue::Array(items) if !items.is_empty() => {
                for (i, h) in items.iter().enumerate() {
                    let hk = format!("{}.hosts[{i}]", s.at);
                    if let Some(name) = self.string(h, &hk) {
                        match check_hostname(&name, short_ok) {
                            Ok(()) if hosts.contains(&name) => self.problem_at(
                                h.span().start,
                                &hk,
                                format!("\"{name}\" is listed twice"),
                            ),
                            Ok(()) => hosts.push(name),
                            Err(e) => self.problem_at(h.span().start, &hk, e),
                        }
                    }
                }
            }
            DeValue::Array(_) => self.problem_at(
                v.span().start,
                &s.key("hosts"),
                "is empty; list at least one host name".into(),
            ),
            DeValue::String(_) => self.problem_at(
                v.span().start,
                &s.key("hosts"),
                "must be a list, e.g. hosts = [\"home.example.org\"]".into(),
            ),
            other => self.problem_at(
                v.span().start,
                &s.key("hosts"),
                format!("must be a list of host names, found {}", other.type_str()),
            ),
        }
        if let Some(Endpoint::Template(tpl)) = endpoint
            && !tpl.contains("<h>")
            && hosts.len() > 1
        {
            self.warnings.push(format!(
                "{}: the url template has no <h>, so all {} hosts get the same request",
                s.at,
                hosts.len()
            ));
        }
        hosts
    }

    /// `username`, as the dialect has it: the account's login (required), the host itself
    /// unless given (then one policy has one host), not used at all (a token names the
    /// account), or the domain hosts are named under (Namecheap). A url template needs one
    /// when it has `<username>`, or no `<password>` (the account then goes in a header).
    fn username(
        &mut self,
        s: &Section<'_, '_>,
        provider: Option<Provider>,
        endpoint: Option<&Endpoint>,
        dialect: &Dialect,
        hosts: &[String],
    ) -> Option<String> {
        let rule = match endpoint {
            Some(Endpoint::Template(t))
                if t.contains("<username>") || !t.contains("<password>") =>
            {
                User::Required
            }
            Some(Endpoint::Template(_)) => User::Unused,
            _ => dialect.user,
        };
        let hosts_at = s.get("hosts").map_or(s.table_at, |v| v.span().start);
        let given = s.get("username");
        let name = provider.map_or("this".to_string(), |p| format!("\"{p}\""));
        if provider == Some(Provider::He) && hosts.len() > 1 {
            self.problem_at(
                hosts_at,
                &s.key("hosts"),
                "provider \"he\" has one key per host: write one policy per host".into(),
            );
        } else if (rule == User::Host && given.is_none()
            || dialect.shape.secret == Credentials::Path)
            && hosts.len() > 1
        {
            let why = if dialect.shape.secret == Credentials::Path {
                "its token names one record"
            } else {
                "the user name is the host's own"
            };
            self.problem_at(
                hosts_at,
                &s.key("hosts"),
                format!(
                    "provider {name}: {why}, so one policy has one host; write one policy per host"
                ),
            );
        }
        let value = match given {
            Some(v) => self.string(v, &s.key("username")),
            None => match rule {
                User::Host => hosts.first().cloned(),
                User::Unused => Some(String::new()),
                User::Param(_) => {
                    self.problem_at(
                        s.table_at,
                        &s.key("username"),
                        "missing; set the domain the hosts are in (e.g. \"example.com\") as username".into(),
                    );
                    None
                }
                User::Required => {
                    self.problem_at(
                        s.table_at,
                        &s.key("username"),
                        "missing; set the account's user name".into(),
                    );
                    None
                }
            },
        };
        if given.is_some() && rule == User::Unused && provider.is_some() {
            self.warnings.push(format!(
                "{}: username is not used: {name} endpoint takes the token (password) alone",
                s.at
            ));
        }
        // Namecheap names a host relative to its domain: it must be the domain or under it.
        if let (User::Param(_), Some(domain)) = (rule, value.as_deref()) {
            for (i, h) in hosts.iter().enumerate() {
                // The request names the host relative to the domain: one it leaves as it is
                // is not in that domain.
                let under =
                    crate::protocol::dyndns2::host_in_request(&dialect.shape, domain, h) != *h;
                if !under {
                    self.problem_at(
                        hosts_at,
                        &format!("{}.hosts[{i}]", s.at),
                        format!("\"{h}\" is not in the domain \"{domain}\" (the username): provider {name} updates hosts of that domain only"),
                    );
                }
            }
        }
        value
    }

    /// `replies`: reply rules for a url template or a server, in order, each
    /// `{ contains = "…", status = N, means = "code" }` (contains, status or both).
    fn replies(
        &mut self,
        s: &Section<'_, '_>,
        provider: Option<Provider>,
        endpoint: Option<&Endpoint>,
        dialect: &mut Dialect,
    ) {
        let Some(v) = s.get("replies") else {
            return;
        };
        let key = s.key("replies");
        if let Some(p) = provider {
            self.problem_at(
                v.span().start,
                &key,
                format!("provider \"{p}\" has its own reply table (see `dynward providers`); replies are for url and server"),
            );
            return;
        }
        if endpoint.is_none() {
            return;
        }
        let DeValue::Array(items) = v.get_ref() else {
            self.problem_at(
                v.span().start,
                &key,
                "must be a list like [{ contains = \"OK\", means = \"good\" }]".into(),
            );
            return;
        };
        let mut rules = Vec::new();
        for (i, it) in items.iter().enumerate() {
            let k = format!("{key}[{i}]");
            let DeValue::Table(t) = it.get_ref() else {
                self.problem_at(
                    it.span().start,
                    &k,
                    "must be a table like { contains = \"OK\", means = \"good\" }".into(),
                );
                continue;
            };
            for (name, _) in t.iter() {
                let n = name.get_ref().as_ref();
                if !["contains", "status", "means"].contains(&n) {
                    self.problem_at(
                        name.span().start,
                        &format!("{k}.{n}"),
                        "unknown key; a reply rule has contains, status and means".into(),
                    );
                }
            }
            let contains = t
                .get("contains")
                .and_then(|c| self.string(c, &format!("{k}.contains")).map(|x| (c, x)));
            if let Some((c, text)) = &contains
                && text.trim().is_empty()
            {
                self.problem_at(
                    c.span().start,
                    &format!("{k}.contains"),
                    "is empty; leave it out to match on the status alone".into(),
                );
            }
            let status = t.get("status").and_then(|c| match c.get_ref() {
                DeValue::Integer(n) => match n.as_str().replace('_', "").parse::<u16>() {
                    Ok(code) if (100..=599).contains(&code) && n.radix() == 10 => Some(code),
                    _ => {
                        self.problem_at(
                            c.span().start,
                            &format!("{k}.status"),
                            "must be an HTTP status, 100 to 599".into(),
                        );
                        None
                    }
                },
                other => {
                    self.problem_at(
                        c.span().start,
                        &format!("{k}.status"),
                        format!(
                            "must be an HTTP status like 404, found {}",
                            other.type_str()
                        ),
                    );
                    None
                }
            });
            if !t.contains_key("contains") && !t.contains_key("status") {
                self.problem_at(
                    it.span().start,
                    &k,
                    "needs contains, status or both: what the reply must be for the rule to apply"
                        .into(),
                );
            }
            let means = match t.get("means") {
                None => {
                    self.problem_at(
                        it.span().start,
                        &format!("{k}.means"),
                        "missing; say which dyndns2 code the answer means, e.g. means = \"good\"".into(),
                    );
                    None
                }
                Some(m) => self.string(m, &format!("{k}.means")).and_then(|text| {
                    if let Some(code) = Code::for_rule(&text) {
                        Some((code, text))
                    } else {
                        self.problem_at(
                            m.span().start,
                            &format!("{k}.means"),
                            format!("\"{text}\" is not a dyndns2 code; use a code such as good, nochg, badauth, nohost, abuse, 911 or fatal, or a wait like w5m"),
                        );
                        None
                    }
                }),
            };
            if let (Some((means, spelled)), true) = (means, status.is_some() || contains.is_some())
            {
                rules.push(Rule {
                    status,
                    contains: contains.map(|(_, t)| t).unwrap_or_default(),
                    means,
                    spelled,
                });
            }
        }
        dialect.rules = rules;
    }

    /// `alias` (Dynu only): the alias a custom domain's update names.
    fn alias(&mut self, s: &Section<'_, '_>, provider: Option<Provider>, dialect: &mut Dialect) {
        let Some(v) = s.get("alias") else {
            return;
        };
        let Some(text) = self.string(v, &s.key("alias")) else {
            return;
        };
        if provider != Some(Provider::Dynu) {
            self.problem_at(
                v.span().start,
                &s.key("alias"),
                "is Dynu's (provider = \"dynu\"): other providers have no alias".into(),
            );
        } else if text.is_empty() || !text.chars().all(is_name_char) {
            self.problem_at(
                v.span().start,
                &s.key("alias"),
                "must be the alias's name: letters, digits, '-', '_' or '.'".into(),
            );
        } else {
            dialect.extra = format!("alias={text}");
        }
    }

    /// A check-IP service's URL: http(s) with a host.
    fn web_url(&mut self, v: &Item<'_>, key: &str) -> Option<Url> {
        self.string(v, key)
            .and_then(|text| match Url::parse(&text) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
                    Some(u)
                }
                _ => {
                    self.problem_at(
                        v.span().start,
                        key,
                        format!("\"{text}\" is not an http:// or https:// URL"),
                    );
                    None
                }
            })
    }

    /// The address source: exactly one of `interface`, `web` (or `web4`/`web6`, which go
    /// together) and `command`.
    fn source(&mut self, s: &Section<'_, '_>) -> Option<Source> {
        let given: Vec<(&str, &Item<'_>)> = ["interface", "web", "web4", "web6", "command"]
            .into_iter()
            .filter_map(|k| s.get(k).map(|v| (k, v)))
            .collect();
        let per_family = |k: &str| k == "web4" || k == "web6";
        if let [(a, _), rest @ ..] = given.as_slice()
            && let Some((k, v)) = rest.iter().find(|(k, _)| !(per_family(a) && per_family(k)))
        {
            self.problem_at(
                v.span().start,
                &s.key(k),
                "set only one address source: interface, web (or web4 and web6) or command".into(),
            );
            return None;
        }
        match given.first().copied() {
            Some(("interface", i)) => self.string(i, &s.key("interface")).and_then(|name| {
                if name == "auto" {
                    Some(Source::DefaultRoute)
                } else if !is_interface_name(&name) {
                    self.problem_at(
                        i.span().start,
                        &s.key("interface"),
                        format!("\"{name}\" is not an interface name (1-15 characters, no '/' or spaces), nor \"auto\""),
                    );
                    None
                } else {
                    Some(Source::Interface(name))
                }
            }),
            Some(("web", wv)) => self.web_url(wv, &s.key("web")).map(Source::Web),
            Some((k, _)) if per_family(k) => {
                let mut url = |k: &str| s.get(k).map(|v| self.web_url(v, &s.key(k)));
                match (url("web4"), url("web6")) {
                    (Some(None), _) | (_, Some(None)) => None,
                    (v4, v6) => Some(Source::WebFamilies {
                        v4: v4.flatten(),
                        v6: v6.flatten(),
                    }),
                }
            }
            Some((_, c)) => self.command(c, &s.key("command")).map(Source::Command),
            None => {
                self.problem_at(
                    s.table_at,
                    &s.key("interface"),
                    "missing address source; set interface = \"eth0\" (or \"auto\"), web = \"https://...\" (web4/web6 per family) or command = [\"/path/to/program\"]".into(),
                );
                None
            }
        }
    }

    /// The families published and what may be published over what: `ipv4`, `ipv6`,
    /// `allow_private`, `allow_insecure_http` (a password over plain HTTP needs it).
    fn families(
        &mut self,
        s: &Section<'_, '_>,
        provider: Option<Provider>,
        endpoint: Option<&Endpoint>,
        dialect: &Dialect,
    ) -> Families {
        let mut flag = |k: &str, default: bool| {
            s.get(k)
                .and_then(|v| self.boolean(v, &s.key(k)))
                .unwrap_or(default)
        };
        let f = Families {
            ipv4: flag("ipv4", true),
            ipv6: flag("ipv6", false),
            allow_private: flag("allow_private", false),
            allow_insecure_http: flag("allow_insecure_http", false),
        };
        if !f.ipv4 && !f.ipv6 {
            self.problem_at(
                s.get("ipv4")
                    .or(s.get("ipv6"))
                    .map(|v| v.span().start)
                    .unwrap_or(s.table_at),
                &s.key("ipv4"),
                "ipv4 and ipv6 are both false: the policy would publish nothing".into(),
            );
        }
        let name = provider.map(|p| p.name()).unwrap_or_default();
        let v6_at = s.get("ipv6").map_or(s.table_at, |v| v.span().start);
        if f.ipv6 && !dialect.ipv6 {
            self.problem_at(
                v6_at,
                &s.key("ipv6"),
                format!("provider \"{name}\" updates IPv4 only; set ipv6 = false"),
            );
        } else if f.ipv4 && f.ipv6 && dialect.one_family {
            self.problem_at(
                v6_at,
                &s.key("ipv6"),
                format!("provider \"{name}\" has one token per record (A or AAAA): write one policy for IPv4 and another with ipv4 = false and ipv6 = true for IPv6"),
            );
        }
        let chosen = ["server", "url", "provider"]
            .into_iter()
            .find_map(|k| s.get(k).map(|v| (k, v)));
        if let (Some(ep), Some((k, v))) = (endpoint, chosen) {
            let insecure = match ep {
                Endpoint::Server(u) => u.scheme() == "http",
                Endpoint::Template(t) => t.starts_with("http://"),
            };
            if insecure && !f.allow_insecure_http {
                let why = match provider {
                    Some(p) => format!("provider \"{p}\" only offers plain HTTP, which"),
                    None => "plain http://".to_string(),
                };
                self.problem_at(
                    v.span().start,
                    &s.key(k),
                    format!("{why} would send the password unencrypted; use https://, or set allow_insecure_http = true to accept that"),
                );
            }
        }
        f
    }

    /// How requests are made: `user_agent`, `ca_file`, `timeout`, `connect_timeout`.
    fn http_settings(&mut self, s: &Section<'_, '_>) -> HttpSettings {
        let user_agent = match s.get("user_agent") {
            Some(v) => self.string(v, &s.key("user_agent")).and_then(|ua| {
                let ok = ua.contains('/') && ua.len() >= 5 && ua.chars().all(|c| !c.is_control());
                if !ok {
                    self.problem_at(
                        v.span().start,
                        &s.key("user_agent"),
                        "must name product and version like \"Company Product/1.0 contact@example.org\"; providers block generic agents".into(),
                    );
                }
                ok.then_some(ua)
            }),
            None => Some(default_user_agent()),
        };
        let ca_file = s.get("ca_file").and_then(|v| {
            let text = self.string(v, &s.key("ca_file"))?;
            let p = self.base.join(&text);
            if !p.is_file() {
                self.problem_at(
                    v.span().start,
                    &s.key("ca_file"),
                    format!("{} is not a readable file", p.display()),
                );
                return None;
            }
            Some(p)
        });
        let timeout = self.duration_key(s, "timeout", DEFAULT_TIMEOUT);
        let connect_timeout = self.duration_key(s, "connect_timeout", DEFAULT_CONNECT_TIMEOUT);
        for (k, d) in [("timeout", timeout), ("connect_timeout", connect_timeout)] {
            if d < MIN_TIMEOUT
                && let Some(v) = s.get(k)
            {
                self.problem_at(v.span().start, &s.key(k), "must be at least \"1s\"".into());
            }
        }
        HttpSettings {
            user_agent,
            ca_file,
            timeout,
            connect_timeout,
        }
    }

    /// When updates may and must happen: `stable_for`, `min_interval`, `max_interval`,
    /// `check_interval`, with the floors that keep a provider from counting abuse.
    fn timers(&mut self, s: &Section<'_, '_>) -> Timers {
        let t = Timers {
            stable_for: self.duration_key(s, "stable_for", DEFAULT_STABLE_FOR),
            min_interval: self.duration_key(s, "min_interval", DEFAULT_MIN_INTERVAL),
            max_interval: self.duration_key(s, "max_interval", DEFAULT_MAX_INTERVAL),
            check_interval: self.duration_key(s, "check_interval", DEFAULT_CHECK_INTERVAL),
        };
        if t.max_interval < MIN_MAX_INTERVAL
            && let Some(v) = s.get("max_interval")
        {
            self.problem_at(
                v.span().start,
                &s.key("max_interval"),
                "must be at least \"1d\": frequent same-address updates are counted as abuse (nochg)".into(),
            );
        }
        if t.check_interval < MIN_CHECK_INTERVAL
            && let Some(v) = s.get("check_interval")
        {
            self.problem_at(
                v.span().start,
                &s.key("check_interval"),
                "must be at least \"1m\"; check-IP services block clients that ask more often (Dyn: 10m)".into(),
            );
        }
        t
    }

    /// A duration key of the policy, or its default.
    fn duration_key(&mut self, s: &Section<'_, '_>, k: &str, default: Duration) -> Duration {
        s.get(k)
            .and_then(|v| self.duration(v, &s.key(k)))
            .unwrap_or(default)
    }

    /// `ipv4_prefix` / `ipv6_prefix`: a prefix of the right family.
    /// `ipv6_prefix_from` with `ipv6_host_id` or `ipv6_host_mac`: the IPv6 address of a host
    /// behind the router. Each half without the other is an error, as is a combination that
    /// cannot work.
    fn lan_host(
        &mut self,
        s: &Section<'_, '_>,
        families: &Families,
        source: Option<&Source>,
    ) -> Option<LanHost> {
        let from = s.get("ipv6_prefix_from");
        let (id_key, id) = match (s.get("ipv6_host_id"), s.get("ipv6_host_mac")) {
            (Some(_), Some(m)) => {
                self.problem_at(
                    m.span().start,
                    &s.key("ipv6_host_mac"),
                    "set only one of ipv6_host_id and ipv6_host_mac".into(),
                );
                return None;
            }
            (Some(l), None) => ("ipv6_host_id", Some(l)),
            (None, Some(m)) => ("ipv6_host_mac", Some(m)),
            (None, None) => ("ipv6_host_id", None),
        };
        let (f, v) = match (from, id) {
            (None, None) => return None,
            (None, Some(v)) => {
                self.problem_at(
                    v.span().start,
                    &s.key(id_key),
                    "needs ipv6_prefix_from = \"br-lan\" (the LAN interface that carries the delegated prefix)".into(),
                );
                return None;
            }
            (Some(f), None) => {
                self.problem_at(
                    f.span().start,
                    &s.key("ipv6_prefix_from"),
                    "needs the host's id: ipv6_host_id = \"::1234\" or ipv6_host_mac = \"00:11:22:33:44:55\"".into(),
                );
                return None;
            }
            (Some(f), Some(v)) => (f, v),
        };
        let key = s.key("ipv6_prefix_from");
        let interface = self.string(f, &key)?;
        let text = self.string(v, &s.key(id_key))?;
        let mut ok = true;
        if !is_interface_name(&interface) || interface == "auto" {
            self.problem_at(
                f.span().start,
                &key,
                format!(
                    "\"{interface}\" is not an interface name (1-15 characters, no '/' or spaces)"
                ),
            );
            ok = false;
        }
        if !families.ipv6 {
            self.problem_at(
                f.span().start,
                &key,
                "publishes an IPv6 address: set ipv6 = true".into(),
            );
            ok = false;
        }
        if source.is_some_and(Source::is_asked) {
            self.problem_at(
                f.span().start,
                &key,
                "cannot go with web or command: the IPv4 address comes from `interface` (the WAN; with ipv4 = false, the LAN interface too)".into(),
            );
            ok = false;
        }
        let parsed = if id_key == "ipv6_host_id" {
            HostId::literal(&text)
        } else {
            HostId::mac(&text)
        };
        let host_id = match parsed {
            Ok(h) => h,
            Err(e) => {
                self.problem_at(v.span().start, &s.key(id_key), e);
                return None;
            }
        };
        ok.then_some(LanHost { interface, host_id })
    }

    fn prefix(&mut self, s: &Section<'_, '_>, k: &str, v6: bool) -> Option<Prefix> {
        let v = s.get(k)?;
        let text = self.string(v, &s.key(k))?;
        match text.parse::<Prefix>() {
            Ok(p) if p.is_ipv4() != v6 => Some(p),
            Ok(_) => {
                self.problem_at(
                    v.span().start,
                    &s.key(k),
                    format!("is an IPv{} prefix", if v6 { 4 } else { 6 }),
                );
                None
            }
            Err(e) => {
                self.problem_at(v.span().start, &s.key(k), e);
                None
            }
        }
    }

    /// `on_change` / `on_error`: the policy's own, or the top level's.
    fn hooks(&mut self, s: &Section<'_, '_>, globals: &Globals) -> (Vec<String>, Vec<String>) {
        let on_change = match s.get("on_change") {
            Some(v) => self.command(v, &s.key("on_change")).unwrap_or_default(),
            None => globals.on_change.clone(),
        };
        let on_error = match s.get("on_error") {
            Some(v) => self.command(v, &s.key("on_error")).unwrap_or_default(),
            None => globals.on_error.clone(),
        };
        (on_change, on_error)
    }

    /// Resolves the password from exactly one of password / password_file / password_env, or
    /// from `$CREDENTIALS_DIRECTORY/<name>` (systemd `LoadCredential=`) when none is set.
    /// The value never appears in a problem message.
    fn password(
        &mut self,
        t: &DeTable<'_>,
        table_at: usize,
        at: &str,
        name: Option<&str>,
        env: &Env<'_>,
    ) -> Option<(Secret, String)> {
        let key = |k: &str| format!("{at}.{k}");
        let set: Vec<(&str, &Item<'_>)> = ["password", "password_file", "password_env"]
            .into_iter()
            .filter_map(|k| t.get(k).map(|v| (k, v)))
            .collect();
        if set.len() > 1
            && let Some((later, v)) = last_in_file(&set)
        {
            self.problem_at(
                v.span().start,
                &key(later),
                format!(
                    "set only one of password, password_file and password_env (found {})",
                    names(&set)
                ),
            );
            return None;
        }
        match set.first().copied() {
            Some(("password", v)) => match v.get_ref() {
                DeValue::String(s) if !s.is_empty() => {
                    Some((Secret::new(s.to_string()), INLINE_PASSWORD.into()))
                }
                DeValue::String(_) => {
                    self.problem_at(v.span().start, &key("password"), "is empty".into());
                    None
                }
                other => {
                    self.problem_at(
                        v.span().start,
                        &key("password"),
                        format!("must be a string, found {}", other.type_str()),
                    );
                    None
                }
            },
            Some(("password_file", v)) => {
                let s = self.string(v, &key("password_file"))?;
                let p = self.base.join(&s);
                match read_secret_file(&p) {
                    Ok((secret, loose)) => {
                        if loose {
                            self.warnings.push(format!(
                                "{}: password file {} is readable by group or others; run: chmod 600 {}",
                                key("password_file"),
                                p.display(),
                                p.display()
                            ));
                        }
                        Some((secret, format!("password_file {}", p.display())))
                    }
                    Err(e) => {
                        self.problem_at(v.span().start, &key("password_file"), e);
                        None
                    }
                }
            }
            Some((_, v)) => {
                let var = self.string(v, &key("password_env"))?;
                match (env.var)(&var) {
                    Some(s) if !s.is_empty() => {
                        Some((Secret::new(s), format!("environment variable {var}")))
                    }
                    _ => {
                        self.problem_at(
                            v.span().start,
                            &key("password_env"),
                            format!("environment variable {var} is not set or empty"),
                        );
                        None
                    }
                }
            }
            None => {
                let dir = (env.var)("CREDENTIALS_DIRECTORY");
                if let (Some(dir), Some(name)) = (dir.as_deref(), name) {
                    let p = Path::new(dir).join(name);
                    if p.is_file() {
                        return match read_secret_file(&p) {
                            Ok((s, _)) => Some((s, format!("systemd credential {name}"))),
                            Err(e) => {
                                self.problem_at(table_at, &key("password"), e);
                                None
                            }
                        };
                    }
                }
                self.problem_at(
                    table_at,
                    &key("password"),
                    format!(
                        "missing; set password, password_file or password_env, or provide a systemd credential named \"{}\" (LoadCredential=)",
                        name.unwrap_or("<name>")
                    ),
                );
                None
            }
        }
    }
}

/// Of several conflicting keys, the one written last: the problem is reported there.
fn last_in_file<'t, 'i>(keys: &[(&'t str, &'t Item<'i>)]) -> Option<(&'t str, &'t Item<'i>)> {
    keys.iter().copied().max_by_key(|(_, v)| v.span().start)
}

/// The keys' names, for a message.
fn names(keys: &[(&str, &Item<'_>)]) -> String {
    keys.iter()
        .map(|(k, _)| *k)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Reads a secret file: the first line, trailing newline removed. Returns whether the file is
/// readable by group or others.
fn read_secret_file(p: &Path) -> Result<(Secret, bool), String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    let text =
        std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(format!("{} is empty", p.display()));
    }
    Ok((Secret::new(first), meta.permissions().mode() & 0o077 != 0))
}

/// `server` accepts a full URL or a bare host (then `https://HOST/nic/update`).
fn parse_server(s: &str) -> Result<Url, String> {
    let full = if s.contains("://") {
        s.to_string()
    } else {
        format!("https://{s}")
    };
    let mut u = Url::parse(&full).map_err(|e| format!("\"{s}\" is not a valid URL: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!("\"{s}\": the scheme must be https:// or http://"));
    }
    if u.host_str().is_none() {
        return Err(format!("\"{s}\" has no host"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("put credentials in username and password, not in the URL".into());
    }
    if u.query().is_some() {
        return Err(
            "server takes no query; use url = \"...\" for a template with parameters".into(),
        );
    }
    if u.path() == "/" || u.path().is_empty() {
        u.set_path("/nic/update");
    }
    Ok(u)
}

/// A template must become a valid http(s) URL once its placeholders are filled.
fn check_template(s: &str) -> Result<(), String> {
    let filled = s
        .replace("<h>", "host.example.org")
        .replace("<a>", "192.0.2.1")
        .replace("<username>", "user")
        .replace("<password>", "pass");
    if let Some(i) = filled.find('<') {
        let rest = &filled[i..];
        let tok = rest.split('>').next().unwrap_or(rest);
        return Err(format!(
            "unknown placeholder {tok}>; placeholders are <h>, <a>, <username>, <password>"
        ));
    }
    let u = Url::parse(&filled).map_err(|e| format!("not a valid URL template: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err("the template must start with https:// or http:// and a host".into());
    }
    if !s.contains("<a>") {
        return Err("the template has no <a>: the address would never be sent (and an empty myip= can delete the record)".into());
    }
    Ok(())
}

/// A host name as a provider accepts it: letters, digits, '-', '.', '_' (some providers use
/// it) and a leading "*." for wildcards; at least two labels.
fn check_hostname(h: &str, short_ok: bool) -> Result<(), String> {
    let body = h.strip_prefix("*.").unwrap_or(h);
    let labels: Vec<&str> = body.split('.').collect();
    if h.len() > 253 || (labels.len() < 2 && !short_ok) {
        return Err(format!(
            "\"{h}\" is not a fully qualified host name (e.g. home.example.org)"
        ));
    }
    for l in labels {
        let ok = !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(format!(
                "\"{h}\" is not a valid host name (label \"{l}\"); use letters, digits and '-'"
            ));
        }
    }
    Ok(())
}

/// The preset a mistyped provider name means: the same letters and digits in any case
/// (`no-ip`, `NoIP`), else the closest name.
fn provider_hint(text: &str) -> Option<&'static str> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let names: Vec<&'static str> = crate::provider::ALL.iter().map(|(n, _)| *n).collect();
    names
        .iter()
        .find(|n| norm(n) == norm(text))
        .copied()
        .or_else(|| closest(&norm(text), &names))
}

/// The known key closest to a typo, if one is close enough to suggest.
fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Parses one policy from config text, for tests of other modules.
#[cfg(test)]
pub(crate) fn test_policy(text: &str) -> Policy {
    from_str(text, Path::new("test.toml"), &Env { var: &|_| None })
        .expect("test config is valid")
        .policies
        .remove(0)
}

/// What a reload must do about a policy whose settings differ, in rising order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Nothing differs: the policy keeps running with its state and timers.
    None,
    /// Only how dynward does its work differs (timers, hooks, timeouts, TLS trust, where the
    /// password is read from): a new machine over the same record, no request because of it.
    Runtime,
    /// What the provider is sent differs (endpoint, account, password, hosts, source,
    /// families, user agent): the fingerprint changes, the stops are cleared, and one round
    /// validates the change.
    Identity,
}

/// The longest policy name (it names a credential file).
pub const MAX_NAME: usize = 64;

/// Whether `c` may stand in a policy name: letters, digits, '-', '_' and '.'.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Whether `name` can be a Linux interface name: 1-15 characters, no '/' or whitespace.
fn is_interface_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 15 && !name.contains(['/', ' ', '\t'])
}

impl Change {
    /// Compares two versions of a policy (same name).
    pub fn between(old: &Policy, new: &Policy) -> Change {
        let (old_id, old_rt) = old.settings();
        let (new_id, new_rt) = new.settings();
        if old_id != new_id {
            Change::Identity
        } else if old_rt != new_rt {
            Change::Runtime
        } else {
            Change::None
        }
    }
}

impl Policy {
    /// The settings, as two canonical texts: what the provider sees (identity) and how
    /// dynward works (runtime). Every field is named here, so a new field does not compile
    /// until someone decides which kind of change it is.
    fn settings(&self) -> (String, String) {
        let Policy {
            // The key: a renamed policy is another policy.
            name: _,
            provider,
            endpoint,
            dialect,
            username,
            password,
            password_origin,
            hosts,
            source,
            ipv4,
            ipv6,
            allow_private,
            allow_insecure_http,
            user_agent,
            ca_file,
            timeout,
            connect_timeout,
            ipv4_prefix,
            ipv6_prefix,
            // What it changes is the address: a new one is sent because it is new.
            ipv6_lan,
            stable_for,
            min_interval,
            max_interval,
            check_interval,
            on_change,
            on_error,
            hook_timeout,
        } = self;
        let ep = match endpoint {
            Endpoint::Server(u) => u.to_string(),
            Endpoint::Template(t) => t.clone(),
        };
        // The layout of this text is what state files of earlier versions were fingerprinted
        // with: changing it would make every policy look changed after an upgrade.
        let identity = format!(
            "{ep}\n{}\n{username}\n{}\n{hosts:?}\n{source}\n{ipv4}{ipv6}{allow_private}\n{user_agent}\n{ipv4_prefix:?}\n{ipv6_prefix:?}",
            dialect_words(dialect),
            password.expose(),
        );
        let runtime = format!(
            "{provider:?}\n{password_origin}\n{allow_insecure_http}\n{ca_file:?}\n{timeout:?} {connect_timeout:?}\n{stable_for:?} {min_interval:?} {max_interval:?} {check_interval:?}\n{on_change:?} {on_error:?} {hook_timeout:?}\n{ipv6_lan:?}"
        );
        (identity, runtime)
    }

    /// The exchange that carries `update` to this policy's provider.
    pub fn exchange(&self, update: &Update) -> HttpExchange {
        Box::new(dyndns2::Exchange::new(self.sender(), update))
    }

    /// Where and as whom the updates go, for the protocol.
    fn sender(&self) -> dyndns2::Account {
        dyndns2::Account {
            endpoint: self.endpoint.clone(),
            dialect: self.dialect.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
        }
    }

    /// The update server, for resolving its name before the update.
    pub fn server_url(&self) -> Option<Url> {
        self.endpoint.server_url()
    }

    /// Whether each family travels in its own request, so that an unchanged family need
    /// not be sent (and would draw a `nochg`); otherwise one request carries (and replaces)
    /// both.
    pub fn families_apart(&self) -> bool {
        self.dialect.family == FamilyMode::Separate
    }

    /// The provider's ways that change what an answer decides.
    pub fn quirks(&self) -> Quirks {
        self.dialect.quirks()
    }

    /// What the provider does with a host's record of a family this policy has no address
    /// for now (`v6`: the IPv6 one), in words.
    pub fn left_out_effect(&self, v6: bool) -> String {
        self.dialect.left_out_effect(v6)
    }

    /// How the policy updates, in the words every output uses: `provider dyn`,
    /// `server https://…`, or `url template`.
    pub fn endpoint_label(&self) -> String {
        match (&self.provider, &self.endpoint) {
            (Some(p), Endpoint::Server(u)) if u.as_str() != p.server() => {
                format!("provider {p} at server {u}")
            }
            (Some(p), _) => format!("provider {p}"),
            (None, Endpoint::Server(u)) => format!("server {u}"),
            (None, Endpoint::Template(_)) => "url template".to_string(),
        }
    }

    /// A fingerprint of what the provider sees of this policy, password included, keyed with
    /// `key` (SipHash-2-4 with a 128-bit output, a keyed pseudo-random function): the key is
    /// not in the state file, so the fingerprint there cannot be used to test password
    /// guesses. A changed fingerprint clears a fatal stop: the user acted.
    pub fn fingerprint(&self, key: &FingerprintKey) -> String {
        use siphasher::sip128::{Hasher128, SipHasher24};
        use std::hash::Hasher;
        let mut k = [0u8; 16];
        k.copy_from_slice(&key.bytes[..16]);
        let mut h = SipHasher24::new_with_key(&k);
        h.write(self.settings().0.as_bytes());
        let hex: String = h
            .finish128()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{FINGERPRINT_TAG}{hex}")
    }

    /// The unkeyed fingerprint version 0.1.0 recorded, only to recognise its records (and
    /// replace them with the keyed one).
    pub fn legacy_fingerprint(&self) -> String {
        format!("{:016x}", fnv1a(self.settings().0.as_bytes()))
    }

    /// The server updates go to, as verdicts on the client name it: `scheme://host:port`.
    pub fn server_key(&self) -> ServerId {
        self.endpoint
            .server_url()
            .map(|u| ServerId::of_url(&u))
            .unwrap_or_default()
    }

    /// Whom updates are sent to: the server and the user name. An address the provider
    /// accepted is known only to this account: another one starts afresh. No secret is in it.
    pub fn account(&self) -> String {
        format!("{} {}", self.server_key(), self.username)
    }
}

/// The dialect in the fingerprint's words: explicit, and written as the fingerprints of
/// earlier versions were (which spelled some values as Rust's derived `Debug` did then), so
/// that an upgrade or a rename in the code never makes an unchanged policy look changed: that
/// would clear its stops. The user rule is left out: the user name itself is in the
/// fingerprint.
fn dialect_words(d: &Dialect) -> String {
    let family = match d.family {
        FamilyMode::Combined => "Combined",
        FamilyMode::MyipV6 => "MyipV6",
        FamilyMode::Separate => "Separate",
    };
    let mut out = format!(
        "Dialect {{ family: {family}, system_dyndns: {}, legacy_nochg: {}, max_hosts: {}, abuse_is_account: {}, status_codes: {} }}",
        d.system_dyndns, d.legacy_nochg, d.max_hosts, d.abuse_is_account, d.status_codes
    );
    if d.shape != Shape::DYNDNS2 {
        out.push(' ');
        out.push_str(&shape_words(&d.shape));
    }
    if !d.extra.is_empty() {
        out.push_str(&format!(" extra {}", d.extra));
    }
    if !d.rules.is_empty() {
        let rules: Vec<String> = d
            .rules
            .iter()
            .map(|r| {
                format!(
                    "Rule {{ status: {}, contains: {}, means: {} }}",
                    option_words(r.status.map(|s| s.to_string())),
                    quoted(&r.contains),
                    quoted(&r.spelled)
                )
            })
            .collect();
        out.push_str(&format!(" [{}]", rules.join(", ")));
    }
    if !d.words || d.nochg_harmless || !d.ipv6 || d.one_family {
        out.push_str(&format!(
            " {} {} {} {}",
            d.words, d.nochg_harmless, d.ipv6, d.one_family
        ));
    }
    out
}

/// A request shape in the fingerprint's words (see [`dialect_words`]).
fn shape_words(s: &Shape) -> String {
    let secret = match s.secret {
        Credentials::Basic => "Basic".to_string(),
        Credentials::Query(name) => format!("Query({})", quoted(name)),
        Credentials::Path => "Path".to_string(),
    };
    let host_form = match s.host_form {
        HostForm::Full => "Full".to_string(),
        HostForm::Strip(suffix) => format!("Strip({})", quoted(suffix)),
        HostForm::UnderUser => "UnderUser".to_string(),
    };
    format!(
        "Shape {{ host: {}, v4: {}, v6: {}, keep4: {}, keep6: {}, secret: {secret}, fixed: {}, host_form: {host_form} }}",
        quoted(s.host),
        quoted(s.v4),
        quoted(s.v6),
        option_words(s.keep4.map(quoted)),
        option_words(s.keep6.map(quoted)),
        quoted(s.fixed),
    )
}

/// `"text"`, with `"`, `\` and control characters escaped as Rust's string literals write
/// them.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.escape_debug())
}

/// `Some(value)` or `None`.
fn option_words(value: Option<String>) -> String {
    match value {
        Some(v) => format!("Some({v})"),
        None => "None".to_string(),
    }
}

/// What keyed fingerprints start with, to tell them from version 0.1.0's.
pub const FINGERPRINT_TAG: &str = "k2:";

/// Tags of earlier keyed schemes (`k1:` was HMAC-SHA256, on main before any release): such a
/// record cannot tell a change, so it is taken over silently.
pub const OLDER_FINGERPRINT_TAGS: [&str; 1] = ["k1:"];

/// The key config fingerprints are made with. It lives in a file of its own in the state
/// directory ([`crate::store::fingerprint_key`]), never in the state file.
#[derive(Clone)]
pub struct FingerprintKey {
    bytes: [u8; 32],
    /// The key was made just now: fingerprints made with an earlier one cannot be compared.
    pub fresh: bool,
}

impl FingerprintKey {
    /// A key of these bytes.
    pub fn new(bytes: [u8; 32], fresh: bool) -> FingerprintKey {
        FingerprintKey { bytes, fresh }
    }

    /// The key's bytes, to be written to its file.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

impl fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FingerprintKey(..)")
    }
}

/// FNV-1a, 64 bit: stable across Rust releases, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env() -> Env<'static> {
        Env { var: &|_| None }
    }

    fn parse(text: &str) -> Result<Config, Error> {
        from_str(text, Path::new("/etc/dynward/test.toml"), &no_env())
    }

    fn problems(text: &str) -> Vec<Problem> {
        match parse(text) {
            Err(Error::Invalid { problems, .. }) => problems,
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("config was accepted:\n{text}"),
        }
    }

    const GOOD: &str = r#"
[[policy]]
name = "home"
provider = "dyn"
username = "alice"
password = "s3cret-pw"
hosts = ["home.example.org", "nas.example.org"]
interface = "eth0"
"#;

    /// `server` next to `provider`: the preset's dialect, sent to that endpoint; the label
    /// says both.
    #[test]
    fn preset_at_another_endpoint() {
        let text = GOOD.replace(
            "provider = \"dyn\"",
            "provider = \"ovh\"\nserver = \"https://dyn.example.net/nic/update\"",
        );
        let p = parse(&text).expect("valid").policies.remove(0);
        assert_eq!(p.provider, Some(Provider::Ovh));
        assert_eq!(p.dialect, Provider::Ovh.dialect());
        assert_eq!(p.server_key().as_str(), "https://dyn.example.net:443");
        assert_eq!(
            p.endpoint_label(),
            "provider ovh at server https://dyn.example.net/nic/update"
        );
    }

    /// One policy from `lines` (a provider, hosts, source and what else the case needs).
    fn one(lines: &str) -> Result<Policy, Vec<Problem>> {
        let text = format!("[[policy]]\nname = \"p\"\npassword = \"s3cret-pw\"\n{lines}\n");
        match parse(&text) {
            Ok(mut c) => Ok(c.policies.remove(0)),
            Err(Error::Invalid { problems, .. }) => Err(problems),
            Err(e) => panic!("unexpected error {e}"),
        }
    }

    fn refused(lines: &str, key: &str, words: &str) {
        let ps = one(lines).expect_err(lines);
        assert!(
            ps.iter().any(|p| p.key == key && p.message.contains(words)),
            "{lines}: wanted {key}: {words}, got {ps:#?}"
        );
    }

    /// What each preset needs of the user name, the hosts and the families, and what it
    /// refuses, each with the key to fix.
    #[test]
    fn preset_requirements() {
        let web = "web = \"https://ip.example/\"";
        // No user name for token services; single-label DuckDNS hosts.
        let p = one(&format!(
            "provider = \"duckdns\"\nhosts = [\"home\", \"cabin.duckdns.org\"]\n{web}"
        ))
        .expect("duckdns");
        assert_eq!(p.username, "");
        assert_eq!(p.hosts, ["home", "cabin.duckdns.org"]);
        one(&format!(
            "provider = \"dynv6\"\nhosts = [\"h.dynv6.net\"]\n{web}"
        ))
        .expect("dynv6");
        refused(
            &format!("provider = \"dyn\"\nusername = \"u\"\nhosts = [\"home\"]\n{web}"),
            "policy[0].hosts[0]",
            "not a fully qualified host name",
        );
        // The host as user name, one host per policy unless the user is set.
        let p = one(&format!(
            "provider = \"desec\"\nhosts = [\"h.dedyn.io\"]\n{web}"
        ))
        .expect("desec");
        assert_eq!(p.username, "h.dedyn.io");
        refused(
            &format!(
                "provider = \"nsupdate.info\"\nhosts = [\"a.nsupdate.info\", \"b.nsupdate.info\"]\n{web}"
            ),
            "policy[0].hosts",
            "one policy has one host",
        );
        one(&format!("provider = \"desec\"\nusername = \"example.dedyn.io\"\nhosts = [\"a.example.dedyn.io\", \"b.example.dedyn.io\"]\n{web}"))
            .expect("deSEC with the domain as user");
        // A user name where others need one.
        refused(
            &format!("provider = \"infomaniak\"\nhosts = [\"h.example.org\"]\n{web}"),
            "policy[0].username",
            "missing",
        );
        // Namecheap: the domain as user, hosts in it, IPv4 only.
        refused(
            &format!("provider = \"namecheap\"\nhosts = [\"www.example.com\"]\n{web}"),
            "policy[0].username",
            "domain",
        );
        refused(
            &format!(
                "provider = \"namecheap\"\nusername = \"example.com\"\nhosts = [\"www.example.net\"]\n{web}"
            ),
            "policy[0].hosts[0]",
            "not in the domain \"example.com\"",
        );
        refused(
            &format!(
                "provider = \"namecheap\"\nusername = \"example.com\"\nhosts = [\"example.com\"]\n{web}\nipv6 = true"
            ),
            "policy[0].ipv6",
            "IPv4 only",
        );
        // FreeDNS: one record per token.
        refused(
            &format!("provider = \"freedns\"\nhosts = [\"a.mooo.com\"]\n{web}\nipv6 = true"),
            "policy[0].ipv6",
            "one token per record",
        );
        refused(
            &format!("provider = \"freedns\"\nhosts = [\"a.mooo.com\", \"b.mooo.com\"]\n{web}"),
            "policy[0].hosts",
            "token names one record",
        );
        one(&format!(
            "provider = \"freedns\"\nhosts = [\"a.mooo.com\"]\n{web}\nipv4 = false\nipv6 = true"
        ))
        .expect("an AAAA policy");
        // Dynu's alias, and only Dynu's.
        let p = one(&format!("provider = \"dynu\"\nusername = \"u\"\nalias = \"office\"\nhosts = [\"h.example.org\"]\n{web}"))
            .expect("dynu alias");
        assert_eq!(p.dialect.extra, "alias=office");
        refused(
            &format!(
                "provider = \"dyn\"\nusername = \"u\"\nalias = \"office\"\nhosts = [\"h.example.org\"]\n{web}"
            ),
            "policy[0].alias",
            "Dynu's",
        );
        // A preset server without a path keeps the preset's path.
        let p = one(&format!("provider = \"duckdns\"\nserver = \"http://127.0.0.1:9\"\nallow_insecure_http = true\nhosts = [\"home\"]\n{web}"))
            .expect("duckdns at a local server");
        assert_eq!(
            p.endpoint,
            Endpoint::Server(Url::parse("http://127.0.0.1:9/update").expect("url"))
        );
    }

    /// Reply rules for templates and servers: read in order, each checked with its key.
    #[test]
    fn reply_rules() {
        let tpl = "url = \"https://dd.example/update?domains=<h>&token=<password>&ip=<a>\"\nhosts = [\"home\"]\nweb = \"https://ip.example/\"";
        let p = one(&format!(
            "{tpl}\nreplies = [{{ contains = \"OK\", means = \"good\" }}, {{ status = 401, contains = \"KO\", means = \"badauth\" }}, {{ status = 404, means = \"nohost\" }}, {{ contains = \"slow down\", means = \"w5m\" }}]"
        ))
        .expect("template with rules");
        assert_eq!(
            p.username, "",
            "a template with <password> and no <username> needs none"
        );
        assert_eq!(
            p.dialect.rules,
            vec![
                Rule::words("OK", Code::Good),
                Rule {
                    status: Some(401),
                    contains: "KO".into(),
                    means: Code::Badauth,
                    spelled: "badauth".into(),
                },
                Rule::status(404, Code::NoHost),
                Rule {
                    spelled: "w5m".into(),
                    ..Rule::words("slow down", Code::Wait(Duration::from_secs(300)))
                },
            ]
        );
        for (rule, key, words) in [
            (
                "{ contains = \"OK\", means = \"fine\" }",
                "policy[0].replies[0].means",
                "not a dyndns2 code",
            ),
            (
                "{ contains = \"OK\" }",
                "policy[0].replies[0].means",
                "missing",
            ),
            (
                "{ means = \"good\" }",
                "policy[0].replies[0]",
                "needs contains, status or both",
            ),
            (
                "{ contains = \"\", means = \"good\" }",
                "policy[0].replies[0].contains",
                "is empty",
            ),
            (
                "{ status = 99, means = \"good\" }",
                "policy[0].replies[0].status",
                "100 to 599",
            ),
            (
                "{ status = \"404\", means = \"nohost\" }",
                "policy[0].replies[0].status",
                "must be an HTTP status",
            ),
            (
                "{ contains = \"OK\", means = \"good\", colour = 1 }",
                "policy[0].replies[0].colour",
                "unknown key",
            ),
            ("\"OK\"", "policy[0].replies[0]", "must be a table"),
        ] {
            refused(&format!("{tpl}\nreplies = [{rule}]"), key, words);
        }
        refused(
            &format!("{tpl}\nreplies = \"OK\""),
            "policy[0].replies",
            "must be a list",
        );
        refused(
            "provider = \"duckdns\"\nhosts = [\"home\"]\nweb = \"https://ip.example/\"\nreplies = [{ contains = \"OK\", means = \"good\" }]",
            "policy[0].replies",
            "its own reply table",
        );
        // A template with <username> needs one; one without <password> too (a Basic header).
        refused(
            "url = \"https://x.example/u?u=<username>&a=<a>\"\nhosts = [\"h\"]\nweb = \"https://ip.example/\"",
            "policy[0].username",
            "missing",
        );
    }

    /// `web4` and `web6`: one or both, each for a published family, never beside `web`.
    #[test]
    fn per_family_check_ip() {
        let head = "provider = \"dyn\"\nusername = \"u\"\nhosts = [\"h.example.org\"]\nipv6 = true";
        let p = one(&format!(
            "{head}\nweb4 = \"https://v4.example/\"\nweb6 = \"https://v6.example/\""
        ))
        .expect("both");
        assert_eq!(
            p.source,
            Source::WebFamilies {
                v4: Some(Url::parse("https://v4.example/").expect("url")),
                v6: Some(Url::parse("https://v6.example/").expect("url")),
            }
        );
        assert!(p.source.is_asked());
        assert_eq!(
            p.source.to_string(),
            "web4 https://v4.example/, web6 https://v6.example/"
        );
        one(&format!("{head}\nweb6 = \"https://v6.example/\"")).expect("IPv6 alone");
        refused(
            &format!("{head}\nweb = \"https://ip.example/\"\nweb6 = \"https://v6.example/\""),
            "policy[0].web6",
            "only one address source",
        );
        refused(
            &format!("{head}\nweb4 = \"https://v4.example/\"\ninterface = \"eth0\""),
            "policy[0].web4",
            "only one address source",
        );
        refused(
            "provider = \"dyn\"\nusername = \"u\"\nhosts = [\"h.example.org\"]\nweb6 = \"https://v6.example/\"",
            "policy[0].web6",
            "ipv6 is not true",
        );
        refused(
            &format!("{head}\nipv4 = false\nweb4 = \"https://v4.example/\""),
            "policy[0].web4",
            "ipv4 = false",
        );
        refused(
            &format!("{head}\nweb4 = \"ftp://x\""),
            "policy[0].web4",
            "not an http",
        );
    }

    /// A minimal policy gets the documented defaults.
    #[test]
    fn minimal_policy_defaults() {
        let c = parse(GOOD).expect("valid");
        let p = &c.policies[0];
        assert_eq!(p.name, "home");
        assert_eq!(p.provider, Some(Provider::Dyn));
        assert_eq!(
            p.endpoint,
            Endpoint::Server(Url::parse("https://members.dyndns.org/v3/update").expect("url"))
        );
        assert!(p.ipv4 && !p.ipv6 && !p.allow_private);
        assert_eq!(p.source, Source::Interface("eth0".into()));
        assert_eq!(p.min_interval, Duration::from_secs(60));
        assert_eq!(p.max_interval, Duration::from_secs(25 * 86400));
        assert_eq!(p.check_interval, Duration::from_secs(600));
        assert!(p.user_agent.starts_with("dynward/"));
        assert_eq!(p.password.expose(), "s3cret-pw");
    }

    /// Every problem in a file is reported at once, in line order, each with its line and key.
    #[test]
    fn all_problems_at_once() {
        let text = r#"state_dir = 5
[[policy]]
name = "a"
server = "ftp://x"
username = "u"
password = "p"
hosts = ["bad host"]
interface = "eth0"
ipv4 = "yes"
min_interval = 60
colour = "blue"
"#;
        let ps = problems(text);
        let got: Vec<(usize, &str)> = ps.iter().map(|p| (p.line, p.key.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (1, "state_dir"),
                (4, "policy[0].server"),
                (7, "policy[0].hosts[0]"),
                (9, "policy[0].ipv4"),
                (10, "policy[0].min_interval"),
                (11, "policy[0].colour"),
            ],
            "{ps:#?}"
        );
    }

    /// One fixture per kind of error: each names the right key on the right line, and the
    /// message says what to do.
    #[test]
    fn error_kinds() {
        let base = |extra: &str, drop: &[&str]| -> String {
            let mut lines: Vec<String> = GOOD
                .lines()
                .filter(|l| !drop.iter().any(|d| l.starts_with(&format!("{d} "))))
                .map(String::from)
                .collect();
            lines.push(extra.to_string());
            lines.join("\n")
        };
        // (text, expected key, expected line, message fragment)
        let cases: Vec<(String, &str, usize, &str)> = vec![
            (
                base("serverr = \"x\"", &[]),
                "policy[0].serverr",
                9,
                "did you mean \"server\"",
            ),
            (
                base("url = \"https://x.example/u?ip=<a>\"", &[]),
                "policy[0].url",
                9,
                "only one of server, url and provider",
            ),
            (
                base(
                    "server = \"https://x.example\"\nurl = \"https://x.example/u?ip=<a>\"",
                    &["provider"],
                ),
                "policy[0].url",
                9,
                "server next to provider",
            ),
            (
                base("", &["provider"]),
                "policy[0].server",
                2,
                "missing update endpoint",
            ),
            (
                base("provider = \"nope\"", &["provider"]),
                "policy[0].provider",
                8,
                "known providers",
            ),
            (base("", &["username"]), "policy[0].username", 2, "missing"),
            (
                base("", &["password"]),
                "policy[0].password",
                2,
                "LoadCredential",
            ),
            (
                base("password_env = \"X\"", &[]),
                "policy[0].password_env",
                9,
                "only one of password",
            ),
            (
                base("password_env = \"NOPE_UNSET\"", &["password"]),
                "policy[0].password_env",
                8,
                "not set",
            ),
            (
                base("password_file = \"/nonexistent/secret\"", &["password"]),
                "policy[0].password_file",
                8,
                "cannot read",
            ),
            (base("", &["hosts"]), "policy[0].hosts", 2, "missing"),
            (
                base("hosts = []", &["hosts"]),
                "policy[0].hosts",
                8,
                "is empty",
            ),
            (
                base("hosts = \"a.example.org\"", &["hosts"]),
                "policy[0].hosts",
                8,
                "must be a list",
            ),
            (
                base("hosts = [\"localhost\"]", &["hosts"]),
                "policy[0].hosts[0]",
                8,
                "fully qualified",
            ),
            (
                base("hosts = [\"a.example.org\", \"a.example.org\"]", &["hosts"]),
                "policy[0].hosts[1]",
                8,
                "listed twice",
            ),
            (
                base("", &["interface"]),
                "policy[0].interface",
                2,
                "missing address source",
            ),
            (
                base("web = \"https://checkip.example\"", &[]),
                "policy[0].web",
                9,
                "only one address source",
            ),
            (
                base("web = \"checkip\"", &["interface"]),
                "policy[0].web",
                8,
                "not an http",
            ),
            (
                base("interface = \"a/b\"", &["interface"]),
                "policy[0].interface",
                8,
                "not an interface name",
            ),
            (
                base("ipv4 = false", &[]),
                "policy[0].ipv4",
                9,
                "publish nothing",
            ),
            (
                base("stable_for = \"5\"", &[]),
                "policy[0].stable_for",
                9,
                "no unit",
            ),
            (
                base("timeout = 30", &[]),
                "policy[0].timeout",
                9,
                "durations are strings",
            ),
            (
                base("max_interval = \"1h\"", &[]),
                "policy[0].max_interval",
                9,
                "abuse",
            ),
            (
                base("check_interval = \"5s\"", &[]),
                "policy[0].check_interval",
                9,
                "at least",
            ),
            (
                base("ipv6_prefix = \"10.0.0.0/8\"", &[]),
                "policy[0].ipv6_prefix",
                9,
                "IPv4 prefix",
            ),
            (
                base("command = [\"get-ip\"]", &["interface"]),
                "policy[0].command",
                8,
                "must be an absolute path",
            ),
            (
                base("command = [\"/bin/get-ip\"]", &[]),
                "policy[0].command",
                9,
                "only one address source",
            ),
            (
                base("ipv6 = true\nipv6_host_id = \"::1234\"", &[]),
                "policy[0].ipv6_host_id",
                10,
                "needs ipv6_prefix_from",
            ),
            (
                base("ipv6 = true\nipv6_prefix_from = \"br-lan\"", &[]),
                "policy[0].ipv6_prefix_from",
                10,
                "needs the host's id",
            ),
            (
                base(
                    "ipv6_prefix_from = \"br-lan\"\nipv6_host_id = \"::1234\"",
                    &[],
                ),
                "policy[0].ipv6_prefix_from",
                9,
                "set ipv6 = true",
            ),
            (
                base(
                    "ipv6 = true\nipv6_prefix_from = \"br-lan\"\nipv6_host_id = \"2001:db8::1\"",
                    &[],
                ),
                "policy[0].ipv6_host_id",
                11,
                "sets bits of the prefix",
            ),
            (
                base(
                    "ipv6 = true\nipv6_prefix_from = \"br-lan\"\nipv6_host_mac = \"01:00:5e:00:00:01\"",
                    &[],
                ),
                "policy[0].ipv6_host_mac",
                11,
                "multicast",
            ),
            (
                base(
                    "ipv6 = true\nipv6_prefix_from = \"br-lan\"\nipv6_host_id = \"::1\"\nipv6_host_mac = \"00:11:22:33:44:55\"",
                    &[],
                ),
                "policy[0].ipv6_host_mac",
                12,
                "only one of ipv6_host_id",
            ),
            (
                base(
                    "ipv6 = true\nipv6_prefix_from = \"br lan\"\nipv6_host_id = \"::1\"",
                    &[],
                ),
                "policy[0].ipv6_prefix_from",
                10,
                "not an interface name",
            ),
            (
                base(
                    "ipv6 = true\nweb = \"https://ip.example/\"\nipv6_prefix_from = \"br-lan\"\nipv6_host_id = \"::1\"",
                    &["interface"],
                ),
                "policy[0].ipv6_prefix_from",
                10,
                "cannot go with web",
            ),
            (
                base("ipv6_mode = \"both\"", &[]),
                "policy[0].ipv6_mode",
                9,
                "unknown ipv6_mode",
            ),
            (
                base("user_agent = \"curl\"", &[]),
                "policy[0].user_agent",
                9,
                "block generic",
            ),
            (
                base("ca_file = \"/nonexistent.pem\"", &[]),
                "policy[0].ca_file",
                9,
                "not a readable file",
            ),
            (
                base("name = \"has space\"", &["name"]),
                "policy[0].name",
                8,
                "letters, digits",
            ),
            (base("", &["name"]), "policy[0].name", 2, "missing"),
            (
                base("server = \"http://u.example/nic/update\"", &["provider"]),
                "policy[0].server",
                8,
                "unencrypted",
            ),
            (
                base("server = \"https://u:p@u.example/\"", &["provider"]),
                "policy[0].server",
                8,
                "not in the URL",
            ),
            (
                base("server = \"https://u.example/?a=1\"", &["provider"]),
                "policy[0].server",
                8,
                "takes no query",
            ),
            (
                base("url = \"https://u.example/u?h=<h>\"", &["provider"]),
                "policy[0].url",
                8,
                "has no <a>",
            ),
            (
                base(
                    "url = \"https://u.example/u?h=<host>&a=<a>\"",
                    &["provider"],
                ),
                "policy[0].url",
                8,
                "unknown placeholder <host>",
            ),
            (
                base("provider = \"3322\"", &["provider"]),
                "policy[0].provider",
                8,
                "only offers plain HTTP",
            ),
            (
                base("provider = \"he\"", &["provider"]),
                "policy[0].hosts",
                6,
                "one policy per host",
            ),
            (
                format!("bogus_top = 1{GOOD}"),
                "bogus_top",
                1,
                "unknown key",
            ),
            ("policy = 3".into(), "policy", 1, "array of tables"),
            ("# nothing".into(), "policy", 1, "no [[policy]]"),
            ("[[policy]\nname = 1".into(), "", 1, "TOML syntax"),
        ];
        for (text, key, line, frag) in cases {
            let ps = problems(&text);
            let hit = ps.iter().find(|p| p.key == key);
            let Some(p) = hit else {
                panic!("no problem for key {key:?} in\n{text}\ngot {ps:#?}");
            };
            assert_eq!(p.line, line, "line of {key} in\n{text}\n{ps:#?}");
            assert!(
                p.message.contains(frag),
                "{key}: {:?} lacks {frag:?}",
                p.message
            );
        }
    }

    /// The duplicate-name check points at the second policy.
    #[test]
    fn duplicate_names() {
        let text = format!("{GOOD}\n{}", GOOD.replace("eth0", "eth1"));
        let ps = problems(&text);
        assert_eq!(ps.len(), 1, "{ps:#?}");
        assert_eq!(ps[0].key, "policy[1].name");
        assert_eq!(ps[0].line, 12);
        assert!(
            ps[0].message.contains("policy[0] at line 3 has it already"),
            "{}",
            ps[0].message
        );
    }

    /// Adding an unknown key anywhere is rejected (hickory-dns style bogus-key test).
    #[test]
    fn every_fixture_rejects_a_bogus_key() {
        let example = include_str!("../config/dynward.toml");
        for text in [GOOD, example] {
            let with_bogus = text.replacen("\n[[policy]]\n", "\n[[policy]]\nbogus_key = 1\n", 1);
            let ps = problems(&with_bogus);
            assert!(ps.iter().any(|p| p.key.ends_with("bogus_key")), "{ps:#?}");
        }
    }

    /// No problem message ever contains the password, whatever else is wrong.
    #[test]
    fn password_never_in_messages() {
        let text = GOOD.replace(
            "password = \"s3cret-pw\"",
            "password = \"s3cret-pw\"\npassword_env = \"s3cret-pw\"",
        ) + "\nipv4 = \"s3cret-pw\"\n";
        let err = parse(&text).expect_err("invalid").to_string();
        assert!(!err.contains("s3cret-pw"), "{err}");
        let p = parse(GOOD).expect("valid");
        assert!(!format!("{:?}", p.policies[0]).contains("s3cret-pw"));
    }

    /// Passwords come from each of the four sources; loose permissions give a warning.
    #[test]
    fn password_sources() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("home.secret");
        std::fs::write(&f, "from-file\n").expect("write");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let text = GOOD.replace(
            "password = \"s3cret-pw\"",
            &format!("password_file = \"{}\"", f.display()),
        );
        let c = parse(&text).expect("valid");
        assert_eq!(c.policies[0].password.expose(), "from-file");
        assert_eq!(c.warnings.len(), 1);
        assert!(c.warnings[0].contains("chmod 600"), "{:?}", c.warnings);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(parse(&text).expect("valid").warnings.is_empty());

        let env = Env {
            var: &|k| (k == "DW_PW").then(|| "from-env".to_string()),
        };
        let text = GOOD.replace("password = \"s3cret-pw\"", "password_env = \"DW_PW\"");
        let c = from_str(&text, Path::new("x.toml"), &env).expect("valid");
        assert_eq!(c.policies[0].password.expose(), "from-env");

        std::fs::write(dir.path().join("home"), "from-cred").expect("write");
        let d = dir.path().to_string_lossy().to_string();
        let getter = move |k: &str| (k == "CREDENTIALS_DIRECTORY").then(|| d.clone());
        let env = Env { var: &getter };
        let text = GOOD.replace("password = \"s3cret-pw\"\n", "");
        let c = from_str(&text, Path::new("x.toml"), &env).expect("valid");
        assert_eq!(c.policies[0].password.expose(), "from-cred");
        assert_eq!(c.policies[0].password_origin, "systemd credential home");
    }

    /// server: bare host gets https and /nic/update; http is refused unless allowed.
    #[test]
    fn server_forms() {
        let u = parse_server("members.dyndns.org").expect("ok");
        assert_eq!(u.as_str(), "https://members.dyndns.org/nic/update");
        let u = parse_server("http://127.0.0.1:8080/x/update").expect("ok");
        assert_eq!(u.as_str(), "http://127.0.0.1:8080/x/update");
        let text = GOOD.replace(
            "provider = \"dyn\"",
            "server = \"http://127.0.0.1:8080/nic/update\"\nallow_insecure_http = true",
        );
        assert!(parse(&text).is_ok());
    }

    fn key(b: u8) -> FingerprintKey {
        FingerprintKey::new([b; 32], false)
    }

    /// The fingerprint changes with any defining field (password included) and only then; it
    /// is keyed: another key gives another fingerprint, so without the key file none can be
    /// used to test password guesses; it does not contain the password.
    #[test]
    fn fingerprint() {
        let a = parse(GOOD).expect("valid").policies.remove(0);
        let same = parse(GOOD).expect("valid").policies.remove(0);
        assert_eq!(a.fingerprint(&key(1)), same.fingerprint(&key(1)));
        assert_ne!(a.fingerprint(&key(1)), a.fingerprint(&key(2)));
        assert!(a.fingerprint(&key(1)).starts_with(FINGERPRINT_TAG));
        for (from, to) in [
            ("s3cret-pw", "other"),
            ("alice", "bob"),
            ("nas.example", "nas2.example"),
            ("eth0", "eth1"),
        ] {
            let b = parse(&GOOD.replace(from, to))
                .expect("valid")
                .policies
                .remove(0);
            assert_ne!(
                a.fingerprint(&key(1)),
                b.fingerprint(&key(1)),
                "{from}->{to}"
            );
        }
        assert!(!a.fingerprint(&key(1)).contains("s3cret"));
        assert_ne!(a.fingerprint(&key(1)), a.legacy_fingerprint());
    }

    /// Records of version 0.1.0 are recognised: its unkeyed fingerprint of a known policy is
    /// the value it recorded.
    #[test]
    fn fingerprint_is_stable_across_versions() {
        let text = "[[policy]]\nname = \"home\"\nserver = \"http://127.0.0.1:9/nic/update\"\nallow_insecure_http = true\nusername = \"alice\"\npassword = \"s3cret-pw\"\nhosts = [\"home.example.org\", \"nas.example.org\"]\ninterface = \"eth0\"\nipv6 = true\n";
        let p = parse(text).expect("valid").policies.remove(0);
        assert_eq!(p.legacy_fingerprint(), "ad363dd60112f122");
        assert_eq!(p.account(), "http://127.0.0.1:9 alice");
    }

    /// Each case: what it is, its config, its fingerprint with key [7; 32], and its 0.1.0 one.
    const PINNED: &[(&str, &str, &str, &str)] = &[
        (
            "preset dyn",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dyn\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:54c35b140e5e925da8a40ae194e9e959",
            "052f8d3ac5cd37ac",
        ),
        (
            "preset noip",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"noip\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:0c97e4d8eddeeafffe8386db4995eddb",
            "c1af0c1b81d55309",
        ),
        (
            "preset dynu",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dynu\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:bc4113a05c66d291c48a3b826f162a52",
            "246bb04995eedbf9",
        ),
        (
            "preset 3322",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"3322\"\nusername = \"user\"\nallow_insecure_http = true\nhosts = [\"home.example.org\"]\n\n",
            "k2:6484cb1aa501616dd710e719c33b8fec",
            "c1b4babf52875bc4",
        ),
        (
            "preset oray",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"oray\"\nusername = \"user\"\nallow_insecure_http = true\nhosts = [\"home.example.org\"]\n\n",
            "k2:44ccd3a12455aa2fab06b3ee67ec115a",
            "4dc6ae66bf28cb46",
        ),
        (
            "preset ovh",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"ovh\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:6fbd853e1d6e50d16a6dea200bf068d6",
            "d6f76fc79dfe04c8",
        ),
        (
            "preset strato",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"strato\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:9419696c0a781c8917dbad29ad3a1539",
            "6c203df0d9c76538",
        ),
        (
            "preset selfhost",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"selfhost\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:2f994ee3f2343b580b89aaa9d927b5b9",
            "1a0d485f586fc5cf",
        ),
        (
            "preset changeip",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"changeip\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:f59c44d334a74a50a613b2702727243f",
            "093806da1548866b",
        ),
        (
            "preset he",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"he\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:b6178098976677cc9e302899d86bd6a3",
            "9c82c56294ffb1bb",
        ),
        (
            "preset dnsomatic",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dnsomatic\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:79090232eb2bf8a61fa59e40a6f688e2",
            "598c938e32db30ca",
        ),
        (
            "preset desec",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"desec\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:adeee6b30f18ad498946db33637d165a",
            "d2495d63d0efa289",
        ),
        (
            "preset duckdns",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"duckdns\"\nhosts = [\"home.duckdns.org\"]\n\n",
            "k2:26317ed7b12c9c4b72f9889b549c9fbe",
            "4a8fb615a5e30586",
        ),
        (
            "preset dynv6",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dynv6\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:9bdae20b6f0bd94786438b6eb40b580b",
            "914814f9aee011a2",
        ),
        (
            "preset nsupdate.info",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"nsupdate.info\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:660ee98e582b5a7ea568cfa09ff16dbc",
            "1fc1786c1f643b40",
        ),
        (
            "preset infomaniak",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"infomaniak\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:3bcc44a82cc7caa7766fb199e4b2eb87",
            "4ef352dbf3aff1d1",
        ),
        (
            "preset now-dns",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"now-dns\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:a1317f89cb0dfdd1241cc550d309286f",
            "55b0092ccf27bee9",
        ),
        (
            "preset spdyn",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"spdyn\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:a135f5c1684b2cde0caa9b2b9fbb2a97",
            "95d0b2a8cd3c34c3",
        ),
        (
            "preset all-inkl",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"all-inkl\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:b0b5cafa6cd40ddc538297c52e105000",
            "7f79e67fdfd646bb",
        ),
        (
            "preset ipv64",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"ipv64\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:2c59a97984b511a40fde74bf96e418b1",
            "41858a3e10d92177",
        ),
        (
            "preset ddnss",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"ddnss\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:0397622ae51e7f527b7a552b21d21e37",
            "ada77e34371a14db",
        ),
        (
            "preset dnshome",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dnshome\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:7a421b6f2fc2beca3f3c4ee567abd41f",
            "fead74c33db0b589",
        ),
        (
            "preset freedns",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"freedns\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:fd42ee5aa063624ebaf49ff2175218dc",
            "f8c7d415a6316a7c",
        ),
        (
            "preset namecheap",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"namecheap\"\nusername = \"example.org\"\nhosts = [\"home.example.org\"]\n\n",
            "k2:5e2a54dd0ed6cede850bef186a614764",
            "2a1c2b1b735c69d8",
        ),
        (
            "template",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nurl = \"https://dyn.example.net/update?h=<h>&a=<a>&u=<username>&p=<password>\"\nusername = \"user\"\nhosts = [\"home.example.org\", \"nas.example.org\"]\nreplies = [{ contains = \"OK\", means = \"good\" }, { status = 404, means = \"nohost\" }, { contains = \"slow \\\"down\\\"\", status = 400, means = \"w5m\" }]\n",
            "k2:3c70898b1cc82347cdd27103807310b5",
            "23f70e506e2dd7d5",
        ),
        (
            "server",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nserver = \"https://dyn.example.net/nic/update\"\nusername = \"user\"\nhosts = [\"home.example.org\", \"nas.example.org\"]\nipv6 = true\nipv6_mode = \"combined\"\nipv4_prefix = \"203.0.113.0/24\"\nipv6_prefix = \"2001:db8:1::/48\"\n",
            "k2:bcbe6d1c27926c038af10eaa3455977b",
            "b222584251f219d3",
        ),
        (
            "server plain",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nserver = \"dyn.example.net\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n",
            "k2:913c4bc83a5a5b039f5801f21bda3728",
            "f6523037401162d8",
        ),
        (
            "web",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\nserver = \"https://dyn.example.net/nic/update\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\nweb = \"https://checkip.example.net/\"\n",
            "k2:8e1916d8f5da72f9b3e03a89da739896",
            "802485f8ac96edcc",
        ),
        (
            "web4 web6",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\nserver = \"https://dyn.example.net/nic/update\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\nipv6 = true\nweb4 = \"https://v4.example.net/\"\nweb6 = \"https://v6.example.net/\"\n",
            "k2:5129b0b84270430bd389f176ad671b99",
            "74097fd6a0cc8f25",
        ),
        (
            "command",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\nserver = \"https://dyn.example.net/nic/update\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\ncommand = [\"/usr/local/bin/myip\", \"-4\"]\n",
            "k2:cc59ef640b584435db7824b7851d9010",
            "3614d28ee8acfca5",
        ),
        (
            "auto",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"auto\"\nserver = \"https://dyn.example.net/nic/update\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\nallow_private = true\nuser_agent = \"Example Router/2.0 admin@example.org\"\n",
            "k2:c5e7fcfed4416da7f63d9531bd6c7f8d",
            "d7f796edd1364fc1",
        ),
        (
            "dynu alias myipv6",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dynu\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\nalias = \"myalias\"\nipv6 = true\n",
            "k2:81423acae2c6eb0b49ee228fc1b2efef",
            "5d41aeda9f011de7",
        ),
        (
            "ovh at server",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"ovh\"\nserver = \"https://dyn.example.net\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n",
            "k2:76c50b67e4796a4ae13ef08baef4332e",
            "b15037141c429dfb",
        ),
        (
            "freedns v6",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"freedns\"\nhosts = [\"home.example.org\"]\nipv4 = false\nipv6 = true\n",
            "k2:810057268521d33ce5f6ebaf6f7ee26f",
            "e57c3b3b64e13d08",
        ),
        (
            "lan host",
            "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nserver = \"https://dyn.example.net/nic/update\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\nipv6 = true\nipv6_prefix_from = \"br-lan\"\nipv6_host_id = \"::1234\"\n",
            "k2:70cf711980c30ac5d1eb01c51cc87645",
            "ea894b70ee46c129",
        ),
    ];

    /// No rename can clear a user's stops: the fingerprint of every preset, a template with
    /// reply rules, servers, web, command and LAN-host sources is what the state files of
    /// earlier versions recorded (made with the code before the protocol seam), and so is
    /// 0.1.0's unkeyed one.
    #[test]
    fn fingerprints_are_pinned() {
        let key = FingerprintKey::new([7; 32], false);
        for (label, text, fingerprint, legacy) in PINNED {
            let p = test_policy(text);
            assert_eq!(p.fingerprint(&key), *fingerprint, "{label}");
            assert_eq!(p.legacy_fingerprint(), *legacy, "{label}");
        }
        let presets: Vec<&str> = PINNED
            .iter()
            .filter_map(|(label, ..)| label.strip_prefix("preset "))
            .collect();
        let all: Vec<&str> = crate::provider::ALL.iter().map(|(n, _)| *n).collect();
        assert_eq!(presets, all, "every preset is pinned");
    }

    /// Each setting is classified once: what the provider sees is an identity change (a
    /// fingerprint change: stops cleared), how dynward works is a
    /// runtime change (a new machine, nothing sent for it), the rest is no change.
    #[test]
    fn change_classification() {
        let a = parse(GOOD).expect("valid").policies.remove(0);
        assert_eq!(Change::between(&a, &a.clone()), Change::None);
        let changed = |from: &str, to: &str| {
            let b = parse(&GOOD.replace(from, to))
                .unwrap_or_else(|e| panic!("{from}->{to}: {e}"))
                .policies
                .remove(0);
            Change::between(&a, &b)
        };
        for (from, to) in [
            ("s3cret-pw", "other"),
            ("alice", "bob"),
            ("nas.example", "nas2.example"),
            ("eth0", "eth1"),
            (
                "provider = \"dyn\"",
                "server = \"https://members.dyndns.org/nic/update\"",
            ),
            ("interface", "ipv6 = true\ninterface"),
            (
                "interface",
                "user_agent = \"Example Updater/1.0\"\ninterface",
            ),
        ] {
            assert_eq!(changed(from, to), Change::Identity, "{from}->{to}");
        }
        for extra in [
            "timeout = \"5s\"",
            "connect_timeout = \"5s\"",
            "stable_for = \"9s\"",
            "min_interval = \"2m\"",
            "max_interval = \"2d\"",
            "check_interval = \"20m\"",
            "on_change = [\"/bin/true\"]",
            "on_error = [\"/bin/true\"]",
        ] {
            assert_eq!(
                changed("interface", &format!("{extra}\ninterface")),
                Change::Runtime,
                "{extra}"
            );
        }
        assert_eq!(
            changed("name = \"home\"", "name = \"home\"\n# a comment"),
            Change::None
        );
        // The host behind the router: its id changes the address, which is sent as new; the
        // provider's view of the policy is the same.
        let lan = |id: &str| {
            parse(&GOOD.replace(
                "interface",
                &format!("ipv6 = true\nipv6_prefix_from = \"br-lan\"\n{id}\ninterface"),
            ))
            .expect("valid")
            .policies
            .remove(0)
        };
        let one = lan("ipv6_host_id = \"::1234\"");
        assert_eq!(
            one.ipv6_lan,
            Some(LanHost {
                interface: "br-lan".into(),
                host_id: HostId::literal("::1234").expect("id"),
            })
        );
        let mac = lan("ipv6_host_mac = \"00:11:22:33:44:55\"");
        assert_eq!(
            mac.ipv6_lan.as_ref().map(|l| l.host_id.bits()),
            Some(0x0211_22ff_fe33_4455)
        );
        assert_eq!(Change::between(&one, &mac), Change::Runtime);
        assert_eq!(Change::between(&one, &one.clone()), Change::None);
    }

    /// The example config shipped in config/ is valid.
    #[test]
    fn example_config_is_valid() {
        let text = include_str!("../config/dynward.toml");
        let c = from_str(text, Path::new("config/dynward.toml"), &no_env()).expect("example valid");
        assert!(!c.policies.is_empty());
    }
}
