//! The HTTP edge on its own, against the fake server: the reply cap and status pass-through.

use crate::util;

use std::time::Duration;

use dynward::http::{self, MAX_BODY, Options};
use dynward::protocol::http::{Auth, HttpRequest};
use dynward::secret::Secret;
use util::{FakeServer, Script};

fn opts() -> Options {
    Options {
        user_agent: "dynward-test/1.0".into(),
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        ca_file: None,
        bind: Vec::new(),
    }
}

/// A GET of `url` with Basic auth as user `u` with `pw` (scrubbed from what comes back).
fn get(url: &str, pw: &Secret) -> HttpRequest {
    HttpRequest {
        auth: Auth::Basic {
            user: "u".into(),
            password: pw.clone(),
        },
        secret: Some(pw.clone()),
        ..HttpRequest::get(url.into(), url.into())
    }
}

/// A 10 MB reply is cut at 64 KiB and flagged; the status is passed through.
#[test]
fn reply_is_capped() {
    let srv = FakeServer::http();
    srv.script([Script::Reply(502, "n".repeat(10 * 1024 * 1024))]);
    let pw = Secret::new("pw");
    let r = util::block_on(http::fetch(&get(&srv.url(), &pw), &opts(), None)).expect("reply");
    assert_eq!(r.status, 502);
    assert_eq!(r.body.len(), MAX_BODY);
    assert!(r.truncated);
}

/// A password echoed by the server is scrubbed from the body handed to the caller.
#[test]
fn echoed_password_is_scrubbed() {
    let srv = FakeServer::http();
    srv.script([Script::Reply(200, "nohost hunter2-pw".into())]);
    let pw = Secret::new("hunter2-pw");
    let r = util::block_on(http::fetch(&get(&srv.url(), &pw), &opts(), None)).expect("reply");
    assert_eq!(r.body, "nohost ********");
    assert!(!r.truncated);
}

/// Binding to an address this host does not have is its own error.
#[test]
fn bind_failure_is_specific() {
    let srv = FakeServer::http();
    let mut o = opts();
    o.bind = vec!["192.0.2.123".parse().expect("ip")];
    let plain = HttpRequest::get(srv.url(), srv.url());
    let e = util::block_on(http::fetch(&plain, &o, None)).expect_err("cannot bind");
    assert_eq!(e.kind().name(), "bind", "{e}");
    assert!(
        e.to_string()
            .contains("cannot bind to source address 192.0.2.123"),
        "{e}"
    );
}
