//! Interface addresses and the default route, read from the kernel over rtnetlink.
//!
//! A netlink dump gives what `getifaddrs` cannot: the IPv6 flags (tentative, deprecated,
//! temporary, DAD-failed) that decide whether an address may be published. When netlink is
//! unavailable (a sandbox without AF_NETLINK), `if-addrs` lists addresses without flags.
//! [`Snapshot::read`] is the one reading both commands take: links, addresses and the
//! default route together.

use std::collections::HashMap;
use std::io;

use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};

use super::rtnl::{self, Msg};
use crate::addr::{AddrFlags, Candidate};

const IFA_F_SECONDARY: u32 = 0x01; // IFA_F_TEMPORARY on IPv6
const IFA_F_OPTIMISTIC: u32 = 0x04;
const IFA_F_DADFAILED: u32 = 0x08;
const IFA_F_DEPRECATED: u32 = 0x20;
const IFA_F_TENTATIVE: u32 = 0x40;

/// An address on a named interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfAddr {
    /// Kernel interface index.
    pub index: u32,
    /// Interface name.
    pub name: String,
    /// The address and its flags.
    pub candidate: Candidate,
}

/// Why the interface listing failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Netlink could not be opened or read.
    #[error("cannot read interface addresses over netlink: {0}")]
    Netlink(io::Error),
    /// The kernel sent something the decoder could not read.
    #[error("cannot decode a netlink message: {0}")]
    Decode(String),
    /// Neither netlink nor getifaddrs worked.
    #[error("cannot list interface addresses: {0}")]
    List(io::Error),
}

/// The candidate an RTM_NEWADDR message describes, with its interface index.
///
/// IPv4 point-to-point links (PPP) put the peer in IFA_ADDRESS and our own address in
/// IFA_LOCAL, so IFA_LOCAL wins when present. Flags above 0xff exist only in IFA_FLAGS.
pub fn candidate_of(msg: &rtnl::Addr) -> Option<(u32, Candidate)> {
    let addr = msg.local.or(msg.address)?;
    let f = msg.flags;
    let v6 = addr.is_ipv6();
    Some((
        msg.index,
        Candidate {
            addr,
            prefix_len: msg.prefix_len,
            flags: AddrFlags {
                // IFA_F_TEMPORARY and IFA_F_SECONDARY share bit 0x01: temporary on IPv6,
                // secondary on IPv4.
                temporary: v6 && f & IFA_F_SECONDARY != 0,
                secondary: !v6 && f & IFA_F_SECONDARY != 0,
                // Optimistic DAD: usable while still tentative.
                tentative: f & IFA_F_TENTATIVE != 0 && f & IFA_F_OPTIMISTIC == 0,
                deprecated: f & IFA_F_DEPRECATED != 0,
                dad_failed: f & IFA_F_DADFAILED != 0,
            },
            preferred: msg.lifetimes.and_then(|(p, _)| finite(p)),
            valid: msg.lifetimes.and_then(|(_, v)| finite(v)),
        },
    ))
}

/// A lifetime in seconds; the kernel's "forever" (INFINITY_LIFE_TIME) is none.
fn finite(secs: u32) -> Option<u32> {
    (secs != u32::MAX).then_some(secs)
}

/// The raw datagrams of one dump, as the kernel sent them.
pub fn dump_raw(kind: u16) -> Result<Vec<Vec<u8>>, Error> {
    let mut socket = Socket::new(NETLINK_ROUTE).map_err(Error::Netlink)?;
    socket.bind_auto().map_err(Error::Netlink)?;
    socket
        .connect(&SocketAddr::new(0, 0))
        .map_err(Error::Netlink)?;
    socket
        .send(&rtnl::dump_request(kind, 1), 0)
        .map_err(Error::Netlink)?;
    let mut out = Vec::new();
    loop {
        let mut rx = Vec::with_capacity(64 * 1024);
        socket.recv(&mut rx, 0).map_err(Error::Netlink)?;
        let msgs = rtnl::parse(&rx).map_err(Error::Decode)?;
        out.push(rx);
        for m in msgs {
            match m {
                Msg::Done => return Ok(out),
                Msg::Error(e) => {
                    return Err(Error::Netlink(io::Error::from_raw_os_error(-e)));
                }
                _ => {}
            }
        }
    }
}

fn dump(kind: u16) -> Result<Vec<Msg>, Error> {
    let mut all = Vec::new();
    for d in dump_raw(kind)? {
        all.extend(rtnl::parse(&d).map_err(Error::Decode)?);
    }
    Ok(all)
}

/// Every link: index to (name, whether it is up with carrier).
fn links() -> Result<HashMap<u32, (String, bool)>, Error> {
    let mut out = HashMap::new();
    for m in dump(rtnl::RTM_GETLINK)? {
        if let Msg::Link(l) = m {
            let up = l.flags & rtnl::IFF_UP != 0 && l.flags & rtnl::IFF_LOWER_UP != 0;
            if let Some(n) = l.name {
                out.insert(l.index, (n, up));
            }
        }
    }
    Ok(out)
}

/// Everything the address watcher needs, read in one go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Every address, in kernel order.
    pub addrs: Vec<IfAddr>,
    /// Interface name to "up with carrier".
    pub up: HashMap<String, bool>,
    /// The default route's interface, if there is one.
    pub default_route: Option<String>,
}

impl Snapshot {
    /// Reads links, addresses and (when asked) the default route.
    pub fn read(with_route: bool) -> Result<Snapshot, Error> {
        let links = match links() {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!(error = %e, "netlink unavailable; listing without link state");
                return Ok(Snapshot {
                    addrs: list_getifaddrs()?,
                    up: HashMap::new(),
                    default_route: None,
                });
            }
        };
        let names: HashMap<u32, String> = links.iter().map(|(i, (n, _))| (*i, n.clone())).collect();
        Ok(Snapshot {
            addrs: list_with(&names)?,
            up: links.into_values().collect(),
            default_route: if with_route {
                default_route_with(&names)?
            } else {
                None
            },
        })
    }
}

fn list_with(names: &HashMap<u32, String>) -> Result<Vec<IfAddr>, Error> {
    let mut out = Vec::new();
    for m in dump(rtnl::RTM_GETADDR)? {
        if let Msg::Addr(a) = m
            && let Some((index, candidate)) = candidate_of(&a)
        {
            out.push(IfAddr {
                index,
                name: names
                    .get(&index)
                    .cloned()
                    .unwrap_or_else(|| format!("if{index}")),
                candidate,
            });
        }
    }
    Ok(out)
}

fn list_getifaddrs() -> Result<Vec<IfAddr>, Error> {
    let all = if_addrs::get_if_addrs().map_err(Error::List)?;
    Ok(all
        .into_iter()
        .map(|i| IfAddr {
            index: i.index.unwrap_or(0),
            name: i.name.clone(),
            candidate: Candidate::plain(i.ip()),
        })
        .collect())
}

/// The name of the interface that carries the default route (IPv4 first, then IPv6), the one
/// with the lowest metric when there are several. `None` when there is no default route.
fn default_route_with(names: &HashMap<u32, String>) -> Result<Option<String>, Error> {
    let mut best: Option<(u8, u32, u32)> = None; // (family rank, metric, oif)
    for m in dump(rtnl::RTM_GETROUTE)? {
        let Msg::Route(r) = m else { continue };
        // Only a default route of the main table (254) decides where ordinary traffic goes.
        let (0, 254, Some(oif)) = (r.dst_len, r.table, r.oif) else {
            continue;
        };
        let rank = u8::from(r.family != 2);
        let key = (rank, r.priority, oif);
        if best.is_none_or(|b| key < b) {
            best = Some(key);
        }
    }
    Ok(best.and_then(|(_, _, oif)| names.get(&oif).cloned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(addr: &str, flags: u32, local: Option<&str>) -> rtnl::Addr {
        rtnl::Addr {
            index: 7,
            prefix_len: 64,
            flags,
            address: Some(addr.parse().expect("ip")),
            local: local.map(|l| l.parse().expect("ip")),
            lifetimes: Some((u32::MAX, u32::MAX)),
        }
    }

    /// Flag bits map to the right meaning per family.
    #[test]
    fn flag_bits_mean_what_they_mean_per_family() {
        let (_, c) = candidate_of(&msg("2001:db8::1", 0x01, None)).expect("some");
        assert!(c.flags.temporary && !c.flags.secondary);
        let (_, c) = candidate_of(&msg("192.0.2.1", 0x01, None)).expect("some");
        assert!(c.flags.secondary && !c.flags.temporary);
        let (_, c) = candidate_of(&msg("2001:db8::1", 0x40, None)).expect("some");
        assert!(c.flags.tentative);
        assert_eq!((c.preferred, c.valid), (None, None), "forever");
        let timed = rtnl::Addr {
            lifetimes: Some((0, 120)),
            ..msg("2001:db8::1", 0, None)
        };
        let (_, c) = candidate_of(&timed).expect("some");
        assert_eq!((c.preferred, c.valid), (Some(0), Some(120)));
        let (_, c) = candidate_of(&msg("2001:db8::1", 0x44, None)).expect("some");
        assert!(!c.flags.tentative, "optimistic DAD is usable");
        let (_, c) = candidate_of(&msg("2001:db8::1", 0x20, None)).expect("some");
        assert!(c.flags.deprecated && !c.flags.tentative);
        let (_, c) = candidate_of(&msg("2001:db8::1", 0x08, None)).expect("some");
        assert!(c.flags.dad_failed);
    }

    /// On a point-to-point link our address is IFA_LOCAL, not IFA_ADDRESS (the peer).
    #[test]
    fn on_a_point_to_point_link_our_address_is_the_local_one() {
        let (idx, c) = candidate_of(&msg("198.51.100.1", 0, Some("203.0.113.9"))).expect("some");
        assert_eq!(idx, 7);
        assert_eq!(
            c.addr,
            "203.0.113.9".parse::<std::net::IpAddr>().expect("ip")
        );
    }

    /// The real kernel dump works: it includes loopback, up, with its address.
    #[test]
    fn kernel_snapshot_has_loopback() {
        let s = Snapshot::read(true).expect("reading works on Linux");
        assert!(
            s.addrs
                .iter()
                .any(|a| a.name == "lo" && a.candidate.addr.is_loopback()),
            "{s:?}"
        );
        assert_eq!(s.up.get("lo"), Some(&true), "{s:?}");
    }

    /// Differential test: the hand-written parser reads the kernel's real dumps exactly as
    /// netlink-packet-route does (links, addresses with flags, routes).
    #[test]
    fn agrees_with_netlink_packet_route() {
        use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
        use netlink_packet_route::RouteNetlinkMessage;
        use netlink_packet_route::address::AddressAttribute;
        use netlink_packet_route::link::LinkAttribute;
        use netlink_packet_route::route::RouteAttribute;

        let mut compared = 0;
        for kind in [rtnl::RTM_GETLINK, rtnl::RTM_GETADDR, rtnl::RTM_GETROUTE] {
            for d in dump_raw(kind).expect("dump") {
                let ours: Vec<Msg> = rtnl::parse(&d)
                    .expect("ours parses")
                    .into_iter()
                    .filter(|m| !matches!(m, Msg::Done))
                    .collect();
                let mut theirs = Vec::new();
                let mut at = 0;
                while at < d.len() {
                    let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&d[at..])
                        .expect("crate parses");
                    at += (m.header.length as usize + 3) & !3;
                    theirs.push(m.payload);
                }
                let theirs: Vec<_> = theirs
                    .into_iter()
                    .filter(|p| !matches!(p, NetlinkPayload::Done(_)))
                    .collect();
                assert_eq!(ours.len(), theirs.len());
                for (o, t) in ours.iter().zip(&theirs) {
                    compared += 1;
                    match (o, t) {
                        (
                            Msg::Link(l),
                            NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(m)),
                        ) => {
                            assert_eq!(l.index, m.header.index);
                            assert_eq!(l.flags, m.header.flags.bits());
                            let name = m.attributes.iter().find_map(|a| match a {
                                LinkAttribute::IfName(n) => Some(n.clone()),
                                _ => None,
                            });
                            assert_eq!(l.name, name);
                        }
                        (
                            Msg::Addr(a),
                            NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewAddress(m)),
                        ) => {
                            assert_eq!(a.index, m.header.index);
                            assert_eq!(a.prefix_len, m.header.prefix_len);
                            let mut flags = u32::from(m.header.flags.bits());
                            let (mut addr, mut local) = (None, None);
                            for at in &m.attributes {
                                match at {
                                    AddressAttribute::Address(x) => addr = Some(*x),
                                    AddressAttribute::Local(x) => local = Some(*x),
                                    AddressAttribute::Flags(f) => flags = f.bits(),
                                    _ => {}
                                }
                            }
                            assert_eq!((a.address, a.local, a.flags), (addr, local, flags));
                        }
                        (
                            Msg::Route(r),
                            NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewRoute(m)),
                        ) => {
                            assert_eq!(r.dst_len, m.header.destination_prefix_length);
                            let mut table = u32::from(m.header.table);
                            let (mut oif, mut prio) = (None, 0);
                            for at in &m.attributes {
                                match at {
                                    RouteAttribute::Oif(i) => oif = Some(*i),
                                    RouteAttribute::Priority(p) => prio = *p,
                                    RouteAttribute::Table(t) => table = *t,
                                    _ => {}
                                }
                            }
                            assert_eq!((r.table, r.oif, r.priority), (table, oif, prio));
                        }
                        other => panic!("messages differ: {other:?}"),
                    }
                }
            }
        }
        assert!(compared >= 3, "the dumps held links, addresses and routes");
    }
}
