//! The ways dyndns2 providers differ: how a request is shaped and how its reply is read. The
//! preset table ([`crate::provider`]) fills these in for each provider; a `server` or `url`
//! policy gets the generic dialect, with its own reply rules.

use std::str::FromStr;

use crate::protocol::code::{Code, Quirks};

/// How IPv4 and IPv6 are sent when a policy publishes both (reference section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyMode {
    /// One request, `myip=v4,v6` (Dyn v3, No-IP, Strato). The list replaces the host's set.
    Combined,
    /// One request, two parameters: `myip=v4&myipv6=v6` (Dynu), or the preset's own names
    /// (deSEC `myipv4`/`myipv6`, DuckDNS `ip`/`ipv6`, dynv6 `ipv4`/`ipv6`).
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

/// Where the password (or token) travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    /// An `Authorization: Basic` header with the user name (dyndns2).
    Basic,
    /// A query parameter of this name (DuckDNS `token`, dynv6 `token`, ddnss `key`).
    Query(&'static str),
    /// The last segment of the path, followed by `/` (FreeDNS: `/u/<token>/`).
    Path,
}

/// What the account's user name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum User {
    /// Required: the account's login.
    Required,
    /// The host's own name unless given (Hurricane Electric, nsupdate.info, deSEC, dnsHome):
    /// then one policy has one host.
    Host,
    /// Not used at all: the token alone identifies the account (DuckDNS, dynv6, FreeDNS).
    Unused,
    /// Sent as this query parameter (Namecheap: `domain`), and hosts are named relative to it.
    Param(&'static str),
}

/// How a host is named in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostForm {
    /// As configured.
    Full,
    /// Without this suffix (DuckDNS: `home` for `home.duckdns.org`).
    Strip(&'static str),
    /// Relative to the user name, the domain (Namecheap: `www` for `www.example.com` when the
    /// user name is `example.com`, `@` for the domain itself).
    UnderUser,
}

/// The form of one provider's update request: parameter names, where the secret goes, what
/// stands for a family not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Query name of the host list; empty when the secret names the host (FreeDNS).
    pub host: &'static str,
    /// Query name of the address (of the IPv4 one, when both travel in one request).
    pub v4: &'static str,
    /// Query name of the IPv6 address when both families travel in one request
    /// ([`FamilyMode::MyipV6`]).
    pub v6: &'static str,
    /// Sent for IPv4 when only IPv6 is published, in a two-parameter request: Dynu's `no`
    /// keeps the server from filling in the connecting address, deSEC's `preserve` keeps the
    /// record. `None` leaves the parameter out.
    pub keep4: Option<&'static str>,
    /// Sent for IPv6 when only IPv4 is published, likewise.
    pub keep6: Option<&'static str>,
    /// Where the secret goes.
    pub secret: Credentials,
    /// Parameters every request carries (`verbose=true`).
    pub fixed: &'static str,
    /// How hosts are named.
    pub host_form: HostForm,
}

impl Shape {
    /// The dyndns2 request: `hostname`, `myip` (`myipv6` beside it for Dynu), Basic auth.
    pub const DYNDNS2: Shape = Shape {
        host: "hostname",
        v4: "myip",
        v6: "myipv6",
        keep4: Some("no"),
        keep6: None,
        secret: Credentials::Basic,
        fixed: "",
        host_form: HostForm::Full,
    };
}

/// One reply rule: an answer that, when it matches, is this code for every host of the
/// request. Rules are tried in order; the first that matches decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The HTTP status the rule needs, if any.
    pub status: Option<u16>,
    /// Words the reply must contain (case-insensitive, whole words at both ends); empty
    /// matches any body.
    pub contains: String,
    /// The code the answer means (`good`, `nochg`, `badauth`, `nohost`, `911`, a wait, …),
    /// and so the decision it leads to.
    pub means: Code,
    /// The code as the config spelled it (`w5m` for a wait of 300 s): the fingerprint holds
    /// the setting as written.
    pub spelled: String,
}

impl Rule {
    /// A rule on the reply's words alone.
    pub fn words(contains: &str, means: Code) -> Rule {
        Rule {
            status: None,
            contains: contains.into(),
            spelled: means.name(),
            means,
        }
    }

    /// A rule on the HTTP status alone.
    pub fn status(status: u16, means: Code) -> Rule {
        Rule {
            status: Some(status),
            contains: String::new(),
            spelled: means.name(),
            means,
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
    /// The request's form.
    pub shape: Shape,
    /// Query parameters of this policy, sent in every request (Dynu's `alias=`).
    pub extra: String,
    /// What the user name is.
    pub user: User,
    /// Reply rules tried before anything else (the whole reply answers for every host).
    pub rules: Vec<Rule>,
    /// Whether the reply is read as dyndns2 codes when no rule matches. Without, an answer no
    /// rule names is read from its HTTP status alone (and is unknown on 2xx).
    pub words: bool,
    /// `nochg` is only ever information, never a reason to stop (dynv6 answers "addresses
    /// unchanged" to any repeat, and counts none against the account).
    pub nochg_harmless: bool,
    /// Whether the service takes IPv6 at all (Namecheap: IPv4 only).
    pub ipv6: bool,
    /// One family per policy: the secret names one record, A or AAAA (FreeDNS).
    pub one_family: bool,
    /// An HTTP 2xx with an empty body is a success: the service answers nothing else
    /// (IONOS's update URL). Any body it does not know stays unknown.
    pub empty_is_good: bool,
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
            shape: Shape::DYNDNS2,
            extra: String::new(),
            user: User::Required,
            rules: Vec::new(),
            words: true,
            nochg_harmless: false,
            ipv6: true,
            one_family: false,
            empty_is_good: false,
        }
    }
}

impl Dialect {
    /// What the provider does with a host's record of a family a dual-stack policy has no
    /// address for now (`v6`: the IPv6 one), in words (README "Address choice").
    pub fn left_out_effect(&self, v6: bool) -> String {
        let (family, record) = if v6 { ("IPv6", "AAAA") } else { ("IPv4", "A") };
        match self.family {
            FamilyMode::Combined => format!(
                "with ipv6_mode = \"combined\" the provider replaces the host's addresses with those sent, so it removes the {record} record"
            ),
            FamilyMode::MyipV6 => {
                let sh = &self.shape;
                let keep = if v6 {
                    sh.keep6.map(|k| (sh.v6, k))
                } else {
                    sh.keep4.map(|k| (sh.v4, k))
                };
                match keep {
                    Some((param, k)) => format!(
                        "the request sends {param}={k}, so the provider leaves the {record} record as it was"
                    ),
                    None => format!(
                        "the request carries no address for it, so the provider does not update the {record} record"
                    ),
                }
            }
            FamilyMode::Separate => format!(
                "no {family} request is sent, so the provider's {record} record stays as it was"
            ),
        }
    }

    /// The provider's ways that change what an answer decides.
    pub fn quirks(&self) -> Quirks {
        Quirks {
            abuse_is_account: self.abuse_is_account,
            nochg_harmless: self.nochg_harmless,
            limits_per_account: false,
        }
    }
}
