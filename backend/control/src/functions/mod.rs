//! Lambda on the `rest-json` protocol: functions from a zip (`ZipFile`) whose handler runs
//! here (`python3.x` and `nodejs*`, in workers `lattice_runtime::functions` keeps warm), their
//! configuration, published versions and aliases, resource policies (`AddPermission`: a LAMBDA
//! target group reaches a function only when its policy lets `vpc-lattice.amazonaws.com`
//! invoke it), tags, reserved concurrency, and `Invoke`. Functions are `LocalFunction`s with
//! Lambda details, keyed by ARN; the stand-ins `lattice_local_function` makes stay as they are.

mod config;
mod invoke;
mod policy;

use lattice_api::ApiError;
use lattice_model::records::{LambdaFunction, LocalFunction};
use lattice_model::State;
use serde_json::Value;

use crate::kit::{str_of, AsyncHandler, AwsService, Ctx, Handler};

pub(crate) const SERVICE: AwsService = AwsService {
    signing_name: "lambda",
    model: lattice_api::model::lambda,
    operations: OPERATIONS,
    validation_error: |e| {
        if e.code == lattice_api::ErrorCode::Validation {
            error(400, "InvalidParameterValueException", e.message)
        } else {
            e
        }
    },
    token_mismatch: |e| e,
    client_token: None,
    async_operations: ASYNC,
    left_out_for_terraform_aws: &[],
};

/// Every Lambda operation served, by its botocore name: the only list of them (with `ASYNC`).
pub(crate) const OPERATIONS: &[(&str, Handler)] = &[
    ("CreateFunction", config::create),
    ("GetFunction", config::get),
    ("GetFunctionConfiguration", config::get_configuration),
    ("DeleteFunction", config::delete),
    ("UpdateFunctionCode", config::update_code),
    ("UpdateFunctionConfiguration", config::update_configuration),
    ("ListFunctions", config::list),
    ("ListVersionsByFunction", config::versions),
    ("PublishVersion", config::publish),
    ("AddPermission", policy::add_permission),
    ("RemovePermission", policy::remove_permission),
    ("GetPolicy", policy::get_policy),
    ("CreateAlias", policy::create_alias),
    ("GetAlias", policy::get_alias),
    ("UpdateAlias", policy::update_alias),
    ("DeleteAlias", policy::delete_alias),
    ("ListAliases", policy::list_aliases),
    ("TagResource", |c, s, i| policy::tag(c, s, i, true)),
    ("UntagResource", |c, s, i| policy::tag(c, s, i, false)),
    ("ListTags", policy::list_tags),
    ("GetFunctionCodeSigningConfig", policy::code_signing),
    ("PutFunctionConcurrency", |c, s, i| policy::concurrency(c, s, i, true)),
    ("DeleteFunctionConcurrency", |c, s, i| policy::concurrency(c, s, i, false)),
    ("GetFunctionConcurrency", policy::get_concurrency),
    ("GetFunctionRecursionConfig", policy::recursion),
    ("GetRuntimeManagementConfig", policy::runtime_management),
];

const ASYNC: &[(&str, AsyncHandler)] = &[("Invoke", invoke::invoke)];

pub(crate) fn error(status: u16, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
}

pub(crate) fn not_found(what: &str) -> ApiError {
    error(404, "ResourceNotFoundException", format!("Function not found: {}", lattice_api::model::echo(what)))
}

/// A function name as the API takes it: a name, `<account>:function:<name>`, or an ARN, each
/// perhaps with `:<qualifier>`. Returns (the function's ARN, the qualifier).
pub(crate) fn parse_name(ctx: &Ctx, given: &str) -> (String, Option<String>) {
    let rest = given.strip_prefix("arn:aws:lambda:").map_or(given, |r| r.split_once(':').map_or(r, |(_, r)| r));
    let rest = rest.strip_prefix(&format!("{}:", ctx.account)).unwrap_or(rest);
    let rest = rest.strip_prefix("function:").unwrap_or(rest);
    let (name, qualifier) = match rest.split_once(':') {
        Some((n, q)) => (n, Some(q.to_string())),
        None => (rest, None),
    };
    (format!("arn:aws:lambda:{}:{}:function:{name}", ctx.region, ctx.account), qualifier)
}

/// The caller's Lambda API function that `FunctionName` (and `Qualifier`) name, with the
/// qualifier.
pub(crate) fn find<'a>(
    ctx: &Ctx,
    s: &'a State,
    input: &Value,
) -> Result<(&'a LocalFunction, &'a LambdaFunction, Option<String>), ApiError> {
    let given = str_of(input, "FunctionName").or_else(|| str_of(input, "Resource")).unwrap_or_default();
    let (arn, qualifier) = parse_name(ctx, given);
    let f = s.local_functions.get(&arn).filter(|f| ctx.owns(*f)).ok_or_else(|| not_found(&arn))?;
    let lambda = f.lambda.as_deref().ok_or_else(|| not_found(&arn))?;
    let qualifier = str_of(input, "Qualifier").map(str::to_string).or(qualifier);
    Ok((f, lambda, qualifier))
}

/// A new revision id.
pub(crate) fn revision() -> String {
    lattice_api::ids::uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_model_has_a_handler() {
        let model = lattice_api::model::lambda();
        for op in &model.operations {
            assert!(
                SERVICE.handler(&op.name).or(None).is_some() || SERVICE.async_handler(&op.name).is_some(),
                "{} has no handler",
                op.name
            );
        }
        assert_eq!(model.operations.len(), OPERATIONS.len() + ASYNC.len());
    }

    #[test]
    fn function_names_in_every_form_name_the_same_function() {
        let ctx = Ctx::test("111111111111");
        let arn = "arn:aws:lambda:us-east-1:111111111111:function:orders".to_string();
        for given in ["orders", "111111111111:function:orders", arn.as_str()] {
            assert_eq!(parse_name(&ctx, given), (arn.clone(), None));
        }
        assert_eq!(parse_name(&ctx, &format!("{arn}:live")), (arn, Some("live".into())));
    }
}
