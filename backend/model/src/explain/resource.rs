//! `explain` for TCP resources: one at an address of the VPC's block, or a `CIDR` resource at
//! an address of its own blocks (served in the VPC's namespace), through its resource gateway.

use std::net::{IpAddr, Ipv4Addr};

use serde_json::json;

use super::{guarded_by, security_groups, Explanation, Trace};
use crate::resources::{Gateway, ResourceRoute, ResourceTarget, MAX_PORTS};
use crate::snapshot::{Snapshot, VpcView};

/// The resource's port ranges as Lattice writes them.
fn ranges(resource: &ResourceRoute) -> String {
    let ranges: Vec<String> =
        resource.ports.iter().map(|(lo, hi)| if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") }).collect();
    ranges.join(", ")
}

/// The egress rules of the gateway's security groups for the resource at `address` (unknown for
/// a name the host resolves at connect time) on `port`, through the data plane's own check.
fn gateway_security_groups(
    t: &mut Trace,
    gw: &Gateway,
    address: Option<IpAddr>,
    port: u16,
    to: &str,
) -> Result<(), Box<Explanation>> {
    let Some(egress) = &gw.egress else { return Ok(()) };
    let groups: Vec<&str> = egress.groups().collect();
    let facts = json!({ "gateway": gw.id, "port": port, "groups": groups });
    match address.map(|a| (a, egress.admit(a, port))) {
        Some((_, Some(admitted))) => {
            let detail = format!("{} lets {} connect to {to}: {}", admitted.group, gw.id, admitted.rule);
            t.step("gateway-security-groups", true, detail, facts);
            Ok(())
        }
        Some((a, None)) => {
            let detail = format!(
                "no egress rule of {} lets {} connect to {a} port {port}: the connection is reset",
                groups.join(", "),
                gw.id
            );
            t.step("gateway-security-groups", false, detail.clone(), facts);
            Err(Box::new(std::mem::take(t).end("refused", None, detail)))
        }
        None => {
            let detail = format!(
                "the egress rules of {} are checked at connect time against the address the name resolves to",
                groups.join(", ")
            );
            t.step("gateway-security-groups", true, detail, facts);
            Ok(())
        }
    }
}

pub(super) fn explain_resource(
    mut t: Trace,
    snapshot: &Snapshot,
    (view, source): (&VpcView, IpAddr),
    resource: &ResourceRoute,
    (ip, port): (Ipv4Addr, u16),
) -> Explanation {
    t.step(
        "resource",
        true,
        format!("{ip} is {} through {}", resource.resource_configuration_arn, resource.association_arn),
        json!({ "names": resource.names }),
    );
    if !resource.listen_ports().any(|p| p == port) {
        let detail = if resource.accepts(port) {
            format!(
                "port {port} is in the resource's ranges ({}), but lattice-local serves at most the first {MAX_PORTS} ports of a resource on the host: the connection is refused there (in the VPC's namespace, `lattice-local exec`, every port is served; or narrow port_ranges to the ports used)",
                ranges(resource)
            )
        } else {
            format!("port {port} is not one of the resource's ports ({}): the connection is refused", ranges(resource))
        };
        return t.fail("port", detail, "refused", None);
    }
    if let Err(e) = security_groups(&mut t, view, source, (ip, port)) {
        return *e;
    }
    through_gateway(t, snapshot, resource, (ip, port))
}

/// A connection to `ip:port`, an address of the blocks of the `CIDR` resource `resource`.
pub(super) fn explain_cidr(
    mut t: Trace,
    snapshot: &Snapshot,
    (view, source): (&VpcView, IpAddr),
    resource: &ResourceRoute,
    (ip, port): (Ipv4Addr, u16),
) -> Explanation {
    let blocks: Vec<String> = match &resource.target {
        ResourceTarget::Cidr(blocks) => blocks.iter().map(ToString::to_string).collect(),
        _ => Vec::new(),
    };
    let detail = format!(
        "{ip} is in the blocks of {} (a CIDR resource) through {}: in {}'s namespace (`lattice-local exec`) connections to its addresses go to the gateway; on the host they go to the address itself",
        resource.resource_configuration_arn, resource.association_arn, view.vpc_id
    );
    t.step("resource", true, detail, json!({ "blocks": blocks }));
    let Some((_, firewall)) = view.cidr_resource(IpAddr::V4(ip), port) else {
        let detail = format!(
            "port {port} is not one of the resource's ports ({}): the connection is not redirected and gets no answer",
            ranges(resource)
        );
        return t.fail("port", detail, "refused", None);
    };
    if let Err(e) = guarded_by(&mut t, firewall, source, (ip, port)) {
        return *e;
    }
    through_gateway(t, snapshot, resource, (ip, port))
}

/// The gateway's leg of a connection to `resource` on `port`, for a client that asked for `asked`.
fn through_gateway(
    mut t: Trace,
    snapshot: &Snapshot,
    resource: &ResourceRoute,
    (asked, port): (Ipv4Addr, u16),
) -> Explanation {
    let gw = &resource.gateway;
    let from = match &gw.source_ips[..] {
        [one] => format!("its address {one}"),
        [first, .., last] => format!("one of its {} addresses ({first} … {last}, in turn)", gw.source_ips.len()),
        [] => "nowhere".to_string(),
    };
    let addresses: Vec<String> = gw.source_ips.iter().map(Ipv4Addr::to_string).collect();
    let detail = format!("connections leave {} from {from} in {}", gw.id, gw.vpc_id);
    t.step("gateway", true, detail, json!({ "addresses": addresses }));
    let (to, address) = match &resource.target {
        ResourceTarget::Ip(addr) => (format!("{addr}:{port}"), Some(*addr)),
        ResourceTarget::Dns(name) if gw.in_vpc_dns => {
            match snapshot.vpcs.get(&gw.vpc_key).and_then(|v| v.dns_answer(name)) {
                Some(addr) => (format!("{name} = {addr} (resolved in {}) port {port}", gw.vpc_id), Some(addr.into())),
                None => (
                    format!("{name} (not in {}'s zones: the host's resolver, at connect time) port {port}", gw.vpc_id),
                    None,
                ),
            }
        }
        ResourceTarget::Dns(name) => {
            (format!("{name} (resolved by the host's resolver at connect time) port {port}"), None)
        }
        ResourceTarget::Cidr(_) => (format!("{asked}:{port}"), Some(IpAddr::V4(asked))),
    };
    if let Err(e) = gateway_security_groups(&mut t, gw, address, port, &to) {
        return *e;
    }
    let detail = format!("forwarded to {to}");
    t.pass("target", detail.clone());
    t.end("forwarded", None, detail)
}
