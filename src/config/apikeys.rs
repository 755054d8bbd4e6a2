//! The keys of an API provider's policy (`zone`, `zone_id`, `ttl`, `proxied`), checked
//! against what the API takes, and the checks of its credential (a Cloudflare Global API
//! Key where a token is expected).

use super::policy::check_hostname;
use super::*;
use crate::protocol::api::{self, Api};

/// What an API policy says beyond the common keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiKeys {
    /// The zone its hosts are in.
    pub zone: Option<String>,
    /// The zone's id (no lookup).
    pub zone_id: Option<String>,
    /// The TTL of a record dynward creates.
    pub ttl: Option<u32>,
    /// Whether a record dynward creates is proxied (Cloudflare).
    pub proxied: bool,
    /// RFC 2136: the TSIG key's name (`tsig_key`).
    pub tsig_key: Option<String>,
    /// RFC 2136: its algorithm (`tsig_algorithm`).
    pub tsig_algorithm: Option<String>,
}

impl ApiKeys {
    /// The keys in the fingerprint's words: empty for a policy that sets none, so that the
    /// fingerprints of every earlier policy stay as they were.
    pub(super) fn words(&self) -> String {
        if *self == ApiKeys::default() {
            return String::new();
        }
        let mut out = format!(
            "\nzone={} zone_id={} ttl={} proxied={}",
            self.zone.as_deref().unwrap_or("-"),
            self.zone_id.as_deref().unwrap_or("-"),
            self.ttl.map_or("-".to_string(), |t| t.to_string()),
            self.proxied
        );
        if self.tsig_key.is_some() || self.tsig_algorithm.is_some() {
            out.push_str(&format!(
                " tsig_key={} tsig_algorithm={}",
                self.tsig_key.as_deref().unwrap_or("-"),
                self.tsig_algorithm.as_deref().unwrap_or("-")
            ));
        }
        out
    }
}

/// The keys only an API provider takes.
const API_KEYS: [&str; 4] = ["zone", "zone_id", "ttl", "proxied"];

impl Walker<'_> {
    /// `zone`: a name (one label allowed where `short_ok`) that holds every host.
    fn zone(&mut self, s: &Section<'_, '_>, hosts: &[String], short_ok: bool) -> Option<String> {
        let v = s.get("zone")?;
        let z = self.string(v, &s.key("zone"))?;
        let z = z.trim_end_matches('.').to_ascii_lowercase();
        if let Err(e) = check_hostname(&z, short_ok) {
            self.problem_at(v.span().start, &s.key("zone"), e);
            return None;
        }
        for h in hosts.iter().filter(|h| !api::in_zone(h, &z)) {
            self.problem_at(
                v.span().start,
                &s.key("zone"),
                format!("\"{h}\" is not in the zone \"{z}\": every host of the policy must be the zone or a name under it (one policy per zone)"),
            );
        }
        Some(z)
    }

    /// `rfc2136`'s secret: a BIND key file (its name and algorithm then come from it, and
    /// must agree with `tsig_key` and `tsig_algorithm` where those are set), or base64 with
    /// `tsig_key` set.
    pub(super) fn dns_key(&mut self, s: &Section<'_, '_>, password: &Secret, keys: &mut ApiKeys) {
        use crate::protocol::dns::tsig;
        let at = ["password", "password_file", "password_env"]
            .iter()
            .find_map(|k| s.get(k))
            .map_or(s.table_at, |v| v.span().start);
        let text = password.expose();
        if tsig::is_key_file(text) {
            match tsig::read_key_file(text) {
                Ok((name, alg, _)) => {
                    let name = name.to_string().trim_end_matches('.').to_string();
                    if keys
                        .tsig_key
                        .as_ref()
                        .is_some_and(|k| k.trim_end_matches('.').to_ascii_lowercase() != name)
                    {
                        self.problem_at(at, &s.key("tsig_key"), format!("the key file's key is \"{name}\"; leave tsig_key out, or make them agree"));
                    }
                    if keys
                        .tsig_algorithm
                        .as_ref()
                        .is_some_and(|a| tsig::Algorithm::parse(a) != Some(alg))
                    {
                        self.problem_at(at, &s.key("tsig_algorithm"), format!("the key file's algorithm is {}; leave tsig_algorithm out, or make them agree", alg.name()));
                    }
                    keys.tsig_key = Some(name);
                    keys.tsig_algorithm = Some(alg.name().into());
                }
                // The message names no secret: only what is wrong with the file.
                Err(e) => self.problem_at(
                    at,
                    &s.key("password"),
                    format!("is not a BIND key file: {e}"),
                ),
            }
            return;
        }
        if tsig::base64(text).is_none() {
            self.problem_at(
                at,
                &s.key("password"),
                "must be the TSIG secret in base64 (as tsig-keygen prints it), or a BIND key file"
                    .into(),
            );
        }
        if keys.tsig_key.is_none() {
            self.problem_at(
                s.table_at,
                &s.key("tsig_key"),
                "missing: the TSIG key's name as the server knows it (key \"name\" in named.conf)"
                    .into(),
            );
        }
    }

    /// `rfc2136`'s keys: `zone` (every host in it), `ttl`, `tsig_key`, `tsig_algorithm`;
    /// `zone_id` and `proxied` are the APIs'.
    fn dns_keys(&mut self, s: &Section<'_, '_>, hosts: &[String]) -> ApiKeys {
        let mut keys = ApiKeys::default();
        for k in ["zone_id", "proxied"] {
            if let Some(v) = s.get(k) {
                self.problem_at(
                    v.span().start,
                    &s.key(k),
                    "is for the API providers; provider \"rfc2136\" takes zone, ttl, tsig_key and tsig_algorithm".into(),
                );
            }
        }
        keys.zone = self.zone(s, hosts, true);
        if let Some(v) = s.get("ttl") {
            let t = match v.get_ref() {
                DeValue::Integer(i) => i.as_str().parse::<u32>().ok(),
                _ => None,
            };
            match t {
                Some(t) if (1..=604_800).contains(&t) => keys.ttl = Some(t),
                _ => self.problem_at(
                    v.span().start,
                    &s.key("ttl"),
                    "must be a number of seconds from 1 to 604800 (ttl = 300)".into(),
                ),
            }
        }
        if let Some(v) = s.get("tsig_key")
            && let Some(k) = self.string(v, &s.key("tsig_key"))
        {
            if k.is_empty() || crate::protocol::dns::wire::Name::parse(&k).is_err() {
                self.problem_at(
                    v.span().start,
                    &s.key("tsig_key"),
                    "must be the key's name as the server knows it (e.g. \"ddns-key\")".into(),
                );
            } else {
                keys.tsig_key = Some(k);
            }
        }
        if let Some(v) = s.get("tsig_algorithm")
            && let Some(a) = self.string(v, &s.key("tsig_algorithm"))
        {
            if crate::protocol::dns::tsig::Algorithm::parse(&a).is_none() {
                self.problem_at(
                    v.span().start,
                    &s.key("tsig_algorithm"),
                    "must be hmac-sha256, hmac-sha384, hmac-sha512 or hmac-sha1 (hmac-md5 is not supported)".into(),
                );
            } else {
                keys.tsig_algorithm = Some(a);
            }
        }
        keys
    }

    /// `zone`, `zone_id`, `ttl` and `proxied`: where the API takes them, and as it takes
    /// them (every host in the zone, a TTL it accepts).
    pub(super) fn api_keys(
        &mut self,
        s: &Section<'_, '_>,
        provider: Option<Provider>,
        hosts: &[String],
    ) -> ApiKeys {
        let mut keys = ApiKeys::default();
        if provider == Some(Provider::Rfc2136) {
            return self.dns_keys(s, hosts);
        }
        for k in ["tsig_key", "tsig_algorithm"] {
            if let Some(v) = s.get(k) {
                self.problem_at(
                    v.span().start,
                    &s.key(k),
                    "is for provider \"rfc2136\" (your own DNS server)".into(),
                );
            }
        }
        let Some(api) = provider.and_then(Provider::api) else {
            for k in API_KEYS {
                if let Some(v) = s.get(k) {
                    self.problem_at(
                        v.span().start,
                        &s.key(k),
                        "is for the API providers (cloudflare, porkbun, hetzner, digitalocean, gandi, ionos): a dyndns2 server finds the zone itself".into(),
                    );
                }
            }
            return keys;
        };
        let name = provider.map_or(String::new(), |p| p.to_string());
        keys.zone = self.zone(s, hosts, false);
        if let Some(v) = s.get("zone_id")
            && let Some(id) = self.string(v, &s.key("zone_id"))
        {
            if !api.has_zone_ids() {
                self.problem_at(
                    v.span().start,
                    &s.key("zone_id"),
                    format!("{name} names zones by name, not by id: set zone instead"),
                );
            } else if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                self.problem_at(
                    v.span().start,
                    &s.key("zone_id"),
                    "must be the zone's id as the provider shows it (letters, digits and '-')"
                        .into(),
                );
            } else {
                keys.zone_id = Some(id);
            }
        }
        if let Some(v) = s.get("ttl") {
            keys.ttl = self.ttl(s, v, api);
        }
        if let Some(v) = s.get("proxied")
            && let Some(b) = self.boolean(v, &s.key("proxied"))
        {
            if api.has_proxy() {
                keys.proxied = b;
            } else {
                self.problem_at(
                    v.span().start,
                    &s.key("proxied"),
                    "is Cloudflare's: other providers have no proxy".into(),
                );
            }
        }
        keys
    }

    /// `ttl`: seconds, as the API accepts them (Cloudflare's 1 is "automatic").
    fn ttl(&mut self, s: &Section<'_, '_>, v: &Item<'_>, api: Api) -> Option<u32> {
        let DeValue::Integer(i) = v.get_ref() else {
            self.problem_at(
                v.span().start,
                &s.key("ttl"),
                "must be a number of seconds, e.g. ttl = 300".into(),
            );
            return None;
        };
        let n = i.as_str().parse::<u32>().ok();
        let ok = n.is_some_and(|n| {
            (n >= api.min_ttl() && n <= 86_400) || (api == Api::Cloudflare && n == 1)
        });
        if !ok {
            let auto = if api == Api::Cloudflare {
                ", or 1 for automatic"
            } else {
                ""
            };
            self.problem_at(
                v.span().start,
                &s.key("ttl"),
                format!("must be between {} and 86400 seconds{auto}", api.min_ttl()),
            );
        }
        n.filter(|_| ok)
    }

    /// The credential's shape where the API's is known: Cloudflare takes API tokens, never
    /// the Global API Key (37 hex digits), which it would refuse as a malformed token.
    pub(super) fn api_credential(
        &mut self,
        s: &Section<'_, '_>,
        provider: Option<Provider>,
        password: &Secret,
    ) {
        if provider == Some(Provider::Cloudflare) {
            let p = password.expose();
            if p.len() == 37 && p.bytes().all(|b| b.is_ascii_hexdigit()) {
                let at = ["password", "password_file", "password_env"]
                    .iter()
                    .find_map(|k| s.get(k))
                    .map_or(s.table_at, |v| v.span().start);
                self.problem_at(
                    at,
                    &s.key("password"),
                    "looks like Cloudflare's Global API Key: dynward takes an API token only (create one with Zone · DNS · Edit for the zone)".into(),
                );
            }
        }
    }
}
