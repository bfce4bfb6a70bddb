//! Where the data plane actually listens. Requested ports below 1024 may be refused by the OS;
//! the data plane then binds `port + offset` and records it here, so the admin API and the
//! CLI can tell clients the real port.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::RwLock;

#[derive(Debug, Default)]
pub struct PortMap {
    inner: RwLock<HashMap<(Ipv4Addr, u16), u16>>,
}

impl PortMap {
    pub fn record(&self, ip: Ipv4Addr, requested: u16, actual: u16) {
        self.inner.write().unwrap_or_else(|p| p.into_inner()).insert((ip, requested), actual);
    }

    pub fn forget(&self, ip: Ipv4Addr, requested: u16) {
        self.inner.write().unwrap_or_else(|p| p.into_inner()).remove(&(ip, requested));
    }

    pub fn actual(&self, ip: Ipv4Addr, requested: u16) -> Option<u16> {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).get(&(ip, requested)).copied()
    }
}
