//! A VPC's view: its addresses, its doors (the association's service-network address and
//! `ServiceNetwork` endpoints) with the networks behind them, and the link-local twins a
//! namespace sees.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use crate::auth::Gate;
use crate::firewall::Firewall;
use crate::resources::{EndpointCidr, EndpointResource, ResourceRoute};
use crate::state::State;

use super::*;

/// What one VPC sees.
#[derive(Debug)]
pub struct VpcView {
    pub vpc_id: String,
    pub account: String,
    pub region: String,
    pub resolver_ip: Ipv4Addr,
    pub service_ip: Ipv4Addr,
    /// ARN of the service network the VPC is associated with, if any.
    pub service_network_arn: Option<String>,
    /// `arn:aws:ec2:<region>:<account>:vpc/<id>`, as target headers and access logs name it.
    pub vpc_arn: String,
    /// What that service network offers.
    pub(crate) network: Option<Arc<NetworkView>>,
    /// Local private hosted zones associated with this VPC.
    pub(crate) zones: Vec<Arc<ZoneView>>,
    /// The security groups of the VPC's service-network association (none: open).
    pub(crate) association_firewall: Option<Arc<Firewall>>,
    /// Resources reached through the VPC's `Resource` and `ServiceNetwork` endpoints, at octets its
    /// network's resources leave free.
    pub(crate) endpoint_resources: Vec<EndpointResource>,
    /// `CIDR` resources reached through the VPC's endpoints.
    pub(crate) endpoint_cidrs: Vec<EndpointCidr>,
    /// The VPC's `ServiceNetwork` endpoints.
    pub(crate) network_endpoints: Vec<NetworkEndpoint>,
}

/// A `ServiceNetwork` VPC endpoint as its VPC sees it: the network's services at the endpoint's
/// own address (`.11`–`.19` of the block) by endpoint-specific names, and with private DNS by
/// the services' own names too (where the VPC's association does not answer them first).
#[derive(Debug)]
pub struct NetworkEndpoint {
    pub endpoint_id: String,
    pub ip: Ipv4Addr,
    pub service_network_arn: String,
    pub(crate) network: Arc<NetworkView>,
    /// `<vpce>-<snsa>.<label>.vpc-lattice-svcs…` → the service.
    pub(crate) names: HashMap<String, Arc<ServiceRoute>>,
    pub(crate) private_dns: bool,
    /// The endpoint's security groups (`None`: open).
    pub(crate) firewall: Option<Arc<Firewall>>,
}

impl NetworkEndpoint {
    /// The service `name` (lower case) names through this endpoint.
    fn named(&self, name: &str) -> Option<&Arc<ServiceRoute>> {
        self.names.get(name).or_else(|| self.network.names.get(name).filter(|_| self.private_dns))
    }
}

/// One way from a VPC into a service network, told apart by the address a client connects to:
/// the VPC's association (at its service address) or one of its `ServiceNetwork` endpoints. Host
/// routing, auth and access logs follow the network behind the door.
#[derive(Debug, Clone, Copy)]
pub struct Door<'v> {
    pub(crate) view: &'v VpcView,
    pub(crate) endpoint: Option<&'v NetworkEndpoint>,
}

impl<'v> Door<'v> {
    fn network(&self) -> Option<&'v Arc<NetworkView>> {
        match self.endpoint {
            Some(e) => Some(&e.network),
            None => self.view.network.as_ref(),
        }
    }

    /// The address clients reach this door at.
    pub fn ip(&self) -> Ipv4Addr {
        self.endpoint.map_or(self.view.service_ip, |e| e.ip)
    }

    /// The `ServiceNetwork` endpoint, when the door is one.
    pub fn endpoint_id(&self) -> Option<&'v str> {
        self.endpoint.map(|e| e.endpoint_id.as_str())
    }

    /// The service network behind the door, if any.
    pub fn service_network_arn(&self) -> Option<&'v str> {
        match self.endpoint {
            Some(e) => Some(&e.service_network_arn),
            None => self.view.service_network_arn.as_deref(),
        }
    }

    /// The service a Host header names through this door (port suffix ignored).
    pub fn route(&self, host: &str) -> Option<&'v Arc<ServiceRoute>> {
        // A port is at most 5 digits: its colon is among the last 6 bytes.
        let tail = host.len().saturating_sub(6);
        let colon = host.as_bytes()[tail..].iter().rposition(|b| *b == b':').map(|i| tail + i);
        let host =
            colon.filter(|&i| host.as_bytes()[i + 1..].iter().all(u8::is_ascii_digit)).map_or(host, |i| &host[..i]);
        let host = host.trim_end_matches('.');
        let lower;
        let host = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = host.to_ascii_lowercase();
            lower.as_str()
        } else {
            host
        };
        match self.endpoint {
            Some(e) => e.named(host),
            None => self.view.network.as_ref()?.names.get(host),
        }
    }

    /// Which service and listener a request for `host` on `port` reaches; `sni` is the TLS
    /// server name (`None` for plain HTTP).
    pub fn admit(&self, host: &str, port: u16, sni: Option<&str>) -> Admission<'v> {
        let Some(route) = self.route(host) else { return Admission::UnknownHost };
        let Some(listener) = route.listeners.get(&port) else { return Admission::NoListener(route) };
        match (sni, listener.protocol != "HTTP") {
            (None, true) => Admission::PlainToHttps(route),
            (Some(sni), true) if !self.route(sni).is_some_and(|r| Arc::ptr_eq(r, route)) => {
                Admission::Misdirected(route)
            }
            _ => Admission::Admitted(route, listener),
        }
    }

    /// Whether a TLS passthrough listener answers on `port` through this door (only then is a
    /// ClientHello read before TLS is terminated).
    pub fn has_passthrough(&self, port: u16) -> bool {
        self.network().is_some_and(|n| n.passthrough_ports.contains_key(&port))
    }

    /// The service and TLS passthrough listener a TLS session for `sni` on `port` is relayed to
    /// untouched (routing on the ClientHello's server name, as Lattice does).
    pub fn passthrough(&self, sni: &str, port: u16) -> Option<(&'v Arc<ServiceRoute>, &'v Arc<ListenerRoute>)> {
        let route = self.route(sni)?;
        let listener = route.listeners.get(&port).filter(|l| l.protocol == "TLS_PASSTHROUGH")?;
        Some((route, listener))
    }

    /// Where a request to `route` through this door goes, for the Lattice condition keys.
    pub fn destination(&self, route: &'v ServiceRoute) -> crate::auth::Destination<'v> {
        crate::auth::Destination {
            region: &self.view.region,
            service_arn: &route.service_arn,
            service_network_arn: self.service_network_arn().unwrap_or_default(),
            source_vpc: &self.view.vpc_id,
            source_vpc_owner: &self.view.account,
        }
    }

    /// The auth settings of the network behind the door (none: open).
    pub fn network_auth(&self) -> &'v Gate {
        static OPEN: Gate = Gate { iam: false, policy: None, keys: crate::iam::KeyUse::NONE };
        self.network().map_or(&OPEN, |n| &n.auth)
    }

    /// Where access logs of traffic through this door to the network's services go.
    pub fn network_log_destinations(&self) -> Option<&'v Arc<[String]>> {
        self.network().map(|n| &n.log_destinations)
    }

    /// Listener ports served at the door's address.
    pub fn ports(&self) -> impl Iterator<Item = u16> + 'v {
        self.network().into_iter().flat_map(|n| n.ports.keys().copied())
    }
}

/// Whether a request on the service-network address gets to a service's listener, decided
/// from its Host, the port it came in on and its TLS server name.
#[derive(Debug)]
pub enum Admission<'s> {
    Admitted(&'s Arc<ServiceRoute>, &'s Arc<ListenerRoute>),
    /// No service this VPC reaches has that name: 404.
    UnknownHost,
    /// The service has no listener on the port: 404.
    NoListener(&'s Arc<ServiceRoute>),
    /// Plain HTTP to an HTTPS listener: 400.
    PlainToHttps(&'s Arc<ServiceRoute>),
    /// The Host names another service than the TLS session was opened for: 421.
    Misdirected(&'s Arc<ServiceRoute>),
}

impl Admission<'_> {
    /// The answer the proxy gives itself when the request is not admitted.
    pub fn refusal(&self) -> Option<(u16, &'static str)> {
        match self {
            Admission::Admitted(..) => None,
            Admission::UnknownHost | Admission::NoListener(_) => Some((404, "Not Found\n")),
            Admission::PlainToHttps(_) => Some((400, "The plain HTTP request was sent to an HTTPS listener\n")),
            Admission::Misdirected(_) => Some((421, "Misdirected Request\n")),
        }
    }
}

impl VpcView {
    /// The address a name resolves to in this VPC, if the VPC may reach it.
    pub fn dns_answer(&self, qname: &str) -> Option<Ipv4Addr> {
        self.resolve(qname, QueryType::A).address()
    }

    /// Answers a query from this VPC's view: Lattice names it may reach, then the local zones
    /// associated with it (following CNAMEs within the view).
    pub fn resolve(&self, qname: &str, qtype: QueryType) -> Resolution {
        let name = qname.trim_end_matches('.').to_ascii_lowercase();
        self.resolve_depth(&name, qtype, 0)
    }

    fn resolve_depth(&self, name: &str, qtype: QueryType, depth: usize) -> Resolution {
        let through_endpoint =
            || self.endpoint_resources.iter().find(|e| e.route.names.iter().any(|n| n == name)).map(|e| &e.octet);
        if let Some(octet) = self.network.as_ref().and_then(|n| n.resources.names.get(name)).or_else(through_endpoint) {
            return match qtype {
                QueryType::A | QueryType::Any => Resolution::Answer(vec![AnswerRecord {
                    name: name.to_string(),
                    ttl: LATTICE_TTL,
                    data: RecordData::A(self.in_block(*octet)),
                }]),
                _ => Resolution::NoData,
            };
        }
        let door_ip = if self.network.as_ref().is_some_and(|n| n.names.contains_key(name)) {
            Some(self.service_ip)
        } else {
            self.network_endpoints.iter().find(|e| e.named(name).is_some()).map(|e| e.ip)
        };
        if let Some(ip) = door_ip {
            return match qtype {
                QueryType::A | QueryType::Any => Resolution::Answer(vec![AnswerRecord {
                    name: name.to_string(),
                    ttl: LATTICE_TTL,
                    data: RecordData::A(ip),
                }]),
                _ => Resolution::NoData,
            };
        }
        let zone = self
            .zones
            .iter()
            .filter(|z| name == z.name || name.ends_with(&format!(".{}", z.name)))
            .max_by_key(|z| z.name.len());
        if let Some(zone) = zone {
            let Some(sets) = zone.records.get(name) else { return Resolution::NxDomain };
            let wanted: Vec<AnswerRecord> = sets
                .iter()
                .filter(|r| qtype.accepts(&r.data))
                .map(|r| AnswerRecord { name: name.to_string(), ttl: r.ttl, data: r.data.clone() })
                .collect();
            if !wanted.is_empty() {
                return Resolution::Answer(wanted);
            }
            if let Some(cname) = sets.iter().find(|r| matches!(r.data, RecordData::Cname(_))) {
                let RecordData::Cname(target) = &cname.data else { return Resolution::NoData };
                let mut answers =
                    vec![AnswerRecord { name: name.to_string(), ttl: cname.ttl, data: cname.data.clone() }];
                if depth < 8 {
                    if let Resolution::Answer(more) = self.resolve_depth(target, qtype, depth + 1) {
                        answers.extend(more);
                    }
                }
                return Resolution::Answer(answers);
            }
            return Resolution::NoData;
        }
        if is_lattice_name(name) {
            Resolution::NxDomain
        } else {
            Resolution::NotMine
        }
    }

    /// The way in at `ip` of the block: the association at the service address (even when the
    /// VPC has none: nothing is reached), or a `ServiceNetwork` endpoint at its own address.
    pub fn door(&self, ip: Ipv4Addr) -> Option<Door<'_>> {
        if ip == self.service_ip {
            return Some(Door { view: self, endpoint: None });
        }
        let endpoint = self.network_endpoints.iter().find(|e| e.ip == ip)?;
        Some(Door { view: self, endpoint: Some(endpoint) })
    }

    /// The association's door, then each `ServiceNetwork` endpoint's.
    pub fn doors(&self) -> impl Iterator<Item = Door<'_>> + '_ {
        let association = Door { view: self, endpoint: None };
        std::iter::once(association)
            .chain(self.network_endpoints.iter().map(|e| Door { view: self, endpoint: Some(e) }))
    }

    /// The `ServiceNetwork` endpoints of this VPC.
    pub fn network_endpoints(&self) -> &[NetworkEndpoint] {
        &self.network_endpoints
    }

    /// The VPC's HTTP forward proxy address (`.3` of the block), on [`FORWARD_PROXY_PORT`].
    pub fn proxy_ip(&self) -> Ipv4Addr {
        self.in_block(3)
    }

    /// The address ending in `octet` in this VPC's block.
    fn in_block(&self, octet: u8) -> Ipv4Addr {
        let [a, b, c, _] = self.service_ip.octets();
        Ipv4Addr::new(a, b, c, octet)
    }

    /// The security groups guarding connections to `ip` of this VPC's block (`None`: open): the
    /// endpoint's for a resource reached through a `Resource` endpoint, else the association's.
    pub fn firewall_at(&self, ip: Ipv4Addr) -> Option<&Arc<Firewall>> {
        if let Some(e) = self.endpoint_at(ip) {
            return e.firewall.as_ref();
        }
        match self.network_endpoints.iter().find(|e| e.ip == ip) {
            Some(e) => e.firewall.as_ref(),
            None => self.association_firewall.as_ref(),
        }
    }

    fn endpoint_at(&self, ip: Ipv4Addr) -> Option<&EndpointResource> {
        let octet = ip.octets()[3];
        self.endpoint_resources.iter().find(|e| e.octet == octet).filter(|_| self.owns(ip))
    }

    /// Whether `ip` is in this VPC's block.
    pub fn owns(&self, ip: Ipv4Addr) -> bool {
        self.service_ip.octets()[..3] == ip.octets()[..3]
    }

    /// Whether the security groups guarding `ip` admit a TCP connection from `source` to `port`.
    pub fn admits(&self, source: IpAddr, ip: Ipv4Addr, port: u16) -> bool {
        crate::firewall::admits(self.firewall_at(ip), source, port)
    }

    /// The resources this VPC reaches, each at its own address in the VPC's block.
    pub fn resources(&self) -> impl Iterator<Item = (Ipv4Addr, &Arc<ResourceRoute>)> + '_ {
        let network = self.network.iter().flat_map(|n| n.resources.slots.iter().map(|(octet, r)| (*octet, r)));
        let endpoints = self.endpoint_resources.iter().map(|e| (e.octet, &e.route));
        network.chain(endpoints).map(|(octet, r)| (self.in_block(octet), r))
    }

    /// The `CIDR` resources this VPC reaches (served in its namespace, at their own addresses),
    /// each with the security groups guarding it: the association's, or those of the endpoint it
    /// is reached through (`None`: open).
    fn guarded_cidr_resources(&self) -> impl Iterator<Item = (&Arc<ResourceRoute>, Option<&Arc<Firewall>>)> + '_ {
        let network = self.network.iter().flat_map(|n| n.resources.cidrs.iter());
        let through_association = network.map(|r| (r, self.association_firewall.as_ref()));
        through_association.chain(self.endpoint_cidrs.iter().map(|e| (&e.route, e.firewall.as_ref())))
    }

    /// The `CIDR` resources this VPC reaches.
    pub fn cidr_resources(&self) -> impl Iterator<Item = &Arc<ResourceRoute>> + '_ {
        self.guarded_cidr_resources().map(|(r, _)| r)
    }

    /// The `CIDR` resource that serves `ip:port` for this VPC, with the security groups guarding it.
    pub fn cidr_resource(&self, ip: IpAddr, port: u16) -> Option<(&Arc<ResourceRoute>, Option<&Arc<Firewall>>)> {
        self.guarded_cidr_resources().find(|(r, _)| r.reaches(ip, port))
    }

    /// The resource served at `ip` in this VPC.
    pub fn resource_at(&self, ip: Ipv4Addr) -> Option<&Arc<ResourceRoute>> {
        let octet = ip.octets()[3];
        if !self.owns(ip) {
            return None;
        }
        match self.network.as_ref().and_then(|n| n.resources.at(octet)) {
            Some(r) => Some(r),
            None => self.endpoint_at(ip).map(|e| &e.route),
        }
    }
}

/// The port of every VPC's HTTP forward proxy.
pub const FORWARD_PROXY_PORT: u16 = 3128;

/// Lattice's link-local range: inside a VPC's network namespace, the address ending in N of the
/// VPC block is reached as 169.254.171.N.
pub const LINK_LOCAL: [u8; 3] = [169, 254, 171];

/// The last octet of a namespace client's own address in the VPC block.
pub const CLIENT_OCTET: u8 = 250;

/// An address of a VPC block as clients in the VPC's namespace reach it.
pub fn link_local(ip: Ipv4Addr) -> Ipv4Addr {
    let [a, b, c] = LINK_LOCAL;
    Ipv4Addr::new(a, b, c, ip.octets()[3])
}

/// Lattice's IPv6 link-local range: inside a VPC's network namespace, the address ending in N of
/// the VPC block is also reached as fd00:ec2:80::N.
pub const LINK_LOCAL_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0x80, 0, 0, 0, 0, 0);

/// The IPv6 twin of an address of a VPC block, as clients in the VPC's namespace reach it: the
/// last group spells the same digits (`.10` is `fd00:ec2:80::10`, `.123` is `fd00:ec2:80::123`).
pub fn link_local_v6(ip: Ipv4Addr) -> Ipv6Addr {
    let n = u16::from(ip.octets()[3]);
    let group = (n / 100) << 8 | (n / 10 % 10) << 4 | (n % 10);
    Ipv6Addr::from(u128::from(LINK_LOCAL_V6) | u128::from(group))
}

/// The address of `block_ip`'s VPC block that a namespace client reaches as `ip` (169.254.171.N or
/// its IPv6 twin); `None` for any other address.
pub fn from_link_local(ip: IpAddr, block_ip: Ipv4Addr) -> Option<Ipv4Addr> {
    let [a, b, c, _] = block_ip.octets();
    let last = match ip {
        IpAddr::V4(v4) => {
            let [x, y, z, n] = v4.octets();
            ([x, y, z] == LINK_LOCAL).then_some(n)?
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            if bits & !0xfff != u128::from(LINK_LOCAL_V6) {
                return None;
            }
            let group = (bits & 0xfff) as u16;
            let digits = [group >> 8, group >> 4 & 0xf, group & 0xf];
            if digits.iter().any(|d| *d > 9) {
                return None;
            }
            u8::try_from(digits[0] * 100 + digits[1] * 10 + digits[2]).ok()?
        }
    };
    Some(Ipv4Addr::new(a, b, c, last))
}

/// Who a connection to an address of `block_ip`'s VPC block comes from. Only sockets inside a
/// VPC's namespace listen on IPv6 (at fd00:ec2:80::N), so an IPv6 peer is the namespace client,
/// `.250` of the block, as over IPv4; everyone else is who they are.
pub fn client_address(peer: SocketAddr, block_ip: Ipv4Addr) -> SocketAddr {
    match peer.ip() {
        IpAddr::V6(_) => {
            let [a, b, c, _] = block_ip.octets();
            SocketAddr::from((Ipv4Addr::new(a, b, c, CLIENT_OCTET), peer.port()))
        }
        _ => peer,
    }
}

/// The `ServiceNetwork` endpoints of `vpc`, oldest first, at `.11`–`.19` of its block (more get
/// no address).
pub(crate) fn network_endpoints(
    state: &State,
    vpc: &crate::records::Vpc,
    (networks, routes): (&Compiled<NetworkView>, &Compiled<ServiceRoute>),
    service_ip: Ipv4Addr,
    region: &str,
) -> Vec<NetworkEndpoint> {
    let mut endpoints: Vec<&crate::records::VpcEndpoint> = state
        .vpc_endpoints
        .values()
        .filter(|e| e.account == vpc.account && e.vpc_id == vpc.id)
        .filter(|e| e.vpc_endpoint_type == "ServiceNetwork" && e.state == "available")
        .collect();
    endpoints.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
    let [a, b, c, _] = service_ip.octets();
    endpoints
        .into_iter()
        .zip(11u8..=19)
        .filter_map(|(e, octet)| {
            let sn_id = e.service_network_id.as_ref()?;
            let network = networks.get(sn_id)?.clone();
            let names = state
                .sn_service_associations
                .values()
                .filter(|a| &a.service_network_id == sn_id && network.members.contains(&a.service_id))
                .filter_map(|a| {
                    let route = routes.get(&a.service_id)?;
                    let owner = &state.services.get(&a.service_id)?.account;
                    let name = lattice_api::ids::service_endpoint_domain_name(&e.id, &a.id, owner, region);
                    Some((name, route.clone()))
                })
                .collect();
            Some(NetworkEndpoint {
                endpoint_id: e.id.clone(),
                ip: Ipv4Addr::new(a, b, c, octet),
                service_network_arn: network.arn.clone(),
                network,
                names,
                private_dns: e.private_dns_enabled,
                firewall: Firewall::compile(state, &vpc.account, &e.security_group_ids),
            })
        })
        .collect()
}

pub(crate) fn associated(state: &State, sn_id: &str, service_id: &str) -> bool {
    state.sn_service_associations.values().any(|a| a.service_network_id == sn_id && a.service_id == service_id)
}

/// The auth settings of a service or service network.
pub(crate) fn gate(state: &State, id: &str, auth_type: &str) -> Gate {
    Gate::new(auth_type, state.auth_policies.get(id).map(|p| p.policy.as_str()))
}

/// One listener fewer on `port`.
pub(crate) fn uncount(ports: &mut imbl::HashMap<u16, u32>, port: u16) {
    match ports.get(&port).copied().unwrap_or(1).saturating_sub(1) {
        0 => ports.remove(&port),
        left => ports.insert(port, left),
    };
}
