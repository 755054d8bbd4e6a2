//! Reading dyndns2 replies (reference sections 4 and 6): per-host lines in order, codes
//! about the whole request applied to every host, the HTTP status as a fallback, HTML
//! stripped, returned addresses parsed and compared; a dialect's reply rules first.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::dialect::{Dialect, Rule};
use crate::addr::AddrSet;
use crate::protocol::code::{self, Code, MAX_RETRY_AFTER, OUTAGE_HOLD};

/// The answer for one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostResult {
    /// The host.
    pub host: String,
    /// Its code.
    pub code: Code,
    /// The addresses the provider named, if any and parseable.
    pub addrs: Vec<IpAddr>,
}

/// A parsed reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// One result per host sent, in the order sent.
    pub results: Vec<HostResult>,
    /// Oddities worth a log line (one line for many hosts, extra lines).
    pub notes: Vec<String>,
}

/// Longest excerpt of an unparseable reply kept for the user.
pub(crate) const EXCERPT: usize = 120;

fn excerpt(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let t = one_line.trim();
    match t.char_indices().nth(EXCERPT) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_string(),
    }
}

/// Reads one reply line into a code and the addresses it names.
fn parse_line(line: &str, sent: &AddrSet) -> (Code, Vec<IpAddr>) {
    let mut words = line.split_whitespace();
    let first = words.next().unwrap_or("").to_ascii_lowercase();
    let rest: Vec<&str> = words.collect();
    let addrs: Vec<IpAddr> = rest
        .iter()
        .flat_map(|w| w.split(','))
        .filter_map(|t| t.trim().parse().ok())
        .collect();
    let code = match first.as_str() {
        "successfully_changed" => Code::Good,
        "no_change" => Code::Nochg,
        "conflict" => Code::Conflict(
            rest.first()
                .map(|s| s.to_ascii_uppercase())
                .unwrap_or_default(),
        ),
        w => Code::said(w)
            .or_else(|| code::wait(w).map(Code::Wait))
            .unwrap_or_else(|| Code::Unknown(excerpt(line))),
    };
    let code = match code {
        Code::Good | Code::Nochg => {
            let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
            if addrs == [loopback] && !sent.contains(loopback) {
                Code::Refused127
            } else if mismatch(&addrs, sent) {
                Code::Mismatch(addrs.clone())
            } else {
                code
            }
        }
        other => other,
    };
    (code, addrs)
}

/// Returned addresses disagree with those sent: a sent family answered with another address,
/// or nothing sent named at all (Dyn's legacy endpoint answers an ignored IPv6 with the old
/// IPv4). No returned address is no disagreement: many providers omit it.
fn mismatch(returned: &[IpAddr], sent: &AddrSet) -> bool {
    if returned.is_empty() || sent.is_empty() {
        return false;
    }
    let wrong_family_value = returned.iter().any(|a| match a {
        IpAddr::V4(x) => sent.v4.is_some_and(|s| s != *x),
        IpAddr::V6(x) => sent.v6.is_some_and(|s| s != *x),
    });
    let none_match = !returned.iter().any(|a| sent.contains(*a));
    wrong_family_value || none_match
}

/// Reads lines that each answer for one address of the set sent (both families sent, one
/// success line naming one of them, the other naming the other).
fn per_address(parsed: &[(Code, Vec<IpAddr>)], sent: &AddrSet) -> Option<(Code, Vec<IpAddr>)> {
    let [(c1, a1), (c2, a2)] = parsed else {
        return None;
    };
    let (Some(_), Some(_)) = (sent.v4, sent.v6) else {
        return None;
    };
    let one_each = matches!((a1.as_slice(), a2.as_slice()), ([x], [y]) if x.is_ipv4() != y.is_ipv4() && sent.contains(*x) && sent.contains(*y));
    if !(one_each && c1.is_success() && c2.is_success()) {
        return None;
    }
    let code = if *c1 == Code::Good || *c2 == Code::Good {
        Code::Good
    } else {
        Code::Nochg
    };
    Some((code, vec![a1[0], a2[0]]))
}

/// Whether `hay` contains `needle`, case-insensitively, as whole words: a needle that starts
/// (ends) with a letter or digit must not have one just before (after) it, so that `OK` is not
/// found in "token" nor `updated` in "outdated".
pub fn has_words(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let word = |c: char| c.is_ascii_alphanumeric();
    let (h, n) = (hay.to_ascii_lowercase(), needle.to_ascii_lowercase());
    let open = n.starts_with(word);
    let close = n.ends_with(word);
    h.match_indices(&n).any(|(i, _)| {
        (!open || !h[..i].ends_with(word)) && (!close || !h[i + n.len()..].starts_with(word))
    })
}

/// Whether `rule` matches a reply: its status, if it names one, and its words in the body as
/// sent or in its text without HTML.
fn rule_matches(rule: &Rule, status: u16, body: &str, text: &str) -> bool {
    rule.status.is_none_or(|s| s == status)
        && (has_words(body, &rule.contains) || has_words(text, &rule.contains))
}

/// Reads a response into one result per host: [`parse_reply`], with the `Retry-After` of an
/// HTTP 429 as the wait.
pub fn read_response(
    resp: &crate::protocol::http::HttpReply,
    hosts: &[String],
    sent: &AddrSet,
    dialect: &Dialect,
) -> Parsed {
    read(
        resp.status,
        &resp.body,
        resp.retry_after,
        hosts,
        sent,
        dialect,
    )
}

/// Reads an HTTP status and body into one result per host (reference section 4), through the
/// dialect: its reply rules first, then dyndns2 codes (unless the dialect has none), then the
/// HTTP status alone.
pub fn parse_reply(
    status: u16,
    body: &str,
    hosts: &[String],
    sent: &AddrSet,
    dialect: &Dialect,
) -> Parsed {
    read(status, body, None, hosts, sent, dialect)
}

fn read(
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
    hosts: &[String],
    sent: &AddrSet,
    dialect: &Dialect,
) -> Parsed {
    let text = if body.trim_start().starts_with('<') {
        crate::protocol::html::text(body)
    } else {
        body.to_string()
    };
    // A rule names the answer for the whole request: such services answer once per request.
    if let Some(rule) = dialect
        .rules
        .iter()
        .find(|r| rule_matches(r, status, body, &text))
    {
        return Parsed::all(hosts, rule.means.clone(), Vec::new());
    }
    if status == 429 {
        let wait = retry_after
            .unwrap_or(OUTAGE_HOLD)
            .clamp(Duration::from_secs(1), MAX_RETRY_AFTER);
        return Parsed::all(hosts, Code::RateLimited(wait), Vec::new());
    }
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.trim_matches(|c: char| c == '\r' || c.is_whitespace()))
        .filter(|l| !l.is_empty())
        .collect();
    let parsed: Vec<(Code, Vec<IpAddr>)> = if dialect.words {
        lines.iter().map(|l| parse_line(l, sent)).collect()
    } else {
        Vec::new()
    };
    if parsed.iter().all(|(c, _)| matches!(c, Code::Unknown(_))) {
        by_status(status, &lines, hosts, dialect)
    } else {
        by_lines(parsed, hosts, sent)
    }
}

/// A reply without a dyndns2 word: the HTTP status is all there is (section 6).
fn by_status(status: u16, lines: &[&str], hosts: &[String], dialect: &Dialect) -> Parsed {
    let code = match status {
        401 | 403 => Code::Badauth,
        500..=599 => Code::Outage,
        204 if dialect.status_codes => Code::Nochg,
        409..=412 if dialect.status_codes => Code::Http(status),
        200..=299 if dialect.empty_is_good && lines.is_empty() => Code::Good,
        200..=299 => Code::Unknown(excerpt(&lines.join(" "))),
        s => Code::Http(s),
    };
    let mut parsed = Parsed::all(hosts, code, Vec::new());
    if !matches!(status, 200..=299) && !lines.is_empty() {
        parsed.notes.push(format!(
            "HTTP {status} with body \"{}\"",
            excerpt(&lines.join(" "))
        ));
    }
    parsed
}

/// A reply of dyndns2 lines: one per host in order, unless a line answers for the whole
/// request, or one line per address answers for one host (section 4).
fn by_lines(parsed: Vec<(Code, Vec<IpAddr>)>, hosts: &[String], sent: &AddrSet) -> Parsed {
    // A once-per-request code, or a single line for several hosts, applies to every host.
    if let Some((code, addrs)) = parsed.iter().find(|(c, _)| c.is_request_wide()) {
        let mut all = Parsed::all(hosts, code.clone(), addrs.clone());
        if parsed.len() > 1 {
            all.notes.push(format!(
                "{} lines in a reply whose first request-wide code is {code}",
                parsed.len()
            ));
        }
        return all;
    }
    // One host, both families, one success line per address (nsupdate.info answers
    // `myip=v4,v6` with `good v6` and `nochg v4`): one answer about two addresses, not
    // answers about two hosts. The host changed if either address did.
    if let [host] = hosts
        && let Some((code, addrs)) = per_address(&parsed, sent)
    {
        return Parsed::all(std::slice::from_ref(host), code, addrs);
    }
    if let [(code, addrs)] = parsed.as_slice()
        && hosts.len() > 1
    {
        let mut all = Parsed::all(hosts, code.clone(), addrs.clone());
        if code.is_success() {
            all.notes.push(format!(
                "one line \"{code}\" for {} hosts: applied to all of them",
                hosts.len()
            ));
        }
        return all;
    }
    let mut notes = Vec::new();
    if parsed.len() > hosts.len() {
        notes.push(format!(
            "{} reply lines for {} hosts; the extra lines were ignored",
            parsed.len(),
            hosts.len()
        ));
    }
    let results = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let (code, addrs) = parsed.get(i).cloned().unwrap_or((Code::NoLine, Vec::new()));
            HostResult {
                host: h.clone(),
                code,
                addrs,
            }
        })
        .collect();
    Parsed { results, notes }
}

impl Parsed {
    /// The same answer for every host.
    fn all(hosts: &[String], code: Code, addrs: Vec<IpAddr>) -> Parsed {
        Parsed {
            results: hosts
                .iter()
                .map(|h| HostResult {
                    host: h.clone(),
                    code: code.clone(),
                    addrs: addrs.clone(),
                })
                .collect(),
            notes: Vec::new(),
        }
    }
}
