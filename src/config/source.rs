//! Where a policy's address comes from, and which families it publishes over what.

use super::*;

/// What the families section read.
pub(super) struct Families {
    pub(super) ipv4: bool,
    pub(super) ipv6: bool,
    pub(super) allow_private: bool,
    pub(super) allow_insecure_http: bool,
}

impl Walker<'_> {
    /// A check-IP service's URL: http(s) with a host.
    pub(super) fn web_url(&mut self, v: &Item<'_>, key: &str) -> Option<Url> {
        self.string(v, key)
            .and_then(|text| match Url::parse(&text) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
                    Some(u)
                }
                _ => {
                    self.problem_at(
                        v.span().start,
                        key,
                        format!("\"{text}\" is not an http:// or https:// URL"),
                    );
                    None
                }
            })
    }

    /// The address source: exactly one of `interface`, `web` (or `web4`/`web6`, which go
    /// together) and `command`.
    pub(super) fn source(&mut self, s: &Section<'_, '_>) -> Option<Source> {
        let given: Vec<(&str, &Item<'_>)> = ["interface", "web", "web4", "web6", "command"]
            .into_iter()
            .filter_map(|k| s.get(k).map(|v| (k, v)))
            .collect();
        let per_family = |k: &str| k == "web4" || k == "web6";
        if let [(a, _), rest @ ..] = given.as_slice()
            && let Some((k, v)) = rest.iter().find(|(k, _)| !(per_family(a) && per_family(k)))
        {
            self.problem_at(
                v.span().start,
                &s.key(k),
                "set only one address source: interface, web (or web4 and web6) or command".into(),
            );
            return None;
        }
        match given.first().copied() {
            Some(("interface", i)) => self.string(i, &s.key("interface")).and_then(|name| {
                if name == "auto" {
                    Some(Source::DefaultRoute)
                } else if !is_interface_name(&name) {
                    self.problem_at(
                        i.span().start,
                        &s.key("interface"),
                        format!("\"{name}\" is not an interface name (1-15 characters, no '/' or spaces), nor \"auto\""),
                    );
                    None
                } else {
                    Some(Source::Interface(name))
                }
            }),
            Some(("web", wv)) => self.web_url(wv, &s.key("web")).map(Source::Web),
            Some((k, _)) if per_family(k) => {
                let mut url = |k: &str| s.get(k).map(|v| self.web_url(v, &s.key(k)));
                match (url("web4"), url("web6")) {
                    (Some(None), _) | (_, Some(None)) => None,
                    (v4, v6) => Some(Source::WebFamilies {
                        v4: v4.flatten(),
                        v6: v6.flatten(),
                    }),
                }
            }
            Some((_, c)) => self.command(c, &s.key("command")).map(Source::Command),
            None => {
                self.problem_at(
                    s.table_at,
                    &s.key("interface"),
                    "missing address source; set interface = \"eth0\" (or \"auto\"), web = \"https://...\" (web4/web6 per family) or command = [\"/path/to/program\"]".into(),
                );
                None
            }
        }
    }

    /// The families published and what may be published over what: `ipv4`, `ipv6`,
    /// `allow_private`, `allow_insecure_http` (a password over plain HTTP needs it).
    pub(super) fn families(
        &mut self,
        s: &Section<'_, '_>,
        provider: Option<Provider>,
        endpoint: Option<&Endpoint>,
        dialect: &Dialect,
    ) -> Families {
        let mut flag = |k: &str, default: bool| {
            s.get(k)
                .and_then(|v| self.boolean(v, &s.key(k)))
                .unwrap_or(default)
        };
        let f = Families {
            ipv4: flag("ipv4", true),
            ipv6: flag("ipv6", false),
            allow_private: flag("allow_private", false),
            allow_insecure_http: flag("allow_insecure_http", false),
        };
        if !f.ipv4 && !f.ipv6 {
            self.problem_at(
                s.get("ipv4")
                    .or(s.get("ipv6"))
                    .map(|v| v.span().start)
                    .unwrap_or(s.table_at),
                &s.key("ipv4"),
                "ipv4 and ipv6 are both false: the policy would publish nothing".into(),
            );
        }
        let name = provider.map(|p| p.name()).unwrap_or_default();
        let v6_at = s.get("ipv6").map_or(s.table_at, |v| v.span().start);
        if f.ipv6 && !dialect.ipv6 {
            self.problem_at(
                v6_at,
                &s.key("ipv6"),
                format!("provider \"{name}\" updates IPv4 only; set ipv6 = false"),
            );
        } else if f.ipv4 && f.ipv6 && dialect.one_family {
            self.problem_at(
                v6_at,
                &s.key("ipv6"),
                format!("provider \"{name}\" has one token per record (A or AAAA): write one policy for IPv4 and another with ipv4 = false and ipv6 = true for IPv6"),
            );
        }
        let chosen = ["server", "url", "provider"]
            .into_iter()
            .find_map(|k| s.get(k).map(|v| (k, v)));
        if let (Some(ep), Some((k, v))) = (endpoint, chosen) {
            let insecure = match ep {
                Endpoint::Server(u) => u.scheme() == "http",
                Endpoint::Template(t) => t.starts_with("http://"),
            };
            if insecure && !f.allow_insecure_http {
                let why = match provider {
                    Some(p) => format!("provider \"{p}\" only offers plain HTTP, which"),
                    None => "plain http://".to_string(),
                };
                self.problem_at(
                    v.span().start,
                    &s.key(k),
                    format!("{why} would send the password unencrypted; use https://, or set allow_insecure_http = true to accept that"),
                );
            }
        }
        f
    }

    /// The keys of a host behind the router, each with the other it needs:
    /// `ipv6_prefix_from` and one of `ipv6_host_id`, `ipv6_host_mac` (which one is said).
    fn lan_keys<'t, 'i>(
        &mut self,
        s: &Section<'t, 'i>,
    ) -> Option<(&'t Item<'i>, &'static str, &'t Item<'i>)> {
        let from = s.get("ipv6_prefix_from");
        let (id_key, id) = match (s.get("ipv6_host_id"), s.get("ipv6_host_mac")) {
            (Some(_), Some(m)) => {
                self.problem_at(
                    m.span().start,
                    &s.key("ipv6_host_mac"),
                    "set only one of ipv6_host_id and ipv6_host_mac".into(),
                );
                return None;
            }
            (Some(l), None) => ("ipv6_host_id", Some(l)),
            (None, Some(m)) => ("ipv6_host_mac", Some(m)),
            (None, None) => ("ipv6_host_id", None),
        };
        let (f, v) = match (from, id) {
            (None, None) => return None,
            (None, Some(v)) => {
                self.problem_at(
                    v.span().start,
                    &s.key(id_key),
                    "needs ipv6_prefix_from = \"br-lan\" (the LAN interface that carries the delegated prefix)".into(),
                );
                return None;
            }
            (Some(f), None) => {
                self.problem_at(
                    f.span().start,
                    &s.key("ipv6_prefix_from"),
                    "needs the host's id: ipv6_host_id = \"::1234\" or ipv6_host_mac = \"00:11:22:33:44:55\"".into(),
                );
                return None;
            }
            (Some(f), Some(v)) => (f, v),
        };
        Some((f, id_key, v))
    }

    /// `ipv4_prefix` / `ipv6_prefix`: a prefix of the right family.
    /// `ipv6_prefix_from` with `ipv6_host_id` or `ipv6_host_mac`: the IPv6 address of a host
    /// behind the router. Each half without the other is an error, as is a combination that
    /// cannot work.
    pub(super) fn lan_host(
        &mut self,
        s: &Section<'_, '_>,
        families: &Families,
        source: Option<&Source>,
    ) -> Option<LanHost> {
        let (f, id_key, v) = self.lan_keys(s)?;
        let key = s.key("ipv6_prefix_from");
        let interface = self.string(f, &key)?;
        let text = self.string(v, &s.key(id_key))?;
        let mut ok = true;
        if !is_interface_name(&interface) || interface == "auto" {
            self.problem_at(
                f.span().start,
                &key,
                format!(
                    "\"{interface}\" is not an interface name (1-15 characters, no '/' or spaces)"
                ),
            );
            ok = false;
        }
        if !families.ipv6 {
            self.problem_at(
                f.span().start,
                &key,
                "publishes an IPv6 address: set ipv6 = true".into(),
            );
            ok = false;
        }
        if source.is_some_and(Source::is_asked) {
            self.problem_at(
                f.span().start,
                &key,
                "cannot go with web or command: the IPv4 address comes from `interface` (the WAN; with ipv4 = false, the LAN interface too)".into(),
            );
            ok = false;
        }
        let parsed = if id_key == "ipv6_host_id" {
            HostId::literal(&text)
        } else {
            HostId::mac(&text)
        };
        let host_id = match parsed {
            Ok(h) => h,
            Err(e) => {
                self.problem_at(v.span().start, &s.key(id_key), e);
                return None;
            }
        };
        ok.then_some(LanHost { interface, host_id })
    }

    pub(super) fn prefix(&mut self, s: &Section<'_, '_>, k: &str, v6: bool) -> Option<Prefix> {
        let v = s.get(k)?;
        let text = self.string(v, &s.key(k))?;
        match text.parse::<Prefix>() {
            Ok(p) if p.is_ipv4() != v6 => Some(p),
            Ok(_) => {
                self.problem_at(
                    v.span().start,
                    &s.key(k),
                    format!("is an IPv{} prefix", if v6 { 4 } else { 6 }),
                );
                None
            }
            Err(e) => {
                self.problem_at(v.span().start, &s.key(k), e);
                None
            }
        }
    }
}

/// Whether `name` can be a Linux interface name: 1-15 characters, no '/' or whitespace.
pub(super) fn is_interface_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 15 && !name.contains(['/', ' ', '\t'])
}
