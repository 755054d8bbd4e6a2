//! `dynward import --from ddclient|inadyn FILE`: another client's config, carried over into a
//! dynward config. Every carried setting has a comment saying where it came from; whatever
//! cannot be carried is listed with the reason and left as a commented line, never dropped
//! silently.
//!
//! Reading the other format and drafting the policies is pure ([`ddclient::read`],
//! [`inadyn::read`], [`render`]); [`run`] does the file I/O: it reads the file (and inadyn's
//! includes), writes the result with mode 0600, and runs `check` on it.

pub mod ddclient;
pub mod inadyn;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::provider::{self, Provider};

/// The clients whose configs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// ddclient (3.x and 4.x option names).
    Ddclient,
    /// inadyn 2.x (libConfuse syntax).
    Inadyn,
}

impl Client {
    /// From the command line's `--from`.
    pub fn parse(s: &str) -> Option<Client> {
        match s {
            "ddclient" => Some(Client::Ddclient),
            "inadyn" => Some(Client::Inadyn),
            _ => None,
        }
    }

    /// Its name, as comments and messages say it.
    pub fn name(self) -> &'static str {
        match self {
            Client::Ddclient => "ddclient",
            Client::Inadyn => "inadyn",
        }
    }
}

/// A value as it goes into the dynward config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string.
    Str(String),
    /// A password or token: written to the file, masked on the terminal.
    Secret(String),
    /// true or false.
    Bool(bool),
    /// A number (seconds).
    Int(u32),
    /// A list of strings.
    List(Vec<String>),
    /// `replies`: answers containing any of these words are a success (`good`).
    GoodWords(Vec<String>),
}

/// One setting carried over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The dynward key.
    pub key: &'static str,
    /// Its value.
    pub value: Value,
    /// Where it came from (`file:line key`, or why it was chosen).
    pub from: String,
}

/// Something of the other config that is not carried over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    /// Where it was (`file:line`).
    pub at: String,
    /// The setting as written there (secrets masked).
    pub text: String,
    /// Why it is not carried.
    pub why: String,
    /// Whether something the user relied on is lost (else it is not needed with dynward).
    pub lost: bool,
}

/// A policy as drafted from the other config.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Draft {
    /// Where its section or line was.
    pub at: String,
    /// The carried settings, in the order they are written.
    pub settings: Vec<Setting>,
    /// What of it is not carried.
    pub left: Vec<Left>,
    /// Why the whole policy cannot work, if it cannot: then it is written commented out.
    pub refused: Option<String>,
}

impl Draft {
    /// Adds a carried setting.
    pub fn set(&mut self, key: &'static str, value: Value, from: impl Into<String>) {
        self.settings.retain(|s| s.key != key);
        self.settings.push(Setting {
            key,
            value,
            from: from.into(),
        });
    }

    /// Records a setting that is not carried.
    pub fn leave(&mut self, at: &str, text: String, why: impl Into<String>, lost: bool) {
        self.left.push(Left {
            at: at.to_string(),
            text,
            why: why.into(),
            lost,
        });
    }

    /// The value of a carried setting.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.settings
            .iter()
            .find(|s| s.key == key)
            .map(|s| &s.value)
    }
}

/// Everything read from the other client's config.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Import {
    /// One per host line (ddclient) or provider section (inadyn).
    pub policies: Vec<Draft>,
    /// Settings of the whole file that are not carried.
    pub left: Vec<Left>,
}

impl Import {
    /// Whether every host and setting that matters was carried.
    pub fn complete(&self) -> bool {
        !self.policies.is_empty()
            && self.policies.iter().all(|p| p.refused.is_none())
            && self
                .policies
                .iter()
                .flat_map(|p| &p.left)
                .chain(&self.left)
                .all(|l| !l.lost)
    }

    /// What was not carried, with where and why, one line each (secrets masked).
    pub fn report(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.policies {
            if let Some(why) = &p.refused {
                out.push(format!("{}: not carried: {}", p.at, flat(why)));
            }
        }
        for l in self.policies.iter().flat_map(|p| &p.left).chain(&self.left) {
            let kind = if l.lost { "not carried" } else { "not needed" };
            out.push(format!(
                "{}: {kind}: {}: {}",
                l.at,
                flat(&l.text),
                flat(&l.why)
            ));
        }
        out
    }
}

/// Why a Google Domains policy is not carried.
pub const GOOGLE_DOMAINS_ENDED: &str = "Google Domains' dynamic DNS ended in 2024 (its domains moved to Squarespace, which has none); move the domain's DNS to a provider dynward has a preset for";

/// Why a FreeDNS policy of the other client's (an account's login and password) is not
/// carried, and what the user must supply instead.
pub const FREEDNS_TOKEN: &str = "dynward's freedns preset speaks FreeDNS's v2 sync URL, whose update token names one record, not an account's login and password; on freedns.afraid.org's Dynamic DNS page (version 2) copy the token after /u/ of the record's sync URL, then write provider = \"freedns\" with that token as password, one policy per record";

/// A server as the other client writes it (a host, maybe with a port and a path, maybe with
/// a scheme, which both clients add themselves) without its scheme and a trailing `/`, and
/// its host.
pub fn bare_server(server: &str) -> (&str, &str) {
    let bare = server
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    (bare, bare.split(['/', ':']).next().unwrap_or(bare))
}

/// Hurricane Electric has one key per host, so a block or section listing several hosts
/// becomes one policy per host: each with the source's password (that host's key only if
/// they share one, which the report says), its user name the host (dynward's default).
pub fn one_per_he_host(d: Draft, taken: &[String]) -> Vec<Draft> {
    let Some(Value::List(hosts)) = d.get("hosts").cloned() else {
        return vec![d];
    };
    if hosts.len() < 2 || !matches!(d.get("provider"), Some(Value::Str(p)) if p == "he") {
        return vec![d];
    }
    let mut names = taken.to_vec();
    hosts
        .iter()
        .map(|h| {
            let mut one = d.clone();
            let origin = one
                .settings
                .iter()
                .find(|s| s.key == "hosts")
                .map(|s| s.from.clone())
                .unwrap_or_default();
            let name = name_for(std::slice::from_ref(h), "he", &names);
            names.push(name.clone());
            // In place: the settings keep their order.
            for st in &mut one.settings {
                match st.key {
                    "hosts" => st.value = Value::List(vec![h.clone()]),
                    "name" => {
                        st.value = Value::Str(name.clone());
                        st.from = "named after its host (one policy per host at Hurricane Electric)".into();
                    }
                    _ => {}
                }
            }
            if matches!(one.get("username"), Some(Value::Str(u)) if u != h) {
                one.settings.retain(|s| s.key != "username");
            }
            one.left.push(Left {
                at: origin.split(' ').next().unwrap_or_default().to_string(),
                text: format!("{h} among several hosts"),
                why: "Hurricane Electric has one key per host: this policy has the source's password; if the host has its own key, set it here".into(),
                lost: false,
            });
            one
        })
        .collect()
}

/// A preset that updates IPv4 only (Namecheap, ZoneEdit) cannot take the IPv6 the source
/// asked for: the family is named as not carried, so that the result passes `check`.
pub fn ipv4_only(d: &mut Draft) {
    let Some(Value::Str(name)) = d.get("provider") else {
        return;
    };
    let Ok(p) = name.parse::<Provider>() else {
        return;
    };
    let Some(asked) = d.settings.iter().position(|s| s.key == "ipv6") else {
        return;
    };
    if p.dialect().ipv6 || d.settings[asked].value != Value::Bool(true) {
        return;
    }
    let from = d.settings.remove(asked).from;
    d.left.push(Left {
        at: from,
        text: "IPv6".into(),
        why: format!("provider {p} updates IPv4 only, so the AAAA record is not updated"),
        lost: true,
    });
}

/// Whether a key of the other client holds a secret (its value is never shown): passwords,
/// tokens, secrets and keys (`key`, Porkbun's `apikey`).
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("password") || k.contains("token") || k.contains("secret") || k.ends_with("key")
}

/// Whether the preset named takes a token alone (no user name): a `login` given for it is
/// a token in the wrong place, as DuckDNS guides write it, so it is neither carried nor
/// shown.
pub fn token_only(provider: Option<&Value>) -> bool {
    use crate::protocol::dyndns2::User;
    let Some(Value::Str(name)) = provider else {
        return false;
    };
    name.parse::<Provider>()
        .is_ok_and(|p| p.api().is_some() || p.dialect().user == User::Unused)
}

/// `key=value` as shown in messages and comments: a secret's value masked.
pub fn shown(key: &str, value: &str, sep: &str) -> String {
    if is_secret_key(key) {
        format!("{key}{sep}********")
    } else {
        format!("{key}{sep}{value}")
    }
}

/// The dynward preset whose update server is `host`, if any.
pub fn preset_for_host(host: &str) -> Option<Provider> {
    let host = host.to_ascii_lowercase();
    let aliases: &[(&str, Provider)] = &[
        ("members.dyndns.org", Provider::Dyn),
        ("members.3322.org", Provider::P3322),
        ("dynupdate.no-ip.com", Provider::NoIp),
        // The names ddclient's examples still use for easyDNS's, ZoneEdit's and Loopia's
        // update servers.
        ("members.easydns.com", Provider::EasyDns),
        ("www.zoneedit.com", Provider::ZoneEdit),
        ("dyndns.loopia.se", Provider::Loopia),
    ];
    if let Some((_, p)) = aliases.iter().find(|(h, _)| *h == host) {
        return Some(*p);
    }
    provider::ALL.iter().map(|(_, p)| *p).find(|p| {
        url::Url::parse(p.server())
            .ok()
            .and_then(|u| u.host_str().map(|h| h == host))
            .unwrap_or(false)
    })
}

/// A policy name from its first host: letters, digits, `-`, `_`, `.`; unique among `taken`.
pub fn name_for(hosts: &[String], fallback: &str, taken: &[String]) -> String {
    // Room for a "-N" suffix within the config's longest name.
    let base: String = hosts
        .first()
        .map(|h| h.split('.').next().unwrap_or(h))
        .filter(|b| !b.is_empty() && *b != "@")
        .unwrap_or(fallback)
        .chars()
        .map(|c| {
            if crate::config::is_name_char(c) {
                c
            } else {
                '-'
            }
        })
        .take(crate::config::MAX_NAME - 4)
        .collect();
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// A duration in seconds as dynward writes it (`"5m"`, `"1m30s"`).
pub fn secs_text(secs: u64) -> String {
    crate::duration::format(std::time::Duration::from_secs(secs))
}

/// A command line split on whitespace, or why it needs a shell (then it is not carried:
/// dynward runs commands without one).
pub fn split_command(cmd: &str) -> Result<Vec<String>, String> {
    if cmd.contains([
        '|', ';', '&', '$', '`', '>', '<', '\'', '"', '(', ')', '*', '?',
    ]) {
        return Err(
            "it needs a shell (pipes, quotes or variables); dynward runs commands without one: put it in a script and name the script".into(),
        );
    }
    let argv: Vec<String> = cmd.split_whitespace().map(String::from).collect();
    match argv.first() {
        None => Err("it is empty".into()),
        Some(p) if !p.starts_with('/') => Err(format!(
            "\"{p}\" is not an absolute path; dynward runs commands without a PATH lookup"
        )),
        Some(_) => Ok(argv),
    }
}

/// Text of the other file on one line: in a comment, a newline would start a line of TOML of
/// its own; in the report, a line of its own.
fn flat(t: &str) -> String {
    t.replace(|c: char| c.is_control(), " ")
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_value(v: &Value, masked: bool) -> String {
    match v {
        Value::Str(s) => quote(s),
        Value::Secret(_) if masked => quote("********"),
        Value::Secret(s) => quote(s),
        Value::Bool(b) => b.to_string(),
        Value::Int(n) => n.to_string(),
        Value::List(l) => format!(
            "[{}]",
            l.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
        ),
        Value::GoodWords(l) => format!(
            "[{}]",
            l.iter()
                .map(|w| format!("{{ contains = {}, means = \"good\" }}", quote(w)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The dynward config for `imp`, every carried line with its origin, every left-out one
/// commented with its reason. `masked`: secrets replaced (for the terminal).
pub fn render(imp: &Import, client: Client, source: &Path, masked: bool) -> String {
    let tool = client.name();
    let mut out = format!(
        "# Written by `dynward import --from {tool}` from {}.\n# Each setting says where it came from; what could not be carried is commented out\n# with the reason. Check the result with `dynward check`.\n",
        source.display()
    );
    let line = |out: &mut String, prefix: &str, body: String, note: String| {
        let width = 44usize.saturating_sub(prefix.len());
        let (body, note) = (flat(&body), flat(&note));
        let _ = writeln!(out, "{prefix}{body:width$} # {note}");
    };
    // What is left out is a commented line with its place and reason.
    let left = |out: &mut String, l: &Left| {
        let kind = if l.lost { "not carried" } else { "not needed" };
        line(
            out,
            "# ",
            l.text.clone(),
            format!("{tool} {}: {kind}: {}", l.at, l.why),
        );
    };
    for l in &imp.left {
        left(&mut out, l);
    }
    for p in &imp.policies {
        out.push('\n');
        let prefix = match &p.refused {
            Some(why) => {
                let _ = writeln!(out, "# Not carried ({tool} {}): {}", p.at, flat(why));
                "# "
            }
            None => "",
        };
        let _ = writeln!(out, "{prefix}[[policy]]");
        for s in &p.settings {
            line(
                &mut out,
                prefix,
                format!("{} = {}", s.key, toml_value(&s.value, masked)),
                format!("{tool}: {}", s.from),
            );
        }
        for l in &p.left {
            left(&mut out, l);
        }
    }
    out
}

/// What `import` should do with its result.
#[derive(Debug, Clone)]
pub struct Options {
    /// The other client.
    pub client: Client,
    /// Its config file.
    pub input: PathBuf,
    /// Where to write the dynward config; none: print it, secrets masked.
    pub output: Option<PathBuf>,
    /// Replace an existing output file.
    pub force: bool,
}

/// Why the import could not be done at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("{0}: cannot read: {1}")]
    Read(PathBuf, std::io::Error),
    /// The other config has a syntax error.
    #[error("{0}")]
    Syntax(String),
    /// The output exists and `--force` was not given.
    #[error("{0}: exists; choose another file or add --force to replace it")]
    Exists(PathBuf),
    /// The output could not be written.
    #[error("{0}: cannot write: {1}")]
    Write(PathBuf, std::io::Error),
}

/// Reads the other config (inadyn's includes too) into drafts; what is left out is listed
/// in the file's order.
pub fn read(client: Client, input: &Path) -> Result<Import, Error> {
    let mut imp = read_unordered(client, input)?;
    let place = |l: &Left| {
        let (file, line) = l.at.rsplit_once(':').unwrap_or((&l.at, "0"));
        (file.to_string(), line.parse::<usize>().unwrap_or(0))
    };
    imp.left.sort_by_key(place);
    for p in &mut imp.policies {
        p.left.sort_by_key(place);
    }
    Ok(imp)
}

fn read_unordered(client: Client, input: &Path) -> Result<Import, Error> {
    let text = std::fs::read_to_string(input).map_err(|e| Error::Read(input.into(), e))?;
    match client {
        Client::Ddclient => Ok(ddclient::read(&text, &file_label(input))),
        Client::Inadyn => {
            let base = input.parent().map(Path::to_path_buf).unwrap_or_default();
            let load = |name: &str| {
                let p = base.join(name);
                std::fs::read_to_string(&p)
                    .map(|t| (file_label(&p), t))
                    .map_err(|e| format!("{}: cannot read: {e}", p.display()))
            };
            inadyn::read(&text, &file_label(input), &load).map_err(Error::Syntax)
        }
    }
}

fn file_label(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Writes `text` to `path` with mode 0600 (atomically: a temporary file, then a rename).
pub fn write_private(path: &Path, text: &str, force: bool) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if path.exists() && !force {
        return Err(Error::Exists(path.into()));
    }
    let tmp = path.with_extension("import-tmp");
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::Write(path.into(), e)
    })
}

/// Runs `dynward import`: reads, writes (or prints, secrets masked), checks, and reports on
/// `out` and `err`. Returns the exit status: 0 when everything was carried and the result is
/// valid, 1 when something was not carried or `check` finds a problem, 2 when the import
/// could not be done.
pub fn run(opts: &Options, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> u8 {
    let imp = match read(opts.client, &opts.input) {
        Ok(i) => i,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let text = render(&imp, opts.client, &opts.input, false);
    // The check reads the text written (no second read of the file); relative paths in it
    // resolve against the output's directory.
    let label = match &opts.output {
        None => {
            let _ = out.write_all(render(&imp, opts.client, &opts.input, true).as_bytes());
            PathBuf::from("(imported config)")
        }
        Some(path) => {
            if let Err(e) = write_private(path, &text, opts.force) {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
            let _ = writeln!(out, "wrote {} (mode 0600)", path.display());
            path.clone()
        }
    };
    let checked = crate::config::from_str(&text, &label, &crate::config::Env::process());
    if imp.policies.is_empty() {
        let what = match opts.client {
            Client::Ddclient => "no host line",
            Client::Inadyn => "no provider or custom section",
        };
        let _ = writeln!(err, "{}: {what}: nothing to carry", opts.input.display());
    }
    let carried = imp.policies.iter().filter(|p| p.refused.is_none()).count();
    let _ = writeln!(
        err,
        "{}: {carried} of {} polic{} carried",
        opts.input.display(),
        imp.policies.len(),
        if imp.policies.len() == 1 { "y" } else { "ies" }
    );
    for line in imp.report() {
        let _ = writeln!(err, "  {line}");
    }
    let valid = match checked {
        Ok(_) => {
            let _ = writeln!(err, "check: valid");
            true
        }
        Err(e) => {
            let _ = writeln!(err, "check: {e}");
            false
        }
    };
    if imp.complete() && valid { 0 } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A newline inside a quoted value of the other file stays inside its comment: it
    /// cannot start a live line of TOML.
    #[test]
    fn a_newline_in_a_quoted_value_stays_inside_its_comment() {
        let text = "provider dyn.com {\n username = a\n password = b\n hostname = h.example.org\n wildcard = \"yes\nserver = \\\"https://evil.example/\\\"\"\n}\n";
        let imp = inadyn::read(text, "f", &|n: &str| Err(n.to_string())).expect("parses");
        let left = &imp.policies[0].left[0];
        assert!(left.text.contains('\n'), "{left:?}");
        let out = render(&imp, Client::Inadyn, Path::new("f"), false);
        assert!(
            !out.lines().any(|l| l.starts_with("server")),
            "an injected line:\n{out}"
        );
    }

    /// Neither reader panics on any input: thousands of random lines made of the characters
    /// their grammars care about (quotes, braces, `=`, `,`, `\`, comments, newlines), and
    /// every render of what they read is a config that parses or reports problems.
    #[test]
    fn readers_take_any_input() {
        const ALPHABET: &[&str] = &[
            "=",
            ",",
            "\\",
            "\n",
            "\"",
            "'",
            "{",
            "}",
            "(",
            ")",
            "#",
            "//",
            "/*",
            "*/",
            " ",
            "\t",
            "use",
            "if",
            "web",
            "cmd",
            "login",
            "password",
            "server",
            "protocol",
            "provider",
            "custom",
            "include",
            "hostname",
            "iface",
            "dyn.com",
            "eth0",
            "h.example.org",
            "usev6",
            "ifv6",
            "ddns-path",
            "%i",
            "/nic/update",
            "é",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let no_include =
            |name: &str| -> Result<(String, String), String> { Err(format!("{name}: not here")) };
        for _ in 0..3000 {
            let len = (next() % 40) as usize;
            let text: String = (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect();
            let d = ddclient::read(&text, "f");
            let i = inadyn::read(&text, "f", &no_include);
            for imp in [Some(d), i.ok()].into_iter().flatten() {
                let out = render(&imp, Client::Ddclient, Path::new("f"), false);
                let _ =
                    crate::config::from_str(&out, Path::new("f"), &crate::config::Env::process());
                // Only carried settings are live lines; all else is comment.
                let live = out
                    .lines()
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .count();
                let carried: usize = imp
                    .policies
                    .iter()
                    .filter(|p| p.refused.is_none())
                    .map(|p| 1 + p.settings.len())
                    .sum();
                assert_eq!(live, carried, "{text:?}\n{out}");
            }
        }
    }
}
