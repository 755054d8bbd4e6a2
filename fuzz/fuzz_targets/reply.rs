//! Any status and body: parse_reply yields one result per host and never panics.
#![no_main]
use dynward::protocol::dyndns2::{AddrSet, parse_reply};
use dynward::provider::Dialect;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]) % 600;
    let nhosts = usize::from(data[2] % 25) + 1;
    let body = String::from_utf8_lossy(&data[3..]);
    let hosts: Vec<String> = (0..nhosts).map(|i| format!("h{i}.example.org")).collect();
    let sent = AddrSet { v4: Some("203.0.113.5".parse().unwrap()), v6: Some("2001:db8::5".parse().unwrap()) };
    for dialect in [Dialect::default(), dynward::provider::Provider::SelfHost.dialect()] {
        let r = parse_reply(status, &body, &hosts, &sent, &dialect);
        assert_eq!(r.results.len(), hosts.len());
        for x in &r.results {
            let _ = x.code.explanation();
        }
    }
});
