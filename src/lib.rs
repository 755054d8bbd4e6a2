//! dynward: an event-driven dynamic-DNS (dyndns2) update client for Linux routers and servers.
//!
//! # Layout
//! Pure code (no socket, file, task or clock):
//! - [`config`]: the TOML config, read strictly into typed policies, every problem located.
//! - [`provider`]: provider presets and their quirks.
//! - [`protocol`]: build dyndns2 requests, parse replies, decide per code; the plain values an
//!   HTTP exchange ends in.
//! - [`addr`]: which addresses are publishable and which one to pick.
//! - [`lan6`]: the IPv6 address of a host behind the router: a LAN prefix plus its host id.
//! - [`record`]: what each provider accepted, and every stop and hold.
//! - [`plan`]: the decision core: which host is due, grouping into requests, what a reply
//!   does to the record, and the words for each result.
//! - [`policy`]: the per-policy state machine over the core.
//! - [`status`]: what `status` shows.
//!
//! Drivers of the machine:
//! - [`once`]: `dynward once`, in order, one pass.
//! - [`daemon`]: `dynward run`, the one select loop.
//! - [`offline`]: `status` and `reset` from the state file, without a daemon.
//! - [`import`]: `dynward import`, another client's config carried into one of ours.
//!
//! Edges (I/O), called by the drivers:
//! - [`http`]: the only module that knows reqwest: runs one request.
//! - [`watch`]: address sources: one interface snapshot over netlink, its events, web check-IP.
//! - [`store`]: the state file, written atomically.
//! - [`systemd`], [`hook`]: sd_notify and the on_change / on_error commands.
//!
//! Small shared pieces: [`clock`] (the one place clocks are read; wall-clock steps),
//! [`secret`], [`duration`], [`cli`].

pub mod addr;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod docs;
pub mod duration;
pub mod hook;
pub mod http;
pub mod import;
pub mod lan6;
pub mod offline;
pub mod once;
pub mod plan;
pub mod policy;
pub mod protocol;
pub mod provider;
pub mod record;
pub mod secret;
pub mod status;
pub mod store;
pub mod systemd;
pub mod watch;
