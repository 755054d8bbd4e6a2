//! Any datagram: the rtnetlink parser returns messages or an error, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = dynward::watch::rtnl::parse(data);
});
