//! dynward: an event-driven dynamic-DNS (dyndns2) update client for Linux routers and servers.
//!
//! # Layout
//! - [`config`]: the TOML config, read strictly into typed policies, every problem located.
//! - [`provider`]: provider presets and their quirks.
//! - [`protocol::dyndns2`]: build requests, parse replies, decide (pure).
//! - [`addr`]: which addresses are publishable and which one to pick (pure).
//! - [`watch`]: address sources: interface listing over netlink, web check-IP.
//! - [`http`]: the only module that knows reqwest: runs one request.
//! - [`store`]: the state file, written atomically.
//! - [`oneshot`]: the `once` command: plan, send, record.
//! - [`policy`]: the per-policy state machine (pure).
//! - [`daemon`]: `dynward run`: the loop that drives the machines.
//! - [`clock`]: wall-clock steps seen against the monotonic clock (pure).
//! - [`secret`], [`duration`]: small shared types.

pub mod addr;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod duration;
pub mod hook;
pub mod http;
pub mod oneshot;
pub mod policy;
pub mod protocol;
pub mod provider;
pub mod secret;
pub mod store;
pub mod systemd;
pub mod watch;
