//! dynward under a real systemd: a throw-away Debian guest booted with systemd-nspawn
//! (tests/systemd-guest/), with the shipped unit, sysusers file and postinst. Root only; it
//! needs systemd-nspawn and the guest tree (tests/systemd-guest/build-rootfs.sh, which
//! `.ci/run` builds and caches). Ignored by a plain `cargo test`; asked to run without them,
//! it fails saying what is missing.

use crate::util;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use util::{FakeServer, bin, is_root, sh, wait_for};

const SECRET: &str = "cred-Secret-9x";
const PATH_ENV: &str = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

fn rootfs() -> PathBuf {
    std::env::var_os("DYNWARD_GUEST_ROOTFS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/dynward-tests/rootfs-bookworm.tar"))
}

fn skip_reason() -> Option<String> {
    if !is_root() {
        return Some("needs root".into());
    }
    if Command::new("systemd-nspawn")
        .arg("--version")
        .output()
        .is_err()
    {
        return Some("systemd-nspawn is missing (apt-get install systemd-container)".into());
    }
    if !rootfs().is_file() {
        return Some(format!(
            "no guest tree at {} (tests/systemd-guest/build-rootfs.sh builds it)",
            rootfs().display()
        ));
    }
    None
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/systemd-guest")
        .join(name)
}

/// A booted guest, halted and removed on drop.
struct Guest {
    name: String,
    init: String,
    root: PathBuf,
    _lock: std::fs::File,
}

impl Guest {
    fn up(name: &str) -> Guest {
        // The host side of the veth gets 198.51.100.1/24, as in the namespace tests.
        let lock = std::fs::File::create("/tmp/dynward-netns-tests.lock").expect("lock file");
        lock.lock().expect("lock");
        let _ = Command::new(script("guest.sh"))
            .args(["down", name])
            .output();
        let out = sh(&[
            &script("guest.sh").display().to_string(),
            "up",
            name,
            &rootfs().display().to_string(),
            "--network-veth",
        ]);
        let mut it = out.split_whitespace();
        let (init, root, state) = (it.next(), it.next(), it.next());
        let g = Guest {
            name: name.to_string(),
            init: init.expect("init pid").to_string(),
            root: PathBuf::from(root.expect("root dir")),
            _lock: lock,
        };
        assert!(
            matches!(state, Some("running" | "degraded")),
            "guest state {state:?}"
        );
        g
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("nsenter")
            .args([
                "-t",
                &self.init,
                "-a",
                "--",
                "env",
                "-i",
                PATH_ENV,
                "SYSTEMD_PAGER=",
                "SYSTEMD_COLORS=0",
            ])
            .args(args)
            .output()
            .expect("nsenter")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?} failed in the guest:\n{}{}\n--- journal\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
            self.journal()
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn journal(&self) -> String {
        let o = self.run(&["journalctl", "-u", "dynward", "--no-pager", "-n", "60"]);
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn install(&self, rel: &str, content: &[u8], mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write into guest");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        let _ = Command::new(script("guest.sh"))
            .args(["down", &self.name])
            .output();
    }
}

fn config(srv: &FakeServer, hosts: &str) -> String {
    format!(
        "# no password here: it comes from LoadCredential\n[[policy]]\nname = \"wan\"\nserver = \"{}\"\nallow_insecure_http = true\nusername = \"alice\"\nhosts = [{hosts}]\ninterface = \"host0\"\nipv4_prefix = \"203.0.113.0/24\"\nstable_for = \"0s\"\nmin_interval = \"0s\"\ntimeout = \"5s\"\n# The guest names no resolver of its own test zone.\nverify_for = \"0s\"\n",
        srv.url()
    )
}

/// Installs the binary, the shipped unit and the package's user and postinst into a booted
/// Debian guest, and checks through systemctl and journalctl: active only after READY, the
/// STATUS line, reload, restart keeping state under DynamicUser, the password from
/// LoadCredential, journal fields, and netlink watching plus an update under the hardening.
#[test]
#[ignore = "needs root, systemd-nspawn and the guest tree: scripts/test runs it when all are there"]
fn under_real_systemd() {
    if let Some(why) = skip_reason() {
        panic!("under_real_systemd cannot run: {why}");
    }
    let name = format!("dw{}", std::process::id() % 100_000);
    let g = Guest::up(&name);
    let veth = format!("ve-{name}");
    sh(&["ip", "addr", "add", "198.51.100.1/24", "dev", &veth]);
    sh(&["ip", "link", "set", &veth, "up"]);
    g.ok(&["ip", "addr", "add", "198.51.100.2/24", "dev", "host0"]);
    g.ok(&["ip", "link", "set", "host0", "up"]);
    let srv = FakeServer::http_on("198.51.100.1:0");

    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read(repo.join(p)).expect("repo file");
    g.install(
        "usr/bin/dynward",
        &std::fs::read(bin()).expect("binary"),
        0o755,
    );
    g.install(
        "usr/lib/systemd/system/dynward.service",
        &read("systemd/dynward.service"),
        0o644,
    );
    g.install(
        "usr/lib/sysusers.d/dynward.conf",
        &read("debian/dynward.sysusers"),
        0o644,
    );
    g.install(
        "etc/dynward/dynward.toml",
        config(&srv, "\"a.example.org\"").as_bytes(),
        0o600,
    );
    g.install(
        "etc/dynward/wan.secret",
        format!("{SECRET}\n").as_bytes(),
        0o600,
    );
    g.install(
        "etc/systemd/system/dynward.service.d/credential.conf",
        b"[Service]\nLoadCredential=wan:/etc/dynward/wan.secret\n",
        0o644,
    );
    g.install("root/dynward.postinst", &read("debian/postinst"), 0o755);
    g.ok(&["/root/dynward.postinst", "configure"]);
    let perms = g.ok(&["stat", "-c", "%U:%G %a", "/etc/dynward/dynward.toml"]);
    assert_eq!(
        perms.trim(),
        "root:dynward 640",
        "postinst made the config readable by the service only"
    );
    g.ok(&["systemctl", "daemon-reload"]);

    // `systemctl start` of a Type=notify unit returns once READY=1 arrived.
    g.ok(&["systemctl", "start", "dynward"]);
    assert_eq!(
        g.ok(&["systemctl", "is-active", "dynward"]).trim(),
        "active"
    );
    assert!(
        wait_for(10, || srv.requests().len() == 1),
        "no update:\n{}",
        g.journal()
    );
    let first = &srv.requests()[0];
    assert_eq!(first.param("myip").as_deref(), Some("198.51.100.2"));
    // base64("alice:cred-Secret-9x"): the password came from the credential.
    assert_eq!(
        first.auth.as_deref(),
        Some("Basic YWxpY2U6Y3JlZC1TZWNyZXQtOXg=")
    );
    assert!(
        wait_for(5, || g
            .ok(&[
                "systemctl",
                "show",
                "-p",
                "StatusText",
                "--value",
                "dynward"
            ])
            .trim()
            == "1 sleeping"),
        "{}",
        g.ok(&["systemctl", "status", "dynward", "--no-pager"])
    );
    let status = g.ok(&["systemctl", "status", "dynward", "--no-pager"]);
    assert!(status.contains("Status: \"1 sleeping\""), "{status}");

    // The journal has the daemon's lines with its fields, at their priorities.
    let by_policy = || {
        let o = g.run(&[
            "journalctl",
            "-u",
            "dynward",
            "POLICY=wan",
            "-o",
            "json",
            "--no-pager",
        ]);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert!(
        wait_for(3, || by_policy().contains("\"CODE\":\"good\"")),
        "{}",
        by_policy()
    );
    let j = by_policy();
    assert!(
        j.contains("\"HOST\":\"a.example.org\"") && j.contains("\"STATE\":\"sleeping\""),
        "{j}"
    );

    // Netlink watching works under the hardening: a new address is published, from itself.
    util::route_back_via(&veth);
    g.ok(&["ip", "addr", "add", "203.0.113.5/24", "dev", "host0"]);
    assert!(
        wait_for(10, || srv.requests().len() == 2),
        "{}",
        g.journal()
    );
    assert_eq!(
        srv.requests()[1].param("myip").as_deref(),
        Some("203.0.113.5")
    );
    assert_eq!(srv.requests()[1].peer.ip().to_string(), "203.0.113.5");

    // systemctl reload re-reads the config: the changed policy is validated with one update.
    g.install(
        "etc/dynward/dynward.toml",
        config(&srv, "\"b.example.org\"").as_bytes(),
        0o640,
    );
    g.ok(&["chgrp", "dynward", "/etc/dynward/dynward.toml"]);
    g.ok(&["systemctl", "reload", "dynward"]);
    assert!(
        wait_for(10, || srv.requests().len() == 3),
        "{}",
        g.journal()
    );
    assert_eq!(
        srv.requests()[2].param("hostname").as_deref(),
        Some("b.example.org")
    );
    assert!(g.journal().contains("config reloaded"), "{}", g.journal());

    // A restart keeps the state (StateDirectory under DynamicUser): nothing is re-sent.
    g.ok(&["systemctl", "restart", "dynward"]);
    assert_eq!(
        g.ok(&["systemctl", "is-active", "dynward"]).trim(),
        "active"
    );
    // Sleeping after the restart: the new machine has decided; the provider has it all.
    assert!(
        wait_for(10, || String::from_utf8_lossy(
            &g.run(&["dynward", "status"]).stdout
        )
        .contains("wan: sleeping")),
        "{}",
        g.journal()
    );
    assert_eq!(srv.requests().len(), 3, "restart re-sent:\n{}", g.journal());
    let owner = g.ok(&["stat", "-c", "%U %a", "/var/lib/private/dynward/state.json"]);
    assert_eq!(
        owner.trim(),
        "dynward 600",
        "state file owned by the service user"
    );
    let user = g.ok(&["systemctl", "show", "-p", "User", "--value", "dynward"]);
    assert_eq!(user.trim(), "dynward");

    // `dynward status` from a root shell reaches the daemon through the state directory.
    let st = g.ok(&["dynward", "status"]);
    assert!(
        st.contains("wan: sleeping") && st.contains("b.example.org: good"),
        "{st}"
    );

    // No secret in the journal, whatever the level.
    let all = g.ok(&["journalctl", "--no-pager", "-o", "verbose"]);
    assert!(!all.contains(SECRET), "the password reached the journal");

    g.ok(&["systemctl", "stop", "dynward"]);
    assert_eq!(
        String::from_utf8_lossy(&g.run(&["systemctl", "is-active", "dynward"]).stdout).trim(),
        "inactive"
    );
    assert!(
        g.journal().contains("stopped; state saved"),
        "{}",
        g.journal()
    );
}
