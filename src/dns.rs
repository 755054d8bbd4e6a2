//! The DNS runner: moves an RFC 2136 exchange across UDP (a fresh socket, so a fresh source
//! port, per message; the reply must carry the message's ID), over TCP when the reply is
//! truncated or UDP gets none (reference section 5.3). The only DNS code with sockets.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, UdpSocket};

use crate::http::Options;
use crate::protocol::dns::exchange::{DnsMessage, DnsReply};
use crate::protocol::dns::wire::{Header, Reader};
use crate::protocol::{DnsExchange, NetError, Step};

/// How long one UDP try waits for its reply; two tries, then TCP.
const UDP_WAIT: Duration = Duration::from_secs(3);

/// Moves `exchange` one step: sends what it asks for until a reply gives answers.
pub fn step<'a>(
    exchange: &'a mut DnsExchange,
    opts: &'a Options,
    targets: &'a [SocketAddr],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Step> + Send + 'a>> {
    Box::pin(crate::runner::drive(&mut **exchange, move |m| async move {
        send(&m, opts, targets).await
    }))
}

/// Sends `m` to the first of `targets` (the server's address), within the policy's
/// timeout: UDP twice, then TCP; TCP at once when the UDP reply is truncated.
pub async fn send(
    m: &DnsMessage,
    opts: &Options,
    targets: &[SocketAddr],
) -> Result<DnsReply, NetError> {
    let Some(server) = targets.first().copied() else {
        return Err(NetError::Url("the DNS server has no address".into()));
    };
    let source = opts
        .bind
        .iter()
        .find(|b| b.is_ipv4() == server.is_ipv4())
        .copied()
        .unwrap_or(if server.is_ipv4() {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        } else {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        });
    let all = async {
        for _ in 0..2 {
            match udp(m, source, server).await? {
                Some(bytes) if !truncated(&bytes) => return Ok(bytes),
                Some(_) => break,
                None => {}
            }
        }
        tcp(m, source, server).await
    };
    let bytes = tokio::time::timeout(opts.timeout, all)
        .await
        .map_err(|_| NetError::Timeout(server.to_string()))??;
    Ok(DnsReply {
        bytes,
        now: crate::clock::unix_now(),
    })
}

fn truncated(bytes: &[u8]) -> bool {
    Header::read(&mut Reader::new(bytes)).is_ok_and(|h| h.truncated())
}

/// One UDP try: the reply with the message's ID from the server, or none within
/// [`UDP_WAIT`] (others are dropped: a stray or spoofed datagram is no reply).
async fn udp(
    m: &DnsMessage,
    source: IpAddr,
    server: SocketAddr,
) -> Result<Option<Vec<u8>>, NetError> {
    let sock = UdpSocket::bind(SocketAddr::new(source, 0))
        .await
        .map_err(|e| NetError::Bind {
            addr: source,
            detail: e.to_string(),
        })?;
    sock.connect(server).await.map_err(|e| NetError::Connect {
        addr: server,
        detail: e.to_string(),
    })?;
    sock.send(&m.bytes).await.map_err(|e| NetError::Connect {
        addr: server,
        detail: e.to_string(),
    })?;
    let wait = async {
        let mut buf = vec![0u8; 4096];
        loop {
            match sock.recv(&mut buf).await {
                Ok(n) if n >= 2 && u16::from_be_bytes([buf[0], buf[1]]) == m.id => {
                    return Ok(buf[..n].to_vec());
                }
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    return Err(NetError::Refused(server));
                }
                Err(e) => {
                    return Err(NetError::Connect {
                        addr: server,
                        detail: e.to_string(),
                    });
                }
            }
        }
    };
    match tokio::time::timeout(UDP_WAIT, wait).await {
        Ok(r) => r.map(Some),
        Err(_) => Ok(None),
    }
}

/// The message over TCP: two bytes of length before it, and before the reply.
async fn tcp(m: &DnsMessage, source: IpAddr, server: SocketAddr) -> Result<Vec<u8>, NetError> {
    let sock = if server.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|e| NetError::Connect {
        addr: server,
        detail: e.to_string(),
    })?;
    sock.bind(SocketAddr::new(source, 0))
        .map_err(|e| NetError::Bind {
            addr: source,
            detail: e.to_string(),
        })?;
    let mut s = sock.connect(server).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::ConnectionRefused {
            NetError::Refused(server)
        } else {
            NetError::Connect {
                addr: server,
                detail: e.to_string(),
            }
        }
    })?;
    let broken = |e: std::io::Error| NetError::BrokenReply {
        host: server.to_string(),
        detail: e.to_string(),
    };
    let mut out = (m.bytes.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(&m.bytes);
    s.write_all(&out).await.map_err(broken)?;
    let len = s.read_u16().await.map_err(broken)?;
    let mut buf = vec![0u8; usize::from(len)];
    s.read_exact(&mut buf).await.map_err(broken)?;
    Ok(buf)
}

/// The start of an update: now, and a random seed for its DNS message IDs (an ID guessed
/// would let a forged reply be read).
pub fn start() -> crate::protocol::Start {
    let mut seed = [0u8; 8];
    // The system's random source; should it fail, the time still varies the IDs.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut seed);
    let now = crate::clock::unix_now();
    crate::protocol::Start {
        now,
        seed: u64::from_be_bytes(seed) ^ now,
    }
}
