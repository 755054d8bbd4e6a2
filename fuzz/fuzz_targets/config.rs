//! Any text: the config loader returns a config or located problems, never panics.
#![no_main]
use dynward::config::{Env, Error, from_str};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match from_str(&text, std::path::Path::new("/fuzz/dynward.toml"), &Env { var: &|_| None }) {
        Ok(_) => {}
        Err(Error::Invalid { problems, .. }) => assert!(!problems.is_empty()),
        Err(Error::Read { .. }) => unreachable!("nothing is read"),
    }
});
