//! The config: every problem located, the defaults, fingerprints and reload classes.

use super::policy::parse_server;
use super::*;

fn no_env() -> Env<'static> {
    Env {
        var: &|_| None,
        dry_run: false,
    }
}

fn parse(text: &str) -> Result<Config, Error> {
    from_str(text, Path::new("/etc/dynward/test.toml"), &no_env())
}

fn problems(text: &str) -> Vec<Problem> {
    match parse(text) {
        Err(Error::Invalid { problems, .. }) => problems,
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("config was accepted:\n{text}"),
    }
}

const GOOD: &str = r#"
[[policy]]
name = "home"
provider = "dyn"
username = "alice"
password = "s3cret-pw"
hosts = ["home.example.org", "nas.example.org"]
interface = "eth0"
"#;

/// `server` next to `provider`: the preset's dialect, sent to that endpoint; the label
/// says both.
#[test]
fn a_preset_can_be_sent_to_another_endpoint() {
    let text = GOOD.replace(
        "provider = \"dyn\"",
        "provider = \"ovh\"\nserver = \"https://dyn.example.net/nic/update\"",
    );
    let p = parse(&text).expect("valid").policies.remove(0);
    assert_eq!(p.provider, Some(Provider::Ovh));
    assert_eq!(p.dialect, Provider::Ovh.dialect());
    assert_eq!(p.server_key().as_str(), "https://dyn.example.net:443");
    assert_eq!(
        p.endpoint_label(),
        "provider ovh at server https://dyn.example.net/nic/update"
    );
}

/// One policy from `lines` (a provider, hosts, source and what else the case needs).
fn one(lines: &str) -> Result<Policy, Vec<Problem>> {
    let text = format!("[[policy]]\nname = \"p\"\npassword = \"s3cret-pw\"\n{lines}\n");
    match parse(&text) {
        Ok(mut c) => Ok(c.policies.remove(0)),
        Err(Error::Invalid { problems, .. }) => Err(problems),
        Err(e) => panic!("unexpected error {e}"),
    }
}

fn refused(lines: &str, key: &str, words: &str) {
    let ps = one(lines).expect_err(lines);
    assert!(
        ps.iter().any(|p| p.key == key && p.message.contains(words)),
        "{lines}: wanted {key}: {words}, got {ps:#?}"
    );
}

/// What each preset needs of the user name, the hosts and the families, and what it
/// refuses, each with the key to fix.
#[test]
fn each_preset_refuses_what_it_cannot_take_naming_the_key() {
    let web = "web = \"https://ip.example/\"";
    // No user name for token services; single-label DuckDNS hosts.
    let p = one(&format!(
        "provider = \"duckdns\"\nhosts = [\"home\", \"cabin.duckdns.org\"]\n{web}"
    ))
    .expect("duckdns");
    assert_eq!(p.username, "");
    assert_eq!(p.hosts, ["home", "cabin.duckdns.org"]);
    one(&format!(
        "provider = \"dynv6\"\nhosts = [\"h.dynv6.net\"]\n{web}"
    ))
    .expect("dynv6");
    refused(
        &format!("provider = \"dyn\"\nusername = \"u\"\nhosts = [\"home\"]\n{web}"),
        "policy[0].hosts[0]",
        "not a fully qualified host name",
    );
    // The host as user name, one host per policy unless the user is set.
    let p = one(&format!(
        "provider = \"desec\"\nhosts = [\"h.dedyn.io\"]\n{web}"
    ))
    .expect("desec");
    assert_eq!(p.username, "h.dedyn.io");
    refused(
        &format!(
            "provider = \"nsupdate.info\"\nhosts = [\"a.nsupdate.info\", \"b.nsupdate.info\"]\n{web}"
        ),
        "policy[0].hosts",
        "one policy has one host",
    );
    one(&format!("provider = \"desec\"\nusername = \"example.dedyn.io\"\nhosts = [\"a.example.dedyn.io\", \"b.example.dedyn.io\"]\n{web}"))
        .expect("deSEC with the domain as user");
    // A user name where others need one.
    refused(
        &format!("provider = \"infomaniak\"\nhosts = [\"h.example.org\"]\n{web}"),
        "policy[0].username",
        "missing",
    );
    // Namecheap: the domain as user, hosts in it, IPv4 only.
    refused(
        &format!("provider = \"namecheap\"\nhosts = [\"www.example.com\"]\n{web}"),
        "policy[0].username",
        "domain",
    );
    refused(
        &format!(
            "provider = \"namecheap\"\nusername = \"example.com\"\nhosts = [\"www.example.net\"]\n{web}"
        ),
        "policy[0].hosts[0]",
        "not in the domain \"example.com\"",
    );
    refused(
        &format!(
            "provider = \"namecheap\"\nusername = \"example.com\"\nhosts = [\"example.com\"]\n{web}\nipv6 = true"
        ),
        "policy[0].ipv6",
        "IPv4 only",
    );
    // FreeDNS: one record per token.
    refused(
        &format!("provider = \"freedns\"\nhosts = [\"a.mooo.com\"]\n{web}\nipv6 = true"),
        "policy[0].ipv6",
        "one token per record",
    );
    refused(
        &format!("provider = \"freedns\"\nhosts = [\"a.mooo.com\", \"b.mooo.com\"]\n{web}"),
        "policy[0].hosts",
        "token names one record",
    );
    one(&format!(
        "provider = \"freedns\"\nhosts = [\"a.mooo.com\"]\n{web}\nipv4 = false\nipv6 = true"
    ))
    .expect("an AAAA policy");
    // Dynu's alias, and only Dynu's.
    let p = one(&format!("provider = \"dynu\"\nusername = \"u\"\nalias = \"office\"\nhosts = [\"h.example.org\"]\n{web}"))
        .expect("dynu alias");
    assert_eq!(p.dialect.extra, "alias=office");
    refused(
        &format!(
            "provider = \"dyn\"\nusername = \"u\"\nalias = \"office\"\nhosts = [\"h.example.org\"]\n{web}"
        ),
        "policy[0].alias",
        "Dynu's",
    );
    // A preset server without a path keeps the preset's path.
    let p = one(&format!("provider = \"duckdns\"\nserver = \"http://127.0.0.1:9\"\nallow_insecure_http = true\nhosts = [\"home\"]\n{web}"))
        .expect("duckdns at a local server");
    assert_eq!(
        p.endpoint,
        Endpoint::Server(Url::parse("http://127.0.0.1:9/update").expect("url"))
    );
}

/// Reply rules for templates and servers: read in order, each checked with its key.
#[test]
fn reply_rules_are_read_in_order_each_checked_with_its_key() {
    let tpl = "url = \"https://dd.example/update?domains=<h>&token=<password>&ip=<a>\"\nhosts = [\"home\"]\nweb = \"https://ip.example/\"";
    let p = one(&format!(
        "{tpl}\nreplies = [{{ contains = \"OK\", means = \"good\" }}, {{ status = 401, contains = \"KO\", means = \"badauth\" }}, {{ status = 404, means = \"nohost\" }}, {{ contains = \"slow down\", means = \"w5m\" }}]"
    ))
    .expect("template with rules");
    assert_eq!(
        p.username, "",
        "a template with <password> and no <username> needs none"
    );
    assert_eq!(
        p.dialect.rules,
        vec![
            Rule::words("OK", Code::Good),
            Rule {
                status: Some(401),
                contains: "KO".into(),
                means: Code::Badauth,
                spelled: "badauth".into(),
            },
            Rule::status(404, Code::NoHost),
            Rule {
                spelled: "w5m".into(),
                ..Rule::words("slow down", Code::Wait(Duration::from_secs(300)))
            },
        ]
    );
    for (rule, key, words) in [
        (
            "{ contains = \"OK\", means = \"fine\" }",
            "policy[0].replies[0].means",
            "not a dyndns2 code",
        ),
        (
            "{ contains = \"OK\" }",
            "policy[0].replies[0].means",
            "missing",
        ),
        (
            "{ means = \"good\" }",
            "policy[0].replies[0]",
            "needs contains, status or both",
        ),
        (
            "{ contains = \"\", means = \"good\" }",
            "policy[0].replies[0].contains",
            "is empty",
        ),
        (
            "{ status = 99, means = \"good\" }",
            "policy[0].replies[0].status",
            "100 to 599",
        ),
        (
            "{ status = \"404\", means = \"nohost\" }",
            "policy[0].replies[0].status",
            "must be an HTTP status",
        ),
        (
            "{ contains = \"OK\", means = \"good\", colour = 1 }",
            "policy[0].replies[0].colour",
            "unknown key",
        ),
        ("\"OK\"", "policy[0].replies[0]", "must be a table"),
    ] {
        refused(&format!("{tpl}\nreplies = [{rule}]"), key, words);
    }
    refused(
        &format!("{tpl}\nreplies = \"OK\""),
        "policy[0].replies",
        "must be a list",
    );
    refused(
        "provider = \"duckdns\"\nhosts = [\"home\"]\nweb = \"https://ip.example/\"\nreplies = [{ contains = \"OK\", means = \"good\" }]",
        "policy[0].replies",
        "its own reply table",
    );
    // A template with <username> needs one; one without <password> too (a Basic header).
    refused(
        "url = \"https://x.example/u?u=<username>&a=<a>\"\nhosts = [\"h\"]\nweb = \"https://ip.example/\"",
        "policy[0].username",
        "missing",
    );
}

/// `web4` and `web6`: one or both, each for a published family, never beside `web`.
#[test]
fn web4_and_web6_each_serve_a_published_family() {
    let head = "provider = \"dyn\"\nusername = \"u\"\nhosts = [\"h.example.org\"]\nipv6 = true";
    let p = one(&format!(
        "{head}\nweb4 = \"https://v4.example/\"\nweb6 = \"https://v6.example/\""
    ))
    .expect("both");
    assert_eq!(
        p.source,
        Source::WebFamilies {
            v4: Some(Url::parse("https://v4.example/").expect("url")),
            v6: Some(Url::parse("https://v6.example/").expect("url")),
        }
    );
    assert!(p.source.is_asked());
    assert_eq!(
        p.source.to_string(),
        "web4 https://v4.example/, web6 https://v6.example/"
    );
    one(&format!("{head}\nweb6 = \"https://v6.example/\"")).expect("IPv6 alone");
    refused(
        &format!("{head}\nweb = \"https://ip.example/\"\nweb6 = \"https://v6.example/\""),
        "policy[0].web6",
        "only one address source",
    );
    refused(
        &format!("{head}\nweb4 = \"https://v4.example/\"\ninterface = \"eth0\""),
        "policy[0].web4",
        "only one address source",
    );
    refused(
        "provider = \"dyn\"\nusername = \"u\"\nhosts = [\"h.example.org\"]\nweb6 = \"https://v6.example/\"",
        "policy[0].web6",
        "ipv6 is not true",
    );
    refused(
        &format!("{head}\nipv4 = false\nweb4 = \"https://v4.example/\""),
        "policy[0].web4",
        "ipv4 = false",
    );
    refused(
        &format!("{head}\nweb4 = \"ftp://x\""),
        "policy[0].web4",
        "not an http",
    );
}

/// A minimal policy gets the documented defaults.
#[test]
fn a_minimal_policy_gets_the_documented_defaults() {
    let c = parse(GOOD).expect("valid");
    let p = &c.policies[0];
    assert_eq!(p.name, "home");
    assert_eq!(p.provider, Some(Provider::Dyn));
    assert_eq!(
        p.endpoint,
        Endpoint::Server(Url::parse("https://members.dyndns.org/v3/update").expect("url"))
    );
    assert!(p.ipv4 && !p.ipv6 && !p.allow_private);
    assert_eq!(p.source, Source::Interface("eth0".into()));
    assert_eq!(p.min_interval, Duration::from_secs(60));
    assert_eq!(p.max_interval, Duration::from_secs(25 * 86400));
    assert_eq!(p.check_interval, Duration::from_secs(600));
    assert!(p.user_agent.starts_with("dynward/"));
    assert_eq!(p.password.expose(), "s3cret-pw");
}

/// easyDNS and ZoneEdit refuse updates less than 10 minutes apart: that is their
/// `min_interval` unless a longer one is set; other presets keep 60 s.
#[test]
fn a_preset_with_a_floor_between_updates_gets_it_by_default() {
    for (provider, want) in [("easydns", 600), ("zoneedit", 600), ("loopia", 60)] {
        let c = parse(&GOOD.replace("\"dyn\"", &format!("\"{provider}\""))).expect("valid");
        assert_eq!(
            c.policies[0].min_interval,
            Duration::from_secs(want),
            "{provider}"
        );
    }
    let c = parse(&GOOD.replace("\"dyn\"", "\"zoneedit\"\nmin_interval = \"15m\"")).expect("valid");
    assert_eq!(c.policies[0].min_interval, Duration::from_secs(900));
}

/// Every problem in a file is reported at once, in line order, each with its line and key.
#[test]
fn every_problem_is_reported_at_once_in_line_order() {
    let text = r#"state_dir = 5
[[policy]]
name = "a"
server = "ftp://x"
username = "u"
password = "p"
hosts = ["bad host"]
interface = "eth0"
ipv4 = "yes"
min_interval = 60
colour = "blue"
"#;
    let ps = problems(text);
    let got: Vec<(usize, &str)> = ps.iter().map(|p| (p.line, p.key.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (1, "state_dir"),
            (4, "policy[0].server"),
            (7, "policy[0].hosts[0]"),
            (9, "policy[0].ipv4"),
            (10, "policy[0].min_interval"),
            (11, "policy[0].colour"),
        ],
        "{ps:#?}"
    );
}

/// One fixture per kind of error: each names the right key on the right line, and the
/// message says what to do.
#[test]
fn each_kind_of_error_names_its_key_and_line_and_what_to_do() {
    let base = |extra: &str, drop: &[&str]| -> String {
        let mut lines: Vec<String> = GOOD
            .lines()
            .filter(|l| !drop.iter().any(|d| l.starts_with(&format!("{d} "))))
            .map(String::from)
            .collect();
        lines.push(extra.to_string());
        lines.join("\n")
    };
    // (text, expected key, expected line, message fragment)
    let cases: Vec<(String, &str, usize, &str)> = vec![
        (
            base("serverr = \"x\"", &[]),
            "policy[0].serverr",
            9,
            "did you mean \"server\"",
        ),
        (
            base("url = \"https://x.example/u?ip=<a>\"", &[]),
            "policy[0].url",
            9,
            "only one of server, url and provider",
        ),
        (
            base(
                "server = \"https://x.example\"\nurl = \"https://x.example/u?ip=<a>\"",
                &["provider"],
            ),
            "policy[0].url",
            9,
            "server next to provider",
        ),
        (
            base("", &["provider"]),
            "policy[0].server",
            2,
            "missing update endpoint",
        ),
        (
            base("provider = \"nope\"", &["provider"]),
            "policy[0].provider",
            8,
            "known providers",
        ),
        (
            base("min_interval = \"5m\"", &["provider"])
                .replace("[[policy]]", "[[policy]]\nprovider = \"easydns\""),
            "policy[0].min_interval",
            9,
            "at least \"10m\" for provider \"easydns\"",
        ),
        (
            base("", &["provider", "username"])
                .replace("[[policy]]", "[[policy]]\nprovider = \"njalla\""),
            "policy[0].hosts",
            6,
            "provider \"njalla\" has one key per host",
        ),
        (base("", &["username"]), "policy[0].username", 2, "missing"),
        (
            base("", &["password"]),
            "policy[0].password",
            2,
            "LoadCredential",
        ),
        (
            base("password_env = \"X\"", &[]),
            "policy[0].password_env",
            9,
            "only one of password",
        ),
        (
            base("password_env = \"NOPE_UNSET\"", &["password"]),
            "policy[0].password_env",
            8,
            "not set",
        ),
        (
            base("password_file = \"/nonexistent/secret\"", &["password"]),
            "policy[0].password_file",
            8,
            "cannot read",
        ),
        (base("", &["hosts"]), "policy[0].hosts", 2, "missing"),
        (
            base("hosts = []", &["hosts"]),
            "policy[0].hosts",
            8,
            "is empty",
        ),
        (
            base("hosts = \"a.example.org\"", &["hosts"]),
            "policy[0].hosts",
            8,
            "must be a list",
        ),
        (
            base("hosts = [\"localhost\"]", &["hosts"]),
            "policy[0].hosts[0]",
            8,
            "fully qualified",
        ),
        (
            base("hosts = [\"a.example.org\", \"a.example.org\"]", &["hosts"]),
            "policy[0].hosts[1]",
            8,
            "listed twice",
        ),
        (
            base("", &["interface"]),
            "policy[0].interface",
            2,
            "missing address source",
        ),
        (
            base("web = \"https://checkip.example\"", &[]),
            "policy[0].web",
            9,
            "only one address source",
        ),
        (
            base("web = \"checkip\"", &["interface"]),
            "policy[0].web",
            8,
            "not an http",
        ),
        (
            base("interface = \"a/b\"", &["interface"]),
            "policy[0].interface",
            8,
            "not an interface name",
        ),
        (
            base("ipv4 = false", &[]),
            "policy[0].ipv4",
            9,
            "publish nothing",
        ),
        (
            base("stable_for = \"5\"", &[]),
            "policy[0].stable_for",
            9,
            "no unit",
        ),
        (
            base("timeout = 30", &[]),
            "policy[0].timeout",
            9,
            "durations are strings",
        ),
        (
            base("max_interval = \"1h\"", &[]),
            "policy[0].max_interval",
            9,
            "abuse",
        ),
        (
            base("check_interval = \"5s\"", &[]),
            "policy[0].check_interval",
            9,
            "at least",
        ),
        (
            base("ipv6_prefix = \"10.0.0.0/8\"", &[]),
            "policy[0].ipv6_prefix",
            9,
            "IPv4 prefix",
        ),
        (
            base("command = [\"get-ip\"]", &["interface"]),
            "policy[0].command",
            8,
            "must be an absolute path",
        ),
        (
            base("command = [\"/bin/get-ip\"]", &[]),
            "policy[0].command",
            9,
            "only one address source",
        ),
        (
            base("ipv6 = true\nipv6_host_id = \"::1234\"", &[]),
            "policy[0].ipv6_host_id",
            10,
            "needs ipv6_prefix_from",
        ),
        (
            base("ipv6 = true\nipv6_prefix_from = \"br-lan\"", &[]),
            "policy[0].ipv6_prefix_from",
            10,
            "needs the host's id",
        ),
        (
            base(
                "ipv6_prefix_from = \"br-lan\"\nipv6_host_id = \"::1234\"",
                &[],
            ),
            "policy[0].ipv6_prefix_from",
            9,
            "set ipv6 = true",
        ),
        (
            base(
                "ipv6 = true\nipv6_prefix_from = \"br-lan\"\nipv6_host_id = \"2001:db8::1\"",
                &[],
            ),
            "policy[0].ipv6_host_id",
            11,
            "sets bits of the prefix",
        ),
        (
            base(
                "ipv6 = true\nipv6_prefix_from = \"br-lan\"\nipv6_host_mac = \"01:00:5e:00:00:01\"",
                &[],
            ),
            "policy[0].ipv6_host_mac",
            11,
            "multicast",
        ),
        (
            base(
                "ipv6 = true\nipv6_prefix_from = \"br-lan\"\nipv6_host_id = \"::1\"\nipv6_host_mac = \"00:11:22:33:44:55\"",
                &[],
            ),
            "policy[0].ipv6_host_mac",
            12,
            "only one of ipv6_host_id",
        ),
        (
            base(
                "ipv6 = true\nipv6_prefix_from = \"br lan\"\nipv6_host_id = \"::1\"",
                &[],
            ),
            "policy[0].ipv6_prefix_from",
            10,
            "not an interface name",
        ),
        (
            base(
                "ipv6 = true\nweb = \"https://ip.example/\"\nipv6_prefix_from = \"br-lan\"\nipv6_host_id = \"::1\"",
                &["interface"],
            ),
            "policy[0].ipv6_prefix_from",
            10,
            "cannot go with web",
        ),
        (
            base("ipv6_mode = \"both\"", &[]),
            "policy[0].ipv6_mode",
            9,
            "unknown ipv6_mode",
        ),
        (
            base("user_agent = \"curl\"", &[]),
            "policy[0].user_agent",
            9,
            "block generic",
        ),
        (
            base("ca_file = \"/nonexistent.pem\"", &[]),
            "policy[0].ca_file",
            9,
            "not a readable file",
        ),
        (
            base("name = \"has space\"", &["name"]),
            "policy[0].name",
            8,
            "letters, digits",
        ),
        (base("", &["name"]), "policy[0].name", 2, "missing"),
        (
            base("server = \"http://u.example/nic/update\"", &["provider"]),
            "policy[0].server",
            8,
            "unencrypted",
        ),
        (
            base("server = \"https://u:p@u.example/\"", &["provider"]),
            "policy[0].server",
            8,
            "not in the URL",
        ),
        (
            base("server = \"https://u.example/?a=1\"", &["provider"]),
            "policy[0].server",
            8,
            "takes no query",
        ),
        (
            base("url = \"https://u.example/u?h=<h>\"", &["provider"]),
            "policy[0].url",
            8,
            "has no <a>",
        ),
        (
            base(
                "url = \"https://u.example/u?h=<host>&a=<a>\"",
                &["provider"],
            ),
            "policy[0].url",
            8,
            "unknown placeholder <host>",
        ),
        (
            base("password = \"\"", &["password"]),
            "policy[0].password",
            8,
            "is empty",
        ),
        (
            base("password = 1234", &["password"]),
            "policy[0].password",
            8,
            "must be a string, found integer",
        ),
        (
            base("provider = \"3322\"", &["provider"]),
            "policy[0].provider",
            8,
            "only offers plain HTTP",
        ),
        (
            base("provider = \"he\"", &["provider"]),
            "policy[0].hosts",
            6,
            "one policy per host",
        ),
        (
            format!("bogus_top = 1{GOOD}"),
            "bogus_top",
            1,
            "unknown key",
        ),
        ("policy = 3".into(), "policy", 1, "array of tables"),
        ("# nothing".into(), "policy", 1, "no [[policy]]"),
        ("[[policy]\nname = 1".into(), "", 1, "TOML syntax"),
    ];
    for (text, key, line, frag) in cases {
        let ps = problems(&text);
        let hit = ps.iter().find(|p| p.key == key);
        let Some(p) = hit else {
            panic!("no problem for key {key:?} in\n{text}\ngot {ps:#?}");
        };
        assert_eq!(p.line, line, "line of {key} in\n{text}\n{ps:#?}");
        assert!(
            p.message.contains(frag),
            "{key}: {:?} lacks {frag:?}",
            p.message
        );
    }
}

/// The duplicate-name check points at the second policy.
#[test]
fn a_duplicate_name_points_at_the_first() {
    let text = format!("{GOOD}\n{}", GOOD.replace("eth0", "eth1"));
    let ps = problems(&text);
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert_eq!(ps[0].key, "policy[1].name");
    assert_eq!(ps[0].line, 12);
    assert!(
        ps[0].message.contains("policy[0] at line 3 has it already"),
        "{}",
        ps[0].message
    );
}

/// Adding an unknown key anywhere is rejected (hickory-dns style bogus-key test).
#[test]
fn every_fixture_rejects_a_bogus_key() {
    let example = include_str!("../../config/dynward.toml");
    for text in [GOOD, example] {
        let with_bogus = text.replacen("\n[[policy]]\n", "\n[[policy]]\nbogus_key = 1\n", 1);
        let ps = problems(&with_bogus);
        assert!(ps.iter().any(|p| p.key.ends_with("bogus_key")), "{ps:#?}");
    }
}

/// No problem message ever contains the password, whatever else is wrong.
#[test]
fn password_never_in_messages() {
    let text = GOOD.replace(
        "password = \"s3cret-pw\"",
        "password = \"s3cret-pw\"\npassword_env = \"s3cret-pw\"",
    ) + "\nipv4 = \"s3cret-pw\"\n";
    let err = parse(&text).expect_err("invalid").to_string();
    assert!(!err.contains("s3cret-pw"), "{err}");
    let p = parse(GOOD).expect("valid");
    assert!(!format!("{:?}", p.policies[0]).contains("s3cret-pw"));
}

/// Passwords come from each of the four sources; loose permissions give a warning.
#[test]
fn passwords_come_from_each_of_four_sources() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("home.secret");
    std::fs::write(&f, "from-file\n").expect("write");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let text = GOOD.replace(
        "password = \"s3cret-pw\"",
        &format!("password_file = \"{}\"", f.display()),
    );
    let c = parse(&text).expect("valid");
    assert_eq!(c.policies[0].password.expose(), "from-file");
    assert_eq!(c.warnings.len(), 1);
    assert!(c.warnings[0].contains("chmod 600"), "{:?}", c.warnings);
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    assert!(parse(&text).expect("valid").warnings.is_empty());

    let env = Env {
        var: &|k| (k == "DW_PW").then(|| "from-env".to_string()),
        dry_run: false,
    };
    let text = GOOD.replace("password = \"s3cret-pw\"", "password_env = \"DW_PW\"");
    let c = from_str(&text, Path::new("x.toml"), &env).expect("valid");
    assert_eq!(c.policies[0].password.expose(), "from-env");

    std::fs::write(dir.path().join("home"), "from-cred").expect("write");
    let d = dir.path().to_string_lossy().to_string();
    let getter = move |k: &str| (k == "CREDENTIALS_DIRECTORY").then(|| d.clone());
    let env = Env {
        var: &getter,
        dry_run: false,
    };
    let text = GOOD.replace("password = \"s3cret-pw\"\n", "");
    let c = from_str(&text, Path::new("x.toml"), &env).expect("valid");
    assert_eq!(c.policies[0].password.expose(), "from-cred");
    assert_eq!(c.policies[0].password_origin, "systemd credential home");
}

/// server: bare host gets https and /nic/update; http is refused unless allowed.
#[test]
fn a_bare_server_gets_https_and_the_dyndns2_path() {
    let u = parse_server("members.dyndns.org").expect("ok");
    assert_eq!(u.as_str(), "https://members.dyndns.org/nic/update");
    let u = parse_server("http://127.0.0.1:8080/x/update").expect("ok");
    assert_eq!(u.as_str(), "http://127.0.0.1:8080/x/update");
    let text = GOOD.replace(
        "provider = \"dyn\"",
        "server = \"http://127.0.0.1:8080/nic/update\"\nallow_insecure_http = true",
    );
    assert!(parse(&text).is_ok());
}

fn key(b: u8) -> FingerprintKey {
    FingerprintKey::new([b; 32], false)
}

/// The fingerprint changes with any defining field (password included) and only then; it
/// is keyed: another key gives another fingerprint, so without the key file none can be
/// used to test password guesses; it does not contain the password.
#[test]
fn the_fingerprint_changes_with_what_the_provider_sees_and_is_keyed() {
    let a = parse(GOOD).expect("valid").policies.remove(0);
    let same = parse(GOOD).expect("valid").policies.remove(0);
    assert_eq!(a.fingerprint(&key(1)), same.fingerprint(&key(1)));
    assert_ne!(a.fingerprint(&key(1)), a.fingerprint(&key(2)));
    assert!(a.fingerprint(&key(1)).starts_with(FINGERPRINT_TAG));
    for (from, to) in [
        ("s3cret-pw", "other"),
        ("alice", "bob"),
        ("nas.example", "nas2.example"),
        ("eth0", "eth1"),
    ] {
        let b = parse(&GOOD.replace(from, to))
            .expect("valid")
            .policies
            .remove(0);
        assert_ne!(
            a.fingerprint(&key(1)),
            b.fingerprint(&key(1)),
            "{from}->{to}"
        );
    }
    assert!(!a.fingerprint(&key(1)).contains("s3cret"));
    assert_ne!(a.fingerprint(&key(1)), a.legacy_fingerprint());
}

/// Records of version 0.1.0 are recognised: its unkeyed fingerprint of a known policy is
/// the value it recorded.
#[test]
fn fingerprint_is_stable_across_versions() {
    let text = "[[policy]]\nname = \"home\"\nserver = \"http://127.0.0.1:9/nic/update\"\nallow_insecure_http = true\nusername = \"alice\"\npassword = \"s3cret-pw\"\nhosts = [\"home.example.org\", \"nas.example.org\"]\ninterface = \"eth0\"\nipv6 = true\n";
    let p = parse(text).expect("valid").policies.remove(0);
    assert_eq!(p.legacy_fingerprint(), "ad363dd60112f122");
    assert_eq!(p.account(), "http://127.0.0.1:9 alice");
}

/// Each case: what it is, its config, its fingerprint with key [7; 32], and its 0.1.0 one.
const PINNED: &[(&str, &str, &str, &str)] = &[
    (
        "preset dyn",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dyn\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:54c35b140e5e925da8a40ae194e9e959",
        "052f8d3ac5cd37ac",
    ),
    (
        "preset noip",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"noip\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:0c97e4d8eddeeafffe8386db4995eddb",
        "c1af0c1b81d55309",
    ),
    (
        "preset dynu",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dynu\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:bc4113a05c66d291c48a3b826f162a52",
        "246bb04995eedbf9",
    ),
    (
        "preset 3322",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"3322\"\nusername = \"user\"\nallow_insecure_http = true\nhosts = [\"home.example.org\"]\n\n",
        "k2:6484cb1aa501616dd710e719c33b8fec",
        "c1b4babf52875bc4",
    ),
    (
        "preset oray",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"oray\"\nusername = \"user\"\nallow_insecure_http = true\nhosts = [\"home.example.org\"]\n\n",
        "k2:44ccd3a12455aa2fab06b3ee67ec115a",
        "4dc6ae66bf28cb46",
    ),
    (
        "preset ovh",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"ovh\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:6fbd853e1d6e50d16a6dea200bf068d6",
        "d6f76fc79dfe04c8",
    ),
    (
        "preset strato",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"strato\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:9419696c0a781c8917dbad29ad3a1539",
        "6c203df0d9c76538",
    ),
    (
        "preset selfhost",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"selfhost\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:2f994ee3f2343b580b89aaa9d927b5b9",
        "1a0d485f586fc5cf",
    ),
    (
        "preset changeip",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"changeip\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:f59c44d334a74a50a613b2702727243f",
        "093806da1548866b",
    ),
    (
        "preset he",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"he\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:b6178098976677cc9e302899d86bd6a3",
        "9c82c56294ffb1bb",
    ),
    (
        "preset dnsomatic",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dnsomatic\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:79090232eb2bf8a61fa59e40a6f688e2",
        "598c938e32db30ca",
    ),
    (
        "preset desec",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"desec\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:adeee6b30f18ad498946db33637d165a",
        "d2495d63d0efa289",
    ),
    (
        "preset duckdns",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"duckdns\"\nhosts = [\"home.duckdns.org\"]\n\n",
        "k2:26317ed7b12c9c4b72f9889b549c9fbe",
        "4a8fb615a5e30586",
    ),
    (
        "preset dynv6",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dynv6\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:9bdae20b6f0bd94786438b6eb40b580b",
        "914814f9aee011a2",
    ),
    (
        "preset nsupdate.info",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"nsupdate.info\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:660ee98e582b5a7ea568cfa09ff16dbc",
        "1fc1786c1f643b40",
    ),
    (
        "preset infomaniak",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"infomaniak\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:3bcc44a82cc7caa7766fb199e4b2eb87",
        "4ef352dbf3aff1d1",
    ),
    (
        "preset now-dns",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"now-dns\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:a1317f89cb0dfdd1241cc550d309286f",
        "55b0092ccf27bee9",
    ),
    (
        "preset spdyn",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"spdyn\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:a135f5c1684b2cde0caa9b2b9fbb2a97",
        "95d0b2a8cd3c34c3",
    ),
    (
        "preset all-inkl",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"all-inkl\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:b0b5cafa6cd40ddc538297c52e105000",
        "7f79e67fdfd646bb",
    ),
    (
        "preset ipv64",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"ipv64\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:2c59a97984b511a40fde74bf96e418b1",
        "41858a3e10d92177",
    ),
    (
        "preset ddnss",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"ddnss\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:0397622ae51e7f527b7a552b21d21e37",
        "ada77e34371a14db",
    ),
    (
        "preset dnshome",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dnshome\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:7a421b6f2fc2beca3f3c4ee567abd41f",
        "fead74c33db0b589",
    ),
    (
        "preset freedns",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"freedns\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:fd42ee5aa063624ebaf49ff2175218dc",
        "f8c7d415a6316a7c",
    ),
    (
        "preset namecheap",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"namecheap\"\nusername = \"example.org\"\nhosts = [\"home.example.org\"]\n\n",
        "k2:5e2a54dd0ed6cede850bef186a614764",
        "2a1c2b1b735c69d8",
    ),
    (
        "preset inwx",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"inwx\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n",
        "k2:e93ddf10753a2c7f3706c4a20e272dd3",
        "d922f9092a80c326",
    ),
    (
        "preset easydns",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"easydns\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n",
        "k2:d41e82a6d6776c6fd11734254f3c629a",
        "d13636232453e935",
    ),
    (
        "preset zoneedit",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"zoneedit\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n",
        "k2:e854327df21a022dcc9e30a075647252",
        "55e0a155fc951f61",
    ),
    (
        "preset loopia",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"loopia\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n",
        "k2:e4830b15e3c8b7c877ced4a4bd7bf8c8",
        "7cee3b2fc6ab1c36",
    ),
    (
        "preset njalla",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"njalla\"\nhosts = [\"home.example.org\"]\n",
        "k2:3b8f3b61a035bcdb6bf962152c5e7965",
        "ea36a8c7051db7fa",
    ),
    (
        "preset ionos-dyndns",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"ionos-dyndns\"\nhosts = [\"home.example.org\", \"example.org\"]\n",
        "k2:6cbf672ee3bbc4cb25ce8e291c7fb3f0",
        "0eaa81b21b95e5f9",
    ),
    (
        "preset rfc2136",
        "[[policy]]\nname = \"p\"\npassword = \"c2VjcmV0\"\ninterface = \"eth0\"\nprovider = \"rfc2136\"\nserver = \"192.0.2.53\"\ntsig_key = \"ddns-key\"\nhosts = [\"home.example.org\"]\n",
        "k2:f32022b4be000ce030badceeb18b3ff9",
        "6706f49d085d7f8d",
    ),
    (
        "preset cloudflare",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"cloudflare\"\nhosts = [\"home.example.org\"]\nzone = \"example.org\"\nproxied = true\nttl = 300\n",
        "k2:be58a503b21b38e05db35d275c7f7b53",
        "dae48e1246f04534",
    ),
    (
        "preset porkbun",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"porkbun\"\nusername = \"pk1_key\"\nhosts = [\"home.example.org\"]\n",
        "k2:30c189b875128640d13b3284c36d748e",
        "67b6333f56b16dd8",
    ),
    (
        "preset hetzner",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"hetzner\"\nhosts = [\"home.example.org\"]\n",
        "k2:746f0ceb3a2e1792354b360be39b2fa6",
        "57e71d2f41ae29ab",
    ),
    (
        "preset digitalocean",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"digitalocean\"\nhosts = [\"home.example.org\"]\nttl = 60\n",
        "k2:10af9a7c14b23219c9f8f52891dbb002",
        "8f785f96586238ca",
    ),
    (
        "preset gandi",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"gandi\"\nhosts = [\"home.example.org\"]\n",
        "k2:58bc97e4c991d98fb816e51ba3836870",
        "a152da2bd2c14ec2",
    ),
    (
        "preset ionos",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"ionos\"\nhosts = [\"home.example.org\"]\nzone_id = \"abc-123\"\n",
        "k2:a3d2b19cb354c7fc77704288f3a086d8",
        "79ed46c78e2851ae",
    ),
    (
        "template",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nurl = \"https://dyn.example.net/update?h=<h>&a=<a>&u=<username>&p=<password>\"\nusername = \"user\"\nhosts = [\"home.example.org\", \"nas.example.org\"]\nreplies = [{ contains = \"OK\", means = \"good\" }, { status = 404, means = \"nohost\" }, { contains = \"slow \\\"down\\\"\", status = 400, means = \"w5m\" }]\n",
        "k2:3c70898b1cc82347cdd27103807310b5",
        "23f70e506e2dd7d5",
    ),
    (
        "server",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nserver = \"https://dyn.example.net/nic/update\"\nusername = \"user\"\nhosts = [\"home.example.org\", \"nas.example.org\"]\nipv6 = true\nipv6_mode = \"combined\"\nipv4_prefix = \"203.0.113.0/24\"\nipv6_prefix = \"2001:db8:1::/48\"\n",
        "k2:bcbe6d1c27926c038af10eaa3455977b",
        "b222584251f219d3",
    ),
    (
        "server plain",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nserver = \"dyn.example.net\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n",
        "k2:913c4bc83a5a5b039f5801f21bda3728",
        "f6523037401162d8",
    ),
    (
        "web",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\nserver = \"https://dyn.example.net/nic/update\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\nweb = \"https://checkip.example.net/\"\n",
        "k2:8e1916d8f5da72f9b3e03a89da739896",
        "802485f8ac96edcc",
    ),
    (
        "web4 web6",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\nserver = \"https://dyn.example.net/nic/update\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\nipv6 = true\nweb4 = \"https://v4.example.net/\"\nweb6 = \"https://v6.example.net/\"\n",
        "k2:5129b0b84270430bd389f176ad671b99",
        "74097fd6a0cc8f25",
    ),
    (
        "command",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\nserver = \"https://dyn.example.net/nic/update\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\ncommand = [\"/usr/local/bin/myip\", \"-4\"]\n",
        "k2:cc59ef640b584435db7824b7851d9010",
        "3614d28ee8acfca5",
    ),
    (
        "auto",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"auto\"\nserver = \"https://dyn.example.net/nic/update\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\nallow_private = true\nuser_agent = \"Example Router/2.0 admin@example.org\"\n",
        "k2:c5e7fcfed4416da7f63d9531bd6c7f8d",
        "d7f796edd1364fc1",
    ),
    (
        "dynu alias myipv6",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dynu\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\nalias = \"myalias\"\nipv6 = true\n",
        "k2:81423acae2c6eb0b49ee228fc1b2efef",
        "5d41aeda9f011de7",
    ),
    (
        "ovh at server",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"ovh\"\nserver = \"https://dyn.example.net\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\n",
        "k2:76c50b67e4796a4ae13ef08baef4332e",
        "b15037141c429dfb",
    ),
    (
        "freedns v6",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"freedns\"\nhosts = [\"home.example.org\"]\nipv4 = false\nipv6 = true\n",
        "k2:810057268521d33ce5f6ebaf6f7ee26f",
        "e57c3b3b64e13d08",
    ),
    (
        "lan host",
        "[[policy]]\nname = \"p\"\npassword = \"pw\"\ninterface = \"eth0\"\nserver = \"https://dyn.example.net/nic/update\"\nusername = \"user\"\nhosts = [\"home.example.org\"]\nipv6 = true\nipv6_prefix_from = \"br-lan\"\nipv6_host_id = \"::1234\"\n",
        "k2:70cf711980c30ac5d1eb01c51cc87645",
        "ea894b70ee46c129",
    ),
];

/// The advice after a credentials answer names the credentials as the policy's provider
/// has them: after DuckDNS's `KO`, a token and no user name (issue 21); Dyn's updater
/// client key only for Dyn.
#[test]
fn credential_advice_fits_the_provider() {
    use crate::protocol::code::{Code, Decision};
    let advice = |text: &str| {
        let p = test_policy(text);
        Code::Badauth.user_action(Decision::StopAccount, p.who(), None)
    };
    let duck = advice(
        "[[policy]]\nname = \"d\"\npassword = \"tok\"\ninterface = \"eth0\"\nprovider = \"duckdns\"\nhosts = [\"home\"]\n",
    );
    assert!(
        duck.contains("fix the token (password)")
            && !duck.contains("username")
            && !duck.contains("Dyn"),
        "{duck}"
    );
    let dyn_ = advice(
        "[[policy]]\nname = \"y\"\npassword = \"pw\"\ninterface = \"eth0\"\nprovider = \"dyn\"\nusername = \"u\"\nhosts = [\"home.example.org\"]\n",
    );
    assert!(
        dyn_.contains("updater client key") && dyn_.contains("`dynward reset y`"),
        "{dyn_}"
    );
    let he = advice(
        "[[policy]]\nname = \"h\"\npassword = \"k\"\ninterface = \"eth0\"\nprovider = \"he\"\nhosts = [\"home.example.org\"]\n",
    );
    assert!(he.contains("the host's key"), "{he}");
    let nc = advice(
        "[[policy]]\nname = \"n\"\npassword = \"k\"\ninterface = \"eth0\"\nprovider = \"namecheap\"\nusername = \"example.org\"\nhosts = [\"home.example.org\"]\n",
    );
    assert!(nc.contains("the domain (username)"), "{nc}");
}

/// `provider = "rfc2136"`: its server as a name or address with a port, its key's name and
/// algorithm, its secret in base64 or a BIND key file; each mistake is located and says
/// what to write.
#[test]
fn rfc2136_policies_are_checked() {
    let base = "[[policy]]\nname = \"lab\"\nprovider = \"rfc2136\"\ninterface = \"eth0\"\nhosts = [\"home.example.org\"]\n";
    let ok = parse(&format!("{base}server = \"[2001:db8::53]:5353\"\ntsig_key = \"ddns-key\"\npassword = \"c2VjcmV0\"\nzone = \"example.org\"\nttl = 120\n")).expect("valid");
    let p = &ok.policies[0];
    assert_eq!(p.server_key().to_string(), "dns://[2001:db8::53]:5353");
    assert_eq!(p.username, "ddns-key", "the account is the key");
    let p = parse(&format!("{base}server = \"ns1.example.org\"\npassword = \"key \\\"k1\\\" {{ algorithm hmac-sha512; secret \\\"c2VjcmV0\\\"; }};\"\n")).expect("a key file");
    assert_eq!(p.policies[0].username, "k1");
    assert_eq!(
        p.policies[0].server_key().to_string(),
        "dns://ns1.example.org:53"
    );
    for (extra, key, what) in [
        (
            "tsig_key = \"k\"\npassword = \"c2VjcmV0\"\n",
            "policy[0].server",
            "needs the DNS server",
        ),
        (
            "server = \"ns1/x\"\ntsig_key = \"k\"\npassword = \"c2VjcmV0\"\n",
            "policy[0].server",
            "is not a DNS server",
        ),
        (
            "server = \"ns1.example.org\"\npassword = \"c2VjcmV0\"\n",
            "policy[0].tsig_key",
            "missing",
        ),
        (
            "server = \"ns1.example.org\"\ntsig_key = \"k\"\ntsig_algorithm = \"hmac-md5\"\npassword = \"c2VjcmV0\"\n",
            "policy[0].tsig_algorithm",
            "not supported",
        ),
        (
            "server = \"ns1.example.org\"\ntsig_key = \"k\"\npassword = \"not base64!\"\n",
            "policy[0].password",
            "base64",
        ),
        (
            "server = \"ns1.example.org\"\ntsig_key = \"k\"\npassword = \"c2VjcmV0\"\nzone_id = \"abc\"\n",
            "policy[0].zone_id",
            "rfc2136",
        ),
        (
            "server = \"ns1.example.org\"\ntsig_key = \"k\"\npassword = \"c2VjcmV0\"\nttl = 0\n",
            "policy[0].ttl",
            "1 to 604800",
        ),
    ] {
        let ps = problems(&format!("{base}{extra}"));
        assert!(
            ps.iter().any(|p| p.key == key && p.message.contains(what)),
            "{extra}: {ps:#?}"
        );
        assert!(
            ps.iter().all(|p| !p.message.contains("c2VjcmV0")),
            "the secret shown: {ps:#?}"
        );
    }
    let ps = problems(&GOOD.replace("interface", "tsig_key = \"k\"\ninterface"));
    assert!(
        ps.iter()
            .any(|p| p.key == "policy[0].tsig_key" && p.message.contains("rfc2136")),
        "{ps:#?}"
    );
}

/// No rename can clear a user's stops: the fingerprint of every preset, a template with
/// reply rules, servers, web, command and LAN-host sources is what the state files of
/// earlier versions recorded (made with the code before the protocol seam), and so is
/// 0.1.0's unkeyed one.
#[test]
fn fingerprints_are_pinned() {
    let key = FingerprintKey::new([7; 32], false);
    for (label, text, fingerprint, legacy) in PINNED {
        let p = test_policy(text);
        assert_eq!(p.fingerprint(&key), *fingerprint, "{label}");
        assert_eq!(p.legacy_fingerprint(), *legacy, "{label}");
    }
    let presets: Vec<&str> = PINNED
        .iter()
        .filter_map(|(label, ..)| label.strip_prefix("preset "))
        .collect();
    let all: Vec<&str> = crate::provider::ALL.iter().map(|(n, _)| *n).collect();
    assert_eq!(presets, all, "every preset is pinned");
}

/// Each setting is classified once: what the provider sees is an identity change (a
/// fingerprint change: stops cleared), how dynward works is a
/// runtime change (a new machine, nothing sent for it), the rest is no change.
#[test]
fn each_setting_is_classified_once_for_a_reload() {
    let a = parse(GOOD).expect("valid").policies.remove(0);
    assert_eq!(Change::between(&a, &a.clone()), Change::None);
    let changed = |from: &str, to: &str| {
        let b = parse(&GOOD.replace(from, to))
            .unwrap_or_else(|e| panic!("{from}->{to}: {e}"))
            .policies
            .remove(0);
        Change::between(&a, &b)
    };
    for (from, to) in [
        ("s3cret-pw", "other"),
        ("alice", "bob"),
        ("nas.example", "nas2.example"),
        ("eth0", "eth1"),
        (
            "provider = \"dyn\"",
            "server = \"https://members.dyndns.org/nic/update\"",
        ),
        ("interface", "ipv6 = true\ninterface"),
        (
            "interface",
            "user_agent = \"Example Updater/1.0\"\ninterface",
        ),
    ] {
        assert_eq!(changed(from, to), Change::Identity, "{from}->{to}");
    }
    for extra in [
        "timeout = \"5s\"",
        "connect_timeout = \"5s\"",
        "stable_for = \"9s\"",
        "min_interval = \"2m\"",
        "max_interval = \"2d\"",
        "check_interval = \"20m\"",
        "on_change = [\"/bin/true\"]",
        "on_error = [\"/bin/true\"]",
    ] {
        assert_eq!(
            changed("interface", &format!("{extra}\ninterface")),
            Change::Runtime,
            "{extra}"
        );
    }
    assert_eq!(
        changed("name = \"home\"", "name = \"home\"\n# a comment"),
        Change::None
    );
    // The host behind the router: its id changes the address, which is sent as new; the
    // provider's view of the policy is the same.
    let lan = |id: &str| {
        parse(&GOOD.replace(
            "interface",
            &format!("ipv6 = true\nipv6_prefix_from = \"br-lan\"\n{id}\ninterface"),
        ))
        .expect("valid")
        .policies
        .remove(0)
    };
    let one = lan("ipv6_host_id = \"::1234\"");
    assert_eq!(
        one.ipv6_lan,
        Some(LanHost {
            interface: "br-lan".into(),
            host_id: HostId::literal("::1234").expect("id"),
        })
    );
    let mac = lan("ipv6_host_mac = \"00:11:22:33:44:55\"");
    assert_eq!(
        mac.ipv6_lan.as_ref().map(|l| l.host_id.bits()),
        Some(0x0211_22ff_fe33_4455)
    );
    assert_eq!(Change::between(&one, &mac), Change::Runtime);
    assert_eq!(Change::between(&one, &one.clone()), Change::None);
}

/// The example config shipped in config/ is valid with the credential it names, and for a
/// dry run without it (which sends nothing); without either, its password is missing.
#[test]
fn example_config_is_valid() {
    let text = include_str!("../../config/dynward.toml");
    let path = Path::new("config/dynward.toml");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("home"), "the-key\n").expect("credential");
    let creds = dir.path().display().to_string();
    let getter = |k: &str| (k == "CREDENTIALS_DIRECTORY").then(|| creds.clone());
    let env = Env {
        var: &getter,
        dry_run: false,
    };
    let c = from_str(text, path, &env).expect("example valid");
    assert!(!c.policies.is_empty());
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let dry = Env {
        var: &|_| None,
        dry_run: true,
    };
    assert!(from_str(text, path, &dry).is_ok());
    let e = from_str(text, path, &no_env()).expect_err("no password");
    assert!(e.to_string().contains("policy[0].password: missing"), "{e}");
}

/// The documented keys are the one list: each is read (a value of the wrong type there is a
/// problem located at that key), and nothing else is accepted (a read of an undocumented key
/// fails a debug assertion, and an unknown key is refused).
#[test]
fn every_documented_key_is_read() {
    let base = [
        ("name", "\"p\""),
        ("server", "\"https://u.example/nic/update\""),
        ("username", "\"u\""),
        ("password", "\"pw\""),
        ("hosts", "[\"a.example.org\"]"),
        ("interface", "\"eth0\""),
    ];
    // Keys that stand for one another: the one being tried replaces the base's.
    let group = |k: &str| -> &'static str {
        match k {
            "server" | "url" | "provider" => "server",
            "password" | "password_file" | "password_env" => "password",
            "interface" | "web" | "web4" | "web6" | "command" => "interface",
            _ => "",
        }
    };
    for key in keys::policy_keys() {
        let mut text = String::from("[[policy]]\n");
        for (k, v) in base {
            if k != key && (group(key).is_empty() || group(key) != k) {
                text.push_str(&format!("{k} = {v}\n"));
            }
        }
        text.push_str(&format!("{key} = {{ wrong = 1 }}\n"));
        let found = problems(&text);
        assert!(
            found
                .iter()
                .any(|p| p.key.starts_with(&format!("policy[0].{key}"))),
            "{key} is documented but not read:\n{text}\n{found:?}"
        );
        assert!(
            found.iter().all(|p| !p.message.starts_with("unknown key")),
            "{key}: {found:?}"
        );
    }
    for key in keys::top_keys() {
        let text = format!("{key} = {{ wrong = 1 }}\n{}", GOOD);
        let found = problems(&text);
        assert!(
            found.iter().any(|p| p.key == key),
            "{key} is documented but not read: {found:?}"
        );
    }
    let found = problems(&GOOD.replace("interface", "interfase"));
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("did you mean \"interface\"")),
        "{found:?}"
    );
}

/// API policies with the same credential at the same API share the name of the first of
/// them (their verdicts bind each other); another token, or a dyndns2 policy, does not.
#[test]
fn api_credentials_are_named_after_their_first_policy() {
    let policy = |name: &str, token: &str| {
        format!(
            "[[policy]]\nname = \"{name}\"\nprovider = \"cloudflare\"\npassword = \"{token}\"\ninterface = \"eth0\"\nhosts = [\"{name}.example.org\"]\n"
        )
    };
    let text = [
        policy("a", "tok-1"),
        policy("b", "tok-2"),
        policy("c", "tok-1"),
        "[[policy]]\nname = \"d\"\nprovider = \"dyn\"\nusername = \"u\"\npassword = \"tok-1\"\ninterface = \"eth0\"\nhosts = [\"d.example.org\"]\n".to_string(),
    ]
    .concat();
    let c = parse(&text).expect("valid");
    let named: Vec<String> = c.policies.iter().map(|p| p.account_user()).collect();
    assert_eq!(named, ["token of a", "token of b", "token of a", "u"]);
}
