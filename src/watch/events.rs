//! Netlink address, link and route notifications: the reason the daemon never polls.
//!
//! Any notification means "something changed": the daemon then re-reads the interfaces with a
//! dump (a fraction of a millisecond), which is simpler and more robust than patching a copy
//! from individual messages. A receive-buffer overrun (ENOBUFS) means notifications were lost,
//! which a re-read also repairs.

use std::io;

use netlink_sys::{AsyncSocket, AsyncSocketExt, SocketAddr, TokioSocket, protocols::NETLINK_ROUTE};

const RTMGRP_LINK: u32 = 0x1;
const RTMGRP_IPV4_IFADDR: u32 = 0x10;
const RTMGRP_IPV4_ROUTE: u32 = 0x40;
const RTMGRP_IPV6_IFADDR: u32 = 0x100;
const RTMGRP_IPV6_ROUTE: u32 = 0x400;
const ENOBUFS: i32 = 105;

/// A subscription to rtnetlink notifications.
pub struct Watcher {
    socket: TokioSocket,
    buf: Vec<u8>,
}

impl Watcher {
    /// Subscribes to link and address changes, and to route changes when `routes` is set
    /// (needed to follow the default route for `interface = "auto"`).
    pub fn new(routes: bool) -> io::Result<Self> {
        let mut socket = TokioSocket::new(NETLINK_ROUTE)?;
        let mut groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
        if routes {
            groups |= RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
        }
        // A bigger buffer rides out bursts (1000 flaps) without overruns.
        let _ = socket.socket_ref().set_rx_buf_sz(1 << 20);
        socket.socket_mut().bind(&SocketAddr::new(0, groups))?;
        Ok(Watcher {
            socket,
            buf: Vec::with_capacity(64 * 1024),
        })
    }

    /// Waits for the next batch of notifications and drains what is already queued, so a burst
    /// costs one re-read. Returns `Ok(true)` when notifications were lost (re-read anyway).
    pub async fn changed(&mut self) -> io::Result<bool> {
        self.buf.clear();
        let mut lost = false;
        match self.socket.recv(&mut self.buf).await {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(ENOBUFS) => lost = true,
            Err(e) => return Err(e),
        }
        loop {
            self.buf.clear();
            match self
                .socket
                .socket_ref()
                .recv(&mut self.buf, libc_dontwait())
            {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.raw_os_error() == Some(ENOBUFS) => lost = true,
                Err(e) => return Err(e),
            }
        }
        Ok(lost)
    }
}

/// MSG_DONTWAIT, without a libc dependency of our own.
const fn libc_dontwait() -> i32 {
    0x40
}
