//! The per-VPC resolver. `answer` is a pure function from a query to a reply (or a decision to
//! forward); the socket loop around it is thin.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use lattice_model::snapshot::{
    is_lattice_name, link_local_v6, AnswerRecord, QueryType, RecordData, Resolution, VpcView,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::watch;

use crate::Served;

/// What to do with a query.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Reply(Vec<u8>),
    /// Not a name this resolver owns: pass it to the upstream resolver.
    Forward,
    Drop,
}

/// Answers one query for a VPC (`None` when the VPC no longer exists). With `link_local`
/// (the resolver inside the VPC's network namespace), addresses of the VPC's block are given as
/// Lattice gives them: in 169.254.171.0/24.
pub fn answer(view: Option<&VpcView>, query: &[u8], link_local: bool) -> Decision {
    let Ok(request) = Message::from_vec(query) else {
        return Decision::Drop;
    };
    if request.metadata.message_type != MessageType::Query {
        return Decision::Drop;
    }
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.recursion_available = true;
    let Some(q) = request.queries.first().filter(|_| request.metadata.op_code == OpCode::Query) else {
        response.metadata.response_code = ResponseCode::NotImp;
        return encode(response);
    };
    response.add_query(q.clone());
    let name = q.name().to_ascii();
    let qtype = match q.query_type() {
        RecordType::A => QueryType::A,
        RecordType::AAAA => QueryType::Aaaa,
        RecordType::CNAME => QueryType::Cname,
        RecordType::TXT => QueryType::Txt,
        RecordType::ANY => QueryType::Any,
        _ => QueryType::Other,
    };
    let resolution = match view {
        Some(v) if link_local && qtype == QueryType::Aaaa => namespace_aaaa(v, &name),
        Some(v) => v.resolve(&name, qtype),
        None if is_lattice_name(&name) => Resolution::NxDomain,
        None => Resolution::NotMine,
    };
    match resolution {
        Resolution::Answer(records) => {
            response.metadata.authoritative = true;
            for r in records {
                let Ok(owner) = Name::from_ascii(format!("{}.", r.name)) else { continue };
                let data = match r.data {
                    RecordData::A(ip) => {
                        let in_block = view.is_some_and(|v| v.owns(ip));
                        RData::A(A(if link_local && in_block { lattice_model::snapshot::link_local(ip) } else { ip }))
                    }
                    RecordData::Aaaa(ip) => RData::AAAA(AAAA(ip)),
                    RecordData::Cname(target) => match Name::from_ascii(format!("{target}.")) {
                        Ok(n) => RData::CNAME(CNAME(n)),
                        Err(_) => continue,
                    },
                    RecordData::Txt(text) => RData::TXT(TXT::new(vec![text])),
                };
                response.add_answer(Record::from_rdata(owner, r.ttl, data));
            }
            encode(response)
        }
        Resolution::NoData => {
            response.metadata.authoritative = true;
            encode(response)
        }
        Resolution::NxDomain => {
            response.metadata.authoritative = true;
            response.metadata.response_code = ResponseCode::NXDomain;
            encode(response)
        }
        Resolution::NotMine => Decision::Forward,
    }
}

/// AAAA inside a VPC's namespace: a name that leads to the VPC's block (a service, a resource,
/// a local CNAME to one) answers with the fd00:ec2:80:: twins of those addresses, as Lattice gives
/// services and resources IPv6 link-local addresses too; other names answer as asked.
fn namespace_aaaa(view: &VpcView, name: &str) -> Resolution {
    if let Resolution::Answer(records) = view.resolve(name, QueryType::A) {
        if records.iter().any(|r| matches!(r.data, RecordData::A(ip) if view.owns(ip))) {
            let twins = records
                .into_iter()
                .filter_map(|r| match r.data {
                    RecordData::A(ip) if view.owns(ip) => {
                        Some(AnswerRecord { data: RecordData::Aaaa(link_local_v6(ip)), ..r })
                    }
                    RecordData::Cname(_) => Some(r),
                    _ => None,
                })
                .collect();
            return Resolution::Answer(twins);
        }
    }
    view.resolve(name, QueryType::Aaaa)
}

/// A reply sent over UDP: as it is when it fits the client's payload size (512 bytes, or what
/// its EDNS record offers), else only its header and question with the TC bit set, so the
/// client asks again over TCP.
pub(crate) fn fit_udp(query: &[u8], reply: Vec<u8>) -> Vec<u8> {
    if reply.len() <= 512 {
        return reply;
    }
    let limit = Message::from_vec(query).map_or(512, |q| usize::from(q.max_payload()));
    if reply.len() <= limit {
        return reply;
    }
    let Ok(mut message) = Message::from_vec(&reply) else { return reply };
    message.answers.clear();
    message.authorities.clear();
    message.additionals.clear();
    message.metadata.truncation = true;
    message.to_vec().unwrap_or(reply)
}

fn encode(message: Message) -> Decision {
    message.to_vec().map(Decision::Reply).unwrap_or(Decision::Drop)
}

fn refused(query: &[u8]) -> Option<Vec<u8>> {
    let request = Message::from_vec(query).ok()?;
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata.response_code = ResponseCode::Refused;
    response.add_queries(request.queries.iter().cloned());
    response.to_vec().ok()
}

/// Serves DNS for `vpc_id` on `socket` until the task is aborted: one receiver per core on the
/// shared socket, so answering runs in parallel (they end with this task).
pub(crate) async fn serve_udp(
    socket: UdpSocket,
    vpc_id: String,
    served: watch::Receiver<Served>,
    upstream: Option<SocketAddr>,
    link_local: bool,
) {
    enlarge_receive_buffer(&socket);
    let socket = Arc::new(socket);
    let vpc_id: Arc<str> = vpc_id.into();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut receivers = tokio::task::JoinSet::new();
    for _ in 0..workers {
        receivers.spawn(receive(socket.clone(), vpc_id.clone(), served.clone(), upstream, link_local));
    }
    while receivers.join_next().await.is_some() {}
}

/// The receive buffer a resolver socket asks for. The kernel's default (about 200 KiB) holds
/// only some 270 queries (each datagram is charged its buffer overhead too), so a burst from
/// a few hundred concurrent clients overflows it and queries are dropped unseen.
const RECEIVE_BUFFER: usize = 4 << 20;

/// Asks for [`RECEIVE_BUFFER`]: beyond the `net.core.rmem_max` limit when allowed
/// (`CAP_NET_ADMIN`), else as much as the limit gives.
fn enlarge_receive_buffer(socket: &UdpSocket) {
    use rustix::net::sockopt;
    if sockopt::set_socket_recv_buffer_size_force(socket, RECEIVE_BUFFER).is_err() {
        let _ = sockopt::set_socket_recv_buffer_size(socket, RECEIVE_BUFFER);
    }
    if let Ok(size) = sockopt::socket_recv_buffer_size(socket) {
        tracing::debug!(size, "resolver receive buffer");
    }
}

async fn receive(
    socket: Arc<UdpSocket>,
    vpc_id: Arc<str>,
    served: watch::Receiver<Served>,
    upstream: Option<SocketAddr>,
    link_local: bool,
) {
    let mut buf = vec![0u8; 4096];
    loop {
        let (n, peer) = match socket.recv_from(&mut buf).await {
            Ok(x) => x,
            Err(e) => {
                tracing::debug!(error = %e, "dns receive failed");
                continue;
            }
        };
        let query = &buf[..n];
        match decide(&served, &vpc_id, query, link_local) {
            Decision::Reply(bytes) => {
                let _ = socket.send_to(&fit_udp(query, bytes), peer).await;
            }
            Decision::Drop => {}
            Decision::Forward => match upstream {
                Some(upstream) => {
                    let (socket, query) = (socket.clone(), query.to_vec());
                    tokio::spawn(async move {
                        if let Some(reply) = forward(&query, upstream).await.or_else(|| refused(&query)) {
                            let _ = socket.send_to(&reply, peer).await;
                        }
                    });
                }
                None => {
                    if let Some(reply) = refused(query) {
                        let _ = socket.send_to(&reply, peer).await;
                    }
                }
            },
        }
    }
}

/// How long a DNS-over-TCP connection may wait for its next query (RFC 7766 suggests seconds).
const TCP_IDLE: Duration = Duration::from_secs(10);

/// Serves DNS over TCP for `vpc_id` on `listener` (the resolver's address and port): queries
/// and replies framed by a two-byte length, several per connection, answered as over UDP;
/// forwarded names go to the upstream over TCP too, so large answers arrive whole.
pub(crate) async fn serve_tcp(
    listener: TcpListener,
    vpc_id: String,
    served: watch::Receiver<Served>,
    upstream: Option<SocketAddr>,
    link_local: bool,
) {
    let vpc_id: Arc<str> = vpc_id.into();
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::debug!(error = %e, "dns accept failed");
                continue;
            }
        };
        // Finished connections are reaped as new ones come; the rest end with this task.
        while connections.try_join_next().is_some() {}
        let (vpc_id, served) = (vpc_id.clone(), served.clone());
        connections.spawn(async move {
            if let Err(e) = serve_tcp_connection(stream, &vpc_id, &served, upstream, link_local).await {
                tracing::debug!(error = %e, %peer, "dns connection ended");
            }
        });
    }
}

async fn serve_tcp_connection(
    mut stream: TcpStream,
    vpc_id: &str,
    served: &watch::Receiver<Served>,
    upstream: Option<SocketAddr>,
    link_local: bool,
) -> std::io::Result<()> {
    loop {
        let Ok(length) = tokio::time::timeout(TCP_IDLE, stream.read_u16()).await else { return Ok(()) };
        let length = match length {
            Ok(length) => usize::from(length),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut query = vec![0u8; length];
        tokio::time::timeout(TCP_IDLE, stream.read_exact(&mut query)).await.map_err(std::io::Error::other)??;
        let reply = match decide(served, vpc_id, &query, link_local) {
            Decision::Reply(bytes) => bytes,
            // Not a query: nothing sensible to say on this connection.
            Decision::Drop => return Ok(()),
            Decision::Forward => {
                let forwarded = match upstream {
                    Some(upstream) => forward_tcp(&query, upstream).await,
                    None => None,
                };
                match forwarded.or_else(|| refused(&query)) {
                    Some(reply) => reply,
                    None => return Ok(()),
                }
            }
        };
        let Some(reply) = framed(&reply) else { return Ok(()) };
        stream.write_all(&reply).await?;
    }
}

/// What the VPC's current view says to `query`.
fn decide(served: &watch::Receiver<Served>, vpc_id: &str, query: &[u8], link_local: bool) -> Decision {
    let served = served.borrow();
    answer(served.snapshot.vpcs.get(vpc_id).map(|v| v.as_ref()), query, link_local)
}

/// A DNS message as TCP carries it: after its two-byte length (`None` when too long).
fn framed(message: &[u8]) -> Option<Vec<u8>> {
    let length = u16::try_from(message.len()).ok()?;
    let mut out = Vec::with_capacity(message.len() + 2);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(message);
    Some(out)
}

/// Asks the upstream resolver over TCP.
async fn forward_tcp(query: &[u8], upstream: SocketAddr) -> Option<Vec<u8>> {
    let exchange = async {
        let mut stream = TcpStream::connect(upstream).await.ok()?;
        stream.write_all(&framed(query)?).await.ok()?;
        let mut reply = vec![0u8; usize::from(stream.read_u16().await.ok()?)];
        stream.read_exact(&mut reply).await.ok()?;
        Some(reply)
    };
    tokio::time::timeout(Duration::from_secs(3), exchange).await.ok()?
}

async fn forward(query: &[u8], upstream: SocketAddr) -> Option<Vec<u8>> {
    // A client socket toward the upstream: on loopback when the upstream is, so nothing is
    // bound beyond loopback unless the configured upstream needs a routable source.
    let bind: SocketAddr = match upstream {
        SocketAddr::V4(a) if a.ip().is_loopback() => "127.0.0.1:0",
        SocketAddr::V6(a) if a.ip().is_loopback() => "[::1]:0",
        SocketAddr::V4(_) => "0.0.0.0:0",
        SocketAddr::V6(_) => "[::]:0",
    }
    .parse()
    .ok()?;
    let socket = UdpSocket::bind(bind).await.ok()?;
    socket.send_to(query, upstream).await.ok()?;
    let mut buf = vec![0u8; 4096];
    let (n, _) = tokio::time::timeout(Duration::from_secs(3), socket.recv_from(&mut buf)).await.ok()?.ok()?;
    buf.truncate(n);
    Some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::Query;
    use hickory_proto::rr::Name;

    fn query(name: &str) -> Vec<u8> {
        let mut m = Message::query();
        m.metadata.id = 7;
        m.add_query(Query::query(Name::from_ascii(name).unwrap(), RecordType::A));
        m.to_vec().unwrap()
    }

    #[test]
    fn unreachable_lattice_names_are_nxdomain_and_others_are_forwarded() {
        let Decision::Reply(bytes) = answer(None, &query("web-1.abcdef0.vpc-lattice-svcs.us-east-1.on.aws."), false)
        else {
            panic!("expected a reply")
        };
        let reply = Message::from_vec(&bytes).unwrap();
        assert_eq!(reply.metadata.id, 7);
        assert_eq!(reply.metadata.response_code, ResponseCode::NXDomain);
        assert_eq!(answer(None, &query("example.com."), false), Decision::Forward);
        assert_eq!(answer(None, b"garbage", false), Decision::Drop);
    }

    #[test]
    fn udp_replies_too_large_for_the_client_are_truncated() {
        let asked = query("big.example.");
        let mut big = Message::from_vec(&asked).unwrap();
        big.metadata.message_type = MessageType::Response;
        for i in 0..40 {
            let text = TXT::new(vec![format!("record number {i} of many")]);
            big.add_answer(Record::from_rdata(Name::from_ascii("big.example.").unwrap(), 60, RData::TXT(text)));
        }
        let full = big.to_vec().unwrap();
        assert!(full.len() > 512);
        let sent = Message::from_vec(&fit_udp(&asked, full.clone())).unwrap();
        assert!(sent.metadata.truncation && sent.answers.is_empty());
        assert_eq!(sent.metadata.id, 7);
        assert_eq!(sent.queries.len(), 1, "the question stays");
        // A client offering a larger payload with EDNS gets it whole.
        let mut edns_query = Message::from_vec(&asked).unwrap();
        let mut edns = hickory_proto::op::Edns::new();
        edns.set_max_payload(4096);
        edns_query.edns = Some(edns);
        assert_eq!(fit_udp(&edns_query.to_vec().unwrap(), full.clone()), full);
        // Small replies are untouched.
        let small = Message::from_vec(&asked).unwrap().to_vec().unwrap();
        assert_eq!(fit_udp(&asked, small.clone()), small);
    }
}
