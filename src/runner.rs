//! The runners by wire: an update's exchange goes to the one its protocol speaks (HTTP for
//! dyndns2 and the APIs, DNS for RFC 2136). Both drivers call this, so they never know
//! which.

use std::net::SocketAddr;

use crate::http::Options;
use crate::protocol::{AnyExchange, Step};

/// Moves `exchange` one step across its wire.
pub fn step<'a>(
    exchange: &'a mut AnyExchange,
    opts: &'a Options,
    targets: &'a [SocketAddr],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Step> + Send + 'a>> {
    match exchange {
        AnyExchange::Http(x) => crate::http::step(x, opts, targets),
        AnyExchange::Dns(x) => crate::dns::step(x, opts, targets),
    }
}
