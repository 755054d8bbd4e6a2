//! Any sequence of replies (status, Retry-After, body) to each API provider's exchange: it
//! ends within a bounded number of requests, gives one answer per host and family, never
//! confirms an address it did not send, and never panics.
#![no_main]
use std::collections::BTreeMap;
use std::time::Duration;

use dynward::addr::AddrSet;
use dynward::protocol::api::{Account, Api, Exchange};
use dynward::protocol::http::HttpReply;
use dynward::protocol::{Exchange as _, Next, Target, Update};
use dynward::secret::Secret;
use libfuzzer_sys::fuzz_target;

const APIS: [Api; 6] = [Api::Cloudflare, Api::Porkbun, Api::Hetzner, Api::Digitalocean, Api::Gandi, Api::Ionos];

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let api = APIS[usize::from(data[0]) % APIS.len()];
    let flags = data[1];
    // Replies separated by 0xFF: two bytes of status, one of Retry-After, then the body.
    let mut replies = data[2..].split(|b| *b == 0xFF).map(|chunk| {
        let status = chunk.first().map_or(200, |b| [200, 201, 400, 401, 403, 404, 409, 422, 423, 429, 500, 503][usize::from(*b) % 12]);
        let retry_after = chunk.get(1).filter(|b| *b % 2 == 1).map(|b| Duration::from_secs(u64::from(*b)));
        let body = String::from_utf8_lossy(chunk.get(2..).unwrap_or_default()).into_owned();
        HttpReply { status, body, truncated: false, retry_after }
    });
    let sent = AddrSet {
        v4: Some("203.0.113.5".parse().unwrap()),
        v6: (flags & 1 == 1).then(|| "2001:db8::5".parse().unwrap()),
    };
    let update = Update {
        targets: ["example.org", "a.b.example.org"]
            .iter()
            .map(|h| Target { host: h.to_string(), addrs: sent, nochg_expected: false })
            .collect(),
        ..Update::default()
    };
    let mut zones = BTreeMap::new();
    if flags & 2 == 2 {
        zones.insert("example.org".to_string(), "z1".to_string());
    }
    let account = Account {
        api,
        base: url::Url::parse("https://api.example/v1").unwrap(),
        key: "pk".into(),
        token: Secret::new("tok"),
        zone: (flags & 4 == 4).then(|| "example.org".to_string()),
        zone_id: (flags & 8 == 8).then(|| "zid".to_string()),
        ttl: None,
        proxied: flags & 16 == 16,
        apikey_scheme: flags & 32 == 32,
    };
    let mut ex = Exchange::new(account, &update, zones);
    let jobs = if sent.v6.is_some() { 4 } else { 2 };
    let mut answered = 0;
    for _ in 0..(jobs * 12) {
        match ex.next() {
            Next::Send(_) => ex.take(replies.next().unwrap_or(HttpReply { status: 200, body: String::new(), truncated: false, retry_after: None })),
            Next::Answers { answers, .. } => {
                for a in &answers.answers {
                    answered += 1;
                    let _ = a.code.explanation();
                    for ip in [a.confirmed.v4.map(Into::into), a.confirmed.v6.map(Into::into)].into_iter().flatten() {
                        assert!(a.sent.contains(ip), "confirmed {ip} was not sent");
                    }
                }
            }
            Next::Done => {
                assert_eq!(answered, jobs, "an answer per host and family");
                return;
            }
        }
    }
    panic!("the exchange did not end");
});
