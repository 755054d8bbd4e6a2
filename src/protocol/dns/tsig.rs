//! Transaction signatures (RFC 8945) on ring's HMAC: signing a request, checking a reply.
//! Pure: the time comes in as an argument.

use ring::hmac;

use super::wire::{Header, Name, ReadError, Reader, Writer, class, rtype};

/// The time a signature may be off (RFC 8945 recommends 300 s).
pub const FUDGE: u16 = 300;

/// The TSIG algorithms ring has (no HMAC-MD5: ring lacks MD5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// hmac-sha256, the default.
    Sha256,
    /// hmac-sha384.
    Sha384,
    /// hmac-sha512.
    Sha512,
    /// hmac-sha1, only when asked for.
    Sha1,
}

impl Algorithm {
    /// Every algorithm, with its config name.
    pub const ALL: [(&'static str, Algorithm); 4] = [
        ("hmac-sha256", Algorithm::Sha256),
        ("hmac-sha384", Algorithm::Sha384),
        ("hmac-sha512", Algorithm::Sha512),
        ("hmac-sha1", Algorithm::Sha1),
    ];

    /// The config name, which is also the algorithm's name in the signature.
    pub fn name(self) -> &'static str {
        Algorithm::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("hmac-sha256", |(n, _)| *n)
    }

    /// The algorithm `name` names (`hmac-sha256`, or `hmac-sha256.` as BIND writes it).
    pub fn parse(name: &str) -> Option<Algorithm> {
        let n = name.trim_end_matches('.').to_ascii_lowercase();
        Algorithm::ALL
            .iter()
            .find(|(a, _)| *a == n)
            .map(|(_, alg)| *alg)
    }

    fn ring(self) -> hmac::Algorithm {
        match self {
            Algorithm::Sha256 => hmac::HMAC_SHA256,
            Algorithm::Sha384 => hmac::HMAC_SHA384,
            Algorithm::Sha512 => hmac::HMAC_SHA512,
            Algorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        }
    }

    /// The MAC's length in bytes.
    pub fn mac_len(self) -> usize {
        self.ring().digest_algorithm().output_len()
    }
}

/// A TSIG key: its name, algorithm and secret.
#[derive(Clone)]
pub struct Key {
    /// The key's name, as the server knows it.
    pub name: Name,
    /// Its algorithm.
    pub algorithm: Algorithm,
    key: hmac::Key,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        write!(f, "Key({} {})", self.name, self.algorithm.name())
    }
}

impl Key {
    /// A key from its secret's bytes.
    pub fn new(name: Name, algorithm: Algorithm, secret: &[u8]) -> Key {
        Key {
            key: hmac::Key::new(algorithm.ring(), secret),
            name,
            algorithm,
        }
    }
}

/// The signature fields that are not the MAC (RFC 8945 section 4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    /// Seconds since the epoch when it was signed.
    pub time: u64,
    /// The allowed difference.
    pub fudge: u16,
    /// The message ID the signer saw.
    pub original_id: u16,
    /// The TSIG error (0, or 16 BADSIG, 17 BADKEY, 18 BADTIME, 22 BADTRUNC).
    pub error: u16,
    /// Other data (with BADTIME, the server's time).
    pub other: Vec<u8>,
}

/// The signature's variables as the MAC covers them (RFC 8945 section 4.3.3).
fn variables(w: &mut Writer, key: &Key, f: &Fields) {
    w.name(&key.name);
    w.u16(class::ANY);
    w.u32(0);
    w.name(&alg_name(key.algorithm));
    w.u48(f.time);
    w.u16(f.fudge);
    w.u16(f.error);
    // Other data is at most a few bytes here (BADTIME's six).
    w.u16(f.other.len() as u16);
    w.bytes(&f.other);
}

fn alg_name(a: Algorithm) -> Name {
    Name::parse(a.name()).unwrap_or_else(|_| Name::root())
}

/// Signs `msg` (a whole message, its additional count not counting the signature) at
/// `time`: appends the TSIG record and counts it. Returns the MAC, which the reply's MAC
/// covers.
pub fn sign(msg: &mut Vec<u8>, key: &Key, time: u64) -> Vec<u8> {
    let id = u16::from_be_bytes([msg[0], msg[1]]);
    let f = Fields {
        time,
        fudge: FUDGE,
        original_id: id,
        error: 0,
        other: Vec::new(),
    };
    let mut covered = Writer { buf: msg.clone() };
    variables(&mut covered, key, &f);
    let mac = hmac::sign(&key.key, &covered.buf).as_ref().to_vec();
    let mut w = Writer {
        buf: std::mem::take(msg),
    };
    w.name(&key.name);
    w.u16(rtype::TSIG);
    w.u16(class::ANY);
    w.u32(0);
    let mut rdata = Writer::default();
    rdata.name(&alg_name(key.algorithm));
    rdata.u48(f.time);
    rdata.u16(f.fudge);
    rdata.u16(mac.len() as u16);
    rdata.bytes(&mac);
    rdata.u16(f.original_id);
    rdata.u16(f.error);
    rdata.u16(0);
    w.u16(rdata.buf.len() as u16);
    w.bytes(&rdata.buf);
    *msg = w.buf;
    let ad = u16::from_be_bytes([msg[10], msg[11]]).saturating_add(1);
    msg[10..12].copy_from_slice(&ad.to_be_bytes());
    mac
}

/// A reply's signature, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The key it names.
    pub key: Name,
    /// The algorithm it names.
    pub algorithm: Name,
    /// Its fields.
    pub fields: Fields,
    /// Its MAC (empty in a BADSIG or BADKEY reply).
    pub mac: Vec<u8>,
    /// Where the TSIG record starts: the message before it is what the MAC covers.
    pub start: usize,
}

/// Reads a TSIG record's data.
pub fn read_signature(
    r: &Reader<'_>,
    key: Name,
    data_at: usize,
    start: usize,
) -> Result<Signature, ReadError> {
    let mut d = r.at(data_at);
    let algorithm = d.name()?;
    let time = d.u48()?;
    let fudge = d.u16()?;
    let mac_len = d.u16()?;
    let mac = d.take(usize::from(mac_len))?.to_vec();
    let original_id = d.u16()?;
    let error = d.u16()?;
    let other_len = d.u16()?;
    let other = d.take(usize::from(other_len))?.to_vec();
    Ok(Signature {
        key,
        algorithm,
        fields: Fields {
            time,
            fudge,
            original_id,
            error,
            other,
        },
        mac,
        start,
    })
}

/// Why a reply's signature is not believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unverified {
    /// No signature at all.
    #[error("the reply is not signed")]
    Unsigned,
    /// Signed with another key or algorithm than the request's.
    #[error("the reply is signed with another key or algorithm")]
    OtherKey,
    /// A MAC shorter than the algorithm's (a truncated MAC is not taken).
    #[error("the reply's signature is truncated")]
    Truncated,
    /// The MAC does not match: not the server holding the key, or altered on the way.
    #[error("the reply's signature does not match")]
    BadMac,
    /// Signed outside the fudge around `now`.
    #[error("the reply was signed at a time off by more than its fudge")]
    Time,
}

/// Checks `reply`'s signature `sig` against the request's `request_mac`, at `now`: the MAC
/// over the request MAC, the reply without its signature (ID set back to the original one,
/// additional count less one) and the signature's variables (RFC 8945 section 5.3),
/// compared in constant time; then its time.
pub fn verify(
    reply: &[u8],
    sig: &Signature,
    key: &Key,
    request_mac: &[u8],
    now: u64,
) -> Result<(), Unverified> {
    if sig.key != key.name || sig.algorithm != alg_name(key.algorithm) {
        return Err(Unverified::OtherKey);
    }
    if sig.mac.len() < key.algorithm.mac_len() {
        return Err(if sig.mac.is_empty() {
            Unverified::Unsigned
        } else {
            Unverified::Truncated
        });
    }
    let Some(body) = reply.get(..sig.start).filter(|b| b.len() >= 12) else {
        return Err(Unverified::BadMac);
    };
    let mut w = Writer::default();
    // A MAC is at most 64 bytes.
    w.u16(request_mac.len() as u16);
    w.bytes(request_mac);
    let mut r = Reader::new(body);
    let Ok(mut h) = Header::read(&mut r) else {
        return Err(Unverified::BadMac);
    };
    h.id = sig.fields.original_id;
    h.counts[3] = h.counts[3].saturating_sub(1);
    h.write(&mut w);
    w.bytes(&body[12..]);
    variables(&mut w, key, &sig.fields);
    hmac::verify(&key.key, &w.buf, &sig.mac).map_err(|_| Unverified::BadMac)?;
    if now.abs_diff(sig.fields.time) > u64::from(sig.fields.fudge) {
        return Err(Unverified::Time);
    }
    Ok(())
}

/// Decodes standard base64 (with or without padding; whitespace ignored), as `tsig-keygen`
/// and `ddns-confgen` print secrets.
pub fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits & 0xFF) as u8);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Whether `text` is a BIND key file (its first line that is not a comment starts with
/// `key`), rather than a bare secret.
pub fn is_key_file(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
        .is_some_and(|l| l.starts_with("key ") || l.starts_with("key\""))
}

/// A key as BIND writes it (`tsig-keygen`, `ddns-confgen`):
/// `key "name" { algorithm hmac-sha256; secret "base64"; };`, comments (`#`, `//`) allowed.
/// Returns its name, algorithm and secret, or what is wrong.
pub fn read_key_file(text: &str) -> Result<(Name, Algorithm, Vec<u8>), String> {
    let clean: String = text
        .lines()
        .map(|l| {
            let l = l.split('#').next().unwrap_or("");
            l.split("//").next().unwrap_or("")
        })
        .collect::<Vec<_>>()
        .join(" ");
    let rest = clean
        .trim_start()
        .strip_prefix("key")
        .ok_or("not a BIND key: it does not start with key \"name\" {")?;
    let (head, body) = rest.split_once('{').ok_or("a key without { … }")?;
    let name =
        Name::parse(head.trim().trim_matches('"')).map_err(|e| format!("the key's name: {e}"))?;
    let body = body.split('}').next().unwrap_or("");
    let mut algorithm = None;
    let mut secret = None;
    for stmt in body.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let (k, v) = stmt.split_once(char::is_whitespace).unwrap_or((stmt, ""));
        let v = v.trim().trim_matches('"');
        match k {
            "algorithm" => {
                algorithm = Some(Algorithm::parse(v).ok_or_else(|| {
                    format!("algorithm {v}: dynward signs with hmac-sha256, hmac-sha384, hmac-sha512 or hmac-sha1 (not hmac-md5)")
                })?)
            }
            "secret" => secret = Some(base64(v).ok_or("the secret is not base64")?),
            // Only the statement's leading word: a malformed `secret"…"` must not echo it.
            other => {
                let word: String = other
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .take(20)
                    .collect();
                return Err(format!("unknown statement \"{word}\" in the key"));
            }
        }
    }
    Ok((
        name,
        algorithm.ok_or("the key names no algorithm")?,
        secret.ok_or("the key has no secret")?,
    ))
}
