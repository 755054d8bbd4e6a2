//! The messages dynward sends (an UPDATE per host, queries) and what it reads back from a
//! reply: its code, its signature, its addresses. Pure.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::tsig::{self, Signature};
use super::wire::{Header, Name, ReadError, Reader, Writer, class, rtype};
use crate::addr::AddrSet;

/// Opcode of a query.
const QUERY: u16 = 0;
/// Opcode of an update (RFC 2136).
const UPDATE: u16 = 5;
/// The header flag that asks for recursion.
const RD: u16 = 0x0100;

/// An UPDATE of `host` in `zone` (RFC 2136 section 2.5): for each family of `addrs`, delete
/// the host's RRset of that type, then add the address with `ttl`. One message carries both
/// families; the server applies it whole. Unsigned: [`tsig::sign`] signs it.
pub fn update(id: u16, zone: &Name, host: &Name, ttl: u32, addrs: AddrSet) -> Vec<u8> {
    let mut adds: Vec<(u16, Vec<u8>)> = Vec::new();
    if let Some(a) = addrs.v4 {
        adds.push((rtype::A, a.octets().to_vec()));
    }
    if let Some(a) = addrs.v6 {
        adds.push((rtype::AAAA, a.octets().to_vec()));
    }
    let mut w = Writer::default();
    Header {
        id,
        flags: UPDATE << 11,
        // Zone, prerequisites (none), updates (a delete and an add per family), additional.
        counts: [1, 0, (adds.len() * 2) as u16, 0],
    }
    .write(&mut w);
    w.name(zone);
    w.u16(rtype::SOA);
    w.u16(class::IN);
    for (t, data) in &adds {
        w.name(host);
        w.u16(*t);
        w.u16(class::ANY);
        w.u32(0);
        w.u16(0);
        w.name(host);
        w.u16(*t);
        w.u16(class::IN);
        w.u32(ttl);
        // 4 or 16 bytes.
        w.u16(data.len() as u16);
        w.bytes(data);
    }
    w.buf
}

/// A query for `name`'s records of `qtype`; `recurse` asks a resolver to find the answer
/// (the zone's own servers are asked without it).
pub fn query(id: u16, name: &Name, qtype: u16, recurse: bool) -> Vec<u8> {
    let mut w = Writer::default();
    Header {
        id,
        flags: QUERY << 11 | if recurse { RD } else { 0 },
        counts: [1, 0, 0, 0],
    }
    .write(&mut w);
    w.name(name);
    w.u16(qtype);
    w.u16(class::IN);
    w.buf
}

/// What a reply says, read without trusting it: whether it is signed and what it contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Its header.
    pub header: Header,
    /// The addresses in its answer section, for the name asked.
    pub addrs: Vec<IpAddr>,
    /// The names in the answer and authority sections' NS and SOA records (a zone's servers,
    /// its primary).
    pub servers: Vec<Name>,
    /// Owners of SOA records in the answer and authority sections (where a zone starts).
    pub soa_owners: Vec<Name>,
    /// The targets of its NS records (a zone's authoritative servers).
    pub name_servers: Vec<Name>,
    /// Its signature, if it has one (the last additional record).
    pub signature: Option<Signature>,
}

impl Reply {
    /// The response code (4 bits: dynward sends no EDNS, so no extended codes).
    pub fn rcode(&self) -> u8 {
        self.header.rcode()
    }
}

/// Reads `msg` as a reply to a message with ID `id` and opcode `opcode`: anything else (a
/// request, another ID, a malformed message) is no reply to it.
pub fn read_reply(msg: &[u8], id: u16, update: bool) -> Result<Reply, ReadError> {
    let mut r = Reader::new(msg);
    let header = Header::read(&mut r)?;
    let opcode = if update { UPDATE } else { QUERY };
    if !header.is_response() || header.id != id || u16::from(header.opcode()) != opcode {
        return Err(ReadError::Foreign);
    }
    for _ in 0..header.counts[0] {
        r.question()?;
    }
    let (mut addrs, mut servers, mut soa_owners, mut name_servers) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..u32::from(header.counts[1]) + u32::from(header.counts[2]) {
        let rec = r.record()?;
        match (rec.rtype, rec.data.len()) {
            (rtype::A, 4) => addrs.push(IpAddr::V4(Ipv4Addr::from(
                <[u8; 4]>::try_from(rec.data).map_err(|_| ReadError::Short)?,
            ))),
            (rtype::AAAA, 16) => addrs.push(IpAddr::V6(Ipv6Addr::from(
                <[u8; 16]>::try_from(rec.data).map_err(|_| ReadError::Short)?,
            ))),
            (rtype::NS, _) => {
                let target = r.at(rec.data_at).name()?;
                servers.push(target.clone());
                name_servers.push(target);
            }
            (rtype::SOA, _) => {
                servers.push(r.at(rec.data_at).name()?);
                soa_owners.push(rec.name);
            }
            _ => {}
        }
    }
    let mut signature = None;
    for i in 0..header.counts[3] {
        let rec = r.record()?;
        if rec.rtype == rtype::TSIG {
            // Only the last additional record may be the signature (RFC 8945 section 5.1).
            if i + 1 != header.counts[3] {
                return Err(ReadError::Foreign);
            }
            signature = Some(tsig::read_signature(&r, rec.name, rec.data_at, rec.start)?);
        }
    }
    Ok(Reply {
        header,
        addrs,
        servers,
        soa_owners,
        name_servers,
        signature,
    })
}
