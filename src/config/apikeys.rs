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
}

impl ApiKeys {
    /// The keys in the fingerprint's words: empty for a policy that sets none, so that the
    /// fingerprints of every earlier policy stay as they were.
    pub(super) fn words(&self) -> String {
        if *self == ApiKeys::default() {
            return String::new();
        }
        format!(
            "\nzone={} zone_id={} ttl={} proxied={}",
            self.zone.as_deref().unwrap_or("-"),
            self.zone_id.as_deref().unwrap_or("-"),
            self.ttl.map_or("-".to_string(), |t| t.to_string()),
            self.proxied
        )
    }
}

/// The keys only an API provider takes.
const API_KEYS: [&str; 4] = ["zone", "zone_id", "ttl", "proxied"];

impl Walker<'_> {
    /// `zone`, `zone_id`, `ttl` and `proxied`: where the API takes them, and as it takes
    /// them (every host in the zone, a TTL it accepts).
    pub(super) fn api_keys(
        &mut self,
        s: &Section<'_, '_>,
        provider: Option<Provider>,
        hosts: &[String],
    ) -> ApiKeys {
        let mut keys = ApiKeys::default();
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
        if let Some(v) = s.get("zone")
            && let Some(z) = self.string(v, &s.key("zone"))
        {
            let z = z.trim_end_matches('.').to_ascii_lowercase();
            if let Err(e) = check_hostname(&z, false) {
                self.problem_at(v.span().start, &s.key("zone"), e);
            } else {
                for h in hosts.iter().filter(|h| !api::in_zone(h, &z)) {
                    self.problem_at(
                        v.span().start,
                        &s.key("zone"),
                        format!("\"{h}\" is not in the zone \"{z}\": every host of the policy must be the zone or a name under it (one policy per zone)"),
                    );
                }
                keys.zone = Some(z);
            }
        }
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
