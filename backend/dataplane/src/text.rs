//! Numbers and addresses as text on the stack, without the formatting machinery: the proxy
//! writes them into every request it forwards and every access-log record.

use std::fmt;
use std::net::IpAddr;

/// At most `N` bytes of ASCII text, on the stack.
pub(crate) struct StackText<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackText<N> {
    fn new() -> Self {
        Self { buf: [0; N], len: 0 }
    }

    /// The text (ASCII) as bytes: what is written out needs no UTF-8 check.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    /// `ip` in dotted decimal.
    fn push_ipv4(&mut self, ip: std::net::Ipv4Addr) {
        let [a, b, c, d] = ip.octets();
        self.push_octet(a);
        for octet in [b, c, d] {
            self.push(b'.');
            self.push_octet(octet);
        }
    }

    /// `octet` in decimal.
    fn push_octet(&mut self, octet: u8) {
        if octet >= 100 {
            self.push(b'0' + octet / 100);
        }
        if octet >= 10 {
            self.push(b'0' + octet / 10 % 10);
        }
        self.push(b'0' + octet % 10);
    }
}

impl<const N: usize> fmt::Write for StackText<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let slot = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `n` in decimal: the digits are counted first and written in place, last to first (no copy of
/// a variable length, which would be a call to `memcpy`).
pub(crate) fn decimal(mut n: u64) -> StackText<20> {
    let mut out = StackText::new();
    let mut rest = n / 10;
    out.len = 1;
    while rest > 0 {
        out.len += 1;
        rest /= 10;
    }
    for slot in out.buf[..out.len].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out
}

/// `ip` as text: IPv4 written by hand, IPv6 (rare here) through its `Display`.
pub(crate) fn address(ip: IpAddr) -> StackText<45> {
    let mut out = StackText::new();
    match ip {
        IpAddr::V4(v4) => out.push_ipv4(v4),
        IpAddr::V6(v6) => {
            let _ = fmt::Write::write_fmt(&mut out, format_args!("{v6}"));
        }
    }
    out
}

/// `addr` as `a.b.c.d:port`: what an access-log record shows of an IPv4 peer or target, written
/// with one copy.
pub(crate) fn socket_v4(addr: std::net::SocketAddrV4) -> StackText<21> {
    let mut out = StackText::new();
    out.push_ipv4(*addr.ip());
    out.push(b':');
    for &digit in decimal(u64::from(addr.port())).as_bytes() {
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_addresses_read_as_display_writes_them() {
        for n in [0, 7, 10, 99, 100, 443, 65535, u64::MAX] {
            assert_eq!(decimal(n).as_bytes(), n.to_string().as_bytes());
        }
        for ip in ["0.0.0.0", "127.77.1.250", "10.0.100.9", "255.255.255.255", "::1", "fd00:ec2:80::10"] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(address(ip).as_bytes(), ip.to_string().as_bytes());
        }
        let longest: IpAddr = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff".parse().unwrap();
        assert_eq!(address(longest).as_bytes(), longest.to_string().as_bytes());
        let mapped: IpAddr = "::ffff:255.255.255.255".parse().unwrap();
        assert_eq!(address(mapped).as_bytes(), mapped.to_string().as_bytes());
        for socket in ["0.0.0.0:0", "127.77.1.250:8080", "255.255.255.255:65535", "10.0.100.9:443"] {
            let socket: std::net::SocketAddrV4 = socket.parse().unwrap();
            assert_eq!(socket_v4(socket).as_bytes(), socket.to_string().as_bytes());
        }
    }
}
