//! Which loopback /24 blocks other processes already use, read from the kernel's socket tables
//! (`/proc/net/tcp` listeners and `/proc/net/udp` sockets): a second backend on the same
//! `--vpc-pool`, or any server bound inside a block, makes the block unusable for a new VPC,
//! whose resolver, proxy and services could not bind there.

use std::collections::HashSet;
use std::net::Ipv4Addr;

/// The `a.b.c` prefixes of 127.0.0.0/8 blocks that have a bound socket, on this machine.
pub(crate) fn busy_blocks() -> HashSet<String> {
    let mut busy = HashSet::new();
    for (table, listening_only) in [("/proc/net/tcp", true), ("/proc/net/udp", false)] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        busy.extend(blocks_in(&text, listening_only));
    }
    busy
}

/// Blocks of the loopback addresses in one `/proc/net/{tcp,udp}` table.
fn blocks_in(table: &str, listening_only: bool) -> impl Iterator<Item = String> + '_ {
    table.lines().skip(1).filter_map(move |line| {
        let mut fields = line.split_whitespace();
        let local = fields.nth(1)?;
        let state = fields.nth(1)?;
        // TCP state 0A is LISTEN; connections come and go.
        if listening_only && state != "0A" {
            return None;
        }
        let hex = local.split(':').next()?;
        // The kernel prints the address as the 32-bit word it stores, in this machine's order.
        let ip = Ipv4Addr::from(u32::from_str_radix(hex, 16).ok()?.to_ne_bytes());
        let [a, b, c, _] = ip.octets();
        (a == 127 && ip != Ipv4Addr::LOCALHOST).then(|| format!("{a}.{b}.{c}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_socket_marks_its_block_busy() {
        let socket = std::net::UdpSocket::bind("127.77.251.2:0").unwrap();
        assert!(busy_blocks().contains("127.77.251"));
        drop(socket);
        let listener = std::net::TcpListener::bind("127.77.252.10:0").unwrap();
        assert!(busy_blocks().contains("127.77.252"));
        drop(listener);
    }

    #[test]
    fn tables_are_read_as_the_kernel_writes_them() {
        let word = u32::from_ne_bytes([127, 77, 3, 2]);
        let table = format!(
            "  sl  local_address rem_address   st\n   0: {word:08X}:0035 00000000:0000 0A\n   1: {:08X}:1F90 00000000:0000 01\n",
            u32::from_ne_bytes([127, 77, 4, 9])
        );
        assert_eq!(blocks_in(&table, true).collect::<Vec<_>>(), vec!["127.77.3".to_string()]);
        assert_eq!(blocks_in(&table, false).count(), 2);
    }
}
