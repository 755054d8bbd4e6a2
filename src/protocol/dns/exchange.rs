//! The RFC 2136 exchange: for each host, one signed UPDATE carrying both families (after an
//! SOA query when the zone is not known), its reply read into the host's answer (reference
//! section 4.2's table). Sans-IO: the time and the message IDs come in from the caller.

use std::collections::VecDeque;

use super::message::{self, Reply, read_reply};
use super::tsig::{self, Key, Unverified};
use super::wire::{Name, rtype};
use crate::addr::AddrSet;
use crate::protocol::code::Code;
use crate::protocol::{Answer, Answers, Next, Pending, Update};

/// Where and as whom an RFC 2136 policy updates.
#[derive(Debug, Clone)]
pub struct Account {
    /// The zone, when the config names it; otherwise each host's is found with an SOA query.
    pub zone: Option<Name>,
    /// The TSIG key.
    pub key: Key,
    /// The records' TTL.
    pub ttl: u32,
}

/// A DNS message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsMessage {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its ID: only a reply with it is read.
    pub id: u16,
    /// Whether it is an UPDATE (a query otherwise).
    pub update: bool,
    /// What it does, in words, for a dry run and the log.
    pub shown: String,
}

/// What came back for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsReply {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// When it arrived (Unix seconds): a signature's time is checked against it.
    pub now: u64,
}

/// One host's update.
#[derive(Debug, Clone)]
struct Job {
    host: String,
    name: Name,
    addrs: AddrSet,
}

/// The message in flight.
#[derive(Debug, Clone)]
enum Sent {
    /// The SOA query that finds the job's zone.
    Zone { id: u16 },
    /// The UPDATE, with its MAC (the reply's covers it).
    Update { id: u16, mac: Vec<u8> },
}

/// One update's messages, one host after the other.
#[derive(Debug)]
pub struct Exchange {
    account: Account,
    /// When the update started: the signatures' time.
    now: u64,
    ids: Ids,
    queue: VecDeque<Job>,
    /// Zones found so far (a second host of the same zone needs no query).
    zones: Vec<Name>,
    current: Option<(Job, Sent)>,
    reply: Option<DnsReply>,
}

/// Message IDs from a seed (splitmix64): the caller gives a random one, a test a fixed one.
#[derive(Debug, Clone)]
struct Ids(u64);

impl Ids {
    fn next(&mut self) -> u16 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as u16
    }
}

impl Exchange {
    /// The messages that carry `update`, signed at `now`, their IDs drawn from `seed`. A
    /// host whose name is not a DNS name (the config refuses them; kept as the root here) is
    /// answered as not one when its turn comes, and nothing is sent for it.
    pub fn new(account: Account, update: &Update, now: u64, seed: u64) -> Exchange {
        let queue = update
            .targets
            .iter()
            .map(|t| Job {
                host: t.host.clone(),
                name: Name::parse(&t.host).unwrap_or_else(|_| Name::root()),
                addrs: t.addrs,
            })
            .collect();
        Exchange {
            account,
            now,
            ids: Ids(seed),
            queue,
            zones: Vec::new(),
            current: None,
            reply: None,
        }
    }

    /// The zone of `name`: the config's, or one found before that holds it (the longest).
    fn zone_of(&self, name: &Name) -> Option<Name> {
        if let Some(z) = &self.account.zone {
            return Some(z.clone());
        }
        self.zones
            .iter()
            .filter(|z| name.is_in(z))
            .max_by_key(|z| z.to_string().len())
            .cloned()
    }

    /// The signed UPDATE of `job` in `zone`, sent.
    fn send_update(&mut self, job: Job, zone: &Name) -> Next<DnsMessage> {
        let id = self.ids.next();
        let mut bytes = message::update(id, zone, &job.name, self.account.ttl, job.addrs);
        let mac = tsig::sign(&mut bytes, &self.account.key, self.now);
        let shown = self.shown_update(&job, zone);
        self.current = Some((job, Sent::Update { id, mac }));
        Next::Send(DnsMessage {
            bytes,
            id,
            update: true,
            shown,
        })
    }

    fn shown_update(&self, job: &Job, zone: &Name) -> String {
        let mut parts = Vec::new();
        if let Some(a) = job.addrs.v4 {
            parts.push(format!("A {a}"));
        }
        if let Some(a) = job.addrs.v6 {
            parts.push(format!("AAAA {a}"));
        }
        format!(
            "UPDATE {} in zone {}: replace {} (TTL {}), signed with key {} ({})",
            job.name,
            zone,
            parts.join(" and "),
            self.account.ttl,
            self.account.key.name,
            self.account.key.algorithm.name()
        )
    }

    /// The answer for a job that gets no UPDATE: `code`, with `note` to log.
    fn unsent(&self, job: &Job, code: Code, note: String) -> Next<DnsMessage> {
        Next::Answers {
            answers: Answers {
                answers: vec![Answer {
                    host: job.host.clone(),
                    code,
                    sent: job.addrs,
                    confirmed: AddrSet::default(),
                }],
                notes: vec![note],
                ..Answers::default()
            },
            last: self.queue.is_empty(),
        }
    }

    /// The answer for `job` from its UPDATE's reply, with why a success is not believed.
    fn answer(&self, job: &Job, id: u16, mac: &[u8], reply: &DnsReply) -> (Answer, Option<String>) {
        let (code, why) = match read_reply(&reply.bytes, id, true) {
            Ok(r) => self.code(&r, mac, reply),
            Err(e) => (
                Code::Unreadable(format!("not a DNS reply to the update: {e}")),
                None,
            ),
        };
        let why = why.map(|w| format!("{}: the server's success is not believed: {w}", job.host));
        let confirmed = if code.is_success() {
            job.addrs
        } else {
            AddrSet::default()
        };
        let answer = Answer {
            host: job.host.clone(),
            code,
            sent: job.addrs,
            confirmed,
        };
        (answer, why)
    }

    /// What a reply to an UPDATE means (reference section 4.2): a success only when its
    /// signature verifies; a refused key or clock as the server says, unsigned as it comes;
    /// other codes as they are.
    fn code(&self, r: &Reply, mac: &[u8], reply: &DnsReply) -> (Code, Option<String>) {
        let key = &self.account.key;
        let verified = r
            .signature
            .as_ref()
            .map(|s| tsig::verify(&reply.bytes, s, key, mac, reply.now));
        let tsig_error = r.signature.as_ref().map_or(0, |s| s.fields.error);
        match (r.rcode(), tsig_error, verified) {
            (0, _, Some(Ok(()))) => (Code::Good, None),
            (0, _, None) => (Code::Dns(0, 0), Some(Unverified::Unsigned.to_string())),
            (0, _, Some(Err(e))) => (Code::Dns(0, 0), Some(e.to_string())),
            // BADTIME comes signed with the time of the request.
            (9, 18, Some(Ok(()) | Err(Unverified::Time))) => (Code::Dns(9, 18), None),
            (rcode, t, _) => (Code::Dns(rcode, t), None),
        }
    }
}

impl crate::protocol::Exchange for Exchange {
    type Message = DnsMessage;
    type Reply = DnsReply;

    fn next(&mut self) -> Next<DnsMessage> {
        if let Some(reply) = self.reply.take()
            && let Some((job, sent)) = self.current.take()
        {
            match sent {
                Sent::Update { id, mac } => {
                    let (answer, why) = self.answer(&job, id, &mac, &reply);
                    return Next::Answers {
                        answers: Answers {
                            answers: vec![answer],
                            notes: why.into_iter().collect(),
                            ..Answers::default()
                        },
                        last: self.queue.is_empty(),
                    };
                }
                Sent::Zone { id } => {
                    let read = read_reply(&reply.bytes, id, false);
                    let found = read
                        .as_ref()
                        .ok()
                        .and_then(|r| r.soa_owners.iter().find(|z| job.name.is_in(z)).cloned());
                    return match found {
                        Some(zone) => {
                            self.zones.push(zone.clone());
                            self.send_update(job, &zone)
                        }
                        // A server failing (SERVFAIL) or refusing the query says so: its own
                        // code, and so its decision (a hold for SERVFAIL), not "no zone".
                        None if read.as_ref().is_ok_and(|r| !matches!(r.rcode(), 0 | 3)) => {
                            let rcode = read.as_ref().map_or(0, |r| r.rcode());
                            let note = format!("the SOA query for {} got rcode {rcode}", job.name);
                            self.unsent(&job, Code::Dns(rcode, 0), note)
                        }
                        None => {
                            // What the server said instead, so the log tells why.
                            let said = match &read {
                                Ok(r) => format!("its answer had rcode {} and no SOA", r.rcode()),
                                Err(e) => format!("its answer was unreadable: {e}"),
                            };
                            let note = format!(
                                "the server named no zone holding {} ({said}): set zone",
                                job.name
                            );
                            self.unsent(&job, Code::Dns(9, 0), note)
                        }
                    };
                }
            }
        }
        let Some(job) = self.queue.pop_front() else {
            return Next::Done;
        };
        // The root stands for a host that is no DNS name: nothing is sent for it.
        if job.name == Name::root() {
            let note = format!("\"{}\" is not a DNS name", job.host);
            return self.unsent(&job, Code::NotFqdn, note);
        }
        match self.zone_of(&job.name) {
            Some(zone) => self.send_update(job, &zone),
            None => {
                let id = self.ids.next();
                let bytes = message::query(id, &job.name, rtype::SOA, false);
                let shown = format!("SOA query for {}: which zone holds it", job.name);
                self.current = Some((job, Sent::Zone { id }));
                Next::Send(DnsMessage {
                    bytes,
                    id,
                    update: false,
                    shown,
                })
            }
        }
    }

    fn take(&mut self, reply: DnsReply) {
        self.reply = Some(reply);
    }

    fn keep(&mut self, hosts: &[String]) {
        self.queue.retain(|j| hosts.contains(&j.host));
    }

    fn pending(&self) -> Pending {
        self.current
            .as_ref()
            .map(|(j, _)| Pending {
                hosts: vec![j.host.clone()],
                sent: j.addrs,
            })
            .unwrap_or_default()
    }

    fn preview(&self) -> Vec<DnsMessage> {
        let mut scratch = Exchange {
            account: self.account.clone(),
            now: self.now,
            ids: self.ids.clone(),
            queue: self.queue.clone(),
            zones: self.zones.clone(),
            current: None,
            reply: None,
        };
        let mut out = Vec::new();
        while let Some(job) = scratch.queue.pop_front() {
            if job.name == Name::root() {
                continue;
            }
            let zone = scratch
                .zone_of(&job.name)
                .or_else(|| job.name.parent())
                .unwrap_or_else(Name::root);
            if let Next::Send(m) = scratch.send_update(job, &zone) {
                out.push(m);
            }
        }
        out
    }
}
