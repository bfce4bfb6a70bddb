//! Who may talk to the control port at all, decided from the request head before anything is
//! read: the `Host` must name this backend (a loopback address, `localhost`, or, when it is
//! exposed beyond loopback, an address literal; with its port), which defeats DNS rebinding;
//! an `Origin`, when a browser sends one, must be this backend's own, which defeats
//! cross-site requests from any page the developer visits. Both APIs (AWS-wire and admin) go
//! through it.

use std::net::{IpAddr, SocketAddr};

use hyper::http::request::Parts;
use lattice_api::model::echo;
use lattice_api::ApiError;

/// Refuses a request whose `Host` (or absolute URI) is not this backend, or whose `Origin` is
/// another site's.
pub(crate) fn check(parts: &Parts, local: SocketAddr) -> Result<(), ApiError> {
    let mut hosts = parts.headers.get_all(hyper::header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(h), None) => h.to_str().unwrap_or_default(),
        (None, _) => return Err(misdirected("a request without a Host header")),
        (Some(_), Some(_)) => return Err(misdirected("a request with two Host headers")),
    };
    if !is_own_authority(host, local) {
        return Err(misdirected(&format!("Host '{}'", echo(host))));
    }
    if let Some(authority) = parts.uri.authority() {
        if !is_own_authority(authority.as_str(), local) {
            return Err(misdirected(&format!("the authority '{}'", echo(authority.as_str()))));
        }
    }
    for origin in parts.headers.get_all(hyper::header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        let own = origin.strip_prefix("http://").is_some_and(|authority| is_own_authority(authority, local));
        if !own {
            return Err(ApiError::new(
                403,
                "AccessDeniedException",
                format!(
                    "Cross-origin requests are refused: Origin '{}' is not this backend (http://{local})",
                    echo(origin)
                ),
            ));
        }
    }
    Ok(())
}

fn misdirected(what: &str) -> ApiError {
    ApiError::new(
        421,
        "MisdirectedRequestException",
        format!("lattice-local refuses {what}: address it as 127.0.0.1 or localhost, with its port"),
    )
}

/// `host[:port]` names this backend: a loopback address, `localhost`, or the address it
/// listens on; the port, when given, is the one it listens on.
fn is_own_authority(authority: &str, local: SocketAddr) -> bool {
    let (host, port) = split_authority(authority);
    let port_ok = match port {
        None => true,
        Some(p) => p.parse::<u16>().is_ok_and(|p| p == local.port()),
    };
    let host_ok = if host.eq_ignore_ascii_case("localhost") {
        true
    } else {
        let literal = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        // Exposed with --allow-non-loopback (often on 0.0.0.0), the backend answers to the
        // addresses clients reach it by; an address literal cannot be rebound, a name can.
        let exposed = !local.ip().is_loopback();
        literal.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback() || ip == local.ip() || exposed)
    };
    port_ok && host_ok
}

/// (host, port) of an authority; IPv6 literals keep their brackets.
fn split_authority(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.split_once("]:") {
            Some((host, port)) => (&authority[..host.len() + 1], Some(port)),
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut b = hyper::Request::builder().uri("/_lattice-local/vpcs");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    fn verdict(headers: &[(&str, &str)]) -> Result<(), u16> {
        check(&parts(headers), "127.0.0.1:4599".parse().unwrap()).map_err(|e| e.status)
    }

    #[test]
    fn loopback_and_localhost_hosts_with_our_port_are_served() {
        for host in ["127.0.0.1:4599", "127.0.0.1", "localhost:4599", "LOCALHOST", "[::1]:4599", "127.9.9.9:4599"] {
            assert_eq!(verdict(&[("host", host)]), Ok(()), "{host}");
        }
    }

    #[test]
    fn foreign_hosts_are_refused_as_dns_rebinding() {
        for host in [
            "evil.example.com:4599",
            "evil.example.com",
            "127.0.0.1.nip.io:4599",
            "10.0.0.1:4599",
            "127.0.0.1:80",
            "localhost:4599x",
            "",
        ] {
            assert_eq!(verdict(&[("host", host)]), Err(421), "{host}");
        }
        assert_eq!(verdict(&[]), Err(421));
        assert_eq!(verdict(&[("host", "127.0.0.1:4599"), ("host", "evil.com")]), Err(421));
    }

    #[test]
    fn only_our_own_origin_may_send_a_browser_request() {
        let host = ("host", "127.0.0.1:4599");
        assert_eq!(verdict(&[host, ("origin", "http://127.0.0.1:4599")]), Ok(()));
        assert_eq!(verdict(&[host, ("origin", "http://localhost:4599")]), Ok(()));
        for origin in ["https://evil.example.com", "null", "http://127.0.0.1:8080", "https://127.0.0.1:4599", ""] {
            assert_eq!(verdict(&[host, ("origin", origin)]), Err(403), "{origin}");
        }
    }

    #[test]
    fn an_absolute_uri_must_name_us_too() {
        let p = hyper::Request::builder()
            .uri("http://evil.example.com/_lattice-local/vpcs")
            .header("host", "127.0.0.1:4599")
            .body(())
            .unwrap()
            .into_parts()
            .0;
        assert_eq!(check(&p, "127.0.0.1:4599".parse().unwrap()).map_err(|e| e.status), Err(421));
    }

    #[test]
    fn a_non_loopback_listen_address_is_its_own_host() {
        let local: SocketAddr = "192.0.2.7:4599".parse().unwrap();
        assert!(is_own_authority("192.0.2.7:4599", local));
        let anywhere: SocketAddr = "0.0.0.0:4599".parse().unwrap();
        assert!(is_own_authority("192.0.2.8:4599", anywhere));
        assert!(!is_own_authority("lattice.example.com:4599", anywhere), "names could be rebound");
        assert!(!is_own_authority("192.0.2.8:4599", "127.0.0.1:4599".parse().unwrap()));
    }
}
