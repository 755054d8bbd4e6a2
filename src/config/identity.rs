//! Who a policy is, for the state file: the fingerprint of what the provider sees (which
//! clears stops when it changes) and what a reload must do about a changed setting. Every
//! setting is written in explicit words, never `Debug` output: a rename in the code must
//! never make an unchanged policy look changed.

use super::*;

/// What a reload must do about a policy whose settings differ, in rising order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Nothing differs: the policy keeps running with its state and timers.
    None,
    /// Only how dynward does its work differs (timers, hooks, timeouts, TLS trust, where the
    /// password is read from): a new machine over the same record, no request because of it.
    Runtime,
    /// What the provider is sent differs (endpoint, account, password, hosts, source,
    /// families, user agent): the fingerprint changes, the stops are cleared, and one round
    /// validates the change.
    Identity,
}

impl Change {
    /// Compares two versions of a policy (same name).
    pub fn between(old: &Policy, new: &Policy) -> Change {
        let (old_id, old_rt) = old.settings();
        let (new_id, new_rt) = new.settings();
        if old_id != new_id {
            Change::Identity
        } else if old_rt != new_rt {
            Change::Runtime
        } else {
            Change::None
        }
    }
}

impl Policy {
    /// The settings, as two canonical texts: what the provider sees (identity) and how
    /// dynward works (runtime). Every field is named here, so a new field does not compile
    /// until someone decides which kind of change it is.
    pub(super) fn settings(&self) -> (String, String) {
        let Policy {
            // The key: a renamed policy is another policy.
            name: _,
            provider,
            endpoint,
            dialect,
            username,
            password,
            password_origin,
            hosts,
            source,
            ipv4,
            ipv6,
            allow_private,
            allow_insecure_http,
            user_agent,
            ca_file,
            timeout,
            connect_timeout,
            ipv4_prefix,
            ipv6_prefix,
            // What it changes is the address: a new one is sent because it is new.
            ipv6_lan,
            stable_for,
            min_interval,
            max_interval,
            check_interval,
            verify_for,
            verify_every,
            on_change,
            on_error,
            hook_timeout,
            api,
            // Derived from the other policies' credentials: the password is in already.
            token_of: _,
        } = self;
        let ep = match endpoint {
            Endpoint::Server(u) => u.to_string(),
            Endpoint::Template(t) => t.clone(),
        };
        // The layout of this text is what state files of earlier versions were fingerprinted
        // with: changing it would make every policy look changed after an upgrade.
        let identity = format!(
            "{ep}\n{}\n{username}\n{}\n{}\n{source}\n{ipv4}{ipv6}{allow_private}\n{user_agent}\n{}\n{}",
            dialect_words(dialect),
            password.expose(),
            hosts_words(hosts),
            prefix_words(ipv4_prefix.as_ref()),
            prefix_words(ipv6_prefix.as_ref()),
        ) + &api.words();
        let runtime = format!(
            "{provider:?}\n{password_origin}\n{allow_insecure_http}\n{ca_file:?}\n{timeout:?} {connect_timeout:?}\n{stable_for:?} {min_interval:?} {max_interval:?} {check_interval:?}\n{on_change:?} {on_error:?} {hook_timeout:?}\n{ipv6_lan:?}\n{verify_for:?} {verify_every:?}"
        );
        (identity, runtime)
    }

    /// A fingerprint of what the provider sees of this policy, password included, keyed with
    /// `key` (SipHash-2-4 with a 128-bit output, a keyed pseudo-random function): the key is
    /// not in the state file, so the fingerprint there cannot be used to test password
    /// guesses. A changed fingerprint clears a fatal stop: the user acted.
    pub fn fingerprint(&self, key: &FingerprintKey) -> String {
        use siphasher::sip128::{Hasher128, SipHasher24};
        use std::hash::Hasher;
        let mut k = [0u8; 16];
        k.copy_from_slice(&key.bytes[..16]);
        let mut h = SipHasher24::new_with_key(&k);
        h.write(self.settings().0.as_bytes());
        let hex: String = h
            .finish128()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{FINGERPRINT_TAG}{hex}")
    }

    /// The unkeyed fingerprint version 0.1.0 recorded, only to recognise its records (and
    /// replace them with the keyed one).
    pub fn legacy_fingerprint(&self) -> String {
        format!("{:016x}", fnv1a(self.settings().0.as_bytes()))
    }
}

/// The hosts in the fingerprint's words, as earlier versions wrote them (a list of quoted
/// names).
fn hosts_words(hosts: &[String]) -> String {
    let quoted: Vec<String> = hosts
        .iter()
        .map(|h| format!("\"{}\"", h.escape_debug()))
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// A prefix in the fingerprint's words, spelled as earlier versions' derived `Debug` did, so
/// that renaming the type or its fields changes no fingerprint.
fn prefix_words(p: Option<&Prefix>) -> String {
    match p {
        Some(p) => format!("Some(Prefix {{ addr: {}, len: {} }})", p.addr(), p.length()),
        None => "None".into(),
    }
}

/// The dialect in the fingerprint's words: explicit, and written as the fingerprints of
/// earlier versions were (which spelled some values as Rust's derived `Debug` did then), so
/// that an upgrade or a rename in the code never makes an unchanged policy look changed: that
/// would clear its stops. The user rule is left out: the user name itself is in the
/// fingerprint.
fn dialect_words(d: &Dialect) -> String {
    let family = match d.family {
        FamilyMode::Combined => "Combined",
        FamilyMode::MyipV6 => "MyipV6",
        FamilyMode::Separate => "Separate",
    };
    let mut out = format!(
        "Dialect {{ family: {family}, system_dyndns: {}, legacy_nochg: {}, max_hosts: {}, abuse_is_account: {}, status_codes: {} }}",
        d.system_dyndns, d.legacy_nochg, d.max_hosts, d.abuse_is_account, d.status_codes
    );
    if d.shape != Shape::DYNDNS2 {
        out.push(' ');
        out.push_str(&shape_words(&d.shape));
    }
    if !d.extra.is_empty() {
        out.push_str(&format!(" extra {}", d.extra));
    }
    if !d.rules.is_empty() {
        let rules: Vec<String> = d
            .rules
            .iter()
            .map(|r| {
                format!(
                    "Rule {{ status: {}, contains: {}, means: {} }}",
                    option_words(r.status.map(|s| s.to_string())),
                    quoted(&r.contains),
                    quoted(&r.spelled)
                )
            })
            .collect();
        out.push_str(&format!(" [{}]", rules.join(", ")));
    }
    if !d.words || d.nochg_harmless || !d.ipv6 || d.one_family {
        out.push_str(&format!(
            " {} {} {} {}",
            d.words, d.nochg_harmless, d.ipv6, d.one_family
        ));
    }
    if d.empty_is_good {
        out.push_str(" empty_is_good");
    }
    out
}

/// A request shape in the fingerprint's words (see [`dialect_words`]).
fn shape_words(s: &Shape) -> String {
    let secret = match s.secret {
        Credentials::Basic => "Basic".to_string(),
        Credentials::Query(name) => format!("Query({})", quoted(name)),
        Credentials::Path => "Path".to_string(),
    };
    let host_form = match s.host_form {
        HostForm::Full => "Full".to_string(),
        HostForm::Strip(suffix) => format!("Strip({})", quoted(suffix)),
        HostForm::UnderUser => "UnderUser".to_string(),
    };
    format!(
        "Shape {{ host: {}, v4: {}, v6: {}, keep4: {}, keep6: {}, secret: {secret}, fixed: {}, host_form: {host_form} }}",
        quoted(s.host),
        quoted(s.v4),
        quoted(s.v6),
        option_words(s.keep4.map(quoted)),
        option_words(s.keep6.map(quoted)),
        quoted(s.fixed),
    )
}

/// `"text"`, with `"`, `\` and control characters escaped as Rust's string literals write
/// them.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.escape_debug())
}

/// `Some(value)` or `None`.
fn option_words(value: Option<String>) -> String {
    match value {
        Some(v) => format!("Some({v})"),
        None => "None".to_string(),
    }
}

/// What keyed fingerprints start with, to tell them from version 0.1.0's.
pub const FINGERPRINT_TAG: &str = "k2:";

/// Tags of earlier keyed schemes (`k1:` was HMAC-SHA256, on main before any release): such a
/// record cannot tell a change, so it is taken over silently.
pub const OLDER_FINGERPRINT_TAGS: [&str; 1] = ["k1:"];

/// The key config fingerprints are made with. It lives in a file of its own in the state
/// directory ([`crate::store::fingerprint_key`]), never in the state file.
#[derive(Clone)]
pub struct FingerprintKey {
    bytes: [u8; 32],
    /// The key was made just now: fingerprints made with an earlier one cannot be compared.
    pub fresh: bool,
}

impl FingerprintKey {
    /// A key of these bytes.
    pub fn new(bytes: [u8; 32], fresh: bool) -> FingerprintKey {
        FingerprintKey { bytes, fresh }
    }

    /// The key's bytes, to be written to its file.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

impl fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FingerprintKey(..)")
    }
}

/// FNV-1a, 64 bit: stable across Rust releases, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
