//! The keys a config may have, and the ones other clients' users type instead.

/// Every key a policy may have; anything else is reported as unknown.
pub const POLICY_KEYS: &[&str] = &[
    "name",
    "server",
    "url",
    "provider",
    "username",
    "password",
    "password_file",
    "password_env",
    "hosts",
    "interface",
    "web",
    "web4",
    "web6",
    "command",
    "replies",
    "alias",
    "ipv4",
    "ipv6",
    "allow_private",
    "allow_insecure_http",
    "user_agent",
    "ca_file",
    "timeout",
    "connect_timeout",
    "ipv6_mode",
    "ipv4_prefix",
    "ipv6_prefix",
    "ipv6_prefix_from",
    "ipv6_host_id",
    "ipv6_host_mac",
    "stable_for",
    "min_interval",
    "max_interval",
    "check_interval",
    "on_change",
    "on_error",
];

/// Top-level keys besides `[[policy]]`.
pub const TOP_KEYS: &[&str] = &["state_dir", "on_change", "on_error", "hook_timeout"];

/// Keys the users of other clients type (ddclient, inadyn), and what dynward calls them.
pub(super) const FOREIGN_KEYS: &[(&str, &str)] = &[
    ("login", "the account's user name is `username`"),
    ("user", "the account's user name is `username`"),
    (
        "hostname",
        "host names go in a list: `hosts = [\"home.example.org\"]`",
    ),
    (
        "hostnames",
        "host names go in a list: `hosts = [\"home.example.org\"]`",
    ),
    (
        "alias",
        "host names go in a list: `hosts = [\"home.example.org\"]`",
    ),
    (
        "protocol",
        "dynward speaks dyndns2; say where updates go with `provider`, `server` or `url`",
    ),
    (
        "system",
        "dynward speaks dyndns2; say where updates go with `provider`, `server` or `url`",
    ),
    (
        "use",
        "the address source is `interface = \"eth0\"` (`\"auto\"`: the default route's) or `web = \"https://…\"` (a check-IP service)",
    ),
    (
        "usev4",
        "the address source is `interface = \"eth0\"` (`\"auto\"`: the default route's) or `web = \"https://…\"` (a check-IP service)",
    ),
    (
        "usev6",
        "IPv6 is published with `ipv6 = true`, from the same `interface` or `web`",
    ),
    (
        "if",
        "the interface is `interface = \"eth0\"` (or `\"auto\"`)",
    ),
    (
        "ifv4",
        "the interface is `interface = \"eth0\"` (or `\"auto\"`)",
    ),
    (
        "ifv6",
        "the interface is `interface = \"eth0\"` (or `\"auto\"`); IPv6 is published with `ipv6 = true`",
    ),
    ("allow-ipv6", "IPv6 is published with `ipv6 = true`"),
    (
        "checkip-server",
        "a check-IP service is `web = \"https://…\"`",
    ),
    (
        "checkip-path",
        "a check-IP service is `web = \"https://…\"`, one URL",
    ),
    ("webv4", "a check-IP service is `web = \"https://…\"`"),
    (
        "ssl",
        "dynward uses https:// unless `server` or `url` says http://: remove `ssl`",
    ),
    (
        "daemon",
        "`dynward run` is the daemon: it reacts to address changes as they happen, with no interval to set (a `web` source is asked every `check_interval`)",
    ),
    (
        "period",
        "`dynward run` reacts to address changes as they happen; a `web` source is asked every `check_interval`",
    ),
    (
        "wildcard",
        "dynward sends no wildcard, mx or backmx options",
    ),
    ("mx", "dynward sends no wildcard, mx or backmx options"),
];

/// What dynward calls a key another client uses (`-` and `_` alike, any case).
pub(super) fn foreign_hint(key: &str) -> Option<&'static str> {
    let k = key.to_ascii_lowercase().replace('_', "-");
    FOREIGN_KEYS
        .iter()
        .find(|(name, _)| *name == k)
        .map(|(_, hint)| *hint)
}
