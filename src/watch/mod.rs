//! Address sources: the interfaces of this machine (netlink) and web check-IP services.

pub mod detect;
pub mod events;
pub mod iface;
pub mod rtnl;
pub mod web;
