//! The identity policies of a principal: a `lattice_local_principal`'s own document, or what
//! IAM attached to a role or user (inline policies, customer managed policies' default
//! versions, and the AWS managed policies this backend knows), merged into one document.

use serde_json::{json, Value};

use crate::records::LocalPrincipal;
use crate::State;

/// An AWS managed policy: its path and name (`arn:aws:iam::aws:policy<path><name>`), what it
/// is for, and its document.
pub struct ManagedPolicy {
    pub path: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub document: &'static str,
}

/// The AWS managed policies Lattice modules attach; others are refused as unknown (`NoSuchEntity`).
pub const AWS_MANAGED: &[ManagedPolicy] = &[
    ManagedPolicy {
        path: "/",
        name: "VPCLatticeServicesInvokeAccess",
        description: "Provides access to invoke Amazon VPC Lattice services.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["vpc-lattice-svcs:Invoke","vpc-lattice-svcs:Connect"],"Resource":"*"}]}"#,
    },
    ManagedPolicy {
        path: "/",
        name: "VPCLatticeFullAccess",
        description: "Provides full access to Amazon VPC Lattice.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["vpc-lattice:*","vpc-lattice-svcs:*"],"Resource":"*"}]}"#,
    },
    ManagedPolicy {
        path: "/",
        name: "VPCLatticeReadOnlyAccess",
        description: "Provides read only access to Amazon VPC Lattice.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["vpc-lattice:Get*","vpc-lattice:List*"],"Resource":"*"}]}"#,
    },
    ManagedPolicy {
        path: "/",
        name: "AdministratorAccess",
        description: "Provides full access to AWS services and resources.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    },
    ManagedPolicy {
        path: "/service-role/",
        name: "AWSLambdaBasicExecutionRole",
        description: "Provides write permissions to CloudWatch Logs.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#,
    },
    ManagedPolicy {
        path: "/service-role/",
        name: "AWSLambdaVPCAccessExecutionRole",
        description:
            "Provides minimum permissions for a Lambda function to execute while accessing a resource within a VPC.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents","ec2:CreateNetworkInterface","ec2:DescribeNetworkInterfaces","ec2:DeleteNetworkInterface","ec2:AssignPrivateIpAddresses","ec2:UnassignPrivateIpAddresses"],"Resource":"*"}]}"#,
    },
];

impl ManagedPolicy {
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy{}{}", self.path, self.name)
    }
}

/// The AWS managed policy with this ARN.
pub fn aws_managed(arn: &str) -> Option<&'static ManagedPolicy> {
    let rest = arn.strip_prefix("arn:aws:iam::aws:policy")?;
    AWS_MANAGED.iter().find(|p| rest.strip_prefix(p.path) == Some(p.name))
}

/// The document of a managed policy (customer managed in `state`, or AWS managed) by ARN.
pub fn managed_document<'a>(state: &'a State, arn: &str) -> Option<&'a str> {
    if let Some(p) = aws_managed(arn) {
        return Some(p.document);
    }
    state.iam_policies.values().find(|p| p.arn == arn).and_then(|p| p.document())
}

/// A principal's identity policy as one document: a local principal's own (`None` without one:
/// its identity allows nothing); for an IAM role or user, every statement of its inline and
/// attached policies (none at all: nothing is allowed, as in IAM).
pub fn identity_document(state: &State, p: &LocalPrincipal) -> Option<Value> {
    let Some(iam) = &p.iam else {
        return p.policy.as_deref().and_then(|s| serde_json::from_str(s).ok());
    };
    let documents = iam
        .inline_policies
        .values()
        .map(String::as_str)
        .chain(iam.attached_policies.iter().filter_map(|arn| managed_document(state, arn)));
    let mut statements = Vec::new();
    for doc in documents {
        let Ok(doc) = serde_json::from_str::<Value>(doc) else { continue };
        match doc.get("Statement") {
            Some(Value::Array(list)) => statements.extend(list.iter().cloned()),
            Some(one @ Value::Object(_)) => statements.push(one.clone()),
            _ => {}
        }
    }
    Some(json!({ "Version": "2012-10-17", "Statement": statements }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{IamPolicy, IamPolicyVersion, IamPrincipal, Tags};

    fn principal(iam: Option<IamPrincipal>) -> LocalPrincipal {
        LocalPrincipal {
            id: "AROAEXAMPLE".into(),
            name: "app".into(),
            kind: "role".into(),
            path: "/".into(),
            arn: "arn:aws:iam::111111111111:role/app".into(),
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "secret".into(),
            policy: None,
            iam,
            created_at: String::new(),
            tags: Tags::new(),
            account: "111111111111".into(),
        }
    }

    #[test]
    fn an_iam_principal_gets_its_inline_and_attached_statements() {
        let mut state = State::default();
        let customer = "arn:aws:iam::111111111111:policy/read";
        state.iam_policies.insert(
            "ANPA1".into(),
            IamPolicy {
                id: "ANPA1".into(),
                name: "read".into(),
                path: "/".into(),
                arn: customer.into(),
                description: String::new(),
                versions: [(
                    "v1".to_string(),
                    IamPolicyVersion {
                        document: r#"{"Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}"#.into(),
                        created_at: String::new(),
                    },
                )]
                .into(),
                default_version: "v1".into(),
                next_version: 2,
                created_at: String::new(),
                updated_at: String::new(),
                tags: Tags::new(),
                account: "111111111111".into(),
            },
        );
        assert_eq!(identity_document(&state, &principal(None)), None, "a local principal without a policy");
        let none = identity_document(&state, &principal(Some(IamPrincipal::default()))).unwrap();
        assert_eq!(none["Statement"], json!([]), "an IAM role with no policy is allowed nothing");
        let iam = IamPrincipal {
            inline_policies: [(
                "inline".to_string(),
                r#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"x"}]}"#.to_string(),
            )]
            .into(),
            attached_policies: vec![
                customer.into(),
                "arn:aws:iam::aws:policy/VPCLatticeServicesInvokeAccess".into(),
                "arn:aws:iam::aws:policy/Unknown".into(),
            ],
            ..IamPrincipal::default()
        };
        let doc = identity_document(&state, &principal(Some(iam))).unwrap();
        let effects: Vec<&str> =
            doc["Statement"].as_array().unwrap().iter().map(|s| s["Effect"].as_str().unwrap()).collect();
        assert_eq!(effects, ["Deny", "Allow", "Allow"]);
        assert!(aws_managed("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").is_some());
        assert!(aws_managed("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole").is_none());
    }
}
