//! Asks a zone's authoritative servers what they serve for a host: the zone and its servers
//! from the system's resolver, then each server directly, round after round until every one
//! serves what was accepted or the limit passes. The judging is [`crate::protocol::dns::served`]'s;
//! this module only moves the messages.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use crate::addr::AddrSet;
use crate::http::Options;
use crate::protocol::dns::exchange::DnsMessage;
use crate::protocol::dns::served::{self, Ask, Found, Judged, Published, Seen};
use crate::protocol::dns::wire::Name;

/// Where the system's resolvers are named (`DYNWARD_RESOLV_CONF` names another file).
pub const RESOLV_CONF: &str = "/etc/resolv.conf";

/// How long one question to one server may take (UDP twice, then TCP).
const ASK_TIMEOUT: Duration = Duration::from_secs(7);

/// Checks `ask`: the zone's servers are asked until they all serve `ask.want` or
/// `ask.limit` passes (counted from `since`, when the provider accepted it). Boxed: both
/// drivers run it, and one copy of its code serves them.
pub fn check(
    ask: &Ask,
    since: Instant,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Found> + Send + '_>> {
    Box::pin(check_unboxed(ask, since))
}

async fn check_unboxed(ask: &Ask, since: Instant) -> Found {
    if ask.behind_proxy {
        return served::behind_proxy(ask, crate::clock::unix_now());
    }
    let found = |published| Found {
        host: ask.host.clone(),
        want: ask.want,
        published,
        elsewhere: None,
    };
    let unknown = |why: String| {
        found(Published {
            at: crate::clock::unix_now(),
            served: None,
            words: format!("not known: {why}"),
        })
    };
    let Ok(host) = Name::parse(&ask.host) else {
        return unknown("not a DNS name".into());
    };
    let servers = match servers(&host, ask.zone.as_deref()).await {
        Ok(s) => s,
        Err(why) => return unknown(why),
    };
    let mut seen: Vec<(String, Seen)> = servers
        .iter()
        .map(|(n, _)| (n.clone(), Err("not asked".to_string())))
        .collect();
    loop {
        for ((_, addrs), (_, s)) in servers.iter().zip(seen.iter_mut()) {
            // A server that serves it already is not asked again.
            if !s.as_ref().is_ok_and(|a| served::serves(ask.want, a)) {
                *s = ask_server(&host, ask.want, addrs).await;
            }
        }
        let j: Judged = served::judge(ask.want, &seen);
        let elapsed = crate::clock::mono_now().saturating_duration_since(since);
        match served::next_ask(elapsed, ask.limit) {
            Some(wait) if !j.all_served() => tokio::time::sleep(wait).await,
            _ => {
                return Found {
                    host: ask.host.clone(),
                    want: ask.want,
                    published: served::published(&j, elapsed, true, crate::clock::unix_now()),
                    elsewhere: served::elsewhere(&seen, ask.want),
                };
            }
        }
    }
}

/// The zone's servers, each with its addresses.
async fn servers(
    host: &Name,
    zone: Option<&str>,
) -> Result<Vec<(String, Vec<SocketAddr>)>, String> {
    let file = std::env::var("DYNWARD_RESOLV_CONF").unwrap_or_else(|_| RESOLV_CONF.into());
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let resolvers: Vec<SocketAddr> = served::resolvers(&text)
        .into_iter()
        .map(|ip| SocketAddr::new(ip, 53))
        .collect();
    if resolvers.is_empty() {
        return Err(format!(
            "{file} names no resolver to find the zone's servers"
        ));
    }
    let zone = match zone {
        Some(z) => Name::parse(z).map_err(|_| format!("the zone {z} is no DNS name"))?,
        None => {
            let id = fresh_id();
            let reply = ask_any(&resolvers, served::ask_zone(id, host), id).await?;
            served::read_zone(&reply, id, host)
                .ok_or_else(|| format!("the resolver names no zone that holds {host}"))?
        }
    };
    let id = fresh_id();
    let reply = ask_any(&resolvers, served::ask_servers(id, &zone), id).await?;
    let names = served::read_servers(&reply, id);
    if names.is_empty() {
        return Err(format!("the resolver names no server of the zone {zone}"));
    }
    let mut out = Vec::new();
    for n in names {
        let name = n.to_string().trim_end_matches('.').to_string();
        let addrs = tokio::net::lookup_host((name.as_str(), 53))
            .await
            .map(|a| a.collect())
            .unwrap_or_default();
        out.push((name, addrs));
    }
    Ok(out)
}

/// What one server serves for `host`, the families of `want` together.
async fn ask_server(host: &Name, want: AddrSet, addrs: &[SocketAddr]) -> Seen {
    if addrs.is_empty() {
        return Err("its name does not resolve".into());
    }
    let mut all = Vec::new();
    for v6 in [false, true] {
        if (v6 && want.v6.is_none()) || (!v6 && want.v4.is_none()) {
            continue;
        }
        let id = fresh_id();
        let reply = ask_any(addrs, served::ask(id, host, v6), id).await?;
        all.extend(served::read_seen(&reply, id)?);
    }
    Ok(all)
}

/// Sends `bytes` to each of `targets` in turn until one replies; the reply's bytes.
async fn ask_any(targets: &[SocketAddr], bytes: Vec<u8>, id: u16) -> Result<Vec<u8>, String> {
    let m = DnsMessage {
        bytes,
        id,
        update: false,
        shown: String::new(),
    };
    let opts = Options {
        user_agent: String::new(),
        connect_timeout: ASK_TIMEOUT,
        timeout: ASK_TIMEOUT,
        ca_file: None,
        bind: Vec::new(),
    };
    let mut why = String::from("no address");
    for t in targets {
        match crate::dns::send(&m, &opts, std::slice::from_ref(t)).await {
            Ok(r) => return Ok(r.bytes),
            Err(e) => why = e.to_string(),
        }
    }
    Err(why)
}

/// A random message ID (a guessed one would let a forged answer be read).
fn fresh_id() -> u16 {
    let mut b = [0u8; 2];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
    u16::from_be_bytes(b)
}
