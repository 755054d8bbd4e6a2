//! A `[[policy]]` section read into a [`Policy`]: where updates go and as whom, its hosts,
//! its reply rules, how requests are made, its timers and hooks. The address source is
//! [`super::source`]'s, the password [`super::resolve`]'s.

use super::*;

/// What the HTTP section read.
pub(super) struct HttpSettings {
    pub(super) user_agent: Option<String>,
    pub(super) ca_file: Option<PathBuf>,
    pub(super) timeout: Duration,
    pub(super) connect_timeout: Duration,
}

/// What the timers section read.
pub(super) struct Intervals {
    pub(super) stable_for: Duration,
    pub(super) min_interval: Duration,
    pub(super) max_interval: Duration,
    pub(super) check_interval: Duration,
    pub(super) verify_for: Duration,
    pub(super) verify_every: Option<Duration>,
}

impl Walker<'_> {
    pub(super) fn policy(
        &mut self,
        t: &DeTable<'_>,
        table_at: usize,
        at: &str,
        env: &Env<'_>,
        globals: &Globals,
    ) -> Option<Policy> {
        let before = self.problems.len();
        let s = Section { t, table_at, at };
        self.unknown_keys(&s);
        let name = self.name(&s);
        let (provider, endpoint, mut dialect) = self.endpoint(&s);
        self.replies(&s, provider, endpoint.as_ref(), &mut dialect);
        self.alias(&s, provider, &mut dialect);
        let hosts = self.hosts(&s, endpoint.as_ref(), &dialect);
        let username = self.username(&s, provider, endpoint.as_ref(), &dialect, &hosts);
        let password = self.password(t, table_at, at, name.as_deref(), env);
        let source = self.source(&s);
        let families = self.families(&s, provider, endpoint.as_ref(), &dialect);
        let http = self.http_settings(&s);
        let timers = self.timers(&s, provider);
        let ipv4_prefix = self.prefix(&s, "ipv4_prefix", false);
        let ipv6_prefix = self.prefix(&s, "ipv6_prefix", true);
        let ipv6_lan = self.lan_host(&s, &families, source.as_ref());
        if let Some(Source::WebFamilies { v4, v6 }) = &source {
            for (url, on, key, flag) in [
                (v4, families.ipv4, "web4", "ipv4 = false"),
                (v6, families.ipv6, "web6", "ipv6 is not true"),
            ] {
                if url.is_some() && !on {
                    let at = s.get(key).map_or(s.table_at, |v| v.span().start);
                    self.problem_at(
                        at,
                        &s.key(key),
                        format!("asks for an address the policy does not publish ({flag})"),
                    );
                }
            }
        }
        let (on_change, on_error) = self.hooks(&s, globals);
        let mut api = self.api_keys(&s, provider, &hosts);
        if let Some((pw, _)) = &password {
            self.api_credential(&s, provider, pw);
            if provider == Some(Provider::Rfc2136) {
                self.dns_key(&s, pw, &mut api);
            }
        }
        if self.problems.len() != before {
            return None;
        }
        let (password, password_origin) = password?;
        Some(Policy {
            name: name?,
            provider,
            endpoint: endpoint?,
            dialect,
            // RFC 2136's account is its key: verdicts on it bind every policy with it.
            username: match provider {
                Some(Provider::Rfc2136) => api.tsig_key.clone().unwrap_or_default(),
                _ => username?,
            },
            password,
            password_origin,
            hosts,
            source: source?,
            ipv4: families.ipv4,
            ipv6: families.ipv6,
            allow_private: families.allow_private,
            allow_insecure_http: families.allow_insecure_http,
            user_agent: http.user_agent?,
            ca_file: http.ca_file,
            timeout: http.timeout,
            connect_timeout: http.connect_timeout,
            ipv4_prefix,
            ipv6_prefix,
            ipv6_lan,
            stable_for: timers.stable_for,
            min_interval: timers.min_interval,
            max_interval: timers.max_interval,
            check_interval: timers.check_interval,
            verify_for: timers.verify_for,
            verify_every: timers.verify_every,
            on_change,
            on_error,
            hook_timeout: globals.hook_timeout.unwrap_or(DEFAULT_HOOK_TIMEOUT),
            api,
            token_of: String::new(),
        })
    }

    /// Keys a policy may not have, each with the closest known one.
    pub(super) fn unknown_keys(&mut self, s: &Section<'_, '_>) {
        for (k, _) in s.t.iter() {
            let name = k.get_ref().as_ref();
            if !is_policy_key(name) {
                let hint = match foreign_hint(name) {
                    Some(h) => format!("; {h}"),
                    None if is_top_key(name) => {
                        "; it belongs at the top level, before the first [[policy]]".into()
                    }
                    None => closest(name, &policy_keys())
                        .map(|c| format!("; did you mean \"{c}\"?"))
                        .unwrap_or_default(),
                };
                self.problem_at(k.span().start, &s.key(name), format!("unknown key{hint}"));
            }
        }
    }

    /// `name`: required; it names the systemd credential, so it must be a file name.
    pub(super) fn name(&mut self, s: &Section<'_, '_>) -> Option<String> {
        let Some(v) = s.get("name") else {
            self.problem_at(
                s.table_at,
                &s.key("name"),
                "missing; every policy needs a unique name".into(),
            );
            return None;
        };
        let n = self.string(v, &s.key("name"))?;
        let ok = !n.is_empty() && n.len() <= MAX_NAME && n.chars().all(is_name_char);
        if !ok {
            self.problem_at(
                v.span().start,
                &s.key("name"),
                "must be 1-64 characters of letters, digits, '-', '_' or '.' (it names a credential file)".into(),
            );
            return None;
        }
        match self.names.iter().find(|(m, _, _)| *m == n).cloned() {
            Some((_, first, first_at)) => {
                let (line, _) = line_col(self.src, first);
                self.problem_at(
                    v.span().start,
                    &s.key("name"),
                    format!("duplicate policy name \"{n}\": {first_at} at line {line} has it already; names must be unique"),
                );
            }
            None => self
                .names
                .push((n.clone(), v.span().start, s.at.to_string())),
        }
        Some(n)
    }

    /// Exactly one of `server`, `url` and `provider`, and `ipv6_mode`: where updates go and
    /// the dialect they are sent in.
    pub(super) fn endpoint(
        &mut self,
        s: &Section<'_, '_>,
    ) -> (Option<Provider>, Option<Endpoint>, Dialect) {
        let chosen: Vec<(&str, &Item<'_>)> = ["server", "url", "provider"]
            .into_iter()
            .filter_map(|k| s.get(k).map(|v| (k, v)))
            .collect();
        let (provider, endpoint) = match chosen.as_slice() {
            [] => {
                self.problem_at(
                    s.table_at,
                    &s.key("server"),
                    "missing update endpoint; set one of server, url or provider".into(),
                );
                (None, None)
            }
            [(one, v)] => self.one_endpoint(s, one, v),
            // A preset sent to another endpoint (a regional or self-hosted server, a test):
            // the preset's dialect and quirks, the given server.
            [(a, pv), (b, sv)] | [(b, sv), (a, pv)] if *a == "provider" && *b == "server" => {
                self.preset_at_server(s, pv, sv)
            }
            many => {
                if let Some((later, v)) = last_in_file(many) {
                    self.problem_at(
                        v.span().start,
                        &s.key(later),
                        format!(
                            "set only one of server, url and provider (found {}); server next to provider sends that preset's requests to another endpoint",
                            names(many)
                        ),
                    );
                }
                (None, None)
            }
        };
        let mut dialect = provider.map(Provider::dialect).unwrap_or_default();
        if let Some(m) = self.ipv6_mode(s, endpoint.as_ref()) {
            dialect.family = m;
        }
        (provider, endpoint, dialect)
    }

    /// One of `provider`, `server` or `url`.
    fn one_endpoint(
        &mut self,
        s: &Section<'_, '_>,
        one: &str,
        v: &Item<'_>,
    ) -> (Option<Provider>, Option<Endpoint>) {
        let Some(text) = self.string(v, &s.key(one)) else {
            return (None, None);
        };
        match one {
            "provider" => match self.preset(v, &text, &s.key("provider")) {
                Some(Provider::Rfc2136) => {
                    self.problem_at(
                        v.span().start,
                        &s.key("server"),
                        "missing: provider \"rfc2136\" needs the DNS server to update, server = \"ns1.example.org\" (its primary; port 53 unless given)".into(),
                    );
                    (None, None)
                }
                Some(p) => (Some(p), Url::parse(p.server()).ok().map(Endpoint::Server)),
                None => (None, None),
            },
            "server" => match parse_server(&text) {
                Ok(u) => (None, Some(Endpoint::Server(u))),
                Err(e) => {
                    self.problem_at(v.span().start, &s.key("server"), e);
                    (None, None)
                }
            },
            _ => match check_template(&text) {
                Ok(()) => (None, Some(Endpoint::Template(text))),
                Err(e) => {
                    self.problem_at(v.span().start, &s.key("url"), e);
                    (None, None)
                }
            },
        }
    }

    /// `provider` next to `server`: the preset's requests, sent to that server; a server
    /// without a path takes the preset's (`/update`, `/u/`, `/`).
    fn preset_at_server(
        &mut self,
        s: &Section<'_, '_>,
        pv: &Item<'_>,
        sv: &Item<'_>,
    ) -> (Option<Provider>, Option<Endpoint>) {
        let p = self
            .string(pv, &s.key("provider"))
            .and_then(|text| self.preset(pv, &text, &s.key("provider")));
        if p == Some(Provider::Rfc2136) {
            let u = self.string(sv, &s.key("server")).and_then(|text| {
                dns_server(&text)
                    .map_err(|e| self.problem_at(sv.span().start, &s.key("server"), e))
                    .ok()
            });
            return (p, u.map(Endpoint::Server));
        }
        let u = self.string(sv, &s.key("server")).and_then(|text| {
            let given_path = Url::parse(&text).map(|u| u.path().len() > 1);
            parse_server(&text)
                .map_err(|e| self.problem_at(sv.span().start, &s.key("server"), e))
                .ok()
                .map(|u| (u, given_path.unwrap_or(true)))
        });
        let (Some(p), Some((mut u, given_path))) = (p, u) else {
            return (None, None);
        };
        if !given_path && let Ok(preset) = Url::parse(p.server()) {
            u.set_path(preset.path());
        }
        (Some(p), Some(Endpoint::Server(u)))
    }

    /// `ipv6_mode`, when set and possible with the endpoint.
    fn ipv6_mode(
        &mut self,
        s: &Section<'_, '_>,
        endpoint: Option<&Endpoint>,
    ) -> Option<FamilyMode> {
        let v = s.get("ipv6_mode")?;
        let text = self.string(v, &s.key("ipv6_mode"))?;
        match text.parse::<FamilyMode>() {
            Ok(FamilyMode::MyipV6) if matches!(endpoint, Some(Endpoint::Template(_))) => {
                self.problem_at(
                    v.span().start,
                    &s.key("ipv6_mode"),
                    "\"myipv6\" needs server or provider; a url template has only <a>".into(),
                );
                None
            }
            Ok(m) => Some(m),
            Err(e) => {
                self.problem_at(v.span().start, &s.key("ipv6_mode"), e);
                None
            }
        }
    }

    /// The preset `text` names, or a problem with the closest name.
    pub(super) fn preset(&mut self, v: &Item<'_>, text: &str, key: &str) -> Option<Provider> {
        text.parse::<Provider>()
            .map_err(|e| {
                let hint = provider_hint(text)
                    .map(|c| format!("; did you mean \"{c}\"?"))
                    .unwrap_or_default();
                self.problem_at(v.span().start, key, format!("{e}{hint}"));
            })
            .ok()
    }

    /// `hosts`: a non-empty list of distinct host names.
    pub(super) fn hosts(
        &mut self,
        s: &Section<'_, '_>,
        endpoint: Option<&Endpoint>,
        dialect: &Dialect,
    ) -> Vec<String> {
        // A service whose names all end the same (DuckDNS) takes them without the ending, and
        // a template sends what it is given: both may be one label.
        let short_ok = matches!(endpoint, Some(Endpoint::Template(_)))
            || matches!(dialect.shape.host_form, HostForm::Strip(_));
        let mut hosts = Vec::new();
        let Some(v) = s.get("hosts") else {
            self.problem_at(
                s.table_at,
                &s.key("hosts"),
                "missing; list the host names to update, e.g. hosts = [\"home.example.org\"]"
                    .into(),
            );
            return hosts;
        };
        match v.get_ref() {
            DeValue::Array(items) if !items.is_empty() => {
                for (i, h) in items.iter().enumerate() {
                    let hk = format!("{}.hosts[{i}]", s.at);
                    if let Some(name) = self.string(h, &hk) {
                        match check_hostname(&name, short_ok) {
                            Ok(()) if hosts.contains(&name) => self.problem_at(
                                h.span().start,
                                &hk,
                                format!("\"{name}\" is listed twice"),
                            ),
                            Ok(()) => hosts.push(name),
                            Err(e) => self.problem_at(h.span().start, &hk, e),
                        }
                    }
                }
            }
            DeValue::Array(_) => self.problem_at(
                v.span().start,
                &s.key("hosts"),
                "is empty; list at least one host name".into(),
            ),
            DeValue::String(_) => self.problem_at(
                v.span().start,
                &s.key("hosts"),
                "must be a list, e.g. hosts = [\"home.example.org\"]".into(),
            ),
            other => self.problem_at(
                v.span().start,
                &s.key("hosts"),
                format!("must be a list of host names, found {}", other.type_str()),
            ),
        }
        if let Some(Endpoint::Template(tpl)) = endpoint
            && !tpl.contains("<h>")
            && hosts.len() > 1
        {
            self.warnings.push(format!(
                "{}: the url template has no <h>, so all {} hosts get the same request",
                s.at,
                hosts.len()
            ));
        }
        hosts
    }

    /// `username`, as the dialect has it: the account's login (required), the host itself
    /// unless given (then one policy has one host), not used at all (a token names the
    /// account), or the domain hosts are named under (Namecheap). A url template needs one
    /// when it has `<username>`, or no `<password>` (the account then goes in a header).
    pub(super) fn username(
        &mut self,
        s: &Section<'_, '_>,
        provider: Option<Provider>,
        endpoint: Option<&Endpoint>,
        dialect: &Dialect,
        hosts: &[String],
    ) -> Option<String> {
        let rule = match endpoint {
            Some(Endpoint::Template(t))
                if t.contains("<username>") || !t.contains("<password>") =>
            {
                User::Required
            }
            Some(Endpoint::Template(_)) => User::Unused,
            _ => dialect.user,
        };
        let hosts_at = s.get("hosts").map_or(s.table_at, |v| v.span().start);
        let given = s.get("username");
        let name = provider.map_or("this".to_string(), |p| format!("\"{p}\""));
        let one_host = provider.is_some_and(Provider::key_per_host)
            || rule == User::Host && given.is_none()
            || dialect.shape.secret == Credentials::Path;
        if one_host && hosts.len() > 1 {
            self.one_host_only(s, hosts_at, provider, &name, dialect);
        }
        let value = match given {
            Some(v) => self.string(v, &s.key("username")),
            None => match rule {
                User::Host => hosts.first().cloned(),
                User::Unused => Some(String::new()),
                User::Param(_) => {
                    self.problem_at(
                        s.table_at,
                        &s.key("username"),
                        "missing; set the domain the hosts are in (e.g. \"example.com\") as username".into(),
                    );
                    None
                }
                User::Required => {
                    self.problem_at(
                        s.table_at,
                        &s.key("username"),
                        "missing; set the account's user name".into(),
                    );
                    None
                }
            },
        };
        let gandi_key = provider == Some(Provider::Gandi)
            && given.is_some_and(|v| matches!(v.get_ref(), DeValue::String(u) if u == "apikey"));
        if given.is_some() && rule == User::Unused && provider.is_some() && !gandi_key {
            self.warnings.push(format!(
                "{}: username is not used: {name} endpoint takes the token (password) alone",
                s.at
            ));
        }
        if let (User::Param(_), Some(domain)) = (rule, value.as_deref()) {
            self.under_domain(s, hosts_at, hosts, domain, &name, dialect);
        }
        value
    }

    /// A policy with several hosts where each host needs a policy of its own: Hurricane
    /// Electric's key per host, a user name that is the host's own, a token that names one
    /// record.
    fn one_host_only(
        &mut self,
        s: &Section<'_, '_>,
        hosts_at: usize,
        provider: Option<Provider>,
        name: &str,
        dialect: &Dialect,
    ) {
        let message = if let Some(p) = provider.filter(|p| p.key_per_host()) {
            format!("provider \"{p}\" has one key per host: write one policy per host")
        } else {
            let why = if dialect.shape.secret == Credentials::Path {
                "its token names one record"
            } else {
                "the user name is the host's own"
            };
            format!("provider {name}: {why}, so one policy has one host; write one policy per host")
        };
        self.problem_at(hosts_at, &s.key("hosts"), message);
    }

    /// Namecheap names a host relative to its domain: each host must be the domain or
    /// under it (the request names a host relative to the domain: one it leaves as it is
    /// is not in that domain).
    fn under_domain(
        &mut self,
        s: &Section<'_, '_>,
        hosts_at: usize,
        hosts: &[String],
        domain: &str,
        name: &str,
        dialect: &Dialect,
    ) {
        for (i, h) in hosts.iter().enumerate() {
            if crate::protocol::dyndns2::host_in_request(&dialect.shape, domain, h) == *h {
                self.problem_at(
                    hosts_at,
                    &format!("{}.hosts[{i}]", s.at),
                    format!("\"{h}\" is not in the domain \"{domain}\" (the username): provider {name} updates hosts of that domain only"),
                );
            }
        }
    }

    /// `alias` (Dynu only): the alias a custom domain's update names.
    pub(super) fn alias(
        &mut self,
        s: &Section<'_, '_>,
        provider: Option<Provider>,
        dialect: &mut Dialect,
    ) {
        let Some(v) = s.get("alias") else {
            return;
        };
        let Some(text) = self.string(v, &s.key("alias")) else {
            return;
        };
        if provider != Some(Provider::Dynu) {
            self.problem_at(
                v.span().start,
                &s.key("alias"),
                "is Dynu's (provider = \"dynu\"): other providers have no alias".into(),
            );
        } else if text.is_empty() || !text.chars().all(is_name_char) {
            self.problem_at(
                v.span().start,
                &s.key("alias"),
                "must be the alias's name: letters, digits, '-', '_' or '.'".into(),
            );
        } else {
            dialect.extra = format!("alias={text}");
        }
    }

    /// How requests are made: `user_agent`, `ca_file`, `timeout`, `connect_timeout`.
    pub(super) fn http_settings(&mut self, s: &Section<'_, '_>) -> HttpSettings {
        let user_agent = match s.get("user_agent") {
            Some(v) => self.string(v, &s.key("user_agent")).and_then(|ua| {
                let ok = ua.contains('/') && ua.len() >= 5 && ua.chars().all(|c| !c.is_control());
                if !ok {
                    self.problem_at(
                        v.span().start,
                        &s.key("user_agent"),
                        "must name product and version like \"Company Product/1.0 contact@example.org\"; providers block generic agents".into(),
                    );
                }
                ok.then_some(ua)
            }),
            None => Some(default_user_agent()),
        };
        let ca_file = s
            .get("ca_file")
            .and_then(|v| self.ca_file(v, &s.key("ca_file")));
        let timeout = self.duration_key(s, "timeout", DEFAULT_TIMEOUT);
        let connect_timeout = self.duration_key(s, "connect_timeout", DEFAULT_CONNECT_TIMEOUT);
        for (k, d) in [("timeout", timeout), ("connect_timeout", connect_timeout)] {
            if d < MIN_TIMEOUT
                && let Some(v) = s.get(k)
            {
                self.problem_at(v.span().start, &s.key(k), "must be at least \"1s\"".into());
            }
        }
        HttpSettings {
            user_agent,
            ca_file,
            timeout,
            connect_timeout,
        }
    }

    /// When updates may and must happen: `stable_for`, `min_interval`, `max_interval`,
    /// `check_interval`, with the floors that keep a provider from counting abuse (and a
    /// preset's own least `min_interval`).
    pub(super) fn timers(&mut self, s: &Section<'_, '_>, provider: Option<Provider>) -> Intervals {
        let least = provider.and_then(Provider::min_interval);
        let t = Intervals {
            stable_for: self.duration_key(s, "stable_for", DEFAULT_STABLE_FOR),
            min_interval: self.duration_key(
                s,
                "min_interval",
                least.unwrap_or(DEFAULT_MIN_INTERVAL),
            ),
            max_interval: self.duration_key(s, "max_interval", DEFAULT_MAX_INTERVAL),
            check_interval: self.duration_key(s, "check_interval", DEFAULT_CHECK_INTERVAL),
            verify_for: self.duration_key(s, "verify_for", DEFAULT_VERIFY_FOR),
            verify_every: s
                .get("verify_every")
                .and_then(|v| self.duration(v, &s.key("verify_every")))
                .filter(|d| !d.is_zero()),
        };
        if t.verify_for > MAX_VERIFY_FOR
            && let Some(v) = s.get("verify_for")
        {
            self.problem_at(
                v.span().start,
                &s.key("verify_for"),
                "must be at most \"1h\": a record not served within an hour will not be served by waiting".into(),
            );
        }
        if t.verify_every.is_some_and(|d| d < MIN_VERIFY_EVERY)
            && let Some(v) = s.get("verify_every")
        {
            self.problem_at(
                v.span().start,
                &s.key("verify_every"),
                "must be at least \"10s\" (or \"0s\": never)".into(),
            );
        }
        if let (Some(least), Some(p)) = (least, provider)
            && t.min_interval < least
            && let Some(v) = s.get("min_interval")
        {
            self.problem_at(
                v.span().start,
                &s.key("min_interval"),
                format!(
                    "must be at least \"{}\" for provider \"{p}\": it refuses updates closer together",
                    crate::duration::format(least)
                ),
            );
        }
        if t.max_interval < MIN_MAX_INTERVAL
            && let Some(v) = s.get("max_interval")
        {
            self.problem_at(
                v.span().start,
                &s.key("max_interval"),
                "must be at least \"1d\": frequent same-address updates are counted as abuse (nochg)".into(),
            );
        }
        if t.check_interval < MIN_CHECK_INTERVAL
            && let Some(v) = s.get("check_interval")
        {
            self.problem_at(
                v.span().start,
                &s.key("check_interval"),
                "must be at least \"1m\"; check-IP services block clients that ask more often (Dyn: 10m)".into(),
            );
        }
        t
    }

    /// A duration key of the policy, or its default.
    pub(super) fn duration_key(
        &mut self,
        s: &Section<'_, '_>,
        k: &str,
        default: Duration,
    ) -> Duration {
        s.get(k)
            .and_then(|v| self.duration(v, &s.key(k)))
            .unwrap_or(default)
    }

    /// `on_change` / `on_error`: the policy's own, or the top level's.
    pub(super) fn hooks(
        &mut self,
        s: &Section<'_, '_>,
        globals: &Globals,
    ) -> (Vec<String>, Vec<String>) {
        let on_change = match s.get("on_change") {
            Some(v) => self.command(v, &s.key("on_change")).unwrap_or_default(),
            None => globals.on_change.clone(),
        };
        let on_error = match s.get("on_error") {
            Some(v) => self.command(v, &s.key("on_error")).unwrap_or_default(),
            None => globals.on_error.clone(),
        };
        (on_change, on_error)
    }
}

/// `server` accepts a full URL or a bare host (then `https://HOST/nic/update`).
pub(super) fn parse_server(s: &str) -> Result<Url, String> {
    let full = if s.contains("://") {
        s.to_string()
    } else {
        format!("https://{s}")
    };
    let mut u = Url::parse(&full).map_err(|e| format!("\"{s}\" is not a valid URL: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!("\"{s}\": the scheme must be https:// or http://"));
    }
    if u.host_str().is_none() {
        return Err(format!("\"{s}\" has no host"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("put credentials in username and password, not in the URL".into());
    }
    if u.query().is_some() {
        return Err(
            "server takes no query; use url = \"...\" for a template with parameters".into(),
        );
    }
    if u.path() == "/" || u.path().is_empty() {
        u.set_path("/nic/update");
    }
    Ok(u)
}

/// A template must become a valid http(s) URL once its placeholders are filled.
pub(super) fn check_template(s: &str) -> Result<(), String> {
    let filled = s
        .replace("<h>", "host.example.org")
        .replace("<a>", "192.0.2.1")
        .replace("<username>", "user")
        .replace("<password>", "pass");
    if let Some(i) = filled.find('<') {
        let rest = &filled[i..];
        let tok = rest.split('>').next().unwrap_or(rest);
        return Err(format!(
            "unknown placeholder {tok}>; placeholders are <h>, <a>, <username>, <password>"
        ));
    }
    let u = Url::parse(&filled).map_err(|e| format!("not a valid URL template: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err("the template must start with https:// or http:// and a host".into());
    }
    if !s.contains("<a>") {
        return Err("the template has no <a>: the address would never be sent (and an empty myip= can delete the record)".into());
    }
    Ok(())
}

/// A host name as a provider accepts it: letters, digits, '-', '.', '_' (some providers use
/// it) and a leading "*." for wildcards; at least two labels.
/// A DNS server as `server` names it for RFC 2136 (a name or an address, a port after `:`,
/// an IPv6 address in brackets with a port), as `dns://host:port`.
fn dns_server(text: &str) -> Result<Url, String> {
    let bad = || {
        format!(
            "\"{text}\" is not a DNS server: write its name or address, with :port unless 53 (\"ns1.example.org\", \"192.0.2.53:5353\", \"[2001:db8::53]:53\")"
        )
    };
    let t = text.trim_start_matches("dns://").trim_end_matches('/');
    let with_port = if t.parse::<std::net::Ipv6Addr>().is_ok() {
        format!("[{t}]:53")
    } else if t.ends_with(']') || !t.contains(':') {
        format!("{t}:53")
    } else {
        t.to_string()
    };
    let u = Url::parse(&format!("dns://{with_port}")).map_err(|_| bad())?;
    if u.host_str().is_none_or(str::is_empty) || u.port().is_none() || u.path().len() > 1 {
        return Err(bad());
    }
    Ok(u)
}

pub(super) fn check_hostname(h: &str, short_ok: bool) -> Result<(), String> {
    let body = h.strip_prefix("*.").unwrap_or(h);
    let labels: Vec<&str> = body.split('.').collect();
    if h.len() > 253 || (labels.len() < 2 && !short_ok) {
        return Err(format!(
            "\"{h}\" is not a fully qualified host name (e.g. home.example.org)"
        ));
    }
    for l in labels {
        let ok = !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(format!(
                "\"{h}\" is not a valid host name (label \"{l}\"); use letters, digits and '-'"
            ));
        }
    }
    Ok(())
}

/// The preset a mistyped provider name means: the same letters and digits in any case
/// (`no-ip`, `NoIP`), else the closest name.
pub(super) fn provider_hint(text: &str) -> Option<&'static str> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let names: Vec<&'static str> = crate::provider::ALL.iter().map(|(n, _)| *n).collect();
    names
        .iter()
        .find(|n| norm(n) == norm(text))
        .copied()
        .or_else(|| closest(&norm(text), &names))
}
