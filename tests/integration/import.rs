//! `dynward import`: configs of ddclient and inadyn carried over, run as the real binary.
//! The sample configs that Debian's packages ship are read from
//! `/var/cache/dynward-tests/import-samples` (`tests/import-samples/fetch.sh` puts them
//! there; `.ci/run` runs it), or from `$DYNWARD_IMPORT_SAMPLES`.

use crate::util;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use util::Run;

fn import(args: &[&str]) -> Run {
    let mut c = Command::new(util::bin());
    c.arg("import").args(args).env_remove("DYNWARD_LOG");
    Run::from(c.output().expect("run dynward import"))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

/// A ddclient config with globals, a continued host line and a web source: written with
/// mode 0600, every line with its origin, the password in the file only, and `check` run on
/// it; what is not carried makes the exit status 1 and is listed with the reason.
#[test]
fn ddclient_config_carried_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = write(
        dir.path(),
        "ddclient.conf",
        "daemon=600\nsyslog=yes\nssl=yes\nuse=web, web=checkip.dyndns.org/\nprotocol=dyndns2\nserver=members.dyndns.org\nlogin=alice\npassword='top#secret-pw'\nhome.example.org, \\\n  nas.example.org\n",
    );
    let out = dir.path().join("dynward.toml");
    let r = import(&[
        "--from",
        "ddclient",
        "-o",
        out.to_str().expect("utf-8"),
        src.to_str().expect("utf-8"),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        !r.all().contains("top#secret-pw"),
        "the terminal never shows the password: {}",
        r.all()
    );
    assert!(
        r.stderr.contains("1 of 1 policy carried") && r.stderr.contains("check: valid"),
        "{}",
        r.all()
    );
    let mode = std::fs::metadata(&out)
        .expect("written")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&out).expect("read");
    for line in [
        "provider = \"dyn\"",
        "# ddclient: ddclient.conf:6 server",
        "username = \"alice\"",
        "password = \"top#secret-pw\"",
        "hosts = [\"home.example.org\", \"nas.example.org\"]",
        "web = \"http://checkip.dyndns.org/\"",
        "check_interval = \"10m\"",
        "# syslog=yes",
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
    // The result is a config dynward runs with.
    let c = util::run_with(&out, &["check"], &[]);
    assert_eq!(c.code, 0, "{}", c.all());

    // The same output again is refused without --force; with it, replaced.
    let again = import(&[
        "--from",
        "ddclient",
        "-o",
        out.to_str().expect("utf-8"),
        src.to_str().expect("utf-8"),
    ]);
    assert_eq!(again.code, 2, "{}", again.all());
    assert!(
        again
            .stderr
            .contains("exists; choose another file or add --force"),
        "{}",
        again.all()
    );
    let forced = import(&[
        "--from",
        "ddclient",
        "--force",
        "-o",
        out.to_str().expect("utf-8"),
        src.to_str().expect("utf-8"),
    ]);
    assert_eq!(forced.code, 0, "{}", forced.all());

    // A setting dynward lacks: exit 1, listed with the reason, left as a commented line.
    let lossy = write(
        dir.path(),
        "lossy.conf",
        "use=if, if=eth0, login=bob, password=pw, wildcard=yes, postscript=/usr/local/bin/notify h.example.org\n",
    );
    let r = import(&["--from", "ddclient", lossy.to_str().expect("utf-8")]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr
            .contains("lossy.conf:1: not carried: wildcard=yes: dynward sends no wildcard"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains("# postscript=/usr/local/bin/notify"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains("password = \"********\""),
        "printed with the secret masked: {}",
        r.all()
    );
    assert!(
        !r.all().contains("password=pw") && !r.all().contains("\"pw\""),
        "{}",
        r.all()
    );
}

/// inadyn: a preset section and an include; syntax errors and unreadable files exit 2 with
/// the file and line; a wrong `--from` is a usage error.
#[test]
fn inadyn_config_and_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "account.conf",
        "provider default@no-ip.com {\n  username = carol\n  password = \"n0-ip-pw\"\n  hostname = { \"a.example.org\", \"b.example.org\" }\n}\n",
    );
    let src = write(
        dir.path(),
        "inadyn.conf",
        "iface = eth0\nperiod = 120\ninclude(\"account.conf\")\n",
    );
    let r = import(&["--from", "inadyn", src.to_str().expect("utf-8")]);
    assert_eq!(r.code, 0, "{}", r.all());
    for line in [
        "provider = \"noip\"",
        "# inadyn: account.conf:1 provider default@no-ip.com",
        "interface = \"eth0\"",
        "hosts = [\"a.example.org\", \"b.example.org\"]",
    ] {
        assert!(r.stdout.contains(line), "{line:?} in:\n{}", r.all());
    }
    assert!(!r.all().contains("n0-ip-pw"), "{}", r.all());
    assert!(
        r.stdout.contains("# period = 120"),
        "not needed with an interface: {}",
        r.all()
    );

    let bad = write(
        dir.path(),
        "bad.conf",
        "provider dyn.com {\n  username alice\n}\n",
    );
    let r = import(&["--from", "inadyn", bad.to_str().expect("utf-8")]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("bad.conf:2: expected '=' after username"),
        "{}",
        r.all()
    );
    let r = import(&["--from", "inadyn", "/nonexistent/inadyn.conf"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("/nonexistent/inadyn.conf: cannot read"),
        "{}",
        r.all()
    );
    let r = import(&["--from", "openwrt", src.to_str().expect("utf-8")]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains("--from openwrt: dynward reads ddclient and inadyn configs"),
        "{}",
        r.all()
    );
}

fn samples() -> PathBuf {
    std::env::var_os("DYNWARD_IMPORT_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/dynward-tests/import-samples"))
}

/// The sample configs Debian's packages ship, as they are: each is read, what can be
/// carried is, and everything else is named with the reason; nothing is dropped silently.
#[test]
#[ignore = "needs Debian's sample configs: tests/import-samples/fetch.sh (.ci/run runs it; scripts/test runs this when they are there)"]
fn debian_sample_configs() {
    let dir = samples();
    assert!(
        dir.join("packages.txt").exists(),
        "no samples in {}: run tests/import-samples/fetch.sh",
        dir.display()
    );
    let inadyn = |name: &str| {
        import(&[
            "--from",
            "inadyn",
            dir.join("inadyn").join(name).to_str().expect("utf-8"),
        ])
    };

    // dyndns.conf: a Dyn account, carried whole.
    let r = inadyn("dyndns.conf");
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("provider = \"dyn\"")
            && r.stdout.contains("hosts = [\"example.dyndns.org\"]"),
        "{}",
        r.all()
    );
    assert!(r.stderr.contains("check: valid"), "{}", r.all());
    // duckdns.conf: the DuckDNS preset, the token inadyn reads from username as the password
    // (masked), inadyn's placeholder password named as not needed.
    let r = inadyn("duckdns.conf");
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("provider = \"duckdns\"")
            && r.stdout.contains("password = \"********\"")
            && r.stdout.contains("hosts = [\"YOUR_DOMAIN.duckdns.org\"]"),
        "{}",
        r.all()
    );
    assert!(!r.stdout.contains("YOUR_TOKEN") && !r.stdout.contains("noPasswordForDuckdns"));
    assert!(r.stderr.contains("check: valid"), "{}", r.all());
    // Cloudflare's plugin: the preset, the zone from username, the token masked, its ttl and
    // proxied; one policy per section (the IPv4 and the IPv6 instance).
    for (name, policies) in [
        ("cloudflare-ipv4-only.conf", 1),
        ("cloudflare-ipv6-only.conf", 1),
        ("cloudflare-ipv4-ipv6.conf", 2),
    ] {
        let r = inadyn(name);
        assert_eq!(r.code, 0, "{name}: {}", r.all());
        assert_eq!(
            r.stdout.matches("provider = \"cloudflare\"").count(),
            policies,
            "{name}: {}",
            r.all()
        );
        for line in [
            "zone = \"zone.name\"",
            "ttl = 1",
            "proxied = false",
            "password = \"********\"",
        ] {
            assert!(r.stdout.contains(line), "{name}: {line}: {}", r.all());
        }
        assert!(!r.stdout.contains("api_token"), "{name}: the token shown");
        assert!(r.stderr.contains("check: valid"), "{name}: {}", r.all());
    }
    // Providers without a preset (FreeDNS's account login: the v2 token is what is missing),
    // and a custom one without the address: named, exit 1.
    for (name, why) in [
        (
            "freedns.conf",
            "provider default@freedns.afraid.org: dynward's freedns preset speaks FreeDNS's v2 sync URL",
        ),
        (
            "freemyip.conf",
            "provider default@freemyip.com: dynward has no preset for it yet",
        ),
        (
            "custom.conf",
            "custom namecheap: its ddns-path carries no address (%i)",
        ),
    ] {
        let r = inadyn(name);
        assert_eq!(r.code, 1, "{name}: {}", r.all());
        assert!(r.stderr.contains(why), "{name}: {}", r.all());
        assert!(
            r.stdout.contains("# [[policy]]"),
            "{name}: left as commented lines: {}",
            r.all()
        );
        for secret in [
            "api_token",
            "mypass",
            "noPasswordForDuckdns",
            "secret",
            "token",
        ] {
            assert!(
                !r.stdout.contains(&format!("\"{secret}\"")),
                "{name}: {secret} shown: {}",
                r.all()
            );
        }
    }
    // The commented template of /etc/inadyn.conf: nothing to carry, said so.
    for name in ["inadyn.conf", "etc-inadyn.conf"] {
        let r = inadyn(name);
        assert_eq!(r.code, 1, "{name}: {}", r.all());
        assert!(
            r.stderr
                .contains("no provider or custom section: nothing to carry"),
            "{name}: {}",
            r.all()
        );
    }

    // ddclient's sample: only daemon settings are active; each is named with why dynward does
    // not need it.
    let sample = dir.join("ddclient").join("sample-etc_ddclient.conf");
    let r = import(&["--from", "ddclient", sample.to_str().expect("utf-8")]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("no host line: nothing to carry"),
        "{}",
        r.all()
    );
    for key in [
        "daemon=300",
        "syslog=yes",
        "mail=root",
        "mail-failure=root",
        "pid=/run/ddclient.pid",
        "ssl=yes",
    ] {
        assert!(
            r.stderr.contains(&format!("not needed: {key}")),
            "{key}: {}",
            r.all()
        );
    }
    // Its dyndns.org example, uncommented as its comments tell the user to do, with a login
    // and an interface: carried whole.
    let text = std::fs::read_to_string(&sample).expect("sample");
    let start = text
        .find("# server=members.dyndns.org,")
        .expect("the dyndns.org example");
    let example: String = text[start..]
        .lines()
        .take(3)
        .map(|l| format!("{}\n", l.trim_start_matches("# ")))
        .collect();
    let work = tempfile::tempdir().expect("tempdir");
    let conf = write(
        work.path(),
        "ddclient.conf",
        &format!("use=if, if=eth0\nlogin=alice, password=pw\n{example}"),
    );
    let r = import(&["--from", "ddclient", conf.to_str().expect("utf-8")]);
    assert_eq!(r.code, 0, "{example}\n{}", r.all());
    assert!(
        r.stdout.contains("provider = \"dyn\"")
            && r.stdout
                .contains("hosts = [\"your-dynamic-host.dyndns.org\"]"),
        "{}",
        r.all()
    );
}

/// Issue 21's done-when, on configs in the shapes people wrote: a token in `login`, a
/// Porkbun `apikey`, an inadyn section with its own server. No credential of either client
/// shows on the terminal, with `-o` or without; the credentials go only to the servers the
/// sources name; each result passes `check`.
#[test]
fn no_credential_shows_and_none_goes_elsewhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ddclient = write(
        dir.path(),
        "ddclient.conf",
        "use=web, web=ipify-ipv4\nprotocol=duckdns, login=duck-tok-3141, password=duck-tok-3141 home\nprotocol=porkbun, apikey=pk1_porkbun-5926, secretapikey=sk1_porkbun-5358, root-domain=example.com pb.example.com\n",
    );
    let inadyn = write(
        dir.path(),
        "inadyn.conf",
        "iface = eth0\nprovider default@dyndns.org {\n    ddns-server = \"dyndns.example.com\"\n    username = alice\n    password = inadyn-pw-9793\n    hostname = home.example.com\n}\nprovider porkbun.com {\n    username = pk1_inadyn-2384\n    password = sk1_inadyn-6264\n    hostname = example.net\n}\n",
    );
    let secrets = [
        "duck-tok-3141",
        "pk1_porkbun-5926",
        "sk1_porkbun-5358",
        "inadyn-pw-9793",
        "pk1_inadyn-2384",
        "sk1_inadyn-6264",
    ];
    for (from, src) in [("ddclient", &ddclient), ("inadyn", &inadyn)] {
        let out = dir.path().join(format!("{from}.toml"));
        for args in [
            vec!["--from", from, src.to_str().expect("utf-8")],
            vec![
                "--from",
                from,
                "-o",
                out.to_str().expect("utf-8"),
                src.to_str().expect("utf-8"),
            ],
        ] {
            let r = import(&args);
            assert_eq!(r.code, 0, "{args:?}: {}", r.all());
            assert!(r.stderr.contains("check: valid"), "{args:?}: {}", r.all());
            for s in secrets {
                assert!(!r.all().contains(s), "{args:?}: {s} shown:\n{}", r.all());
            }
        }
        let written = std::fs::read_to_string(&out).expect("written");
        if from == "inadyn" {
            assert!(
                written.contains("server = \"https://dyndns.example.com/nic/update\""),
                "the section's own server: {written}"
            );
            assert!(
                written.contains("inadyn-pw-9793"),
                "the file has the password"
            );
        } else {
            assert!(
                !written
                    .lines()
                    .any(|l| l.starts_with("username = \"duck-tok-3141\"")),
                "a token in login is no user name: {written}"
            );
        }
    }
}
