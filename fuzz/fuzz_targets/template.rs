//! Any template, hosts and password: building requests never panics, and the URL shown does not
//! depend on the password (its slot is masked, the rest is shown as sent).
#![no_main]
use dynward::addr::AddrSet;
use dynward::protocol::dyndns2::{Dialect, Endpoint, build_requests};
use dynward::secret::Secret;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let tpl = parts.next().unwrap_or("").to_string();
    let pw = parts.next().unwrap_or("").to_string();
    let hosts: Vec<String> = parts.next().unwrap_or("").split(',').map(String::from).collect();
    let password = Secret::new(pw.clone());
    let other = Secret::new(format!("{pw}-other"));
    let addrs = AddrSet { v4: Some("203.0.113.5".parse().unwrap()), v6: Some("2001:db8::5".parse().unwrap()) };
    let ep = Endpoint::Template(tpl);
    let reqs = build_requests(&ep, &Dialect::default(), "user", &password, &hosts, addrs);
    let others = build_requests(&ep, &Dialect::default(), "user", &other, &hosts, addrs);
    assert_eq!(reqs.len(), others.len());
    for (r, o) in reqs.iter().zip(&others) {
        assert_eq!(r.display_url(), o.display_url(), "the shown URL depends on the password");
    }
});
