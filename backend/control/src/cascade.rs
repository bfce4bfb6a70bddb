//! The delete cascade: what goes with a service network, service or resource configuration
//! when it is deleted (its policies, log subscriptions and its place in RAM shares, shares
//! created from its resource policy included), in the same write.

use lattice_model::{Object, ObjectChange, State};

use crate::kit::Ctx;
use crate::ram::policy::{forget_resource, policy_share_changes};

/// What goes when a service network or service is deleted: its policies, log subscriptions
/// and place in RAM shares.
pub(crate) fn dependents_of(ctx: &Ctx, s: &State, resource_id: &str, arn: &str) -> Vec<ObjectChange> {
    let mut changes: Vec<ObjectChange> = s.auth_policies.get(resource_id).map(Object::delete).into_iter().collect();
    changes.extend(s.resource_policies.get(resource_id).map(Object::delete));
    changes.extend(policy_share_changes(ctx, s, arn, None));
    changes.extend(forget_resource(s, arn));
    changes.extend(s.access_log_subscriptions.values().filter(|a| a.resource_id == resource_id).map(Object::delete));
    changes
}

/// What goes when a resource configuration is deleted: its resource policy and its place in
/// RAM shares.
pub(crate) fn resource_configuration_dependents(ctx: &Ctx, s: &State, id: &str, arn: &str) -> Vec<ObjectChange> {
    let mut changes: Vec<ObjectChange> = s.resource_policies.get(id).map(Object::delete).into_iter().collect();
    changes.extend(policy_share_changes(ctx, s, arn, None));
    changes.extend(forget_resource(s, arn));
    changes
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::kit::testing::{run, A};
    use crate::kit::Ctx;
    use crate::lattice::access_log::create_access_log_subscription;
    use crate::lattice::policies::put_auth_policy;
    use crate::lattice::service::{create_service, delete_service};

    #[test]
    fn a_deleted_service_takes_its_policy_and_log_subscriptions_along() {
        let (mut s, a) = (lattice_model::State::default(), Ctx::test(A));
        let svc = run(&mut s, &a, create_service, json!({ "name": "web" })).unwrap();
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        run(&mut s, &a, put_auth_policy, json!({ "resourceIdentifier": svc["id"], "policy": policy })).unwrap();
        let logs = format!("arn:aws:logs:us-east-1:{A}:log-group:web");
        run(
            &mut s,
            &a,
            create_access_log_subscription,
            json!({ "resourceIdentifier": svc["id"], "destinationArn": logs }),
        )
        .unwrap();
        run(&mut s, &a, delete_service, json!({ "serviceIdentifier": svc["id"] })).unwrap();
        assert!(s.auth_policies.is_empty() && s.access_log_subscriptions.is_empty() && s.services.is_empty());
    }
}
