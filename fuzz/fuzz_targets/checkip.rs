//! Any page: the check-IP parser returns an address or none, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = dynward::watch::web::parse_page(&String::from_utf8_lossy(data));
});
