//! inadyn 2.x's config (pure): libConfuse syntax. Top-level `key = value` settings,
//! `provider NAME { … }` and `custom NAME { … }` sections (NAME may end in `:N` for a second
//! instance), lists `{ "a", "b" }`, `include("file")`, `#`, `//` and `/* */` comments.

use super::{
    Draft, Import, Left, Value, name_for, preset_for_host, secs_text, shown, split_command,
};
use crate::protocol::dyndns2::Shape;
use crate::provider::Provider;

/// A token with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Quoted(String),
    Open,
    Close,
    Eq,
    Comma,
    LParen,
    RParen,
}

fn lex(text: &str, file: &str) -> Result<Vec<(Tok, usize)>, String> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < c.len() {
        let ch = c[i];
        match ch {
            '\n' => {
                line += 1;
                i += 1;
            }
            _ if ch.is_whitespace() => i += 1,
            '#' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if c.get(i + 1) == Some(&'/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if c.get(i + 1) == Some(&'*') => {
                let start = line;
                i += 2;
                while i < c.len() && !(c[i] == '*' && c.get(i + 1) == Some(&'/')) {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
                if i >= c.len() {
                    return Err(format!("{file}:{start}: a /* comment is never closed"));
                }
                i += 2;
            }
            '{' | '}' | '=' | ',' | '(' | ')' => {
                out.push((
                    match ch {
                        '{' => Tok::Open,
                        '}' => Tok::Close,
                        '=' => Tok::Eq,
                        ',' => Tok::Comma,
                        '(' => Tok::LParen,
                        _ => Tok::RParen,
                    },
                    line,
                ));
                i += 1;
            }
            '"' | '\'' => {
                let (q, start) = (ch, line);
                let mut s = String::new();
                i += 1;
                while i < c.len() && c[i] != q {
                    if c[i] == '\\' && i + 1 < c.len() {
                        i += 1;
                    }
                    if c[i] == '\n' {
                        line += 1;
                    }
                    s.push(c[i]);
                    i += 1;
                }
                if i >= c.len() {
                    return Err(format!("{file}:{start}: a quoted string is never closed"));
                }
                i += 1;
                out.push((Tok::Quoted(s), start));
            }
            _ => {
                let mut s = String::new();
                while i < c.len() && !c[i].is_whitespace() && !"{}=,()\"'#".contains(c[i]) {
                    s.push(c[i]);
                    i += 1;
                }
                out.push((Tok::Word(s), line));
            }
        }
    }
    Ok(out)
}

/// Reads an included file by name: its label for origins, and its text.
pub type Load<'a> = &'a dyn Fn(&str) -> Result<(String, String), String>;

/// A value: one string or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    One(String),
    Many(Vec<String>),
}

impl Val {
    fn text(&self) -> String {
        match self {
            Val::One(s) => s.clone(),
            Val::Many(l) => format!("{{ {} }}", l.join(", ")),
        }
    }
}

/// One `key = value`, with where it was.
#[derive(Debug, Clone)]
struct Entry {
    key: String,
    val: Val,
    at: String,
}

/// An entry's value as one string (a list joined with commas).
fn one(e: &Entry) -> String {
    match &e.val {
        Val::One(v) => v.clone(),
        Val::Many(l) => l.join(","),
    }
}

/// A `provider` or `custom` section.
#[derive(Debug, Clone)]
struct Section {
    kind: String,
    name: String,
    at: String,
    entries: Vec<Entry>,
}

struct Parser<'a> {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    file: String,
    load: Load<'a>,
    depth: usize,
}

impl Parser<'_> {
    fn next(&mut self) -> Option<(Tok, usize)> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn err(&self, line: usize, what: &str) -> String {
        format!("{}:{line}: {what}", self.file)
    }

    fn value(&mut self, line: usize) -> Result<Val, String> {
        match self.next() {
            Some((Tok::Word(s) | Tok::Quoted(s), _)) => Ok(Val::One(s)),
            Some((Tok::Open, _)) => {
                let mut items = Vec::new();
                loop {
                    match self.next() {
                        Some((Tok::Word(s) | Tok::Quoted(s), _)) => items.push(s),
                        Some((Tok::Comma, _)) => {}
                        Some((Tok::Close, _)) => return Ok(Val::Many(items)),
                        Some((_, l)) => {
                            return Err(self.err(l, "expected a string or '}' in a list"));
                        }
                        None => return Err(self.err(line, "a list is never closed")),
                    }
                }
            }
            Some((_, l)) => Err(self.err(l, "expected a value after '='")),
            None => Err(self.err(line, "expected a value after '='")),
        }
    }

    /// Items until `}` (in a section) or the end; sections go to `out`.
    fn items(
        &mut self,
        in_section: bool,
        entries: &mut Vec<Entry>,
        sections: &mut Vec<Section>,
    ) -> Result<(), String> {
        loop {
            let Some((t, line)) = self.next() else {
                return if in_section {
                    Err(format!(
                        "{}: a section is never closed with '}}'",
                        self.file
                    ))
                } else {
                    Ok(())
                };
            };
            let word = match t {
                Tok::Close if in_section => return Ok(()),
                Tok::Word(w) => w,
                _ => return Err(self.err(line, "expected a setting or a section")),
            };
            match self.next() {
                Some((Tok::Eq, _)) => {
                    let val = self.value(line)?;
                    entries.push(Entry {
                        key: word.to_ascii_lowercase(),
                        val,
                        at: format!("{}:{line}", self.file),
                    });
                }
                Some((Tok::LParen, _)) if word == "include" => {
                    let Some((Tok::Word(name) | Tok::Quoted(name), _)) = self.next() else {
                        return Err(self.err(line, "include() takes a file name"));
                    };
                    if self.next().map(|t| t.0) != Some(Tok::RParen) {
                        return Err(self.err(line, "expected ')' after the include's file name"));
                    }
                    if self.depth >= 8 {
                        return Err(self.err(line, "includes nest more than 8 deep"));
                    }
                    let (label, text) = (self.load)(&name)?;
                    let mut sub = Parser {
                        toks: lex(&text, &label)?,
                        pos: 0,
                        file: label,
                        load: self.load,
                        depth: self.depth + 1,
                    };
                    sub.items(false, entries, sections)?;
                }
                Some((Tok::Word(name) | Tok::Quoted(name), _))
                    if !in_section && (word == "provider" || word == "custom") =>
                {
                    if self.next().map(|t| t.0) != Some(Tok::Open) {
                        return Err(self.err(line, &format!("expected '{{' after {word} {name}")));
                    }
                    let mut s = Section {
                        kind: word,
                        name,
                        at: format!("{}:{line}", self.file),
                        entries: Vec::new(),
                    };
                    self.items(true, &mut s.entries, sections)?;
                    sections.push(s);
                }
                _ => return Err(self.err(line, &format!("expected '=' after {word}"))),
            }
        }
    }
}

/// inadyn's provider names that have a dynward preset (the `default@` prefix and a `:N`
/// instance suffix are dropped before the look-up).
const PRESETS: &[(&str, &str)] = &[
    ("dyndns.org", "dyn"),
    ("dyn.com", "dyn"),
    ("dyn", "dyn"),
    ("no-ip.com", "noip"),
    ("noip.com", "noip"),
    ("dynu.com", "dynu"),
    ("3322.org", "3322"),
    ("oray.com", "oray"),
    ("ovh.com", "ovh"),
    ("strato.com", "strato"),
    ("selfhost.de", "selfhost"),
    ("changeip.com", "changeip"),
    ("dyndns@he.net", "he"),
    ("he.net", "he"),
    ("dnsomatic.com", "dnsomatic"),
    ("duckdns.org", "duckdns"),
    ("dynv6.com", "dynv6"),
    ("desec.io", "desec"),
    ("ipv6@desec.io", "desec"),
    ("spdyn.de", "spdyn"),
    ("ipv4@nsupdate.info", "nsupdate.info"),
    ("namecheap.com", "namecheap"),
    ("easydns.com", "easydns"),
    ("easydns", "easydns"),
    ("zoneedit.com", "zoneedit"),
    ("zoneedit", "zoneedit"),
    ("loopia.com", "loopia"),
    ("loopia", "loopia"),
    ("inwx.com", "inwx"),
    ("ipv6@inwx.com", "inwx"),
    ("inwx", "inwx"),
    ("cloudflare.com", "cloudflare"),
    ("porkbun.com", "porkbun"),
];

/// Presets whose token inadyn reads from `username` (its DuckDNS and dynv6 plugins): in
/// dynward the token is the password.
const TOKEN_IN_USERNAME: &[&str] = &["duckdns", "dynv6"];

/// Top-level settings dynward does not need, and why.
const NOT_NEEDED: &[(&str, &str)] = &[
    (
        "verify-address",
        "dynward checks every address before it publishes it",
    ),
    ("cache-dir", "dynward keeps its own state file (state_dir)"),
    (
        "forced-update",
        "dynward refreshes each host after max_interval (25 days by default)",
    ),
    ("secure-ssl", "dynward always validates certificates"),
    (
        "broken-rtc",
        "dynward's records survive a wrong clock (README \"Clock\")",
    ),
    (
        "startup-delay",
        "dynward waits until an address is stable (stable_for)",
    ),
    ("fake-address", "dynward never sends a made-up address"),
];

/// Reads inadyn's config; `load` reads an included file (its label and text).
pub fn read(text: &str, file: &str, load: Load<'_>) -> Result<Import, String> {
    let mut p = Parser {
        toks: lex(text, file)?,
        pos: 0,
        file: file.to_string(),
        load,
        depth: 0,
    };
    let (mut globals, mut sections) = (Vec::new(), Vec::new());
    p.items(false, &mut globals, &mut sections)?;
    let mut imp = Import::default();
    for e in &globals {
        match e.key.as_str() {
            "period" | "iface" | "allow-ipv6" | "user-agent" | "ca-trust-file" => {}
            k => {
                let (why, lost) = NOT_NEEDED
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map_or(("dynward has no such setting", true), |(_, w)| (*w, false));
                imp.left.push(Left {
                    at: e.at.clone(),
                    text: shown(k, &e.val.text(), " = "),
                    why: why.into(),
                    lost,
                });
            }
        }
    }
    let mut names: Vec<String> = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        let mut d = section(s, &globals, &names);
        // inadyn keeps only the last section of a name: an earlier one is not carried.
        if let Some(later) = sections[i + 1..]
            .iter()
            .find(|l| l.kind == s.kind && l.name.eq_ignore_ascii_case(&s.name))
        {
            d.refused = Some(format!(
                "{} {} is defined again at {}, and inadyn keeps only the last",
                s.kind, s.name, later.at
            ));
        }
        for mut d in super::one_per_he_host(d, &names) {
            // The replaced section leaves its name to the one that counts.
            if let (None, Some(Value::Str(n))) = (&d.refused, d.get("name")) {
                names.push(n.clone());
            }
            d.at = s.at.clone();
            imp.policies.push(d);
        }
    }
    Ok(imp)
}

/// The first entry named `k`.
fn find<'a>(entries: &'a [Entry], k: &str) -> Option<&'a Entry> {
    entries.iter().find(|e| e.key == k)
}

fn section(s: &Section, globals: &[Entry], taken: &[String]) -> Draft {
    let mut d = Draft {
        at: s.at.clone(),
        ..Draft::default()
    };
    let get = |k: &str| find(&s.entries, k);
    let hosts: Vec<String> = match get("hostname").map(|e| &e.val) {
        Some(Val::One(h)) => vec![h.clone()],
        Some(Val::Many(l)) => l.clone(),
        None => Vec::new(),
    };
    let instance = s
        .name
        .split(':')
        .next()
        .unwrap_or(&s.name)
        .to_ascii_lowercase();
    d.set(
        "name",
        Value::Str(name_for(&hosts, &instance.replace(['@', '.'], "-"), taken)),
        format!("{} (named after its first host)", s.at),
    );
    let ssl = get("ssl").is_none_or(|e| one(e) != "false");
    let mut suffix = None;
    let endpoint = if s.kind == "provider" {
        let found = preset(&mut d, s, &instance);
        if found {
            section_server(&mut d, s);
            if let Some(e) = get("ddns-response") {
                d.leave(
                    &e.at,
                    shown("ddns-response", &e.val.text(), " = "),
                    "the preset reads this provider's answers",
                    false,
                );
            }
        }
        found
    } else {
        suffix = custom(&mut d, s);
        true
    };
    if endpoint && let Some(e) = get("ssl").filter(|_| !ssl) {
        d.leave(
            &e.at,
            "ssl = false".into(),
            "inadyn sent the password over plain HTTP; dynward uses HTTPS (if the server has none: server = \"http://…\" and allow_insecure_http = true)",
            false,
        );
    }
    account(&mut d, s);
    let hosts = namecheap(&mut d, s, hosts);
    if hosts.is_empty() {
        d.refused
            .get_or_insert_with(|| "it names no hostname".into());
    }
    let origin = get("hostname").map_or("none".into(), entry_origin);
    match suffix {
        // The path completes each name (`%h.dyndns.org`): the hosts are the composed names.
        Some(sfx) => {
            let full = hosts
                .iter()
                .map(|h| {
                    if h.ends_with(&format!(".{sfx}")) {
                        h.clone()
                    } else {
                        format!("{h}.{sfx}")
                    }
                })
                .collect();
            d.set(
                "hosts",
                Value::List(full),
                format!("{origin}, completed with .{sfx} as the ddns-path does"),
            );
        }
        None => d.set("hosts", Value::List(hosts), origin),
    }
    address_source(&mut d, s, globals, ssl);
    settings(&mut d, s, globals);
    leftovers(&mut d, s);
    super::ipv4_only(&mut d);
    d
}

/// Where an entry comes from, for the report: its place and key.
fn entry_origin(e: &Entry) -> String {
    format!("{} {}", e.at, e.key)
}

/// A `provider` section: the preset for inadyn's provider name (true), or a refusal.
fn preset(d: &mut Draft, s: &Section, instance: &str) -> bool {
    let key = instance.trim_start_matches("default@");
    match PRESETS.iter().find(|(n, _)| *n == key || *n == instance) {
        Some((_, preset)) => {
            d.set(
                "provider",
                Value::Str((*preset).into()),
                format!("{} provider {}", s.at, s.name),
            );
            if matches!(*preset, "3322" | "oray") {
                d.set(
                    "allow_insecure_http",
                    Value::Bool(true),
                    format!("the {preset} preset only offers plain HTTP"),
                );
            }
            true
        }
        None => {
            let why = match key {
                "domains.google.com" => super::GOOGLE_DOMAINS_ENDED,
                "freedns.afraid.org" | "freedns" => super::FREEDNS_TOKEN,
                _ => {
                    "dynward has no preset for it yet; a service that speaks dyndns2 can be written as server = \"https://…/nic/update\""
                }
            };
            d.refused = Some(format!("provider {}: {why}", s.name));
            false
        }
    }
}

/// `username` and `password`; for a preset whose token inadyn reads from `username`, that
/// is the password.
fn account(d: &mut Draft, s: &Section) {
    let get = |k: &str| find(&s.entries, k);
    let token_in_username =
        matches!(d.get("provider"), Some(Value::Str(p)) if TOKEN_IN_USERNAME.contains(&p.as_str()));
    if matches!(d.get("provider"), Some(Value::Str(p)) if p == "cloudflare") {
        return cloudflare(d, s);
    }
    match (get("username"), token_in_username) {
        (Some(e), true) => {
            d.set(
                "password",
                Value::Secret(one(e)),
                format!(
                    "{} (inadyn's username is this provider's token)",
                    entry_origin(e)
                ),
            );
            if let Some(p) = get("password") {
                d.leave(
                    &p.at,
                    shown("password", &one(p), " = "),
                    "this provider takes the token alone, which inadyn reads from username",
                    false,
                );
            }
        }
        (u, _) => {
            // Porkbun's username is its API key: a credential, masked like a password.
            let porkbun = matches!(d.get("provider"), Some(Value::Str(p)) if p == "porkbun");
            if let Some(e) = u {
                let value = if porkbun {
                    Value::Secret(one(e))
                } else {
                    Value::Str(one(e))
                };
                d.set("username", value, entry_origin(e));
            }
            if let Some(e) = get("password") {
                d.set("password", Value::Secret(one(e)), entry_origin(e));
            }
        }
    }
}

/// inadyn's Cloudflare plugin: the zone in `username`, the API token in `password`, and
/// its `ttl` and `proxied` (for records it creates, as dynward's).
fn cloudflare(d: &mut Draft, s: &Section) {
    let get = |k: &str| find(&s.entries, k);
    if let Some(e) = get("username") {
        d.set(
            "zone",
            Value::Str(one(e)),
            format!(
                "{} (inadyn's Cloudflare plugin takes the zone as username)",
                entry_origin(e)
            ),
        );
    }
    if let Some(e) = get("password") {
        d.set("password", Value::Secret(one(e)), entry_origin(e));
    }
    if let Some(e) = get("ttl")
        && let Ok(n) = one(e).parse::<u32>()
    {
        d.set("ttl", Value::Int(n), entry_origin(e));
    }
    if let Some(e) = get("proxied") {
        d.set("proxied", Value::Bool(one(e) == "true"), entry_origin(e));
    }
}

/// The address source: the interface, else the check-IP command, else the server; and
/// IPv6 when inadyn was allowed it.
fn address_source(d: &mut Draft, s: &Section, globals: &[Entry], ssl: bool) {
    let get = |k: &str| find(&s.entries, k);
    let g = |k: &str| find(globals, k);
    // inadyn asks a section's checkip-command first, then the interface, then the web.
    if let Some(e) = get("checkip-command") {
        match split_command(&one(e)) {
            Ok(argv) => d.set("command", Value::List(argv), entry_origin(e)),
            Err(why) => {
                d.refused
                    .get_or_insert_with(|| format!("checkip-command {:?}: {why}", one(e)));
            }
        }
        if let Some(i) = g("iface") {
            d.leave(
                &i.at,
                shown("iface", &one(i), " = "),
                "inadyn asks this section's checkip-command first, and so does dynward",
                false,
            );
        }
    } else if let Some(e) = g("iface") {
        d.set("interface", Value::Str(one(e)), entry_origin(e));
    } else {
        let checkip_ssl = get("checkip-ssl").map_or(ssl, |e| one(e) != "false");
        // `default` is inadyn's keyword for its own service, not a host named so.
        let server = get("checkip-server").filter(|e| !one(e).eq_ignore_ascii_case("default"));
        let url = match server {
            Some(e) => {
                let path = get("checkip-path").map_or("/".into(), one);
                let scheme = if checkip_ssl { "https" } else { "http" };
                (format!("{scheme}://{}{path}", one(e)), entry_origin(e))
            }
            None => (
                "http://checkip.dyndns.com/".to_string(),
                format!(
                    "{} (no iface and no checkip-server: inadyn's default check-IP server)",
                    s.at
                ),
            ),
        };
        d.set("web", Value::Str(url.0), url.1);
    }
    if let Some(e) = g("allow-ipv6").filter(|e| one(e) == "true") {
        d.set("ipv6", Value::Bool(true), entry_origin(e));
    }
}

/// The period, the user agent and the CA file.
fn settings(d: &mut Draft, s: &Section, globals: &[Entry]) {
    let g = |k: &str| find(globals, k);
    if let Some(e) = g("period")
        && let Ok(secs) = one(e).parse::<u64>()
    {
        if d.get("interface").is_some() {
            d.leave(
                &e.at,
                format!("period = {secs}"),
                "dynward follows the interface through netlink: no interval",
                false,
            );
        } else {
            d.set(
                "check_interval",
                Value::Str(secs_text(secs.max(60))),
                entry_origin(e),
            );
        }
    }
    if let Some(e) = find(&s.entries, "user-agent").or(g("user-agent")) {
        d.set("user_agent", Value::Str(one(e)), entry_origin(e));
    }
    if let Some(e) = g("ca-trust-file") {
        d.set("ca_file", Value::Str(one(e)), entry_origin(e));
    }
}

/// Every entry of the section no one read: what dynward does instead, or that it has no
/// such setting.
fn leftovers(d: &mut Draft, s: &Section) {
    let handled = [
        "hostname",
        "username",
        "password",
        "ssl",
        "checkip-server",
        "checkip-path",
        "checkip-ssl",
        "checkip-command",
        "user-agent",
        "ddns-server",
        "ddns-path",
        "ddns-response",
    ];
    let api = matches!(d.get("provider"), Some(Value::Str(p)) if p == "cloudflare");
    for e in &s.entries {
        if handled.contains(&e.key.as_str()) || api && matches!(e.key.as_str(), "ttl" | "proxied") {
            continue;
        }
        let off = matches!(one(e).as_str(), "false" | "no");
        let why = match e.key.as_str() {
            "wildcard" => "dynward sends no wildcard: set it at the provider",
            "ttl" | "proxied" => "a setting of a provider dynward has no preset for",
            "append-myip" => "dynward always sends the address (myip)",
            _ => "dynward has no such setting",
        };
        d.leave(&e.at, shown(&e.key, &e.val.text(), " = "), why, !off);
    }
}

/// inadyn's Namecheap plugin sends `username` as the host label (`@`, `www`) and each
/// `hostname` as the domain: dynward's user name is the domain, and its hosts the full names.
fn namecheap(d: &mut Draft, s: &Section, hosts: Vec<String>) -> Vec<String> {
    if !matches!(d.get("provider"), Some(Value::Str(p)) if p == "namecheap") {
        return hosts;
    }
    let Some(label) = find(&s.entries, "username").map(one) else {
        return hosts;
    };
    let [domain] = hosts.as_slice() else {
        d.refused.get_or_insert_with(|| {
            "inadyn's Namecheap section names several domains (hostname); dynward's namecheap policy has one: write one section per domain".into()
        });
        return hosts;
    };
    let domain = domain.to_ascii_lowercase();
    let full = if label == "@" {
        domain.clone()
    } else {
        format!("{label}.{domain}")
    };
    d.set(
        "username",
        Value::Str(domain.clone()),
        format!(
            "{} hostname (inadyn's Namecheap plugin sends it as the domain)",
            s.at
        ),
    );
    vec![full]
}

/// A provider section's own `ddns-server` (and `ddns-path`) wins over the plugin's: inadyn
/// sends the plugin's request there, so the preset goes there too (`server` next to it),
/// and the credentials never go to the preset's default server instead.
fn section_server(d: &mut Draft, s: &Section) {
    let get = |k: &str| find(&s.entries, k);
    let Some(server) = get("ddns-server") else {
        return;
    };
    let Some(preset) = d.get("provider").and_then(|v| match v {
        Value::Str(n) => n.parse::<Provider>().ok(),
        _ => None,
    }) else {
        return;
    };
    let given = one(server);
    let (bare, host) = super::bare_server(&given);
    // The plugin adds the query; the path is what comes before it.
    let path = get("ddns-path").map(|e| one(e).split('?').next().unwrap_or("").to_string());
    let preset_path = url::Url::parse(preset.server())
        .map(|u| u.path().to_string())
        .unwrap_or_default();
    if preset_for_host(host) == Some(preset) && path.as_ref().is_none_or(|p| *p == preset_path) {
        d.leave(
            &server.at,
            shown("ddns-server", &given, " = "),
            "the preset's own server",
            false,
        );
        return;
    }
    // Without a ddns-path inadyn's dyndns plugin uses /nic/update, not Dyn's /v3/update.
    let path = path.unwrap_or_else(|| {
        if preset == Provider::Dyn {
            "/nic/update".into()
        } else {
            String::new()
        }
    });
    let from = match get("ddns-path") {
        Some(_) => format!(
            "{} ddns-server, ddns-path (the section's own server)",
            server.at
        ),
        None => format!("{} ddns-server (the section's own server)", server.at),
    };
    d.set("server", Value::Str(format!("https://{bare}{path}")), from);
}

/// A `custom` section: a preset when it asks a preset's server the way the preset does
/// (OVH's `/nic/update?system=dyndns&…` is the `ovh` preset, which sends `system=dyndns`), a
/// dyndns2 server when its path is plain dyndns2, else a URL template carrying the address
/// (every parameter kept). `ddns-response` becomes `replies`. Returns the suffix the path
/// adds to each host name (`%h.dyndns.org`: `dyndns.org`).
fn custom(d: &mut Draft, s: &Section) -> Option<String> {
    let get = |k: &str| find(&s.entries, k);
    let Some(server) = get("ddns-server") else {
        d.refused = Some(format!("custom {}: no ddns-server", s.name));
        return None;
    };
    // HTTPS even where inadyn used plain HTTP: the section's note says so.
    let scheme = "https";
    let server_name = one(server);
    let (bare, host) = super::bare_server(&server_name);
    let (path, suffix) = host_suffix(&get("ddns-path").map_or("/nic/update".into(), one));
    let from = format!("{} ddns-server, ddns-path", server.at);
    let (base, query) = path.split_once('?').unwrap_or((path.as_str(), ""));
    let params: Vec<(&str, &str)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    let dyndns2 = |k: &str, v: &str| matches!((k, v), ("hostname", "%h") | ("myip", "%i"));
    let response = get("ddns-response");
    if let Some(p) = preset_for_host(host).filter(|p| p.api().is_none()) {
        let preset_base = url::Url::parse(p.server())
            .map(|u| u.path().to_string())
            .unwrap_or_default();
        let sent_by_preset = params.iter().all(|(k, v)| {
            dyndns2(k, v) || (*k, *v) == ("system", "dyndns") && p.dialect().system_dyndns
        });
        if base == preset_base && sent_by_preset && p.dialect().shape == Shape::DYNDNS2 {
            d.set(
                "provider",
                Value::Str(p.name().into()),
                format!("{from} (the {p} preset's server, sent as the path sends)"),
            );
            if let Some(e) = response {
                d.leave(
                    &e.at,
                    shown("ddns-response", &e.val.text(), " = "),
                    "the preset reads this provider's answers",
                    false,
                );
            }
            return suffix;
        }
    }
    if base.starts_with("/nic/update") && params.iter().all(|(k, v)| dyndns2(k, v)) {
        d.set(
            "server",
            Value::Str(format!("{scheme}://{bare}{base}")),
            from,
        );
    } else if !path.contains("%i") {
        d.refused = Some(format!(
            "custom {}: its ddns-path carries no address (%i); dynward's URL templates always send it (<a>)",
            s.name
        ));
        return None;
    } else {
        let template = path
            .replace("%u", "<username>")
            .replace("%p", "<password>")
            .replace("%h", "<h>")
            .replace("%i", "<a>");
        d.set(
            "url",
            Value::Str(format!("{scheme}://{bare}{template}")),
            from,
        );
    }
    // inadyn takes an answer containing any of these as success; without them dynward
    // would read them as dyndns2 and stop the host after the third unknown answer.
    if let Some(e) = response {
        let words = match &e.val {
            Val::One(w) => vec![w.clone()],
            Val::Many(l) => l.clone(),
        };
        d.set(
            "replies",
            Value::GoodWords(words),
            format!("{} ddns-response", e.at),
        );
    }
    suffix
}

/// A ddns-path that completes the host name (`/update?host=%h.dyndns.org&ip=%i`): the path
/// with `%h` alone, and the suffix (`dyndns.org`) the hosts get instead.
fn host_suffix(path: &str) -> (String, Option<String>) {
    let Some(at) = path.find("%h.") else {
        return (path.to_string(), None);
    };
    let rest = &path[at + 3..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .unwrap_or(rest.len());
    let suffix = rest[..end].trim_end_matches('.');
    if !suffix.chars().any(|c| c.is_ascii_alphabetic()) {
        return (path.to_string(), None);
    }
    (
        path.replacen(&format!("%h.{suffix}"), "%h", 1),
        Some(suffix.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_include(name: &str) -> Result<(String, String), String> {
        Err(format!("{name}: cannot read"))
    }

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    /// Sections, lists, comments of three kinds, a preset, a dyndns2 custom server, a
    /// template, and providers dynward lacks (refused with the reason).
    #[test]
    fn inadyn_sections_lists_and_comments_are_read() {
        let text = r#"
# comment
period = 300 // another
/* a block
   comment */
iface = eth0
verify-address = false
provider default@dyndns.org {
    ssl = true
    username = alice
    password = "s3cret"
    hostname = { "home.example.org", nas.example.org }
}
custom mine:1 {
    ddns-server = dyn.example.net
    ddns-path = "/nic/update?hostname=%h&myip=%i"
    username = bob
    password = pw
    hostname = other.example.net
}
custom tpl {
    ddns-server = u.example
    ddns-path = "/set?h=%h&ip=%i&t=%p"
    password = tok
    hostname = t.example.net
}
provider duckdns.org {
    username = the-token
    password = unused
    hostname = x.duckdns.org
}
provider default@cloudxns.net {
    username = u
    password = p
    hostname = c.example.net
}
"#;
        let imp = read(text, "inadyn.conf", &no_include).expect("parses");
        assert_eq!(imp.policies.len(), 5);
        let a = &imp.policies[0];
        assert_eq!(a.get("provider"), Some(&s("dyn")));
        assert_eq!(a.get("interface"), Some(&s("eth0")));
        assert_eq!(
            a.get("hosts"),
            Some(&Value::List(vec![
                "home.example.org".into(),
                "nas.example.org".into()
            ]))
        );
        assert_eq!(a.at, "inadyn.conf:8");
        assert!(a.left.iter().any(|l| l.text == "period = 300" && !l.lost));
        assert_eq!(
            imp.policies[1].get("server"),
            Some(&s("https://dyn.example.net/nic/update"))
        );
        assert_eq!(
            imp.policies[2].get("url"),
            Some(&s("https://u.example/set?h=<h>&ip=<a>&t=<password>"))
        );
        // DuckDNS: the preset, its token (inadyn's username) as the password, no user name.
        let duck = &imp.policies[3];
        assert_eq!(duck.get("provider"), Some(&s("duckdns")));
        assert_eq!(
            duck.get("password"),
            Some(&Value::Secret("the-token".into()))
        );
        assert_eq!(duck.get("username"), None);
        assert!(
            duck.left
                .iter()
                .any(|l| l.text.starts_with("password = ") && !l.text.contains("unused")),
            "{:?}",
            duck.left
        );
        assert!(
            imp.policies[4]
                .refused
                .as_deref()
                .is_some_and(|r| r.contains("cloudxns.net"))
        );
        assert!(
            imp.left
                .iter()
                .any(|l| l.text == "verify-address = false" && !l.lost)
        );
        assert!(!imp.complete());
    }

    /// Includes are read relative to the including file; syntax errors name file and line.
    #[test]
    fn includes_are_read_relative_and_errors_name_file_and_line() {
        let load = |name: &str| -> Result<(String, String), String> {
            match name {
                "secrets.conf" => Ok((
                    "secrets.conf".into(),
                    "provider dyn.com { username = a\n password = b\n hostname = h.example.org }"
                        .into(),
                )),
                _ => Err(format!("{name}: cannot read")),
            }
        };
        let imp = read(
            "iface = eth0\ninclude(\"secrets.conf\")\n",
            "inadyn.conf",
            &load,
        )
        .expect("parses");
        assert_eq!(imp.policies.len(), 1);
        assert_eq!(imp.policies[0].at, "secrets.conf:1");
        assert_eq!(imp.policies[0].get("provider"), Some(&s("dyn")));
        for (text, want) in [
            (
                "provider x {\n username = a\n",
                "inadyn.conf: a section is never closed",
            ),
            ("period 300\n", "inadyn.conf:1: expected '=' after period"),
            (
                "a = \"open\n",
                "inadyn.conf:1: a quoted string is never closed",
            ),
            ("include(\"gone.conf\")\n", "gone.conf: cannot read"),
            (
                "hostname = { a, \n",
                "inadyn.conf:1: a list is never closed",
            ),
        ] {
            let e = read(text, "inadyn.conf", &load).expect_err(text);
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    /// inadyn's Cloudflare plugin: the zone in `username`, the token in `password`, its
    /// `ttl` and `proxied` carried; Porkbun's keys as username and password.
    #[test]
    fn cloudflare_and_porkbun_are_carried() {
        let text = "iface = eth0\nprovider cloudflare.com {\n    username = example.org\n    password = cf-token\n    hostname = home.example.org\n    ttl = 120\n    proxied = true\n}\nprovider porkbun.com {\n    username = pk1_a\n    password = sk1_b\n    hostname = { example.com, www.example.com }\n}\n";
        let imp = read(text, "inadyn.conf", &|n: &str| Err(n.to_string())).expect("parses");
        let cf = &imp.policies[0];
        assert_eq!(cf.refused, None);
        assert_eq!(cf.get("provider"), Some(&s("cloudflare")));
        assert_eq!(cf.get("zone"), Some(&s("example.org")));
        assert_eq!(cf.get("username"), None);
        assert_eq!(cf.get("password"), Some(&Value::Secret("cf-token".into())));
        assert_eq!(cf.get("ttl"), Some(&Value::Int(120)));
        assert_eq!(cf.get("proxied"), Some(&Value::Bool(true)));
        assert!(cf.left.is_empty(), "{:?}", cf.left);
        let pb = &imp.policies[1];
        assert_eq!(pb.get("provider"), Some(&s("porkbun")));
        assert_eq!(pb.get("username"), Some(&Value::Secret("pk1_a".into())));
        assert_eq!(pb.get("password"), Some(&Value::Secret("sk1_b".into())));
    }

    /// inadyn's easyDNS, ZoneEdit, Loopia and INWX plugins, by their full names and the
    /// short ones the sample configs write, become the presets with the same account.
    #[test]
    fn the_dyndns2_style_plugins_are_carried() {
        for (name, preset) in [
            ("default@easydns.com", "easydns"),
            ("default@zoneedit.com", "zoneedit"),
            ("loopia", "loopia"),
            ("default@loopia.com:2", "loopia"),
            ("default@inwx.com", "inwx"),
            ("ipv6@inwx.com", "inwx"),
        ] {
            let text = format!(
                "iface = eth0\nprovider {name} {{\n    username = alice\n    password = pw\n    hostname = home.example.org\n}}\n"
            );
            let imp = read(&text, "inadyn.conf", &|n: &str| Err(n.to_string())).expect("parses");
            let p = &imp.policies[0];
            assert_eq!(p.refused, None, "{name}");
            assert_eq!(p.get("provider"), Some(&s(preset)), "{name}");
            assert_eq!(p.get("username"), Some(&s("alice")), "{name}");
            assert_eq!(
                p.get("password"),
                Some(&Value::Secret("pw".into())),
                "{name}"
            );
        }
    }

    /// Issue 21, defect 1: a `provider` section that names its own `ddns-server` (guides for
    /// self-hosted dyndns2 endpoints write it so) sends there; the import keeps that server
    /// next to the preset, so the password never goes to the preset's default server. The
    /// preset's own server is only noted.
    #[test]
    fn a_provider_sections_own_server_wins() {
        let text = r#"
iface = eth0
provider default@dyndns.org {
    ddns-server = "dyndns.example.com"
    username = alice
    password = s3cret
    hostname = home.example.com
}
provider default@dyndns.org:2 {
    ddns-server = dyn.example.net
    ddns-path = "/update"
    username = bob
    password = pw2
    hostname = b.example.net
}
provider default@duckdns.org {
    ddns-server = www.duckdns.org
    username = tok
    hostname = home
}
"#;
        let imp = read(text, "inadyn.conf", &no_include).expect("parses");
        let server = |i: usize| imp.policies[i].get("server").cloned();
        assert_eq!(imp.policies[0].get("provider"), Some(&s("dyn")));
        assert_eq!(server(0), Some(s("https://dyndns.example.com/nic/update")));
        assert_eq!(server(1), Some(s("https://dyn.example.net/update")));
        assert_eq!(server(2), None, "the preset's own server");
        assert!(
            imp.policies[2]
                .left
                .iter()
                .any(|l| l.text.starts_with("ddns-server") && !l.lost),
            "{:?}",
            imp.policies[2].left
        );
    }

    /// Issue 21, defects 3 and 4, in the shapes the real configs had: a path that completes
    /// the host (`%h.dyndns.org`) gives the composed names; a custom path to OVH's server is
    /// the `ovh` preset (which sends `system=dyndns`), and to another server keeps the
    /// parameter in a template; `ddns-response` becomes `replies`; `checkip-server = default`
    /// is inadyn's own service; a `checkip-command` comes before `iface`; of two sections with
    /// one name only the last is carried.
    #[test]
    fn settings_are_carried_as_inadyn_reads_them() {
        let text = r#"
iface = eth0
custom ovh {
    ddns-server = www.ovh.com
    ddns-path = "/nic/update?system=dyndns&hostname=%h&myip=%i"
    username = ovhuser
    password = ovhpw
    hostname = home.example.org
}
custom mine {
    ddns-server = dyn.example.net
    ddns-path = "/update?host=%h.dyndns.org&ip=%i&pass=%p"
    ddns-response = { "OK", "updated" }
    password = pw
    hostname = { myhost, other.dyndns.org }
}
custom sys {
    ddns-server = dyn.example.net
    ddns-path = "/nic/update?system=dyndns&hostname=%h&myip=%i"
    username = u
    password = p
    hostname = c.example.net
    checkip-command = "/usr/local/bin/wan-ip"
}
provider default@dyndns.org {
    username = first
    password = p1
    hostname = a.example.org
}
provider default@dyndns.org {
    username = second
    password = p2
    hostname = b.example.org
}
"#;
        let imp = read(text, "inadyn.conf", &no_include).expect("parses");
        let p = &imp.policies;
        assert_eq!(p[0].get("provider"), Some(&s("ovh")));
        assert_eq!(p[0].get("server"), None);
        assert_eq!(
            p[1].get("url"),
            Some(&s(
                "https://dyn.example.net/update?host=<h>&ip=<a>&pass=<password>"
            ))
        );
        assert_eq!(
            p[1].get("hosts"),
            Some(&Value::List(vec![
                "myhost.dyndns.org".into(),
                "other.dyndns.org".into()
            ]))
        );
        assert_eq!(
            p[1].get("replies"),
            Some(&Value::GoodWords(vec!["OK".into(), "updated".into()]))
        );
        assert!(
            p[1].left
                .iter()
                .all(|l| !l.text.starts_with("ddns-response"))
        );
        assert_eq!(
            p[2].get("url"),
            Some(&s(
                "https://dyn.example.net/nic/update?system=dyndns&hostname=<h>&myip=<a>"
            ))
        );
        assert_eq!(
            p[2].get("command"),
            Some(&Value::List(vec!["/usr/local/bin/wan-ip".into()]))
        );
        assert_eq!(p[2].get("interface"), None);
        assert!(
            p[3].refused
                .as_deref()
                .is_some_and(|r| r.contains("inadyn keeps only the last")),
            "{:?}",
            p[3].refused
        );
        assert_eq!(p[4].refused, None);
        assert_eq!(p[4].get("username"), Some(&s("second")));

        let text = "provider default@dyndns.org {\n    checkip-server = default\n    username = u\n    password = p\n    hostname = h.example.org\n}\n";
        let imp = read(text, "inadyn.conf", &no_include).expect("parses");
        assert_eq!(
            imp.policies[0].get("web"),
            Some(&s("http://checkip.dyndns.com/")),
            "inadyn's own service, not a host named default"
        );
    }

    /// inadyn's Namecheap plugin: `username` is the host label and `hostname` the domain;
    /// dynward's user is the domain and the host the full name. Its IPv6 is not carried.
    #[test]
    fn namecheap_is_carried_as_its_plugin_sends() {
        let text = "iface = eth0\nallow-ipv6 = true\nprovider namecheap.com {\n    username = www\n    password = x\n    hostname = example.com\n}\nprovider namecheap.com:2 {\n    username = @\n    password = y\n    hostname = example.net\n}\n";
        let imp = read(text, "inadyn.conf", &no_include).expect("parses");
        let p = &imp.policies;
        assert_eq!(p[0].get("username"), Some(&s("example.com")));
        assert_eq!(
            p[0].get("hosts"),
            Some(&Value::List(vec!["www.example.com".into()]))
        );
        assert_eq!(p[0].get("ipv6"), None);
        assert!(
            p[0].left
                .iter()
                .any(|l| l.lost && l.why.contains("IPv4 only"))
        );
        assert_eq!(
            p[1].get("hosts"),
            Some(&Value::List(vec!["example.net".into()]))
        );
    }

    /// Hurricane Electric in one inadyn section with several hosts: one policy per host,
    /// each user the host, each saying its key may be its own.
    #[test]
    fn hurricane_electric_gets_one_policy_per_host() {
        let text = "iface = eth0\nprovider dyndns@he.net {\n    username = a.example.org\n    password = k\n    hostname = { a.example.org, b.example.org }\n}\n";
        let imp = read(text, "inadyn.conf", &no_include).expect("parses");
        let p = &imp.policies;
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].get("name"), Some(&s("a")));
        assert_eq!(p[1].get("name"), Some(&s("b")));
        assert_eq!(
            p[1].get("hosts"),
            Some(&Value::List(vec!["b.example.org".into()]))
        );
        assert_eq!(p[1].get("username"), None, "dynward's default: the host");
        assert!(p[1].left.iter().any(|l| l.why.contains("one key per host")));
    }
}
