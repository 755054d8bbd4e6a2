//! Interface addresses and the default route, read from the kernel over rtnetlink.
//!
//! A netlink dump gives what `getifaddrs` cannot: the IPv6 flags (tentative, deprecated,
//! temporary, DAD-failed) that decide whether an address may be published. When netlink is
//! unavailable (a sandbox without AF_NETLINK), `if-addrs` lists addresses without flags.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;

use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage};
use netlink_packet_route::link::{LinkAttribute, LinkMessage};
use netlink_packet_route::route::{RouteAttribute, RouteMessage};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};

use crate::addr::{AddrFlags, Candidate};

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
pub fn candidate_of(msg: &AddressMessage) -> Option<(u32, Candidate)> {
    let mut address = None;
    let mut local = None;
    let mut flags = u32::from(msg.header.flags.bits());
    for a in &msg.attributes {
        match a {
            AddressAttribute::Address(ip) => address = Some(*ip),
            AddressAttribute::Local(ip) => local = Some(*ip),
            AddressAttribute::Flags(f) => flags = f.bits(),
            _ => {}
        }
    }
    let addr: IpAddr = local.or(address)?;
    let f = AddressFlags::from_bits_retain(flags);
    let v6 = addr.is_ipv6();
    Some((
        msg.header.index,
        Candidate {
            addr,
            prefix_len: msg.header.prefix_len,
            flags: AddrFlags {
                // IFA_F_TEMPORARY and IFA_F_SECONDARY share bit 0x01: temporary on IPv6,
                // secondary on IPv4.
                temporary: v6 && f.contains(AddressFlags::Secondary),
                secondary: !v6 && f.contains(AddressFlags::Secondary),
                tentative: f.contains(AddressFlags::Tentative)
                    && !f.contains(AddressFlags::Optimistic),
                deprecated: f.contains(AddressFlags::Deprecated),
                dad_failed: f.contains(AddressFlags::Dadfailed),
            },
        },
    ))
}

fn dump(request: RouteNetlinkMessage) -> Result<Vec<RouteNetlinkMessage>, Error> {
    let mut socket = Socket::new(NETLINK_ROUTE).map_err(Error::Netlink)?;
    socket.bind_auto().map_err(Error::Netlink)?;
    socket
        .connect(&SocketAddr::new(0, 0))
        .map_err(Error::Netlink)?;
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(request));
    packet.finalize();
    let mut buf = vec![0u8; packet.buffer_len()];
    packet.serialize(&mut buf);
    socket.send(&buf, 0).map_err(Error::Netlink)?;

    let mut out = Vec::new();
    let mut rx = vec![0u8; 64 * 1024];
    loop {
        let size = socket.recv(&mut &mut rx[..], 0).map_err(Error::Netlink)?;
        let mut offset = 0;
        while offset < size {
            let msg = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&rx[offset..size])
                .map_err(|e| Error::Decode(e.to_string()))?;
            let len = msg.header.length as usize;
            match msg.payload {
                NetlinkPayload::Done(_) => return Ok(out),
                NetlinkPayload::Error(e) => {
                    return Err(Error::Netlink(io::Error::other(format!("{e:?}"))));
                }
                NetlinkPayload::InnerMessage(m) => out.push(m),
                _ => {}
            }
            if len == 0 {
                return Err(Error::Decode("zero-length netlink message".into()));
            }
            offset += len;
        }
    }
}

fn link_names() -> Result<HashMap<u32, String>, Error> {
    Ok(links()?.into_iter().map(|(i, (n, _))| (i, n)).collect())
}

/// Every link: index to (name, whether it is up with carrier).
fn links() -> Result<HashMap<u32, (String, bool)>, Error> {
    use netlink_packet_route::link::LinkFlags;
    let mut out = HashMap::new();
    for m in dump(RouteNetlinkMessage::GetLink(LinkMessage::default()))? {
        if let RouteNetlinkMessage::NewLink(l) = m {
            let up = l.header.flags.contains(LinkFlags::Up)
                && l.header.flags.contains(LinkFlags::LowerUp);
            for a in &l.attributes {
                if let LinkAttribute::IfName(n) = a {
                    out.insert(l.header.index, (n.clone(), up));
                }
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

/// Every address of every interface, in kernel order (a primary IPv4 before its secondaries).
pub fn list() -> Result<Vec<IfAddr>, Error> {
    match list_netlink() {
        Ok(v) => Ok(v),
        Err(e) => {
            tracing::debug!(error = %e, "netlink listing failed; falling back to getifaddrs (no IPv6 flags)");
            list_getifaddrs()
        }
    }
}

fn list_netlink() -> Result<Vec<IfAddr>, Error> {
    list_with(&link_names()?)
}

fn list_with(names: &HashMap<u32, String>) -> Result<Vec<IfAddr>, Error> {
    let mut out = Vec::new();
    for m in dump(RouteNetlinkMessage::GetAddress(AddressMessage::default()))? {
        if let RouteNetlinkMessage::NewAddress(a) = m
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
pub fn default_route_interface() -> Result<Option<String>, Error> {
    default_route_with(&link_names()?)
}

fn default_route_with(names: &HashMap<u32, String>) -> Result<Option<String>, Error> {
    let mut best: Option<(u8, u32, u32)> = None; // (family rank, metric, oif)
    for m in dump(RouteNetlinkMessage::GetRoute(RouteMessage::default()))? {
        let RouteNetlinkMessage::NewRoute(r) = m else {
            continue;
        };
        if r.header.destination_prefix_length != 0 {
            continue;
        }
        let mut oif = None;
        let mut metric = 0;
        let mut table = u32::from(r.header.table);
        for a in &r.attributes {
            match a {
                RouteAttribute::Oif(i) => oif = Some(*i),
                RouteAttribute::Priority(p) => metric = *p,
                RouteAttribute::Table(t) => table = *t,
                _ => {}
            }
        }
        // Only the main table (254) decides where ordinary traffic goes.
        let (Some(oif), 254) = (oif, table) else {
            continue;
        };
        let rank = u8::from(r.header.address_family != AddressFamily::Inet);
        let key = (rank, metric, oif);
        if best.is_none_or(|b| key < b) {
            best = Some(key);
        }
    }
    Ok(best.and_then(|(_, _, oif)| names.get(&oif).cloned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_route::address::AddressHeaderFlags;

    fn msg(
        addr: &str,
        header_flags: u8,
        flags: Option<u32>,
        local: Option<&str>,
    ) -> AddressMessage {
        let mut m = AddressMessage::default();
        m.header.index = 7;
        m.header.prefix_len = 64;
        m.header.flags = AddressHeaderFlags::from_bits_retain(header_flags);
        m.attributes
            .push(AddressAttribute::Address(addr.parse().expect("ip")));
        if let Some(l) = local {
            m.attributes
                .push(AddressAttribute::Local(l.parse().expect("ip")));
        }
        if let Some(f) = flags {
            m.attributes
                .push(AddressAttribute::Flags(AddressFlags::from_bits_retain(f)));
        }
        m
    }

    /// Flag bits map to the right meaning per family; IFA_FLAGS wins over the header byte.
    #[test]
    fn flags_decode() {
        let (_, c) = candidate_of(&msg("2001:db8::1", 0x01, None, None)).expect("some");
        assert!(c.flags.temporary && !c.flags.secondary);
        let (_, c) = candidate_of(&msg("192.0.2.1", 0x01, None, None)).expect("some");
        assert!(c.flags.secondary && !c.flags.temporary);
        let (_, c) = candidate_of(&msg("2001:db8::1", 0, Some(0x40), None)).expect("some");
        assert!(c.flags.tentative);
        // Optimistic DAD: usable while tentative.
        let (_, c) = candidate_of(&msg("2001:db8::1", 0, Some(0x44), None)).expect("some");
        assert!(!c.flags.tentative);
        let (_, c) = candidate_of(&msg("2001:db8::1", 0x40, Some(0x20), None)).expect("some");
        assert!(
            c.flags.deprecated && !c.flags.tentative,
            "IFA_FLAGS replaces the header flags"
        );
        let (_, c) = candidate_of(&msg("2001:db8::1", 0, Some(0x08), None)).expect("some");
        assert!(c.flags.dad_failed);
    }

    /// On a point-to-point link our address is IFA_LOCAL, not IFA_ADDRESS (the peer).
    #[test]
    fn ppp_local_wins() {
        let (idx, c) =
            candidate_of(&msg("198.51.100.1", 0, None, Some("203.0.113.9"))).expect("some");
        assert_eq!(idx, 7);
        assert_eq!(c.addr, "203.0.113.9".parse::<IpAddr>().expect("ip"));
    }

    /// The real kernel dump works and includes loopback.
    #[test]
    fn kernel_listing_has_loopback() {
        let all = list().expect("listing works on Linux");
        assert!(
            all.iter()
                .any(|a| a.name == "lo" && a.candidate.addr.is_loopback()),
            "{all:?}"
        );
    }
}
