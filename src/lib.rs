//! dynward: an event-driven dynamic-DNS update client for Linux routers and servers.
//!
//! # Layout
//! Pure code (no socket, task or clock; what it reads is handed to it):
//! - [`protocol`]: the seam between the machine and the protocols: an update asked for, the
//!   per-host answers it ends in, and each protocol's sans-IO exchange (dyndns2 and its
//!   dialects, the DNS hosts' APIs), with the answer codes and their one table of words and
//!   decisions; DNS messages (RFC 2136 UPDATE, TSIG, queries) as bytes.
//! - [`provider`]: the preset table: each provider's endpoint and dialect, filled in.
//! - [`addr`]: which addresses are publishable and which one to pick; the addresses of a host.
//! - [`lan6`]: the IPv6 address of a host behind the router: a LAN prefix plus its host id.
//! - [`record`]: what each provider accepted, and every stop and hold.
//! - [`plan`]: the decision core: which host is due, what an update asks for, what an answer
//!   does to the record, and the words for each result.
//! - [`policy`]: the per-policy state machine over the core.
//! - [`status`]: what `status` shows.
//!
//! The config ([`config`]): read strictly into typed policies, every problem located. Its
//! reading of the text is pure; its room `resolve` reads what the text points at (password
//! files, systemd credentials, `/etc/group`, a CA file's presence), and `load` the file.
//!
//! Drivers of the machine:
//! - [`once`]: `dynward once`, in order, one pass.
//! - [`daemon`]: `dynward run`, the one select loop, with its server queue and control socket.
//! - [`offline`]: `status` and `reset` from the state file, without a daemon.
//! - [`import`]: `dynward import`, another client's config carried into one of ours.
//!
//! Edges (I/O), called by the drivers:
//! - [`http`]: the HTTP runner, and the only module that knows reqwest: moves an exchange
//!   across the wire.
//! - [`served`]: asks a zone's authoritative servers what they serve for a host.
//! - [`watch`]: address sources: one interface snapshot over netlink, its events, web check-IP.
//! - [`store`]: the state file, written atomically.
//! - [`systemd`], [`hook`]: sd_notify and the on_change / on_error commands.
//!
//! Small shared pieces: [`clock`] (the one place clocks are read; wall-clock steps),
//! [`secret`], [`duration`], [`cli`], [`docs`] (the reference tables).

pub mod addr;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod dns;
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
pub mod runner;
pub mod secret;
pub mod served;
pub mod status;
pub mod store;
pub mod syslog;
pub mod systemd;
pub mod watch;
