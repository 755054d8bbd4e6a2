//! Address sources: the interfaces of this machine (netlink) and web check-IP services.

pub mod events;
pub mod iface;
pub mod web;
