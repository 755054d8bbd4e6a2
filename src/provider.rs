//! Provider presets: the update URL of each dyndns2 provider and its dialect, filled in
//! (protocol reference sections 1, 3 and 10). The dialect's vocabulary is the protocol's
//! ([`crate::protocol::dyndns2::dialect`]); this table only chooses from it.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::protocol::api::Api;
use crate::protocol::code::Code;
use crate::protocol::dyndns2::{Credentials, Dialect, FamilyMode, HostForm, Rule, Shape, User};

/// The least time between updates easyDNS and ZoneEdit accept, and the wait their "too
/// soon" answers ask for.
const MIN_APART: Duration = Duration::from_secs(600);

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
    /// deSEC (dedyn.io).
    DeSec,
    /// DuckDNS.
    DuckDns,
    /// dynv6.
    Dynv6,
    /// nsupdate.info.
    NsupdateInfo,
    /// Infomaniak.
    Infomaniak,
    /// now-dns.
    NowDns,
    /// Spdyn (Securepoint).
    Spdyn,
    /// all-inkl (KAS).
    AllInkl,
    /// IPv64.
    Ipv64,
    /// ddnss.de.
    Ddnss,
    /// dnsHome.de.
    DnsHome,
    /// FreeDNS (afraid.org), the v2 sync API.
    FreeDns,
    /// Namecheap.
    Namecheap,
    /// INWX (its DynDNS accounts).
    Inwx,
    /// easyDNS.
    EasyDns,
    /// ZoneEdit.
    ZoneEdit,
    /// Loopia.
    Loopia,
    /// Njalla (its dynamic records).
    Njalla,
    /// IONOS's update URL (the DNS API's dynamic DNS mode).
    IonosDyndns,
    /// Your own DNS server: RFC 2136 UPDATE signed with TSIG.
    Rfc2136,
    /// Cloudflare (API v4).
    Cloudflare,
    /// Porkbun (API v3).
    Porkbun,
    /// Hetzner (Cloud API).
    Hetzner,
    /// DigitalOcean (API v2).
    Digitalocean,
    /// Gandi LiveDNS (v5).
    Gandi,
    /// IONOS (DNS API v1).
    Ionos,
}

/// Every provider with its config name, for error messages and docs.
pub const ALL: [(&str, Provider); 37] = [
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
    ("desec", Provider::DeSec),
    ("duckdns", Provider::DuckDns),
    ("dynv6", Provider::Dynv6),
    ("nsupdate.info", Provider::NsupdateInfo),
    ("infomaniak", Provider::Infomaniak),
    ("now-dns", Provider::NowDns),
    ("spdyn", Provider::Spdyn),
    ("all-inkl", Provider::AllInkl),
    ("ipv64", Provider::Ipv64),
    ("ddnss", Provider::Ddnss),
    ("dnshome", Provider::DnsHome),
    ("freedns", Provider::FreeDns),
    ("namecheap", Provider::Namecheap),
    ("inwx", Provider::Inwx),
    ("easydns", Provider::EasyDns),
    ("zoneedit", Provider::ZoneEdit),
    ("loopia", Provider::Loopia),
    ("njalla", Provider::Njalla),
    ("ionos-dyndns", Provider::IonosDyndns),
    ("rfc2136", Provider::Rfc2136),
    ("cloudflare", Provider::Cloudflare),
    ("porkbun", Provider::Porkbun),
    ("hetzner", Provider::Hetzner),
    ("digitalocean", Provider::Digitalocean),
    ("gandi", Provider::Gandi),
    ("ionos", Provider::Ionos),
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
            Provider::DeSec => "https://update.dedyn.io/",
            Provider::DuckDns => "https://www.duckdns.org/update",
            Provider::Dynv6 => "https://dynv6.com/api/update",
            Provider::NsupdateInfo => "https://ipv4.nsupdate.info/nic/update",
            Provider::Infomaniak => "https://infomaniak.com/nic/update",
            Provider::NowDns => "https://now-dns.com/update",
            Provider::Spdyn => "https://update.spdyn.de/nic/update",
            Provider::AllInkl => "https://dyndns.kasserver.com/",
            Provider::Ipv64 => "https://ipv64.net/nic/update",
            Provider::Ddnss => "https://ddnss.de/upd.php",
            Provider::DnsHome => "https://www.dnshome.de/dyndns.php",
            Provider::FreeDns => "https://sync.afraid.org/u/",
            Provider::Namecheap => "https://dynamicdns.park-your-domain.com/update",
            Provider::Inwx => "https://dyndns.inwx.com/nic/update",
            Provider::EasyDns => "https://api.cp.easydns.com/dyn/generic.php",
            Provider::ZoneEdit => "https://dynamic.zoneedit.com/auth/dynamic.html",
            Provider::Loopia => "https://dns.loopia.se/XDynDNSServer/XDynDNS.php",
            Provider::Njalla => "https://njal.la/update/",
            Provider::IonosDyndns => "https://ipv4.api.hosting.ionos.com/dns/v1/dyndns",
            // No default server: the config names it (`server`).
            Provider::Rfc2136 => "dns://localhost:53",
            Provider::Cloudflare => "https://api.cloudflare.com/client/v4",
            Provider::Porkbun => "https://api.porkbun.com/api/json/v3",
            Provider::Hetzner => "https://api.hetzner.cloud/v1",
            Provider::Digitalocean => "https://api.digitalocean.com/v2",
            Provider::Gandi => "https://api.gandi.net/v5/livedns",
            Provider::Ionos => "https://api.hosting.ionos.com/dns/v1",
        }
    }

    /// The DNS host's own API the preset speaks, if it is one (not dyndns2).
    pub fn api(self) -> Option<Api> {
        Some(match self {
            Provider::Cloudflare => Api::Cloudflare,
            Provider::Porkbun => Api::Porkbun,
            Provider::Hetzner => Api::Hetzner,
            Provider::Digitalocean => Api::Digitalocean,
            Provider::Gandi => Api::Gandi,
            Provider::Ionos => Api::Ionos,
            _ => return None,
        })
    }

    /// The provider's quirks: its request's form and its reply table.
    pub fn dialect(self) -> Dialect {
        let d = Dialect::default();
        let one = Dialect {
            max_hosts: 1,
            ..Dialect::default()
        };
        let shape = Shape::DYNDNS2;
        let rules = |list: &[(&str, Code)]| -> Vec<Rule> {
            list.iter()
                .map(|(w, m)| Rule::words(w, m.clone()))
                .collect()
        };
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
            Provider::He => Dialect {
                user: User::Host,
                ..one
            },
            Provider::DnsOMatic => Dialect {
                legacy_nochg: true,
                ..d
            },
            Provider::Oray => d,
            // One request per minute per domain: both families in one, the other kept as it is.
            Provider::DeSec => Dialect {
                family: FamilyMode::MyipV6,
                shape: Shape {
                    v4: "myipv4",
                    keep4: Some("preserve"),
                    keep6: Some("preserve"),
                    ..shape
                },
                user: User::Host,
                rules: vec![Rule::status(404, Code::NoHost)],
                ..one
            },
            Provider::DuckDns => Dialect {
                family: FamilyMode::MyipV6,
                shape: Shape {
                    host: "domains",
                    v4: "ip",
                    v6: "ipv6",
                    keep4: None,
                    secret: Credentials::Query("token"),
                    // The answer then says UPDATED or NOCHANGE after OK.
                    fixed: "verbose=true",
                    host_form: HostForm::Strip(".duckdns.org"),
                    ..shape
                },
                user: User::Unused,
                rules: rules(&[
                    ("KO", Code::Badauth),
                    ("NOCHANGE", Code::Nochg),
                    ("OK", Code::Good),
                ]),
                words: false,
                ..d
            },
            Provider::Dynv6 => Dialect {
                family: FamilyMode::MyipV6,
                shape: Shape {
                    host: "zone",
                    v4: "ipv4",
                    v6: "ipv6",
                    keep4: None,
                    secret: Credentials::Query("token"),
                    ..shape
                },
                user: User::Unused,
                rules: vec![
                    Rule::words("addresses unchanged", Code::Nochg),
                    Rule::words("addresses updated", Code::Good),
                    Rule::status(404, Code::NoHost),
                ],
                words: false,
                nochg_harmless: true,
                ..one
            },
            Provider::NsupdateInfo => Dialect {
                user: User::Host,
                ..one
            },
            Provider::DnsHome => Dialect {
                user: User::Host,
                family: FamilyMode::MyipV6,
                shape: Shape {
                    v4: "ip",
                    v6: "ip6",
                    keep4: None,
                    ..shape
                },
                ..one
            },
            Provider::Infomaniak | Provider::NowDns | Provider::Spdyn | Provider::Ipv64 => one,
            Provider::AllInkl => Dialect {
                family: FamilyMode::MyipV6,
                shape: Shape {
                    host: "host",
                    v6: "myip6",
                    keep4: None,
                    ..shape
                },
                ..one
            },
            Provider::Ddnss => Dialect {
                family: FamilyMode::MyipV6,
                shape: Shape {
                    host: "host",
                    v4: "ip",
                    v6: "ip6",
                    keep4: None,
                    secret: Credentials::Query("key"),
                    ..shape
                },
                user: User::Unused,
                rules: rules(&[
                    ("badauth", Code::Badauth),
                    ("notfqdn", Code::NotFqdn),
                    ("nohost", Code::NoHost),
                    ("abuse", Code::Abuse),
                    ("No change", Code::Nochg),
                    ("Updated", Code::Good),
                ]),
                words: false,
                ..d
            },
            Provider::FreeDns => Dialect {
                shape: Shape {
                    host: "",
                    v4: "address",
                    secret: Credentials::Path,
                    ..shape
                },
                user: User::Unused,
                rules: rules(&[
                    ("No IP change detected", Code::Nochg),
                    ("has not changed", Code::Nochg),
                    ("Updated", Code::Good),
                    ("Unable to locate this record", Code::Badauth),
                ]),
                words: false,
                one_family: true,
                ..one
            },
            Provider::Namecheap => Dialect {
                shape: Shape {
                    host: "host",
                    v4: "ip",
                    secret: Credentials::Query("password"),
                    host_form: HostForm::UnderUser,
                    ..shape
                },
                user: User::Param("domain"),
                rules: rules(&[
                    ("<ErrCount>0</ErrCount>", Code::Good),
                    ("Passwords do not match", Code::Badauth),
                    ("Domain name not found", Code::NoHost),
                    ("No Records updated", Code::NoHost),
                ]),
                words: false,
                ipv6: false,
                ..one
            },
            // Both families in one request; `myip=no` is Dynu's, so a family not published
            // is left out.
            Provider::Inwx => Dialect {
                family: FamilyMode::MyipV6,
                shape: Shape {
                    keep4: None,
                    ..shape
                },
                ..one
            },
            Provider::Loopia => one,
            // Its own words, in HTML (ddclient `nic_easydns_update`, inadyn `easydns.c`).
            Provider::EasyDns => Dialect {
                rules: rules(&[
                    ("NOACCESS", Code::Badauth),
                    ("NO_ACCESS", Code::Badauth),
                    ("NO_AUTH", Code::Badauth),
                    ("NOSERVICE", Code::NotActive),
                    ("NO_SERVICE", Code::NotActive),
                    ("ILLEGAL INPUT", Code::NotFqdn),
                    ("ILLEGAL_INPUT", Code::NotFqdn),
                    ("TOOSOON", Code::Wait(MIN_APART)),
                    ("TOO_SOON", Code::Wait(MIN_APART)),
                    ("TOO_FREQ", Code::Wait(MIN_APART)),
                    ("NOERROR", Code::Good),
                    ("NO_ERROR", Code::Good),
                    ("OK", Code::Good),
                ]),
                words: false,
                ..one
            },
            // `host`, `dnsto`; an XML element per host (ddclient `nic_zoneedit1_update`,
            // inadyn `zoneedit.c`, ddns-updater's zoneedit): one host per request, so the
            // element answers for it.
            Provider::ZoneEdit => Dialect {
                shape: Shape {
                    host: "host",
                    v4: "dnsto",
                    ..shape
                },
                rules: rules(&[
                    ("ERROR CODE=\"707\"", Code::Nochg),
                    ("ERROR CODE=\"702\"", Code::Wait(MIN_APART)),
                    ("ERROR CODE=\"708\"", Code::Badauth),
                    ("ERROR CODE=\"701\"", Code::NoHost),
                    ("ERROR CODE=\"709\"", Code::NotFqdn),
                    ("SUCCESS CODE=\"200\"", Code::Good),
                    ("SUCCESS CODE=\"201\"", Code::Nochg),
                ]),
                words: false,
                ipv6: false,
                ..one
            },
            // `h`, `k` (the record's key), `a`, `aaaa`; JSON answers (ddclient
            // `nic_njalla_update`, ddns-updater's njalla).
            Provider::Njalla => Dialect {
                family: FamilyMode::MyipV6,
                shape: Shape {
                    host: "h",
                    v4: "a",
                    v6: "aaaa",
                    keep4: None,
                    secret: Credentials::Query("k"),
                    ..shape
                },
                user: User::Unused,
                rules: rules(&[
                    ("invalid host or key", Code::Badauth),
                    ("record updated", Code::Good),
                ]),
                words: false,
                ..one
            },
            // The update URL's token (`q`) names the hosts, set when the URL was made; the
            // addresses in `ipv4` and `ipv6` (reference 4.5; ddns-updater #422). Its answer
            // is HTTP 200 with nothing in it.
            Provider::IonosDyndns => Dialect {
                family: FamilyMode::MyipV6,
                shape: Shape {
                    host: "",
                    v4: "ipv4",
                    v6: "ipv6",
                    keep4: None,
                    secret: Credentials::Query("q"),
                    ..shape
                },
                user: User::Unused,
                words: false,
                empty_is_good: true,
                ..d
            },
            // DNS UPDATE speaks no dyndns2: one message per host, both families in it; the
            // account is the TSIG key (tsig_key), not a user name.
            Provider::Rfc2136 => Dialect {
                family: FamilyMode::MyipV6,
                user: User::Unused,
                ..one
            },
            // An API speaks no dyndns2: the dialect only says how the account is named.
            Provider::Porkbun => Dialect {
                user: User::Required,
                ..d
            },
            Provider::Cloudflare
            | Provider::Hetzner
            | Provider::Digitalocean
            | Provider::Gandi
            | Provider::Ionos => Dialect {
                user: User::Unused,
                ..d
            },
        }
    }

    /// What a user should know about the preset, beyond its dialect's flags (reference
    /// sections 1, 3 and 10, and the providers' own documentation).
    pub fn notes(self) -> &'static str {
        match self {
            Provider::Dyn => {
                "The /v3/update endpoint; both families in one request, whose list replaces the host's addresses."
            }
            Provider::NoIp => {
                "Both families in one request; the user is the account's email or a DDNS key's user; `abuse` blocks the whole account."
            }
            Provider::Dynu => {
                "GET only; IPv6 goes in `myipv6`; `servererror` is held as an outage; `alias` sends Dynu's alias for custom domains."
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
            Provider::DeSec => {
                "One request per minute per domain, so both families go in one (`myipv4`, `myipv6`; `preserve` for a family not published); the user is the domain (the host unless set), the password a token; HTTP 429 holds for its Retry-After."
            }
            Provider::DuckDns => {
                "`domains`, `token` (the password; no user name), `ip`, `ipv6` in one request; hosts without `.duckdns.org`; `OK`/`KO` answers, `KO` stops the account."
            }
            Provider::Dynv6 => {
                "Token in the query (no user name); both families in one request; \"addresses unchanged\" is a `nochg` that never stops the host."
            }
            Provider::NsupdateInfo => {
                "One request per family and host; the user name is the host (the default), the password its update secret."
            }
            Provider::Infomaniak => {
                "Errors come as HTTP 400 with a dyndns2 word; `successfully_changed`/`no_change` as success."
            }
            Provider::NowDns => {
                "Errors come as HTTP 400 with a dyndns2 word; one host per request."
            }
            Provider::Spdyn => {
                "dyndns2 codes plus `fatal` (the host was deactivated: stops the host); one host per request."
            }
            Provider::AllInkl => "The KAS DynDNS login; `host`, `myip` and `myip6` in one request.",
            Provider::Ipv64 => {
                "The password is the domain's update key; HTTP 429 (\"overcommited\") holds for its Retry-After."
            }
            Provider::Ddnss => {
                "The update key in the query (no user name); `host`, `ip`, `ip6`; HTML answers (\"Updated N hostname\")."
            }
            Provider::DnsHome => {
                "The user name is the host (the default); `ip` and `ip6` in one request."
            }
            Provider::FreeDns => {
                "The v2 sync URL: its token names one record, so one host and one family per policy (a second policy for AAAA); no user name."
            }
            Provider::Namecheap => {
                "IPv4 only; the user name is the domain, the password its Dynamic DNS password; hosts split into `host` and `domain` (`@` for the domain itself); XML answers."
            }
            Provider::Inwx => {
                "The DynDNS account's login (not the INWX account's); `myip` and `myipv6` in one request; one host per request."
            }
            Provider::EasyDns => {
                "The user name and its dynamic DNS token as password; its own answers (NOERROR, NOSERVICE, TOOSOON) in HTML; updates at least 10 minutes apart (min_interval)."
            }
            Provider::ZoneEdit => {
                "The user name and its dynamic DNS token as password; IPv4 only; XML answers (`<SUCCESS CODE=\"200\">`, error 707 is no change, 702 a wait); updates at least 10 minutes apart (min_interval)."
            }
            Provider::Loopia => "The LoopiaDNS login; answers `nohost` with HTTP 200.",
            Provider::Njalla => {
                "A dynamic record's key as password (no user name), so one host per policy; `a` and `aaaa` in one request; JSON answers."
            }
            Provider::Rfc2136 => {
                "Your own DNS server (BIND, Knot, PowerDNS): RFC 2136 UPDATE signed with TSIG; `server` is the zone's primary (port 53 unless given), `tsig_key` the key's name, `tsig_algorithm` hmac-sha256 unless set, the secret as password (base64, or a BIND key file as password_file); `zone` unless found with an SOA query; `ttl` 300 unless set; one UPDATE per host replaces its A and AAAA; a success counts only when its signature verifies."
            }
            Provider::IonosDyndns => {
                "IONOS's update URL: the password is its `q` token (made once with the DNS API's POST /dns/v1/dyndns, which names the hosts it updates); `ipv4` and `ipv6` in one request; HTTP 200 with an empty body is success, any other answer is read by its HTTP status."
            }
            Provider::Cloudflare => {
                "API v4 with an API token (Zone · DNS · Edit; not the Global API Key) as password; the zone is found from each host (or `zone`, or `zone_id` for a token that may not read zones); reads the record and PATCHes only its content, so proxied, TTL, comment and tags stay; creates a missing record (proxied off, TTL automatic, or `proxied`/`ttl`); never touches a CNAME; a 429 holds every policy with the token."
            }
            Provider::Porkbun => {
                "API v3: username is the API key (pk1_…), password the secret API key (sk1_…); the domain needs API ACCESS turned on; the zone is the host's last two labels unless `zone`; keeps the record's TTL and notes; creates a missing record."
            }
            Provider::Hetzner => {
                "Hetzner Cloud API (the old DNS API is shut): a project API token (Read & Write) as password; the zone is the host's last two labels unless `zone`; sets the RRset through its action and waits for it."
            }
            Provider::Digitalocean => {
                "API v2 with a token (domain read and update) as password; the zone is the host's last two labels unless `zone`; PATCHes only the record's data, keeping its TTL; creates a missing record."
            }
            Provider::Gandi => {
                "LiveDNS with a personal access token as password (they expire: a 401 one day means a new one); `username = \"apikey\"` sends a legacy API key instead; the zone is the host's last two labels unless `zone`; keeps the RRset's TTL."
            }
            Provider::Ionos => {
                "DNS API with the key `prefix.secret` as password; the zone is found from the account's zones (or `zone_id`); keeps the record's TTL."
            }
        }
    }

    /// The least time between two updates of a host the provider accepts: its `min_interval`
    /// by default, and the least it may be set to. easyDNS and ZoneEdit refuse updates less
    /// than 10 minutes apart (reference section 8; ddns-updater's zoneedit).
    pub fn min_interval(self) -> Option<Duration> {
        matches!(self, Provider::EasyDns | Provider::ZoneEdit).then_some(MIN_APART)
    }

    /// Each host has its own key, so a policy has one host (Hurricane Electric, Njalla).
    pub fn key_per_host(self) -> bool {
        matches!(self, Provider::He | Provider::Njalla)
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
    fn every_preset_name_reads_back_and_every_preset_url_is_valid() {
        for (name, p) in ALL {
            assert_eq!(name.parse::<Provider>(), Ok(p));
            assert_eq!(p.name(), name);
            let u = url::Url::parse(p.server()).expect("preset URL");
            assert!(u.host_str().is_some());
        }
        let e = "dyndns".parse::<Provider>().unwrap_err();
        assert!(e.contains("known providers: dyn, noip"), "{e}");
    }

    /// Every preset's reply rules name a code a rule may mean, and words or a status to
    /// match.
    #[test]
    fn preset_rules_are_well_formed() {
        for (name, p) in ALL {
            for r in p.dialect().rules {
                assert!(Code::for_rule(&r.means.name()).is_some(), "{name}: {r:?}");
                assert_eq!(r.spelled, r.means.name(), "{name}");
                assert!(
                    r.status.is_some() || !r.contains.is_empty(),
                    "{name}: {r:?}"
                );
            }
        }
    }

    /// The answers of the presets that speak their own words, beyond the six every preset's
    /// fixture tries: easyDNS's and ZoneEdit's "too soon" ask for their 10 minutes, ZoneEdit's
    /// duplicate is a `nochg`, each spelling easyDNS is seen to use is read, and `OK` inside
    /// another word is not a success.
    #[test]
    fn the_presets_with_their_own_words_read_them() {
        use crate::addr::AddrSet;
        use crate::protocol::dyndns2::parse_reply;
        let sent = AddrSet {
            v4: Some("203.0.113.5".parse().expect("v4")),
            v6: None,
        };
        let hosts = ["home.example.org".to_string()];
        let ten = Code::Wait(Duration::from_secs(600));
        let cases = [
            (
                Provider::EasyDns,
                200,
                "<html><body>TOOSOON</body></html>",
                ten.clone(),
            ),
            (Provider::EasyDns, 200, "TOO_FREQ", ten.clone()),
            (
                Provider::EasyDns,
                200,
                "<html><body>NOACCESS</body></html>",
                Code::Badauth,
            ),
            (Provider::EasyDns, 200, "ILLEGAL INPUT", Code::NotFqdn),
            (Provider::EasyDns, 200, "<p>NO_ERROR</p>", Code::Good),
            (Provider::EasyDns, 200, "NO_SERVICE", Code::NotActive),
            (
                Provider::ZoneEdit,
                200,
                r#"<ERROR CODE="707" TEXT="Duplicate updates for the same host/ip, adjust client settings" ZONE="example.org" HOST="home.example.org">"#,
                Code::Nochg,
            ),
            (
                Provider::ZoneEdit,
                200,
                r#"<ERROR CODE="702" TEXT="Minimum 600 seconds between requests" ZONE="example.org">"#,
                ten.clone(),
            ),
            (
                Provider::ZoneEdit,
                200,
                r#"<error code="709" text="Invalid hostname">"#,
                Code::NotFqdn,
            ),
            (Provider::ZoneEdit, 401, "", Code::Badauth),
            (Provider::Loopia, 200, "nohost", Code::NoHost),
            (Provider::Loopia, 200, "good 203.0.113.5", Code::Good),
            (Provider::Inwx, 200, "nochg 203.0.113.5", Code::Nochg),
            (Provider::Inwx, 200, "badauth", Code::Badauth),
            (
                Provider::Njalla,
                200,
                r#"{"status": 200, "message": "record updated", "value": {"A": "203.0.113.5"}}"#,
                Code::Good,
            ),
            (
                Provider::Njalla,
                500,
                r#"{"message": "internal error"}"#,
                Code::Outage,
            ),
            (Provider::IonosDyndns, 200, "", Code::Good),
            (Provider::IonosDyndns, 200, " \r\n", Code::Good),
            (Provider::IonosDyndns, 401, "", Code::Badauth),
            (Provider::IonosDyndns, 503, "", Code::Outage),
        ];
        for (p, status, body, want) in cases {
            let r = parse_reply(status, body, &hosts, &sent, &p.dialect());
            assert_eq!(r.results[0].code, want, "{p}: {status} {body}");
        }
        // A word inside another is no answer; nor is a page where IONOS answers nothing (a
        // captive portal's, a proxy's).
        for (p, body) in [
            (Provider::EasyDns, "<p>TOKEN missing</p>"),
            (
                Provider::IonosDyndns,
                "<html><body>Sign in to the hotspot</body></html>",
            ),
        ] {
            let r = parse_reply(200, body, &hosts, &sent, &p.dialect());
            assert!(
                matches!(r.results[0].code, Code::Unknown(_)),
                "{p}: {:?}",
                r.results[0].code
            );
        }
        // A dyndns2 preset does not take an empty answer as success.
        let r = parse_reply(200, "", &hosts, &sent, &Provider::Loopia.dialect());
        assert!(
            matches!(r.results[0].code, Code::Unknown(_)),
            "{:?}",
            r.results[0].code
        );
    }

    /// INWX and Njalla send both families in one request (Njalla's `a` and `aaaa`, the key
    /// in `k`); INWX, Loopia, easyDNS and ZoneEdit one host per request.
    #[test]
    fn the_new_presets_shape_their_requests() {
        use crate::addr::AddrSet;
        use crate::protocol::dyndns2::{Endpoint, build_requests};
        use crate::secret::Secret;
        let both = AddrSet {
            v4: Some("203.0.113.5".parse().expect("v4")),
            v6: Some("2001:db8::5".parse().expect("v6")),
        };
        let one = |p: Provider, user: &str| {
            let end = Endpoint::Server(url::Url::parse(p.server()).expect("url"));
            let hosts = ["home.example.org".to_string()];
            build_requests(&end, &p.dialect(), user, &Secret::new("k3y"), &hosts, both)
        };
        let r = one(Provider::Njalla, "");
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(
            r[0].url,
            "https://njal.la/update/?h=home.example.org&k=k3y&a=203.0.113.5&aaaa=2001:db8::5"
        );
        let r = one(Provider::IonosDyndns, "");
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(
            r[0].url,
            "https://ipv4.api.hosting.ionos.com/dns/v1/dyndns?q=k3y&ipv4=203.0.113.5&ipv6=2001:db8::5"
        );
        let r = one(Provider::Inwx, "alice");
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(
            r[0].url,
            "https://dyndns.inwx.com/nic/update?hostname=home.example.org&myip=203.0.113.5&myipv6=2001:db8::5"
        );
        let three: Vec<String> = (0..3).map(|i| format!("h{i}.example.org")).collect();
        for p in [
            Provider::Inwx,
            Provider::Loopia,
            Provider::EasyDns,
            Provider::ZoneEdit,
        ] {
            let end = Endpoint::Server(url::Url::parse(p.server()).expect("url"));
            let v4 = AddrSet { v6: None, ..both };
            let r = build_requests(&end, &p.dialect(), "alice", &Secret::new("pw"), &three, v4);
            assert_eq!(r.len(), 3, "{p}: {r:?}");
        }
    }

    /// The quirks the reference names are in the presets.
    #[test]
    fn the_quirks_the_reference_names_are_in_the_presets() {
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
