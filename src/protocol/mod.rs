//! Update protocols (pure: strings in, values out; no socket, no clock, no config file).
//!
//! [`code`] is dynward's answer vocabulary with its one table of names, words and decisions;
//! [`dyndns2`] builds requests and reads replies; [`transport`] holds the plain values an HTTP
//! exchange ends in (a reply, or why there was none), so that the decision code can consume
//! them without knowing the HTTP client.

pub mod code;
pub mod dyndns2;
pub mod html;
pub mod transport;

pub use transport::{NetError, Response};
