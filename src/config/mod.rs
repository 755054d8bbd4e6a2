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
use crate::protocol::api as rest;
use crate::protocol::code::{Code, Quirks};
use crate::protocol::dyndns2::Endpoint;
use crate::protocol::dyndns2::{Credentials, Dialect, FamilyMode, HostForm, Rule, Shape, User};
use crate::protocol::{AnyExchange, ServerId, Start, Update, dns, dyndns2};
use crate::provider::Provider;
use crate::secret::Secret;

mod apikeys;
mod identity;
pub mod keys;
mod policy;
mod read;
mod replies;
mod resolve;
mod source;

pub use apikeys::ApiKeys;
pub use identity::{Change, FINGERPRINT_TAG, FingerprintKey, OLDER_FINGERPRINT_TAGS};
use keys::{foreign_hint, is_policy_key, is_top_key, policy_keys, top_keys};
use read::{Globals, Item, Section, Walker, closest, last_in_file, line_col, names};
pub use resolve::SERVICE_GROUP;

/// Where the config is read from when neither `--config` nor `DYNWARD_CONFIG` says.
pub const DEFAULT_PATH: &str = "/etc/dynward/dynward.toml";
/// Where the state lives when neither the config nor `$STATE_DIRECTORY` says:
/// `/var/lib/dynward`, or what `DYNWARD_STATE_DIR` named when this binary was built. The
/// OpenWrt packages are built with `/etc/dynward/state`: `/var` is RAM there, and the
/// daemon, `status` and `reset` must agree without a line in the config.
pub const DEFAULT_STATE_DIR: &str = match option_env!("DYNWARD_STATE_DIR") {
    Some(dir) => dir,
    None => "/var/lib/dynward",
};

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
    /// After an accepted update, how long the zone's servers may take to serve it (zero:
    /// they are not asked).
    pub verify_for: Duration,
    /// How often the daemon asks the zone's servers what they serve, to repair a record
    /// changed elsewhere (none: never).
    pub verify_every: Option<Duration>,
    /// Command run after a successful change (program and arguments, no shell).
    pub on_change: Vec<String>,
    /// Command run when a host or the policy becomes invalid or backs off.
    pub on_error: Vec<String>,
    /// How long a hook may run before it is killed.
    pub hook_timeout: Duration,
    /// An API provider's keys (`zone`, `zone_id`, `ttl`, `proxied`).
    pub api: ApiKeys,
    /// An API provider's credential is named after the first policy that has it: every
    /// policy with the same one shares its verdicts (the API judges the token).
    pub token_of: String,
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
    /// For a dry run, which sends nothing: a password that is not there (no key, an unset
    /// variable, no credential) is no problem then.
    pub dry_run: bool,
}

impl Env<'_> {
    /// The real process environment.
    pub fn process() -> Env<'static> {
        Env {
            var: &|k| std::env::var(k).ok(),
            dry_run: false,
        }
    }

    /// The real process environment, for a dry run.
    pub fn dry_run() -> Env<'static> {
        Env {
            dry_run: true,
            ..Env::process()
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
    if let Some(w) = resolve::loose_config(&cfg, path) {
        cfg.warnings.push(w);
    }
    Ok(cfg)
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
    let (state_dir, globals) = w.top_level(&doc);
    let policies = match doc.get("policy") {
        Some(v) => w.policies(v, env, &globals),
        None => Vec::new(),
    };
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

impl Walker<'_> {
    /// The top-level keys: `state_dir`, and the hooks every policy gets unless it has its own.
    fn top_level(&mut self, doc: &DeTable<'_>) -> (Option<PathBuf>, Globals) {
        let mut state_dir = None;
        let mut globals = Globals::default();
        for (k, v) in doc.iter() {
            match k.get_ref().as_ref() {
                "state_dir" => state_dir = self.string(v, "state_dir").map(PathBuf::from),
                "on_change" => globals.on_change = self.command(v, "on_change").unwrap_or_default(),
                "on_error" => globals.on_error = self.command(v, "on_error").unwrap_or_default(),
                "hook_timeout" => globals.hook_timeout = self.duration(v, "hook_timeout"),
                "policy" => {}
                other => {
                    let hint = match foreign_hint(other) {
                        Some(h) => h.to_string(),
                        None if is_policy_key(other) => {
                            "it belongs inside a [[policy]] section".to_string()
                        }
                        None => format!(
                            "top-level keys are {} and [[policy]]",
                            top_keys().join(", ")
                        ),
                    };
                    self.problem_at(k.span().start, other, format!("unknown key; {hint}"))
                }
            }
        }
        (state_dir, globals)
    }

    /// The `[[policy]]` sections, each read into a policy when it has no problem.
    fn policies(&mut self, v: &Item<'_>, env: &Env<'_>, globals: &Globals) -> Vec<Policy> {
        let DeValue::Array(items) = v.get_ref() else {
            self.problem_at(
                v.span().start,
                "policy",
                "must be an array of tables; write each policy as a [[policy]] section".into(),
            );
            return Vec::new();
        };
        let mut policies = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = format!("policy[{i}]");
            match item.get_ref() {
                DeValue::Table(t) => {
                    if let Some(p) = self.policy(t, item.span().start, &at, env, globals) {
                        policies.push(p);
                    }
                }
                _ => self.problem_at(
                    item.span().start,
                    &at,
                    "must be a table; write [[policy]] sections".into(),
                ),
            }
        }
        name_tokens(&mut policies);
        policies
    }
}

/// Names each API policy's credential after the first policy with the same one at the same
/// API (the verdicts on a token bind every policy that sends it). One pass: a config of a
/// thousand policies must not compare each with every other at start-up.
fn name_tokens(policies: &mut [Policy]) {
    let mut first: std::collections::HashMap<(ServerId, String, String), String> =
        std::collections::HashMap::new();
    for p in policies.iter_mut().filter(|p| p.is_api()) {
        let key = (
            p.server_key(),
            p.username.clone(),
            p.password.expose().to_string(),
        );
        p.token_of = first.entry(key).or_insert_with(|| p.name.clone()).clone();
    }
}

/// The `state_dir` of a config file that may not be valid as a whole, so that `status` and
/// `reset` still reach the daemon while the file is being edited.
pub fn state_dir_hint(path: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(path).ok()?;
    let table = text.parse::<toml::Table>().ok()?;
    table.get("state_dir")?.as_str().map(PathBuf::from)
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
/// How long the zone's servers may take to serve an accepted update before it is called
/// not served.
pub const DEFAULT_VERIFY_FOR: Duration = Duration::from_secs(300);
/// The longest `verify_for`: a check is one task per host, not a watch.
pub const MAX_VERIFY_FOR: Duration = Duration::from_secs(3600);
/// The shortest `verify_every`.
pub const MIN_VERIFY_EVERY: Duration = Duration::from_secs(10);
/// How long a hook may run.
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(30);

/// Parses one policy from config text, for tests of other modules.
#[cfg(test)]
pub(crate) fn test_policy(text: &str) -> Policy {
    from_str(
        text,
        Path::new("test.toml"),
        &Env {
            var: &|_| None,
            dry_run: false,
        },
    )
    .expect("test config is valid")
    .policies
    .remove(0)
}

/// The longest policy name (it names a credential file).
pub const MAX_NAME: usize = 64;

/// Whether `c` may stand in a policy name: letters, digits, '-', '_' and '.'.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

impl Policy {
    /// The exchange that carries `update` to this policy's provider.
    pub fn exchange(&self, update: &Update, start: Start) -> AnyExchange {
        if let Some(a) = self.dns_account() {
            return AnyExchange::Dns(Box::new(dns::exchange::Exchange::new(
                a, update, start.now, start.seed,
            )));
        }
        match self.api_account() {
            Some(a) => AnyExchange::Http(Box::new(rest::Exchange::new(
                a,
                update,
                update.zones.clone(),
            ))),
            None => AnyExchange::Http(Box::new(dyndns2::Exchange::new(self.sender(), update))),
        }
    }

    /// Where and with which key an RFC 2136 policy updates (the config's check made sure the
    /// secret reads); none for the others.
    fn dns_account(&self) -> Option<dns::exchange::Account> {
        use dns::tsig::{self, Algorithm, Key};
        use dns::wire::Name;
        if self.provider != Some(Provider::Rfc2136) {
            return None;
        }
        let text = self.password.expose();
        let (name, algorithm, secret) = if tsig::is_key_file(text) {
            tsig::read_key_file(text).ok()?
        } else {
            let alg = self.api.tsig_algorithm.as_deref().unwrap_or("hmac-sha256");
            (
                Name::parse(self.api.tsig_key.as_deref()?).ok()?,
                Algorithm::parse(alg)?,
                tsig::base64(text)?,
            )
        };
        Some(dns::exchange::Account {
            zone: self.api.zone.as_deref().and_then(|z| Name::parse(z).ok()),
            key: Key::new(name, algorithm, &secret),
            ttl: self.api.ttl.unwrap_or(300),
        })
    }

    /// Where and as whom an API policy sends; none for dyndns2.
    fn api_account(&self) -> Option<rest::Account> {
        let kind = self.provider.and_then(Provider::api)?;
        let Endpoint::Server(base) = &self.endpoint else {
            return None;
        };
        Some(rest::Account {
            api: kind,
            base: base.clone(),
            key: self.username.clone(),
            token: self.password.clone(),
            zone: self.api.zone.clone(),
            zone_id: self.api.zone_id.clone(),
            ttl: self.api.ttl,
            proxied: self.api.proxied,
            apikey_scheme: kind == rest::Api::Gandi && self.username == "apikey",
        })
    }

    /// Whether the policy speaks a DNS host's own API rather than dyndns2.
    pub fn is_api(&self) -> bool {
        self.provider.and_then(Provider::api).is_some()
    }

    /// The policy as advice names it: its name, and its credentials as its provider names
    /// them (so a DuckDNS user is told about a token, not a user name).
    pub fn who(&self) -> crate::protocol::code::Who<'_> {
        use crate::protocol::dyndns2::User;
        let credentials = match self.provider {
            Some(Provider::Dyn) => "the user name and password (Dyn: the updater client key)",
            Some(Provider::Porkbun) => "the API key (username) and secret API key (password)",
            Some(p) if p.api().is_some() => "the API token (password)",
            Some(Provider::He) => "the host's key (password; the user name is the host)",
            Some(Provider::Rfc2136) => {
                "the TSIG key: its name (tsig_key), algorithm (tsig_algorithm) and secret (password)"
            }
            _ => match self.dialect.user {
                User::Unused => "the token (password); this provider takes no user name",
                User::Host => "the password (the user name is the host unless set)",
                User::Param(_) => "the domain (username) and its dynamic DNS password",
                User::Required => "the user name and password",
            },
        };
        crate::protocol::code::Who {
            policy: &self.name,
            credentials,
        }
    }

    /// Whom a verdict on the account binds: the user name, or for an API the credential
    /// (named after the first policy with it; never the secret).
    pub fn account_user(&self) -> String {
        if self.is_api() {
            format!("token of {}", self.token_of)
        } else {
            self.username.clone()
        }
    }

    /// Where and as whom the updates go, for the protocol.
    pub(super) fn sender(&self) -> dyndns2::Account {
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
        self.is_api() || self.dialect.family == FamilyMode::Separate
    }

    /// The provider's ways that change what an answer decides: an API limits requests per
    /// credential.
    pub fn quirks(&self) -> Quirks {
        Quirks {
            limits_per_account: self.is_api(),
            ..self.dialect.quirks()
        }
    }

    /// What the provider does with a host's record of a family this policy has no address
    /// for now (`v6`: the IPv6 one), in words.
    pub fn left_out_effect(&self, v6: bool) -> String {
        if self.is_api() {
            let t = if v6 { "AAAA" } else { "A" };
            return format!("its {t} record is left as it is");
        }
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

#[cfg(test)]
mod tests;
