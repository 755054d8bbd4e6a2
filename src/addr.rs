//! Which addresses may be published, and which one to pick: pure functions, no I/O.
//!
//! The rules (documented in README "Address choice"):
//! - IPv4: global addresses only. Private (RFC 1918), CGNAT (100.64.0.0/10), loopback,
//!   link-local, multicast, broadcast, unspecified and the reserved 240/4 are skipped unless the
//!   policy sets `allow_private = true` (which admits private, CGNAT and link-local, never
//!   loopback, multicast or unspecified). The documentation ranges are publishable, so tests
//!   can use them.
//! - IPv6: global unicast that is not temporary, deprecated, tentative or DAD-failed; never
//!   link-local; ULA (fc00::/7) only with `allow_private`.
//! - Several candidates: those inside the configured prefix (`ipv4_prefix`/`ipv6_prefix`) first;
//!   then, for IPv6, stable addresses (not `mngtmpaddr`-derived) first; then the interface's
//!   order as the kernel reports it (its primary address first). Ties keep that order, so the
//!   choice is deterministic.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The addresses published for a host: at most one per family.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddrSet {
    /// IPv4 address, if published.
    pub v4: Option<Ipv4Addr>,
    /// IPv6 address, if published.
    pub v6: Option<Ipv6Addr>,
}

impl AddrSet {
    /// Whether nothing is to be published.
    pub fn is_empty(&self) -> bool {
        self.v4.is_none() && self.v6.is_none()
    }

    /// Whether `ip` is one of the published addresses.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4 == Some(a),
            IpAddr::V6(a) => self.v6 == Some(a),
        }
    }

    /// The addresses as one list, `v4`, `v6` or `v4,v6` (dyndns2's `myip` form); empty
    /// when there is none.
    pub fn joined(&self) -> String {
        match (self.v4, self.v6) {
            (Some(a), Some(b)) => format!("{a},{b}"),
            (Some(a), None) => a.to_string(),
            (None, Some(b)) => b.to_string(),
            (None, None) => String::new(),
        }
    }
}

impl fmt::Display for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.v4, self.v6) {
            (None, None) => f.write_str("no address"),
            _ => f.write_str(&self.joined()),
        }
    }
}

/// Flags the kernel reports with an address (a subset of `IFA_F_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddrFlags {
    /// A privacy (temporary) address: changes often, must not be published.
    pub temporary: bool,
    /// Still in duplicate-address detection: not usable yet.
    pub tentative: bool,
    /// Preferred lifetime over: kept for old connections only.
    pub deprecated: bool,
    /// Duplicate-address detection failed.
    pub dad_failed: bool,
    /// A secondary IPv4 address (not the interface's primary).
    pub secondary: bool,
}

/// An address found on an interface, with its flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The address itself.
    pub addr: IpAddr,
    /// Its prefix length on the interface.
    pub prefix_len: u8,
    /// Kernel flags.
    pub flags: AddrFlags,
    /// Preferred lifetime left, in seconds (none: forever, or not reported).
    pub preferred: Option<u32>,
    /// Valid lifetime left, in seconds (none: forever, or not reported).
    pub valid: Option<u32>,
}

impl Candidate {
    /// A candidate with no flags set, as a web check or a plain listing yields.
    pub fn plain(addr: IpAddr) -> Self {
        Candidate {
            addr,
            prefix_len: if addr.is_ipv4() { 32 } else { 128 },
            flags: AddrFlags::default(),
            preferred: None,
            valid: None,
        }
    }
}

/// Why an address was not published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// RFC 1918 private IPv4.
    Private,
    /// Carrier-grade NAT shared space 100.64.0.0/10.
    Cgnat,
    /// Loopback.
    Loopback,
    /// Link-local (169.254/16, fe80::/10).
    LinkLocal,
    /// IPv6 unique local (fc00::/7).
    UniqueLocal,
    /// Multicast, broadcast, unspecified or reserved: never an address of a host.
    Unusable,
    /// IPv6 privacy address.
    Temporary,
    /// IPv6 address still in duplicate-address detection.
    Tentative,
    /// IPv6 address past its preferred lifetime.
    Deprecated,
    /// IPv6 address whose duplicate-address detection failed.
    DadFailed,
    /// Outside the configured prefix while another candidate is inside it.
    OutsidePrefix,
    /// A LAN prefix too long to take the host id (`ipv6_host_id`) in the bits it leaves.
    NoRoomForHostId,
}

impl SkipReason {
    /// Whether `allow_private = true` admits an address skipped for this reason.
    pub fn allowed_by_allow_private(self) -> bool {
        matches!(
            self,
            SkipReason::Private
                | SkipReason::Cgnat
                | SkipReason::LinkLocal
                | SkipReason::UniqueLocal
        )
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::Private => "private address (RFC 1918); publish it only with allow_private = true",
            SkipReason::Cgnat => "carrier-grade NAT address (100.64.0.0/10): your provider shares a public address; use a web source",
            SkipReason::Loopback => "loopback address",
            SkipReason::LinkLocal => "link-local address",
            SkipReason::UniqueLocal => "unique local IPv6 address (fc00::/7); publish it only with allow_private = true",
            SkipReason::Unusable => "multicast, broadcast, reserved or unspecified address",
            SkipReason::Temporary => "temporary (privacy) IPv6 address",
            SkipReason::Tentative => "IPv6 address still in duplicate-address detection",
            SkipReason::Deprecated => "deprecated IPv6 address",
            SkipReason::DadFailed => "IPv6 address failed duplicate-address detection",
            SkipReason::OutsidePrefix => "outside the configured prefix",
            SkipReason::NoRoomForHostId => "its prefix is too long for the host id",
        })
    }
}

/// An IP prefix such as `2001:db8:1::/48`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    addr: IpAddr,
    len: u8,
}

impl Prefix {
    /// Whether `ip` lies inside this prefix (always false across families).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(p), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(p) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(p), IpAddr::V6(a)) => {
                let mask = v6_mask(self.len);
                u128::from(p) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }

    /// Whether this is an IPv4 prefix.
    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// The network address, as written.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn length(&self) -> u8 {
        self.len
    }
}

impl FromStr for Prefix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (a, l) = s
            .split_once('/')
            .ok_or_else(|| format!("\"{s}\" is not a prefix; write e.g. \"2001:db8:1::/48\""))?;
        let addr: IpAddr = a
            .parse()
            .map_err(|_| format!("\"{a}\" is not an IP address"))?;
        let len: u8 = l
            .parse()
            .map_err(|_| format!("\"{l}\" is not a prefix length"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if len > max {
            return Err(format!("prefix length {len} is longer than {max}"));
        }
        Ok(Prefix { addr, len })
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// The network bits of an IPv6 prefix of length `len`.
pub fn v6_mask(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

fn in_v4(a: Ipv4Addr, net: [u8; 4], len: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    u32::from(a) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

/// Why this address is not publicly routable, or `None` when it may be published.
///
/// Only the address is looked at; flags are checked by [`skip_reason`].
pub fn scope_reason(ip: IpAddr) -> Option<SkipReason> {
    match ip {
        IpAddr::V4(a) => {
            if a.is_loopback() {
                Some(SkipReason::Loopback)
            } else if a.is_private() {
                Some(SkipReason::Private)
            } else if in_v4(a, [100, 64, 0, 0], 10) {
                Some(SkipReason::Cgnat)
            } else if a.is_link_local() {
                Some(SkipReason::LinkLocal)
            } else if a.is_unspecified()
                || a.is_multicast()
                || a.is_broadcast()
                || in_v4(a, [240, 0, 0, 0], 4)
                || in_v4(a, [0, 0, 0, 0], 8)
            {
                Some(SkipReason::Unusable)
            } else {
                None
            }
        }
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return scope_reason(IpAddr::V4(v4)).or(Some(SkipReason::Unusable));
            }
            let seg0 = a.segments()[0];
            if a.is_loopback() {
                Some(SkipReason::Loopback)
            } else if a.is_unspecified() || a.is_multicast() {
                Some(SkipReason::Unusable)
            } else if seg0 & 0xffc0 == 0xfe80 {
                Some(SkipReason::LinkLocal)
            } else if seg0 & 0xfe00 == 0xfc00 {
                Some(SkipReason::UniqueLocal)
            } else if seg0 & 0xe000 != 0x2000 {
                // Outside 2000::/3 nothing is global unicast today (site-local fec0::/10,
                // discard-only 100::/64 and the like).
                Some(SkipReason::Unusable)
            } else {
                None
            }
        }
    }
}

/// Why this candidate may not be published under the policy, or `None` when it may.
pub fn skip_reason(c: &Candidate, allow_private: bool) -> Option<SkipReason> {
    if c.addr.is_ipv6() {
        let f = c.flags;
        if f.dad_failed {
            return Some(SkipReason::DadFailed);
        }
        if f.tentative {
            return Some(SkipReason::Tentative);
        }
        if f.deprecated {
            return Some(SkipReason::Deprecated);
        }
        if f.temporary {
            return Some(SkipReason::Temporary);
        }
    }
    match scope_reason(c.addr) {
        Some(r) if allow_private && r.allowed_by_allow_private() => None,
        other => other,
    }
}

/// With a preferred `prefix` that some of `usable` lie in, keeps only those and names the
/// others in `skipped` as outside it; without one inside, keeps them all.
pub fn prefer_inside<T>(
    prefix: Option<&Prefix>,
    usable: &mut Vec<T>,
    addr: impl Fn(&T) -> IpAddr,
    skipped: &mut Vec<(IpAddr, SkipReason)>,
) {
    let Some(p) = prefix else {
        return;
    };
    if !usable.iter().any(|c| p.contains(addr(c))) {
        return;
    }
    usable.retain(|c| {
        let inside = p.contains(addr(c));
        if !inside {
            skipped.push((addr(c), SkipReason::OutsidePrefix));
        }
        inside
    });
}

/// The outcome of choosing among one family's candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The address to publish, if any.
    pub chosen: Option<IpAddr>,
    /// Every candidate not chosen because it is not publishable, with the reason.
    pub skipped: Vec<(IpAddr, SkipReason)>,
}

/// Picks the address to publish for one family from an interface's candidates (see module doc).
pub fn choose(
    candidates: &[Candidate],
    want_v6: bool,
    prefix: Option<&Prefix>,
    allow_private: bool,
) -> Choice {
    let mut skipped = Vec::new();
    let mut usable: Vec<&Candidate> = Vec::new();
    for c in candidates.iter().filter(|c| c.addr.is_ipv6() == want_v6) {
        match skip_reason(c, allow_private) {
            Some(r) => skipped.push((c.addr, r)),
            None => usable.push(c),
        }
    }
    prefer_inside(prefix, &mut usable, |c| c.addr, &mut skipped);
    // Stable sort: a primary IPv4 before secondaries; otherwise kernel order.
    usable.sort_by_key(|c| c.flags.secondary);
    Choice {
        chosen: usable.first().map(|c| c.addr),
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test literal")
    }

    /// Each address class gets the documented verdict.
    #[test]
    fn each_address_class_gets_its_documented_verdict() {
        let table: &[(&str, Option<SkipReason>)] = &[
            ("192.0.2.1", None),
            ("198.51.100.7", None),
            ("203.0.113.200", None),
            ("8.8.8.8", None),
            ("10.1.2.3", Some(SkipReason::Private)),
            ("172.16.0.1", Some(SkipReason::Private)),
            ("172.31.255.255", Some(SkipReason::Private)),
            ("172.32.0.1", None),
            ("192.168.1.1", Some(SkipReason::Private)),
            ("100.64.0.1", Some(SkipReason::Cgnat)),
            ("100.127.255.254", Some(SkipReason::Cgnat)),
            ("100.128.0.1", None),
            ("127.0.0.1", Some(SkipReason::Loopback)),
            ("169.254.3.4", Some(SkipReason::LinkLocal)),
            ("0.0.0.0", Some(SkipReason::Unusable)),
            ("224.0.0.1", Some(SkipReason::Unusable)),
            ("255.255.255.255", Some(SkipReason::Unusable)),
            ("240.0.0.1", Some(SkipReason::Unusable)),
            ("2001:db8::1", None),
            ("2a00:1450::1", None),
            ("::1", Some(SkipReason::Loopback)),
            ("::", Some(SkipReason::Unusable)),
            ("fe80::1", Some(SkipReason::LinkLocal)),
            ("fd00::2", Some(SkipReason::UniqueLocal)),
            ("fc00::2", Some(SkipReason::UniqueLocal)),
            ("ff02::1", Some(SkipReason::Unusable)),
            ("fec0::1", Some(SkipReason::Unusable)),
            ("::ffff:192.168.1.1", Some(SkipReason::Private)),
            ("::ffff:192.0.2.1", Some(SkipReason::Unusable)),
        ];
        for (a, want) in table {
            assert_eq!(scope_reason(ip(a)), *want, "{a}");
        }
    }

    /// IPv6 flags rule out addresses that are not (yet or any more) stable.
    #[test]
    fn flags_rule_out_v6() {
        let mut c = Candidate::plain(ip("2001:db8::5"));
        assert_eq!(skip_reason(&c, false), None);
        c.flags.tentative = true;
        assert_eq!(skip_reason(&c, false), Some(SkipReason::Tentative));
        c.flags = AddrFlags {
            deprecated: true,
            ..Default::default()
        };
        assert_eq!(skip_reason(&c, false), Some(SkipReason::Deprecated));
        c.flags = AddrFlags {
            temporary: true,
            ..Default::default()
        };
        assert_eq!(skip_reason(&c, true), Some(SkipReason::Temporary));
        c.flags = AddrFlags {
            dad_failed: true,
            ..Default::default()
        };
        assert_eq!(skip_reason(&c, false), Some(SkipReason::DadFailed));
        // IFA_F_TEMPORARY shares its bit with IFA_F_SECONDARY: on IPv4 "temporary" means nothing.
        let mut v4 = Candidate::plain(ip("192.0.2.9"));
        v4.flags.temporary = true;
        assert_eq!(skip_reason(&v4, false), None);
    }

    /// allow_private admits private, CGNAT, link-local and ULA, never loopback.
    #[test]
    fn allow_private_admits_private_cgnat_link_local_and_ula_never_loopback() {
        for a in ["10.0.0.1", "100.64.1.1", "169.254.1.1", "fd00::1"] {
            assert_eq!(skip_reason(&Candidate::plain(ip(a)), true), None, "{a}");
        }
        for a in ["127.0.0.1", "::1", "224.0.0.1"] {
            assert!(skip_reason(&Candidate::plain(ip(a)), true).is_some(), "{a}");
        }
    }

    /// The choice skips unpublishable ones with reasons, prefers the prefix, then primary.
    #[test]
    fn the_choice_skips_with_reasons_then_prefers_the_prefix_then_the_primary() {
        let mut secondary = Candidate::plain(ip("198.51.100.9"));
        secondary.flags.secondary = true;
        let cands = vec![
            Candidate::plain(ip("192.168.1.2")),
            secondary.clone(),
            Candidate::plain(ip("203.0.113.4")),
            Candidate::plain(ip("2001:db8:2::1")),
            Candidate::plain(ip("2001:db8:1::1")),
            Candidate::plain(ip("fe80::1")),
        ];
        let c4 = choose(&cands, false, None, false);
        assert_eq!(c4.chosen, Some(ip("203.0.113.4")));
        assert_eq!(c4.skipped, vec![(ip("192.168.1.2"), SkipReason::Private)]);

        let c6 = choose(&cands, true, None, false);
        assert_eq!(c6.chosen, Some(ip("2001:db8:2::1")));
        let p: Prefix = "2001:db8:1::/48".parse().expect("prefix");
        let c6p = choose(&cands, true, Some(&p), false);
        assert_eq!(c6p.chosen, Some(ip("2001:db8:1::1")));
        assert!(
            c6p.skipped
                .contains(&(ip("2001:db8:2::1"), SkipReason::OutsidePrefix))
        );
        // A prefix nothing matches does not empty the choice.
        let none: Prefix = "2001:db8:9::/48".parse().expect("prefix");
        assert_eq!(
            choose(&cands, true, Some(&none), false).chosen,
            Some(ip("2001:db8:2::1"))
        );
        // Only private candidates: nothing chosen, each skip explained.
        let only = [Candidate::plain(ip("10.0.0.2"))];
        let c = choose(&only, false, None, false);
        assert_eq!(c.chosen, None);
        assert_eq!(c.skipped.len(), 1);
        assert_eq!(
            choose(&only, false, None, true).chosen,
            Some(ip("10.0.0.2"))
        );
    }

    /// Prefix parsing and containment, including /0 and full-length prefixes.
    #[test]
    fn prefixes_parse_and_contain_from_zero_to_full_length() {
        let p: Prefix = "203.0.113.0/24".parse().expect("prefix");
        assert!(p.contains(ip("203.0.113.77")));
        assert!(!p.contains(ip("203.0.114.1")));
        assert!(!p.contains(ip("2001:db8::1")));
        let all: Prefix = "0.0.0.0/0".parse().expect("prefix");
        assert!(all.contains(ip("8.8.8.8")));
        let one: Prefix = "2001:db8::1/128".parse().expect("prefix");
        assert!(one.contains(ip("2001:db8::1")) && !one.contains(ip("2001:db8::2")));
        assert!("10.0.0.0/33".parse::<Prefix>().is_err());
        assert!("10.0.0.0".parse::<Prefix>().is_err());
        assert!("nope/8".parse::<Prefix>().is_err());
    }
}
