//! dynward's answer vocabulary: what a provider said about one host, whatever the protocol
//! that carried it, and the one table that gives each code its name, its words, the course
//! it sets (the decision) and what the user can do (protocol reference section 5).
//!
//! A code is stored and passed as this type, written by its name in the state file
//! ([`Code::name`], read back with [`Code::from_name`]); the words are chosen from the type,
//! never from recorded text.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use crate::duration;
use crate::protocol::transport::NetKind;

/// The hold after a provider-side error (`dnserr`, `911`, HTTP 5xx), the first time.
pub const OUTAGE_HOLD: Duration = Duration::from_secs(30 * 60);
/// The same hold when the previous answer was one too.
pub const OUTAGE_HOLD_REPEAT: Duration = Duration::from_secs(60 * 60);
/// The hold after an answer dynward cannot read.
pub const UNREADABLE_HOLD: Duration = OUTAGE_HOLD;
/// Unreadable answers in a row after which the host stops.
pub const UNREADABLE_LIMIT: u32 = 3;
/// Unexpected `nochg` answers for a host, within the refresh interval, that stop it.
pub const NOCHG_LIMIT: u32 = 2;
/// The longest wait an HTTP 429 is taken for; a longer `Retry-After` is cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A provider's answer for one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// `good`: the record now holds the address.
    Good,
    /// `nochg`: accepted, nothing changed (counts toward abuse when repeated).
    Nochg,
    /// `badauth`: bad user name or password.
    Badauth,
    /// `!donator`: an option needs a paid account.
    NotDonator,
    /// `notfqdn`: not a fully qualified host name.
    NotFqdn,
    /// `nohost`: host not in this account.
    NoHost,
    /// `numhost`: too many hosts, or a round-robin host.
    NumHost,
    /// `abuse`: blocked for update abuse.
    Abuse,
    /// `badagent`: user agent blocked, or method refused.
    BadAgent,
    /// `badsys`: invalid `system` parameter.
    BadSys,
    /// `!yours`: host belongs to another account.
    NotYours,
    /// `!active`: custom-DNS domain not activated.
    NotActive,
    /// `dnserr`: DNS error at the provider.
    DnsErr,
    /// `911`: provider outage or maintenance.
    Outage,
    /// `servererror` (Dynu): server error.
    ServerError,
    /// `conflict A` / `conflict AAAA`: a manual record clashes.
    Conflict(String),
    /// `wNNN[smh]`: wait this long.
    Wait(Duration),
    /// `badrequest`: the provider found the request malformed.
    BadRequest,
    /// `fatal` (Spdyn): the host was deactivated at the provider.
    Fatal,
    /// HTTP 429: too many requests; wait this long (its `Retry-After`, or half an hour).
    RateLimited(Duration),
    /// `good 127.0.0.1` although 127.0.0.1 was not sent: the client is blocked.
    Refused127,
    /// `good`/`nochg` naming other addresses than those sent.
    Mismatch(Vec<IpAddr>),
    /// An HTTP status with no code in the body.
    Http(u16),
    /// The reply had fewer lines than hosts: no answer for this host.
    NoLine,
    /// An empty, unknown or unparseable answer (the text, cut short).
    Unknown(String),
    /// An API provider's record already held the address: read, nothing written.
    Current,
    /// An API refused the credential or its permission (its message, with a hint).
    Denied(String),
    /// An API shows no zone for the host: none exists, or the credential cannot see it.
    NoZone(String),
    /// An API refused this record's change (another record holds the name, several
    /// records, a name or value it finds invalid): its message.
    Refused(String),
    /// An API answered with an error on its side (HTTP 5xx, maintenance).
    Unavailable(u16),
    /// An API's answer dynward cannot read (not JSON, or an error it does not know).
    Unreadable(String),
    /// A DNS server's answer to an UPDATE that is not success: its response code and its
    /// TSIG error (RFC 2136, RFC 8945; reference section 4.2's table).
    Dns(u8, u16),
}

/// DNS response codes and TSIG errors by their names (RFC 1035, 2136, 8945).
const DNS_NAMES: [(u8, u16, &str); 14] = [
    (0, 0, "UNVERIFIED"),
    (1, 0, "FORMERR"),
    (2, 0, "SERVFAIL"),
    (3, 0, "NXDOMAIN"),
    (4, 0, "NOTIMP"),
    (5, 0, "REFUSED"),
    (6, 0, "YXDOMAIN"),
    (7, 0, "YXRRSET"),
    (8, 0, "NXRRSET"),
    (9, 0, "NOTAUTH"),
    (10, 0, "NOTZONE"),
    (9, 16, "BADSIG"),
    (9, 17, "BADKEY"),
    (9, 18, "BADTIME"),
];

/// A DNS code's name: `REFUSED`, `BADSIG`, or `rcode 11`, `tsig 22` for others.
pub fn dns_name(rcode: u8, tsig: u16) -> String {
    match DNS_NAMES.iter().find(|(r, t, _)| *r == rcode && *t == tsig) {
        Some((.., n)) => (*n).into(),
        None if tsig != 0 => format!("tsig {tsig}"),
        None => format!("rcode {rcode}"),
    }
}

/// How long a clock refused by the server (BADTIME) holds before the next try: a router
/// without a battery-backed clock gets the time from NTP soon after it starts.
pub const BADTIME_HOLD: Duration = Duration::from_secs(60);

/// After refusing the clock (BADTIME) this long, the server stops the host: a clock not set
/// within half an hour of the first refusal needs the user.
pub const BADTIME_LIMIT: Duration = Duration::from_secs(30 * 60);

/// How long a DNS success that does not verify (unsigned, or its signature wrong: it may be
/// forged) holds before the update is sent again; the third in a row stops the host.
pub const UNVERIFIED_HOLD: Duration = Duration::from_secs(60);

/// The course an answer sets, before the host's history is taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Course {
    /// The provider has the address: record it, carry on.
    Success,
    /// The provider already had it: carry on, but a repeat the user did not ask for is
    /// counted, and [`NOCHG_LIMIT`] of them stop the host (unless the provider counts none).
    Unchanged,
    /// Stop until the user acts, for this scope.
    Stop(Scope),
    /// `abuse`: the host stops, or the account where the provider blocks accounts (No-IP).
    Abuse,
    /// An error on the provider's side: hold [`OUTAGE_HOLD`], [`OUTAGE_HOLD_REPEAT`] after
    /// one before it; every policy at the server holds.
    ProviderError,
    /// The provider asked for this wait; every policy at the server holds.
    Wait(Duration),
    /// Not an answer dynward can read (or believe): hold this long ([`UNREADABLE_HOLD`],
    /// or [`UNVERIFIED_HOLD`] for a DNS success that does not verify); the
    /// [`UNREADABLE_LIMIT`]-th in a row stops the host.
    Unreadable(Duration),
}

impl Course {
    /// The course in words, as the README's and the man page's answers tables say it
    /// (a wait says "for that time": its length is the answer's own).
    pub fn words(self) -> String {
        match self {
            Course::Success => "continue".into(),
            Course::Unchanged => format!(
                "continue, with a warning; a {} unexpected `nochg` for the host stops it",
                ordinal(NOCHG_LIMIT)
            ),
            Course::Stop(s) => Decision::for_scope(s).to_string(),
            Course::Abuse => "stop host (account for No-IP); only the provider can lift it".into(),
            Course::ProviderError => format!("hold {}", outage_holds(", ")),
            Course::Wait(_) => "hold for that time".into(),
            Course::Unreadable(hold) => format!(
                "hold {}; the {} in a row stops the host",
                duration::words(hold),
                ordinal(UNREADABLE_LIMIT)
            ),
        }
    }
}

/// The provider-error holds in words, "30 minutes, 60 on repeat" (or with " (" between:
/// "30 minutes (60 on repeat)").
fn outage_holds(between: &str) -> String {
    let close = if between.contains('(') { ")" } else { "" };
    format!(
        "{}{between}{} on repeat{close}",
        duration::words(OUTAGE_HOLD),
        OUTAGE_HOLD_REPEAT.as_secs() / 60
    )
}

/// "second", "third", … for the small counts the rules use.
fn ordinal(n: u32) -> &'static str {
    match n {
        1 => "first",
        2 => "second",
        3 => "third",
        4 => "fourth",
        _ => "next",
    }
}

/// What the user can do about a code, rendered with the policy's commands by
/// [`Code::user_action`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fix {
    Nothing,
    Nochg,
    Credentials,
    PaidOption,
    NotFqdn,
    HostName,
    RoundRobin,
    Abuse,
    Client,
    Setting,
    ActivateDomain,
    ReactivateHost,
    WaitAsked,
    WaitOutage,
    ManualRecord,
    Source,
    HostOrSource,
    ReactivateAccount,
    Unreadable,
    Token,
    Zone,
    Record,
    Clock,
    Grant,
    DnsServer,
}

/// Whether a provider says the code (a reply word, a reply rule may mean it) or dynward
/// infers it from the reply (and no rule may name it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Said {
    /// A word of the protocol, about the host it answers for.
    Word,
    /// A word of the protocol about the whole request: it answers for every host of it.
    RequestWord,
    /// Inferred by dynward.
    Inferred,
}

/// One row of the code table.
struct Row {
    name: Cow<'static, str>,
    words: String,
    course: Course,
    fix: Fix,
    said: Said,
}

/// The codes without data, in the reference's order: the names read back from them.
const PLAIN: [Code; 17] = [
    Code::Good,
    Code::Nochg,
    Code::Badauth,
    Code::NotDonator,
    Code::NotFqdn,
    Code::NoHost,
    Code::NumHost,
    Code::Abuse,
    Code::BadAgent,
    Code::BadSys,
    Code::NotYours,
    Code::NotActive,
    Code::DnsErr,
    Code::Outage,
    Code::ServerError,
    Code::BadRequest,
    Code::Fatal,
];

impl Code {
    /// The code table: each code's name, words, course, fix and who says it, one row each.
    fn row(&self) -> Row {
        use Course::*;
        use Said::*;
        let row = |name: &'static str, words: &str, course, fix, said| Row {
            name: name.into(),
            words: words.into(),
            course,
            fix,
            said,
        };
        match self {
            Code::Good => row(
                "good",
                "the provider updated the record to the address sent",
                Success,
                Fix::Nothing,
                Word,
            ),
            Code::Nochg => row(
                "nochg",
                "the provider already had this address; repeated unchanged updates count as abuse",
                Unchanged,
                Fix::Nochg,
                Word,
            ),
            Code::Badauth => row(
                "badauth",
                "the provider rejected the user name or password (badauth)",
                Stop(Scope::Account),
                Fix::Credentials,
                RequestWord,
            ),
            Code::NotDonator => row(
                "!donator",
                "the request used an option that needs a paid account (!donator)",
                Stop(Scope::Account),
                Fix::PaidOption,
                RequestWord,
            ),
            Code::NotFqdn => row(
                "notfqdn",
                "the provider says this is not a fully qualified host name (notfqdn)",
                Stop(Scope::Host),
                Fix::NotFqdn,
                Word,
            ),
            Code::NoHost => row(
                "nohost",
                "this host does not exist in this account (nohost)",
                Stop(Scope::Host),
                Fix::HostName,
                Word,
            ),
            Code::NumHost => row(
                "numhost",
                "the provider refused the number of hosts, or the host is a round-robin record (numhost)",
                Stop(Scope::Host),
                Fix::RoundRobin,
                Word,
            ),
            Code::Abuse => row(
                "abuse",
                "the provider blocked this host for update abuse (abuse)",
                Abuse,
                Fix::Abuse,
                Word,
            ),
            Code::BadAgent => row(
                "badagent",
                "the provider blocked this client's user agent or request method (badagent)",
                Stop(Scope::Server),
                Fix::Client,
                RequestWord,
            ),
            Code::BadSys => row(
                "badsys",
                "the provider rejected the system parameter (badsys)",
                Stop(Scope::Server),
                Fix::Setting,
                RequestWord,
            ),
            Code::NotYours => row(
                "!yours",
                "this host belongs to another account (!yours)",
                Stop(Scope::Host),
                Fix::HostName,
                Word,
            ),
            Code::NotActive => row(
                "!active",
                "the host's domain is not activated at the provider (!active)",
                Stop(Scope::Host),
                Fix::ActivateDomain,
                Word,
            ),
            Code::DnsErr => row(
                "dnserr",
                "the provider had a DNS error on its side (dnserr)",
                ProviderError,
                Fix::WaitOutage,
                RequestWord,
            ),
            Code::Outage => row(
                "911",
                "the provider reports an outage or maintenance (911)",
                ProviderError,
                Fix::WaitOutage,
                RequestWord,
            ),
            Code::ServerError => row(
                "servererror",
                "the provider reports a server error (servererror)",
                ProviderError,
                Fix::WaitOutage,
                RequestWord,
            ),
            Code::Conflict(r) => Row {
                name: format!("conflict {r}").into(),
                words: format!(
                    "a manual {r} record at the provider clashes with the dynamic one (conflict)"
                ),
                course: Stop(Scope::Host),
                fix: Fix::ManualRecord,
                said: Word,
            },
            Code::Wait(d) => Row {
                name: format!("w{}s", d.as_secs()).into(),
                words: format!(
                    "the provider asks to wait {} before the next update",
                    duration::format(*d)
                ),
                course: Wait(*d),
                fix: Fix::WaitAsked,
                said: Word,
            },
            Code::BadRequest => row(
                "badrequest",
                "the provider found the request malformed (badrequest)",
                Stop(Scope::Server),
                Fix::Setting,
                RequestWord,
            ),
            Code::Fatal => row(
                "fatal",
                "the provider says the host was deactivated (fatal)",
                Stop(Scope::Host),
                Fix::ReactivateHost,
                Word,
            ),
            Code::RateLimited(d) => Row {
                name: format!("ratelimit {}s", d.as_secs()).into(),
                words: format!(
                    "the provider refused the request as one too many (HTTP 429) and asks to wait {}",
                    duration::format(*d)
                ),
                course: Wait(*d),
                fix: Fix::WaitAsked,
                said: Inferred,
            },
            Code::Refused127 => row(
                "good 127.0.0.1",
                "the provider ignored the update and answered 127.0.0.1: it is refusing this client",
                Stop(Scope::Server),
                Fix::Client,
                Inferred,
            ),
            Code::Mismatch(got) => Row {
                name: "mismatch".into(),
                words: format!(
                    "the provider answered with {} instead of the address sent",
                    got.iter()
                        .map(|a| a.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                course: Stop(Scope::Host),
                fix: Fix::Source,
                said: Inferred,
            },
            Code::Http(s) => http_row(*s),
            Code::NoLine => row(
                "noline",
                "the reply had no line for this host",
                Unreadable(UNREADABLE_HOLD),
                Fix::Unreadable,
                Inferred,
            ),
            Code::Unknown(t) => Row {
                name: "unknown".into(),
                words: if t.is_empty() {
                    "the server's reply was empty".into()
                } else {
                    format!("the server's reply is not a dyndns2 code: \"{t}\"")
                },
                course: Unreadable(UNREADABLE_HOLD),
                fix: Fix::Unreadable,
                said: Inferred,
            },
            Code::Current => row(
                "current",
                "the record already holds the address (read through the provider's API; nothing written)",
                Success,
                Fix::Nothing,
                Inferred,
            ),
            Code::Denied(m) => Row {
                name: "denied".into(),
                words: with_detail("the API refused the credential or its permission", m),
                course: Stop(Scope::Account),
                fix: Fix::Token,
                said: Inferred,
            },
            Code::NoZone(m) => Row {
                name: "nozone".into(),
                words: with_detail(
                    "the API shows no zone for this host (none exists, or the credential cannot see it)",
                    m,
                ),
                course: Stop(Scope::Host),
                fix: Fix::Zone,
                said: Inferred,
            },
            Code::Refused(m) => Row {
                name: "refused".into(),
                words: with_detail("the API refused the record's change", m),
                course: Stop(Scope::Host),
                fix: Fix::Record,
                said: Inferred,
            },
            Code::Unavailable(s) => Row {
                name: format!("unavailable {s}").into(),
                words: format!("the API answered HTTP {s}: an error on the provider's side"),
                course: ProviderError,
                fix: Fix::WaitOutage,
                said: Inferred,
            },
            Code::Unreadable(t) => Row {
                name: "unreadable".into(),
                words: with_detail("the API's answer is not one dynward can read", t),
                course: Unreadable(UNREADABLE_HOLD),
                fix: Fix::Unreadable,
                said: Inferred,
            },
            Code::Dns(r, t) => dns_row(*r, *t),
        }
    }

    /// The short name used in logs, status and the state file.
    pub fn name(&self) -> String {
        self.row().name.into_owned()
    }

    /// What happened, in words for the user.
    pub fn explanation(&self) -> String {
        self.row().words
    }

    /// The course the code sets.
    pub fn course(&self) -> Course {
        self.row().course
    }

    /// Whether the provider asked for the wait itself (`wNNN`, an HTTP 429), rather than
    /// dynward holding after its error.
    pub fn is_asked_wait(&self) -> bool {
        matches!(self.course(), Course::Wait(_))
    }

    /// Whether the code is a success (the provider holds the address).
    pub fn is_success(&self) -> bool {
        matches!(self.course(), Course::Success | Course::Unchanged)
    }

    /// Whether the code answers for the whole request rather than one host.
    pub fn is_request_wide(&self) -> bool {
        self.row().said == Said::RequestWord
    }

    /// Whether the code counts toward the "unreadable reply" streak.
    pub fn is_unreadable(&self) -> bool {
        matches!(self.course(), Course::Unreadable(_))
    }

    /// Whether the code is a provider-side error hold (dnserr, 911, servererror, HTTP 5xx).
    pub fn is_outage(&self) -> bool {
        self.course() == Course::ProviderError
    }

    /// The code a protocol word names (`good`, `!donator`, `911`, …): one a provider says,
    /// written as [`Code::name`] writes it. Words that carry a value (`conflict A`, `w5m`)
    /// are the reader's.
    pub fn said(word: &str) -> Option<Code> {
        PLAIN.into_iter().find(|c| c.name() == word)
    }

    /// The code a reply rule's `means` names: a code a provider answers (`good`,
    /// `badauth`, `w5m`, `fatal`, …), not one dynward infers (mismatch, no line, unknown, an
    /// HTTP status, a rate limit) nor a conflict (its record type is the reply's).
    pub fn for_rule(name: &str) -> Option<Code> {
        Code::said(name).or_else(|| wait(name).map(Code::Wait))
    }

    /// The code a recorded name stands for ([`Code::name`] backwards). Codes that carry
    /// text get it empty (their words were recorded beside them).
    pub fn from_name(name: &str) -> Option<Code> {
        if let Some(c) = Code::said(name) {
            return Some(c);
        }
        let secs = |s: &str| s.strip_suffix('s')?.parse().ok().map(Duration::from_secs);
        if let Some(r) = name.strip_prefix("conflict ") {
            return Some(Code::Conflict(r.to_string()));
        }
        if let Some(n) = name.strip_prefix("ratelimit ") {
            return secs(n).map(Code::RateLimited);
        }
        if let Some(s) = name.strip_prefix("http ") {
            return s.parse().ok().map(Code::Http);
        }
        if let Some(s) = name.strip_prefix("unavailable ") {
            return s.parse().ok().map(Code::Unavailable);
        }
        if let Some(s) = name.strip_prefix("dns ") {
            if let Some((r, t, _)) = DNS_NAMES.iter().find(|(.., n)| *n == s) {
                return Some(Code::Dns(*r, *t));
            }
            if let Some(t) = s.strip_prefix("tsig ") {
                return t.parse().ok().map(|t| Code::Dns(9, t));
            }
            return s
                .strip_prefix("rcode ")?
                .parse()
                .ok()
                .map(|r| Code::Dns(r, 0));
        }
        match name {
            "good 127.0.0.1" => Some(Code::Refused127),
            "current" => Some(Code::Current),
            "denied" => Some(Code::Denied(String::new())),
            "nozone" => Some(Code::NoZone(String::new())),
            "refused" => Some(Code::Refused(String::new())),
            "unreadable" => Some(Code::Unreadable(String::new())),
            "mismatch" => Some(Code::Mismatch(Vec::new())),
            "noline" => Some(Code::NoLine),
            "unknown" => Some(Code::Unknown(String::new())),
            w => wait(w).map(Code::Wait),
        }
    }

    /// The decision this code leads to for a host with this history, at a provider with
    /// these quirks (reference section 5's table).
    pub fn decide(&self, history: &History, quirks: Quirks) -> Decision {
        let hold = |streak: u32| {
            if streak == 0 {
                OUTAGE_HOLD
            } else {
                OUTAGE_HOLD_REPEAT
            }
        };
        match self.course() {
            Course::Success => Decision::Continue,
            Course::Unchanged
                if history.nochg_expected
                    || history.nochg_streak + 1 < NOCHG_LIMIT
                    || quirks.nochg_harmless =>
            {
                Decision::Continue
            }
            Course::Unchanged => Decision::StopHost,
            Course::Stop(s) => Decision::for_scope(s),
            Course::Abuse if quirks.abuse_is_account => Decision::StopAccount,
            Course::Abuse => Decision::StopHost,
            Course::ProviderError => Decision::BackOff(hold(history.outage_streak)),
            // A clock the server keeps refusing is not going to be set by waiting.
            Course::Wait(_)
                if *self == Code::Dns(9, 18) && history.badtime_for >= BADTIME_LIMIT =>
            {
                Decision::StopHost
            }
            Course::Wait(d) => Decision::BackOff(d),
            Course::Unreadable(_) if history.unknown_streak + 1 >= UNREADABLE_LIMIT => {
                Decision::StopHost
            }
            Course::Unreadable(hold) => Decision::BackOff(hold),
        }
    }

    /// Whom `decision`, taken on this code, concerns: account stops the account, client
    /// stops and provider-side holds (`911`, `dnserr`, 5xx, `wNNN`, 429) the server; a 429
    /// the account where the provider limits each credential (the APIs).
    pub fn scope(&self, decision: Decision, quirks: Quirks) -> Scope {
        match decision {
            Decision::StopAccount => Scope::Account,
            Decision::StopClient => Scope::Server,
            Decision::BackOff(_)
                if quirks.limits_per_account && matches!(self, Code::RateLimited(_)) =>
            {
                Scope::Account
            }
            Decision::BackOff(_) if self.is_outage() || self.is_asked_wait() => Scope::Server,
            _ => Scope::Host,
        }
    }

    /// What the user must do after this code led to `decision`, with the commands spelled
    /// out for the policy (and `host`, for a host's stop) and its credentials named as its
    /// provider names them.
    pub fn user_action(&self, decision: Decision, who: Who<'_>, host: Option<&str>) -> String {
        let policy = who.policy;
        let reset = format!("`dynward reset {policy}`");
        let reset_host = match host {
            Some(h) => format!("`dynward reset {policy} --host {h}`"),
            None => reset.clone(),
        };
        let host_name = host.unwrap_or("the host");
        let stopped = decision == Decision::StopHost;
        match self.row().fix {
            Fix::Nothing => String::new(),
            Fix::Nochg if stopped => format!(
                "find out why the provider already had the address (another client updating {host_name}?), then {reset_host}"
            ),
            Fix::Nochg => format!(
                "none; a {} unexpected nochg in a row stops the host",
                ordinal(NOCHG_LIMIT)
            ),
            Fix::Credentials => format!(
                "fix {}; the changed config re-enables the policy, or run {reset}",
                who.credentials
            ),
            Fix::PaidOption => {
                format!("remove the paid-only option or upgrade the account, then {reset}")
            }
            // A fully qualified host refused as not fully qualified: the server means the
            // user name (nsupdate.info and Hurricane Electric take the host's name as user).
            Fix::NotFqdn if host.is_some_and(|h| h.contains('.')) => format!(
                "{host_name} is fully qualified, so the server means the user name: where the user name is the host's full name (nsupdate.info, Hurricane Electric), set username = \"{host_name}\", then {reset_host}"
            ),
            Fix::NotFqdn | Fix::HostName => format!(
                "check {host_name} in the config and in the provider's account; a changed config re-enables it, or run {reset_host}"
            ),
            Fix::RoundRobin => {
                format!("round-robin hosts cannot be updated: remove {host_name} from the config")
            }
            Fix::Abuse => format!(
                "the block is lifted only by the provider: contact their support, then {}",
                if decision == Decision::StopAccount {
                    &reset
                } else {
                    &reset_host
                }
            ),
            Fix::Client => format!(
                "the provider refuses this client: check user_agent, report it to the dynward developers, then {reset}"
            ),
            Fix::Setting => format!(
                "check the server or url setting, report it to the dynward developers, then {reset}"
            ),
            Fix::ActivateDomain => {
                format!("activate the domain at the provider, then {reset_host}")
            }
            Fix::ReactivateHost => {
                format!("re-activate {host_name} in the provider's account, then {reset_host}")
            }
            Fix::WaitAsked => "none; dynward waits as asked".into(),
            Fix::WaitOutage => format!(
                "none; dynward waits {} before trying again",
                outage_holds(" (")
            ),
            Fix::ManualRecord => {
                format!("remove the manual record at the provider, then {reset_host}")
            }
            Fix::Source => format!(
                "check the address source (the provider recorded another address), then {reset_host}"
            ),
            Fix::HostOrSource => format!("fix the host or the address source, then {reset_host}"),
            Fix::ReactivateAccount => {
                format!("reactivate the account at the provider, then {reset}")
            }
            Fix::Unreadable if stopped => format!(
                "{} replies in a row were not answers dynward can read: check the server or url setting, then {reset_host}",
                count_word(UNREADABLE_LIMIT)
            ),
            Fix::Token => format!(
                "fix the token (password) or its permissions at the provider (see the words above); the changed config re-enables the policy, or run {reset}"
            ),
            Fix::Zone => format!(
                "check that {host_name}'s zone is at this provider and that the token may see it (or set zone / zone_id), then {reset_host}"
            ),
            Fix::Record => format!(
                "fix the record of {host_name} at the provider (see the words above), then {reset_host}"
            ),
            Fix::Clock => format!(
                "set this machine's clock (NTP); dynward asks again every {}",
                duration::words(BADTIME_HOLD)
            ),
            Fix::Grant => format!(
                "grant the key {host_name}'s A and AAAA records in the zone's update-policy (or allow-update), then {reset_host}"
            ),
            Fix::DnsServer => format!(
                "check server (the zone's primary) and zone for {host_name}, then {reset_host}"
            ),
            Fix::Unreadable => format!(
                "none yet; dynward tries again in {} and stops the host after {UNREADABLE_LIMIT} such replies in a row",
                duration::words(UNREADABLE_HOLD)
            ),
        }
    }
}

/// Whose action advice is for: the policy (its commands name it) and what its credentials
/// are at its provider (a user name and password, a token, a host's key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Who<'a> {
    /// The policy's name.
    pub policy: &'a str,
    /// Its credentials in words: "the user name and password", "the token (password)", …
    pub credentials: &'a str,
}

impl<'a> Who<'a> {
    /// A policy with a user name and password.
    pub fn named(policy: &'a str) -> Who<'a> {
        Who {
            policy,
            credentials: "the user name and password",
        }
    }
}

/// The row of a DNS server's answer (reference section 4.2).
fn dns_row(rcode: u8, tsig: u16) -> Row {
    let n = dns_name(rcode, tsig);
    let (words, course, fix): (String, Course, Fix) = match (rcode, tsig) {
        (9, 16) => (
            "the server did not accept the update's signature: a wrong secret".into(),
            Course::Stop(Scope::Account),
            Fix::Credentials,
        ),
        (9, 17) => (
            "the server does not know the key, or not with this algorithm".into(),
            Course::Stop(Scope::Account),
            Fix::Credentials,
        ),
        (9, 18) => (
            format!(
                "the server says this machine's clock is off by more than the signature allows (5 minutes): set the clock (NTP); after {} of it the host stops",
                duration::words(BADTIME_LIMIT)
            ),
            Course::Wait(BADTIME_HOLD),
            Fix::Clock,
        ),
        (0, 0) => (
            "the server's success does not verify against the key (unsigned, or its signature is wrong), so it is not believed: it may be forged".into(),
            Course::Unreadable(UNVERIFIED_HOLD),
            Fix::Unreadable,
        ),
        (_, t) if t != 0 => (
            "the server refused the update's signature".into(),
            Course::Stop(Scope::Account),
            Fix::Credentials,
        ),
        (2, _) => (
            "the server failed (its zone not loaded, or its journal not written)".into(),
            Course::ProviderError,
            Fix::WaitOutage,
        ),
        (5, _) => (
            "the server refused to let this key update this name".into(),
            Course::Stop(Scope::Host),
            Fix::Grant,
        ),
        (4, _) => (
            "the server does not do dynamic updates (a resolver, or a server without UPDATE)".into(),
            Course::Stop(Scope::Host),
            Fix::DnsServer,
        ),
        (9, _) => (
            "the server is not authoritative for the zone".into(),
            Course::Stop(Scope::Host),
            Fix::DnsServer,
        ),
        (10, _) => (
            "the name is not in the zone the update named".into(),
            Course::Stop(Scope::Host),
            Fix::DnsServer,
        ),
        _ => (
            "the server answered a code dynward does not expect here".into(),
            Course::Stop(Scope::Host),
            Fix::Setting,
        ),
    };
    Row {
        name: format!("dns {n}").into(),
        words: format!("{words} ({n})"),
        course,
        fix,
        said: Said::Inferred,
    }
}

/// The row of an HTTP status without a code in the body (reference section 6, selfHOST's
/// statuses).
fn http_row(s: u16) -> Row {
    let (words, course, fix) = match s {
        401 | 403 => (
            "the provider refused the credentials (HTTP status without a code)".to_string(),
            Course::Stop(Scope::Account),
            Fix::Credentials,
        ),
        409 => (
            "the provider does not know this host's zone (HTTP 409)".into(),
            Course::Stop(Scope::Host),
            Fix::HostOrSource,
        ),
        410 => (
            "the provider says the account is inactive (HTTP 410)".into(),
            Course::Stop(Scope::Account),
            Fix::ReactivateAccount,
        ),
        411 => (
            "the provider found the address malformed (HTTP 411)".into(),
            Course::Stop(Scope::Server),
            Fix::Setting,
        ),
        412 => (
            "the provider refused the address as private (HTTP 412)".into(),
            Course::Stop(Scope::Host),
            Fix::HostOrSource,
        ),
        300..=399 => (
            format!(
                "the server redirected (HTTP {s}) and the redirect was not followed (another host or scheme would receive the credentials)"
            ),
            Course::Unreadable(UNREADABLE_HOLD),
            Fix::Unreadable,
        ),
        _ => (
            format!("the server answered HTTP {s} without a dyndns2 code"),
            Course::Unreadable(UNREADABLE_HOLD),
            Fix::Unreadable,
        ),
    };
    Row {
        name: format!("http {s}").into(),
        words,
        course,
        fix,
        said: Said::Inferred,
    }
}

/// Words, then the provider's own after a colon when it gave any.
fn with_detail(words: &str, detail: &str) -> String {
    if detail.is_empty() {
        words.to_string()
    } else {
        format!("{words}: {detail}")
    }
}

/// "three" and the like, for a count in a sentence.
fn count_word(n: u32) -> String {
    match n {
        2 => "two".into(),
        3 => "three".into(),
        4 => "four".into(),
        n => n.to_string(),
    }
}

/// A dyndns2 wait, `wNNN` with a unit `s`, `m` or `h`.
pub fn wait(w: &str) -> Option<Duration> {
    let unit = match w.as_bytes().last()? {
        b'h' => 3600,
        b'm' => 60,
        b's' => 1,
        _ => return None,
    };
    let digits = w.strip_prefix('w')?.get(..w.len().checked_sub(2)?)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().unwrap_or(u64::MAX);
    Some(Duration::from_secs(n.saturating_mul(unit)))
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl Code {
    /// The code a recorded name stands for. A name this version does not know (a newer one
    /// wrote it) reads as `unknown`: the stop or hold it belongs to still stands, with the
    /// words recorded beside it.
    fn recorded(name: &str) -> Code {
        Code::from_name(name).unwrap_or(Code::Unknown(String::new()))
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Code::recorded(&String::deserialize(d)?))
    }
}

/// Reads an optional code by name through `Option<String>` (one deserializer for every
/// optional name the state file holds, rather than one more per type).
pub fn opt_by_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Code>, D::Error> {
    use serde::Deserialize;
    Ok(Option::<String>::deserialize(d)?.map(|n| Code::recorded(&n)))
}

/// How an attempt for a host ended: the provider's answer, or a failure before any (the
/// network). Written by name: the code's, or `error:` and the failure's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The provider answered this.
    Answer(Code),
    /// No answer came: the message failed on the way.
    Failure(NetKind),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Answer(c) => c.fmt(f),
            Outcome::Failure(k) => write!(f, "error:{k}"),
        }
    }
}

impl serde::Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Outcome {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(match name.strip_prefix("error:").map(NetKind::from_name) {
            Some(Some(kind)) => Outcome::Failure(kind),
            // A failure of a kind this version does not know is still no answer.
            Some(None) => Outcome::Failure(NetKind::Connect),
            None => Outcome::Answer(Code::recorded(&name)),
        })
    }
}

/// What to do after an answer (reference section 5's actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Record success and carry on.
    Continue,
    /// Stop this host until the user changes the config or resets it.
    StopHost,
    /// Stop every host of this account until the user acts.
    StopAccount,
    /// Stop all updates to this provider until the software or config is fixed.
    StopClient,
    /// Send nothing for this host before the duration has passed.
    BackOff(Duration),
}

impl Decision {
    /// Whether the user must act before the next request.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Decision::StopHost | Decision::StopAccount | Decision::StopClient
        )
    }

    /// The stop of a scope.
    fn for_scope(s: Scope) -> Decision {
        match s {
            Scope::Host => Decision::StopHost,
            Scope::Account => Decision::StopAccount,
            Scope::Server => Decision::StopClient,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Continue => f.write_str("continue"),
            Decision::StopHost => f.write_str("stop host"),
            Decision::StopAccount => f.write_str("stop account"),
            Decision::StopClient => f.write_str("stop client"),
            Decision::BackOff(d) => write!(f, "back off {}", duration::format(*d)),
        }
    }
}

/// Whom a decision concerns (reference section 8, "Scope of a verdict").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// This host only.
    Host,
    /// Every policy using this account (server + user name).
    Account,
    /// Every policy that talks to this server: the verdict is on the client, or the server
    /// is down.
    Server,
}

/// What the decision needs to know of the host's past.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    /// The update was forced, the periodic refresh, or the host's first (no address on
    /// record): a `nochg` is then expected.
    pub nochg_expected: bool,
    /// Unexpected `nochg` answers before this one, within the window.
    pub nochg_streak: u32,
    /// Unreadable answers in a row before this one.
    pub unknown_streak: u32,
    /// Provider-error holds (dnserr/911) in a row before this one.
    pub outage_streak: u32,
    /// How long the server has refused the clock (BADTIME), from its first refusal in a row
    /// to this answer.
    pub badtime_for: Duration,
}

/// A provider's ways that change what an answer decides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// `abuse` blocks the whole account rather than one host (No-IP).
    pub abuse_is_account: bool,
    /// `nochg` is only ever information, never a reason to stop (dynv6 answers "addresses
    /// unchanged" to any repeat, and counts none against the account).
    pub nochg_harmless: bool,
    /// The provider counts requests per credential, not per client (the APIs): its HTTP 429
    /// holds every policy with the same credential, not every one at the server.
    pub limits_per_account: bool,
}

/// A sample of every code, with data where it carries some.
#[cfg(test)]
pub(crate) fn every_code() -> Vec<Code> {
    let mut all = PLAIN.to_vec();
    all.extend([
        Code::Conflict("AAAA".into()),
        Code::Wait(Duration::from_secs(300)),
        Code::RateLimited(Duration::from_secs(61)),
        Code::Refused127,
        Code::Mismatch(vec!["198.51.100.1".parse().expect("ip")]),
        Code::Http(401),
        Code::Http(404),
        Code::Http(409),
        Code::Http(410),
        Code::Http(411),
        Code::Http(412),
        Code::Http(302),
        Code::NoLine,
        Code::Unknown("hello".into()),
        Code::Current,
        Code::Denied("Invalid access token".into()),
        Code::NoZone("example.org".into()),
        Code::Refused("a CNAME holds the name".into()),
        Code::Unavailable(503),
        Code::Unreadable("<html>".into()),
        Code::Dns(0, 0),
        Code::Dns(9, 16),
        Code::Dns(9, 17),
        Code::Dns(9, 18),
        Code::Dns(9, 22),
        Code::Dns(9, 0),
        Code::Dns(10, 0),
        Code::Dns(5, 0),
        Code::Dns(4, 0),
        Code::Dns(2, 0),
        Code::Dns(1, 0),
        Code::Dns(8, 0),
        Code::Dns(11, 0),
    ]);
    all
}

#[cfg(test)]
mod tests;
