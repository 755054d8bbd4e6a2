//! The integration tests, one target (ripgrep's layout): the shared helpers ([`util`]: a fake
//! dyndns2 server, the real binary run with a config, network namespaces) compile once, and
//! each module tests one face of the real `dynward` binary.
//!
//! Index:
//! - [`once`], [`presets`], [`http`]: `dynward once` against local servers; every preset's
//!   requests and answers; the HTTP runner alone.
//! - [`daemon`], [`service`]: `dynward run` as a process: restarts, stops, holds, reloads,
//!   the control socket; the service as systemd runs it.
//! - [`outputs`], [`import`], [`upgrade`]: what the commands print; imported configs; state
//!   files of earlier versions.
//! - [`faults`], [`soak`]: servers and disks that misbehave; hours of random events in
//!   minutes.
//! - Root only, in network namespaces the tests make: [`netns`], [`daemon_netns`],
//!   [`clock`] (libfaketime), [`real_server`] (nsupdate.info with BIND), [`dns`] (RFC 2136
//!   with BIND), [`real_systemd`]
//!   (a systemd guest).

mod util;

mod api;
mod clock;
mod cross;
mod daemon;
mod daemon_netns;
mod dns;
mod faults;
mod http;
mod import;
mod netns;
mod once;
mod openwrt;
mod outputs;
mod presets;
mod real_server;
mod real_systemd;
mod served;
mod service;
mod soak;
mod upgrade;
