//! Active health checks: one task per checked target, probing at the group's interval with a
//! fresh connection each time (HTTP/1.1 or HTTP/2, in clear or TLS), and moving the target's
//! status when the thresholds say so. The proxy reads the statuses from the same slots.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Empty;
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo};
use lattice_model::health::{HealthCheck, Streak};
use lattice_model::snapshot::CheckTarget;
use lattice_model::Snapshot;
use lattice_runtime::health::{Seen, Status};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use crate::upstream::{client_tls, connect_tls};

/// The running checkers, by (target group id, target address).
#[derive(Default)]
pub(crate) struct Checkers {
    tasks: HashMap<(String, SocketAddr), (Arc<HealthCheck>, JoinHandle<()>)>,
}

impl Checkers {
    /// Starts checkers for new targets (or changed checks) and stops the ones no longer needed.
    pub(crate) fn reconcile(&mut self, snapshot: &Snapshot) {
        let wanted: HashMap<(String, SocketAddr), CheckTarget> =
            snapshot.checks().into_iter().map(|c| ((c.target_group_id.clone(), c.addr), c)).collect();
        self.tasks.retain(|key, (check, task)| {
            let keep = wanted.get(key).is_some_and(|w| w.check == *check);
            if !keep {
                task.abort();
            }
            keep
        });
        for (key, target) in wanted {
            self.tasks.entry(key).or_insert_with(|| (target.check.clone(), tokio::spawn(run(target))));
        }
    }
}

impl Drop for Checkers {
    fn drop(&mut self) {
        for (_, task) in self.tasks.values() {
            task.abort();
        }
    }
}

async fn run(target: CheckTarget) {
    let CheckTarget { target_group_id, addr, check, slot } = target;
    // The TLS settings are made once per checker, not per check.
    let tls = check.tls.then(|| client_tls(check.http2));
    // A target (re)registered starts over.
    slot.set(Status::Initial);
    let mut streak = Streak::default();
    loop {
        let probed = tokio::time::timeout(check.timeout, probe(&check, tls.as_ref(), addr)).await;
        let ok = matches!(probed, Ok(Ok(true)));
        // What the check's connection showed about the target itself (when it checks the
        // target's own port): `explain` reports it.
        if check.port.is_none_or(|p| p == addr.port()) {
            slot.saw(match &probed {
                Ok(Ok(_)) => Seen::Answered,
                Ok(Err(e)) => Seen::of_error(e),
                Err(_) => Seen::TimedOut,
            });
        }
        let before = slot.get();
        let after = streak.record(&check, before, ok);
        if after != before {
            tracing::info!(target_group = %target_group_id, %addr, from = before.as_str(), to = after.as_str(), "target health changed");
            slot.set(after);
        }
        tokio::time::sleep(check.interval).await;
    }
}

/// One check: `Ok(true)` when the target answers the path with a status the matcher accepts.
async fn probe(
    check: &HealthCheck,
    tls: Option<&tokio_rustls::TlsConnector>,
    target: SocketAddr,
) -> std::io::Result<bool> {
    let addr = SocketAddr::new(target.ip(), check.port.unwrap_or(target.port()));
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    // HTTP/2 carries the authority in the URI; HTTP/1.1 sends the path and a Host header.
    let uri = if check.http2 { format!("http://{addr}{}", check.path) } else { check.path.clone() };
    let req = Request::get(uri)
        .header(hyper::header::HOST, addr.to_string())
        .header(hyper::header::USER_AGENT, "lattice-local-health-check")
        .body(Empty::<Bytes>::new())
        .map_err(std::io::Error::other)?;
    let status = match tls {
        Some(tls) => {
            let stream = connect_tls(tls, stream, &addr.ip().to_string()).await?;
            send(TokioIo::new(stream), req, check.http2).await?
        }
        None => send(TokioIo::new(stream), req, check.http2).await?,
    };
    Ok(check.accepts(status))
}

async fn send<IO>(io: IO, req: Request<Empty<Bytes>>, http2: bool) -> std::io::Result<u16>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let failed = std::io::Error::other;
    let response = if http2 {
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await.map_err(failed)?;
        tokio::spawn(conn);
        sender.send_request(req).await.map_err(failed)?
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.map_err(failed)?;
        tokio::spawn(conn);
        sender.send_request(req).await.map_err(failed)?
    };
    Ok(response.status().as_u16())
}
