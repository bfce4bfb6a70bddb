//! Resource configurations (SINGLE / GROUP / CHILD / ARN): the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::{id_of, lattice_arn, new_id};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::{json, Value};

use crate::kit::*;

pub(crate) fn rcfg_wire(c: &ResourceConfiguration) -> Value {
    let mut v = wire(c, &[]);
    v["amazonManaged"] = json!(false);
    v
}

/// Port ranges are `N` or `N-M` with 1 ≤ N ≤ M ≤ 65535 (the model checks only the shape).
pub(crate) fn check_port_ranges(ranges: &[String]) -> Result<(), ApiError> {
    for (i, r) in ranges.iter().enumerate() {
        let (lo, hi) = r.split_once('-').unwrap_or((r, r));
        let ok = matches!((lo.parse::<u32>(), hi.parse::<u32>()), (Ok(a), Ok(b)) if (1..=65535).contains(&a) && a <= b && b <= 65535);
        if !ok {
            return Err(ApiError::invalid_field(
                &format!("portRanges.{}", i + 1),
                format!("'{r}' is not a port or port range between 1 and 65535"),
            ));
        }
    }
    Ok(())
}

/// Which definition member a configuration type takes.
pub(crate) fn check_definition(kind: &str, definition: Option<&Value>) -> Result<(), ApiError> {
    let member = definition.and_then(Value::as_object).and_then(|d| d.keys().next().cloned());
    let ok = match kind {
        "GROUP" => member.is_none(),
        "ARN" => member.as_deref() == Some("arnResource"),
        "CIDR" => member.as_deref() == Some("cidrResource"),
        _ => matches!(member.as_deref(), Some("ipResource" | "dnsResource")),
    };
    if ok {
        return check_cidr_ranges(definition);
    }
    let expected = match kind {
        "GROUP" => "no resourceConfigurationDefinition",
        "ARN" => "an arnResource definition",
        "CIDR" => "a cidrResource definition",
        _ => "an ipResource or dnsResource definition",
    };
    Err(ApiError::invalid_field(
        "resourceConfigurationDefinition",
        format!("{kind} resource configurations take {expected}"),
    ))
}

/// Each of a `cidrResource`'s ranges is an address block (`10.0.0.0/16`).
fn check_cidr_ranges(definition: Option<&Value>) -> Result<(), ApiError> {
    let ranges = definition.and_then(|d| d.pointer("/cidrResource/cidrRanges")).and_then(Value::as_array);
    for (i, range) in ranges.into_iter().flatten().enumerate() {
        let text = range.as_str().unwrap_or_default();
        if text.contains('/') && lattice_model::firewall::Cidr::parse(text).is_some() {
            continue;
        }
        return Err(ApiError::invalid_field(
            &format!("resourceConfigurationDefinition.cidrResource.cidrRanges.{}", i + 1),
            format!("'{text}' is not a CIDR block (such as 10.0.0.0/16)"),
        ));
    }
    Ok(())
}

pub(crate) fn create_resource_configuration(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let name = req(input, "name");
    let kind = req(input, "type");
    conflict_if(
        &s.resource_configurations,
        |o| ctx.owns(o) && o.name == name,
        RCFG,
        |o| format!("A resource configuration named '{name}' already exists ({})", o.id),
    )?;
    let definition = input.get("resourceConfigurationDefinition").cloned();
    check_definition(kind, definition.as_ref())?;
    let port_ranges = string_list(input, "portRanges");
    check_port_ranges(&port_ranges)?;
    let (gateway, group, protocol, group_record) = if kind == "CHILD" {
        let group_ident = str_of(input, "resourceConfigurationGroupIdentifier").ok_or_else(|| {
            ApiError::invalid_field(
                "resourceConfigurationGroupIdentifier",
                "CHILD resource configurations need a group",
            )
        })?;
        if input.get("resourceGatewayIdentifier").is_some() || input.get("protocol").is_some() {
            return Err(ApiError::invalid_field(
                "resourceGatewayIdentifier",
                "CHILD resource configurations take the gateway and protocol of their group",
            ));
        }
        let group = find(&s.resource_configurations, ctx, group_ident, RCFG)?;
        if group.kind != "GROUP" {
            return Err(ApiError::invalid_field(
                "resourceConfigurationGroupIdentifier",
                format!("{} is not a GROUP resource configuration", group.id),
            ));
        }
        (group.resource_gateway_id.clone(), Some(group.id.clone()), group.protocol.clone(), Some(group))
    } else {
        let gw_ident = str_of(input, "resourceGatewayIdentifier").ok_or_else(|| {
            ApiError::invalid_field(
                "resourceGatewayIdentifier",
                format!("{kind} resource configurations need a resource gateway"),
            )
        })?;
        if input.get("resourceConfigurationGroupIdentifier").is_some() {
            return Err(ApiError::invalid_field(
                "resourceConfigurationGroupIdentifier",
                "only CHILD resource configurations belong to a group",
            ));
        }
        let gw = find(&s.resource_gateways, ctx, gw_ident, RGW)?;
        // A GROUP may leave its ports to its children.
        if kind == "SINGLE" && port_ranges.is_empty() {
            return Err(ApiError::invalid_field(
                "portRanges",
                format!("{kind} resource configurations need portRanges"),
            ));
        }
        (Some(gw.id.clone()), None, Some(str_of(input, "protocol").unwrap_or("TCP").to_string()), None)
    };
    // A CHILD without ports of its own takes its group's.
    let port_ranges = match group_record {
        Some(g) if port_ranges.is_empty() => {
            if g.port_ranges.is_empty() {
                return Err(ApiError::invalid_field(
                    "portRanges",
                    format!("CHILD resource configurations need portRanges (their group {} has none)", g.id),
                ));
            }
            g.port_ranges.clone()
        }
        _ => port_ranges,
    };
    let dv = match str_of(input, "domainVerificationIdentifier") {
        Some(ident) => Some(find(&s.domain_verifications, ctx, ident, DV)?.id.clone()),
        None => None,
    };
    let id = new_id("rcfg");
    let now = now_rfc3339();
    let c = ResourceConfiguration {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("resourceconfiguration/{id}")),
        id,
        name: name.to_string(),
        kind: kind.to_string(),
        port_ranges,
        protocol,
        resource_gateway_id: gateway,
        resource_configuration_group_id: group,
        resource_configuration_definition: definition,
        allow_association_to_shareable_service_network: input
            .get("allowAssociationToShareableServiceNetwork")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        custom_domain_name: str_of(input, "customDomainName").map(str::to_string),
        group_domain: str_of(input, "groupDomain").map(str::to_string),
        domain_verification_id: dv,
        status: "ACTIVE".into(),
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    let mut body = rcfg_wire(&c);
    if let Some(map) = body.as_object_mut() {
        map.remove("lastUpdatedAt");
        map.remove("amazonManaged");
    }
    Outcome::write(vec![c.put()], body)
}

pub(crate) fn get_resource_configuration(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let c = find_usable(&s.resource_configurations, s, ctx, req(input, "resourceConfigurationIdentifier"), RCFG)?;
    Outcome::read(rcfg_wire(c))
}

pub(crate) fn list_resource_configurations(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    const FIELDS: &[&str] = &[
        "id",
        "name",
        "arn",
        "resourceGatewayId",
        "resourceConfigurationGroupId",
        "type",
        "status",
        "createdAt",
        "lastUpdatedAt",
        "amazonManaged",
        "customDomainName",
        "groupDomain",
        "domainVerificationId",
    ];
    let gw = str_of(input, "resourceGatewayIdentifier").map(id_of);
    let group = str_of(input, "resourceConfigurationGroupIdentifier").map(id_of);
    let dv = str_of(input, "domainVerificationIdentifier").map(id_of);
    list_usable(
        &s.resource_configurations,
        s,
        ctx,
        input,
        |c| {
            gw.is_none_or(|g| c.resource_gateway_id.as_deref() == Some(g))
                && group.is_none_or(|g| c.resource_configuration_group_id.as_deref() == Some(g))
                && dv.is_none_or(|d| c.domain_verification_id.as_deref() == Some(d))
        },
        |c| pick(&rcfg_wire(c), FIELDS),
    )
}

pub(crate) fn update_resource_configuration(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut c = find(&s.resource_configurations, ctx, req(input, "resourceConfigurationIdentifier"), RCFG)?.clone();
    if let Some(def) = input.get("resourceConfigurationDefinition") {
        check_definition(&c.kind, Some(def))?;
        c.resource_configuration_definition = Some(def.clone());
    }
    if input.get("portRanges").is_some() {
        let ranges = string_list(input, "portRanges");
        check_port_ranges(&ranges)?;
        c.port_ranges = ranges;
    }
    if let Some(b) = input.get("allowAssociationToShareableServiceNetwork").and_then(Value::as_bool) {
        c.allow_association_to_shareable_service_network = b;
    }
    c.last_updated_at = now_rfc3339();
    let body = pick(
        &rcfg_wire(&c),
        &[
            "id",
            "name",
            "arn",
            "resourceGatewayId",
            "resourceConfigurationGroupId",
            "type",
            "portRanges",
            "allowAssociationToShareableServiceNetwork",
            "protocol",
            "status",
            "resourceConfigurationDefinition",
        ],
    );
    Outcome::write(vec![c.put()], body)
}

pub(crate) fn delete_resource_configuration(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let c = find(&s.resource_configurations, ctx, req(input, "resourceConfigurationIdentifier"), RCFG)?;
    conflict_if(
        &s.resource_configurations,
        |o| o.resource_configuration_group_id.as_deref() == Some(c.id.as_str()),
        RCFG,
        |o| format!("Resource configuration group {} still has child {}", c.id, o.id),
    )?;
    conflict_if(
        &s.sn_resource_associations,
        |a| a.resource_configuration_id == c.id,
        RCFG,
        |a| {
            format!(
                "Resource configuration {} is associated with service network {} ({})",
                c.id, a.service_network_id, a.id
            )
        },
    )?;
    conflict_if(
        &s.resource_endpoint_associations,
        |a| a.resource_configuration_id == c.id,
        RCFG,
        |a| format!("Resource configuration {} is reached by VPC endpoint {} ({})", c.id, a.vpc_endpoint_id, a.id),
    )?;
    let mut changes = crate::cascade::resource_configuration_dependents(ctx, s, &c.id, &c.arn);
    changes.push(c.delete());
    Outcome::write(changes, Value::Null)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::resource_gateway::create_resource_gateway;

    #[test]
    fn a_configuration_names_its_gateway_ports_and_definition() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let gw = run(&mut s, &a, create_resource_gateway, json!({ "name": "gw", "vpcIdentifier": "vpc-0a0a0a0a0a0a0a0a0", "subnetIds": ["subnet-0123456789abcdef0"] })).unwrap();
        let cfg = |ports: &str| json!({ "name": "db", "type": "SINGLE", "resourceGatewayIdentifier": gw["id"], "portRanges": [ports], "resourceConfigurationDefinition": { "ipResource": { "ipAddress": "127.0.0.1" } } });
        assert_eq!(code(run(&mut s, &a, create_resource_configuration, cfg("70000"))), "ValidationException");
        let c = run(&mut s, &a, create_resource_configuration, cfg("5432")).unwrap();
        assert_eq!(
            code(run(&mut s, &b, create_resource_configuration, cfg("5432"))),
            "ResourceNotFoundException",
            "A's gateway"
        );
        let id = json!({ "resourceConfigurationIdentifier": c["id"] });
        assert_eq!(code(run(&mut s, &b, get_resource_configuration, id.clone())), "ResourceNotFoundException");
        run(&mut s, &a, delete_resource_configuration, id).unwrap();
        assert!(s.resource_configurations.is_empty());
    }
}
