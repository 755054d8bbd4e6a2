//! The daemon's line at each update server (pure): one update in flight per server, the
//! others waiting in the order they asked, so that the answer to one policy (a hold for the
//! server, a refusal of the client or of the account) is known before the next policy there
//! sends. The provider judges the client, not the policy.

use std::collections::{BTreeMap, VecDeque};

use crate::protocol::ServerId;

/// Who holds or waits for a line: a policy's machine (by its generation: a reload replaces
/// it) and its update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The policy.
    pub policy: String,
    /// Its machine's generation.
    pub generation: u64,
    /// The update's id.
    pub id: u64,
}

/// An update waiting for its server's line, and how many verdicts the server had then.
#[derive(Debug)]
struct Waiting<T> {
    holder: Holder,
    item: T,
    epoch: u64,
}

/// One server's line.
#[derive(Debug)]
struct Line<T> {
    /// The update in flight.
    in_flight: Option<Holder>,
    /// Updates waiting, in the order they asked.
    waiting: VecDeque<Waiting<T>>,
    /// Verdicts received for this server so far.
    epoch: u64,
}

impl<T> Default for Line<T> {
    fn default() -> Self {
        Line {
            in_flight: None,
            waiting: VecDeque::new(),
            epoch: 0,
        }
    }
}

/// What comes next at a server whose line is free.
#[derive(Debug, PartialEq, Eq)]
pub enum Turn<T> {
    /// Send this update as it was planned: the line is its own now.
    Send(Holder, T),
    /// A verdict for the server came while it waited: its machine must plan again (the line
    /// stays free).
    Stale(Holder),
}

/// Every server's line; `T` is what a waiting update carries.
#[derive(Debug)]
pub struct Queue<T> {
    lines: BTreeMap<ServerId, Line<T>>,
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Queue {
            lines: BTreeMap::new(),
        }
    }
}

impl<T> Queue<T> {
    /// `holder` asks to send `item` at `server`: it is handed back to go now when the line
    /// is free (the line is then the holder's), else it waits its turn.
    pub fn ask(&mut self, server: &ServerId, holder: Holder, item: T) -> Option<T> {
        let line = self.lines.entry(server.clone()).or_default();
        if line.in_flight.is_none() {
            line.in_flight = Some(holder);
            return Some(item);
        }
        line.waiting.retain(|w| w.holder.policy != holder.policy);
        line.waiting.push_back(Waiting {
            holder,
            item,
            epoch: line.epoch,
        });
        None
    }

    /// The line `holder` holds is free again (its update is over, withdrawn or its policy
    /// replaced); returns the server, whichever it is.
    pub fn release(&mut self, holder: &Holder) -> Option<ServerId> {
        let (server, line) = self
            .lines
            .iter_mut()
            .find(|(_, l)| l.in_flight.as_ref() == Some(holder))?;
        line.in_flight = None;
        Some(server.clone())
    }

    /// A verdict came for `server`: what waits there was planned without it.
    pub fn verdict(&mut self, server: &ServerId) {
        self.lines.entry(server.clone()).or_default().epoch += 1;
    }

    /// The next waiting update at `server` while its line is free.
    pub fn next(&mut self, server: &ServerId) -> Option<Turn<T>> {
        let line = self.lines.get_mut(server)?;
        if line.in_flight.is_some() {
            return None;
        }
        let w = line.waiting.pop_front()?;
        if w.epoch != line.epoch {
            return Some(Turn::Stale(w.holder));
        }
        line.in_flight = Some(w.holder.clone());
        Some(Turn::Send(w.holder, w.item))
    }

    /// Takes back the update `policy` waits with (it is no longer the one to send).
    pub fn withdraw(&mut self, policy: &str) -> Option<(Holder, T)> {
        self.lines.values_mut().find_map(|l| {
            let i = l.waiting.iter().position(|w| w.holder.policy == policy)?;
            l.waiting.remove(i).map(|w| (w.holder, w.item))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(policy: &str, id: u64) -> Holder {
        Holder {
            policy: policy.into(),
            generation: 1,
            id,
        }
    }

    fn server(s: &str) -> ServerId {
        ServerId::from(s)
    }

    /// One update goes at a time per server; the others wait, and go in the order they
    /// asked as each line frees; another server's line is its own.
    #[test]
    fn one_update_in_flight_per_server_in_the_order_asked() {
        let (s1, s2) = (
            server("https://a.example:443"),
            server("https://b.example:443"),
        );
        let mut q = Queue::default();
        assert_eq!(q.ask(&s1, holder("a", 1), "a1"), Some("a1"));
        assert_eq!(q.ask(&s1, holder("b", 1), "b1"), None);
        assert_eq!(q.ask(&s1, holder("c", 1), "c1"), None);
        assert_eq!(
            q.ask(&s2, holder("d", 1), "d1"),
            Some("d1"),
            "another server"
        );
        assert_eq!(q.next(&s1), None, "the line is in_flight");
        assert_eq!(q.release(&holder("a", 1)), Some(s1.clone()));
        assert_eq!(q.next(&s1), Some(Turn::Send(holder("b", 1), "b1")));
        assert_eq!(q.next(&s1), None, "b holds it now");
        assert_eq!(q.release(&holder("b", 1)), Some(s1.clone()));
        assert_eq!(q.next(&s1), Some(Turn::Send(holder("c", 1), "c1")));
    }

    /// A verdict at the server makes what waited there stale: its machine plans again
    /// with the verdict, and the line stays free for the next one.
    #[test]
    fn a_verdict_makes_the_waiting_updates_stale() {
        let s1 = server("https://a.example:443");
        let mut q = Queue::default();
        q.ask(&s1, holder("a", 1), "a1");
        q.ask(&s1, holder("b", 1), "b1");
        q.verdict(&s1);
        q.ask(&s1, holder("c", 1), "c1");
        q.release(&holder("a", 1));
        assert_eq!(q.next(&s1), Some(Turn::Stale(holder("b", 1))));
        assert_eq!(q.next(&s1), Some(Turn::Send(holder("c", 1), "c1")));
    }

    /// Only the holder frees a line: a replaced machine's (another generation) or another
    /// update's release does nothing.
    #[test]
    fn only_the_holder_releases() {
        let s1 = server("https://a.example:443");
        let mut q = Queue::default();
        q.ask(&s1, holder("a", 1), ());
        assert_eq!(q.release(&holder("a", 2)), None, "another update");
        let replaced = Holder {
            generation: 2,
            ..holder("a", 1)
        };
        assert_eq!(q.release(&replaced), None, "another machine");
        assert_eq!(q.release(&holder("a", 1)), Some(s1));
    }

    /// A waiting update can be withdrawn (its address changed before it could go), and a
    /// policy waits with one update at most: a newer one replaces it in line.
    #[test]
    fn a_waiting_update_is_withdrawn_or_replaced() {
        let s1 = server("https://a.example:443");
        let mut q = Queue::default();
        q.ask(&s1, holder("a", 1), "a1");
        q.ask(&s1, holder("b", 1), "b1");
        assert_eq!(q.withdraw("b"), Some((holder("b", 1), "b1")));
        assert_eq!(q.withdraw("b"), None, "nothing waits any more");
        q.ask(&s1, holder("b", 2), "b2");
        q.ask(&s1, holder("b", 3), "b3");
        q.release(&holder("a", 1));
        assert_eq!(q.next(&s1), Some(Turn::Send(holder("b", 3), "b3")));
        assert_eq!(q.next(&s1), None);
    }
}
