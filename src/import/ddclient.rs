//! ddclient's config (pure): `var=value [, var=value]* [host[,host...]]` lines, `#` comments,
//! `\` continuations. A line without hosts sets defaults for the lines after it; a line with
//! hosts is one policy. Both the 3.x names (`use`, `if`, `web`) and the 4.x ones (`usev4`,
//! `ifv4`, `webv4`, `usev6`, …) are read.

use std::collections::BTreeMap;

use super::{Draft, Import, Value, name_for, preset_for_host, secs_text, shown, split_command};
use crate::provider::Provider;

/// One `var=value` with the line it was on.
#[derive(Debug, Clone)]
struct Var {
    value: String,
    line: usize,
}

/// Where a setting was: `file:line`.
fn at(file: &str, v: &Var) -> String {
    format!("{file}:{}", v.line)
}

/// Where a carried setting came from: `file:line key`.
fn from(file: &str, k: &str, v: &Var) -> String {
    format!("{file}:{} {k}", v.line)
}

/// A logical line: its first physical line, its assignments and its hosts.
struct Logical {
    line: usize,
    vars: Vec<(String, String)>,
    hosts: Vec<String>,
}

/// Strips a `#` comment that is not inside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '#') => return &line[..i],
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    line
}

/// Joins `\` continuations and splits each logical line into assignments and hosts.
fn logical_lines(text: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut acc = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        let body = strip_comment(raw).trim_end();
        if acc.is_empty() {
            start = i + 1;
        }
        if let Some(cont) = body.strip_suffix('\\') {
            acc.push_str(cont);
            acc.push(' ');
            continue;
        }
        acc.push_str(body);
        if !acc.trim().is_empty() {
            out.push(tokens(&acc, start));
        }
        acc.clear();
    }
    if !acc.trim().is_empty() {
        out.push(tokens(&acc, start));
    }
    out
}

fn tokens(s: &str, line: usize) -> Logical {
    let mut l = Logical {
        line,
        vars: Vec::new(),
        hosts: Vec::new(),
    };
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let sep = |c: char| c.is_whitespace() || c == ',';
    while i < chars.len() {
        while i < chars.len() && sep(chars[i]) {
            i += 1;
        }
        let from = i;
        while i < chars.len() && !sep(chars[i]) && chars[i] != '=' {
            i += 1;
        }
        let word: String = chars[from..i].iter().collect();
        // `key = value` with spaces is read too.
        let mut j = i;
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        if j < chars.len() && chars[j] == '=' {
            j += 1;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            let mut value = String::new();
            if j < chars.len() && (chars[j] == '\'' || chars[j] == '"') {
                let q = chars[j];
                j += 1;
                while j < chars.len() && chars[j] != q {
                    value.push(chars[j]);
                    j += 1;
                }
                j += 1;
            } else {
                while j < chars.len() && !sep(chars[j]) {
                    value.push(chars[j]);
                    j += 1;
                }
            }
            l.vars
                .push((word.to_ascii_lowercase().replace('_', "-"), value));
            i = j;
        } else if !word.is_empty() {
            l.hosts.push(word);
        }
    }
    l
}

/// ddclient's named check-IP services that have a dynward equivalent URL.
const WEB_NAMES: &[(&str, &str)] = &[
    ("dyndns", "http://checkip.dyndns.org/"),
    ("ipify-ipv4", "https://api.ipify.org/"),
    ("ipify-ipv6", "https://api6.ipify.org/"),
    ("noip-ipv4", "http://ip1.dynupdate.no-ip.com/"),
    ("noip-ipv6", "http://ip1.dynupdate6.no-ip.com/"),
    ("he", "https://checkip.dns.he.net/"),
    ("he.net", "https://checkip.dns.he.net/"),
    ("loopia", "https://dns.loopia.se/checkip/checkip.php"),
    ("zoneedit", "https://dynamic.zoneedit.com/checkip.html"),
    ("nsupdate.info-ipv4", "https://ipv4.nsupdate.info/myip"),
    ("nsupdate.info-ipv6", "https://ipv6.nsupdate.info/myip"),
];

/// Settings that dynward does not need, and why.
const NOT_NEEDED: &[(&str, &str)] = &[
    (
        "daemon",
        "dynward follows interfaces through netlink; a web or command source is asked every check_interval",
    ),
    (
        "syslog",
        "dynward logs to the journal (stderr under systemd)",
    ),
    (
        "quietreply",
        "dynward reads Njalla's full answer, which says whether the record was updated",
    ),
    (
        "facility",
        "dynward logs to the journal (stderr under systemd)",
    ),
    (
        "priority",
        "dynward logs to the journal (stderr under systemd)",
    ),
    (
        "mail",
        "dynward sends no mail; on_error runs a command of yours",
    ),
    (
        "mail-failure",
        "dynward sends no mail; on_error runs a command of yours",
    ),
    ("pid", "the systemd unit tracks the process"),
    (
        "foreground",
        "the systemd unit runs dynward in the foreground",
    ),
    ("cache", "dynward keeps its own state file (state_dir)"),
    ("quiet", "set the log level with -v or DYNWARD_LOG"),
    ("verbose", "set the log level with -v or DYNWARD_LOG"),
    ("debug", "set the log level with -v or DYNWARD_LOG"),
    (
        "retry",
        "dynward retries network failures by itself (30 s doubling to 30 min)",
    ),
    (
        "static",
        "Dyn's static and custom services are gone; dynward sends a plain update",
    ),
    (
        "custom",
        "Dyn's static and custom services are gone; dynward sends a plain update",
    ),
    (
        "min-error-interval",
        "dynward's back-off after errors follows the provider's rules",
    ),
    ("ssl-validate", "dynward always validates certificates"),
];

/// Reads ddclient's config text (`file` names it in origins).
pub fn read(text: &str, file: &str) -> Import {
    let mut imp = Import::default();
    let mut globals: BTreeMap<String, Var> = BTreeMap::new();
    let mut names: Vec<String> = Vec::new();
    for l in logical_lines(text) {
        let mut vars = globals.clone();
        for (k, v) in &l.vars {
            vars.insert(
                k.clone(),
                Var {
                    value: v.clone(),
                    line: l.line,
                },
            );
        }
        if l.hosts.is_empty() {
            globals = vars;
            continue;
        }
        let first = draft(&vars, &l.hosts, file, l.line, &names);
        let mut drafts = Vec::new();
        for d in super::one_per_he_host(first, &names) {
            if let Some(Value::Str(n)) = d.get("name") {
                names.push(n.clone());
            }
            drafts.push(d);
        }
        for mut d in drafts {
            d.at = format!("{file}:{}", l.line);
            imp.policies.push(d);
        }
    }
    // Global settings that no host line used are still reported (the sample file's only
    // active lines are such settings).
    if imp.policies.is_empty() {
        let mut by_line: Vec<(&String, &Var)> = globals.iter().collect();
        by_line.sort_by_key(|(_, v)| v.line);
        for (k, v) in by_line {
            let at = at(file, v);
            let text = shown(k, &v.value, "=");
            match NOT_NEEDED.iter().find(|(n, _)| n == k) {
                Some((_, why)) => imp.left.push(super::Left {
                    at,
                    text,
                    why: (*why).into(),
                    lost: false,
                }),
                None => imp.left.push(super::Left {
                    at,
                    text,
                    why: "no host line uses it".into(),
                    lost: false,
                }),
            }
        }
    }
    imp
}

/// One host line's policy.
fn draft(
    vars: &BTreeMap<String, Var>,
    hosts: &[String],
    file: &str,
    line: usize,
    taken: &[String],
) -> Draft {
    let mut d = Draft::default();
    let keys = Keys {
        vars,
        used: std::cell::RefCell::new(Vec::new()),
    };
    let name = name_for(hosts, "ddclient", taken);
    d.set(
        "name",
        Value::Str(name),
        format!("{file}:{line} (named after its first host)"),
    );
    endpoint(&mut d, &keys, file, line);
    d.set(
        "hosts",
        Value::List(hosts.to_vec()),
        format!("{file}:{line} (the line's hosts)"),
    );
    let api =
        matches!(d.get("provider"), Some(Value::Str(p)) if API_PROTOCOLS.contains(&p.as_str()));
    let token_only = super::token_only(d.get("provider"));
    // RFC 2136's login and password (nsupdate's path and key file) were read with it.
    let nsupdate = matches!(d.get("provider"), Some(Value::Str(p)) if p == "rfc2136");
    match keys.take("login").filter(|_| !nsupdate) {
        // The API presets name the account by their token (Porkbun by `apikey`).
        Some(v) if api && d.refused.is_none() && v.value != "token" => {
            d.leave(
                &at(file, v),
                "login=********".into(),
                "this API takes its token alone",
                false,
            );
        }
        Some(_) if api => {}
        // A token-only preset's login is a token in the wrong place: not a user name, and
        // not shown.
        Some(v) if token_only => d.leave(
            &at(file, v),
            "login=********".into(),
            "this provider takes the token (password) alone, with no user name",
            false,
        ),
        Some(v) => d.set(
            "username",
            Value::Str(v.value.clone()),
            from(file, "login", v),
        ),
        None => {}
    }
    namecheap_hosts(&mut d, hosts, file, line);
    if let Some(v) = keys.take("password").filter(|_| !nsupdate) {
        d.set(
            "password",
            Value::Secret(v.value.clone()),
            from(file, "password", v),
        );
    }
    // The address source: 4.x names first, then 3.x's `use`.
    let v4 = keys.take("usev4").or(keys.take("use"));
    let v6 = keys.take("usev6");
    keys.mark(SOURCE_KEYS);
    source(&mut d, v4, v6, vars, file, line);
    settings(&mut d, &keys, file);
    leftovers(&mut d, &keys, file);
    super::ipv4_only(&mut d);
    d
}

/// ddclient's Namecheap hosts are relative to the login domain (`@` the apex, `*` the
/// wildcard, `www`, `@.example.com`): dynward's hosts are the full names they stand for.
fn namecheap_hosts(d: &mut Draft, hosts: &[String], file: &str, line: usize) {
    if !matches!(d.get("provider"), Some(Value::Str(p)) if p == "namecheap") {
        return;
    }
    let Some(Value::Str(domain)) = d.get("username").cloned() else {
        return;
    };
    let domain = domain.to_ascii_lowercase();
    let mut full: Vec<String> = Vec::new();
    let names = hosts.iter().map(|h| {
        let h = h.to_ascii_lowercase();
        let h = h.strip_prefix("@.").unwrap_or(&h);
        if h == "@" || h == domain {
            domain.clone()
        } else if h.ends_with(&format!(".{domain}")) {
            h.to_string()
        } else {
            format!("{h}.{domain}")
        }
    });
    // `@` and `@.example.com` are one name.
    for n in names {
        if !full.contains(&n) {
            full.push(n);
        }
    }
    if full != hosts {
        d.set(
            "hosts",
            Value::List(full),
            format!(
                "{file}:{line} (the line's hosts, under the login domain {domain} as ddclient names them)"
            ),
        );
    }
}

/// The settings of a block, read as they are taken, so that what no one took is listed.
struct Keys<'v> {
    vars: &'v BTreeMap<String, Var>,
    used: std::cell::RefCell<Vec<&'static str>>,
}

impl<'v> Keys<'v> {
    /// The setting `k`, taken.
    fn take(&self, k: &'static str) -> Option<&'v Var> {
        self.used.borrow_mut().push(k);
        self.vars.get(k)
    }

    /// These settings are read elsewhere.
    fn mark(&self, ks: &[&'static str]) {
        self.used.borrow_mut().extend(ks);
    }
}

/// The settings the address source reads ([`source`]).
const SOURCE_KEYS: &[&str] = &[
    "if",
    "ifv4",
    "ifv6",
    "web",
    "webv4",
    "webv6",
    "cmd",
    "cmdv4",
    "cmdv6",
    "ip",
    "ipv4",
    "ipv6",
    "web-skip",
    "webv4-skip",
    "webv6-skip",
    "cmd-skip",
    "fw",
    "fw-login",
    "fw-password",
    "fw-skip",
];

/// Where updates go: `protocol`, `server` and `ssl`, as a preset or a server.
fn endpoint(d: &mut Draft, keys: &Keys<'_>, file: &str, line: usize) {
    let protocol = keys
        .take("protocol")
        .map_or("dyndns2".to_string(), |v| v.value.to_ascii_lowercase());
    let server = keys.take("server");
    let ssl = keys.take("ssl");
    match protocol.as_str() {
        "dyndns2" | "noip" => {
            let script = keys.take("script");
            dyndns2_server(d, &protocol, server, script, ssl, file, line);
        }
        // ddclient's own protocols for services dynward has a preset for: the same account
        // (DuckDNS: the password is the token; Namecheap: the login is the domain; Njalla:
        // the password is the record's key).
        p if OWN_PROTOCOLS.iter().any(|(n, ..)| *n == p) => {
            own_protocol(d, keys, &protocol, server, file, line);
        }
        p if API_PROTOCOLS.contains(&p) => {
            api(d, keys, &protocol, server, file, line);
        }
        "nsupdate" => nsupdate(d, keys, server, file, line),
        other => {
            // The protocol is the first reason: a policy refused for it is refused whatever
            // else it lacks.
            d.refused = Some(match NOT_CARRIED.iter().find(|(p, _)| *p == other) {
                Some((_, why)) => format!("protocol={other}: {why}"),
                None => format!(
                    "protocol={other}: dynward speaks dyndns2 (protocol=dyndns2, or a preset); this provider has no preset yet"
                ),
            });
        }
    }
}

/// ddclient protocols that cannot be carried as they are, and what to do instead.
const NOT_CARRIED: &[(&str, &str)] = &[
    ("googledomains", super::GOOGLE_DOMAINS_ENDED),
    ("freedns", super::FREEDNS_TOKEN),
];

/// ddclient's own (not dyndns2) protocols dynward has presets of, with the preset's name,
/// and whether ddclient appends `script` to the server (the others have a fixed path).
const OWN_PROTOCOLS: &[(&str, Provider, bool)] = &[
    ("duckdns", Provider::DuckDns, false),
    ("namecheap", Provider::Namecheap, false),
    ("easydns", Provider::EasyDns, true),
    ("zoneedit1", Provider::ZoneEdit, false),
    ("njalla", Provider::Njalla, false),
    ("inwx", Provider::Inwx, true),
];

/// One of ddclient's own protocols, as its preset. A `server` that is the preset's (or
/// an older name of it) is the preset's business; another one is kept next to the preset,
/// so the credentials go only where the source sent them.
fn own_protocol(
    d: &mut Draft,
    keys: &Keys<'_>,
    protocol: &str,
    server: Option<&Var>,
    file: &str,
    line: usize,
) {
    let Some((_, preset, takes_script)) = OWN_PROTOCOLS.iter().find(|(n, ..)| *n == protocol)
    else {
        return;
    };
    let origin = format!("{file}:{line} (protocol={protocol})");
    d.set("provider", Value::Str(preset.name().into()), origin);
    let script = keys.take("script");
    let foreign = server.map(|v| {
        let (bare, host) = super::bare_server(&v.value);
        (v, bare, preset_for_host(host) != Some(*preset))
    });
    match foreign {
        // Another server: the preset's dialect there, at the source's path if it names one.
        Some((v, bare, true)) => {
            let path = script
                .filter(|_| *takes_script && !bare.contains('/'))
                .map_or("", |s| s.value.as_str());
            d.set(
                "server",
                Value::Str(format!("https://{bare}{path}")),
                from(file, "server", v),
            );
            if let Some(v) = script.filter(|_| !takes_script) {
                d.leave(
                    &at(file, v),
                    shown("script", &v.value, "="),
                    "ddclient does not use it with this protocol either",
                    false,
                );
            }
        }
        _ => {
            if let Some((v, ..)) = foreign {
                d.leave(
                    &at(file, v),
                    shown("server", &v.value, "="),
                    "the preset knows its server",
                    false,
                );
            }
            if let Some(v) = script {
                d.leave(
                    &at(file, v),
                    shown("script", &v.value, "="),
                    "the preset knows its path",
                    false,
                );
            }
        }
    }
}

/// ddclient's `protocol=nsupdate` (it runs BIND's nsupdate with `-k password`): dynward's
/// own RFC 2136, with ddclient's server, zone, TTL and key file.
fn nsupdate(d: &mut Draft, keys: &Keys<'_>, server: Option<&Var>, file: &str, line: usize) {
    d.set(
        "provider",
        Value::Str("rfc2136".into()),
        format!("{file}:{line} (protocol=nsupdate)"),
    );
    match server {
        Some(v) => d.set(
            "server",
            Value::Str(v.value.clone()),
            from(file, "server", v),
        ),
        None => {
            d.refused = Some(
                "protocol=nsupdate without server: dynward sends the UPDATE to the server you name (the zone's primary)".into(),
            );
        }
    }
    if let Some(v) = keys.take("password") {
        // ddclient's password is the key file's path, not a secret.
        d.set(
            "password_file",
            Value::Str(v.value.clone()),
            format!("{} (ddclient passes it to nsupdate -k; a tsig-keygen key file, not a dnssec-keygen K*.private one)", from(file, "password", v)),
        );
    }
    if let Some(v) = keys.take("login") {
        d.leave(
            &at(file, v),
            shown("login", &v.value, "="),
            "ddclient's path to nsupdate: dynward sends the UPDATE itself",
            false,
        );
    }
    if let Some(v) = keys.take("zone") {
        d.set("zone", Value::Str(v.value.clone()), from(file, "zone", v));
    }
    if let Some(v) = keys.take("ttl")
        && let Some(secs) = seconds(&v.value).and_then(|s| u32::try_from(s).ok())
    {
        d.set("ttl", Value::Int(secs), from(file, "ttl", v));
    }
    if let Some(v) = keys.take("tcp") {
        d.leave(
            &at(file, v),
            shown("tcp", &v.value, "="),
            "dynward uses TCP when UDP gets no reply or a truncated one",
            false,
        );
    }
}

/// ddclient's API protocols dynward has presets of, under the same names.
const API_PROTOCOLS: &[&str] = &["cloudflare", "porkbun", "digitalocean", "gandi", "hetzner"];

/// ddclient's API protocols, as dynward's presets: the zone, the TTL, and each one's way
/// of naming the account (Cloudflare: `login=token` and the token as password, a login
/// that is an email is the Global API Key, which dynward does not take; Porkbun: `apikey`
/// and `secretapikey`; Gandi: a personal access token unless told otherwise).
fn api(
    d: &mut Draft,
    keys: &Keys<'_>,
    protocol: &str,
    server: Option<&Var>,
    file: &str,
    line: usize,
) {
    let origin = format!("{file}:{line} (protocol={protocol})");
    d.set("provider", Value::Str(protocol.to_string()), origin);
    if let Some(v) = server {
        let (bare, host) = super::bare_server(&v.value);
        let own = protocol
            .parse::<Provider>()
            .ok()
            .and_then(|p| url::Url::parse(p.server()).ok())
            .is_some_and(|u| u.host_str() == Some(host));
        if own {
            d.leave(
                &at(file, v),
                shown("server", &v.value, "="),
                "the preset knows its API's address",
                false,
            );
        } else {
            // A proxy or another base: the token goes there, as the source sent it.
            d.set(
                "server",
                Value::Str(format!("https://{bare}")),
                from(file, "server", v),
            );
        }
    }
    if let Some(v) = keys.take("zone") {
        d.set("zone", Value::Str(v.value.clone()), from(file, "zone", v));
    }
    if let Some(v) = keys.take("ttl") {
        let secs = v.value.parse::<u32>().ok().or_else(|| {
            crate::duration::parse(&v.value)
                .ok()
                .and_then(|t| u32::try_from(t.as_secs()).ok())
        });
        match secs {
            Some(n) => d.set("ttl", Value::Int(n), from(file, "ttl", v)),
            None => d.leave(
                &at(file, v),
                shown("ttl", &v.value, "="),
                "not a number of seconds",
                true,
            ),
        }
    }
    match protocol {
        "cloudflare" => {
            if let Some(v) = keys.take("login")
                && v.value.contains('@')
            {
                d.refused = Some(format!(
                    "protocol=cloudflare with login={}: that is the Global API Key, which dynward does not take; create an API token (Zone · DNS · Edit), then set login=token and the token as password",
                    v.value
                ));
            }
        }
        "porkbun" => {
            // The API key is a credential too: masked wherever a password is.
            if let Some(v) = keys.take("apikey") {
                d.set(
                    "username",
                    Value::Secret(v.value.clone()),
                    from(file, "apikey", v),
                );
            }
            if let Some(v) = keys.take("secretapikey") {
                d.set(
                    "password",
                    Value::Secret(v.value.clone()),
                    from(file, "secretapikey", v),
                );
            }
            if let Some(v) = keys.take("root-domain") {
                d.set(
                    "zone",
                    Value::Str(v.value.clone()),
                    from(file, "root-domain", v),
                );
            }
        }
        "gandi" => {
            let pat = keys.take("use-personal-access-token");
            if pat.is_some_and(|v| matches!(v.value.as_str(), "no" | "false" | "0")) {
                d.set(
                    "username",
                    Value::Str("apikey".into()),
                    "ddclient's use-personal-access-token=no: a legacy API key",
                );
            }
        }
        _ => {}
    }
}

/// A dyndns2 server (ddclient's default for the protocol when none is named), as a preset
/// when dynward has one for it.
fn dyndns2_server(
    d: &mut Draft,
    protocol: &str,
    server: Option<&Var>,
    script: Option<&Var>,
    ssl: Option<&Var>,
    file: &str,
    line: usize,
) {
    let default = if protocol == "noip" {
        "dynupdate.no-ip.com"
    } else {
        "members.dyndns.org"
    };
    let (bare, host) = super::bare_server(server.map_or(default, |v| v.value.as_str()));
    let origin = match server {
        Some(v) => from(file, "server", v),
        None => format!("{file}:{line} (ddclient's default server for protocol={protocol})"),
    };
    // ddclient's `script` is the path (`/nic/update` unless set) on a server without one.
    let path = match script {
        Some(v) if !bare.contains('/') => v.value.as_str(),
        _ if bare.contains('/') => "",
        _ => "/nic/update",
    };
    match preset_for_host(host) {
        Some(p) => {
            d.set("provider", Value::Str(p.name().into()), origin);
            if p.server().starts_with("http://") {
                d.set(
                    "allow_insecure_http",
                    Value::Bool(true),
                    format!("the {p} preset only offers plain HTTP"),
                );
            }
            if let Some(v) = script {
                let preset_path = url::Url::parse(p.server())
                    .map(|u| u.path().to_string())
                    .unwrap_or_default();
                if v.value == preset_path || path.is_empty() {
                    d.leave(
                        &at(file, v),
                        shown("script", &v.value, "="),
                        "the preset knows its path",
                        false,
                    );
                } else {
                    // The preset's dialect at the path the source names.
                    d.set(
                        "server",
                        Value::Str(format!("https://{bare}{path}")),
                        from(file, "script", v),
                    );
                }
            }
        }
        None => {
            let origin = match script {
                Some(v) if !path.is_empty() && path == v.value => {
                    format!("{origin} and {}", from(file, "script", v))
                }
                _ => origin,
            };
            d.set(
                "server",
                Value::Str(format!("https://{bare}{path}")),
                origin,
            );
        }
    }
    let plain = |v: &&Var| matches!(v.value.to_ascii_lowercase().as_str(), "no" | "false" | "0");
    if let Some(v) = ssl.filter(plain) {
        d.leave(
            &at(file, v),
            shown("ssl", &v.value, "="),
            "ddclient sent the password over plain HTTP; dynward uses HTTPS (if the server has none: server = \"http://…\" and allow_insecure_http = true)",
            false,
        );
    }
}

/// Timers, the CA file, the postscript and the record options.
fn settings(d: &mut Draft, keys: &Keys<'_>, file: &str) {
    if let Some(v) = keys.take("daemon")
        && let Some(secs) = seconds(&v.value)
    {
        let asked = d.get("web").is_some() || d.get("command").is_some();
        if asked {
            let secs = secs.max(60);
            d.set(
                "check_interval",
                Value::Str(secs_text(secs)),
                from(file, "daemon", v),
            );
        } else {
            d.leave(
                &at(file, v),
                shown("daemon", &v.value, "="),
                NOT_NEEDED[0].1,
                false,
            );
        }
    }
    for (k, key) in [
        ("max-interval", "max_interval"),
        ("min-interval", "min_interval"),
        ("timeout", "timeout"),
    ] {
        if let Some(v) = keys.take(k) {
            match seconds(&v.value) {
                Some(s) => d.set(key, Value::Str(secs_text(s)), from(file, k, v)),
                None => d.leave(
                    &at(file, v),
                    shown(k, &v.value, "="),
                    "not a duration",
                    true,
                ),
            }
        }
    }
    if let Some(v) = keys.take("ssl-ca-file") {
        d.set(
            "ca_file",
            Value::Str(v.value.clone()),
            from(file, "ssl_ca_file", v),
        );
    }
    if let Some(v) = keys.take("postscript") {
        d.leave(
            &at(file, v),
            shown("postscript", &v.value, "="),
            "ddclient passed the address as an argument; dynward's on_change = [\"/path\"] gets it in DYNWARD_ADDRESS: adapt the script, then add on_change",
            true,
        );
    }
    for k in ["wildcard", "mx", "backupmx"] {
        if let Some(v) = keys.take(k) {
            let off = matches!(
                v.value.to_ascii_lowercase().as_str(),
                "no" | "false" | "0" | ""
            );
            d.leave(
                &at(file, v),
                shown(k, &v.value, "="),
                "dynward sends no wildcard, mx or backupmx: set them at the provider",
                !off,
            );
        }
    }
}

/// Every setting no one took: one dynward does not need, or one it has no such setting for.
fn leftovers(d: &mut Draft, keys: &Keys<'_>, file: &str) {
    for (k, v) in keys.vars {
        if keys.used.borrow().contains(&k.as_str()) {
            continue;
        }
        match NOT_NEEDED.iter().find(|(n, _)| n == k) {
            Some((_, why)) => d.leave(&at(file, v), shown(k, &v.value, "="), *why, false),
            None => d.leave(
                &at(file, v),
                shown(k, &v.value, "="),
                "dynward has no such setting",
                true,
            ),
        }
    }
}

/// The address source of a policy, from `use`/`usev4` and `usev6`.
fn source(
    d: &mut Draft,
    v4: Option<&Var>,
    v6: Option<&Var>,
    vars: &BTreeMap<String, Var>,
    file: &str,
    line: usize,
) {
    let at = |v: &Var| at(file, v);
    let from = |k: &str, v: &Var| from(file, k, v);
    let method = |v: Option<&Var>| v.map(|v| v.value.to_ascii_lowercase());
    let (m4, m6) = (method(v4), method(v6));
    let family_on = |m: &Option<String>| m.as_deref().is_some_and(|m| m != "disabled" && m != "no");
    let (want4, want6) = (
        m4.is_none() && m6.is_none() || family_on(&m4),
        family_on(&m6),
    );
    if !want4 && !want6 {
        d.refused.get_or_insert_with(|| {
            "no address source: use, usev4 or usev6 is missing or disabled".into()
        });
        return;
    }
    if m4.is_none() && m6.is_none() {
        d.refused.get_or_insert_with(|| format!(
            "line {line}: no address source (use=if, use=web or use=cmd); ddclient would have used use=ip, a fixed address dynward does not have"
        ));
        return;
    }
    // dynward's defaults are IPv4 on, IPv6 off: only a difference is written.
    if !want4 && let Some(v) = v4 {
        d.set("ipv4", Value::Bool(false), from("usev4", v));
    }
    if want6 && let Some(v) = v6 {
        d.set("ipv6", Value::Bool(true), from("usev6", v));
    }
    // One source per policy: the IPv4 one, else the IPv6 one; a second, different one is lost,
    // except a second check-IP service: web4 and web6 are one source.
    let mut chosen: Option<(&'static str, Value, String)> = None;
    let mut web6: Option<(Value, String)> = None;
    for (m, v, fam) in [(&m4, v4, "v4"), (&m6, v6, "v6")] {
        let (Some(m), Some(v)) = (m.as_deref(), v) else {
            continue;
        };
        if m == "disabled" || m == "no" {
            continue;
        }
        let this = family_source(m, fam, v, vars, file);
        match (this, &chosen) {
            (Ok(c), None) => chosen = Some(c),
            (Ok(c), Some(first)) if first.0 == c.0 && first.1 == c.1 => {}
            (Ok(c), Some(first)) if first.0 == "web" && c.0 == "web" && fam == "v6" => {
                web6 = Some((c.1, c.2));
            }
            (Ok(c), Some(_)) => d.leave(
                &at(v),
                format!("use{fam} from {}", c.2),
                "dynward reads both families from one source; this second one is not used",
                true,
            ),
            (Err(why), _) => d.leave(&at(v), shown(&format!("use{fam}"), m, "="), why, true),
        }
    }
    for k in ["web-skip", "webv4-skip", "webv6-skip", "fw-skip"] {
        if let Some(x) = vars.get(k) {
            d.leave(
                &at(x),
                shown(k, &x.value, "="),
                "dynward takes the first address on the page (after \"Current IP Address:\" if there is one)",
                true,
            );
        }
    }
    match (chosen, web6) {
        (Some((_, v4, from4)), Some((v6, from6))) => {
            d.set("web4", v4, from4);
            d.set("web6", v6, from6);
        }
        (Some((key, value, origin)), None) => d.set(key, value, origin),
        (None, _) => {
            d.refused
                .get_or_insert_with(|| "no address source dynward can use".into());
        }
    }
}

/// A family's address source, as dynward writes it (key, value, where it comes from), or
/// why dynward cannot use it: `use{fam}=if` with its interface, `=web` with its check-IP
/// service, `=cmd` with its command.
fn family_source(
    m: &str,
    fam: &str,
    v: &Var,
    vars: &BTreeMap<String, Var>,
    file: &str,
) -> Result<(&'static str, Value, String), String> {
    let from = |k: &str, v: &Var| from(file, k, v);
    let pick = |names: [&str; 2]| {
        names
            .into_iter()
            .find_map(|n| vars.get(n).map(|x| (n.to_string(), x)))
    };
    match m.trim_end_matches(fam) {
        "if" => match pick([&format!("if{fam}") as &str, "if"]) {
            Some((k, x)) => Ok(("interface", Value::Str(x.value.clone()), from(&k, x))),
            None => Err(format!("use{fam}=if names no interface (if=…)")),
        },
        "web" => match pick([&format!("web{fam}") as &str, "web"]) {
            Some((k, x)) => web_url(&x.value)
                .map(|u| ("web", Value::Str(u), from(&k, x)))
                .ok_or_else(|| {
                    format!(
                        "{}: no URL dynward knows for this check-IP service",
                        shown(&k, &x.value, "=")
                    )
                }),
            None => Ok((
                "web",
                Value::Str("http://checkip.dyndns.org/".into()),
                format!("{} (ddclient's default check-IP service)", from("use", v)),
            )),
        },
        "cmd" => match pick([&format!("cmd{fam}") as &str, "cmd"]) {
            Some((k, x)) => split_command(&x.value)
                .map(|argv| ("command", Value::List(argv), from(&k, x)))
                .map_err(|e| format!("{}: {e}", shown(&k, &x.value, "="))),
            None => Err(format!("use{fam}=cmd names no command (cmd=…)")),
        },
        "ip" => Err("a fixed address (use=ip): dynward publishes what an interface, a check-IP service or a command reports".into()),
        other => Err(format!("use={other}: reading the address from a router's status page is not in dynward; use=if, use=web or use=cmd instead")),
    }
}

/// A check-IP URL for ddclient's `web=` value (a name or a URL, with or without scheme).
fn web_url(v: &str) -> Option<String> {
    if let Some((_, u)) = WEB_NAMES.iter().find(|(n, _)| *n == v) {
        return Some((*u).into());
    }
    if v.starts_with("http://") || v.starts_with("https://") {
        return Some(v.into());
    }
    // ddclient adds http:// to a bare host.
    v.contains('.').then(|| format!("http://{v}"))
}

/// ddclient's durations: plain seconds, or a number with a unit as dynward reads them.
fn seconds(v: &str) -> Option<u64> {
    let v = v.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return v.parse().ok();
    }
    crate::duration::parse(v).ok().map(|d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val<'a>(d: &'a Draft, k: &str) -> Option<&'a Value> {
        d.get(k)
    }

    /// The policy of one host line under an interface source.
    fn one(line: &str) -> Draft {
        let imp = read(&format!("use=if, if=eth0\n{line}\n"), "c");
        imp.policies.into_iter().next().expect("policy")
    }

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    /// Globals, per-line overrides, continuations, quotes and comments; a known server
    /// becomes its preset, another a dyndns2 server; what dynward does not need or lacks is
    /// listed, secrets masked.
    #[test]
    fn reads_globals_hosts_and_continuations() {
        let text = "\
daemon=300                     # check every 300 seconds
syslog=yes
ssl=yes
use=if, if=eth0
protocol=dyndns2, \\
server=members.dyndns.org,    \\
login=alice,                  \\
password='pa ss#word'         \\
home.example.org,nas.example.org

protocol=dyndns2, server=dyn.example.net, login=bob, password=x, wildcard=yes other.example.net
";
        let imp = read(text, "ddclient.conf");
        assert_eq!(imp.policies.len(), 2);
        let a = &imp.policies[0];
        assert_eq!(a.refused, None);
        assert_eq!(val(a, "name"), Some(&s("home")));
        assert_eq!(val(a, "provider"), Some(&s("dyn")));
        assert_eq!(val(a, "username"), Some(&s("alice")));
        assert_eq!(
            val(a, "password"),
            Some(&Value::Secret("pa ss#word".into()))
        );
        assert_eq!(
            val(a, "hosts"),
            Some(&Value::List(vec![
                "home.example.org".into(),
                "nas.example.org".into()
            ]))
        );
        assert_eq!(val(a, "interface"), Some(&s("eth0")));
        assert_eq!(a.at, "ddclient.conf:5");
        // daemon= with an interface source is not needed; syslog neither.
        assert!(a.left.iter().all(|l| !l.lost), "{:?}", a.left);
        assert!(a.left.iter().any(|l| l.text == "daemon=300"));
        let b = &imp.policies[1];
        assert_eq!(
            val(b, "server"),
            Some(&s("https://dyn.example.net/nic/update"))
        );
        let w = b
            .left
            .iter()
            .find(|l| l.text == "wildcard=yes")
            .expect("wildcard listed");
        assert!(w.lost);
        assert!(!imp.complete(), "wildcard=yes is lost");
        for l in imp.report() {
            assert!(!l.contains("pa ss") && !l.contains("password=x"), "{l}");
        }
    }

    /// ddclient's own protocols for easyDNS, ZoneEdit, Njalla and INWX, and a dyndns2
    /// block at Loopia's server with its `script`, become their presets; a server that is
    /// not the preset's is kept (the credentials go where the source sent them), and so is
    /// a dyndns2 server's `script` path.
    #[test]
    fn own_protocols_and_scripts_are_carried() {
        for (line, preset) in [
            (
                "protocol=zoneedit1, server=dynamic.zoneedit.com, login=u, password=p a.example.org,b.example.org",
                "zoneedit",
            ),
            (
                "protocol=easydns, server=members.easydns.com, login=u, password=p e.example.org",
                "easydns",
            ),
            (
                "protocol=njalla, password=k, quietreply=no n.example.com",
                "njalla",
            ),
            ("protocol=inwx, login=u, password=p i.example.de", "inwx"),
            (
                "protocol=dyndns2, server=dns.loopia.se, script=/XDynDNSServer/XDynDNS.php, login=u, password=p l.example.se",
                "loopia",
            ),
        ] {
            let d = one(line);
            assert_eq!(d.refused, None, "{line}");
            assert_eq!(val(&d, "provider"), Some(&s(preset)), "{line}");
            assert_eq!(val(&d, "server"), None, "{line}: the preset's own server");
            assert!(
                d.left
                    .iter()
                    .filter(|l| l.text.starts_with("server") || l.text.starts_with("script"))
                    .all(|l| !l.lost),
                "{line}: {:?}",
                d.left
            );
        }
        let d = one(
            "protocol=easydns, server=dyn.example.net, script=/dyn/update.php, login=u, password=p e.example.org",
        );
        assert_eq!(val(&d, "provider"), Some(&s("easydns")));
        assert_eq!(
            val(&d, "server"),
            Some(&s("https://dyn.example.net/dyn/update.php"))
        );
        let d =
            one("protocol=njalla, server=dyn.example.net, script=/x.php, password=k n.example.org");
        assert_eq!(
            val(&d, "server"),
            Some(&s("https://dyn.example.net")),
            "ddclient's njalla has its own path"
        );
        // The Debian sample's Loopia block asks Loopia's check-IP page; Njalla's quietreply
        // is not needed (dynward reads the full answer).
        let d = one(
            "use=web, web=loopia, protocol=dyndns2, server=dns.loopia.se, login=u, password=p l.example.se",
        );
        assert_eq!(
            val(&d, "web"),
            Some(&s("https://dns.loopia.se/checkip/checkip.php"))
        );
        let d = one("protocol=njalla, password=k, quietreply=yes n.example.com");
        assert!(
            d.left.iter().any(|l| l.text == "quietreply=yes" && !l.lost),
            "{:?}",
            d.left
        );
        let d = one(
            "protocol=dyndns2, server=dyn.example.net, script=/update.php, login=u, password=p h.example.org",
        );
        assert_eq!(
            val(&d, "server"),
            Some(&s("https://dyn.example.net/update.php"))
        );
        let d = one(
            "protocol=dyndns2, server=dns.loopia.se, script=/other/path, login=u, password=p h.example.org",
        );
        assert_eq!(val(&d, "provider"), Some(&s("loopia")));
        assert_eq!(
            val(&d, "server"),
            Some(&s("https://dns.loopia.se/other/path"))
        );
    }

    /// An API protocol's `server`: the API's own address is the preset's business; another
    /// (a proxy) is kept, so the token goes only where the source sent it.
    #[test]
    fn an_api_protocols_other_server_is_kept() {
        let d = one(
            "protocol=cloudflare, server=api.cloudflare.com/client/v4, zone=example.org, login=token, password=t h.example.org",
        );
        assert_eq!(val(&d, "server"), None);
        let d = one(
            "protocol=cloudflare, server=cf-proxy.example.net/client/v4, zone=example.org, login=token, password=t h.example.org",
        );
        assert_eq!(val(&d, "provider"), Some(&s("cloudflare")));
        assert_eq!(
            val(&d, "server"),
            Some(&s("https://cf-proxy.example.net/client/v4"))
        );
    }

    /// Issue 21, defect 2: a DuckDNS guide's token in `login` is not carried as a user name
    /// and never shown; Porkbun's `apikey` is masked in the preview and the report like its
    /// secret key, and written only to the file (`-o`), where the policy needs it.
    #[test]
    fn a_token_in_login_and_an_api_key_are_never_shown() {
        let text = "\
use=web, web=ipify-ipv4
protocol=duckdns, login=0123abcd-tok-en99, password=0123abcd-tok-en99 home
protocol=porkbun, apikey=pk1_shown_nowhere, secretapikey=sk1_x, root-domain=example.com pb.example.com
";
        let imp = read(text, "ddclient.conf");
        assert_eq!(val(&imp.policies[0], "username"), None);
        let preview = super::super::render(
            &imp,
            super::super::Client::Ddclient,
            std::path::Path::new("ddclient.conf"),
            true,
        );
        let report = imp.report().join("\n");
        for secret in ["0123abcd-tok-en99", "pk1_shown_nowhere", "sk1_x"] {
            assert!(
                !preview.contains(secret),
                "{secret} in the preview:\n{preview}"
            );
            assert!(
                !report.contains(secret),
                "{secret} in the report:\n{report}"
            );
        }
        let file = super::super::render(
            &imp,
            super::super::Client::Ddclient,
            std::path::Path::new("ddclient.conf"),
            false,
        );
        assert!(file.contains("username = \"pk1_shown_nowhere\""), "{file}");
    }

    /// Issue 21, defect 3: ddclient's Namecheap hosts are relative to the login domain, one
    /// per line or listed: `@` is the apex, `*` the wildcard, `@.example.com` the apex again.
    #[test]
    fn namecheap_hosts_are_composed_under_the_domain() {
        let text = "\
use=web, web=ipify-ipv4
protocol=namecheap
login=example.com
password=nc
@, www, @.example.com, *, blog.example.com
";
        let imp = read(text, "ddclient.conf");
        assert_eq!(
            val(&imp.policies[0], "hosts"),
            Some(&Value::List(vec![
                "example.com".into(),
                "www.example.com".into(),
                "*.example.com".into(),
                "blog.example.com".into()
            ]))
        );
    }

    /// Issue 21, defect 5: Hurricane Electric with several hosts in one block becomes one
    /// policy per host (its key is per host), each saying so; Namecheap with IPv6 asked
    /// names the family as not carried. Both results pass `check`'s rules.
    #[test]
    fn results_check_would_refuse_are_mended_or_explained() {
        let text = "\
use=if, if=eth0
protocol=dyndns2, server=dyn.dns.he.net, login=a.example.org, password=k a.example.org,b.example.org
usev6=ifv6, ifv6=eth0
protocol=namecheap, login=example.com, password=nc www
";
        let imp = read(text, "ddclient.conf");
        let p = &imp.policies;
        assert_eq!(p.len(), 3, "{p:#?}");
        for (d, host) in [(&p[0], "a.example.org"), (&p[1], "b.example.org")] {
            assert_eq!(val(d, "provider"), Some(&s("he")));
            assert_eq!(val(d, "hosts"), Some(&Value::List(vec![host.into()])));
            assert!(
                val(d, "username").is_none_or(|u| *u == s(host)),
                "the user is the host: {:?}",
                val(d, "username")
            );
            assert!(d.left.iter().any(|l| l.why.contains("one key per host")));
        }
        assert_eq!(val(&p[2], "ipv6"), None);
        assert!(
            p[2].left
                .iter()
                .any(|l| l.lost && l.why.contains("updates IPv4 only")),
            "{:?}",
            p[2].left
        );
    }

    /// Issue 21, defect 6: a refusal names the real reason. Google Domains' dynamic DNS has
    /// ended (the block was refused for its address source only); FreeDNS has a preset, and
    /// what is missing is its v2 update token.
    #[test]
    fn refusals_name_the_real_reason() {
        let text = "\
use=web, web=googledomains
protocol=googledomains, login=u, password=p h.example.com
use=if, if=eth0
protocol=freedns, login=fuser, password=fpass h.mooo.com
";
        let imp = read(text, "ddclient.conf");
        let why = |i: usize| imp.policies[i].refused.clone().unwrap_or_default();
        assert!(why(0).contains("ended in 2024"), "{}", why(0));
        assert!(
            why(1).contains("provider = \"freedns\"") && why(1).contains("/u/"),
            "{}",
            why(1)
        );
        let text = "iface = eth0\nprovider default@domains.google.com {\n    username = u\n    password = p\n    hostname = h.example.com\n}\nprovider default@freedns.afraid.org {\n    username = u\n    password = p\n    hostname = h.mooo.com\n}\n";
        let imp = super::super::inadyn::read(text, "inadyn.conf", &|n: &str| Err(n.to_string()))
            .expect("parses");
        assert!(
            imp.policies[0]
                .refused
                .as_deref()
                .is_some_and(|r| r.contains("ended in 2024"))
        );
        assert!(
            imp.policies[1]
                .refused
                .as_deref()
                .is_some_and(|r| r.contains("v2 sync URL"))
        );
    }

    /// ddclient's `protocol=nsupdate` (issue 20): dynward's own RFC 2136 with ddclient's
    /// server, zone, TTL and key file; the path to nsupdate is not needed.
    #[test]
    fn nsupdate_is_carried_as_rfc2136() {
        let text = "use=if, if=eth0\nprotocol=nsupdate, server=ns1.example.com, login=/usr/bin/nsupdate, password=/etc/ddclient/ddns.key, zone=example.com, ttl=600 home.example.com\n";
        let d = read(text, "ddclient.conf").policies.remove(0);
        assert_eq!(d.refused, None);
        assert_eq!(val(&d, "provider"), Some(&s("rfc2136")));
        assert_eq!(val(&d, "server"), Some(&s("ns1.example.com")));
        assert_eq!(val(&d, "password_file"), Some(&s("/etc/ddclient/ddns.key")));
        assert_eq!(val(&d, "password"), None);
        assert_eq!(val(&d, "username"), None);
        assert_eq!(val(&d, "zone"), Some(&s("example.com")));
        assert_eq!(val(&d, "ttl"), Some(&Value::Int(600)));
        assert!(
            d.left
                .iter()
                .any(|l| l.text.starts_with("login=") && !l.lost),
            "{:?}",
            d.left
        );
    }

    /// Address sources: web by name or URL, cmd split without a shell, 4.x names; what
    /// dynward cannot do is refused or listed with the reason.
    #[test]
    fn each_ddclient_address_source_is_carried_or_refused_with_why() {
        let one = |src: &str| {
            let imp = read(&format!("login=u, password=p, {src} h.example.org\n"), "c");
            imp.policies.into_iter().next().expect("policy")
        };
        let d = one("use=web, web=dyndns");
        assert_eq!(val(&d, "web"), Some(&s("http://checkip.dyndns.org/")));
        let d = one("usev4=webv4, webv4=ipify-ipv4, daemon=30");
        assert_eq!(val(&d, "web"), Some(&s("https://api.ipify.org/")));
        assert_eq!(val(&d, "check_interval"), Some(&s("1m")), "floored");
        let d = one("use=web, web=checkip.example.net/ip, web-skip='IP'");
        assert_eq!(val(&d, "web"), Some(&s("http://checkip.example.net/ip")));
        assert!(
            d.left
                .iter()
                .any(|l| l.lost && l.text.starts_with("web-skip"))
        );
        let d = one("use=cmd, cmd='/usr/local/bin/wan-ip ppp0'");
        assert_eq!(
            val(&d, "command"),
            Some(&Value::List(vec![
                "/usr/local/bin/wan-ip".into(),
                "ppp0".into()
            ]))
        );
        let d = one("use=cmd, cmd='ip addr | grep inet'");
        assert!(d.refused.is_some(), "{d:?}");
        let d = one("usev4=ifv4, ifv4=ppp0, usev6=ifv6, ifv6=ppp0");
        assert_eq!(
            (val(&d, "interface"), val(&d, "ipv6")),
            (Some(&s("ppp0")), Some(&Value::Bool(true)))
        );
        let d = one("usev4=ifv4, ifv4=ppp0, usev6=ifv6, ifv6=br-lan");
        assert!(
            d.left
                .iter()
                .any(|l| l.lost && l.why.contains("one source")),
            "{:?}",
            d.left
        );
        // Two check-IP services, one per family: web4 and web6.
        let d = one("usev4=webv4, webv4=ipify-ipv4, usev6=webv6, webv6=ipify-ipv6");
        assert_eq!(val(&d, "web"), None);
        assert_eq!(val(&d, "web4"), Some(&s("https://api.ipify.org/")));
        assert_eq!(val(&d, "web6"), Some(&s("https://api6.ipify.org/")));
        // ddclient's own DuckDNS and Namecheap protocols become the presets.
        let d = one("use=if, if=eth0, protocol=duckdns");
        assert_eq!(val(&d, "provider"), Some(&s("duckdns")), "{d:?}");
        assert!(d.refused.is_none());
        let d = one("use=if, if=eth0, protocol=namecheap, server=dynamicdns.park-your-domain.com");
        assert_eq!(val(&d, "provider"), Some(&s("namecheap")));
        assert!(
            d.left.iter().any(|l| l.text.starts_with("server=")),
            "{:?}",
            d.left
        );
        let d = one("use=ip, ip=203.0.113.5");
        assert!(d.refused.is_some());
        let d = one("");
        assert!(
            d.refused
                .as_deref()
                .is_some_and(|r| r.contains("no address source"))
        );
        let d = one("use=linksys, fw=192.168.1.1");
        assert!(d.refused.is_some());
        let d = one("use=if, if=eth0, protocol=cloudflare, zone=example.org, login=me@example.org");
        assert!(
            d.refused
                .as_deref()
                .is_some_and(|r| r.contains("Global API Key"))
        );
        let d = one("use=if, if=eth0, protocol=freemyip");
        assert!(
            d.refused
                .as_deref()
                .is_some_and(|r| r.contains("protocol=freemyip"))
        );
    }

    /// ddclient's API protocols in the shapes its users write: Cloudflare with a token
    /// (`login=token`), its zone and TTL; Porkbun's two keys; Gandi's TTL with a unit; a
    /// Cloudflare Global API Key (an email as login) refused with what to do.
    #[test]
    fn api_protocols_are_carried() {
        let text = "\
use=if, if=eth0
protocol=cloudflare,        \\
zone=example.org,           \\
ttl=1,                      \\
login=token,                \\
password=cf-token-123       \\
example.org,home.example.org

protocol=porkbun, apikey=pk1_abc, secretapikey=sk1_def, root-domain=example.com porkbun.example.com
protocol=gandi, zone=example.net, password=pat-1, ttl=3h myhost.example.net
protocol=digitalocean, zone=example.io, password=do-1 www.example.io
protocol=hetzner, zone=example.de, password=hz-1, ttl=60 home.example.de
protocol=cloudflare, zone=blabla.org, login=someone@example.org, password=global-key blabla.org
";
        let imp = read(text, "ddclient.conf");
        let p = &imp.policies;
        assert_eq!(p.len(), 6);
        assert_eq!(val(&p[0], "provider"), Some(&s("cloudflare")));
        assert_eq!(val(&p[0], "zone"), Some(&s("example.org")));
        assert_eq!(val(&p[0], "ttl"), Some(&Value::Int(1)));
        assert_eq!(val(&p[0], "username"), None, "login=token is no user");
        assert_eq!(
            val(&p[0], "password"),
            Some(&Value::Secret("cf-token-123".into()))
        );
        assert_eq!(p[0].refused, None);
        assert_eq!(
            val(&p[1], "username"),
            Some(&Value::Secret("pk1_abc".into()))
        );
        assert_eq!(
            val(&p[1], "password"),
            Some(&Value::Secret("sk1_def".into()))
        );
        assert_eq!(val(&p[1], "zone"), Some(&s("example.com")));
        assert_eq!(val(&p[2], "ttl"), Some(&Value::Int(10800)));
        for (i, name) in [(2, "gandi"), (3, "digitalocean"), (4, "hetzner")] {
            assert_eq!(val(&p[i], "provider"), Some(&s(name)));
            assert_eq!(p[i].refused, None, "{name}");
        }
        assert!(
            p[5].refused
                .as_deref()
                .is_some_and(|r| r.contains("Global API Key") && r.contains("login=token")),
            "{:?}",
            p[5].refused
        );
    }
}
