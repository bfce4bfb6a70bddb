//! The immutable view the data plane serves from. `compile` turns the control-plane state into
//! per-VPC views: which names resolve, which hosts route to which listener, and the target
//! sets behind each action. Lookups here are pure and allocation-free on the request path.

mod dirty;
mod dns;
mod routing;
mod targets;
mod view;

pub use self::dirty::*;
pub use self::dns::*;
pub use self::routing::*;
pub use self::targets::*;
pub use self::view::*;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::auth::{Gate, Identities};
use crate::firewall::Firewall;
use crate::resources::{endpoint_resources, NetworkResources};
use crate::state::State;
use lattice_runtime::health::HealthTable;

/// Everything the data plane needs, at one generation of the control-plane state.
///
/// Compiled services and service networks live in persistent maps: the next snapshot starts
/// from a constant-time copy of this one and recompiles only what a write touched (see
/// [`Dirty`]), so a write's cost does not grow with the number of services.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub generation: u64,
    /// What each VPC sees, keyed `account:id` ([`crate::state::scoped_key`]).
    pub vpcs: HashMap<String, Arc<VpcView>, Fast>,
    pub(crate) region: String,
    /// Compiled services, by id.
    pub(crate) routes: imbl::HashMap<String, Arc<ServiceRoute>>,
    /// What each service network offers, by id.
    pub(crate) networks: imbl::HashMap<String, Arc<NetworkView>>,
    /// Local zones, by id.
    pub(crate) zones: HashMap<String, Arc<ZoneView>>,
    /// Local principals by access key, for SigV4 on `AWS_IAM` services.
    pub identities: Arc<Identities>,
    /// Target statuses, shared by every snapshot of one backend.
    pub health: Arc<HealthTable>,
    /// The worker processes of Lambda API functions, shared likewise.
    pub workers: Arc<lattice_runtime::functions::Workers>,
}

/// What a service network offers the VPCs associated with it.
#[derive(Debug, Clone, Default)]
pub struct NetworkView {
    pub arn: String,
    /// Lower-case names of member services → the service.
    pub(crate) names: imbl::GenericHashMap<String, Arc<ServiceRoute>, Fast, imbl::shared_ptr::DefaultSharedPtr>,
    /// Listener ports of member services, with how many listeners use each.
    pub(crate) ports: imbl::HashMap<u16, u32>,
    /// The ports among them where a TLS passthrough listener answers, counted the same way.
    pub(crate) passthrough_ports: imbl::HashMap<u16, u32>,
    /// Member service ids.
    pub(crate) members: imbl::HashSet<String>,
    /// Where the network's service access logs go (subscription destination ARNs).
    pub log_destinations: Arc<[String]>,
    /// The network's auth type and policy.
    pub auth: Gate,
    /// Resources its resource associations make reachable.
    pub resources: Arc<NetworkResources>,
}

/// Compiled objects by id, shared between snapshots.
pub(crate) type Compiled<T> = imbl::HashMap<String, Arc<T>>;

/// The hasher of the maps the data plane looks up on every request (VPCs, Host names,
/// listener ports): keyed per process, and several times cheaper than SipHash on short keys.
/// Their keys come from the configuration; a client's Host only looks one up.
pub type Fast = foldhash::fast::RandomState;

/// Builds the snapshot for `state` from scratch.
pub fn compile(state: &State, generation: u64, region: &str) -> Snapshot {
    let empty = Snapshot { region: region.to_string(), ..Snapshot::default() };
    empty.next(state, &Dirty::everything(state), generation)
}

impl Snapshot {
    /// The Region of an object's ARN (the home Region for ARNs without one).
    fn region_of<'a>(&'a self, arn: &'a str) -> &'a str {
        crate::records::arn_region(arn).unwrap_or(&self.region)
    }

    /// ARNs of the service networks with a service or resource answering to `name`.
    pub fn networks_offering(&self, name: &str) -> Vec<String> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let mut arns: Vec<String> = self
            .networks
            .values()
            .filter(|n| n.names.contains_key(&name) || n.resources.names.contains_key(&name))
            .map(|n| n.arn.clone())
            .collect();
        arns.sort();
        arns
    }

    /// Every group some listener or rule forwards to (a group may appear more than once).
    fn forward_groups(&self) -> impl Iterator<Item = &WeightedGroup> + '_ {
        self.routes
            .values()
            .flat_map(|route| route.listeners.values())
            .flat_map(|listener| {
                let actions = listener.rules.iter().map(|r| &r.action).chain(std::iter::once(&listener.action));
                actions.filter_map(|action| match action {
                    RouteAction::Forward(fwd) => Some(fwd.groups.iter()),
                    RouteAction::Fixed { .. } => None,
                })
            })
            .flatten()
    }

    /// Every target a forward action reaches (once per group and address), checked or not, with
    /// its cell: what status reports about failing targets.
    pub fn targets(&self) -> Vec<(String, std::net::SocketAddr, Arc<lattice_runtime::health::Slot>)> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for group in self.forward_groups() {
            for t in group.targets.iter() {
                if seen.insert((group.target_group_id.as_str(), t.addr)) {
                    out.push((group.target_group_id.clone(), t.addr, t.health.clone()));
                }
            }
        }
        out
    }

    /// Every target a health check must watch: the targets of health-checked groups that some
    /// listener or rule forwards to (other groups' targets are `UNUSED`).
    pub fn checks(&self) -> Vec<CheckTarget> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for group in self.forward_groups() {
            let Some(check) = &group.health_check else { continue };
            for t in group.targets.iter() {
                if seen.insert((group.target_group_id.as_str(), t.addr)) {
                    out.push(CheckTarget {
                        target_group_id: group.target_group_id.clone(),
                        addr: t.addr,
                        check: check.clone(),
                        slot: t.health.clone(),
                    });
                }
            }
        }
        out
    }

    /// The snapshot after a write: `dirty` says what the write touched; the rest is shared.
    pub fn next(&self, state: &State, dirty: &Dirty, generation: u64) -> Snapshot {
        let mut routes = self.routes.clone();
        for id in &dirty.services {
            match state.services.get(id) {
                Some(svc) => routes.insert(id.clone(), Arc::new(service_route(state, svc, &self.health))),
                None => routes.remove(id),
            };
        }

        // Networks a touched service was or is a member of, and touched networks.
        let mut affected: HashSet<&str> = dirty.networks.iter().map(String::as_str).collect();
        for svc in &dirty.services {
            affected.extend(self.networks.iter().filter(|(_, n)| n.members.contains(svc)).map(|(id, _)| id.as_str()));
            affected.extend(
                state
                    .sn_service_associations
                    .values()
                    .filter(|a| &a.service_id == svc)
                    .map(|a| a.service_network_id.as_str()),
            );
        }
        let mut networks = self.networks.clone();
        for &sn_id in &affected {
            let Some(sn) = state.service_networks.get(sn_id) else {
                networks.remove(sn_id);
                continue;
            };
            let previous = self.networks.get(sn_id);
            let mut view = previous.map(|v| (**v).clone()).unwrap_or_default();
            view.arn = sn.arn.clone();
            view.log_destinations = log_destinations(state, &sn.id);
            view.auth = gate(state, &sn.id, &sn.auth_type);
            if previous.is_none() || dirty.resources {
                view.resources = Arc::new(NetworkResources::compile(state, &sn.id, self.region_of(&sn.arn)));
            }
            // A network seen for the first time takes all its members; otherwise only the
            // touched services can have changed.
            let candidates: Vec<&String> = if previous.is_none() {
                state
                    .sn_service_associations
                    .values()
                    .filter(|a| a.service_network_id == sn.id)
                    .map(|a| &a.service_id)
                    .collect()
            } else {
                dirty.services.iter().collect()
            };
            for svc in candidates {
                if view.members.remove(svc).is_some() {
                    if let Some(old) = self.routes.get(svc) {
                        for name in &old.names {
                            view.names.remove(name);
                        }
                        for (port, listener) in &old.listeners {
                            uncount(&mut view.ports, *port);
                            if listener.protocol == "TLS_PASSTHROUGH" {
                                uncount(&mut view.passthrough_ports, *port);
                            }
                        }
                    }
                }
                let route = routes.get(svc).filter(|_| associated(state, &sn.id, svc));
                if let Some(route) = route {
                    view.members.insert(svc.clone());
                    for name in &route.names {
                        view.names.insert(name.clone(), route.clone());
                    }
                    for (port, listener) in &route.listeners {
                        *view.ports.entry(*port).or_insert(0) += 1;
                        if listener.protocol == "TLS_PASSTHROUGH" {
                            *view.passthrough_ports.entry(*port).or_insert(0) += 1;
                        }
                    }
                }
            }
            networks.insert(sn_id.to_string(), Arc::new(view));
        }

        // The other networks only change when resources did.
        if dirty.resources {
            let ids: Vec<String> = networks.keys().filter(|id| !affected.contains(id.as_str())).cloned().collect();
            for id in ids {
                let Some(view) = networks.get(&id) else { continue };
                let mut view = (**view).clone();
                view.resources = Arc::new(NetworkResources::compile(state, &id, self.region_of(&view.arn)));
                networks.insert(id, Arc::new(view));
            }
        }

        let zones = if dirty.zones {
            state.dns_zones.values().map(|z| (z.id.clone(), Arc::new(zone_view(state, z)))).collect()
        } else {
            self.zones.clone()
        };

        // VPC views only point at shared parts: rebuilding them all is cheap.
        let mut vpcs = HashMap::default();
        for vpc in state.vpcs.values() {
            let (Some(resolver_ip), Some(service_ip)) =
                (parse_ip(&vpc.resolver_ip()), parse_ip(&vpc.service_network_ip()))
            else {
                continue;
            };
            let association = state
                .sn_vpc_associations
                .values()
                .find(|a| a.account == vpc.account && a.vpc_id == vpc.id && a.status == "ACTIVE");
            let network = association.and_then(|a| networks.get(&a.service_network_id)).cloned();
            let taken: Vec<u8> =
                network.iter().flat_map(|n| n.resources.slots.iter().map(|(octet, _)| *octet)).collect();
            // A VPC lives in one Region: its view answers with that Region's names and ARNs.
            let region = if vpc.region.is_empty() { self.region.as_str() } else { vpc.region.as_str() };
            let (endpoint_resources, endpoint_cidrs) = endpoint_resources(state, vpc, &taken, region);
            let network_endpoints = network_endpoints(state, vpc, (&networks, &routes), service_ip, region);
            let view = VpcView {
                vpc_id: vpc.id.clone(),
                account: vpc.account.clone(),
                region: region.to_string(),
                resolver_ip,
                service_ip,
                service_network_arn: network.as_ref().map(|n| n.arn.clone()),
                vpc_arn: format!("arn:aws:ec2:{region}:{}:vpc/{}", vpc.account, vpc.id),
                network,
                zones: state
                    .dns_zones
                    .values()
                    .filter(|z| z.account == vpc.account && z.vpc_ids.contains(&vpc.id))
                    .filter_map(|z| zones.get(&z.id).cloned())
                    .collect(),
                association_firewall: association
                    .and_then(|a| Firewall::compile(state, &vpc.account, &a.security_group_ids)),
                endpoint_resources,
                endpoint_cidrs,
                network_endpoints,
            };
            // Keyed `account:id`: each account has VPC ids of its own.
            vpcs.insert(crate::state::Object::key(vpc), Arc::new(view));
        }
        let identities =
            if dirty.identities { Arc::new(crate::auth::identities(state)) } else { self.identities.clone() };
        Snapshot {
            generation,
            vpcs,
            region: self.region.clone(),
            routes,
            networks,
            zones,
            identities,
            health: self.health.clone(),
            workers: self.workers.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
