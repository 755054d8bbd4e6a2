//! Any bytes as a DNS reply: read as an update's or a query's reply, its signature checked
//! against a key when it has one, and as a zone's server's or a resolver's reply to the
//! check of a host; an error or a value, never a panic or a hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

use dynward::protocol::dns::{message, served, tsig, wire::Name};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let id = u16::from_be_bytes([data[0], data[1]]);
    let key = tsig::Key::new(
        Name::parse("ddns-key").expect("a name"),
        tsig::Algorithm::Sha256,
        b"fuzz",
    );
    for update in [true, false] {
        if let Ok(r) = message::read_reply(data, id, update)
            && let Some(sig) = &r.signature
        {
            let _ = tsig::verify(data, sig, &key, &[0; 32], sig.fields.time);
        }
    }
    let host = Name::parse("home.example.org").expect("a name");
    let _ = served::read_seen(data, id);
    let _ = served::read_zone(data, id, &host);
    let _ = served::read_servers(data, id);
});
