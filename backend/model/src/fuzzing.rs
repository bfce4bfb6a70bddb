//! Entry points for the fuzz targets under `fuzz/`, and the replay of their corpora as
//! ordinary tests. Each takes raw bytes and asserts what must hold for any input.

use serde_json::Value;

use crate::iam::{self, Caller, Decision, Policy, Request};
use crate::policy_grammar::{validate, PolicyKind};

/// The IAM policy grammar and evaluator on any document: checking never panics and quotes
/// little of the input; any JSON document evaluates; a document the grammar accepts decides
/// the same whatever the order its statements are tested in (a Deny anywhere wins).
pub fn iam_policy(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut accepted = false;
    for kind in [PolicyKind::Auth, PolicyKind::Resource, PolicyKind::Identity] {
        match validate(&text, kind) {
            Ok(()) => accepted = true,
            Err(why) => assert!(why.len() < 1024, "a {}-byte message", why.len()),
        }
    }
    let Ok(document) = serde_json::from_str::<Value>(&text) else { return };
    let caller =
        Caller { arn: Some("arn:aws:iam::111122223333:role/order".into()), account: Some("111122223333".into()) };
    let request = Request::new(
        "vpc-lattice-svcs:Invoke",
        "arn:aws:vpc-lattice:us-east-1:111122223333:service/svc-0123456789abcdef0/orders",
        caller,
    )
    .key("vpc-lattice-svcs:RequestMethod", "GET")
    .key("vpc-lattice-svcs:Port", "443")
    .key("vpc-lattice-svcs:SourceVpc", "vpc-0123456789abcdef0")
    .key("aws:PrincipalOrgID", "o-abcdefghij")
    .keys("aws:PrincipalOrgPaths", vec!["o-abcdefghij/r-ab12/ou-ab12-11111111/".into()]);
    let (decision, statement) = Policy::new(document.clone()).evaluate_traced(&request);
    assert_eq!(decision == Decision::NotApplicable, statement.is_none());
    if accepted {
        if let Some(Value::Array(statements)) = document.get("Statement") {
            let mut reversed = document.clone();
            reversed["Statement"] = Value::Array(statements.iter().rev().cloned().collect());
            assert_eq!(Policy::new(reversed).evaluate_traced(&request).0, decision, "statement order decided");
        }
    }
    // Wildcard matching on the document's own text as a pattern.
    let _ = iam::wildcard(&text, "vpc-lattice-svcs:Invoke", true);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fuzz_corpus_replays() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/iam_policy");
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            super::iam_policy(&std::fs::read(entry.expect("a corpus entry").path()).expect("a corpus file"));
            count += 1;
        }
        assert!(count > 0);
    }
}
