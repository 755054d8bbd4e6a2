//! The keys a config may have, and the ones other clients' users type instead.

/// A config key: its name, its default, what it means.
pub type Key = (&'static str, &'static str, &'static str);

/// The top-level keys, as the README and the man page document them.
pub const TOP: &[Key] = &[
    (
        "state_dir",
        super::DEFAULT_STATE_DIR,
        "Where `state.json` lives. `$STATE_DIRECTORY` (set by systemd) wins.",
    ),
    (
        "on_change, on_error",
        "none",
        "Default hooks for every policy (see Hooks).",
    ),
    (
        "hook_timeout",
        "30s",
        "A hook still running after this is killed.",
    ),
    (
        "[[policy]]",
        "-",
        "One per account at a provider. At least one.",
    ),
];

/// The keys of a `[[policy]]`, as the README and the man page document them: the one
/// list of them (the walk refuses any other key, and reads every one of these).
pub const POLICY: &[Key] = &[
    (
        "name",
        "required",
        "Unique; letters, digits, `-_.`. Shown in logs; names the systemd credential.",
    ),
    (
        "provider",
        "one of three",
        "A preset (`dynward providers` lists them with their requests and answers): `dyn`, `noip`, `dynu`, `3322`, `oray`, `ovh`, `strato`, `selfhost`, `changeip`, `he`, `dnsomatic`, `desec`, `duckdns`, `dynv6`, `nsupdate.info`, `infomaniak`, `now-dns`, `spdyn`, `all-inkl`, `ipv64`, `ddnss`, `dnshome`, `freedns`, `namecheap`, `inwx`, `easydns`, `zoneedit`, `loopia`, `njalla`, `ionos-dyndns`; `rfc2136` for your own DNS server (with `server`, `tsig_key`); and the DNS hosts' APIs `cloudflare`, `porkbun`, `hetzner`, `digitalocean`, `gandi`, `ionos` (the password is the API token; `server` next to them sends to another API base).",
    ),
    (
        "server",
        "one of three",
        "A dyndns2 endpoint URL. `https://` unless you write `http://`; a bare host gets `/nic/update`. Next to `provider`, the preset's requests go to this endpoint instead (a regional or self-hosted server), with the preset's quirks and reply table; without a path it takes the preset's.",
    ),
    (
        "url",
        "one of three",
        "A Comware-style template with `<h>` (hosts), `<a>` (address), `<username>`, `<password>`, percent-encoded on substitution. Must contain `<a>`. Its hosts may be single labels; without `<password>` the account goes in a Basic header.",
    ),
    (
        "replies",
        "none",
        "With `url` or `server` (without, answers are read as dyndns2 codes): how the service answers, a list of rules tried in order, `{ contains = \"OK\", means = \"good\" }`, `{ status = 404, means = \"nohost\" }` (words matched case-insensitively as whole words; both keys: both must match). `means` is a dyndns2 code (`good`, `nochg`, `badauth`, `nohost`, `abuse`, `911`, `w5m`, …) and leads to that code's decision for every host of the request. An answer no rule names is read as dyndns2, then by its HTTP status.",
    ),
    (
        "username",
        "required",
        "Account user. For `he`, `nsupdate.info`, `desec` and `dnshome` it defaults to the host; `duckdns`, `dynv6`, `ddnss`, `freedns`, `njalla` and `ionos-dyndns` use none (the password is the token); for `namecheap` it is the domain. A template needs it only with `<username>` or without `<password>`.",
    ),
    (
        "alias",
        "none",
        "Dynu only: the alias of a custom domain, sent as `alias=`.",
    ),
    (
        "zone",
        "see text",
        "API providers and `rfc2136`: the zone the hosts are in (every host must be in it). Cloudflare and IONOS find it from the hosts, `rfc2136` with an SOA query; the others take a host's last two labels.",
    ),
    (
        "zone_id",
        "none",
        "Cloudflare and IONOS: the zone's id, so that no zone is looked up (a Cloudflare token without Zone · Zone · Read). The ids found are kept in the state file.",
    ),
    (
        "ttl",
        "provider's",
        "API providers: the TTL in seconds of a record dynward creates (an existing record keeps its own). Cloudflare: 60-86400, or 1 for automatic (the default). `rfc2136`: the records' TTL, 1-604800, 300 unless set.",
    ),
    (
        "tsig_key",
        "the key file's",
        "`rfc2136`: the TSIG key's name as the server knows it (`key \"name\"` in named.conf); with a BIND key file as password_file, its own name.",
    ),
    (
        "tsig_algorithm",
        "hmac-sha256",
        "`rfc2136`: hmac-sha256, hmac-sha384, hmac-sha512 or hmac-sha1 (not hmac-md5); with a BIND key file, its own.",
    ),
    (
        "proxied",
        "false",
        "Cloudflare: whether a record dynward creates is proxied (an existing record keeps its own setting).",
    ),
    (
        "password / password_file / password_env",
        "one of them",
        "The password, a file holding it (first line; warns if readable by group/others), or an environment variable. With none, `$CREDENTIALS_DIRECTORY/<name>` (systemd `LoadCredential=<name>:...`) is used. A config holding a password warns when others can read it.",
    ),
    (
        "hosts",
        "required",
        "Host names to update. At most 20 go in one request; more are split into batches.",
    ),
    (
        "interface",
        "one of three",
        "Interface whose global addresses are published; `\"auto\"` = the default route's interface.",
    ),
    (
        "web",
        "one of three",
        "A check-IP URL (plain text or `Current IP Address:` pages), for hosts behind NAT. Asked over each family published: over IPv4 for the IPv4 address and, with `ipv6 = true`, over IPv6 for the IPv6 one.",
    ),
    (
        "web4, web6",
        "none",
        "Instead of `web`: a check-IP URL per family, asked over its own family (one or both). A family whose service fails is left out, with a warning; the other is published.",
    ),
    (
        "command",
        "one of three",
        "A program that prints the address, `[\"/path\", \"arg\"]` (absolute path, no shell), asked every `check_interval`; run like a hook (clean environment, killed after `hook_timeout`), its output read like a check-IP page.",
    ),
    ("ipv4, ipv6", "true, false", "Families to publish."),
    (
        "allow_private",
        "false",
        "Also publish RFC 1918, CGNAT (100.64/10), link-local and ULA addresses.",
    ),
    (
        "ipv4_prefix, ipv6_prefix",
        "none",
        "With several publishable addresses, prefer one inside this prefix.",
    ),
    (
        "ipv6_prefix_from",
        "none",
        "Publish the IPv6 address of a host behind the router: the prefix of a global address on this LAN interface (delegated by the ISP) plus the host's id. Needs `ipv6 = true` and one of the next two.",
    ),
    (
        "ipv6_host_id / ipv6_host_mac",
        "none",
        "With `ipv6_prefix_from`, one of them: the host's interface id: its low bits as an address (`\"::1234\"`), or its MAC address, turned into the EUI-64 id SLAAC gives it.",
    ),
    (
        "ipv6_mode",
        "preset, else separate",
        "`combined` (`myip=v4,v6`), `myipv6` (`myip=v4&myipv6=v6`), `separate` (one request per family).",
    ),
    (
        "allow_insecure_http",
        "false",
        "Permit `http://` with a password (3322 and Oray only offer HTTP).",
    ),
    (
        "user_agent",
        "dynward/VERSION (+URL)",
        "Must name product and version; providers block generic agents.",
    ),
    (
        "ca_file",
        "none",
        "Extra trusted CA certificates (PEM), added to the system store.",
    ),
    ("connect_timeout, timeout", "10s, 30s", "Per request."),
    (
        "min_interval",
        "60s",
        "Never two updates of the same host closer than this, even forced. `easydns` and `zoneedit` refuse updates less than `10m` apart: that is their default and least.",
    ),
    (
        "max_interval",
        "25d",
        "Re-send an unchanged address this often (at least `1d`).",
    ),
    (
        "stable_for",
        "5s",
        "Daemon: how long an address must be unchanged before it is published.",
    ),
    (
        "check_interval",
        "10m",
        "Daemon: how often a web or command source is asked (at least `1m`).",
    ),
    (
        "verify_for",
        "5m",
        "After an accepted update, how long the zone's authoritative servers may take to serve it before `status`, the log and `on_error` (`not-served`) say it is not served (`0s`: not asked; at most `1h`).",
    ),
    (
        "verify_every",
        "0s (never)",
        "Daemon: how often the zone's servers are asked what they serve; a record changed elsewhere is repaired with one update (at least `10s`).",
    ),
    (
        "on_change, on_error",
        "top level's",
        "This policy's hooks: a program with arguments, absolute path, no shell.",
    ),
];

/// The key names of a table's rows (a row may name several: "ipv4, ipv6",
/// "password / password_file / password_env"); `[[policy]]` is no key.
fn names(table: &'static [Key]) -> impl Iterator<Item = &'static str> {
    table
        .iter()
        .flat_map(|(k, _, _)| k.split(", ").flat_map(|p| p.split(" / ")))
        .filter(|k| !k.starts_with("[["))
}

/// Every key a policy may have; anything else is reported as unknown.
pub fn policy_keys() -> Vec<&'static str> {
    names(POLICY).collect()
}

/// The top-level keys besides `[[policy]]`.
pub fn top_keys() -> Vec<&'static str> {
    names(TOP).collect()
}

/// Whether `key` is a policy's.
pub fn is_policy_key(key: &str) -> bool {
    names(POLICY).any(|k| k == key)
}

/// Whether `key` is a top-level one.
pub fn is_top_key(key: &str) -> bool {
    names(TOP).any(|k| k == key)
}

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
