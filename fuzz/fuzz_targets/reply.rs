//! Any status, body and Retry-After, through every dialect (each preset's, the generic
//! dyndns2 one, and template rules): one result per host, never a panic, and a 429 always
//! holds for at most a day.
#![no_main]
use dynward::addr::AddrSet;
use dynward::protocol::Response;
use dynward::protocol::code::{Code, MAX_RETRY_AFTER};
use dynward::protocol::dyndns2::{Dialect, Rule, read_response};
use dynward::provider::ALL;
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
    let resp = Response { status, body: body.clone(), truncated: false, retry_after };
    // Template rules made of the body's own words, so that they sometimes match.
    let word: String = body.split_whitespace().next().unwrap_or("").chars().take(16).collect();
    let rules = Dialect {
        rules: vec![Rule::words(&word, Code::Good), Rule::status(status, Code::NoHost)],
        ..Dialect::default()
    };
    let dialects = ALL.iter().map(|(_, p)| p.dialect()).chain([Dialect::default(), rules]);
    for dialect in dialects {
        let r = read_response(&resp, &hosts, &sent, &dialect);
        assert_eq!(r.results.len(), hosts.len());
        for x in &r.results {
            let _ = x.code.explanation();
            if let Code::RateLimited(d) = x.code {
                assert!(d <= MAX_RETRY_AFTER && d >= Duration::from_secs(1));
            }
        }
    }
});
