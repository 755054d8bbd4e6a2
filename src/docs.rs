//! The reference: commands, states, config keys, files, signals, environment and exit
//! statuses, written once. The README's tables are rendered from these (a test keeps them
//! equal), and so is the man page ([`man_page`]), which is what `man dynward` shows on the
//! router.

use crate::config::keys::{Key, POLICY, TOP};
use crate::protocol::code::Code;

/// A row of a reference table: what, and what it means (Markdown inline code in backticks).
pub type Row = (&'static str, &'static str);

/// The commands, with what each does.
pub const COMMANDS: &[Row] = &[
    (
        "dynward check",
        "Validates the config. Lists **every** problem at once as `file:line:column: key: message` and exits 1; prints a summary of each policy and exits 0 when valid.",
    ),
    (
        "dynward once [--dry-run] [--force] [--verify] [POLICY...]",
        "Detects each policy's addresses, decides per host whether an update is due, sends, prints one line per host with the code and its explanation, records the results, and runs the hooks. Exit 0 only if every host ended `good`, `nochg` or up-to-date.",
    ),
    (
        "dynward once --dry-run",
        "Sends nothing and writes no state: prints the addresses found (and why others were skipped) and the exact requests (method, URL, headers) with the password masked where the request carries it.",
    ),
    (
        "dynward once --verify",
        "After the pass, asks each zone's authoritative servers whether they serve what the provider has for every host (waiting up to `verify_for` for an update just sent), prints one line per host (`served by …` or `not served after …: ns2 still has …`), and exits 1 when a host is not served or no server answered.",
    ),
    (
        "dynward once --force",
        "Re-sends even an unchanged address (the protocol's \"user may force\"). It never overrides a fatal stop, a provider hold or `min_interval`; it does try at once during the back-off after network failures (that wait is dynward's own, not the provider's).",
    ),
    (
        "dynward reload",
        "Asks the running daemon to re-read its config and waits for the result (what `systemctl reload` runs); exit 1, with the problems, when the file is invalid (the running config stays).",
    ),
    (
        "dynward run [--syslog]",
        "The daemon: watches the addresses (netlink events, no polling) and updates the moment they change. `--syslog` sends its log to syslog's socket `/dev/log`, each message with its priority (OpenWrt's logd), instead of stderr.",
    ),
    (
        "dynward status [--json]",
        "What each policy of the running daemon is doing and why: state, addresses, each host's last answer, what the provider has, stops with what to do, holds, and the next planned action and when, in local time. Without a daemon: what the state file records. `--json` gives the same in one schema (see below).",
    ),
    (
        "dynward reset POLICY [--host HOST]",
        "Re-enables a policy (or one host) stopped by a fatal answer and clears holds and the network back-off. A running daemon acts on it at once; otherwise the state file is edited. A policy or host not in the config is a usage error (exit 2).",
    ),
    (
        "dynward providers [--json]",
        "Lists the provider presets: update endpoint, how IPv4 and IPv6 travel, hosts per request, and what to know about each (the README's \"Providers\" table is the same). Needs no config.",
    ),
    (
        "dynward import --from ddclient|inadyn FILE [-o PATH] [--force]",
        "Writes a dynward config from ddclient's or inadyn's, with a comment beside each setting saying where it came from; what cannot be carried is listed with the reason and left as a commented line. `-o` writes the file with mode 0600 (an existing one only with `--force`) and runs `check` on it; without `-o` the config is printed with secrets masked. Exit 0 when everything was carried and the result is valid, 1 when something was not, 2 when the file cannot be read or parsed.",
    ),
];

/// The states of a policy, as logs and `status` show them.
pub const STATES: &[Row] = &[
    (
        "waiting",
        "No usable address: the interface is down, has no publishable address yet (IPv6 still in duplicate-address detection, only private addresses...), or the address has not been stable for `stable_for` (DHCP/PPP renegotiation settles here).",
    ),
    (
        "resolving",
        "Looking up the update server's name. A failure here is \"cannot get the server's address\", distinct from connection and TLS failures; the addresses found are the ones connected to, one for each family that has a published source address.",
    ),
    (
        "updating",
        "A request is in flight, never more than one per policy, and one at a time per update server: a policy whose server is busy with another policy's request waits for its answer, and plans again if that answer was a verdict for the server. A change arriving meanwhile is logged (\"last update not finished\") and remembered: when the request ends, one more update runs with the newest address if the one sent is no longer current. If the request's source address goes away, the request is withdrawn at once (no timeout, no back-off, nothing recorded) and the new address goes out as soon as it is stable.",
    ),
    (
        "sleeping",
        "Nothing to do until the next address change, the forced refresh (`max_interval`), a web re-check, the end of a provider hold or of a network back-off. `status` shows which and when.",
    ),
    (
        "invalid",
        "The provider gave a fatal answer (`badauth`, `!donator`, `badagent`, `badsys`, `good 127.0.0.1`, or every host stopped by `notfqdn`, `nohost`, `numhost`, `abuse`, `!yours`...). Nothing is sent until you change that policy's config or run `dynward reset POLICY`. Other policies and hosts carry on.",
    ),
];

/// One row of the answers table: the answers (as the README writes them), what dynward
/// tells the user, the codes they are read as (their decision is the code table's, so the
/// table cannot say one thing while dynward does another), and words that follow it.
pub struct AnswerRow {
    /// The answers, as users see them.
    pub answers: &'static str,
    /// What dynward tells the user.
    pub tells: &'static str,
    /// The names of the codes they are read as; none for a row about how answers are read.
    pub codes: &'static [&'static str],
    /// What follows the decision, or the whole decision of a row without codes.
    pub more: &'static str,
}

const fn row(
    answers: &'static str,
    tells: &'static str,
    codes: &'static [&'static str],
    more: &'static str,
) -> AnswerRow {
    AnswerRow {
        answers,
        tells,
        codes,
        more,
    }
}

/// What each answer of a provider means and the decision it leads to (reference section 5).
pub const ANSWERS: &[AnswerRow] = &[
    row("`good`", "the provider updated the record", &["good"], ""),
    row(
        "`nochg`",
        "the provider already had this address",
        &["nochg"],
        "",
    ),
    row(
        "`badauth` (or HTTP 401/403)",
        "user name or password rejected",
        &["badauth", "http 401", "http 403"],
        "",
    ),
    row(
        "`!donator`",
        "an option needs a paid account",
        &["!donator"],
        "",
    ),
    row(
        "`notfqdn`",
        "not a fully qualified host name",
        &["notfqdn"],
        "",
    ),
    row("`nohost`", "host not in this account", &["nohost"], ""),
    row(
        "`numhost`",
        "round-robin host, or too many hosts",
        &["numhost"],
        "",
    ),
    row(
        "`abuse`",
        "host blocked for update abuse (No-IP: the account)",
        &["abuse"],
        "",
    ),
    row(
        "`badagent`",
        "client blocked (user agent or method)",
        &["badagent"],
        "",
    ),
    row("`badsys`", "invalid `system` parameter", &["badsys"], ""),
    row(
        "`!yours`",
        "host belongs to another account",
        &["!yours"],
        "",
    ),
    row("`!active`", "domain not activated", &["!active"], ""),
    row("`dnserr`", "DNS error at the provider", &["dnserr"], ""),
    row(
        "`911` (or HTTP 5xx)",
        "provider outage or maintenance",
        &["911"],
        "",
    ),
    row(
        "`servererror`",
        "provider server error (Dynu)",
        &["servererror"],
        "",
    ),
    row(
        "`conflict A` / `conflict AAAA`",
        "a manual record clashes",
        &["conflict A"],
        "",
    ),
    row(
        "`wNNNs` / `wNNNm` / `wNNNh`",
        "wait as asked",
        &["w300s"],
        "",
    ),
    row(
        "`badrequest`",
        "provider found the request malformed",
        &["badrequest"],
        "",
    ),
    row(
        "`fatal` (Spdyn)",
        "the host was deactivated at the provider",
        &["fatal"],
        "",
    ),
    row(
        "HTTP 429",
        "too many requests (deSEC, IPv64)",
        &["ratelimit 60s"],
        "every policy at that server, its `Retry-After` (at most a day), 30 minutes without one",
    ),
    row(
        "a preset's or template's own answer (`OK`, `KO`, `addresses updated`, …)",
        "what its reply rule says it means (`dynward providers`, `replies`)",
        &[],
        "that code's decision, for every host of the request",
    ),
    row(
        "`good 127.0.0.1`",
        "the provider ignored the update: this client is refused",
        &["good 127.0.0.1"],
        "",
    ),
    row(
        "`good`/`nochg` with another address",
        "the provider recorded another address than the one sent",
        &["mismatch"],
        "",
    ),
    row(
        "HTTP 409 / 410 / 411 / 412 (selfHOST)",
        "unknown zone / inactive account / malformed / private address",
        &["http 409", "http 410", "http 411", "http 412"],
        "",
    ),
    row(
        "API: the record already has the address",
        "read through the provider's API; nothing written",
        &["current"],
        "",
    ),
    row(
        "API: token refused (HTTP 401/403, Cloudflare 9109/10000/6003)",
        "wrong, expired or malformed token, a missing permission, Porkbun's API access switch off",
        &["denied"],
        "every policy with that token; the provider's hint is logged",
    ),
    row(
        "API: no zone for the host",
        "no zone holds it, or the token cannot see it",
        &["nozone"],
        "",
    ),
    row(
        "API: change refused (a CNAME, several records, an invalid value)",
        "the record cannot be written as it is",
        &["refused"],
        "",
    ),
    row(
        "API: HTTP 5xx",
        "an error on the provider's side",
        &["unavailable 503"],
        "every policy at that API",
    ),
    row(
        "API: HTTP 429",
        "too many requests with this token",
        &["ratelimit 300s"],
        "every policy with that token, its `Retry-After` or reset header, 5 minutes without one",
    ),
    row(
        "API: not JSON, or an error dynward does not know",
        "a proxy's page, a new error",
        &["unreadable"],
        "",
    ),
    row(
        "DNS UPDATE: NOTAUTH with BADSIG or BADKEY",
        "a wrong secret, or a key (or algorithm) the server does not know",
        &["dns BADSIG", "dns BADKEY"],
        "every policy with that key at that server",
    ),
    row(
        "DNS UPDATE: NOTAUTH with BADTIME",
        "this machine's clock is off by more than 5 minutes",
        &["dns BADTIME"],
        "asks again every minute until the clock is right; after 30 minutes of it the host stops",
    ),
    row(
        "DNS UPDATE: success that does not verify (unsigned, or a wrong signature)",
        "it may be forged, so it is not believed",
        &["dns UNVERIFIED"],
        "",
    ),
    row(
        "DNS UPDATE: REFUSED",
        "the key may not update this name (the zone's update-policy)",
        &["dns REFUSED"],
        "",
    ),
    row(
        "DNS UPDATE: NOTAUTH, NOTZONE, NOTIMP",
        "another server or zone than the name's, or a server without UPDATE",
        &["dns NOTAUTH", "dns NOTZONE", "dns NOTIMP"],
        "",
    ),
    row(
        "DNS UPDATE: SERVFAIL",
        "the server failed (zone not loaded, journal not written)",
        &["dns SERVFAIL"],
        "every policy at that server",
    ),
    row(
        "DNS UPDATE: FORMERR, or a code not expected (NXDOMAIN, YXDOMAIN, YXRRSET, NXRRSET)",
        "the server could not read the update, or answered a prerequisite dynward does not send",
        &["dns FORMERR", "dns NXRRSET"],
        "",
    ),
    row(
        "empty, unknown, HTML without a code, other HTTP status",
        "the reply is shown as received",
        &["unknown", "noline", "http 404"],
        "",
    ),
];

impl AnswerRow {
    /// The decision column: the course of the row's codes in the code table's words (one
    /// for all when they agree, else each, in order), then what follows.
    pub fn decision(&self) -> String {
        let mut words: Vec<String> = self
            .codes
            .iter()
            .filter_map(|name| Code::from_name(name))
            .map(|c| c.course().words())
            .collect();
        if words.windows(2).all(|w| w[0] == w[1]) {
            words.truncate(1);
        }
        let course = words.join(" / ");
        match (course.is_empty(), self.more.is_empty()) {
            (true, _) => self.more.to_string(),
            (false, true) => course,
            (false, false) => format!("{course}: {}", self.more),
        }
    }
}

/// The exit statuses.
pub const EXIT_STATUS: &[Row] = &[
    (
        "0",
        "All fine: every host ended `good`, `nochg` or up-to-date (`once`); the config is valid (`check`); the daemon runs and nothing is stopped (`status`).",
    ),
    (
        "1",
        "A host was not updated (`once`), the config is invalid (`check`, `reload`), a policy or host is stopped and needs you (`status`), or something could not be carried over (`import`).",
    ),
    (
        "2",
        "Usage error (an unknown policy or host), or the state file cannot be read or written (then `once` sends nothing: an update that cannot be remembered would be re-sent later as abuse).",
    ),
    (
        "3",
        "`status` only: no daemon is running, and the state file records no stop.",
    ),
];

/// The files dynward reads and writes.
pub const FILES: &[Row] = &[
    (
        "/etc/dynward/dynward.toml",
        "The config (`--config` or `$DYNWARD_CONFIG` name another).",
    ),
    (
        "/var/lib/dynward/state.json",
        "What each provider accepted, stops, holds and back-offs (mode 0600, written atomically); in `state_dir` or `$STATE_DIRECTORY`.",
    ),
    (
        "/var/lib/dynward/fingerprint.key",
        "The random key the config fingerprints in the state file are made with (mode 0600), so that the state file cannot be used to test password guesses.",
    ),
    (
        "/var/lib/dynward/control.sock",
        "The running daemon's socket for `status`, `reset` and `reload` (mode 0600).",
    ),
    (
        "/var/lib/dynward/state.json.bad-TIME",
        "A state file that could not be read, kept aside as it was.",
    ),
];

/// The signals the daemon answers.
pub const SIGNALS: &[Row] = &[
    (
        "SIGHUP",
        "Re-read the config. A broken file is logged with every problem and the running config stays; policies whose config did not change keep their state and timers.",
    ),
    (
        "SIGTERM, SIGINT",
        "Stop within a few seconds: a request in flight gets up to 3 s, then the state is saved.",
    ),
];

/// The environment dynward reads, and what hooks are given.
pub const ENVIRONMENT: &[Row] = &[
    (
        "DYNWARD_CONFIG",
        "The config file, when `--config` is not given.",
    ),
    (
        "DYNWARD_LOG",
        "The log level outright: `error`, `warn`, `info`, `debug` or `trace`.",
    ),
    (
        "STATE_DIRECTORY",
        "The state directory (set by systemd's `StateDirectory=`); wins over `state_dir`.",
    ),
    (
        "CREDENTIALS_DIRECTORY",
        "Where a policy without a password finds it: the credential named after the policy (systemd's `LoadCredential=`).",
    ),
    (
        "DYNWARD_RESOLV_CONF",
        "The file whose `nameserver` lines name the resolvers that find a zone's authoritative servers for `verify_for`, `verify_every` and `once --verify` (default `/etc/resolv.conf`).",
    ),
    (
        "DYNWARD_SYSLOG_SOCKET",
        "The socket `run --syslog` sends to (default `/dev/log`).",
    ),
    (
        "TZ",
        "The zone times are shown in (else `/etc/localtime`, else OpenWrt's `/etc/TZ`, else UTC).",
    ),
    (
        "DYNWARD_POLICY, DYNWARD_HOSTS, DYNWARD_ADDRESS, DYNWARD_STATE, DYNWARD_CODE, DYNWARD_MESSAGE, DYNWARD_EVENT",
        "What a hook is given, with `PATH` and nothing else: the policy, the hosts (comma-separated), the address sent, the policy's state, the code, its explanation, and `change`, `error` or `not-served` (the zone's servers do not serve what the provider accepted; `on_error` runs).",
    ),
];

/// A two-column Markdown table; the first column as inline code.
pub fn markdown(head: (&str, &str), rows: &[Row]) -> String {
    let mut out = format!("| {} | {} |\n|---|---|\n", head.0, head.1);
    for (what, means) in rows {
        out.push_str(&format!("| {} | {means} |\n", code_list(what)));
    }
    out
}

/// One preset as `dynward providers` and the README show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PresetRow {
    /// `provider = "…"`.
    pub name: &'static str,
    /// Its update endpoint.
    pub server: &'static str,
    /// How IPv4 and IPv6 travel.
    pub families: String,
    /// Hosts one request carries at most.
    pub hosts_per_request: usize,
    /// Whether it offers plain HTTP only.
    pub plain_http: bool,
    /// How its answers are read: its reply rules in order, then dyndns2 codes or not.
    pub answers: String,
    /// What to know about it.
    pub notes: &'static str,
}

/// How a dialect sends IPv4 and IPv6, in words.
fn families_text(d: &crate::protocol::dyndns2::Dialect) -> String {
    use crate::protocol::dyndns2::FamilyMode;
    if !d.ipv6 {
        return "IPv4 only".into();
    }
    if d.one_family {
        return "one family per policy".into();
    }
    match d.family {
        FamilyMode::Combined => "one request, `myip=v4,v6`".into(),
        FamilyMode::MyipV6 => format!("one request, `{}` and `{}`", d.shape.v4, d.shape.v6),
        FamilyMode::Separate => "one request per family".into(),
    }
}

/// How a dialect reads answers, in words.
fn answers_text(d: &crate::protocol::dyndns2::Dialect) -> String {
    let mut parts: Vec<String> = d
        .rules
        .iter()
        .map(|r| match (r.status, r.contains.as_str()) {
            (Some(s), "") => format!("HTTP {s} = {}", r.means),
            (Some(s), w) => format!("HTTP {s} with \"{w}\" = {}", r.means),
            (None, w) => format!("\"{w}\" = {}", r.means),
        })
        .collect();
    if d.empty_is_good {
        parts.push("HTTP 2xx with an empty body = good".into());
    }
    if d.words {
        parts.push(if d.status_codes {
            "dyndns2 codes and HTTP status codes".into()
        } else {
            "dyndns2 codes".into()
        });
    } else {
        parts.push("else by HTTP status".into());
    }
    parts.join(", ")
}

/// Every preset, in the order `provider` lists them.
pub fn presets() -> Vec<PresetRow> {
    crate::provider::ALL
        .iter()
        .map(|(name, p)| {
            let d = p.dialect();
            if p.api().is_some() {
                return PresetRow {
                    name,
                    server: p.server(),
                    families: "a read, then at most one write, per host and family".into(),
                    hosts_per_request: 1,
                    plain_http: false,
                    answers: "the API's JSON (the API rows of the answers table)".into(),
                    notes: p.notes(),
                };
            }
            PresetRow {
                name,
                server: p.server(),
                families: families_text(&d),
                hosts_per_request: d.max_hosts,
                plain_http: p.server().starts_with("http://"),
                answers: answers_text(&d),
                notes: p.notes(),
            }
        })
        .collect()
}

/// The presets table in Markdown (README "Providers").
pub fn markdown_presets() -> String {
    let mut out = "| provider | update endpoint | IPv4 + IPv6 | hosts per request | answers | notes |\n|---|---|---|---|---|---|\n".to_string();
    for p in presets() {
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} | {} |\n",
            p.name, p.server, p.families, p.hosts_per_request, p.answers, p.notes
        ));
    }
    out
}

/// The presets as `dynward providers` prints them.
pub fn text_presets() -> String {
    let rows = presets();
    let width = rows.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for p in rows {
        out.push_str(&format!(
            "{:width$}  {}\n{:width$}  IPv4 + IPv6: {}; at most {} host{} per request\n{:width$}  answers: {}\n{:width$}  {}\n",
            p.name,
            p.server,
            "",
            p.families.replace('`', ""),
            p.hosts_per_request,
            if p.hosts_per_request == 1 { "" } else { "s" },
            "",
            p.answers,
            "",
            p.notes
        ));
    }
    out.push_str("Any other dyndns2 service: server = \"https://…/nic/update\"; a preset at another endpoint: provider with server; another answer format: url with replies.\n");
    out
}

/// The answers table in Markdown (its cells are Markdown already).
pub fn markdown_answers() -> String {
    let mut out = "| code | what dynward tells you | decision |\n|---|---|---|\n".to_string();
    for r in ANSWERS {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            r.answers,
            r.tells,
            r.decision()
        ));
    }
    out
}

/// The key table in Markdown: key and default as inline code.
pub fn markdown_keys(keys: &[Key]) -> String {
    let mut out = "| key | default | meaning |\n|---|---|---|\n".to_string();
    for (key, default, means) in keys {
        let default = match *default {
            "required" | "one of three" | "one of two" | "one of them" | "none" | "-"
            | "top level's" => default.to_string(),
            d if d.starts_with("preset, else ") => {
                format!("preset, else `{}`", &d["preset, else ".len()..])
            }
            d => code_list(d),
        };
        out.push_str(&format!("| {} | {default} | {means} |\n", code_list(key)));
    }
    out
}

/// `a, b / c` as `` `a`, `b` / `c` ``.
fn code_list(s: &str) -> String {
    if s.starts_with("[[") || s.chars().all(|c| c.is_ascii_digit()) {
        return format!("`{s}`");
    }
    s.split(", ")
        .map(|part| {
            part.split(" / ")
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text for roff: backslashes and hyphens escaped, `code` in bold, `**x**` in bold.
fn roff(s: &str) -> String {
    let mut out = String::new();
    let mut bold = false;
    let text = s.replace("**", "`");
    for c in text.chars() {
        match c {
            '`' => {
                out.push_str(if bold { "\\fR" } else { "\\fB" });
                bold = !bold;
            }
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            c => out.push(c),
        }
    }
    // A line may not start with a control character.
    if out.starts_with('.') || out.starts_with('\'') {
        out.insert_str(0, "\\&");
    }
    out
}

/// A `.TP` list: each row's first column in bold, its meaning below.
fn roff_list(rows: &[Row]) -> String {
    let mut out = String::new();
    for (what, means) in rows {
        out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(what), roff(means)));
    }
    out
}

/// The synopsis of a subcommand: `dynward once [--dry-run] [--force] [--verify] [POLICY]...`.
fn synopsis(cmd: &crate::cli::Sub) -> String {
    let mut parts = vec![format!("\\fBdynward {}\\fR", cmd.name)];
    for a in cmd.args {
        let value = a.value.unwrap_or("ARG");
        let one = match a.long {
            Some(long) if a.value.is_some() => {
                format!("\\fB\\-\\-{}\\fR \\fI{value}\\fR", roff(long))
            }
            Some(long) => format!("\\fB\\-\\-{}\\fR", roff(long)),
            None => format!("\\fI{value}\\fR"),
        };
        let one = if a.required { one } else { format!("[{one}]") };
        parts.push(if a.many { format!("{one}...") } else { one });
    }
    parts.join(" ")
}

/// The man page dynward(1), in roff: the complete reference.
pub fn man_page() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let mut m = format!(
        ".TH DYNWARD 1 \"\" \"dynward {version}\" \"User Commands\"\n.SH NAME\ndynward \\- event\\-driven dynamic\\-DNS (dyndns2) update client for Linux routers and servers\n"
    );
    m.push_str(".SH SYNOPSIS\n\\fBdynward\\fR [\\fB\\-c\\fR \\fIPATH\\fR] [\\fB\\-v\\fR...] \\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n");
    m.push_str(&format!(".SH DESCRIPTION\n{}\n", roff(DESCRIPTION)));
    m.push_str(".SH OPTIONS\n");
    for a in crate::cli::GLOBAL {
        let Some(long) = a.long else { continue };
        let short = a
            .short
            .map(|s| format!("\\fB\\-{s}\\fR, "))
            .unwrap_or_default();
        let value = a.value.map(|v| format!(" \\fI{v}\\fR")).unwrap_or_default();
        m.push_str(&format!(
            ".TP\n{short}\\fB\\-\\-{}\\fR{value}\n{}\n",
            roff(long),
            roff(a.help)
        ));
    }
    m.push_str(".SH COMMANDS\n");
    for sub in crate::cli::COMMANDS {
        m.push_str(&format!(".TP\n{}\n{}\n", synopsis(sub), roff(sub.about)));
        let name = format!("dynward {}", sub.name);
        for (usage, what) in COMMANDS
            .iter()
            .filter(|(u, _)| *u == name || u.starts_with(&format!("{name} ")))
        {
            // The command's own row reads as its description; a variant (`once --force`)
            // is named.
            let variant = usage.contains(" --") && !usage.contains('[');
            if variant {
                m.push_str(&format!(".IP\n\\fB{}\\fR: {}\n", roff(usage), roff(what)));
            } else {
                m.push_str(&format!(".IP\n{}\n", roff(what)));
            }
        }
        for a in sub.args {
            let name = match a.long {
                Some(l) => format!("\\fB\\-\\-{}\\fR", roff(l)),
                None => format!("\\fI{}\\fR", a.value.unwrap_or_default()),
            };
            m.push_str(&format!(".RS\n.TP\n{name}\n{}\n.RE\n", roff(a.help)));
        }
    }
    m.push_str(&format!(
        ".SH CONFIGURATION\n{}\n",
        roff("TOML; unknown keys are errors, and `dynward check` lists every problem with its line. Durations are strings with a unit: \"30s\", \"10m\", \"2h\", \"25d\" (sums like \"1h30m\" work). The example `/etc/dynward/dynward.toml` is commented throughout.")
    ));
    m.push_str(".SS Top level\n");
    m.push_str(&roff_keys(TOP));
    m.push_str(".SS Each [[policy]]\n");
    m.push_str(&roff_keys(POLICY));
    m.push_str(".SH ANSWERS\nWhat each answer of the provider means (read per host, in the order the hosts were sent) and what dynward does about it.\n");
    for r in ANSWERS {
        m.push_str(&format!(
            ".TP\n{}\n{}: {}\n",
            roff(r.answers),
            roff(r.tells),
            roff(&r.decision())
        ));
    }
    m.push_str(".SH STATES\n");
    m.push_str(&roff_list(STATES));
    m.push_str(".SH FILES\n");
    m.push_str(&roff_list(FILES));
    m.push_str(".SH SIGNALS\n");
    m.push_str(&roff_list(SIGNALS));
    m.push_str(".SH ENVIRONMENT\n");
    m.push_str(&roff_list(ENVIRONMENT));
    m.push_str(".SH EXIT STATUS\n");
    m.push_str(&roff_list(EXIT_STATUS));
    m.push_str(".SH EXAMPLES\n.nf\n");
    for line in crate::cli::EXAMPLES.lines().skip(1) {
        if line.is_empty() {
            break;
        }
        m.push_str(&roff(line));
        m.push('\n');
    }
    m.push_str(".fi\n");
    m.push_str(".SH SEE ALSO\n\\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1), \\fBsystemd.exec\\fR(5), \\fBsystemd.service\\fR(5); \\fI/usr/share/doc/dynward/README.md\\fR\n");
    m
}

/// The keys as a `.TP` list with their defaults.
fn roff_keys(keys: &[Key]) -> String {
    let mut out = String::new();
    for (key, default, means) in keys {
        let default = match *default {
            "-" => String::new(),
            d @ ("required" | "one of three" | "one of two" | "one of them") => format!(" ({d})"),
            d => format!(" (default: {})", roff(d)),
        };
        out.push_str(&format!(
            ".TP\n\\fB{}\\fR{default}\n{}\n",
            roff(key),
            roff(means)
        ));
    }
    out
}

/// What dynward is, for the man page.
const DESCRIPTION: &str = "dynward keeps DNS names pointing at a router's or server's changing address with the dyndns2 protocol and its dialects (Dyn, No-IP, Dynu, OVH, Strato, selfHOST, DNS-O-Matic, Hurricane Electric, ChangeIP, 3322, Oray, INWX, easyDNS, ZoneEdit, Loopia, Njalla, DuckDNS, deSEC and compatible servers) and the DNS hosts' own APIs (Cloudflare, Porkbun, Hetzner, DigitalOcean, Gandi, IONOS). It learns of address changes from netlink without polling, remembers what each provider accepted across restarts so that it never re-sends an unchanged address, and never retries after a fatal answer until the config changes or `dynward reset` is run. Each configured policy is one account at one provider with its hosts and its address source.";

#[cfg(test)]
mod tests {
    use super::*;

    fn readme() -> &'static str {
        include_str!("../README.md")
    }

    /// The README's reference tables are exactly these tables.
    #[test]
    fn readme_tables_are_the_reference() {
        for (what, table) in [
            ("commands", markdown(("command", "what it does"), COMMANDS)),
            ("states", markdown(("state", "meaning"), STATES)),
            ("top-level keys", markdown_keys(TOP)),
            ("policy keys", markdown_keys(POLICY)),
            ("exit statuses", markdown(("exit", "meaning"), EXIT_STATUS)),
            ("answers", markdown_answers()),
            ("providers", markdown_presets()),
        ] {
            assert!(
                readme().contains(&table),
                "the README's {what} table differs from src/docs.rs; it should read:\n{table}"
            );
        }
    }

    /// The answers table covers every code dynward reads, each row's names are codes, and
    /// its decision column is the code table's (so the README and the man page say what
    /// `decide` does: the code table's own tests hold its words to the decisions).
    #[test]
    fn the_answers_table_is_the_code_table() {
        let named: Vec<Code> = ANSWERS
            .iter()
            .flat_map(|r| r.codes.iter())
            .map(|n| Code::from_name(n).unwrap_or_else(|| panic!("{n} is no code name")))
            .collect();
        for c in crate::protocol::code::every_code() {
            assert!(
                named.iter().any(|n| {
                    std::mem::discriminant(&n.course()) == std::mem::discriminant(&c.course())
                        && n.name().split(' ').next() == c.name().split(' ').next()
                }),
                "{c:?} has no row in the answers table"
            );
        }
        let row = |a: &str| ANSWERS.iter().find(|r| r.answers == a).expect("row");
        assert_eq!(row("`dnserr`").decision(), Code::DnsErr.course().words());
        assert_eq!(
            row("HTTP 409 / 410 / 411 / 412 (selfHOST)").decision(),
            "stop host / stop account / stop client / stop host"
        );
    }

    /// The man page has every section, the synopsis of `once` takes several policies, and
    /// it names no page that is not shipped.
    #[test]
    fn the_man_page_has_every_section_and_names_no_page_not_shipped() {
        let m = man_page();
        for s in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "COMMANDS",
            "CONFIGURATION",
            "STATES",
            "FILES",
            "SIGNALS",
            "ENVIRONMENT",
            "EXIT STATUS",
            "ANSWERS",
            "EXAMPLES",
            "SEE ALSO",
        ] {
            assert!(m.contains(&format!(".SH {s}\n")), "no {s}");
        }
        assert!(m.contains("\\fIPOLICY\\fR]..."), "{m}");
        assert!(!m.contains("dynward\\-check(1)") && !m.contains("dynward-once(1)"));
    }
}
