//! Provider presets: the update URL and the quirks of each dyndns2 provider
//! (protocol reference sections 1, 3 and 10).

use std::fmt;
use std::str::FromStr;

/// How IPv4 and IPv6 are sent when a policy publishes both (reference section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyMode {
    /// One request, `myip=v4,v6` (Dyn v3, No-IP, Strato). The list replaces the host's set.
    Combined,
    /// One request, `myip=v4&myipv6=v6` (Dynu).
    MyipV6,
    /// One request per family (selfHOST, HE, most others; the safe default).
    Separate,
}

impl FamilyMode {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FamilyMode::Combined => "combined",
            FamilyMode::MyipV6 => "myipv6",
            FamilyMode::Separate => "separate",
        }
    }
}

impl FromStr for FamilyMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "combined" => Ok(FamilyMode::Combined),
            "myipv6" => Ok(FamilyMode::MyipV6),
            "separate" => Ok(FamilyMode::Separate),
            _ => Err(format!(
                "unknown ipv6_mode \"{s}\"; expected \"combined\", \"myipv6\" or \"separate\""
            )),
        }
    }
}

/// The behaviour of one provider that the protocol code must follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    /// IPv4 + IPv6 strategy.
    pub family: FamilyMode,
    /// Add `system=dyndns` to every request (OVH, ChangeIP, 3322).
    pub system_dyndns: bool,
    /// Add `wildcard=NOCHG&mx=NOCHG&backmx=NOCHG` (DNS-O-Matic clients do).
    pub legacy_nochg: bool,
    /// Hosts per request; 20 is the dyndns2 maximum.
    pub max_hosts: usize,
    /// `abuse` blocks the whole account rather than one host (No-IP).
    pub abuse_is_account: bool,
    /// HTTP status codes carry meaning (selfHOST: 204, 409–412).
    pub status_codes: bool,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            family: FamilyMode::Separate,
            system_dyndns: false,
            legacy_nochg: false,
            max_hosts: 20,
            abuse_is_account: false,
            status_codes: false,
        }
    }
}

/// A known provider, selected with `provider = "..."`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Dyn, current `/v3/update` endpoint.
    Dyn,
    /// No-IP.
    NoIp,
    /// Dynu.
    Dynu,
    /// 3322 / pubyun.
    P3322,
    /// Oray HTTP API.
    Oray,
    /// OVH DynHost.
    Ovh,
    /// Strato.
    Strato,
    /// selfHOST.
    SelfHost,
    /// ChangeIP.
    ChangeIp,
    /// Hurricane Electric.
    He,
    /// DNS-O-Matic.
    DnsOMatic,
}

/// Every provider with its config name, for error messages and docs.
pub const ALL: [(&str, Provider); 11] = [
    ("dyn", Provider::Dyn),
    ("noip", Provider::NoIp),
    ("dynu", Provider::Dynu),
    ("3322", Provider::P3322),
    ("oray", Provider::Oray),
    ("ovh", Provider::Ovh),
    ("strato", Provider::Strato),
    ("selfhost", Provider::SelfHost),
    ("changeip", Provider::ChangeIp),
    ("he", Provider::He),
    ("dnsomatic", Provider::DnsOMatic),
];

impl Provider {
    /// The update URL. Two providers speak plain HTTP only (reference section 1): their preset
    /// is `http://` and the config then asks for `allow_insecure_http = true`.
    pub fn server(self) -> &'static str {
        match self {
            Provider::Dyn => "https://members.dyndns.org/v3/update",
            Provider::NoIp => "https://dynupdate.no-ip.com/nic/update",
            Provider::Dynu => "https://api.dynu.com/nic/update",
            Provider::P3322 => "http://members.3322.net/dyndns/update",
            Provider::Oray => "http://ddns.oray.com/ph/update",
            Provider::Ovh => "https://www.ovh.com/nic/update",
            Provider::Strato => "https://dyndns.strato.com/nic/update",
            Provider::SelfHost => "https://carol.selfhost.de/nic/update",
            Provider::ChangeIp => "https://nic.changeip.com/nic/update",
            Provider::He => "https://dyn.dns.he.net/nic/update",
            Provider::DnsOMatic => "https://updates.dnsomatic.com/nic/update",
        }
    }

    /// The provider's quirks.
    pub fn dialect(self) -> Dialect {
        let d = Dialect::default();
        match self {
            Provider::Dyn | Provider::Strato => Dialect {
                family: FamilyMode::Combined,
                ..d
            },
            Provider::NoIp => Dialect {
                family: FamilyMode::Combined,
                abuse_is_account: true,
                ..d
            },
            Provider::Dynu => Dialect {
                family: FamilyMode::MyipV6,
                ..d
            },
            Provider::P3322 | Provider::Ovh | Provider::ChangeIp => Dialect {
                system_dyndns: true,
                ..d
            },
            Provider::SelfHost => Dialect {
                status_codes: true,
                ..d
            },
            // HE: each host has its own key, and the user name is the host itself.
            Provider::He => Dialect { max_hosts: 1, ..d },
            Provider::DnsOMatic => Dialect {
                legacy_nochg: true,
                ..d
            },
            Provider::Oray => d,
        }
    }

    /// What a user should know about the preset, beyond its dialect's flags (reference
    /// sections 1, 3 and 10).
    pub fn notes(self) -> &'static str {
        match self {
            Provider::Dyn => {
                "The /v3/update endpoint; both families in one request, whose list replaces the host's addresses."
            }
            Provider::NoIp => {
                "Both families in one request; the user is the account's email or a DDNS key's user; `abuse` blocks the whole account."
            }
            Provider::Dynu => {
                "GET only; IPv6 goes in `myipv6`; `servererror` is held as an outage."
            }
            Provider::P3322 => {
                "Plain HTTP only (needs allow_insecure_http); sends `system=dyndns`; updates at least 1 minute apart."
            }
            Provider::Oray => {
                "Plain HTTP only (needs allow_insecure_http): HTTPS is reported not to work."
            }
            Provider::Ovh => {
                "The DynHost login, not the OVH account's; sends `system=dyndns`; `badrequest` stops the client."
            }
            Provider::Strato => "Both families in one request; `badrequest` stops the client.",
            Provider::SelfHost => {
                "One request per family (a combined list is answered `abuse`); HTTP status codes carry the answer: 204 is no change, 409-412 are errors."
            }
            Provider::ChangeIp => "Sends `system=dyndns`.",
            Provider::He => {
                "One host per request: each host has its own key, and the user name is the host."
            }
            Provider::DnsOMatic => {
                "Host `all.dnsomatic.com` updates every service behind the account; sends `wildcard=NOCHG&mx=NOCHG&backmx=NOCHG`."
            }
        }
    }

    /// The config name.
    pub fn name(self) -> &'static str {
        ALL.iter()
            .find(|(_, p)| *p == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Provider {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ALL.iter()
            .find(|(n, _)| *n == s)
            .map(|(_, p)| *p)
            .ok_or_else(|| {
                let names: Vec<&str> = ALL.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown provider \"{s}\"; known providers: {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name parses back to its provider, and every preset URL is a valid URL.
    #[test]
    fn names_and_urls() {
        for (name, p) in ALL {
            assert_eq!(name.parse::<Provider>(), Ok(p));
            assert_eq!(p.name(), name);
            let u = url::Url::parse(p.server()).expect("preset URL");
            assert!(u.host_str().is_some());
        }
        let e = "dyndns".parse::<Provider>().unwrap_err();
        assert!(e.contains("known providers: dyn, noip"), "{e}");
    }

    /// The quirks the reference names are in the presets.
    #[test]
    fn quirks() {
        assert_eq!(Provider::Dyn.dialect().family, FamilyMode::Combined);
        assert_eq!(Provider::Dynu.dialect().family, FamilyMode::MyipV6);
        assert_eq!(Provider::SelfHost.dialect().family, FamilyMode::Separate);
        assert!(Provider::SelfHost.dialect().status_codes);
        assert!(Provider::Ovh.dialect().system_dyndns);
        assert!(Provider::NoIp.dialect().abuse_is_account);
        assert_eq!(Provider::He.dialect().max_hosts, 1);
        assert!(Provider::DnsOMatic.dialect().legacy_nochg);
    }
}
