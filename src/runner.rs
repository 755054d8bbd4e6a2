//! The runners by wire: an update's exchange goes to the one its protocol speaks (HTTP for
//! dyndns2 and the APIs, DNS for RFC 2136). Both drivers call this, so they never know
//! which.

use std::net::SocketAddr;

use crate::http::Options;
use crate::protocol::{AnyExchange, Exchange, NetError, Next, Step};

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

/// The loop every runner runs: send what the exchange asks for with `send`, hand it each
/// reply, until a reply gives answers (or it ends); a message that gets no reply ends the
/// step with the hosts it was about.
pub async fn drive<M, R, F>(
    exchange: &mut (impl Exchange<Message = M, Reply = R> + ?Sized),
    mut send: impl FnMut(M) -> F,
) -> Step
where
    F: std::future::Future<Output = Result<R, NetError>>,
{
    loop {
        match exchange.next() {
            Next::Send(m) => match send(m).await {
                Ok(reply) => exchange.take(reply),
                Err(error) => {
                    return Step::Failed {
                        error,
                        pending: exchange.pending(),
                    };
                }
            },
            Next::Answers { answers, last } => return Step::Answered { answers, last },
            Next::Done => {
                return Step::Answered {
                    answers: Default::default(),
                    last: true,
                };
            }
        }
    }
}
