//! Network namespaces that stand for VPCs (`lattice-local exec`). In a VPC's namespace the
//! loopback interface carries Lattice's link-local ranges (169.254.171.0/24 and
//! fd00:ec2:80::/64) as local routes whose source is the client's own address in the VPC block
//! (`.250`), `/etc/netns/<name>/resolv.conf` names the VPC resolver, and the data plane binds its
//! sockets for that VPC inside the namespace: the resolver at the block's `.2` (answering
//! link-local addresses), services at 169.254.171.10 and resources at 169.254.171.N. So a
//! program run with `ip netns exec` sees what a client in that VPC sees, with Lattice's own
//! addresses. Requires root (CAP_SYS_ADMIN); namespaces are removed when the backend stops.
//!
//! What a socket per port cannot serve goes through one socket and a redirect: every port of a
//! resource whose ranges are wider than
//! [`MAX_PORTS`](lattice_model::resources::MAX_PORTS), and the addresses of `CIDR` resources
//! (routed to the loopback interface: any other address gets no answer, as in a VPC). nftables
//! rules in the namespace redirect those connections to [`REDIRECT_PORT`], where the original
//! destination tells what the client asked for.

use std::fmt::Write as _;
use std::io;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::AsFd;
use std::process::{Command, Stdio};

use lattice_model::resources::{ResourceRoute, ResourceTarget};
use lattice_model::snapshot::{link_local, link_local_v6, VpcView, CLIENT_OCTET};

/// The port of the socket a namespace's redirect rules lead to, on 127.0.0.1 and ::1 inside it.
pub const REDIRECT_PORT: u16 = 15001;

/// The namespace of `account`'s VPC `vpc_id`.
pub fn name(account: &str, vpc_id: &str) -> String {
    format!("lattice-{account}-{vpc_id}")
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("cannot run `ip` (iproute2): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("`ip {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// Creates (or re-creates) the namespace `ns` of `vpc_id`, whose block's resolver is `resolver`.
pub fn create(ns: &str, vpc_id: &str, resolver: Ipv4Addr) -> Result<String, String> {
    let ns = ns.to_string();
    // A namespace left by a backend that did not stop cleanly is replaced.
    let _ = ip(&["netns", "del", &ns]);
    ip(&["netns", "add", &ns]).map_err(|e| {
        format!(
            "{e}. Network namespaces need root (CAP_SYS_ADMIN). Without them, be a client of {vpc_id} through its \
             forward proxy (HTTPS_PROXY=$(lattice-local vpc proxy-url {vpc_id})) or ask its resolver \
             (dig @<resolverAddress>) and connect with curl --resolve"
        )
    })?;
    let [a, b, c, _] = resolver.octets();
    let client = Ipv4Addr::new(a, b, c, CLIENT_OCTET).to_string();
    let setup = || -> Result<(), String> {
        ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        ip(&["-n", &ns, "route", "add", "local", "169.254.171.0/24", "dev", "lo", "src", &client])?;
        ip(&["-n", &ns, "-6", "route", "add", "local", "fd00:ec2:80::/64", "dev", "lo"])?;
        // Other addresses leave through the loopback interface too: a redirect rule catches a
        // CIDR resource's, and the rest are dropped unanswered, as in a VPC without a route.
        ip(&["-n", &ns, "route", "add", "default", "dev", "lo", "src", &client])?;
        ip(&["-n", &ns, "-6", "route", "add", "default", "dev", "lo"])?;
        let dir = std::path::Path::new("/etc/netns").join(&ns);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        std::fs::write(dir.join("resolv.conf"), format!("nameserver {resolver}\n"))
            .map_err(|e| format!("cannot write {}/resolv.conf: {e}", dir.display()))
    };
    if let Err(e) = setup() {
        remove(&ns);
        return Err(e);
    }
    Ok(ns)
}

/// The nftables ruleset of `view`'s namespace: what goes to [`REDIRECT_PORT`]. One rule per
/// (address or block, port range), so overlapping ranges never conflict.
pub fn redirect_rules(view: &VpcView) -> String {
    fn add(rules: &mut String, family: &str, daddr: &str, resource: &ResourceRoute) {
        for (lo, hi) in &resource.ports {
            let _ = writeln!(rules, "    {family} daddr {daddr} tcp dport {lo}-{hi} redirect to :{REDIRECT_PORT}");
        }
    }
    let mut text = String::from("table inet lattice\ndelete table inet lattice\ntable inet lattice {\n");
    text.push_str("  chain lattice_redirect {\n    type nat hook output priority -100; policy accept;\n");
    // More ports than get a socket each.
    for (ip, resource) in view.resources().filter(|(_, r)| !r.fits_the_host()) {
        add(&mut text, "ip", &link_local(ip).to_string(), resource);
        add(&mut text, "ip6", &link_local_v6(ip).to_string(), resource);
    }
    // Lattice's own addresses and the VPC resolver stay what they are, whatever CIDR covers them.
    let _ = writeln!(text, "    ip daddr {{ 169.254.171.0/24, {} }} accept", view.resolver_ip);
    text.push_str("    ip6 daddr fd00:ec2:80::/64 accept\n");
    for resource in view.cidr_resources() {
        let ResourceTarget::Cidr(blocks) = &resource.target else { continue };
        for block in blocks.iter() {
            add(&mut text, if block.is_ipv6() { "ip6" } else { "ip" }, &block.to_string(), resource);
        }
    }
    text.push_str("  }\n}\n");
    text
}

/// Replaces the redirect rules of namespace `ns` with `rules` (one nftables transaction).
pub fn redirect(ns: &str, rules: &str) -> Result<(), String> {
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns, "nft", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `ip netns exec {ns} nft`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(rules.as_bytes()).map_err(|e| format!("cannot write nftables rules: {e}"))?;
    }
    let out = child.wait_with_output().map_err(|e| format!("nft failed: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("No such file") || stderr.contains("not found") {
        return Err("nft (nftables) is not installed: wide port ranges and CIDR resources are not served in VPC namespaces (apt-get install nftables)".into());
    }
    Err(format!("nft refused the redirect rules: {}", stderr.trim()))
}

/// The address a redirected connection asked for.
pub fn original_destination(stream: &tokio::net::TcpStream) -> io::Result<SocketAddr> {
    match stream.local_addr()?.ip() {
        IpAddr::V4(_) => rustix::net::sockopt::ip_original_dst(stream).map(SocketAddr::V4).map_err(io::Error::from),
        IpAddr::V6(_) => rustix::net::sockopt::ipv6_original_dst(stream).map(SocketAddr::V6).map_err(io::Error::from),
    }
}

/// Removes a namespace and its resolver configuration.
pub fn remove(ns: &str) {
    if let Err(e) = ip(&["netns", "del", ns]) {
        tracing::warn!(namespace = ns, error = %e, "cannot remove network namespace");
    }
    let _ = std::fs::remove_dir_all(std::path::Path::new("/etc/netns").join(ns));
}

/// Runs `make` on a thread that has entered namespace `ns`: sockets it creates live there.
fn inside<T: Send + 'static>(ns: &str, make: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    let file = std::fs::File::open(std::path::Path::new("/run/netns").join(ns))?;
    std::thread::spawn(move || {
        // Only this short-lived thread enters the namespace.
        rustix::thread::move_into_link_name_space(file.as_fd(), Some(rustix::thread::LinkNameSpaceType::Network))?;
        make()
    })
    .join()
    .map_err(|_| io::Error::other("namespace thread panicked"))?
}

/// A TCP listener on `addr` inside namespace `ns`. IPv6 addresses of a local route are not the
/// interface's own, so the socket binds with `IPV6_FREEBIND`.
pub fn bind_tcp(ns: &str, addr: SocketAddr) -> io::Result<tokio::net::TcpListener> {
    let std = inside(ns, move || {
        if addr.is_ipv4() {
            return std::net::TcpListener::bind(addr);
        }
        use rustix::net::{sockopt, AddressFamily, SocketType};
        let fd = rustix::net::socket(AddressFamily::INET6, SocketType::STREAM, None)?;
        sockopt::set_ipv6_freebind(&fd, true)?;
        sockopt::set_socket_reuseaddr(&fd, true)?;
        rustix::net::bind(&fd, &addr)?;
        rustix::net::listen(&fd, 1024)?;
        Ok(std::net::TcpListener::from(fd))
    })?;
    std.set_nonblocking(true)?;
    tokio::net::TcpListener::from_std(std)
}

/// A UDP socket on `addr` inside namespace `ns`.
pub fn bind_udp(ns: &str, addr: SocketAddr) -> io::Result<tokio::net::UdpSocket> {
    let std = inside(ns, move || std::net::UdpSocket::bind(addr))?;
    std.set_nonblocking(true)?;
    tokio::net::UdpSocket::from_std(std)
}
