//! OpenWrt's init script (`openwrt/dynward.init`), run by sh against a stand-in for procd's
//! shell functions that records what the script asks procd for; then the command it asks
//! procd to run is run for real, logging through `--syslog` to a socket the test binds as
//! logd would: a first update, a reload by SIGHUP as procd sends it, a clean stop.

// The clock rule (crate::clock only) is the library's: tests time the real binary from outside.
#![allow(clippy::disallowed_methods)]

use crate::util;

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use util::{FakeServer, Setup, bin, wait_for};

/// procd's functions as the script calls them, each call a line in `$CALLS`.
const PROCD: &str = r#"
procd_open_instance() { echo "open" >> "$CALLS"; }
procd_set_param() { echo "param $*" >> "$CALLS"; }
procd_close_instance() { echo "close" >> "$CALLS"; }
procd_send_signal() { echo "signal $*" >> "$CALLS"; }
logger() { echo "logger $* $(cat)" >> "$CALLS"; }
"#;

/// Runs one of the script's functions with `PROG` and `CONF` pointing here; returns its
/// exit code and the procd calls it made.
fn call(dir: &Path, config: &Path, function: &str) -> (i32, String) {
    let calls = dir.join(format!("{function}.calls"));
    let _ = std::fs::remove_file(&calls);
    let script = format!(
        "{PROCD}\n. '{init}'\nPROG='{bin}'\nCONF='{config}'\n{function}",
        init = concat!(env!("CARGO_MANIFEST_DIR"), "/openwrt/dynward.init"),
        bin = bin(),
        config = config.display(),
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .env("CALLS", &calls)
        .stdin(Stdio::null())
        .output()
        .expect("sh");
    let recorded = std::fs::read_to_string(&calls).unwrap_or_default();
    (out.status.code().unwrap_or(-1), recorded)
}

/// The daemon, killed if the test ends before it stops it (a failed assertion): it would
/// otherwise outlive the test.
struct KillOnDrop(Option<std::process::Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// What logd would have received, until `want` is among it (or 20 s).
fn logd_until(logd: &UnixDatagram, got: &mut Vec<String>, want: &str) -> bool {
    let end = Instant::now() + Duration::from_secs(20);
    let mut buf = [0u8; 4096];
    while Instant::now() < end {
        if got.iter().any(|m| m.contains(want)) {
            return true;
        }
        if let Ok(n) = logd.recv(&mut buf) {
            got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    }
    got.iter().any(|m| m.contains(want))
}

/// start_service asks procd for the daemon with --syslog, respawn, and SIGHUP for a reload;
/// that command runs: it updates, logs to the socket with priorities, reloads on SIGHUP and
/// stops on SIGTERM. reload_service sends the signal. A config that does not load starts
/// nothing, and its located error goes to the log.
#[test]
fn init_script_runs_the_daemon_as_procd_would() {
    let srv = FakeServer::http();
    let s = Setup::new(&format!(
        "state_dir = \"{{state}}\"\n[[policy]]\nname = \"home\"\nserver = \"{}\"\nallow_insecure_http = true\nusername = \"u\"\npassword = \"s3cret-91\"\nhosts = [\"home.example.org\"]\ncommand = [\"/bin/echo\", \"203.0.113.9\"]\nstable_for = \"0s\"\nmin_interval = \"0s\"\n",
        srv.url()
    ));
    let dir = s.dir.path();

    let (code, calls) = call(dir, &s.config(), "start_service");
    assert_eq!(code, 0, "{calls}");
    let command = format!(
        "param command {} --config {} run --syslog",
        bin(),
        s.config().display()
    );
    for want in [
        "open",
        command.as_str(),
        "param respawn 3600 5 5",
        "param reload_signal HUP",
        "close",
    ] {
        assert!(calls.lines().any(|l| l == want), "no '{want}' in:\n{calls}");
    }
    let (code, calls) = call(dir, &s.config(), "reload_service");
    assert_eq!((code, calls.trim()), (0, "signal dynward"));

    // The command procd would run, logging to a socket bound as logd binds /dev/log.
    let socket = dir.join("log");
    let logd = UnixDatagram::bind(&socket).expect("bind the log socket");
    logd.set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let argv: Vec<&str> = command["param command ".len()..].split(' ').collect();
    let mut d = KillOnDrop(Some(
        Command::new(argv[0])
            .args(&argv[1..])
            .env("DYNWARD_SYSLOG_SOCKET", &socket)
            .env("DYNWARD_RESOLV_CONF", util::NO_RESOLVER)
            .env_remove("DYNWARD_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the daemon"),
    ));
    let pid = d.0.as_ref().expect("the daemon").id();
    let tag = format!("dynward[{pid}]: ");
    let mut got = Vec::new();
    assert!(
        wait_for(20, || srv
            .requests()
            .iter()
            .any(|r| r.param("myip").as_deref() == Some("203.0.113.9"))),
        "no update"
    );
    assert!(logd_until(&logd, &mut got, "sleeping"), "{got:#?}");
    // Info is daemon.info (30), with the tag and no time of its own (logd adds it).
    assert!(
        got.iter()
            .any(|m| m.starts_with(&format!("<30>{tag}")) && m.contains("sleeping")),
        "{got:#?}"
    );
    assert!(!got.iter().any(|m| m.contains("s3cret-91")), "{got:#?}");

    Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(logd_until(&logd, &mut got, "reload"), "{got:#?}");
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    let out =
        d.0.take()
            .expect("the daemon")
            .wait_with_output()
            .expect("wait");
    assert_eq!(out.status.code(), Some(0), "{got:#?}");
    // Everything went to the socket: nothing on stderr.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");

    // A config that does not load: no instance, and the reason with its line in the log.
    s.write_config("[[policy]]\nname = \"home\"\nprovider = \"dyn\"\n");
    let (code, calls) = call(dir, &s.config(), "start_service");
    assert_ne!(code, 0, "{calls}");
    assert!(!calls.contains("open"), "{calls}");
    assert!(
        calls.contains("logger -t dynward -p daemon.err") && calls.contains("policy[0]"),
        "{calls}"
    );
    let (code, calls) = call(dir, &s.config(), "reload_service");
    assert_ne!(code, 0, "{calls}");
    assert!(!calls.contains("signal"), "{calls}");
}
