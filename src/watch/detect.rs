//! What a policy may publish, from one interface snapshot or one check-IP answer.
//!
//! Both commands read addresses the same way: [`from_snapshot`] over one
//! [`Snapshot`](super::iface::Snapshot) (links with their state, addresses with their flags,
//! the default route), and [`check_asked`] plus [`from_asked`] for check-IP services or an
//! address command. The choosing is pure; only [`check_asked`] does I/O.

use std::net::IpAddr;

use super::iface::Snapshot;
use super::web;
use crate::addr::AddrSet;
use crate::addr::{self, Candidate, SkipReason};
use crate::config::{Policy, Source};
use crate::hook;
use crate::http;
use crate::lan6::{self, LanHost};
use crate::protocol::http::HttpRequest;
use url::Url;

/// The addresses found for a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detected {
    /// What to publish.
    pub addrs: AddrSet,
    /// Addresses not published, with why.
    pub skipped: Vec<(IpAddr, SkipReason)>,
    /// Source addresses for the request sockets: the published ones.
    pub bind: Vec<IpAddr>,
    /// Where the addresses came from, for output.
    pub origin: String,
    /// How the IPv6 address of a host behind the router was composed, for output.
    pub derived: Option<String>,
    /// Why there is nothing to publish, if there is not.
    pub error: Option<String>,
    /// Why a family asked for is not published, when another one is.
    pub notes: Vec<String>,
}

/// Chooses what to publish from an interface's candidates (pure).
pub fn from_candidates(policy: &Policy, ifname: &str, cands: &[Candidate]) -> Detected {
    let mut d = Detected {
        origin: format!("interface {ifname}"),
        ..Detected::default()
    };
    if policy.ipv4 {
        let c = addr::choose(
            cands,
            false,
            policy.ipv4_prefix.as_ref(),
            policy.allow_private,
        );
        d.addrs.v4 = c.chosen.and_then(|a| match a {
            IpAddr::V4(v) => Some(v),
            IpAddr::V6(_) => None,
        });
        d.skipped.extend(c.skipped);
    }
    // A host behind the router takes its IPv6 address from the LAN prefix instead.
    if policy.ipv6 && policy.ipv6_lan.is_none() {
        let c = addr::choose(
            cands,
            true,
            policy.ipv6_prefix.as_ref(),
            policy.allow_private,
        );
        d.addrs.v6 = c.chosen.and_then(|a| match a {
            IpAddr::V6(v) => Some(v),
            IpAddr::V4(_) => None,
        });
        d.skipped.extend(c.skipped);
    }
    // Requests leave from the published addresses, of the published families only: never a
    // link-local, loopback or private address the server could not answer (a family with
    // nothing to publish is not reached through this interface).
    d.bind = [d.addrs.v4.map(IpAddr::V4), d.addrs.v6.map(IpAddr::V6)]
        .into_iter()
        .flatten()
        .collect();
    if d.addrs.is_empty() {
        let fam = match (policy.ipv4, policy.ipv6) {
            (true, true) => "IPv4 or IPv6",
            (true, false) => "IPv4",
            _ => "IPv6",
        };
        d.error = Some(if cands.is_empty() {
            format!("interface {ifname} has no addresses")
        } else {
            format!("interface {ifname} has no publishable {fam} address")
        });
    }
    d
}

/// The IPv6 address of the host behind the router, from the LAN interface's candidates
/// (pure): into `d`, with the derivation, or why there is none.
fn add_lan_host(
    d: &mut Detected,
    policy: &Policy,
    lan: &LanHost,
    up: Option<bool>,
    cands: &[Candidate],
) {
    let ifname = &lan.interface;
    let got = match up {
        Some(false) => Err(format!("interface {ifname} is down")),
        None => Err(format!("interface {ifname} does not exist")),
        Some(true) => {
            let got = lan6::derive(
                cands,
                lan.host_id,
                policy.ipv6_prefix.as_ref(),
                policy.allow_private,
            );
            d.skipped.extend(got.skipped);
            got.chosen.ok_or_else(|| {
                format!(
                    "interface {ifname} has no usable IPv6 prefix for host id {}",
                    lan.host_id
                )
            })
        }
    };
    match got {
        Ok(x) => {
            d.addrs.v6 = Some(x.addr);
            d.derived = Some(x.describe(lan));
            // The WAN side may have had nothing, but the host behind the router has one.
            d.error = None;
        }
        Err(why) => {
            d.derived = Some(format!("no IPv6 address: {why}"));
            if d.addrs.is_empty() {
                d.error = Some(match d.error.take() {
                    Some(e) if policy.ipv4 => format!("{e}; {why}"),
                    _ => why,
                });
            }
        }
    }
}

/// What an interface policy may publish according to one snapshot (pure); `None` for a web
/// source. An interface that is missing or down publishes nothing, whatever addresses it
/// still carries: they are not reachable.
pub fn from_snapshot(policy: &Policy, snap: &Snapshot) -> Option<Detected> {
    let ifname = match &policy.source {
        Source::Web(_) | Source::WebFamilies { .. } | Source::Command(_) => return None,
        Source::Interface(n) => n.clone(),
        Source::DefaultRoute => match &snap.default_route {
            Some(n) => n.clone(),
            None => {
                return Some(Detected {
                    origin: "interface auto".into(),
                    error: Some("no default route: cannot tell which interface is the WAN".into()),
                    ..Detected::default()
                });
            }
        },
    };
    let cands: Vec<Candidate> = snap
        .addrs
        .iter()
        .filter(|a| a.name == ifname)
        .map(|a| a.candidate.clone())
        .collect();
    let mut d = from_candidates(policy, &ifname, &cands);
    if policy.source == Source::DefaultRoute {
        d.origin = format!("interface {ifname} (the default route's)");
    }
    // Without link states (no netlink), the addresses are all there is to go by.
    let unusable = match snap.up.get(&ifname) {
        None if !snap.up.is_empty() => Some(format!("interface {ifname} does not exist")),
        Some(false) => Some(format!("interface {ifname} is down")),
        _ => None,
    };
    // A policy's interface that is down or gone publishes nothing, not even the LAN host's
    // address: a request with IPv6 alone would replace the provider's IPv4 record too.
    let lan = policy.ipv6_lan.as_ref().filter(|_| unusable.is_none());
    if let Some(why) = unusable {
        d.addrs = AddrSet::default();
        d.error = Some(why);
    }
    if let Some(lan) = lan {
        let lan_cands: Vec<Candidate> = snap
            .addrs
            .iter()
            .filter(|a| a.name == lan.interface)
            .map(|a| a.candidate.clone())
            .collect();
        // Without link states (no netlink), an interface with addresses is taken as up.
        let up = match snap.up.get(&lan.interface) {
            Some(u) => Some(*u),
            None if snap.up.is_empty() => Some(true),
            None => None,
        };
        add_lan_host(&mut d, policy, lan, up, &lan_cands);
    }
    Some(d)
}

/// What a check-IP answer lets the policy publish: the address, if it is publishable and of a
/// family the policy publishes; otherwise why not.
pub fn web_addresses(policy: &Policy, ip: IpAddr) -> Result<AddrSet, String> {
    let who = match policy.source {
        Source::Command(_) => "address command",
        _ => "check-IP service",
    };
    if let Some(reason) = addr::skip_reason(&Candidate::plain(ip), policy.allow_private) {
        return Err(format!("{who} reported {ip}: {reason}"));
    }
    match ip {
        IpAddr::V4(a) if policy.ipv4 => Ok(AddrSet {
            v4: Some(a),
            v6: None,
        }),
        IpAddr::V6(a) if policy.ipv6 => Ok(AddrSet {
            v4: None,
            v6: Some(a),
        }),
        _ => Err(format!(
            "{who} reported {ip}, a family this policy does not publish"
        )),
    }
}

/// What the answers of [`check_asked`] let the policy publish (pure): the addresses of the
/// families that answered with a publishable one (a skipped address with its reason); the
/// other answers' failures as `notes`, each saying what is published instead, when something
/// is, and as the `error` when nothing is.
pub fn from_asked(policy: &Policy, answers: &[Result<IpAddr, String>]) -> Detected {
    let mut d = Detected::default();
    let mut failed = Vec::new();
    for answer in answers {
        match answer {
            Err(e) => failed.push(e.clone()),
            Ok(ip) => match web_addresses(policy, *ip) {
                Ok(a) => {
                    d.addrs.v4 = d.addrs.v4.or(a.v4);
                    d.addrs.v6 = d.addrs.v6.or(a.v6);
                }
                Err(e) => {
                    let why = addr::skip_reason(&Candidate::plain(*ip), policy.allow_private);
                    d.skipped.extend(why.map(|r| (*ip, r)));
                    failed.push(e);
                }
            },
        }
    }
    if d.addrs.is_empty() {
        d.error = Some(if failed.is_empty() {
            "no address was asked for".to_string()
        } else {
            failed.join("; ")
        });
    } else {
        let published = d.addrs;
        d.notes = failed
            .into_iter()
            .map(|e| format!("{e}; publishing {published} only"))
            .collect();
    }
    d
}

/// What the asks of a web or command source tell the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// At least one ask answered with an address: what may be published now, which may be
    /// nothing (a service that reports a private or CGNAT address has told where the router
    /// is, and an address published before is no longer this router's).
    Found(Detected),
    /// No ask answered with an address: nothing is known, so what is published stays; why.
    Failed(String),
}

/// How both drivers read the answers of [`check_asked`] (pure): a reading when any ask
/// answered with an address, a failed ask otherwise.
pub fn read_asked(policy: &Policy, answers: &[Result<IpAddr, String>]) -> Reading {
    let found = from_asked(policy, answers);
    match found.error.clone() {
        Some(why) if answers.iter().all(Result::is_err) => Reading::Failed(why),
        _ => Reading::Found(found),
    }
}

/// Asks the policy's check-IP services or address command for the addresses they see (I/O):
/// one answer per ask. A `web` service is asked over each family the policy publishes (a
/// dual-stack host behind NAT has one address per family, and a service answers the one it
/// is reached over), `web4` over IPv4 and `web6` over IPv6; a command once.
pub async fn check_asked(policy: &Policy) -> Vec<Result<IpAddr, String>> {
    let (v4, v6) = match &policy.source {
        Source::Web(url) => (policy.ipv4.then_some(url), policy.ipv6.then_some(url)),
        Source::WebFamilies { v4, v6 } => (
            v4.as_ref().filter(|_| policy.ipv4),
            v6.as_ref().filter(|_| policy.ipv6),
        ),
        Source::Command(argv) => return vec![check_command(policy, argv).await],
        _ => {
            return vec![Err(
                "the policy's address is not asked for: it follows an interface".into(),
            )];
        }
    };
    let (a, b) = tokio::join!(ask(policy, v4, false), ask(policy, v6, true));
    a.into_iter().chain(b).collect()
}

async fn ask(policy: &Policy, url: Option<&Url>, v6: bool) -> Option<Result<IpAddr, String>> {
    match url {
        Some(u) => Some(check_web(policy, u, v6).await),
        None => None,
    }
}

/// Asks `url` over one family: connecting to its address of that family only, from the
/// family's unspecified address.
async fn check_web(policy: &Policy, url: &Url, v6: bool) -> Result<IpAddr, String> {
    let family = if v6 { "IPv6" } else { "IPv4" };
    let any: IpAddr = if v6 {
        std::net::Ipv6Addr::UNSPECIFIED.into()
    } else {
        std::net::Ipv4Addr::UNSPECIFIED.into()
    };
    let host = url.host_str().unwrap_or_default();
    let target = http::resolve_all(url, &[any])
        .await
        .map_err(|e| format!("check-IP service over {family}: {e}"))?
        .into_iter()
        .find(|t| t.is_ipv6() == v6)
        .ok_or_else(|| {
            format!(
                "check-IP service {host} has no {family} address, so it cannot tell this host's {family} address; set web{} to a service that has one",
                if v6 { 6 } else { 4 }
            )
        })?;
    let opts = http::Options::for_policy(policy, vec![any]);
    let req = HttpRequest::get(url.to_string(), url.to_string());
    match http::fetch(&req, &opts, Some(target)).await {
        Err(e) => Err(format!("check-IP service over {family}: {e}")),
        Ok(r) if !(200..300).contains(&r.status) => Err(format!(
            "check-IP service over {family} answered HTTP {}",
            r.status
        )),
        Ok(r) => web::parse_page(&r.body)
            .ok_or_else(|| format!("check-IP page (over {family}) holds no IP address")),
    }
}

/// Runs the address command as a hook runs (no shell, a clean environment, killed after
/// `hook_timeout`) and reads its output as a check-IP page.
async fn check_command(policy: &Policy, argv: &[String]) -> Result<IpAddr, String> {
    let prog = argv.first().map(String::as_str).unwrap_or_default();
    let env = vec![
        ("PATH", hook::SAFE_PATH.to_string()),
        ("DYNWARD_POLICY", policy.name.clone()),
    ];
    let f = hook::capture(argv, env, policy.hook_timeout).await;
    // What the command said about its failure, on one line.
    let said = |text: &str| {
        let line: String = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        if line.is_empty() {
            String::new()
        } else {
            format!(": {line}")
        }
    };
    match f.exit {
        hook::Exit::Exited(0) => web::parse_page(&f.stdout).ok_or_else(|| {
            format!(
                "address command {prog} printed no IP address{}",
                said(&f.stdout)
            )
        }),
        hook::Exit::Exited(c) => Err(format!(
            "address command {prog} failed with exit status {c}{}",
            said(&f.stderr)
        )),
        hook::Exit::Signaled(sig) => {
            Err(format!("address command {prog} was ended by signal {sig}"))
        }
        hook::Exit::TimedOut => Err(format!(
            "address command {prog} still running after {}; killed",
            crate::duration::format(policy.hook_timeout)
        )),
        hook::Exit::NotStarted(e) => {
            Err(format!("address command {prog} could not be started: {e}"))
        }
        hook::Exit::Unknown(e) => Err(format!(
            "address command {prog} ran, but how it ended is unknown: {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::iface::IfAddr;

    fn policy(source: &str) -> Policy {
        crate::config::test_policy(&format!(
            "[[policy]]\nname = \"p\"\nserver = \"https://u.example/nic/update\"\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"a.example.org\"]\n{source}\nipv6 = true\n"
        ))
    }

    fn set(v4: Option<&str>, v6: Option<&str>) -> AddrSet {
        AddrSet {
            v4: v4.map(|s| s.parse().expect("v4")),
            v6: v6.map(|s| s.parse().expect("v6")),
        }
    }

    /// Interface detection: documentation addresses publish, private and ULA are skipped with
    /// reasons, and the socket binds to the published address only.
    #[test]
    fn an_interface_publishes_global_addresses_and_binds_to_them_only() {
        let p = policy("interface = \"eth0\"");
        let cands: Vec<Candidate> = ["192.168.1.2", "192.0.2.2", "fd00::2", "fe80::1"]
            .iter()
            .map(|s| Candidate::plain(s.parse().expect("ip")))
            .collect();
        let d = from_candidates(&p, "eth0", &cands);
        assert_eq!(d.addrs, set(Some("192.0.2.2"), None));
        assert_eq!(
            d.bind,
            vec!["192.0.2.2".parse::<IpAddr>().expect("ip")],
            "the published address, no ULA or link-local one"
        );
        assert_eq!(d.skipped.len(), 3);
        assert!(d.error.is_none());

        let only_private = [Candidate::plain("10.0.0.5".parse().expect("ip"))];
        let d = from_candidates(&p, "eth0", &only_private);
        assert!(d.addrs.is_empty());
        assert!(d.bind.is_empty(), "{:?}", d.bind);
        assert_eq!(
            d.error.as_deref(),
            Some("interface eth0 has no publishable IPv4 or IPv6 address")
        );
        assert_eq!(
            from_candidates(&p, "eth0", &[]).error.as_deref(),
            Some("interface eth0 has no addresses")
        );
    }

    fn snapshot(up: &[(&str, bool)], route: Option<&str>) -> Snapshot {
        Snapshot {
            addrs: vec![IfAddr {
                index: 2,
                name: "eth0".into(),
                candidate: Candidate::plain("192.0.2.2".parse().expect("ip")),
            }],
            up: up.iter().map(|(n, u)| (n.to_string(), *u)).collect(),
            default_route: route.map(String::from),
        }
    }

    /// One snapshot answers for every source: an up interface publishes, a down or missing
    /// one does not (and says which), `auto` follows the default route, web sources are not
    /// the snapshot's.
    #[test]
    fn one_snapshot_answers_for_every_source() {
        let eth0 = policy("interface = \"eth0\"");
        let d = from_snapshot(&eth0, &snapshot(&[("eth0", true)], None)).expect("interface");
        assert_eq!(d.addrs, set(Some("192.0.2.2"), None));
        let d = from_snapshot(&eth0, &snapshot(&[("eth0", false)], None)).expect("interface");
        assert!(d.addrs.is_empty());
        assert_eq!(d.error.as_deref(), Some("interface eth0 is down"));
        let d = from_snapshot(&eth0, &snapshot(&[("lo", true)], None)).expect("interface");
        assert_eq!(d.error.as_deref(), Some("interface eth0 does not exist"));
        // No link states at all (no netlink): the addresses are used.
        let d = from_snapshot(&eth0, &snapshot(&[], None)).expect("interface");
        assert_eq!(d.addrs, set(Some("192.0.2.2"), None));

        let auto = policy("interface = \"auto\"");
        let d = from_snapshot(&auto, &snapshot(&[("eth0", true)], Some("eth0"))).expect("auto");
        assert_eq!(d.addrs, set(Some("192.0.2.2"), None));
        assert_eq!(d.origin, "interface eth0 (the default route's)");
        let d = from_snapshot(&auto, &snapshot(&[("eth0", true)], None)).expect("auto");
        assert_eq!(
            d.error.as_deref(),
            Some("no default route: cannot tell which interface is the WAN")
        );

        let web = policy("web = \"https://checkip.example/\"");
        assert!(from_snapshot(&web, &snapshot(&[("eth0", true)], None)).is_none());
    }

    /// A host behind the router: IPv4 from the policy's interface, IPv6 composed from the
    /// LAN prefix and the host id (never a bind address: it is not the router's); a LAN
    /// interface that is down or missing gives no IPv6 and says why; a WAN that is down
    /// publishes nothing at all.
    #[test]
    fn detection_of_a_host_behind_the_router() {
        let p = policy(
            "interface = \"eth0\"\nipv6_prefix_from = \"br-lan\"\nipv6_host_id = \"::1234\"",
        );
        let on = |name: &str, a: &str, len: u8| IfAddr {
            index: 2,
            name: name.into(),
            candidate: Candidate {
                prefix_len: len,
                preferred: Some(3600),
                valid: Some(7200),
                ..Candidate::plain(a.parse().expect("ip"))
            },
        };
        let snap = |up: &[(&str, bool)]| Snapshot {
            addrs: vec![
                on("eth0", "192.0.2.2", 24),
                on("eth0", "2001:db8:ffff::2", 64),
                on("br-lan", "fe80::1", 64),
                on("br-lan", "2001:db8:1:2::1", 64),
            ],
            up: up.iter().map(|(n, u)| (n.to_string(), *u)).collect(),
            default_route: None,
        };
        let d = from_snapshot(&p, &snap(&[("eth0", true), ("br-lan", true)])).expect("interface");
        assert_eq!(d.addrs, set(Some("192.0.2.2"), Some("2001:db8:1:2::1234")));
        assert_eq!(d.bind, vec!["192.0.2.2".parse::<IpAddr>().expect("ip")]);
        assert_eq!(d.error, None);
        assert_eq!(
            d.derived.as_deref(),
            Some(
                "2001:db8:1:2::1234 = prefix 2001:db8:1:2::/64 (from 2001:db8:1:2::1 on br-lan, preferred for 3600 s more) + host id ::1234"
            )
        );
        let d = from_snapshot(&p, &snap(&[("eth0", true), ("br-lan", false)])).expect("interface");
        assert_eq!(d.addrs, set(Some("192.0.2.2"), None));
        assert_eq!(
            d.derived.as_deref(),
            Some("no IPv6 address: interface br-lan is down")
        );
        let d = from_snapshot(&p, &snap(&[("eth0", true)])).expect("interface");
        assert_eq!(
            d.derived.as_deref(),
            Some("no IPv6 address: interface br-lan does not exist")
        );
        let d = from_snapshot(&p, &snap(&[("eth0", false), ("br-lan", true)])).expect("interface");
        assert!(d.addrs.is_empty(), "{:?}", d.addrs);
        assert_eq!(d.error.as_deref(), Some("interface eth0 is down"));
        // IPv6 only: nothing on the LAN is the whole error.
        let v6 = policy(
            "interface = \"br-lan\"\nipv4 = false\nipv6_prefix_from = \"br-lan\"\nipv6_host_id = \"::1234\"",
        );
        let mut bare = snap(&[("eth0", true), ("br-lan", true)]);
        bare.addrs
            .retain(|a| a.candidate.addr.to_string() != "2001:db8:1:2::1");
        let d = from_snapshot(&v6, &bare).expect("interface");
        assert!(d.addrs.is_empty());
        assert_eq!(
            d.error.as_deref(),
            Some("interface br-lan has no usable IPv6 prefix for host id ::1234")
        );
    }

    /// Answers per family: what answered is published, what failed is a note naming what
    /// is published instead; nothing published makes the failures the error, and a skipped
    /// address keeps its reason.
    #[test]
    fn what_answered_is_published_and_what_failed_is_a_note() {
        let p = policy("web = \"https://checkip.example/\"");
        let ip = |s: &str| -> IpAddr { s.parse().expect("ip") };
        let d = from_asked(&p, &[Ok(ip("203.0.113.7")), Err("no IPv6 service".into())]);
        assert_eq!(d.addrs, set(Some("203.0.113.7"), None));
        assert_eq!(d.error, None);
        assert_eq!(d.notes, ["no IPv6 service; publishing 203.0.113.7 only"]);
        let d = from_asked(&p, &[Ok(ip("203.0.113.7")), Ok(ip("2001:db8::7"))]);
        assert_eq!(d.addrs, set(Some("203.0.113.7"), Some("2001:db8::7")));
        assert!(d.notes.is_empty() && d.error.is_none());
        let d = from_asked(&p, &[Ok(ip("10.0.0.1")), Err("down".into())]);
        assert!(d.addrs.is_empty());
        assert_eq!(d.skipped, [(ip("10.0.0.1"), SkipReason::Private)]);
        let e = d.error.expect("an error");
        assert!(
            e.starts_with("check-IP service reported 10.0.0.1:") && e.ends_with("; down"),
            "{e}"
        );
        let d = from_asked(&p, &[Err("a".into()), Err("b".into())]);
        assert_eq!(d.error.as_deref(), Some("a; b"));
    }

    /// Both drivers read the asks alike: a service that answered with an address, even one
    /// that cannot be published, is a reading (of nothing, with why); only when no ask
    /// answered with an address is the ask itself a failure, which keeps what is published.
    #[test]
    fn an_answer_with_any_address_is_a_reading_and_none_is_a_failure() {
        let p = policy("web = \"https://checkip.example/\"");
        let ip = |s: &str| -> IpAddr { s.parse().expect("ip") };
        let Reading::Found(d) = read_asked(&p, &[Ok(ip("100.64.1.1")), Err("down".into())]) else {
            panic!("a reading");
        };
        assert!(d.addrs.is_empty(), "{d:?}");
        assert!(d.error.is_some_and(|e| e.contains("100.64.1.1")));
        let Reading::Found(d) = read_asked(&p, &[Ok(ip("203.0.113.7"))]) else {
            panic!("a reading");
        };
        assert_eq!(d.addrs, set(Some("203.0.113.7"), None));
        assert_eq!(
            read_asked(&p, &[Err("a".into()), Err("b".into())]),
            Reading::Failed("a; b".into())
        );
    }

    /// A check-IP answer is validated like an interface address, and by family.
    #[test]
    fn a_check_ip_answer_is_validated_like_an_interface_address() {
        let p = policy("web = \"https://checkip.example/\"");
        assert_eq!(
            web_addresses(&p, "203.0.113.7".parse().expect("ip")),
            Ok(set(Some("203.0.113.7"), None))
        );
        assert_eq!(
            web_addresses(&p, "2001:db8::7".parse().expect("ip")),
            Ok(set(None, Some("2001:db8::7")))
        );
        let e = web_addresses(&p, "10.1.2.3".parse().expect("ip")).expect_err("private");
        assert!(e.starts_with("check-IP service reported 10.1.2.3:"), "{e}");
    }
}
