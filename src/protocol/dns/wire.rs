//! DNS messages as bytes (RFC 1035 section 4): names, a writer and a bounded reader. Pure: no
//! socket, no clock.

use std::fmt;

/// Most bytes a name takes on the wire (RFC 1035 section 3.1).
const MAX_NAME: usize = 255;
/// Most labels a compressed name may chain through: more is a loop.
const MAX_POINTERS: usize = 64;

/// Record types dynward reads or writes.
pub mod rtype {
    /// An IPv4 address.
    pub const A: u16 = 1;
    /// Name servers of a zone.
    pub const NS: u16 = 2;
    /// A canonical name (an alias).
    pub const CNAME: u16 = 5;
    /// A zone's start of authority.
    pub const SOA: u16 = 6;
    /// An IPv6 address.
    pub const AAAA: u16 = 28;
    /// EDNS options.
    pub const OPT: u16 = 41;
    /// A transaction signature (RFC 8945).
    pub const TSIG: u16 = 250;
}

/// Classes.
pub mod class {
    /// The Internet.
    pub const IN: u16 = 1;
    /// "None": in an update, delete one record (RFC 2136 section 2.5.4).
    pub const NONE: u16 = 254;
    /// "Any": in an update, delete an RRset; TSIG's class.
    pub const ANY: u16 = 255;
}

/// A domain name, lower case, without its final dot: what goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

/// Why a name is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// An empty label (`a..b`), or one longer than 63 bytes.
    #[error("\"{0}\" has an empty label or one longer than 63 characters")]
    Label(String),
    /// More than 255 bytes on the wire.
    #[error("\"{0}\" is longer than 255 bytes")]
    TooLong(String),
}

impl Name {
    /// The root.
    pub fn root() -> Name {
        Name(String::new())
    }

    /// `text` as a name: dot-separated labels of 1 to 63 bytes, an optional final dot; kept in
    /// lower case (DNS compares names without case).
    pub fn parse(text: &str) -> Result<Name, NameError> {
        let t = text.strip_suffix('.').unwrap_or(text);
        if t.is_empty() {
            return Ok(Name::root());
        }
        if t.split('.').any(|l| l.is_empty() || l.len() > 63) {
            return Err(NameError::Label(text.into()));
        }
        if t.len() + 2 > MAX_NAME {
            return Err(NameError::TooLong(text.into()));
        }
        Ok(Name(t.to_ascii_lowercase()))
    }

    /// The labels, left to right.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.0.split('.').filter(|l| !l.is_empty())
    }

    /// Whether this name is `zone` or below it.
    pub fn is_in(&self, zone: &Name) -> bool {
        zone.0.is_empty() || self.0 == zone.0 || self.0.ends_with(&format!(".{}", zone.0))
    }

    /// The name one label up (`example.org` for `home.example.org`); the root has none.
    pub fn parent(&self) -> Option<Name> {
        if self.0.is_empty() {
            return None;
        }
        Some(Name(
            self.0.split_once('.').map(|(_, p)| p).unwrap_or("").into(),
        ))
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.", self.0)
    }
}

/// A message being written: big-endian integers, names uncompressed (the canonical form TSIG
/// signs, and small enough here).
#[derive(Debug, Default, Clone)]
pub struct Writer {
    /// The bytes so far.
    pub buf: Vec<u8>,
}

impl Writer {
    /// One byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// Two bytes.
    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Four bytes.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Six bytes: TSIG's 48-bit time.
    pub fn u48(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes()[2..]);
    }

    /// Bytes as they are.
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// A name as length-prefixed labels ending in the root's zero.
    pub fn name(&mut self, n: &Name) {
        for l in n.labels() {
            // A label is at most 63 bytes: Name::parse holds that.
            self.u8(l.len() as u8);
            self.bytes(l.as_bytes());
        }
        self.u8(0);
    }
}

/// Why a message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// It ends inside a field.
    #[error("the message ends early")]
    Short,
    /// A name loops, points forward, or is too long.
    #[error("a name in the message is malformed")]
    BadName,
    /// Not a reply to the message sent (a request, another ID or opcode).
    #[error("not a reply to the message sent")]
    Foreign,
}

/// A reader over a whole message (compression pointers point into it).
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    msg: &'a [u8],
    /// Where the next read starts.
    pub pos: usize,
}

impl<'a> Reader<'a> {
    /// At the start of `msg`.
    pub fn new(msg: &'a [u8]) -> Reader<'a> {
        Reader { msg, pos: 0 }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], ReadError> {
        let end = self.pos.checked_add(n).ok_or(ReadError::Short)?;
        let b = self.msg.get(self.pos..end).ok_or(ReadError::Short)?;
        self.pos = end;
        Ok(b)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, ReadError> {
        Ok(self.take(1)?[0])
    }

    /// Two bytes.
    pub fn u16(&mut self) -> Result<u16, ReadError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Four bytes.
    pub fn u32(&mut self) -> Result<u32, ReadError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Six bytes: TSIG's 48-bit time.
    pub fn u48(&mut self) -> Result<u64, ReadError> {
        let b = self.take(6)?;
        Ok(b.iter().fold(0u64, |acc, x| acc << 8 | u64::from(*x)))
    }

    /// A name, following compression pointers (each must point back, at most
    /// [`MAX_POINTERS`] of them); the reader moves past the name as it is written here.
    pub fn name(&mut self) -> Result<Name, ReadError> {
        let mut labels: Vec<String> = Vec::new();
        let mut at = self.pos;
        let mut after: Option<usize> = None;
        let mut jumps = 0;
        let mut len = 1;
        loop {
            let l = *self.msg.get(at).ok_or(ReadError::Short)?;
            match l {
                0 => {
                    at += 1;
                    break;
                }
                1..=63 => {
                    let s = self
                        .msg
                        .get(at + 1..at + 1 + usize::from(l))
                        .ok_or(ReadError::Short)?;
                    len += 1 + usize::from(l);
                    if len > MAX_NAME {
                        return Err(ReadError::BadName);
                    }
                    labels.push(String::from_utf8_lossy(s).to_ascii_lowercase());
                    at += 1 + usize::from(l);
                }
                0xC0..=0xFF => {
                    let lo = *self.msg.get(at + 1).ok_or(ReadError::Short)?;
                    let target = usize::from(l & 0x3F) << 8 | usize::from(lo);
                    jumps += 1;
                    if target >= at || jumps > MAX_POINTERS {
                        return Err(ReadError::BadName);
                    }
                    after.get_or_insert(at + 2);
                    at = target;
                }
                _ => return Err(ReadError::BadName),
            }
        }
        self.pos = after.unwrap_or(at);
        // Labels with dots or odd bytes in them are read, not trusted: no name of ours.
        Ok(Name(labels.join(".")))
    }
}

/// A message's header (RFC 1035 section 4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The message ID.
    pub id: u16,
    /// The flags: QR, opcode, AA, TC, RD, RA, rcode.
    pub flags: u16,
    /// Entries per section: question (zone), answer (prerequisite), authority (update),
    /// additional.
    pub counts: [u16; 4],
}

impl Header {
    /// Reads the 12 header bytes.
    pub fn read(r: &mut Reader<'_>) -> Result<Header, ReadError> {
        let id = r.u16()?;
        let flags = r.u16()?;
        let counts = [r.u16()?, r.u16()?, r.u16()?, r.u16()?];
        Ok(Header { id, flags, counts })
    }

    /// Writes the 12 header bytes.
    pub fn write(&self, w: &mut Writer) {
        w.u16(self.id);
        w.u16(self.flags);
        for c in self.counts {
            w.u16(c);
        }
    }

    /// Whether this is a response.
    pub fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }

    /// The opcode (0 query, 5 update).
    pub fn opcode(&self) -> u8 {
        (self.flags >> 11 & 0xF) as u8
    }

    /// Whether the answer is authoritative (the server serves the zone itself).
    pub fn authoritative(&self) -> bool {
        self.flags & 0x0400 != 0
    }

    /// Whether the reply was truncated (it did not fit in UDP).
    pub fn truncated(&self) -> bool {
        self.flags & 0x0200 != 0
    }

    /// The response code in the header (4 bits).
    pub fn rcode(&self) -> u8 {
        (self.flags & 0xF) as u8
    }
}

/// One resource record, its data still bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// Where the record starts in the message.
    pub start: usize,
    /// Its owner.
    pub name: Name,
    /// Its type.
    pub rtype: u16,
    /// Its class.
    pub class: u16,
    /// Its TTL.
    pub ttl: u32,
    /// Its data.
    pub data: &'a [u8],
    /// Where its data starts in the message (names in it may point back).
    pub data_at: usize,
}

impl<'a> Reader<'a> {
    /// A question or zone entry: name, type, class.
    pub fn question(&mut self) -> Result<(Name, u16, u16), ReadError> {
        Ok((self.name()?, self.u16()?, self.u16()?))
    }

    /// A resource record.
    pub fn record(&mut self) -> Result<Record<'a>, ReadError> {
        let start = self.pos;
        let name = self.name()?;
        let rtype = self.u16()?;
        let class = self.u16()?;
        let ttl = self.u32()?;
        let len = self.u16()?;
        let data_at = self.pos;
        let data = self.take(usize::from(len))?;
        Ok(Record {
            start,
            name,
            rtype,
            class,
            ttl,
            data,
            data_at,
        })
    }

    /// A reader over the same message at `pos` (a record's data, which may point back).
    pub fn at(&self, pos: usize) -> Reader<'a> {
        Reader { msg: self.msg, pos }
    }
}
