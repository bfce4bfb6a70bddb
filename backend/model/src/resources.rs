//! Resource configurations as the data plane serves them. A service network's resource
//! associations make resources reachable from the VPCs associated with it; each reachable
//! resource (a `SINGLE` configuration, or each `CHILD` of a `GROUP`) gets its own address in
//! every consumer VPC's block, since TCP carries no name to route on. Connections to that
//! address on one of the resource's ports go out of one of the resource gateway's own addresses
//! to the resource.
//!
//! A `CIDR` configuration has no address of its own: a client connects to an address of its
//! blocks itself. Such resources are served inside a consumer VPC's network namespace, where
//! those addresses are redirected to the gateway (on the host they are the host's own).

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use serde_json::Value;

use crate::firewall::{Cidr, Firewall};
use crate::records::ResourceConfiguration;
use crate::State;

/// Most listening ports one resource address gets on the host: a socket each, so a range like
/// `1-65535` is served up to here (the first ports), with a warning; `explain` says so for a
/// port past it. Inside a VPC's namespace every port is served (through one redirected socket).
pub const MAX_PORTS: usize = 256;

/// Where a resource lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceTarget {
    Ip(IpAddr),
    /// Resolved by the gateway on every connection.
    Dns(String),
    /// Every address of these blocks (a `CIDR` configuration): the gateway connects to the
    /// address the client asked for.
    Cidr(Arc<[Cidr]>),
}

/// The resource gateway a resource is reached through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gateway {
    pub id: String,
    pub vpc_id: String,
    /// The gateway VPC's key in [`crate::snapshot::Snapshot::vpcs`].
    pub vpc_key: String,
    /// The gateway's own addresses in its VPC's block (its `ipv4AddressesPerEni`, at most 50):
    /// connections to resources come from one of them.
    pub source_ips: Arc<[Ipv4Addr]>,
    /// `IN_VPC` resolves DNS resources through the gateway VPC's view first; `PUBLIC` through
    /// the host's resolver.
    pub in_vpc_dns: bool,
    /// The egress rules of the gateway's security groups: where it may connect (`None`: anywhere).
    pub egress: Option<Arc<Firewall>>,
}

impl Gateway {
    /// Whether the gateway's security groups let it connect to `to`.
    pub fn may_connect(&self, to: std::net::SocketAddr) -> bool {
        crate::firewall::admits(self.egress.as_ref(), to.ip(), to.port())
    }
}

/// One reachable resource of a service network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRoute {
    /// `<association id>/<resource configuration id>`: what its address in a VPC is derived from.
    pub key: String,
    pub association_arn: String,
    pub resource_configuration_arn: String,
    /// Lower-case DNS names: the generated name, and the custom domain name when private DNS is
    /// enabled on the association.
    pub names: Vec<String>,
    /// Inclusive port ranges.
    pub ports: Vec<(u16, u16)>,
    pub target: ResourceTarget,
    pub gateway: Gateway,
    /// The service network it is reached through (`None` through a `Resource` endpoint).
    pub service_network_arn: Option<String>,
    /// Where its connection records go: the network's `RESOURCE` access-log subscriptions.
    pub log_destinations: Arc<[String]>,
    /// For a stable address order: older associations pick first.
    created_at: String,
}

impl ResourceRoute {
    pub fn accepts(&self, port: u16) -> bool {
        self.ports.iter().any(|(lo, hi)| (*lo..=*hi).contains(&port))
    }

    /// Whether this is a `CIDR` resource, reached at its own addresses rather than at one in the
    /// consumer VPC's block.
    pub fn is_cidr(&self) -> bool {
        matches!(self.target, ResourceTarget::Cidr(_))
    }

    /// Whether `ip` is an address of this `CIDR` resource's blocks.
    pub fn covers(&self, ip: IpAddr) -> bool {
        matches!(&self.target, ResourceTarget::Cidr(blocks) if blocks.iter().any(|b| b.contains(ip)))
    }

    /// Whether this `CIDR` resource serves `ip:port`.
    pub fn reaches(&self, ip: IpAddr, port: u16) -> bool {
        self.covers(ip) && self.accepts(port)
    }

    /// Whether every port of the resource listens on the host (see [`MAX_PORTS`]).
    pub fn fits_the_host(&self) -> bool {
        self.port_count() <= MAX_PORTS
    }

    /// The service-network resource association it is reached through, if any.
    pub fn via_association(&self) -> Option<&str> {
        self.key.split('/').find(|id| id.starts_with("snra-"))
    }

    /// The VPC endpoint (`Resource` or `ServiceNetwork`) it is reached through, if any.
    pub fn via_endpoint(&self) -> Option<&str> {
        self.key.split('/').next().filter(|id| id.starts_with("vpce-"))
    }

    /// How many ports the resource's ranges hold.
    pub fn port_count(&self) -> usize {
        self.ports.iter().map(|(lo, hi)| usize::from(*hi - *lo) + 1).sum()
    }

    /// The ports to listen on, at most [`MAX_PORTS`].
    pub fn listen_ports(&self) -> impl Iterator<Item = u16> + '_ {
        self.ports.iter().flat_map(|(lo, hi)| *lo..=*hi).take(MAX_PORTS)
    }
}

/// `N` or `N-M` → an inclusive range.
pub fn port_range(s: &str) -> Option<(u16, u16)> {
    let (lo, hi) = s.split_once('-').unwrap_or((s, s));
    let (lo, hi) = (lo.trim().parse::<u16>().ok()?, hi.trim().parse::<u16>().ok()?);
    (lo >= 1 && lo <= hi).then_some((lo, hi))
}

fn target_of(state: &State, rcfg: &ResourceConfiguration) -> Option<ResourceTarget> {
    let def = rcfg.resource_configuration_definition.as_ref()?;
    if let Some(arn) = def.pointer("/arnResource/arn").and_then(Value::as_str) {
        return state.registry_address(&rcfg.account, arn).map(ResourceTarget::Ip);
    }
    if let Some(ip) = def.pointer("/ipResource/ipAddress").and_then(Value::as_str) {
        return ip.parse().ok().map(ResourceTarget::Ip);
    }
    if let Some(name) = def.pointer("/dnsResource/domainName").and_then(Value::as_str) {
        return Some(ResourceTarget::Dns(name.trim_end_matches('.').to_string()));
    }
    let ranges = def.pointer("/cidrResource/cidrRanges").and_then(Value::as_array)?;
    let blocks: Option<Vec<Cidr>> = ranges.iter().map(|r| r.as_str().and_then(Cidr::parse)).collect();
    blocks.filter(|b| !b.is_empty()).map(|b| ResourceTarget::Cidr(b.into()))
}

/// A stable hash (FNV-1a): addresses must not change between releases or restarts.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The gateway's own addresses in its VPC's block: `count` consecutive addresses of
/// `.200`–`.249` (wrapping), from one its id picks.
fn gateway_ips(block: &str, gateway_id: &str, count: usize) -> Option<Arc<[Ipv4Addr]>> {
    let first = fnv(gateway_id) as usize % 50;
    let ips: Option<Vec<Ipv4Addr>> =
        (0..count.clamp(1, 50)).map(|k| format!("{block}.{}", 200 + (first + k) % 50).parse().ok()).collect();
    ips.map(Arc::from)
}

/// What a service network's resource associations make reachable, each resource with the last
/// octet of its address (the same in every consumer VPC's block), and the `CIDR` resources.
#[derive(Debug, Default)]
pub struct NetworkResources {
    pub slots: Vec<(u8, Arc<ResourceRoute>)>,
    /// Lower-case name → last octet.
    pub names: HashMap<String, u8>,
    /// Reached at their own addresses, in a consumer VPC's namespace.
    pub cidrs: Vec<Arc<ResourceRoute>>,
}

impl NetworkResources {
    pub fn compile(state: &State, sn_id: &str, region: &str) -> Self {
        let (cidrs, addressed): (Vec<_>, Vec<_>) =
            network_resources(state, sn_id, region).into_iter().partition(|r| r.is_cidr());
        let slots = slots(&addressed);
        let names = slots.iter().flat_map(|(octet, r)| r.names.iter().map(|n| (n.clone(), *octet))).collect();
        Self { slots, names, cidrs }
    }

    /// The resource whose address ends in `octet`.
    pub fn at(&self, octet: u8) -> Option<&Arc<ResourceRoute>> {
        self.slots.iter().find(|(o, _)| *o == octet).map(|(_, r)| r)
    }
}

/// What makes a resource configuration reachable: a service-network resource association or a
/// `Resource` VPC endpoint.
struct Via<'a> {
    /// The association's or endpoint's id: the first part of each route's key and name.
    id: &'a str,
    arn: String,
    /// Owner of the names' label: the association's account, or the configuration's.
    account: &'a str,
    /// Whether the configuration's custom domain name resolves too.
    private_dns: bool,
    created_at: &'a str,
    kind: ViaKind<'a>,
    service_network_arn: Option<&'a str>,
    log_destinations: Arc<[String]>,
}

/// How a configuration is reached, which decides its names and key.
#[derive(Clone, Copy)]
enum ViaKind<'a> {
    /// A service-network resource association (`id` is the association's).
    Association,
    /// A `Resource` VPC endpoint (`id` is the endpoint's).
    ResourceEndpoint,
    /// A network's association (`id`) through a `ServiceNetwork` endpoint of the consumer VPC.
    NetworkEndpoint(&'a str),
}

/// The routes of one configuration (a `SINGLE` one, or each `CHILD` of a `GROUP`), reached `via`.
fn member_routes(state: &State, rcfg: &ResourceConfiguration, via: &Via<'_>, region: &str) -> Vec<Arc<ResourceRoute>> {
    let members: Vec<&ResourceConfiguration> = if rcfg.kind == "GROUP" {
        let mut children: Vec<&ResourceConfiguration> = state
            .resource_configurations
            .values()
            .filter(|c| c.resource_configuration_group_id.as_deref() == Some(rcfg.id.as_str()))
            .collect();
        children.sort_by(|a, b| a.id.cmp(&b.id));
        children
    } else {
        vec![rcfg]
    };
    let mut out = Vec::with_capacity(members.len());
    for member in members {
        let Some(target) = target_of(state, member) else { continue };
        let gateway_id = member.resource_gateway_id.as_ref().or(rcfg.resource_gateway_id.as_ref());
        let Some(gw) = gateway_id.and_then(|id| state.resource_gateways.get(id)) else { continue };
        let count = gw.ipv4_addresses_per_eni.map_or(1, |n| usize::try_from(n).unwrap_or(1));
        let Some(source_ips) = state.vpc(&gw.account, &gw.vpc_id).and_then(|v| gateway_ips(&v.block, &gw.id, count))
        else {
            continue;
        };
        // Children take the group's port ranges.
        let ranges = if member.port_ranges.is_empty() { &rcfg.port_ranges } else { &member.port_ranges };
        let ports: Vec<(u16, u16)> = ranges.iter().filter_map(|r| port_range(r)).collect();
        let association_name =
            || lattice_api::ids::resource_association_domain_name(via.id, &member.id, via.account, region);
        let (key, mut names) = match via.kind {
            ViaKind::Association => (format!("{}/{}", via.id, member.id), vec![association_name()]),
            ViaKind::ResourceEndpoint => (
                format!("{}/{}", via.id, member.id),
                vec![lattice_api::ids::resource_endpoint_domain_name(via.id, &member.id, via.account, region)],
            ),
            ViaKind::NetworkEndpoint(vpce) => {
                let own = lattice_api::ids::resource_network_endpoint_domain_name(
                    vpce,
                    via.id,
                    &member.id,
                    via.account,
                    region,
                );
                // With private DNS the association's own name leads here too.
                let shared = via.private_dns.then(association_name);
                (format!("{vpce}/{}/{}", via.id, member.id), std::iter::once(own).chain(shared).collect())
            }
        };
        if via.private_dns {
            names.extend(member.custom_domain_name.iter().map(|n| n.trim_end_matches('.').to_ascii_lowercase()));
        }
        out.push(Arc::new(ResourceRoute {
            key,
            association_arn: via.arn.clone(),
            resource_configuration_arn: member.arn.clone(),
            names,
            ports,
            target,
            gateway: Gateway {
                id: gw.id.clone(),
                vpc_id: gw.vpc_id.clone(),
                vpc_key: crate::state::scoped_key(&gw.account, &gw.vpc_id),
                source_ips,
                in_vpc_dns: gw.resource_config_dns_resolution == "IN_VPC",
                egress: Firewall::compile_egress(state, &gw.account, &gw.security_group_ids),
            },
            service_network_arn: via.service_network_arn.map(str::to_string),
            log_destinations: via.log_destinations.clone(),
            created_at: via.created_at.to_string(),
        }));
    }
    out
}

/// The resources a service network's associations make reachable.
fn network_resources(state: &State, sn_id: &str, region: &str) -> Vec<Arc<ResourceRoute>> {
    network_resources_via(state, sn_id, region, None)
}

/// The resources of a network, reached through its VPC association or (`through`, with its
/// private DNS setting) a `ServiceNetwork` endpoint.
fn network_resources_via(
    state: &State,
    sn_id: &str,
    region: &str,
    through: Option<(&str, bool)>,
) -> Vec<Arc<ResourceRoute>> {
    let mut out = Vec::new();
    let log_destinations: Arc<[String]> = state
        .access_log_subscriptions
        .values()
        .filter(|a| a.resource_id == sn_id && a.service_network_log_type.as_deref() == Some("RESOURCE"))
        .map(|a| a.destination_arn.clone())
        .collect();
    let sn_arn = state.service_networks.get(sn_id).map(|sn| sn.arn.as_str());
    for snra in state.sn_resource_associations.values() {
        if snra.service_network_id != sn_id || snra.status != "ACTIVE" {
            continue;
        }
        let Some(rcfg) = state.resource_configurations.get(&snra.resource_configuration_id) else { continue };
        let via = Via {
            id: &snra.id,
            arn: snra.arn.clone(),
            account: &snra.account,
            private_dns: through.map_or(snra.private_dns_enabled, |(_, private_dns)| private_dns),
            created_at: &snra.created_at,
            kind: through.map_or(ViaKind::Association, |(vpce, _)| ViaKind::NetworkEndpoint(vpce)),
            service_network_arn: sn_arn,
            log_destinations: log_destinations.clone(),
        };
        out.extend(member_routes(state, rcfg, &via, region));
    }
    out
}

/// A resource a VPC reaches through one of its `Resource` VPC endpoints.
#[derive(Debug)]
pub struct EndpointResource {
    pub octet: u8,
    pub route: Arc<ResourceRoute>,
    /// The endpoint's security groups (`None`: open).
    pub firewall: Option<Arc<crate::firewall::Firewall>>,
}

/// A `CIDR` resource a VPC reaches through one of its endpoints, at the resource's own addresses.
#[derive(Debug)]
pub struct EndpointCidr {
    pub route: Arc<ResourceRoute>,
    /// The endpoint's security groups (`None`: open).
    pub firewall: Option<Arc<crate::firewall::Firewall>>,
}

/// The resources `vpc`'s `Resource` endpoints reach, at addresses its service network's
/// resources (`taken`) leave free, and the `CIDR` resources they reach.
pub fn endpoint_resources(
    state: &State,
    vpc: &crate::records::Vpc,
    taken: &[u8],
    region: &str,
) -> (Vec<EndpointResource>, Vec<EndpointCidr>) {
    let mut routes = Vec::new();
    let mut firewalls = HashMap::new();
    for e in state.vpc_endpoints.values() {
        if e.vpc_id != vpc.id || e.account != vpc.account || e.state != "available" {
            continue;
        }
        if let Some(sn_id) = e.service_network_id.as_deref().filter(|_| e.vpc_endpoint_type == "ServiceNetwork") {
            // Each of the network's resources gets its own address through the endpoint.
            firewalls.insert(e.id.clone(), Firewall::compile(state, &vpc.account, &e.security_group_ids));
            routes.extend(network_resources_via(state, sn_id, region, Some((&e.id, e.private_dns_enabled))));
            continue;
        }
        if e.vpc_endpoint_type != "Resource" {
            continue;
        }
        let Some(rcfg) = e.resource_configuration_id.as_ref().and_then(|id| state.resource_configurations.get(id))
        else {
            continue;
        };
        // Served while the configuration keeps the endpoint's association (a revoked share ends it).
        if !state.resource_endpoint_associations.values().any(|a| a.vpc_endpoint_id == e.id) {
            continue;
        }
        let via = Via {
            id: &e.id,
            arn: format!("arn:aws:ec2:{region}:{}:vpc-endpoint/{}", e.account, e.id),
            account: &rcfg.account,
            private_dns: e.private_dns_enabled,
            created_at: &e.created_at,
            kind: ViaKind::ResourceEndpoint,
            service_network_arn: None,
            log_destinations: Arc::from([]),
        };
        firewalls.insert(e.id.clone(), Firewall::compile(state, &vpc.account, &e.security_group_ids));
        routes.extend(member_routes(state, rcfg, &via, region));
    }
    let firewall_of = |route: &ResourceRoute| route.via_endpoint().and_then(|e| firewalls.get(e).cloned().flatten());
    let (cidrs, addressed): (Vec<_>, Vec<_>) = routes.into_iter().partition(|r| r.is_cidr());
    let addressed = allocate(&addressed, taken)
        .into_iter()
        .map(|(octet, route)| EndpointResource { octet, firewall: firewall_of(&route), route })
        .collect();
    let cidrs = cidrs.into_iter().map(|route| EndpointCidr { firewall: firewall_of(&route), route }).collect();
    (addressed, cidrs)
}

/// Last octets of the resources' addresses in a VPC block (`.20`–`.199`): each resource starts
/// at a slot its key hashes to and takes the next free one; older associations choose first,
/// so an address stays the same while its resource stays reachable (unless a collision made it
/// move, which only a removal of the older colliding resource can undo).
fn slots(resources: &[Arc<ResourceRoute>]) -> Vec<(u8, Arc<ResourceRoute>)> {
    allocate(resources, &[])
}

/// [`slots`], leaving the octets in `taken` alone.
fn allocate(resources: &[Arc<ResourceRoute>], taken: &[u8]) -> Vec<(u8, Arc<ResourceRoute>)> {
    const FIRST: u64 = 20;
    const SLOTS: u64 = 180;
    let mut order: Vec<&Arc<ResourceRoute>> = resources.iter().collect();
    order.sort_by(|a, b| (&a.created_at, &a.key).cmp(&(&b.created_at, &b.key)));
    let mut used: HashSet<u64> = taken.iter().filter_map(|o| u64::from(*o).checked_sub(FIRST)).collect();
    let mut out = Vec::with_capacity(order.len());
    for r in order {
        let start = fnv(&r.key) % SLOTS;
        // A full block (180 resources in one VPC) leaves the rest without an address.
        let Some(slot) = (0..SLOTS).map(|i| (start + i) % SLOTS).find(|s| !used.contains(s)) else { break };
        used.insert(slot);
        out.push(((FIRST + slot) as u8, r.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges_parse_like_lattice() {
        assert_eq!(port_range("6379"), Some((6379, 6379)));
        assert_eq!(port_range("5432-5434"), Some((5432, 5434)));
        assert_eq!(port_range("0"), None);
        assert_eq!(port_range("10-9"), None);
        assert_eq!(port_range("x"), None);
    }

    fn route(key: &str, created_at: &str) -> Arc<ResourceRoute> {
        Arc::new(ResourceRoute {
            key: key.into(),
            association_arn: String::new(),
            resource_configuration_arn: String::new(),
            names: vec![],
            ports: vec![(6379, 6379)],
            target: ResourceTarget::Ip("127.0.0.1".parse().unwrap()),
            gateway: Gateway {
                id: "rgw-1".into(),
                vpc_id: "vpc-1".into(),
                vpc_key: "000000000000:vpc-1".into(),
                source_ips: Arc::from([Ipv4Addr::LOCALHOST]),
                in_vpc_dns: false,
                egress: None,
            },
            service_network_arn: None,
            log_destinations: Arc::from([]),
            created_at: created_at.into(),
        })
    }

    #[test]
    fn addresses_are_distinct_and_stable() {
        let all: Vec<_> =
            (0..100).map(|i| route(&format!("snra-{i}/rcfg-{i}"), &format!("2026-01-01T00:{i:02}"))).collect();
        let first = slots(&all);
        let distinct: HashSet<_> = first.iter().map(|(octet, _)| *octet).collect();
        assert_eq!(distinct.len(), 100);
        assert!(first.iter().all(|(octet, _)| (20..200).contains(octet)));
        // A newer resource leaves the older ones where they were.
        let mut more = all.clone();
        more.push(route("snra-x/rcfg-x", "2026-02-01T00:00"));
        let second = slots(&more);
        for (ip, r) in &first {
            assert!(second.iter().any(|(ip2, r2)| ip2 == ip && r2.key == r.key));
        }
    }
}
