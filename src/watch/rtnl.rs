//! The few rtnetlink messages dynward reads, parsed by hand (pure, no I/O).
//!
//! dynward needs three message types (links, addresses, routes) and a handful of attributes.
//! `netlink-packet-route` decodes every attribute the kernel knows, which cost a third of a
//! megabyte of binary on a router; this module reads only what is used and skips the rest.
//! Its output is checked against that crate on real kernel dumps (`tests` below) and it is
//! fuzzed (`fuzz/`): any input yields messages or an error, never a panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const NLMSG_HDR: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_OVERRUN: u16 = 4;
/// RTM_NEWLINK.
pub const RTM_NEWLINK: u16 = 16;
/// RTM_GETLINK.
pub const RTM_GETLINK: u16 = 18;
/// RTM_NEWADDR.
pub const RTM_NEWADDR: u16 = 20;
/// RTM_GETADDR.
pub const RTM_GETADDR: u16 = 22;
/// RTM_NEWROUTE.
pub const RTM_NEWROUTE: u16 = 24;
/// RTM_GETROUTE.
pub const RTM_GETROUTE: u16 = 26;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_CACHEINFO: u16 = 6;
const IFA_FLAGS: u16 = 8;
const IFLA_IFNAME: u16 = 3;
const RTA_OIF: u16 = 4;
const RTA_PRIORITY: u16 = 6;
const RTA_TABLE: u16 = 15;
/// IFF_UP.
pub const IFF_UP: u32 = 0x1;
/// IFF_LOWER_UP (carrier).
pub const IFF_LOWER_UP: u32 = 0x1_0000;

/// A link (RTM_NEWLINK).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Interface index.
    pub index: u32,
    /// IFF_* flags.
    pub flags: u32,
    /// IFLA_IFNAME.
    pub name: Option<String>,
}

/// An address (RTM_NEWADDR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addr {
    /// Interface index.
    pub index: u32,
    /// Prefix length.
    pub prefix_len: u8,
    /// IFA_F_* flags: IFA_FLAGS (32 bit) when present, else the header's 8 bits.
    pub flags: u32,
    /// IFA_ADDRESS (the peer on point-to-point links).
    pub address: Option<IpAddr>,
    /// IFA_LOCAL (our own address on point-to-point links).
    pub local: Option<IpAddr>,
    /// IFA_CACHEINFO: the preferred and valid lifetimes left, in seconds (`u32::MAX`:
    /// forever).
    pub lifetimes: Option<(u32, u32)>,
}

/// A route (RTM_NEWROUTE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// AF_INET or AF_INET6.
    pub family: u8,
    /// Destination prefix length (0 = default route).
    pub dst_len: u8,
    /// Routing table (RTA_TABLE when present, else the header byte).
    pub table: u32,
    /// Output interface.
    pub oif: Option<u32>,
    /// Metric.
    pub priority: u32,
}

/// One message of a dump or notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// RTM_NEWLINK.
    Link(Link),
    /// RTM_NEWADDR.
    Addr(Addr),
    /// RTM_NEWROUTE.
    Route(Route),
    /// End of a dump.
    Done,
    /// NLMSG_ERROR with a non-zero errno (negative, as the kernel sends it).
    Error(i32),
    /// Anything else (deletions, acks, other types): ignored by dynward's re-read logic.
    Other(u16),
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_ne_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

const fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// Walks the attributes (rtattr) in `b`, calling `f(type, payload)` for each. A truncated
/// attribute ends the walk with an error.
fn attrs(b: &[u8], mut f: impl FnMut(u16, &[u8])) -> Result<(), String> {
    let mut at = 0;
    while at + 4 <= b.len() {
        let len = usize::from(u16_at(b, at).unwrap_or(0));
        let kind = u16_at(b, at + 2).unwrap_or(0) & 0x3fff; // without NLA_F_NESTED/BYTEORDER
        if len < 4 || at + len > b.len() {
            return Err(format!(
                "attribute of length {len} at offset {at} overruns its message"
            ));
        }
        f(kind, &b[at + 4..at + len]);
        at += align4(len);
    }
    Ok(())
}

fn ip(family: u8, p: &[u8]) -> Option<IpAddr> {
    match (family, p.len()) {
        (AF_INET, 4) => Some(IpAddr::V4(Ipv4Addr::new(p[0], p[1], p[2], p[3]))),
        (AF_INET6, 16) => {
            let mut a = [0u8; 16];
            a.copy_from_slice(p);
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

fn parse_one(kind: u16, body: &[u8]) -> Result<Msg, String> {
    Ok(match kind {
        NLMSG_DONE => Msg::Done,
        NLMSG_ERROR => {
            let errno = u32_at(body, 0).ok_or_else(|| short("error", body))? as i32;
            if errno == 0 {
                Msg::Other(kind)
            } else {
                Msg::Error(errno)
            }
        }
        NLMSG_OVERRUN => Msg::Error(-105),
        RTM_NEWLINK => Msg::Link(link(body)?),
        RTM_NEWADDR => Msg::Addr(addr(body)?),
        RTM_NEWROUTE => Msg::Route(route(body)?),
        other => Msg::Other(other),
    })
}

/// A message too short for its kind.
fn short(what: &str, body: &[u8]) -> String {
    format!("{what} message too short ({} bytes)", body.len())
}

/// `struct ifinfomsg` and its name.
fn link(body: &[u8]) -> Result<Link, String> {
    if body.len() < 16 {
        return Err(short("link", body));
    }
    let mut l = Link {
        index: u32_at(body, 4).unwrap_or(0),
        flags: u32_at(body, 8).unwrap_or(0),
        name: None,
    };
    attrs(&body[16..], |t, p| {
        if t == IFLA_IFNAME {
            let n = p.split(|c| *c == 0).next().unwrap_or(&[]);
            l.name = Some(String::from_utf8_lossy(n).into_owned());
        }
    })?;
    Ok(l)
}

/// `struct ifaddrmsg` and its address, flags and lifetimes.
fn addr(body: &[u8]) -> Result<Addr, String> {
    if body.len() < 8 {
        return Err(short("address", body));
    }
    let family = body[0];
    let mut a = Addr {
        index: u32_at(body, 4).unwrap_or(0),
        prefix_len: body[1],
        flags: u32::from(body[2]),
        address: None,
        local: None,
        lifetimes: None,
    };
    attrs(&body[8..], |t, p| match t {
        IFA_ADDRESS => a.address = ip(family, p),
        IFA_LOCAL => a.local = ip(family, p),
        IFA_FLAGS => {
            if let Some(f) = u32_at(p, 0) {
                a.flags = f;
            }
        }
        // struct ifa_cacheinfo: ifa_prefered, ifa_valid, then two time stamps.
        IFA_CACHEINFO => {
            if let (Some(pref), Some(valid)) = (u32_at(p, 0), u32_at(p, 4)) {
                a.lifetimes = Some((pref, valid));
            }
        }
        _ => {}
    })?;
    Ok(a)
}

/// `struct rtmsg` and its output interface, priority and table.
fn route(body: &[u8]) -> Result<Route, String> {
    if body.len() < 12 {
        return Err(short("route", body));
    }
    let mut r = Route {
        family: body[0],
        dst_len: body[1],
        table: u32::from(body[4]),
        oif: None,
        priority: 0,
    };
    attrs(&body[12..], |t, p| match t {
        RTA_OIF => r.oif = u32_at(p, 0),
        RTA_PRIORITY => r.priority = u32_at(p, 0).unwrap_or(0),
        RTA_TABLE => {
            if let Some(t) = u32_at(p, 0) {
                r.table = t;
            }
        }
        _ => {}
    })?;
    Ok(r)
}

/// Parses every netlink message in one datagram.
pub fn parse(buf: &[u8]) -> Result<Vec<Msg>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + NLMSG_HDR <= buf.len() {
        let len = u32_at(buf, at).unwrap_or(0) as usize;
        let kind = u16_at(buf, at + 4).unwrap_or(0);
        if len < NLMSG_HDR || len > buf.len() - at {
            return Err(format!(
                "netlink message of length {len} at offset {at} in a {}-byte datagram",
                buf.len()
            ));
        }
        out.push(parse_one(kind, &buf[at + NLMSG_HDR..at + len])?);
        at += align4(len);
    }
    Ok(out)
}

/// A dump request for links, addresses or routes (all families).
pub fn dump_request(kind: u16, seq: u32) -> Vec<u8> {
    // The request's body is the family-agnostic header of the message type, zeroed.
    let body = match kind {
        RTM_GETLINK => 16,
        RTM_GETADDR => 8,
        _ => 12,
    };
    let len = NLMSG_HDR + body;
    let mut b = Vec::with_capacity(len);
    b.extend_from_slice(&(len as u32).to_ne_bytes());
    b.extend_from_slice(&kind.to_ne_bytes());
    b.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    b.extend_from_slice(&seq.to_ne_bytes());
    b.extend_from_slice(&0u32.to_ne_bytes());
    b.resize(len, 0);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nlmsg(kind: u16, body: &[u8]) -> Vec<u8> {
        let len = NLMSG_HDR + body.len();
        let mut b = Vec::new();
        b.extend_from_slice(&(len as u32).to_ne_bytes());
        b.extend_from_slice(&kind.to_ne_bytes());
        b.extend_from_slice(&[0; 10]);
        b.extend_from_slice(body);
        b.resize(align4(b.len()), 0);
        b
    }

    fn rta(kind: u16, payload: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
        b.extend_from_slice(&kind.to_ne_bytes());
        b.extend_from_slice(payload);
        b.resize(align4(b.len()), 0);
        b
    }

    /// An address message with IFA_LOCAL, IFA_ADDRESS, IFA_FLAGS and IFA_CACHEINFO, then
    /// DONE.
    #[test]
    fn an_address_message_reads_whole_then_done() {
        let mut body = vec![AF_INET, 24, 0x01, 0, 7, 0, 0, 0];
        body[4..8].copy_from_slice(&7u32.to_ne_bytes());
        body.extend(rta(IFA_ADDRESS, &[198, 51, 100, 1]));
        body.extend(rta(IFA_LOCAL, &[203, 0, 113, 9]));
        body.extend(rta(IFA_FLAGS, &0x80u32.to_ne_bytes()));
        let cache: Vec<u8> = [3600u32, 7200, 11, 12]
            .iter()
            .flat_map(|x| x.to_ne_bytes())
            .collect();
        body.extend(rta(IFA_CACHEINFO, &cache));
        let mut dgram = nlmsg(RTM_NEWADDR, &body);
        dgram.extend(nlmsg(NLMSG_DONE, &[0, 0, 0, 0]));
        let m = parse(&dgram).expect("parses");
        assert_eq!(
            m,
            vec![
                Msg::Addr(Addr {
                    index: 7,
                    prefix_len: 24,
                    flags: 0x80,
                    address: Some("198.51.100.1".parse().expect("ip")),
                    local: Some("203.0.113.9".parse().expect("ip")),
                    lifetimes: Some((3600, 7200)),
                }),
                Msg::Done
            ]
        );
    }

    /// Links keep their name without the NUL; routes take RTA_TABLE over the header byte.
    #[test]
    fn links_keep_their_name_and_routes_take_the_table_attribute() {
        let mut link = vec![0u8; 16];
        link[4..8].copy_from_slice(&3u32.to_ne_bytes());
        link[8..12].copy_from_slice(&(IFF_UP | IFF_LOWER_UP).to_ne_bytes());
        link.extend(rta(IFLA_IFNAME, b"eth0\0"));
        let mut route = vec![AF_INET6, 0, 0, 0, 254, 0, 0, 1, 0, 0, 0, 0];
        route.extend(rta(RTA_TABLE, &1000u32.to_ne_bytes()));
        route.extend(rta(RTA_OIF, &3u32.to_ne_bytes()));
        route.extend(rta(RTA_PRIORITY, &1024u32.to_ne_bytes()));
        let mut d = nlmsg(RTM_NEWLINK, &link);
        d.extend(nlmsg(RTM_NEWROUTE, &route));
        let m = parse(&d).expect("parses");
        assert_eq!(
            m[0],
            Msg::Link(Link {
                index: 3,
                flags: IFF_UP | IFF_LOWER_UP,
                name: Some("eth0".into())
            })
        );
        assert_eq!(
            m[1],
            Msg::Route(Route {
                family: AF_INET6,
                dst_len: 0,
                table: 1000,
                oif: Some(3),
                priority: 1024
            })
        );
    }

    /// Errors and malformed input: an error, never a panic.
    #[test]
    fn malformed_input_is_an_error_never_a_panic() {
        let err = nlmsg(NLMSG_ERROR, &(-13i32).to_ne_bytes());
        assert_eq!(parse(&err).expect("parses"), vec![Msg::Error(-13)]);
        let ack = nlmsg(NLMSG_ERROR, &0i32.to_ne_bytes());
        assert_eq!(parse(&ack).expect("parses"), vec![Msg::Other(NLMSG_ERROR)]);
        assert!(parse(&[]).expect("empty").is_empty());
        // Length field past the end.
        let mut bad = nlmsg(RTM_NEWADDR, &[AF_INET, 24, 0, 0, 1, 0, 0, 0]);
        bad[0] = 200;
        assert!(parse(&bad).is_err());
        // Length below the header size.
        let mut tiny = nlmsg(NLMSG_DONE, &[0; 4]);
        tiny[0..4].copy_from_slice(&4u32.to_ne_bytes());
        assert!(parse(&tiny).is_err());
        // Truncated bodies and attributes.
        assert!(parse(&nlmsg(RTM_NEWADDR, &[AF_INET, 24])).is_err());
        let mut body = vec![AF_INET, 24, 0, 0, 1, 0, 0, 0];
        body.extend_from_slice(&[40, 0, 1, 0, 1, 2, 3, 4]);
        assert!(parse(&nlmsg(RTM_NEWADDR, &body)).is_err());
        // A wrong-size address payload is ignored, not misread.
        let mut body = vec![AF_INET, 24, 0, 0, 1, 0, 0, 0];
        body.extend(rta(IFA_ADDRESS, &[1, 2, 3]));
        let Msg::Addr(a) = &parse(&nlmsg(RTM_NEWADDR, &body)).expect("parses")[0] else {
            panic!()
        };
        assert_eq!(a.address, None);
        // Every prefix of a valid datagram parses or errs without panicking.
        let mut d = nlmsg(RTM_NEWADDR, &[AF_INET6, 64, 0, 0, 2, 0, 0, 0]);
        d.extend(nlmsg(NLMSG_DONE, &[0; 4]));
        for n in 0..d.len() {
            let _ = parse(&d[..n]);
        }
    }

    /// Requests are well-formed dump requests.
    #[test]
    fn requests_are_well_formed_dump_requests() {
        let r = dump_request(RTM_GETADDR, 9);
        assert_eq!(r.len(), 24);
        assert_eq!(u32_at(&r, 0), Some(24));
        assert_eq!(u16_at(&r, 4), Some(RTM_GETADDR));
        assert_eq!(u16_at(&r, 6), Some(NLM_F_REQUEST | NLM_F_DUMP));
        assert_eq!(u32_at(&r, 8), Some(9));
        assert_eq!(dump_request(RTM_GETLINK, 1).len(), 32);
        assert_eq!(dump_request(RTM_GETROUTE, 1).len(), 28);
    }
}
