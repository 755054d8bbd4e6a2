//! The code table: names read back, words, advice and decisions.

use super::*;

/// The advice follows what was decided and whom it concerns: a nochg that stopped the
/// host, the third unreadable reply, and `notfqdn` for a fully qualified host (the server
/// means the user name) each say what is true, with the real command.
#[test]
fn advice_says_what_was_decided() {
    let h = Some("home.example.org");
    let a = Code::Nochg.user_action(Decision::StopHost, Who::named("home"), h);
    assert!(
        !a.starts_with("none") && a.contains("`dynward reset home --host home.example.org`"),
        "{a}"
    );
    let a = Code::Unknown(String::new()).user_action(Decision::StopHost, Who::named("home"), h);
    assert!(
        a.contains("three replies in a row") && !a.contains("tries again"),
        "{a}"
    );
    let a = Code::Unknown(String::new()).user_action(
        Decision::BackOff(OUTAGE_HOLD),
        Who::named("home"),
        h,
    );
    assert!(a.contains("tries again in 30 minutes"), "{a}");
    let a = Code::NotFqdn.user_action(Decision::StopHost, Who::named("home"), h);
    assert!(
        a.contains("the server means the user name")
            && a.contains("username = \"home.example.org\""),
        "{a}"
    );
    let a = Code::Badauth.user_action(Decision::StopAccount, Who::named("office"), None);
    assert!(
        a.contains("`dynward reset office`") && !a.contains("POLICY"),
        "{a}"
    );
}

/// Every explanation is distinct: no two codes tell the user the same thing.
#[test]
fn no_two_codes_tell_the_user_the_same_thing() {
    let mut codes = super::PLAIN.to_vec();
    codes.extend([
        Code::Conflict("A".into()),
        Code::Wait(Duration::from_secs(60)),
        Code::Refused127,
        Code::Mismatch(vec![]),
        Code::Http(401),
        Code::Http(409),
        Code::Http(410),
        Code::Http(411),
        Code::Http(412),
        Code::Http(302),
        Code::Http(418),
        Code::NoLine,
        Code::Unknown(String::new()),
        Code::Unknown("x".into()),
    ]);
    let mut seen = std::collections::HashSet::new();
    for c in &codes {
        assert!(
            seen.insert(c.explanation()),
            "duplicate explanation for {c:?}"
        );
    }
}

/// The classifications follow the course each code sets.
#[test]
fn classifications_follow_the_course() {
    assert!(Code::Outage.is_outage() && Code::DnsErr.is_outage() && !Code::Badauth.is_outage());
    assert!(Code::NoLine.is_unreadable() && Code::Http(404).is_unreadable());
    assert!(!Code::Http(401).is_unreadable() && !Code::Good.is_unreadable());
    assert!(Decision::StopHost.is_fatal() && !Decision::BackOff(OUTAGE_HOLD).is_fatal());
    assert!(Code::Badauth.is_request_wide() && !Code::NoHost.is_request_wide());
    assert!(Code::RateLimited(Duration::from_secs(5)).is_asked_wait());
}

/// Every code's name reads back as the same code (its data empty where it is text), in
/// the state file too; a name this version does not know still reads, as unknown.
#[test]
fn every_name_reads_back() {
    for c in every_code() {
        let back = Code::from_name(&c.name()).unwrap_or_else(|| panic!("{c:?}"));
        assert_eq!(back.name(), c.name());
        assert_eq!(back.course(), c.course(), "{c:?}");
        let json = serde_json::to_string(&c).expect("json");
        assert_eq!(json, format!("\"{}\"", c.name()));
        let read: Code = serde_json::from_str(&json).expect("read");
        assert_eq!(read.name(), c.name());
    }
    assert_eq!(
        Code::from_name("w5m"),
        Some(Code::Wait(Duration::from_secs(300)))
    );
    let future: Code = serde_json::from_str("\"a-code-of-tomorrow\"").expect("read");
    assert_eq!(future, Code::Unknown(String::new()));
}

/// A reply rule may mean what a provider says (a wait included), never what dynward
/// infers or a conflict (whose record type is the reply's own).
#[test]
fn rules_mean_what_providers_say() {
    for c in every_code() {
        let said = matches!(c.row().said, Said::Word | Said::RequestWord)
            && !matches!(c, Code::Conflict(_));
        assert_eq!(Code::for_rule(&c.name()).is_some(), said, "{c:?}");
    }
    for bad in [
        "unknown",
        "mismatch",
        "noline",
        "http 404",
        "ratelimit 60s",
        "fine",
        "",
    ] {
        assert_eq!(Code::for_rule(bad), None, "{bad}");
    }
    assert_eq!(
        Code::for_rule("w5m"),
        Some(Code::Wait(Duration::from_secs(300)))
    );
    assert_eq!(Code::for_rule("fatal"), Some(Code::Fatal));
}

/// The course's words (the README's and the man page's decision column) say what
/// `decide` does, over the histories that change it.
#[test]
fn course_words_say_what_decide_does() {
    let fresh = History::default();
    let q = Quirks::default();
    let at = |c: &Code, f: fn(&mut History)| {
        let mut h = History::default();
        f(&mut h);
        c.decide(&h, q)
    };
    for c in every_code() {
        let words = c.course().words();
        let d = c.decide(&fresh, q);
        match c.course() {
            Course::Success => assert_eq!((d, words.as_str()), (Decision::Continue, "continue")),
            Course::Unchanged => {
                assert_eq!(d, Decision::Continue);
                assert!(words.contains("a second unexpected"), "{words}");
                assert_eq!(
                    at(&c, |h| h.nochg_streak = NOCHG_LIMIT - 1),
                    Decision::StopHost
                );
                assert_eq!(
                    at(&c, |h| h.nochg_streak = NOCHG_LIMIT - 2),
                    Decision::Continue
                );
            }
            Course::Stop(_) => assert_eq!(words, d.to_string(), "{c:?}"),
            Course::Abuse => {
                assert!(words.starts_with(&d.to_string()), "{words}");
                let noip = Quirks {
                    abuse_is_account: true,
                    ..q
                };
                assert_eq!(c.decide(&fresh, noip), Decision::StopAccount);
                assert!(words.contains("account for No-IP"));
            }
            Course::ProviderError => {
                assert_eq!(words, "hold 30 minutes, 60 on repeat");
                assert_eq!(d, Decision::BackOff(OUTAGE_HOLD));
                assert_eq!(
                    at(&c, |h| h.outage_streak = 1),
                    Decision::BackOff(OUTAGE_HOLD_REPEAT)
                );
                assert_eq!(OUTAGE_HOLD.as_secs(), 30 * 60);
                assert_eq!(OUTAGE_HOLD_REPEAT.as_secs(), 60 * 60);
            }
            Course::Wait(w) => {
                assert_eq!(words, "hold for that time");
                assert_eq!(d, Decision::BackOff(w));
            }
            Course::Unreadable(hold) => {
                // A DNS success that does not verify holds a minute; anything else half an hour.
                let (want, text) = if c == Code::Dns(0, 0) {
                    (
                        UNVERIFIED_HOLD,
                        "hold 1 minute; the third in a row stops the host",
                    )
                } else {
                    (
                        UNREADABLE_HOLD,
                        "hold 30 minutes; the third in a row stops the host",
                    )
                };
                assert_eq!(hold, want, "{c:?}");
                assert_eq!(words, text);
                assert_eq!(d, Decision::BackOff(want));
                assert_eq!(at(&c, |h| h.unknown_streak = 1), Decision::BackOff(want));
                assert_eq!(at(&c, |h| h.unknown_streak = 2), Decision::StopHost);
            }
        }
    }
}

/// Whom a decision binds: account stops the account; client stops and the provider's own
/// holds the server; everything else the host.
#[test]
fn a_decision_binds_the_host_the_account_or_the_server() {
    let q = Quirks::default();
    for c in every_code() {
        let d = c.decide(&History::default(), q);
        let want = match (c.course(), d) {
            (_, Decision::StopAccount) => Scope::Account,
            (_, Decision::StopClient) | (Course::ProviderError | Course::Wait(_), _) => {
                Scope::Server
            }
            _ => Scope::Host,
        };
        assert_eq!(c.scope(d, q), want, "{c:?}");
    }
}

/// A DNS server's answers (reference section 4.2): a key refused stops every policy with
/// it, a clock refused waits a minute, SERVFAIL holds the server, a name refused stops the
/// host; each is named as the server said it and read back from its name.
#[test]
fn dns_answers_lead_to_the_reference_decisions() {
    let h = History::default();
    let q = Quirks::default();
    for (code, name, decision) in [
        (Code::Dns(9, 16), "dns BADSIG", Decision::StopAccount),
        (Code::Dns(9, 17), "dns BADKEY", Decision::StopAccount),
        (Code::Dns(9, 22), "dns tsig 22", Decision::StopAccount),
        (
            Code::Dns(9, 18),
            "dns BADTIME",
            Decision::BackOff(BADTIME_HOLD),
        ),
        (
            Code::Dns(2, 0),
            "dns SERVFAIL",
            Decision::BackOff(OUTAGE_HOLD),
        ),
        (Code::Dns(5, 0), "dns REFUSED", Decision::StopHost),
        (Code::Dns(9, 0), "dns NOTAUTH", Decision::StopHost),
        (Code::Dns(10, 0), "dns NOTZONE", Decision::StopHost),
        (Code::Dns(4, 0), "dns NOTIMP", Decision::StopHost),
        (Code::Dns(11, 0), "dns rcode 11", Decision::StopHost),
    ] {
        assert_eq!(code.name(), name);
        assert_eq!(Code::from_name(name), Some(code.clone()), "{name}");
        assert_eq!(code.decide(&h, q), decision, "{name}");
    }
    let a = Code::Dns(5, 0).user_action(
        Decision::StopHost,
        Who::named("lab"),
        Some("h.example.test"),
    );
    assert!(
        a.contains("update-policy") && a.contains("`dynward reset lab --host h.example.test`"),
        "{a}"
    );
    let a = Code::Dns(9, 18).user_action(Decision::BackOff(BADTIME_HOLD), Who::named("lab"), None);
    assert!(a.contains("clock"), "{a}");
}
