//! IPv6 addresses of hosts behind the router: the delegated prefix seen on a LAN interface
//! plus a host's fixed interface identifier (pure, no I/O).
//!
//! The ISP delegates a prefix (DHCPv6-PD) that changes on every reconnect, and the router puts
//! it on its LAN interface; a NAS or server behind it keeps its interface identifier. So the
//! router can publish `prefix + host id` without asking the host. The rules (README "IPv6 for
//! hosts behind the router"):
//! - the prefix comes from a global address on the LAN interface, with that address's prefix
//!   length; a temporary address carries the same prefix and may serve;
//! - an address that is deprecated (its preferred lifetime is over), tentative or failed
//!   duplicate-address detection gives no prefix: its prefix is on its way out or not in use;
//! - the host id must fit in the bits the prefix leaves;
//! - of several prefixes, one inside `ipv6_prefix` first; then the longest preferred lifetime
//!   (after a redial the new prefix has the full lifetime and the old one runs down); then the
//!   longest valid lifetime; then the kernel's order. The same interface state gives the same
//!   choice every time.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use crate::addr::{
    Candidate, Prefix, SkipReason, prefer_inside, scope_reason, skip_reason, v6_mask,
};

/// A host's interface identifier: the low bits of its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostId {
    /// Given as an address, like `::1234` or `::a:b:c:d`.
    Literal(Ipv6Addr),
    /// Derived from a MAC address as modified EUI-64 (RFC 4291 appendix A).
    Eui64([u8; 6]),
}

impl HostId {
    /// Reads a literal host id: an IPv6 address whose upper 64 bits are zero.
    pub fn literal(s: &str) -> Result<HostId, String> {
        let a: Ipv6Addr = s.parse().map_err(|_| {
            format!("\"{s}\" is not a host id; write the host's low bits as an address, like \"::1234\" or \"::a:b:c:d\"")
        })?;
        let bits = u128::from(a);
        if bits == 0 {
            return Err("\"::\" is not a host id: it names the prefix itself".into());
        }
        if bits >> 64 != 0 {
            return Err(format!(
                "\"{s}\" sets bits of the prefix; a host id is the low 64 bits, like \"::1234\" or \"::a:b:c:d\""
            ));
        }
        Ok(HostId::Literal(a))
    }

    /// Reads a MAC address (`00:11:22:33:44:55` or with `-`) for an EUI-64 host id.
    pub fn mac(s: &str) -> Result<HostId, String> {
        let bad = || {
            format!("\"{s}\" is not a MAC address; write six hex bytes like \"00:11:22:33:44:55\"")
        };
        let parts: Vec<&str> = s.split([':', '-']).collect();
        if parts.len() != 6 {
            return Err(bad());
        }
        let mut mac = [0u8; 6];
        for (b, p) in mac.iter_mut().zip(&parts) {
            if p.len() != 2 {
                return Err(bad());
            }
            *b = u8::from_str_radix(p, 16).map_err(|_| bad())?;
        }
        if mac[0] & 1 != 0 {
            return Err(format!(
                "\"{s}\" is a multicast MAC address; a host's own address is unicast"
            ));
        }
        if mac == [0; 6] {
            return Err(format!("\"{s}\" is not a host's MAC address"));
        }
        Ok(HostId::Eui64(mac))
    }

    /// The identifier's bits, in the low end of an address.
    pub fn bits(self) -> u128 {
        match self {
            HostId::Literal(a) => u128::from(a),
            HostId::Eui64(m) => {
                // The universal/local bit flips, and ff:fe goes in the middle.
                let id = [m[0] ^ 0x02, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]];
                u128::from(u64::from_be_bytes(id))
            }
        }
    }

    /// Whether it fits in the bits a prefix of length `len` leaves.
    pub fn fits(self, len: u8) -> bool {
        len < 128 && self.bits() >> (128 - u32::from(len)) == 0
    }
}

impl fmt::Display for HostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostId::Literal(a) => write!(f, "{a}"),
            HostId::Eui64(m) => write!(
                f,
                "{} (EUI-64 of {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x})",
                Ipv6Addr::from(self.bits()),
                m[0],
                m[1],
                m[2],
                m[3],
                m[4],
                m[5]
            ),
        }
    }
}

/// Where a LAN host's address comes from: the prefix on `interface`, and the host's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanHost {
    /// The router's LAN interface that carries the delegated prefix.
    pub interface: String,
    /// The host's interface identifier.
    pub host_id: HostId,
}

/// An address composed from a prefix and a host id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    /// What to publish.
    pub addr: Ipv6Addr,
    /// The router's address the prefix was taken from.
    pub from: Ipv6Addr,
    /// The prefix length of that address.
    pub prefix_len: u8,
    /// Its preferred lifetime left, in seconds (none: forever).
    pub preferred: Option<u32>,
}

impl Derived {
    /// The derivation in words, for `once --dry-run` and `status`.
    pub fn describe(&self, lan: &LanHost) -> String {
        let net = Ipv6Addr::from(u128::from(self.from) & v6_mask(self.prefix_len));
        let life = match self.preferred {
            Some(s) => format!("preferred for {s} s more"),
            None => "preferred forever".into(),
        };
        format!(
            "{} = prefix {net}/{} (from {} on {}, {life}) + host id {}",
            self.addr, self.prefix_len, self.from, lan.interface, lan.host_id
        )
    }
}

/// The outcome of deriving a LAN host's address from an interface's candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivation {
    /// The address to publish, if a prefix serves.
    pub chosen: Option<Derived>,
    /// The interface's IPv6 addresses that give no prefix, with why.
    pub skipped: Vec<(IpAddr, SkipReason)>,
}

/// Composes the host's address from the best prefix on the LAN interface (see module doc).
pub fn derive(
    candidates: &[Candidate],
    host_id: HostId,
    preferred_prefix: Option<&Prefix>,
    allow_private: bool,
) -> Derivation {
    let mut skipped = Vec::new();
    let mut usable: Vec<(usize, &Candidate, Ipv6Addr)> = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        let IpAddr::V6(a) = c.addr else { continue };
        // A temporary address lies in the same prefix as a stable one: it serves as well.
        // A link-local prefix never reaches the host from outside, whatever allow_private says.
        let why = skip_reason(c, allow_private)
            .filter(|r| *r != SkipReason::Temporary)
            .or(scope_reason(c.addr).filter(|r| *r == SkipReason::LinkLocal));
        match why {
            Some(r) => skipped.push((c.addr, r)),
            None if c.preferred == Some(0) => skipped.push((c.addr, SkipReason::Deprecated)),
            None if !host_id.fits(c.prefix_len) => {
                skipped.push((c.addr, SkipReason::NoRoomForHostId));
            }
            None => usable.push((i, c, a)),
        }
    }
    prefer_inside(
        preferred_prefix,
        &mut usable,
        |(_, c, _)| c.addr,
        &mut skipped,
    );
    // Forever (none) outlasts any count; the kernel's order breaks the last tie.
    let life = |l: Option<u32>| l.map_or(u64::MAX, u64::from);
    usable.sort_by_key(|(i, c, _)| {
        (
            std::cmp::Reverse(life(c.preferred)),
            std::cmp::Reverse(life(c.valid)),
            *i,
        )
    });
    let chosen = usable.first().map(|(_, c, a)| Derived {
        addr: Ipv6Addr::from(u128::from(*a) & v6_mask(c.prefix_len) | host_id.bits()),
        from: *a,
        prefix_len: c.prefix_len,
        preferred: c.preferred,
    });
    Derivation { chosen, skipped }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::AddrFlags;

    fn cand(addr: &str, len: u8, preferred: Option<u32>, valid: Option<u32>) -> Candidate {
        Candidate {
            addr: addr.parse().expect("test literal"),
            prefix_len: len,
            flags: AddrFlags::default(),
            preferred,
            valid,
        }
    }

    fn id(s: &str) -> HostId {
        HostId::literal(s).expect("host id")
    }

    /// Host ids: literals of the low 64 bits, and MAC addresses as modified EUI-64 (the
    /// example of RFC 4291 appendix A and the usual one of a NIC); what cannot be one is
    /// refused with the reason.
    #[test]
    fn host_ids_come_from_literals_or_mac_addresses_as_eui64() {
        assert_eq!(id("::1234").bits(), 0x1234);
        assert_eq!(id("::a:b:c:d").bits(), 0x000a_000b_000c_000d);
        let m = HostId::mac("00:11:22:33:44:55").expect("mac");
        assert_eq!(
            Ipv6Addr::from(m.bits()),
            "::211:22ff:fe33:4455".parse::<Ipv6Addr>().expect("ip")
        );
        assert_eq!(
            HostId::mac("02-00-5e-10-00-01").expect("mac").bits(),
            0x0000_5eff_fe10_0001
        );
        assert_eq!(
            m.to_string(),
            "::211:22ff:fe33:4455 (EUI-64 of 00:11:22:33:44:55)"
        );
        for bad in ["1234", "2001:db8::1", "::", "::1:2:3:4:5"] {
            assert!(HostId::literal(bad).is_err(), "{bad}");
        }
        for bad in [
            "00:11:22:33:44",
            "00:11:22:33:44:5",
            "01:00:5e:00:00:01",
            "00:00:00:00:00:00",
            "zz:11:22:33:44:55",
        ] {
            assert!(HostId::mac(bad).is_err(), "{bad}");
        }
        assert!(id("::1234").fits(64) && id("::1234").fits(112) && !id("::1234").fits(120));
        assert!(!id("::1").fits(128));
        assert!(!m.fits(72) && m.fits(64));
    }

    /// The prefix of the LAN address, the host id in the low bits.
    #[test]
    fn composes_prefix_and_host_id() {
        let d = derive(
            &[cand("2001:db8:1:2::1", 64, Some(3600), Some(7200))],
            id("::1234"),
            None,
            false,
        );
        let got = d.chosen.expect("derived");
        assert_eq!(
            got.addr,
            "2001:db8:1:2::1234".parse::<Ipv6Addr>().expect("ip")
        );
        let lan = LanHost {
            interface: "br-lan".into(),
            host_id: id("::1234"),
        };
        assert_eq!(
            got.describe(&lan),
            "2001:db8:1:2::1234 = prefix 2001:db8:1:2::/64 (from 2001:db8:1:2::1 on br-lan, preferred for 3600 s more) + host id ::1234"
        );
        // A /56 on the interface: the host id's bits land below it, the rest is the prefix.
        let d = derive(
            &[cand("2001:db8:1:ff00::1", 56, None, None)],
            id("::a:b:c:d"),
            None,
            false,
        );
        assert_eq!(
            d.chosen.expect("derived").addr,
            "2001:db8:1:ff00:a:b:c:d".parse::<Ipv6Addr>().expect("ip")
        );
    }

    /// What gives no prefix, and why: deprecated (flag or preferred lifetime 0), tentative,
    /// link-local, ULA without allow_private, IPv4, a prefix too long for the host id; a
    /// temporary address serves.
    #[test]
    fn unusable_addresses_give_no_prefix_and_say_why() {
        let mut deprecated = cand("2001:db8:1::1", 64, Some(100), Some(200));
        deprecated.flags.deprecated = true;
        let mut tentative = cand("2001:db8:2::1", 64, None, None);
        tentative.flags.tentative = true;
        let cands = [
            deprecated,
            tentative,
            cand("2001:db8:3::1", 64, Some(0), Some(50)),
            cand("fe80::1", 64, None, None),
            cand("fd00::1", 64, None, None),
            cand("192.0.2.1", 24, None, None),
            cand("2001:db8:4::1", 128, None, None),
        ];
        let d = derive(&cands, id("::1234"), None, false);
        assert_eq!(d.chosen, None);
        let reasons: Vec<SkipReason> = d.skipped.iter().map(|(_, r)| *r).collect();
        assert_eq!(
            reasons,
            [
                SkipReason::Deprecated,
                SkipReason::Tentative,
                SkipReason::Deprecated,
                SkipReason::LinkLocal,
                SkipReason::UniqueLocal,
                SkipReason::NoRoomForHostId
            ]
        );
        let d = derive(&cands, id("::1234"), None, true);
        assert_eq!(
            d.chosen.expect("ULA with allow_private").addr,
            "fd00::1234".parse::<Ipv6Addr>().expect("ip")
        );
        let mut temp = cand("2001:db8:5::8a3f:1", 64, Some(600), Some(900));
        temp.flags.temporary = true;
        let d = derive(&[temp], id("::1234"), None, false);
        assert_eq!(
            d.chosen.expect("temporary").addr,
            "2001:db8:5::1234".parse::<Ipv6Addr>().expect("ip")
        );
    }

    /// Several prefixes: inside ipv6_prefix first, then the longest preferred lifetime, then
    /// the longest valid one, then the kernel's order; the same input gives the same answer.
    #[test]
    fn of_several_prefixes_the_preferred_then_the_longest_lived_wins() {
        let old = cand("2001:db8:1::1", 64, Some(300), Some(7000));
        let new = cand("2001:db8:2::1", 64, Some(3600), Some(7200));
        let pick = |cands: &[Candidate], pref: Option<&str>| {
            let p: Option<Prefix> = pref.map(|s| s.parse().expect("prefix"));
            derive(cands, id("::1234"), p.as_ref(), false)
                .chosen
                .expect("derived")
                .addr
                .to_string()
        };
        assert_eq!(pick(&[old.clone(), new.clone()], None), "2001:db8:2::1234");
        assert_eq!(pick(&[new.clone(), old.clone()], None), "2001:db8:2::1234");
        assert_eq!(
            pick(&[old.clone(), new.clone()], Some("2001:db8:1::/48")),
            "2001:db8:1::1234"
        );
        let forever = cand("2001:db8:3::1", 64, None, None);
        assert_eq!(pick(&[new.clone(), forever], None), "2001:db8:3::1234");
        let same_pref = cand("2001:db8:4::1", 64, Some(3600), Some(9000));
        assert_eq!(pick(&[new.clone(), same_pref], None), "2001:db8:4::1234");
        let twin = cand("2001:db8:5::1", 64, Some(3600), Some(7200));
        assert_eq!(pick(&[new.clone(), twin.clone()], None), "2001:db8:2::1234");
        assert_eq!(pick(&[twin, new], None), "2001:db8:5::1234");
    }
}
