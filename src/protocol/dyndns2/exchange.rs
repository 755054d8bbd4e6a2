//! The dyndns2 exchange: an update becomes GET requests (grouped by what they publish, in
//! batches and per family as the dialect says), each reply per-host answers.

use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;

use super::dialect::Dialect;
use super::reply::read_response;
use super::request::{Endpoint, Request, build_requests};
use crate::addr::AddrSet;
use crate::protocol::http::{HttpReply, HttpRequest, MAX_BODY};
use crate::protocol::{Answer, Answers, Next, Pending, Update};
use crate::secret::Secret;

/// Where and as whom a dyndns2 policy sends its updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The provider's dialect.
    pub dialect: Dialect,
    /// The user name.
    pub username: String,
    /// The password or token.
    pub password: Secret,
}

/// One update's requests, sent one after the other.
#[derive(Debug)]
pub struct Exchange {
    account: Account,
    /// The requests not sent yet.
    queue: VecDeque<Request>,
    /// The request sent last, while its reply is awaited or being read.
    current: Option<Request>,
    /// Its reply, once taken.
    reply: Option<HttpReply>,
}

impl Exchange {
    /// The requests that carry `update`: its hosts grouped by what they publish and what is
    /// expected back (one request can carry only one of each), then split into requests as
    /// the dialect says.
    pub fn new(account: Account, update: &Update) -> Exchange {
        let mut groups: BTreeMap<(String, bool), (AddrSet, Vec<String>)> = BTreeMap::new();
        for t in &update.targets {
            groups
                .entry((t.addrs.to_string(), t.nochg_expected))
                .or_insert((t.addrs, Vec::new()))
                .1
                .push(t.host.clone());
        }
        let queue = groups
            .into_values()
            .flat_map(|(addrs, hosts)| account.requests(&hosts, addrs))
            .collect();
        Exchange {
            account,
            queue,
            current: None,
            reply: None,
        }
    }

    /// The answers a reply gives for the request it answers.
    fn answers(&self, req: &Request, reply: &HttpReply) -> Answers {
        let read = read_response(reply, &req.hosts, &req.sent, &self.account.dialect);
        let mut notes = read.notes;
        if reply.truncated {
            notes.push(format!(
                "reply longer than {} KiB; the rest was dropped",
                MAX_BODY / 1024
            ));
        }
        let answers = read
            .results
            .into_iter()
            .map(|r| Answer {
                confirmed: confirmed(req.sent, &r.addrs),
                host: r.host,
                code: r.code,
                sent: req.sent,
            })
            .collect();
        Answers {
            answers,
            notes,
            ..Answers::default()
        }
    }
}

impl Account {
    /// The requests that publish `addrs` for `hosts`.
    pub fn requests(&self, hosts: &[String], addrs: AddrSet) -> Vec<Request> {
        build_requests(
            &self.endpoint,
            &self.dialect,
            &self.username,
            &self.password,
            hosts,
            addrs,
        )
    }
}

/// The addresses of `sent` that a success line confirms: those it names, or all of them
/// when it names none (many providers' replies carry no address).
fn confirmed(sent: AddrSet, returned: &[IpAddr]) -> AddrSet {
    if returned.is_empty() {
        return sent;
    }
    AddrSet {
        v4: sent.v4.filter(|a| returned.contains(&IpAddr::V4(*a))),
        v6: sent.v6.filter(|a| returned.contains(&IpAddr::V6(*a))),
    }
}

impl crate::protocol::Exchange for Exchange {
    type Message = HttpRequest;
    type Reply = HttpReply;

    fn next(&mut self) -> Next<HttpRequest> {
        if let (Some(req), Some(reply)) = (self.current.as_ref(), self.reply.take()) {
            let answers = self.answers(req, &reply);
            return Next::Answers {
                answers,
                last: self.queue.is_empty(),
            };
        }
        match self.queue.pop_front() {
            Some(req) => {
                let http = req.http(&self.account.username, &self.account.password);
                self.current = Some(req);
                Next::Send(http)
            }
            None => Next::Done,
        }
    }

    fn take(&mut self, reply: HttpReply) {
        self.reply = Some(reply);
    }

    /// A queued request without the hosts an earlier reply of the same update stopped or
    /// held (the other family's request for a host that got `nohost`, say) is built again
    /// for the hosts that remain.
    fn keep(&mut self, hosts: &[String]) {
        let wanted = |h: &String| hosts.contains(h);
        self.queue = std::mem::take(&mut self.queue)
            .into_iter()
            .flat_map(|req| {
                if req.hosts.iter().all(wanted) {
                    return vec![req];
                }
                let kept: Vec<String> = req.hosts.iter().filter(|h| wanted(h)).cloned().collect();
                self.account.requests(&kept, req.sent)
            })
            .collect();
    }

    fn pending(&self) -> Pending {
        self.current
            .as_ref()
            .map(|r| Pending {
                hosts: r.hosts.clone(),
                sent: r.sent,
            })
            .unwrap_or_default()
    }

    fn preview(&self) -> Vec<HttpRequest> {
        let (user, password) = (&self.account.username, &self.account.password);
        self.current
            .iter()
            .chain(&self.queue)
            .map(|r| r.http(user, password))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::code::Code;
    use crate::protocol::dyndns2::FamilyMode;
    use crate::protocol::{Exchange as _, Target};

    fn account(family: FamilyMode) -> Account {
        Account {
            endpoint: Endpoint::Server(
                url::Url::parse("https://u.example/nic/update").expect("url"),
            ),
            dialect: Dialect {
                family,
                ..Dialect::default()
            },
            username: "u".into(),
            password: Secret::new("pw"),
        }
    }

    fn set(v4: Option<&str>, v6: Option<&str>) -> AddrSet {
        AddrSet {
            v4: v4.map(|s| s.parse().expect("v4")),
            v6: v6.map(|s| s.parse().expect("v6")),
        }
    }

    fn target(host: &str, addrs: AddrSet, nochg_expected: bool) -> Target {
        Target {
            host: host.into(),
            addrs,
            nochg_expected,
        }
    }

    fn ok(body: &str) -> HttpReply {
        HttpReply {
            status: 200,
            body: body.into(),
            truncated: false,
            retry_after: None,
        }
    }

    /// The request it sends next, or a panic.
    fn sends(ex: &mut Exchange) -> HttpRequest {
        match ex.next() {
            Next::Send(r) => r,
            other => panic!("expected a request, got {other:?}"),
        }
    }

    /// The answers to the reply just taken, and whether they are the last.
    fn answered(ex: &mut Exchange) -> (Vec<(String, Code)>, bool) {
        match ex.next() {
            Next::Answers { answers, last } => (
                answers
                    .answers
                    .into_iter()
                    .map(|a| (a.host, a.code))
                    .collect(),
                last,
            ),
            other => panic!("expected answers, got {other:?}"),
        }
    }

    /// Hosts that publish the same and expect the same go in one request; the others in
    /// their own; each reply's lines answer that request's hosts, in order.
    #[test]
    fn an_update_becomes_one_request_per_group_and_answers_per_host() {
        let a = set(Some("203.0.113.5"), None);
        let update = Update {
            targets: vec![
                target("a.example.org", a, false),
                target("b.example.org", a, true),
                target("c.example.org", a, false),
            ],
            ..Update::default()
        };
        let mut ex = Exchange::new(account(FamilyMode::Separate), &update);
        let first = sends(&mut ex);
        assert!(
            first
                .url
                .ends_with("hostname=a.example.org,c.example.org&myip=203.0.113.5"),
            "{}",
            first.url
        );
        assert_eq!(ex.pending().hosts, ["a.example.org", "c.example.org"]);
        ex.take(ok("good 203.0.113.5\nnohost"));
        let (got, last) = answered(&mut ex);
        assert_eq!(
            got,
            [
                ("a.example.org".to_string(), Code::Good),
                ("c.example.org".to_string(), Code::NoHost)
            ]
        );
        assert!(!last);
        let second = sends(&mut ex);
        assert!(
            second.url.contains("hostname=b.example.org&"),
            "{}",
            second.url
        );
        ex.take(ok("nochg 203.0.113.5"));
        assert!(answered(&mut ex).1, "the last request's answers");
        assert_eq!(ex.next(), Next::Done);
    }

    /// Groups go in key order (addresses, then unexpected nochg first); each group's
    /// requests per family, IPv4 first.
    #[test]
    fn groups_go_by_address_then_expectation_each_per_family() {
        let both = set(Some("203.0.113.6"), Some("2001:db8::6"));
        let update = Update {
            targets: vec![
                target("a.example.org", both, true),
                target("b.example.org", both, false),
                target("c.example.org", both, false),
            ],
            ..Update::default()
        };
        let ex = Exchange::new(account(FamilyMode::Separate), &update);
        let shape: Vec<(Vec<String>, String)> = ex
            .queue
            .iter()
            .map(|q| (q.hosts.clone(), q.sent.to_string()))
            .collect();
        let bc = vec!["b.example.org".to_string(), "c.example.org".to_string()];
        let a = vec!["a.example.org".to_string()];
        assert_eq!(
            shape,
            [
                (bc.clone(), "203.0.113.6".into()),
                (bc, "2001:db8::6".into()),
                (a.clone(), "203.0.113.6".into()),
                (a, "2001:db8::6".into()),
            ]
        );
    }

    /// A host the machine no longer wants (an earlier reply stopped it) leaves the rest of
    /// the exchange: its other family's request goes without it, or not at all.
    #[test]
    fn keep_drops_the_hosts_an_earlier_answer_stopped() {
        let both = set(Some("203.0.113.5"), Some("2001:db8::5"));
        let update = Update {
            targets: vec![
                target("a.example.org", both, false),
                target("b.example.org", both, false),
            ],
            ..Update::default()
        };
        let mut ex = Exchange::new(account(FamilyMode::Separate), &update);
        assert_eq!(ex.preview().len(), 2, "one request per family");
        sends(&mut ex);
        ex.take(ok("good 203.0.113.5\nnohost"));
        answered(&mut ex);
        ex.keep(&["a.example.org".to_string()]);
        let v6 = sends(&mut ex);
        assert!(
            v6.url.contains("hostname=a.example.org&myip=2001:db8::5"),
            "{}",
            v6.url
        );
        let mut ex = Exchange::new(account(FamilyMode::Separate), &update);
        sends(&mut ex);
        ex.take(ok("badauth"));
        answered(&mut ex);
        ex.keep(&[]);
        assert_eq!(ex.next(), Next::Done, "nothing is sent for no host");
    }

    /// A reply that names other addresses confirms only those; one that names none
    /// confirms what was sent; a cut reply says so.
    #[test]
    fn answers_say_what_the_reply_confirms() {
        let both = set(Some("203.0.113.5"), Some("2001:db8::5"));
        let update = Update {
            targets: vec![target("a.example.org", both, false)],
            ..Update::default()
        };
        let mut ex = Exchange::new(account(FamilyMode::Combined), &update);
        let req = sends(&mut ex);
        assert!(
            req.url.ends_with("myip=203.0.113.5,2001:db8::5"),
            "{}",
            req.url
        );
        ex.take(HttpReply {
            truncated: true,
            ..ok("good 2001:db8::5")
        });
        let Next::Answers { answers, last } = ex.next() else {
            panic!("answers");
        };
        assert!(last);
        assert_eq!(answers.answers[0].sent, both);
        assert_eq!(answers.answers[0].confirmed, set(None, Some("2001:db8::5")));
        assert!(
            answers.notes[0].contains("the rest was dropped"),
            "{:?}",
            answers.notes
        );
        let mut ex = Exchange::new(account(FamilyMode::Combined), &update);
        sends(&mut ex);
        ex.take(ok("good"));
        let Next::Answers { answers, .. } = ex.next() else {
            panic!("answers");
        };
        assert_eq!(answers.answers[0].confirmed, both);
    }
}
