//! The dyndns2 update protocol and its provider dialects: build requests, read replies. Pure
//! code, no I/O.
//!
//! Follows `reference/dyndns2-protocol.md`: sections 2–3 for requests ([`request`]), 4 and 6
//! for replies ([`reply`]); what each answer decides is the code table's
//! ([`crate::protocol::code`]). How providers differ is their [`dialect`]; an update's
//! requests and answers are its [`exchange`].

pub mod dialect;
pub mod exchange;
pub mod reply;
pub mod request;

pub use dialect::{Credentials, Dialect, FamilyMode, HostForm, Rule, Shape, User};
pub use exchange::{Account, Exchange};
pub use reply::{HostResult, Parsed, has_words, parse_reply, read_response};
pub use request::{COMPONENT, Endpoint, MAX_HOSTS, Request, build_requests, host_in_request};

#[cfg(test)]
mod tests;
