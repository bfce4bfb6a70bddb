//! `Invoke`: the function's handler runs in its worker (the same workers LAMBDA targets use);
//! `RequestResponse` answers with its result (or, with `X-Amz-Function-Error: Unhandled`, the
//! error it raised or its timeout), `Event` answers 202 and runs it in the background,
//! `DryRun` answers 204.

use std::pin::Pin;

use lattice_api::ApiError;
use lattice_model::snapshot::runtime_spec;
use serde_json::{json, Value};

use super::{error, find, not_found};
use crate::kit::{str_of, Ctx};
use crate::Backend;

pub(crate) fn invoke<'a>(
    backend: &'a Backend,
    ctx: &'a Ctx,
    input: Value,
) -> Pin<Box<dyn std::future::Future<Output = Result<Value, ApiError>> + Send + 'a>> {
    Box::pin(async move {
        let (arn, spec) = backend.read(|s| {
            let (f, l, qualifier) = find(ctx, s, &input)?;
            let (version, c) = l.resolve(qualifier.as_deref()).ok_or_else(|| not_found(&f.arn))?;
            Ok::<_, ApiError>((f.arn.clone(), runtime_spec(f, version, c)))
        })?;
        let payload = str_of(&input, "Payload").unwrap_or("{}");
        let event: Value = serde_json::from_str(if payload.trim().is_empty() { "{}" } else { payload })
            .map_err(|_| error(400, "InvalidRequestContentException", "Could not parse request body into json"))?;
        let version = spec.version.clone();
        match str_of(&input, "InvocationType").unwrap_or("RequestResponse") {
            "DryRun" => return Ok(json!({ "StatusCode": 204 })),
            "Event" => {
                let workers = backend.snapshot().workers.clone();
                tokio::spawn(async move {
                    if let Err(e) = workers.invoke(&spec, &arn, &event).await {
                        tracing::warn!(function = %arn, error = %e, "asynchronous invocation failed");
                    }
                });
                return Ok(json!({ "StatusCode": 202 }));
            }
            _ => {}
        }
        let workers = backend.snapshot().workers.clone();
        let (payload, function_error) = match workers.invoke(&spec, &arn, &event).await {
            Ok(Ok(result)) => (result, None),
            Ok(Err(raised)) => (raised, Some("Unhandled")),
            Err(lattice_runtime::functions::Failure::Timeout) => (
                json!({ "errorType": "Sandbox.Timedout", "errorMessage": format!("Task timed out after {}.00 seconds", spec.timeout_secs) }),
                Some("Unhandled"),
            ),
            Err(lattice_runtime::functions::Failure::Crashed(why)) => {
                (json!({ "errorType": "Runtime.ExitError", "errorMessage": why }), Some("Unhandled"))
            }
        };
        let mut out = json!({ "StatusCode": 200, "Payload": payload.to_string(), "ExecutedVersion": version });
        if let Some(kind) = function_error {
            out["FunctionError"] = json!(kind);
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::functions::config::tests::function;
    use crate::kit::testing::{backend, A, B};

    #[tokio::test]
    async fn invoke_finds_the_callers_function_and_checks_its_payload() {
        let backend = backend("invoke");
        let mut ctx = backend.ctx(A);
        let dir = std::env::temp_dir().join(format!("lattice-invoke-{}", std::process::id()));
        ctx.code_dir = Some(std::sync::Arc::new(dir));
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let role = json!({ "RoleName": "fn", "AssumeRolePolicyDocument": trust });
        let role = backend.execute(|c, s| crate::iam::role::create(c, s, &role), &ctx).await.unwrap();
        let input = function("orders", role["Role"]["Arn"].as_str().unwrap(), "v1");
        backend.execute(|c, s| crate::functions::config::create(c, s, &input), &ctx).await.unwrap();
        let dry = super::invoke(&backend, &ctx, json!({ "FunctionName": "orders", "InvocationType": "DryRun" }));
        assert_eq!(dry.await.unwrap()["StatusCode"], 204);
        let garbled = super::invoke(&backend, &ctx, json!({ "FunctionName": "orders", "Payload": "{not json" }));
        assert_eq!(garbled.await.unwrap_err().code.to_string(), "InvalidRequestContentException");
        let theirs = backend.ctx(B);
        let other = super::invoke(
            &backend,
            &theirs,
            json!({ "FunctionName": format!("arn:aws:lambda:us-east-1:{A}:function:orders") }),
        );
        assert_eq!(other.await.unwrap_err().code.to_string(), "ResourceNotFoundException", "B cannot run A's code");
    }
}
