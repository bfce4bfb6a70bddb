//! The VPC's HTTP forward proxy (`HTTP_PROXY` / `HTTPS_PROXY`): a client anywhere on the host
//! becomes a client in the VPC. Names are resolved through the VPC's view (Lattice names it may
//! reach, its local zones, then the host's resolver for everything else), connections leave
//! from the proxy's own address in the VPC block (so the data plane sees a client of this VPC),
//! and ports the data plane had to offset are translated. `CONNECT` opens a tunnel (TLS stays
//! end to end); absolute-form requests (`GET http://name/path`) are forwarded in origin form.

use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use lattice_model::snapshot::Resolution;
use lattice_model::state::unscoped;
use lattice_runtime::bindings::PortMap;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::proxy::{plain, ProxyBody};
use crate::Served;

/// One VPC's forward proxy.
pub(crate) struct ForwardProxy {
    /// The VPC's key in the snapshot (`account:id`).
    pub vpc: String,
    /// The proxy's address: connections it makes leave from it.
    pub ip: Ipv4Addr,
    pub served: watch::Receiver<Served>,
    pub ports: Arc<PortMap>,
}

pub(crate) async fn serve(socket: TcpListener, proxy: ForwardProxy) {
    let proxy = Arc::new(proxy);
    loop {
        let (stream, peer) = match socket.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::debug!(error = %e, "forward proxy accept failed");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let proxy = proxy.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let proxy = proxy.clone();
                async move { Ok::<_, Infallible>(handle(&proxy, req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "forward proxy connection ended");
            }
        });
    }
}

async fn handle(proxy: &ForwardProxy, req: Request<Incoming>) -> Response<ProxyBody> {
    let Some(authority) = req.uri().authority().cloned() else {
        return plain(
            StatusCode::BAD_REQUEST,
            "This is the VPC's forward proxy: send absolute-form requests or CONNECT (set HTTP_PROXY / HTTPS_PROXY)\n",
        );
    };
    let default_port = if req.uri().scheme_str() == Some("https") { 443 } else { 80 };
    let port = authority.port_u16().unwrap_or(default_port);
    let to = match resolve(proxy, authority.host(), port).await {
        Ok((to, from_view)) if from_view || reachable(proxy.ip, to.ip()) => to,
        Ok((to, _)) => {
            return plain(
                StatusCode::FORBIDDEN,
                format!(
                    "{} cannot reach {to}: loopback addresses outside the VPC's block belong to the host (the backend's API among them), not to the VPC\n",
                    unscoped(&proxy.vpc)
                ),
            )
        }
        Err(why) => return plain(StatusCode::BAD_GATEWAY, format!("{why}\n")),
    };
    let upstream = match crate::tcp::connect_from(proxy.ip, to).await {
        Ok(s) => s,
        Err(e) => return plain(StatusCode::BAD_GATEWAY, format!("cannot connect to {authority} ({to}): {e}\n")),
    };
    let _ = upstream.set_nodelay(true);
    if req.method() == Method::CONNECT {
        tokio::spawn(tunnel(req, upstream));
        return Response::new(Full::new(Bytes::new()).map_err(|never| match never {}).boxed());
    }
    match forward(req, upstream).await {
        Ok(resp) => resp,
        Err(e) => plain(StatusCode::BAD_GATEWAY, format!("request to {authority} failed: {e}\n")),
    }
}

/// Whether a client of the VPC whose proxy is `proxy_ip` may connect to `ip` it named itself
/// (an address literal, or a name the host's resolver answered): the VPC's own block, or any
/// address off the host. Other loopback addresses are the host's services (the backend's API,
/// other VPCs' blocks), which no VPC reaches.
fn reachable(proxy_ip: Ipv4Addr, ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let same_block = v4.octets()[..3] == proxy_ip.octets()[..3];
            same_block || !(v4.is_loopback() || v4.is_unspecified())
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback() || v6.is_unspecified() || v6.to_ipv4_mapped().is_some_and(|m| m.is_loopback()))
        }
    }
}

/// Where `host:port` leads from this VPC, and whether the VPC's own DNS said so: the VPC's own
/// answer for names it owns (Lattice names, local zones: what the VPC reaches by design), the
/// host's resolver for the rest; the data plane's real port when it had to offset one.
async fn resolve(proxy: &ForwardProxy, host: &str, port: u16) -> Result<(SocketAddr, bool), String> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let mut from_view = false;
    let ip = match host.parse::<IpAddr>() {
        Ok(ip) => ip,
        Err(_) => {
            let resolution = {
                let served = proxy.served.borrow();
                let Some(view) = served.snapshot.vpcs.get(&proxy.vpc) else {
                    return Err(format!("{} is gone", unscoped(&proxy.vpc)));
                };
                view.resolve(host, lattice_model::snapshot::QueryType::A)
            };
            match resolution {
                Resolution::Answer(_) => {
                    from_view = true;
                    resolution
                        .address()
                        .map(IpAddr::V4)
                        .ok_or_else(|| format!("{host} has no IPv4 address in {}", unscoped(&proxy.vpc)))?
                }
                Resolution::NoData | Resolution::NxDomain => {
                    return Err(format!(
                        "{host} does not resolve in {} (NXDOMAIN from the VPC resolver)",
                        unscoped(&proxy.vpc)
                    ))
                }
                Resolution::NotMine => tokio::net::lookup_host((host, port))
                    .await
                    .map_err(|e| format!("{host} does not resolve: {e}"))?
                    .map(|a| a.ip())
                    .find(IpAddr::is_ipv4)
                    .ok_or_else(|| format!("{host} has no IPv4 address"))?,
            }
        }
    };
    let port = match ip {
        IpAddr::V4(v4) => proxy.ports.actual(v4, port).unwrap_or(port),
        IpAddr::V6(_) => port,
    };
    Ok((SocketAddr::new(ip, port), from_view))
}

/// After the client's `CONNECT` is answered, relays bytes both ways.
async fn tunnel(req: Request<Incoming>, mut upstream: TcpStream) {
    match hyper::upgrade::on(req).await {
        Ok(upgraded) => {
            let mut client = TokioIo::new(upgraded);
            if let Err(e) = tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
                tracing::debug!(error = %e, "forward proxy tunnel ended");
            }
        }
        Err(e) => tracing::debug!(error = %e, "CONNECT upgrade failed"),
    }
}

/// Sends an absolute-form request on `upstream` in origin form.
async fn forward(mut req: Request<Incoming>, upstream: TcpStream) -> io::Result<Response<ProxyBody>> {
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(upstream)).await.map_err(io::Error::other)?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "forward proxy upstream connection ended");
        }
    });
    if let (false, Some(authority)) = (req.headers().contains_key(hyper::header::HOST), req.uri().authority()) {
        let host = hyper::header::HeaderValue::from_str(authority.as_str()).map_err(io::Error::other)?;
        req.headers_mut().insert(hyper::header::HOST, host);
    }
    let origin = req.uri().path_and_query().map_or("/", |p| p.as_str());
    *req.uri_mut() = origin.parse().map_err(io::Error::other)?;
    let headers = req.headers_mut();
    headers.remove("proxy-connection");
    headers.remove("proxy-authorization");
    let resp = sender.send_request(req).await.map_err(io::Error::other)?;
    Ok(resp.map(|b| b.boxed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vpc_reaches_its_block_and_the_world_but_not_the_hosts_loopback() {
        let proxy = Ipv4Addr::new(127, 77, 3, 3);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(reachable(proxy, ip("127.77.3.10")));
        assert!(reachable(proxy, ip("127.77.3.42")));
        assert!(reachable(proxy, ip("192.0.2.1")));
        assert!(reachable(proxy, ip("2001:db8::1")));
        for host in ["127.0.0.1", "127.77.4.10", "0.0.0.0", "::1", "::ffff:127.0.0.1", "::"] {
            assert!(!reachable(proxy, ip(host)), "{host}");
        }
    }
}
