//! Whether the world sees an update: what a zone's authoritative servers serve for a host,
//! judged against what the provider accepted. Pure: the runner ([`crate::served`]) asks the
//! servers and hands their answers here; this says which serve it, which do not and what
//! they have instead, when to ask again, and in which words.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::message;
use super::wire::{Name, rtype};
use crate::addr::AddrSet;

/// What one authoritative server said for the host: the addresses it serves of the families
/// asked (none: the name or the type does not exist there), or why it gave no answer.
pub type Seen = Result<Vec<IpAddr>, String>;

/// The query of a zone's server for `host`'s addresses of one family (no recursion: the
/// server must know them itself).
pub fn ask(id: u16, host: &Name, v6: bool) -> Vec<u8> {
    message::query(id, host, if v6 { rtype::AAAA } else { rtype::A }, false)
}

/// What a zone's server's reply to [`ask`] says: the addresses it serves (none when the
/// name or type does not exist), or why it is no answer (an error code, a server that does
/// not serve the zone itself, an unreadable message).
pub fn read_seen(bytes: &[u8], id: u16) -> Seen {
    let r = message::read_reply(bytes, id, false).map_err(|_| "an unreadable reply".to_string())?;
    match r.rcode() {
        0 | 3 if r.header.authoritative() => Ok(r.addrs),
        0 | 3 => Err("answers without authority for the zone (a lame delegation)".into()),
        code => Err(format!(
            "answers {}",
            crate::protocol::code::dns_name(code, 0)
        )),
    }
}

/// The query a resolver answers with the zone that holds `name`: its SOA (in the answer
/// at the zone's apex, else in the authority section).
pub fn ask_zone(id: u16, name: &Name) -> Vec<u8> {
    message::query(id, name, rtype::SOA, true)
}

/// The zone of `name`, from a resolver's reply to [`ask_zone`].
pub fn read_zone(bytes: &[u8], id: u16, name: &Name) -> Option<Name> {
    let r = message::read_reply(bytes, id, false).ok()?;
    r.soa_owners.into_iter().find(|z| name.is_in(z))
}

/// The query a resolver answers with `zone`'s authoritative servers.
pub fn ask_servers(id: u16, zone: &Name) -> Vec<u8> {
    message::query(id, zone, rtype::NS, true)
}

/// The zone's servers' names, from a resolver's reply to [`ask_servers`].
pub fn read_servers(bytes: &[u8], id: u16) -> Vec<Name> {
    // In one order whatever order the resolver gave (it may rotate them); a handful of
    // names, placed one by one.
    let mut out: Vec<Name> = Vec::new();
    for n in message::read_reply(bytes, id, false)
        .map(|r| r.name_servers)
        .unwrap_or_default()
    {
        if let Err(at) = out.binary_search(&n) {
            out.insert(at, n);
        }
    }
    out
}

/// The resolvers a `resolv.conf` names (`nameserver` lines; a scoped IPv6 address it cannot
/// use is left out), in its order.
pub fn resolvers(resolv_conf: &str) -> Vec<IpAddr> {
    resolv_conf
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("nameserver")).then(|| w.next()?.parse().ok())?
        })
        .collect()
}

/// A check of one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    /// The host.
    pub host: String,
    /// What the provider accepted for it.
    pub want: AddrSet,
    /// Its zone, when the config names it (else the resolver is asked).
    pub zone: Option<String>,
    /// How long to wait for every server to serve it; zero asks once.
    pub limit: Duration,
    /// The record is behind a proxy: the DNS cannot show it (see [`behind_proxy`]).
    pub behind_proxy: bool,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The host.
    pub host: String,
    /// What it found, in words, as the record keeps it.
    pub published: Published,
    /// What it was asked to find.
    pub want: AddrSet,
    /// The families no server that answered serves, with what they serve instead: the
    /// record was changed elsewhere (see [`elsewhere`]).
    pub elsewhere: Option<Moved>,
}

/// One round's answers, judged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judged {
    /// The servers that serve every address wanted.
    pub served: Vec<String>,
    /// The servers that serve something else, with what differs ("198.51.100.9", "no
    /// AAAA record").
    pub stale: Vec<(String, String)>,
    /// The servers that gave no answer, with why.
    pub silent: Vec<(String, String)>,
}

impl Judged {
    /// Whether every server that answered serves it, and at least one answered.
    pub fn all_served(&self) -> bool {
        self.stale.is_empty() && !self.served.is_empty()
    }
}

/// The families whose record was changed (or deleted) elsewhere, with what the servers
/// serve now: for each, `Some(address)` or `Some(None)` (no record); `None` for a family
/// not moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Moved {
    /// The IPv4 record, when moved.
    pub v4: Option<Option<Ipv4Addr>>,
    /// The IPv6 record, when moved.
    pub v6: Option<Option<Ipv6Addr>>,
}

/// The families of `want` that no server that answered serves: someone else changed (or
/// deleted) them, and sending `want` again is no `nochg`, since the record differs. A family
/// some server serves is the DNS's own lag elsewhere, not a change. `None`: nothing moved,
/// or no server answered.
pub fn elsewhere(seen: &[(String, Seen)], want: AddrSet) -> Option<Moved> {
    let answers: Vec<&Vec<IpAddr>> = seen.iter().filter_map(|(_, s)| s.as_ref().ok()).collect();
    if answers.is_empty() {
        return None;
    }
    let served = |ip: IpAddr| answers.iter().any(|a| a.contains(&ip));
    // What the servers serve instead: the least address of the family, for one answer.
    let all = || answers.iter().flat_map(|a| a.iter().copied());
    let moved = Moved {
        v4: want.v4.filter(|a| !served(IpAddr::V4(*a))).map(|_| {
            all()
                .filter_map(|ip| match ip {
                    IpAddr::V4(a) => Some(a),
                    IpAddr::V6(_) => None,
                })
                .min()
        }),
        v6: want.v6.filter(|a| !served(IpAddr::V6(*a))).map(|_| {
            all()
                .filter_map(|ip| match ip {
                    IpAddr::V6(a) => Some(a),
                    IpAddr::V4(_) => None,
                })
                .min()
        }),
    };
    (moved != Moved::default()).then_some(moved)
}

fn family_wanted(want: AddrSet, ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(_) => want.v4.is_some(),
        IpAddr::V6(_) => want.v6.is_some(),
    }
}

/// Whether a server that answered `addrs` serves `want`: for each family of `want`, that
/// address is among them (a name may have several records of a family; another one beside
/// it is the user's).
pub fn serves(want: AddrSet, addrs: &[IpAddr]) -> bool {
    let has = |ip: IpAddr| addrs.contains(&ip);
    want.v4.is_none_or(|a| has(IpAddr::V4(a))) && want.v6.is_none_or(|a| has(IpAddr::V6(a)))
}

/// Judges each server's answer against `want` ([`serves`]), saying what differs where it
/// does not.
pub fn judge(want: AddrSet, seen: &[(String, Seen)]) -> Judged {
    let mut j = Judged::default();
    for (server, s) in seen {
        match s {
            Err(why) => j.silent.push((server.clone(), why.clone())),
            Ok(addrs) => {
                if serves(want, addrs) {
                    j.served.push(server.clone());
                } else {
                    // What differs: the addresses of a family wanted that are not wanted,
                    // and the families wanted it has no record of.
                    let mut of: Vec<String> = addrs
                        .iter()
                        .filter(|ip| family_wanted(want, **ip) && !want.contains(**ip))
                        .map(|ip| ip.to_string())
                        .collect();
                    let none = |v6: bool| !addrs.iter().any(|ip| ip.is_ipv6() == v6);
                    if want.v4.is_some() && none(false) {
                        of.push("no A record".into());
                    }
                    if want.v6.is_some() && none(true) {
                        of.push("no AAAA record".into());
                    }
                    j.stale.push((server.clone(), of.join(", ")));
                }
            }
        }
    }
    j
}

/// When to ask the servers again, `elapsed` after the provider accepted the update: soon
/// at first (most servers serve it within a second or two), then less often, never after
/// `limit`. `None`: the limit has passed.
pub fn next_ask(elapsed: Duration, limit: Duration) -> Option<Duration> {
    if elapsed >= limit {
        return None;
    }
    // Doubling from half a second up to 30 s: 16 asks in 5 minutes, the last at the limit.
    let mut gap = Duration::from_millis(500);
    let mut at = Duration::ZERO;
    while at + gap <= elapsed {
        at += gap;
        gap = (gap * 2).min(Duration::from_secs(30));
    }
    Some((at + gap - elapsed).min(limit - elapsed))
}

/// What a check found for a host, as the state file keeps it and `status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// When it was found (Unix seconds).
    pub at: u64,
    /// Served everywhere (`Some(true)`), not served somewhere (`Some(false)`), or not known
    /// (no server answered, or the DNS cannot show it).
    pub served: Option<bool>,
    /// In words: "served by ns1.example.org, ns2.example.org after 1.2 s".
    pub words: String,
}

/// What a check finds for a record behind a proxy without asking the DNS, which serves the
/// proxy's addresses: the API's content, which the update read, is what counts.
pub fn behind_proxy(ask: &Ask, at: u64) -> Found {
    Found {
        host: ask.host.clone(),
        want: ask.want,
        published: Published {
            at,
            served: Some(true),
            words: format!(
                "proxied at Cloudflare: the DNS serves the proxy's addresses, not the record; the API's record has {}",
                ask.want
            ),
        },
        elsewhere: None,
    }
}

/// The words of a check's result, `after` the provider accepted the address: served by
/// every server; or not served with what each stale server has; or no server answered.
pub fn words(j: &Judged, after: Duration, ended: bool) -> String {
    let silent = || {
        j.silent
            .iter()
            .map(|(s, why)| format!("{s}: {why}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if j.all_served() {
        let mut w = format!("served by {} after {}", j.served.join(", "), seconds(after));
        if !j.silent.is_empty() {
            w.push_str(&format!(" (no answer from {})", silent()));
        }
        return w;
    }
    if j.stale.is_empty() {
        return format!("not known: no authoritative server answered ({})", silent());
    }
    let stale = j
        .stale
        .iter()
        .map(|(s, has)| match has.strip_prefix("no ") {
            Some(_) => format!("{s} has {has}"),
            None => format!("{s} still has {has}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let when = if ended {
        format!("not served after {}", seconds(after))
    } else {
        format!("not served yet after {}", seconds(after))
    };
    format!("{when}: {stale}")
}

/// A check's wait in the words `status` uses: "1.2 s" under a minute, "5 min" above.
pub fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 60_000 {
        format!("{}.{} s", ms / 1000, ms % 1000 / 100)
    } else if ms.is_multiple_of(60_000) {
        format!("{} min", ms / 60_000)
    } else {
        format!("{} min {} s", ms / 60_000, ms % 60_000 / 1000)
    }
}

/// The result of a judged check as kept: served, not served, or not known.
pub fn published(j: &Judged, after: Duration, ended: bool, at: u64) -> Published {
    let served = if j.all_served() {
        Some(true)
    } else if j.stale.is_empty() {
        None
    } else {
        Some(false)
    };
    Published {
        at,
        served,
        words: words(j, after, ended),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v4: Option<&str>, v6: Option<&str>) -> AddrSet {
        AddrSet {
            v4: v4.map(|a| a.parse().expect("v4")),
            v6: v6.map(|a| a.parse().expect("v6")),
        }
    }

    fn ips(a: &[&str]) -> Seen {
        Ok(a.iter().map(|x| x.parse().expect("ip")).collect())
    }

    /// A server serves the update when every family wanted has its address there; another
    /// record of the family beside it is the user's and does not matter.
    #[test]
    fn served_means_every_family_wanted() {
        let want = set(Some("203.0.113.7"), Some("2001:db8::7"));
        let seen = vec![
            ("ns1".to_string(), ips(&["203.0.113.7", "2001:db8::7"])),
            (
                "ns2".to_string(),
                ips(&["203.0.113.7", "203.0.113.8", "2001:db8::7"]),
            ),
            ("ns3".to_string(), ips(&["203.0.113.7"])),
            ("ns4".to_string(), ips(&[])),
            ("ns5".to_string(), Err("timeout".into())),
            ("ns6".to_string(), ips(&["198.51.100.9", "2001:db8::7"])),
        ];
        let j = judge(want, &seen);
        assert_eq!(j.served, vec!["ns1", "ns2"]);
        assert_eq!(
            j.stale,
            vec![
                ("ns3".to_string(), "no AAAA record".to_string()),
                ("ns4".to_string(), "no A record, no AAAA record".to_string()),
                ("ns6".to_string(), "198.51.100.9".to_string())
            ]
        );
        assert_eq!(j.silent, vec![("ns5".to_string(), "timeout".to_string())]);
        assert!(!j.all_served());
        assert_eq!(
            words(&j, Duration::from_secs(300), true),
            "not served after 5 min: ns3 has no AAAA record, ns4 has no A record, no AAAA record, ns6 still has 198.51.100.9"
        );
        // A family some server serves has not moved, whatever the others serve.
        assert_eq!(elsewhere(&seen, want), None);
        let a = |t: &str| Some(t.parse().expect("ip"));
        let moved = [
            ("ns6".to_string(), ips(&["198.51.100.9", "2001:db8::7"])),
            ("ns7".to_string(), ips(&["198.51.100.9", "2001:db8::7"])),
        ];
        assert_eq!(
            elsewhere(&moved, want),
            Some(Moved {
                v4: Some(a("198.51.100.9")),
                v6: None
            }),
            "only the IPv4 record moved"
        );
        let gone = [("ns4".to_string(), ips(&[]))];
        assert_eq!(
            elsewhere(&gone, want),
            Some(Moved {
                v4: Some(None),
                v6: Some(None)
            })
        );
        let silent = [("ns5".to_string(), Err("timeout".to_string()))];
        assert_eq!(elsewhere(&silent, want), None);
    }

    #[test]
    fn words_for_served_and_unknown() {
        let want = set(Some("203.0.113.7"), None);
        let j = judge(
            want,
            &[
                ("ns1.example.org".into(), ips(&["203.0.113.7"])),
                ("ns2.example.org".into(), ips(&["203.0.113.7"])),
            ],
        );
        assert!(j.all_served());
        assert_eq!(
            published(&j, Duration::from_millis(1234), true, 7),
            Published {
                at: 7,
                served: Some(true),
                words: "served by ns1.example.org, ns2.example.org after 1.2 s".into()
            }
        );
        let j = judge(want, &[("ns1".into(), Err("connection refused".into()))]);
        assert_eq!(published(&j, Duration::ZERO, true, 7).served, None);
        assert_eq!(
            words(&j, Duration::ZERO, true),
            "not known: no authoritative server answered (ns1: connection refused)"
        );
        let j = judge(
            want,
            &[
                ("ns1".into(), ips(&["203.0.113.7"])),
                ("ns2".into(), Err("timeout".into())),
            ],
        );
        assert_eq!(
            words(&j, Duration::from_secs(90), false),
            "served by ns1 after 1 min 30 s (no answer from ns2: timeout)"
        );
        let j = judge(want, &[("ns1".into(), ips(&["198.51.100.9"]))]);
        assert_eq!(
            words(&j, Duration::from_secs(2), false),
            "not served yet after 2.0 s: ns1 still has 198.51.100.9"
        );
    }

    use crate::protocol::dns::wire::{Header, Writer, class};

    /// A reply as a server writes it: `flags` beside QR, the question, then answer and
    /// authority records (owner, type, data).
    fn reply(
        id: u16,
        flags: u16,
        q: (&str, u16),
        answer: &[(&str, u16, Vec<u8>)],
        authority: &[(&str, u16, Vec<u8>)],
    ) -> Vec<u8> {
        let name = |t: &str| Name::parse(t).expect("name");
        let mut w = Writer::default();
        Header {
            id,
            flags: 0x8000 | flags,
            counts: [1, answer.len() as u16, authority.len() as u16, 0],
        }
        .write(&mut w);
        w.name(&name(q.0));
        w.u16(q.1);
        w.u16(class::IN);
        for (owner, t, data) in answer.iter().chain(authority) {
            w.name(&name(owner));
            w.u16(*t);
            w.u16(class::IN);
            w.u32(60);
            w.u16(data.len() as u16);
            w.bytes(data);
        }
        w.buf
    }

    fn wire_name(t: &str) -> Vec<u8> {
        let mut w = Writer::default();
        w.name(&Name::parse(t).expect("name"));
        w.buf
    }

    const AA: u16 = 0x0400;

    /// A zone's server's answer is read for what it serves; an answer without authority, an
    /// error code, another ID are no answer, each with why.
    #[test]
    fn a_servers_reply_is_read_for_what_it_serves() {
        let host = Name::parse("home.example.org").expect("name");
        let q = ask(0x1234, &host, false);
        assert_eq!(
            &q[..4],
            &[0x12, 0x34, 0, 0],
            "no recursion asked of a zone's server"
        );
        let a = reply(
            0x1234,
            AA,
            ("home.example.org", rtype::A),
            &[("home.example.org", rtype::A, vec![203, 0, 113, 7])],
            &[],
        );
        assert_eq!(
            read_seen(&a, 0x1234),
            Ok(vec!["203.0.113.7".parse().expect("ip")])
        );
        // NXDOMAIN, authoritative: no record.
        let nx = reply(0x1234, AA | 3, ("home.example.org", rtype::A), &[], &[]);
        assert_eq!(read_seen(&nx, 0x1234), Ok(vec![]));
        let lame = reply(
            0x1234,
            0,
            ("home.example.org", rtype::A),
            &[("home.example.org", rtype::A, vec![203, 0, 113, 7])],
            &[],
        );
        assert_eq!(
            read_seen(&lame, 0x1234),
            Err("answers without authority for the zone (a lame delegation)".into())
        );
        let refused = reply(0x1234, 5, ("home.example.org", rtype::A), &[], &[]);
        assert_eq!(read_seen(&refused, 0x1234), Err("answers REFUSED".into()));
        assert_eq!(read_seen(&a, 0x4321), Err("an unreadable reply".into()));
        assert_eq!(
            read_seen(&a[..20], 0x1234),
            Err("an unreadable reply".into())
        );
    }

    /// A resolver names the zone (the SOA's owner, in the authority section below the apex)
    /// and its servers (sorted, whatever order it gave).
    #[test]
    fn a_resolver_names_the_zone_and_its_servers() {
        let host = Name::parse("home.example.org").expect("name");
        let q = ask_zone(7, &host);
        assert_eq!(q[2] & 0x01, 0x01, "recursion asked of a resolver");
        let soa: Vec<u8> = [
            wire_name("ns2.example.org"),
            wire_name("hostmaster.example.org"),
            vec![0; 20],
        ]
        .concat();
        let r = reply(
            7,
            0x0180 | 3,
            ("home.example.org", rtype::SOA),
            &[],
            &[("example.org", rtype::SOA, soa)],
        );
        assert_eq!(
            read_zone(&r, 7, &host),
            Some(Name::parse("example.org").expect("name"))
        );
        assert_eq!(read_zone(&r, 8, &host), None);
        // An SOA of a zone that does not hold the name is not its zone.
        let other = Name::parse("home.example.net").expect("name");
        assert_eq!(read_zone(&r, 7, &other), None);

        let zone = Name::parse("example.org").expect("name");
        assert_eq!(ask_servers(9, &zone)[2] & 0x01, 0x01);
        let ns = reply(
            9,
            0x0180,
            ("example.org", rtype::NS),
            &[
                ("example.org", rtype::NS, wire_name("ns2.example.org")),
                ("example.org", rtype::NS, wire_name("ns1.example.org")),
            ],
            &[],
        );
        assert_eq!(
            read_servers(&ns, 9),
            vec![
                Name::parse("ns1.example.org").expect("name"),
                Name::parse("ns2.example.org").expect("name")
            ]
        );
        assert!(read_servers(&ns, 10).is_empty());
    }

    #[test]
    fn resolvers_are_the_nameserver_lines() {
        let text = "# generated\nsearch example.org\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\n  nameserver   2001:db8::53  # v6\noptions edns0\n";
        assert_eq!(
            resolvers(text),
            vec![
                "192.0.2.53".parse::<IpAddr>().expect("ip"),
                "2001:db8::53".parse().expect("ip")
            ]
        );
        assert!(resolvers("").is_empty());
    }

    /// The asks double from half a second to 30 s, and none comes after the limit.
    #[test]
    fn asks_thin_out_and_stop_at_the_limit() {
        let limit = Duration::from_secs(300);
        let mut at = Duration::ZERO;
        let mut asks = vec![at];
        while let Some(wait) = next_ask(at, limit) {
            assert!(wait > Duration::ZERO, "{at:?}");
            at += wait;
            asks.push(at);
        }
        let secs: Vec<f64> = asks.iter().map(Duration::as_secs_f64).collect();
        assert_eq!(&secs[..7], &[0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]);
        assert_eq!(*asks.last().expect("last"), limit);
        assert_eq!(asks.len(), 16, "{secs:?}");
        // Asked from the middle of a gap, the wait is to the gap's end.
        assert_eq!(
            next_ask(Duration::from_secs(2), limit),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(next_ask(limit, limit), None);
        assert_eq!(next_ask(Duration::ZERO, Duration::ZERO), None);
    }
}
