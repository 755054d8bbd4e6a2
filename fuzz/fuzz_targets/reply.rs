//! Any status, body and Retry-After, through every dialect (each preset's, the generic
//! dyndns2 one, and template rules): one result per host, never a panic, and a 429 always
//! holds for at most a day. The same replies through the dyndns2 exchange: one answer per
//! host of the request it answers, never confirming an address that was not sent.
#![no_main]
use dynward::addr::AddrSet;
use dynward::protocol::code::{Code, MAX_RETRY_AFTER};
use dynward::protocol::dyndns2::{Account, Dialect, Endpoint, Exchange, Rule, read_response};
use dynward::protocol::http::HttpReply;
use dynward::protocol::{Exchange as _, Next, Target, Update};
use dynward::provider::ALL;
use dynward::secret::Secret;
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]) % 600;
    let nhosts = usize::from(data[2] % 25) + 1;
    let retry_after = (data[3] % 2 == 1).then(|| Duration::from_secs(u64::from(data[4]) << 20));
    let body = String::from_utf8_lossy(&data[5..]).into_owned();
    let hosts: Vec<String> = (0..nhosts).map(|i| format!("h{i}.example.org")).collect();
    let sent = AddrSet { v4: Some("203.0.113.5".parse().unwrap()), v6: Some("2001:db8::5".parse().unwrap()) };
    let resp = HttpReply { status, body: body.clone(), truncated: data[4] % 3 == 0, retry_after };
    // Template rules made of the body's own words, so that they sometimes match.
    let word: String = body.split_whitespace().next().unwrap_or("").chars().take(16).collect();
    let rules = Dialect {
        rules: vec![Rule::words(&word, Code::Good), Rule::status(status, Code::NoHost)],
        ..Dialect::default()
    };
    let dialects = ALL.iter().map(|(_, p)| p.dialect()).chain([Dialect::default(), rules]);
    // One dialect's exchange per input (chosen by the input): all of them would make each run
    // so heavy that the sanitizer's quarantine of freed memory outgrows the RSS limit.
    let pick = usize::from(data[2]) % (ALL.len() + 2);
    for (i, dialect) in dialects.enumerate() {
        let r = read_response(&resp, &hosts, &sent, &dialect);
        assert_eq!(r.results.len(), hosts.len());
        for x in &r.results {
            let _ = x.code.explanation();
            if let Code::RateLimited(d) = x.code {
                assert!(d <= MAX_RETRY_AFTER && d >= Duration::from_secs(1));
            }
        }
        if i == pick {
            exchange(dialect, &hosts, sent, &resp);
        }
    }
});

/// The update of `hosts` through the exchange, every request answered with `resp`.
fn exchange(dialect: Dialect, hosts: &[String], sent: AddrSet, resp: &HttpReply) {
    let account = Account {
        endpoint: Endpoint::Server(url::Url::parse("https://u.example/nic/update").unwrap()),
        dialect,
        username: "user".into(),
        password: Secret::new("pw"),
    };
    let update = Update {
        targets: hosts
            .iter()
            .enumerate()
            .map(|(i, h)| Target { host: h.clone(), addrs: sent, nochg_expected: i % 2 == 0 })
            .collect(),
        ..Update::default()
    };
    let mut ex = Exchange::new(account, &update);
    // Each request is sent, then answered; then the exchange ends.
    let requests = ex.preview().len();
    for i in 0..requests {
        let Next::Send(_) = ex.next() else { panic!("fewer requests than previewed") };
        ex.take(resp.clone());
        let Next::Answers { answers, last } = ex.next() else { panic!("a reply without answers") };
        assert_eq!(last, i + 1 == requests);
        let pending = ex.pending();
        assert_eq!(answers.answers.len(), pending.hosts.len());
        for a in &answers.answers {
            assert!(pending.hosts.contains(&a.host));
            for ip in [a.confirmed.v4.map(Into::into), a.confirmed.v6.map(Into::into)]
                .into_iter()
                .flatten()
            {
                assert!(a.sent.contains(ip), "confirmed {ip} was not sent");
            }
        }
    }
    assert!(matches!(ex.next(), Next::Done), "more requests than previewed");
}
