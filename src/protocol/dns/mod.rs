//! DNS: RFC 2136 UPDATE signed with TSIG, and the queries that find a zone and check what
//! its servers serve. Built by hand on ring's HMAC (measured: about 8 KiB, against 25 to
//! 200 KiB for a crate; reference section 5.5). Pure: messages in, values out.
//!
//! - [`wire`]: names, a writer and a bounded reader;
//! - [`tsig`]: signing a request and checking a reply (RFC 8945);
//! - [`message`]: the UPDATE and the queries dynward sends, and what a reply says;
//! - [`exchange`]: an update's messages, host after host, and each reply's answer;
//! - [`served`]: what a zone's servers serve for a host, judged against what was accepted.

pub mod exchange;
pub mod message;
pub mod served;
pub mod tsig;
pub mod wire;

#[cfg(test)]
mod tests;
