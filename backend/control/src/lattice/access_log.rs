//! Access-log subscriptions: the VPC Lattice operations on them. Handlers read the state and a validated
//! input and return the changes and the answer; they never mutate anything themselves.

use lattice_api::ids::{lattice_arn, new_id};
use lattice_api::{now_rfc3339, ApiError};
use lattice_model::records::*;
use lattice_model::{Object, State};
use serde_json::Value;

use crate::kit::*;
use crate::lattice::policies::policy_target;

pub(crate) const ALS: &str = "ACCESS_LOG_SUBSCRIPTION";

/// `logs`, `s3` or `firehose`: at most one subscription per destination type (and log type).
pub(crate) fn destination_type(arn: &str) -> &str {
    arn.split(':').nth(2).unwrap_or_default()
}

pub(crate) fn als_wire(a: &AccessLogSubscription) -> Value {
    wire(a, &[])
}

pub(crate) fn check_als_conflict(s: &State, a: &AccessLogSubscription) -> Result<(), ApiError> {
    conflict_if(
        &s.access_log_subscriptions,
        |o| {
            o.id != a.id
                && o.resource_id == a.resource_id
                && destination_type(&o.destination_arn) == destination_type(&a.destination_arn)
                && o.service_network_log_type == a.service_network_log_type
        },
        ALS,
        |o| {
            let kind = destination_type(&a.destination_arn);
            format!("{} already has an access-log subscription to a {kind} destination ({})", a.resource_id, o.id)
        },
    )
}

/// A destination as Lattice keeps it: a CloudWatch Logs log group in its `…:log-group:name:*` form.
fn destination(arn: &str) -> String {
    let log_group = arn.split(':').nth(2) == Some("logs") && arn.contains(":log-group:");
    if log_group && !arn.ends_with(":*") {
        format!("{arn}:*")
    } else {
        arn.to_string()
    }
}

pub(crate) fn create_access_log_subscription(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (resource_id, resource_arn, _) = policy_target(ctx, s, req(input, "resourceIdentifier"))?;
    let log_type = str_of(input, "serviceNetworkLogType").map(str::to_string);
    let on_network = resource_id.starts_with("sn-");
    if log_type.is_some() && !on_network {
        return Err(ApiError::invalid_field(
            "serviceNetworkLogType",
            "serviceNetworkLogType applies to service networks only",
        ));
    }
    let id = new_id("als");
    let now = now_rfc3339();
    let a = AccessLogSubscription {
        arn: lattice_arn(&ctx.region, &ctx.account, &format!("accesslogsubscription/{id}")),
        id,
        resource_id,
        resource_arn,
        destination_arn: destination(req(input, "destinationArn")),
        service_network_log_type: if on_network { log_type.or_else(|| Some("SERVICE".into())) } else { None },
        created_at: now.clone(),
        last_updated_at: now,
        tags: tags_of(input),
        account: ctx.account.clone(),
    };
    check_als_conflict(s, &a)?;
    let body =
        pick(&als_wire(&a), &["id", "arn", "resourceId", "resourceArn", "serviceNetworkLogType", "destinationArn"]);
    Outcome::write(vec![a.put()], body)
}

pub(crate) fn get_access_log_subscription(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find(&s.access_log_subscriptions, ctx, req(input, "accessLogSubscriptionIdentifier"), ALS)?;
    Outcome::read(als_wire(a))
}

pub(crate) fn list_access_log_subscriptions(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let (resource_id, _, _) = policy_target(ctx, s, req(input, "resourceIdentifier"))?;
    list_owned(&s.access_log_subscriptions, ctx, input, |a| a.resource_id == resource_id, als_wire)
}

pub(crate) fn update_access_log_subscription(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let mut a = find(&s.access_log_subscriptions, ctx, req(input, "accessLogSubscriptionIdentifier"), ALS)?.clone();
    a.destination_arn = destination(req(input, "destinationArn"));
    a.last_updated_at = now_rfc3339();
    check_als_conflict(s, &a)?;
    let body = pick(&als_wire(&a), &["id", "arn", "resourceId", "resourceArn", "destinationArn"]);
    Outcome::write(vec![a.put()], body)
}

pub(crate) fn delete_access_log_subscription(ctx: &Ctx, s: &State, input: &Value) -> OpResult {
    let a = find(&s.access_log_subscriptions, ctx, req(input, "accessLogSubscriptionIdentifier"), ALS)?;
    Outcome::write(vec![a.delete()], Value::Null)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kit::testing::{code, run, A, B};
    use crate::lattice::service::create_service;

    #[test]
    fn one_subscription_per_destination_type_and_owner() {
        let (mut s, a, b) = (State::default(), Ctx::test(A), Ctx::test(B));
        let svc = run(&mut s, &a, create_service, json!({ "name": "web" })).unwrap();
        let logs = format!("arn:aws:logs:us-east-1:{A}:log-group:web");
        let sub = run(
            &mut s,
            &a,
            create_access_log_subscription,
            json!({ "resourceIdentifier": svc["id"], "destinationArn": logs }),
        )
        .unwrap();
        let again = run(
            &mut s,
            &a,
            create_access_log_subscription,
            json!({ "resourceIdentifier": svc["id"], "destinationArn": logs }),
        );
        assert_eq!(code(again), "ConflictException", "one CloudWatch destination per resource");
        let id = json!({ "accessLogSubscriptionIdentifier": sub["id"] });
        assert_eq!(code(run(&mut s, &b, get_access_log_subscription, id.clone())), "ResourceNotFoundException");
        let got = run(&mut s, &a, get_access_log_subscription, id.clone()).unwrap();
        assert_eq!(got["destinationArn"], format!("{logs}:*"), "a log group in the form Lattice answers with");
        run(&mut s, &a, delete_access_log_subscription, id).unwrap();
        assert!(s.access_log_subscriptions.is_empty());
    }
}
