//! Any template, hosts and password: building requests never panics, and the masked URL never
//! holds the password.
#![no_main]
use dynward::protocol::dyndns2::Endpoint;
use dynward::protocol::dyndns2::{AddrSet, build_requests};
use dynward::provider::Dialect;
use dynward::secret::Secret;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let tpl = parts.next().unwrap_or("").to_string();
    let pw = parts.next().unwrap_or("").to_string();
    let hosts: Vec<String> = parts.next().unwrap_or("").split(',').map(String::from).collect();
    let password = Secret::new(pw.clone());
    let addrs = AddrSet { v4: Some("203.0.113.5".parse().unwrap()), v6: Some("2001:db8::5".parse().unwrap()) };
    let reqs = build_requests(&Endpoint::Template(tpl), &Dialect::default(), "user", &password, &hosts, addrs);
    for r in reqs {
        let shown = r.display_url(&password);
        // A password of '*' alone cannot be told from the mask or from '*' in the template.
        if pw.len() >= 4 && !pw.chars().all(|c| c == '*') {
            assert!(!shown.contains(pw.as_str()), "password visible in {shown}");
        }
    }
});
