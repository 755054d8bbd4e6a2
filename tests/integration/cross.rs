//! The cross-built binaries (arm64, armhf, OpenWrt's static musl builds), tried under
//! qemu-user rather than only built:
//! `--version`; `check` and `once --dry-run` on the example config, answering as this
//! build does; and a real update from the daemon in a network namespace the test creates,
//! then another after an address change.
//!
//! `scripts/test` builds them and names them in `DYNWARD_CROSS_BINS` (`arch=program,…`,
//! each program a wrapper that runs the binary under qemu) when the cross tools are here
//! (`scripts/package.sh --arch arm64|armhf` installs them; `.ci/run` does), and reports
//! this test as skipped, never as passed, where they are not. The architectures named in
//! `DYNWARD_CROSS_NO_NETLINK` (big-endian MIPS: qemu-user garbles the kernel's netlink
//! answers to it) skip the daemon half, and scripts/test says so.

use crate::util;

use util::{DaemonProc, FakeServer, Netns, Setup, wait_for};

/// The cross binaries named in `DYNWARD_CROSS_BINS`.
fn cross_bins() -> Vec<(String, String)> {
    std::env::var("DYNWARD_CROSS_BINS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|e| {
            let (arch, bin) = e.split_once('=')?;
            Some((arch.to_string(), bin.to_string()))
        })
        .collect()
}

#[test]
#[ignore = "needs root (network namespaces) and the cross-built binaries with qemu-user: scripts/test runs it when they are there"]
fn cross_built_binaries_work_under_qemu() {
    util::require_root("cross_built_binaries_work_under_qemu");
    let bins = cross_bins();
    assert!(
        !bins.is_empty(),
        "DYNWARD_CROSS_BINS names no cross-built binary (scripts/test sets it)"
    );
    for (i, (arch, bin)) in bins.iter().enumerate() {
        let run = |args: &[&str], env: &[(&str, &str)]| {
            let mut c = std::process::Command::new(bin);
            c.args(args)
                .env_remove("DYNWARD_LOG")
                .env_remove("STATE_DIRECTORY")
                .env_remove("CREDENTIALS_DIRECTORY")
                .env("DYNWARD_RESOLV_CONF", util::NO_RESOLVER)
                .envs(env.iter().copied());
            util::Run::from(c.output().expect("run the cross binary"))
        };
        let v = run(&["--version"], &[]);
        assert_eq!(v.code, 0, "{arch}: {}", v.all());
        assert!(v.stdout.starts_with("dynward "), "{arch}: {}", v.all());

        // The example config, as this build reads it.
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/dynward.toml"))
                .expect("example");
        let s = Setup::new(&text.replace(
            "interface = \"auto\"",
            "command = [\"/bin/echo\", \"203.0.113.7\"]",
        ));
        let state = s.dir.path().join("state").display().to_string();
        let env = [("STATE_DIRECTORY", state.as_str())];
        let cfg = s.config().display().to_string();
        for args in [&["check"][..], &["once", "--dry-run"][..]] {
            let mut all = vec!["--config", cfg.as_str()];
            all.extend_from_slice(args);
            let theirs = run(&all, &env);
            let ours = util::run_with(&s.config(), args, &env);
            assert_eq!(
                (theirs.code, &theirs.stdout),
                (ours.code, &ours.stdout),
                "{arch} {args:?}: {}",
                theirs.all()
            );
        }
        assert!(
            run(&["--config", &cfg, "once", "--dry-run"], &env)
                .stdout
                .contains("would send: GET https://members.dyndns.org/v3/update?"),
            "{arch}"
        );

        // A real update from the daemon under qemu, then another after an address change.
        let no_netlink = std::env::var("DYNWARD_CROSS_NO_NETLINK").unwrap_or_default();
        if no_netlink.split(',').any(|a| a == arch) {
            eprintln!("{arch}: the daemon half is not run: qemu-user garbles its netlink");
            continue;
        }
        let ns = Netns::new(&format!("x{i}"));
        ns.add_wan();
        ns.route_back();
        ns.run("ip addr add 203.0.113.60/32 dev vw0");
        let srv = FakeServer::http_on("198.51.100.1:0");
        let s = Setup::new(&format!(
            "state_dir = \"{{state}}\"\n[[policy]]\nname = \"home\"\nserver = \"{}\"\nallow_insecure_http = true\nusername = \"u\"\npassword = \"pw\"\nhosts = [\"home.example.org\"]\ninterface = \"vw0\"\nstable_for = \"0s\"\nmin_interval = \"0s\"\ntimeout = \"10s\"\n",
            srv.url()
        ));
        let mut d = DaemonProc::start_bin(bin, &s.config(), Some(&ns.name), &[]);
        let sent = |ip: &str| {
            srv.requests()
                .iter()
                .any(|r| r.param("myip").as_deref() == Some(ip))
        };
        assert!(
            wait_for(60, || sent("203.0.113.60")),
            "{arch}: no first update:\n{}",
            d.log()
        );
        d.expect_log(30, "sleeping");
        ns.batch("addr add 203.0.113.61/32 dev vw0\naddr del 203.0.113.60/32 dev vw0\n");
        assert!(
            wait_for(60, || sent("203.0.113.61")),
            "{arch}: the address change was not sent:\n{}",
            d.log()
        );
        let (_, code) = d.stop();
        assert_eq!(code, Some(0), "{arch}: {}", d.log());
    }
}
