//! DNS messages against bytes BIND's own tools wrote and accepted: an UPDATE BIND 9.18
//! applied (`dig` then served its A and AAAA), its signed reply, a BADSIG and a REFUSED reply,
//! a query's answer with compression, and an `nsupdate` request signed with the same key.

use std::net::IpAddr;

use super::message::{self, read_reply};
use super::tsig::{self, Algorithm, Key, Unverified};
use super::wire::{Name, ReadError, Reader, rtype};
use crate::addr::AddrSet;

fn name(s: &str) -> Name {
    Name::parse(s).expect("name")
}

/// The key BIND had: `key "ddns-key" { algorithm hmac-sha256; secret "…"; }`.
fn key() -> Key {
    let secret = tsig::base64("c2VjcmV0LWtleS1mb3ItZHlud2FyZC10ZXN0cw==").expect("base64");
    Key::new(name("ddns-key"), Algorithm::Sha256, &secret)
}

fn hex(parts: &[&str]) -> Vec<u8> {
    let s: String = parts.concat();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn both() -> AddrSet {
    AddrSet {
        v4: Some("192.0.2.7".parse().expect("v4")),
        v6: Some("2001:db8::7".parse().expect("v6")),
    }
}

/// When the messages below were signed.
const SIGNED: u64 = 1796515924;
/// When the second set was.
const SIGNED2: u64 = 1796515939;

fn applied_request() -> Vec<u8> {
    hex(&[
        "123428000001000000040001076578616d706c65047465737400000600010468",
        "6f6d65076578616d706c65047465737400000100ff00000000000004686f6d65",
        "076578616d706c65047465737400000100010000012c0004c000020704686f6d",
        "65076578616d706c65047465737400001c00ff00000000000004686f6d650765",
        "78616d706c65047465737400001c00010000012c001020010db8000000000000",
        "0000000000070864646e732d6b65790000fa00ff00000000003d0b686d61632d",
        "7368613235360000006b14a854012c0020f14b365125835e01cbb0b1b8d368dc",
        "0b71b8740a4a842e0fdb09551a4e05fcf8123400000000",
    ])
}

fn applied_reply() -> Vec<u8> {
    hex(&[
        "1234a8000001000000000001076578616d706c65047465737400000600010864",
        "646e732d6b65790000fa00ff00000000003d0b686d61632d7368613235360000",
        "006b14a854012c00207ffb149901ff6de1dd2d1d71053eda49c7cb1c2411f0ad",
        "c34eb56933faeb126c123400000000",
    ])
}

/// One UPDATE for both families (delete each RRset, add the address), signed: the exact
/// bytes BIND 9.18 applied, and the MAC its reply covers.
#[test]
fn an_update_is_the_bytes_bind_applied() {
    let mut m = message::update(
        0x1234,
        &name("example.test."),
        &name("Home.Example.Test"),
        300,
        both(),
    );
    let mac = tsig::sign(&mut m, &key(), SIGNED);
    assert_eq!(m, applied_request());
    assert_eq!(mac.len(), 32);
    assert_eq!(&m[m.len() - 6 - 32..m.len() - 6], mac.as_slice());
}

/// `nsupdate -y hmac-sha256:ddns-key:…` signed its request (names compressed) with the same
/// variables: signing its unsigned part again gives its bytes exactly.
#[test]
fn an_nsupdate_request_signs_to_the_same_bytes() {
    let theirs = hex(&[
        "028c28000001000000020001076578616d706c65047465737400000600010468",
        "6f6d65c00c000100ff000000000000c01e000100010000012c0004c000020708",
        "64646e732d6b65790000fa00ff00000000003d0b686d61632d73686132353600",
        "00006b14a830012c00208e0c896184a1f6bb355e7db1936278ff375269e85652",
        "17833a088938f5c97688028c00000000",
    ]);
    // Its TSIG record starts at 0x3f; without it the additional count is 0.
    let mut unsigned = theirs[..0x3f].to_vec();
    unsigned[11] = 0;
    let time = u64::from_be_bytes([
        0,
        0,
        theirs[0x60],
        theirs[0x61],
        theirs[0x62],
        theirs[0x63],
        theirs[0x64],
        theirs[0x65],
    ]);
    tsig::sign(&mut unsigned, &key(), time);
    assert_eq!(unsigned, theirs);
}

/// BIND's signed NOERROR reply verifies against the request's MAC; a reply altered by one
/// byte, another request's MAC, another key, or a clock off by more than the fudge does not.
#[test]
fn a_signed_reply_verifies_and_nothing_else_does() {
    let mut req = message::update(
        0x1234,
        &name("example.test"),
        &name("home.example.test"),
        300,
        both(),
    );
    let mac = tsig::sign(&mut req, &key(), SIGNED);
    let reply = applied_reply();
    let r = read_reply(&reply, 0x1234, true).expect("a reply");
    assert_eq!(r.rcode(), 0);
    let sig = r.signature.expect("signed");
    assert_eq!(sig.fields.error, 0);
    assert_eq!(tsig::verify(&reply, &sig, &key(), &mac, SIGNED), Ok(()));
    assert_eq!(
        tsig::verify(&reply, &sig, &key(), &mac, SIGNED + 301),
        Err(Unverified::Time)
    );
    let mut other_mac = mac.clone();
    other_mac[0] ^= 1;
    assert_eq!(
        tsig::verify(&reply, &sig, &key(), &other_mac, SIGNED),
        Err(Unverified::BadMac)
    );
    let mut altered = reply.clone();
    altered[3] ^= 0x01;
    let sig2 = read_reply(&altered, 0x1234, true)
        .expect("still a reply")
        .signature
        .expect("signed");
    assert_eq!(
        tsig::verify(&altered, &sig2, &key(), &mac, SIGNED),
        Err(Unverified::BadMac)
    );
    let other = Key::new(name("ddns-key"), Algorithm::Sha256, b"another secret");
    assert_eq!(
        tsig::verify(&reply, &sig, &other, &mac, SIGNED),
        Err(Unverified::BadMac)
    );
    let sha512 = Key::new(name("ddns-key"), Algorithm::Sha512, b"x");
    assert_eq!(
        tsig::verify(&reply, &sig, &sha512, &mac, SIGNED),
        Err(Unverified::OtherKey)
    );
    assert_eq!(
        read_reply(&reply, 0x1235, true),
        Err(ReadError::Foreign),
        "another ID is no reply to this request"
    );
    assert_eq!(
        read_reply(&req, 0x1234, true),
        Err(ReadError::Foreign),
        "a request is no reply"
    );
}

/// A wrong secret: NOTAUTH with TSIG error BADSIG and an empty MAC, which is read, not
/// believed. A name the key may not update: REFUSED, signed.
#[test]
fn badsig_and_refused_replies_are_read() {
    let badsig = hex(&[
        "2345a8090001000000000001076578616d706c65047465737400000600010864",
        "646e732d6b65790000fa00ff00000000001d0b686d61632d7368613235360000",
        "006b14a863012c0000234500100000",
    ]);
    let r = read_reply(&badsig, 0x2345, true).expect("a reply");
    assert_eq!(r.rcode(), 9, "NOTAUTH");
    let sig = r.signature.expect("a signature record");
    assert_eq!(sig.fields.error, 16, "BADSIG");
    assert!(sig.mac.is_empty());
    assert_eq!(
        tsig::verify(&badsig, &sig, &key(), &[0; 32], SIGNED2),
        Err(Unverified::Unsigned)
    );
    let refused = hex(&[
        "3456a8050001000000000001076578616d706c65047465737400000600010864",
        "646e732d6b65790000fa00ff00000000003d0b686d61632d7368613235360000",
        "006b14a863012c0020d451ca392b3c3768522ad681054c567a34fb574b4eeca0",
        "96f9d3a408a45eb792345600000000",
    ]);
    let mac = hex(&["58131166e2a269a6f5b842b3a571da48e0daea4e1309537a91dd07ddbd43a995"]);
    let r = read_reply(&refused, 0x3456, true).expect("a reply");
    assert_eq!(r.rcode(), 5, "REFUSED");
    let sig = r.signature.expect("signed");
    assert_eq!(tsig::verify(&refused, &sig, &key(), &mac, SIGNED2), Ok(()));
}

/// A query and BIND's answer, whose names are compressed: the address, the zone's server.
#[test]
fn a_query_and_its_compressed_answer() {
    assert_eq!(
        message::query(0x4567, &name("home.example.test"), rtype::A, false),
        hex(&["45670000000100000000000004686f6d65076578616d706c6504746573740000010001"])
    );
    let answer = hex(&[
        "45678400000100010001000104686f6d65076578616d706c6504746573740000",
        "010001c00c000100010000012c0004c0000207c011000200010000012c000603",
        "6e7331c011c03f000100010000012c00047f000001",
    ]);
    let r = read_reply(&answer, 0x4567, false).expect("a reply");
    assert_eq!(r.addrs, vec!["192.0.2.7".parse::<IpAddr>().expect("ip")]);
    assert_eq!(r.servers, vec![name("ns1.example.test")]);
    assert!(r.signature.is_none());
}

/// Names: a pointer forward, a pointer to itself and a chain of pointers past the limit are
/// refused; every truncation of a real reply is an error, never a panic.
#[test]
fn malformed_names_and_truncations_are_errors() {
    // Header, then a name that points at itself (offset 12).
    let mut m = vec![0u8; 12];
    m.extend_from_slice(&[0xC0, 12]);
    assert_eq!(Reader::new(&m).at(12).name(), Err(ReadError::BadName));
    let mut m = vec![0u8; 12];
    m.extend_from_slice(&[0xC0, 40]);
    assert_eq!(Reader::new(&m).at(12).name(), Err(ReadError::BadName));
    // A label type that is neither length nor pointer.
    assert_eq!(Reader::new(&[0x40, 0]).name(), Err(ReadError::BadName));
    let reply = applied_reply();
    for n in 0..reply.len() {
        assert!(read_reply(&reply[..n], 0x1234, true).is_err(), "{n} bytes");
    }
}

/// Names are read and written without case; bad ones are refused; zones contain hosts.
#[test]
fn names_parse_compare_and_nest() {
    assert_eq!(name("Home.Example.ORG.").to_string(), "home.example.org.");
    assert!(Name::parse("a..b").is_err());
    assert!(Name::parse(&"x".repeat(64)).is_err());
    assert!(Name::parse(&vec!["abcdefgh"; 30].join(".")).is_err());
    assert!(name("home.example.org").is_in(&name("example.org")));
    assert!(!name("home.example.org").is_in(&name("ample.org")));
    assert_eq!(name("home.example.org").parent(), Some(name("example.org")));
}

/// Secrets as `tsig-keygen` prints them; the algorithms by their BIND names.
#[test]
fn secrets_and_algorithms_read() {
    assert_eq!(tsig::base64("aGVsbG8="), Some(b"hello".to_vec()));
    assert_eq!(tsig::base64("aGVs bG8"), Some(b"hello".to_vec()));
    assert_eq!(tsig::base64("not*base64"), None);
    assert_eq!(Algorithm::parse("HMAC-SHA512."), Some(Algorithm::Sha512));
    assert_eq!(Algorithm::parse("hmac-md5"), None);
    for (n, a) in Algorithm::ALL {
        assert_eq!(a.name(), n);
    }
    assert_eq!(Algorithm::Sha1.mac_len(), 20);
}

mod exchange {
    use super::*;
    use crate::protocol::code::{Code, Decision, History, Quirks};
    use crate::protocol::dns::exchange::{Account, DnsMessage, DnsReply, Exchange};
    use crate::protocol::dns::wire::{Header, Writer, class};
    use crate::protocol::{Exchange as _, Next, Target, Update};
    use std::time::Duration;

    /// A seed whose first message ID is `id` (so that BIND's recorded replies fit).
    fn seed_for(id: u16) -> u64 {
        (0u64..)
            .find(|s| {
                let mut z = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                (z ^ (z >> 31)) as u16 == id
            })
            .expect("a seed")
    }

    fn update(hosts: &[&str]) -> Update {
        Update {
            targets: hosts
                .iter()
                .map(|h| Target {
                    host: (*h).into(),
                    addrs: both(),
                    nochg_expected: false,
                })
                .collect(),
            zones: Default::default(),
        }
    }

    fn account(zone: Option<&str>) -> Account {
        Account {
            zone: zone.map(name),
            key: key(),
            ttl: 300,
        }
    }

    fn send(x: &mut Exchange) -> DnsMessage {
        match x.next() {
            Next::Send(m) => m,
            other => panic!("expected a message: {other:?}"),
        }
    }

    fn answer(x: &mut Exchange, reply: Vec<u8>, now: u64) -> (Code, bool) {
        x.take(DnsReply { bytes: reply, now });
        match x.next() {
            Next::Answers { answers, last } => (answers.answers[0].code.clone(), last),
            other => panic!("expected answers: {other:?}"),
        }
    }

    /// With the zone set: one signed UPDATE per host, the bytes BIND applied; its signed
    /// NOERROR is `good` with both families confirmed.
    #[test]
    fn an_update_bind_applied_is_good() {
        let mut x = Exchange::new(
            account(Some("example.test")),
            &update(&["home.example.test"]),
            SIGNED,
            seed_for(0x1234),
        );
        let m = send(&mut x);
        assert!(m.update);
        assert_eq!(m.bytes, applied_request());
        assert!(m.shown.contains("UPDATE home.example.test. in zone example.test.: replace A 192.0.2.7 and AAAA 2001:db8::7 (TTL 300), signed with key ddns-key. (hmac-sha256)"), "{}", m.shown);
        assert_eq!(x.pending().hosts, vec!["home.example.test".to_string()]);
        x.take(DnsReply {
            bytes: applied_reply(),
            now: SIGNED,
        });
        let Next::Answers { answers, last } = x.next() else {
            panic!("answers")
        };
        assert!(last);
        assert_eq!(answers.answers[0].code, Code::Good);
        assert_eq!(answers.answers[0].confirmed, both());
        assert!(matches!(x.next(), Next::Done));
    }

    /// Each reply's meaning: a wrong secret stops the account; an unsigned or altered
    /// success, or a reply to another message, is not believed; REFUSED stops the host.
    #[test]
    fn each_reply_leads_to_its_decision() {
        let h = History::default();
        let q = Quirks::default();
        let run = |id: u16, reply: Vec<u8>, now: u64| {
            let mut x = Exchange::new(
                account(Some("example.test")),
                &update(&["home.example.test"]),
                now,
                seed_for(id),
            );
            send(&mut x);
            answer(&mut x, reply, now).0
        };
        let badsig = hex(&[include_str!("vectors/badsig.hex")]);
        let c = run(0x2345, badsig, SIGNED2);
        assert_eq!(
            (c.clone(), c.decide(&h, q)),
            (Code::Dns(9, 16), Decision::StopAccount)
        );
        // The success without its signature (the TSIG record cut, the count lowered).
        let mut unsigned = applied_reply();
        let cut = read_reply(&unsigned, 0x1234, true)
            .expect("reply")
            .signature
            .expect("signed")
            .start;
        unsigned.truncate(cut);
        unsigned[11] = 0;
        // Not believed: held a minute, and the third in a row stops the host (reference 4.2).
        let c = run(0x1234, unsigned, SIGNED);
        assert_eq!(c, Code::Dns(0, 0));
        assert_eq!(c.decide(&h, q), Decision::BackOff(Duration::from_secs(60)));
        let third = History {
            unknown_streak: 2,
            ..History::default()
        };
        assert_eq!(c.decide(&third, q), Decision::StopHost);
        let mut altered = applied_reply();
        altered[14] ^= 0x20;
        assert_eq!(run(0x1234, altered, SIGNED), Code::Dns(0, 0));
        assert!(
            matches!(run(0x1235, applied_reply(), SIGNED), Code::Unreadable(_)),
            "another ID"
        );
        // A clock off by more than the fudge: the success is not believed either.
        assert_eq!(run(0x1234, applied_reply(), SIGNED + 400), Code::Dns(0, 0));
    }

    /// Without a zone, an SOA query finds it (the SOA in the authority section); the next
    /// host of that zone goes straight to its UPDATE. No zone named: NOTAUTH, with a note.
    #[test]
    fn the_zone_is_found_once() {
        let mut x = Exchange::new(
            account(None),
            &update(&["a.example.test", "b.example.test"]),
            SIGNED,
            7,
        );
        let q = send(&mut x);
        assert!(
            !q.update && q.shown.starts_with("SOA query for a.example.test."),
            "{}",
            q.shown
        );
        x.take(DnsReply {
            bytes: soa_reply(q.id, "example.test"),
            now: SIGNED,
        });
        let m = send(&mut x);
        assert!(
            m.update && m.shown.contains("in zone example.test."),
            "{}",
            m.shown
        );
        let mut r = Reader::new(&m.bytes);
        Header::read(&mut r).expect("header");
        assert_eq!(r.question().expect("zone").0, name("example.test"));
        x.take(DnsReply {
            bytes: vec![],
            now: SIGNED,
        });
        assert!(matches!(x.next(), Next::Answers { last: false, .. }));
        let m = send(&mut x);
        assert!(m.update, "b needs no query");

        let mut x = Exchange::new(account(None), &update(&["a.example.test"]), SIGNED, 7);
        let q = send(&mut x);
        x.take(DnsReply {
            bytes: soa_reply(q.id, "other.test"),
            now: SIGNED,
        });
        let Next::Answers { answers, last } = x.next() else {
            panic!("answers")
        };
        assert!(last);
        assert_eq!(answers.answers[0].code, Code::Dns(9, 0));
        assert!(answers.notes[0].contains("set zone"), "{:?}", answers.notes);
    }

    /// `keep` drops hosts an earlier answer stopped; the preview signs nothing it sends.
    #[test]
    fn keep_and_preview() {
        let mut x = Exchange::new(
            account(Some("example.test")),
            &update(&["a.example.test", "b.example.test"]),
            SIGNED,
            7,
        );
        assert_eq!(x.preview().len(), 2);
        send(&mut x);
        x.keep(&["a.example.test".to_string()]);
        x.take(DnsReply {
            bytes: vec![],
            now: SIGNED,
        });
        assert!(matches!(x.next(), Next::Answers { last: true, .. }));
        assert!(matches!(x.next(), Next::Done));
    }

    /// A host that is no DNS name (which the config refuses) gets `notfqdn` and no message:
    /// never an UPDATE of the root.
    #[test]
    fn a_host_that_is_no_dns_name_gets_no_update() {
        let mut x = Exchange::new(
            account(Some("example.test")),
            &update(&["a..b", "b.example.test"]),
            SIGNED,
            7,
        );
        assert_eq!(x.preview().len(), 1);
        let Next::Answers { answers, last } = x.next() else {
            panic!("an answer, not a message")
        };
        assert!(!last);
        assert_eq!(answers.answers[0].code, Code::NotFqdn);
        assert!(send(&mut x).update, "the next host goes on");
    }

    /// The zone's SOA query answered SERVFAIL (a server still loading): the server's code,
    /// a hold, not "no zone" (which stops the host).
    #[test]
    fn a_failing_soa_query_is_the_servers_failure() {
        let mut x = Exchange::new(account(None), &update(&["a.example.test"]), SIGNED, 7);
        let q = send(&mut x);
        let mut w = Writer::default();
        Header {
            id: q.id,
            flags: 0x8402,
            counts: [1, 0, 0, 0],
        }
        .write(&mut w);
        w.name(&name("a.example.test"));
        w.u16(rtype::SOA);
        w.u16(class::IN);
        let (code, _) = answer(&mut x, w.buf, SIGNED);
        assert_eq!(code, Code::Dns(2, 0));
        assert!(matches!(
            code.decide(&History::default(), Quirks::default()),
            Decision::BackOff(_)
        ));
    }

    /// A reply to an SOA query naming `zone`'s SOA in its authority section.
    fn soa_reply(id: u16, zone: &str) -> Vec<u8> {
        let mut w = Writer::default();
        Header {
            id,
            flags: 0x8400,
            counts: [1, 0, 1, 0],
        }
        .write(&mut w);
        w.name(&name("a.example.test"));
        w.u16(rtype::SOA);
        w.u16(class::IN);
        let mut data = Writer::default();
        data.name(&name(&format!("ns1.{zone}")));
        data.name(&name(&format!("admin.{zone}")));
        for v in [1u32, 3600, 600, 86400, 300] {
            data.u32(v);
        }
        w.name(&name(zone));
        w.u16(rtype::SOA);
        w.u16(class::IN);
        w.u32(300);
        w.u16(data.buf.len() as u16);
        w.bytes(&data.buf);
        w.buf
    }
}

/// A key file as `tsig-keygen` writes it, with comments; what is wrong with others is said.
#[test]
fn bind_key_files_are_read() {
    let text = "# made by tsig-keygen\nkey \"ddns-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"c2VjcmV0LWtleS1mb3ItZHlud2FyZC10ZXN0cw==\";\n};\n";
    let (n, a, s) = tsig::read_key_file(text).expect("a key");
    assert_eq!((n, a), (name("ddns-key"), Algorithm::Sha256));
    assert_eq!(s, b"secret-key-for-dynward-tests");
    for (bad, why) in [
        ("secret \"x\";", "not a BIND key"),
        (
            "key \"k\" { algorithm hmac-md5; secret \"aGVsbG8=\"; };",
            "not hmac-md5",
        ),
        ("key \"k\" { algorithm hmac-sha256; };", "no secret"),
        ("key \"k\" { secret \"aGVsbG8=\"; };", "no algorithm"),
        (
            "key \"k\" { algorithm hmac-sha256; secret \"!!\"; };",
            "not base64",
        ),
        (
            "key \"k\" { algorithm hmac-sha256; secret\"c2VjcmV0\"; };",
            "unknown statement \"secret\"",
        ),
    ] {
        let e = tsig::read_key_file(bad).expect_err(bad);
        assert!(e.contains(why), "{bad}: {e}");
        assert!(!e.contains("c2VjcmV0"), "the secret echoed: {e}");
    }
}
