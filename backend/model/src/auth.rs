//! VPC Lattice IAM auth for one request, as the data plane decides it: SigV4 authentication
//! for `vpc-lattice-svcs` (UNSIGNED-PAYLOAD), then the service network's auth policy, the
//! service's auth policy and the caller's identity policy — each must allow, an explicit deny
//! anywhere wins, and `AWS_IAM` without a policy denies everything. Pure: the proxy and
//! `explain` call the same functions.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use lattice_api::sigv4::{self, HeaderField};
use serde_json::Value;

use crate::iam::{self, Caller, Decision};

/// The action HTTP requests perform.
pub const INVOKE: &str = "vpc-lattice-svcs:Invoke";
/// The SigV4 signing name of Lattice services.
pub const SIGNING_NAME: &str = "vpc-lattice-svcs";

/// A service network's or a service's auth settings.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    /// `auth_type = AWS_IAM`.
    pub iam: bool,
    /// The auth policy, if one is set (parsed and compiled once, with the snapshot).
    pub policy: Option<Arc<iam::Policy>>,
    /// The condition keys the policy needs from requests.
    pub keys: iam::KeyUse,
}

impl Gate {
    pub fn new(auth_type: &str, policy: Option<&str>) -> Self {
        let policy = policy.map(|p| Arc::new(iam::Policy::new(serde_json::from_str(p).unwrap_or(Value::Null))));
        let keys = policy.as_deref().map_or(iam::KeyUse::NONE, |p| iam::KeyUse::of(&p.document));
        Self { iam: auth_type == "AWS_IAM", policy, keys }
    }
}

/// A local principal as the data plane authenticates it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    pub secret: String,
    /// What the caller is, as headers and logs name it: `arn:aws:sts::<acct>:assumed-role/<role>/<session>`
    /// for a role, the user ARN for a user.
    pub arn: String,
    /// The IAM ARN (`…:role/<name>`, `…:user/<name>`): `aws:PrincipalArn`.
    pub principal_arn: String,
    pub account: String,
    /// `AssumedRole` or `User`: `aws:PrincipalType`.
    pub principal_type: &'static str,
    pub session_name: Option<String>,
    pub policy: Option<iam::Policy>,
    /// The condition keys the identity policy needs from requests.
    pub keys: iam::KeyUse,
    pub tags: Vec<(String, String)>,
    pub org_id: Option<String>,
    pub org_paths: Vec<String>,
}

/// The session name given to role principals (they sign with the role's own keys).
pub const SESSION_NAME: &str = "lattice-local";

/// Access key → principal.
/// Looked up on every signed request: hashed with foldhash, not SipHash.
pub type Identities = HashMap<String, Arc<Identity>, foldhash::fast::RandomState>;

/// Builds the identities of every local principal in `state`.
pub fn identities(state: &crate::State) -> Identities {
    let principals = state.local_principals.values().map(|p| {
        let org = state.organizations.values().find(|o| o.accounts.contains_key(&p.account));
        let role = p.kind == "role";
        let policy = crate::iam_policies::identity_document(state, p);
        let identity = Identity {
            secret: p.secret_access_key.clone(),
            arn: if role {
                format!("arn:aws:sts::{}:assumed-role/{}/{SESSION_NAME}", p.account, p.name)
            } else {
                p.arn.clone()
            },
            principal_arn: p.arn.clone(),
            account: p.account.clone(),
            principal_type: if role { "AssumedRole" } else { "User" },
            session_name: role.then(|| SESSION_NAME.to_string()),
            keys: policy.as_ref().map_or(iam::KeyUse::NONE, iam::KeyUse::of),
            policy: policy.map(iam::Policy::new),
            tags: p.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            org_id: org.map(|o| o.id.clone()),
            org_paths: org.and_then(|o| o.org_path(&p.account)).into_iter().collect(),
        };
        (p, Arc::new(identity))
    });
    let mut out = Identities::default();
    for (p, identity) in principals {
        // A user's access keys (IAM `CreateAccessKey`) act as it too, while active.
        let keys = state
            .access_keys
            .values()
            .filter(|k| k.status == "Active" && k.account == p.account && k.user_name == p.name && p.kind == "user");
        for key in keys {
            out.insert(
                key.id.clone(),
                Arc::new(Identity { secret: key.secret_access_key.clone(), ..(*identity).clone() }),
            );
        }
        out.insert(p.access_key_id.clone(), identity);
    }
    // A 12-digit key signs as that account's root (as on the API): the roots of the accounts
    // the backend knows are built here, once per snapshot, with their organizations, so a
    // request signed by one costs a lookup (`authenticate` builds the others).
    let known = state
        .organizations
        .values()
        .flat_map(|o| o.accounts.keys())
        .chain(state.vpcs.values().map(|v| &v.account))
        .chain(state.services.values().map(|v| &v.account))
        .chain(state.local_principals.values().map(|p| &p.account))
        .map(String::as_str)
        .chain([lattice_api::DEFAULT_ACCOUNT]);
    for account in known {
        if !out.contains_key(account) {
            let org = state.organizations.values().find(|o| o.accounts.contains_key(account));
            out.insert(account.to_string(), Arc::new(root(account, org)));
        }
    }
    out
}

/// An account's root user, as a 12-digit access key (or, for `000000000000`, any key that is
/// not an AWS-style `AKIA…`/`ASIA…` key) signs: no secret is checked and, as for a root user,
/// its identity allows everything (the API's LocalStack convention).
pub fn root(account: &str, org: Option<&crate::records::Organization>) -> Identity {
    let arn = format!("arn:aws:iam::{account}:root");
    let everything = serde_json::json!({ "Statement": [{ "Effect": "Allow", "Action": "*", "Resource": "*" }] });
    Identity {
        secret: String::new(),
        arn: arn.clone(),
        principal_arn: arn,
        account: account.to_string(),
        principal_type: "Account",
        session_name: None,
        policy: Some(iam::Policy::new(everything)),
        keys: iam::KeyUse::NONE,
        tags: vec![],
        org_id: org.map(|o| o.id.clone()),
        org_paths: org.and_then(|o| o.org_path(account)).into_iter().collect(),
    }
}

/// Which check refused a request; it becomes the 403 body and the access log's
/// `authDeniedReason` / `failureReason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// The signature is malformed, expired, made with an unknown key or does not verify.
    Signature { code: String, message: String },
    /// A policy refused: `which` is `Network`, `Service` or `Identity`; `explicit` when a
    /// `Deny` statement matched.
    Policy { which: &'static str, explicit: bool },
}

/// The parts of a request authentication and authorization look at.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a, H: HeaderField = (String, String)> {
    pub method: &'a str,
    /// The path as sent (percent-encoded), without the query.
    pub raw_path: &'a str,
    pub raw_query: &'a str,
    /// Header names (in any case) and values.
    pub headers: &'a [H],
    /// The listener port the client addressed.
    pub port: u16,
}

/// Where a request goes, for the Lattice condition keys.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub region: &'a str,
    pub service_arn: &'a str,
    pub service_network_arn: &'a str,
    pub source_vpc: &'a str,
    pub source_vpc_owner: &'a str,
}

/// The authenticated caller, or `None` for an unsigned (anonymous) request. Only called when
/// some gate on the way uses `AWS_IAM`.
pub fn authenticate<H: HeaderField>(
    identities: &Identities,
    req: &RequestFacts<'_, H>,
    region: &str,
    now: time::OffsetDateTime,
) -> Result<Option<Arc<Identity>>, Denial> {
    let header = |name: &str| sigv4::header(req.headers, name);
    let Some(authorization) = header("authorization") else { return Ok(None) };
    let refused = |e: lattice_api::ApiError| Denial::Signature { code: e.code.to_string(), message: e.message };
    let auth = sigv4::parse_authorization(authorization).map_err(refused)?;
    let amz_date = header("x-amz-date");
    sigv4::check_scope(&auth, amz_date, region, SIGNING_NAME, now).map_err(refused)?;
    let key = auth.access_key;
    let Some(identity) = identities.get(key) else {
        // Not a principal's key: a 12-digit key is that account's root, any other key but an
        // AWS-style one the default account's (as on the API).
        let digits = key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit());
        if digits || !(key.starts_with("AKIA") || key.starts_with("ASIA")) {
            let account = if digits { key } else { lattice_api::DEFAULT_ACCOUNT };
            let known = identities.get(account).filter(|i| i.principal_type == "Account");
            return Ok(Some(known.cloned().unwrap_or_else(|| Arc::new(root(account, None)))));
        }
        return Err(Denial::Signature {
            code: "UnrecognizedClientException".into(),
            message: "The security token included in the request is invalid.".into(),
        });
    };
    if identity.principal_type == "Account" {
        return Ok(Some(identity.clone()));
    }
    let signable = sigv4::SignableRequest {
        method: req.method,
        raw_path: req.raw_path,
        raw_query: req.raw_query,
        headers: req.headers,
        body: b"",
    };
    if !sigv4::verify(&signable, &auth, &identity.secret, amz_date.unwrap_or_default()) {
        let unsigned = header("x-amz-content-sha256") == Some("UNSIGNED-PAYLOAD");
        return Err(Denial::Signature {
            code: "InvalidSignatureException".into(),
            message: if unsigned {
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.".into()
            } else {
                "The request signature we calculated does not match the signature you provided. VPC Lattice does not support payload signing: send x-amz-content-sha256: UNSIGNED-PAYLOAD.".into()
            },
        });
    }
    Ok(Some(identity.clone()))
}

/// The IAM request context: action, resource ARN (the service ARN and the request path) and
/// the condition keys Lattice provides.
pub fn iam_request<'a, H: HeaderField>(
    caller: Option<&'a Identity>,
    req: &RequestFacts<'a, H>,
    to: &Destination<'a>,
    wanted: iam::KeyUse,
) -> iam::Request<'a> {
    use iam::KeyUse as K;
    // Values are borrowed from the request and the caller: only what is computed is copied.
    let path = percent_decode(req.raw_path);
    let resource = resource(to.service_arn, &path);
    let who = Caller {
        arn: caller.map(|c| Cow::Borrowed(c.arn.as_str())),
        account: caller.map(|c| Cow::Borrowed(c.account.as_str())),
    };
    let mut r = iam::Request::new(INVOKE, resource, who);
    r.key_if(wanted, K::PORT, || req.port.to_string().into());
    r.key_if(wanted, K::REQUEST_METHOD, || req.method.into());
    r.key_if(wanted, K::REQUEST_PATH, || path);
    r.key_if(wanted, K::SERVICE_ARN, || to.service_arn.into());
    r.key_if(wanted, K::SOURCE_VPC, || to.source_vpc.into());
    r.key_if(wanted, K::SOURCE_VPC_OWNER, || to.source_vpc_owner.into());
    r.key_if(wanted, K::PRINCIPAL_TYPE, || caller.map_or("Anonymous", |c| c.principal_type).into());
    if !to.service_network_arn.is_empty() {
        r.key_if(wanted, K::SERVICE_NETWORK_ARN, || to.service_network_arn.into());
    }
    if wanted.has(K::HEADERS) {
        // Grouped by name in lower case: a name sent in two cases is one key.
        let mut headers: HashMap<String, Vec<Cow<'a, str>>> = HashMap::new();
        for h in req.headers {
            headers.entry(h.name().to_ascii_lowercase()).or_default().push(Cow::Borrowed(h.value()));
        }
        for (k, vs) in headers {
            r = r.keys(format!("vpc-lattice-svcs:RequestHeader/{k}"), vs);
        }
    }
    for pair in req.raw_query.split('&').filter(|p| wanted.has(K::QUERY) && !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        r = r.key(format!("vpc-lattice-svcs:RequestQueryString/{}", percent_decode(k)), percent_decode(v));
    }
    if let Some(c) = caller {
        r.key_if(wanted, K::PRINCIPAL_ARN, || c.principal_arn.as_str().into());
        r.key_if(wanted, K::PRINCIPAL_ACCOUNT, || c.account.as_str().into());
        r.key_if(wanted, K::USER_ID, || c.arn.rsplit(':').next().unwrap_or_default().into());
        if let Some(org) = &c.org_id {
            r.key_if(wanted, K::PRINCIPAL_ORG_ID, || org.as_str().into());
        }
        if !c.org_paths.is_empty() && wanted.has(K::PRINCIPAL_ORG_PATHS) {
            r = r.keys("aws:PrincipalOrgPaths", c.org_paths.iter().map(|p| Cow::Borrowed(p.as_str())).collect());
        }
        for (k, v) in c.tags.iter().filter(|_| wanted.has(K::PRINCIPAL_TAGS)) {
            r = r.key(format!("aws:PrincipalTag/{k}"), v.as_str());
        }
    }
    r
}

/// The three checks, in Lattice's order: network, service, then the caller's identity policy
/// (only for signed requests). Both gates `NONE` let everything through.
pub fn authorize(
    network: &Gate,
    service: &Gate,
    caller: Option<&Identity>,
    request: &iam::Request,
) -> Result<(), Denial> {
    authorize_observed(network, service, caller, request, &mut |_| {})
}

/// What one policy check said: which policy (`Network`, `Service`, `Identity`), its decision
/// (`None`: no policy to evaluate) and the statement that decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateTrace {
    pub which: &'static str,
    pub decision: Option<Decision>,
    pub statement: Option<usize>,
}

/// [`authorize`], telling `observe` about each policy it evaluates, up to the one that decides.
pub fn authorize_observed(
    network: &Gate,
    service: &Gate,
    caller: Option<&Identity>,
    request: &iam::Request,
    observe: &mut dyn FnMut(GateTrace),
) -> Result<(), Denial> {
    let mut check = |policy: Option<&iam::Policy>, which: &'static str| -> Result<(), Denial> {
        let traced = policy.map(|p| p.evaluate_traced(request));
        observe(GateTrace { which, decision: traced.map(|t| t.0), statement: traced.and_then(|t| t.1) });
        match traced.map(|t| t.0) {
            Some(Decision::Allow) => Ok(()),
            Some(Decision::Deny) => Err(Denial::Policy { which, explicit: true }),
            _ => Err(Denial::Policy { which, explicit: false }),
        }
    };
    if network.iam {
        check(network.policy.as_deref(), "Network")?;
    }
    if service.iam {
        check(service.policy.as_deref(), "Service")?;
    }
    if let (Some(c), true) = (caller, network.iam || service.iam) {
        check(c.policy.as_ref(), "Identity")?;
    }
    Ok(())
}

/// What auth decided for one request: who called, and the refusal (with its 403 body) if any.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    pub caller: Option<Arc<Identity>>,
    pub refused: Option<(Denial, String)>,
}

/// Authentication then authorization, for a request to a service behind `network`.
pub fn check<H: HeaderField>(
    identities: &Identities,
    gates: (&Gate, &Gate),
    req: &RequestFacts<'_, H>,
    to: &Destination<'_>,
    now: time::OffsetDateTime,
) -> Verdict {
    check_observed(identities, gates, req, to, now, &mut |_, _| {})
}

/// [`check`], showing `observe` the IAM request context (once the caller is known) and each
/// policy evaluated: what `explain` reports.
pub fn check_observed<H: HeaderField>(
    identities: &Identities,
    (network, service): (&Gate, &Gate),
    req: &RequestFacts<'_, H>,
    to: &Destination<'_>,
    now: time::OffsetDateTime,
    observe: &mut dyn FnMut(&iam::Request, GateTrace),
) -> Verdict {
    let caller = match authenticate(identities, req, to.region, now) {
        Ok(caller) => caller,
        Err(denial) => {
            let body = denial.message(None, &resource(to.service_arn, &percent_decode(req.raw_path)));
            return Verdict { caller: None, refused: Some((denial, body)) };
        }
    };
    // Only the condition keys some policy on the way tests.
    let wanted = network.keys.and(service.keys).and(caller.as_ref().map_or(iam::KeyUse::NONE, |c| c.keys));
    let request = iam_request(caller.as_deref(), req, to, wanted);
    let refused = authorize_observed(network, service, caller.as_deref(), &request, &mut |t| observe(&request, t));
    let refused = refused.err().map(|denial| {
        let body = denial.message(caller.as_deref(), &request.resource);
        (denial, body)
    });
    Verdict { caller, refused }
}

impl Denial {
    /// The 403 body, as Lattice words it.
    pub fn message(&self, caller: Option<&Identity>, resource: &str) -> String {
        match self {
            Denial::Signature { code, message } => format!("{code}: {message}"),
            Denial::Policy { which, explicit } => {
                let user = caller.map_or("anonymous", |c| c.arn.as_str());
                let kind = match *which {
                    "Identity" => "an identity",
                    "Network" => "a network",
                    _ => "a service",
                };
                let why = if *explicit {
                    format!("with an explicit deny in {kind}-based policy")
                } else {
                    format!("because no {}-based policy allows the {INVOKE} action", which.to_ascii_lowercase())
                };
                format!("AccessDeniedException: User: {user} is not authorized to perform: {INVOKE} on resource: {resource} {why}")
            }
        }
    }

    /// `authDeniedReason` in the access log.
    pub fn reason(&self) -> &'static str {
        match self {
            Denial::Signature { .. } => "Authentication",
            Denial::Policy { which, .. } => which,
        }
    }
}

/// The `x-amzn-lattice-identity` header for an authenticated caller, written where it goes.
pub fn identity_header(c: &Identity) -> IdentityHeader<'_> {
    IdentityHeader(c)
}

/// See [`identity_header`].
pub struct IdentityHeader<'a>(&'a Identity);

impl IdentityHeader<'_> {
    /// Calls `f` with each piece of the value, in order (the proxy writes them where they go).
    pub fn pieces(&self, mut f: impl FnMut(&str)) {
        let c = self.0;
        f("Principal=");
        f(&c.arn);
        f("; PrincipalOrgID=");
        f(c.org_id.as_deref().unwrap_or_default());
        f("; PrincipalOrgPaths=");
        for (i, path) in c.org_paths.iter().enumerate() {
            if i > 0 {
                f(",");
            }
            f(path);
        }
        f("; SessionName=");
        f(c.session_name.as_deref().unwrap_or_default());
        f("; Type=AWS_IAM");
    }
}

impl std::fmt::Display for IdentityHeader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut written = Ok(());
        self.pieces(|piece| written = written.and_then(|()| f.write_str(piece)));
        written
    }
}

/// `s` decoded, borrowed when it has no escapes.
fn percent_decode(s: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy()
}

/// The resource a request invokes: the service ARN and the (decoded) request path.
fn resource(service_arn: &str, path: &str) -> String {
    // Two copies into one allocation: `format!` costs about ten times as much on every request.
    let path = path.trim_start_matches('/');
    let mut out = String::with_capacity(service_arn.len() + 1 + path.len());
    out.push_str(service_arn);
    out.push('/');
    out.push_str(path);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sign(headers: &mut Vec<(String, String)>, key: &str, secret: &str, path: &str, now: time::OffsetDateTime) {
        let req = sigv4::SignableRequest { method: "GET", raw_path: path, raw_query: "", headers, body: b"" };
        let added =
            sigv4::sign_with_payload_hash(&req, "UNSIGNED-PAYLOAD", (key, secret), "us-east-1", SIGNING_NAME, now);
        headers.extend(added);
    }

    fn identity() -> Identities {
        let id = Identity {
            secret: "s3cret".into(),
            arn: "arn:aws:sts::111111111111:assumed-role/order/lattice-local".into(),
            principal_arn: "arn:aws:iam::111111111111:role/order".into(),
            account: "111111111111".into(),
            principal_type: "AssumedRole",
            session_name: Some(SESSION_NAME.into()),
            policy: Some(iam::Policy::new(
                json!({ "Statement": { "Effect": "Allow", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*" } }),
            )),
            keys: iam::KeyUse::ALL,
            tags: vec![("team".into(), "orders".into())],
            org_id: Some("o-abc".into()),
            org_paths: vec!["o-abc/r-1/".into()],
        };
        Identities::from_iter([("AKIAORDER".to_string(), Arc::new(id))])
    }

    fn facts<'a>(headers: &'a [(String, String)], path: &'a str) -> RequestFacts<'a> {
        RequestFacts { method: "GET", raw_path: path, raw_query: "", headers, port: 80 }
    }

    #[test]
    fn signed_requests_authenticate_and_bad_ones_are_refused() {
        let now = time::OffsetDateTime::now_utc();
        let ids = identity();
        let mut headers = vec![("host".to_string(), "inv.example".to_string())];
        sign(&mut headers, "AKIAORDER", "s3cret", "/stock", now);
        let who = authenticate(&ids, &facts(&headers, "/stock"), "us-east-1", now).unwrap().unwrap();
        assert_eq!(who.principal_arn, "arn:aws:iam::111111111111:role/order");
        // Another path than the signed one.
        let err = authenticate(&ids, &facts(&headers, "/other"), "us-east-1", now).unwrap_err();
        assert!(matches!(err, Denial::Signature { code, .. } if code == "InvalidSignatureException"));
        // Expired.
        let later = now + time::Duration::minutes(16);
        assert!(authenticate(&ids, &facts(&headers, "/stock"), "us-east-1", later).is_err());
        // Unknown key.
        let mut other = vec![("host".to_string(), "inv.example".to_string())];
        sign(&mut other, "AKIAUNKNOWN", "x", "/stock", now);
        let err = authenticate(&ids, &facts(&other, "/stock"), "us-east-1", now).unwrap_err();
        assert!(matches!(err, Denial::Signature { code, .. } if code == "UnrecognizedClientException"));
        // Unsigned: anonymous.
        assert!(authenticate(&ids, &facts(&[], "/stock"), "us-east-1", now).unwrap().is_none());
        // Header names as clients send them, in any case: the same signature.
        let capitalized: Vec<(String, String)> =
            headers.iter().map(|(k, v)| (k.to_ascii_uppercase(), v.clone())).collect();
        assert!(authenticate(&ids, &facts(&capitalized, "/stock"), "us-east-1", now).unwrap().is_some());
    }

    #[test]
    fn a_header_sent_in_two_cases_is_one_condition_key() {
        let to = Destination {
            region: "us-east-1",
            service_arn: "arn:aws:vpc-lattice:us-east-1:222222222222:service/svc-1",
            service_network_arn: "",
            source_vpc: "vpc-1",
            source_vpc_owner: "111111111111",
        };
        let headers = vec![("X-Team".to_string(), "a".to_string()), ("x-team".to_string(), "b".to_string())];
        let req = iam_request(None, &facts(&headers, "/stock"), &to, iam::KeyUse::ALL);
        let values = req.values("vpc-lattice-svcs:RequestHeader/X-TEAM").unwrap();
        assert_eq!(values, ["a", "b"]);
    }

    #[test]
    fn network_then_service_then_identity() {
        let ids = identity();
        let caller = ids.get("AKIAORDER").map(|c| c.as_ref());
        let to = Destination {
            region: "us-east-1",
            service_arn: "arn:aws:vpc-lattice:us-east-1:222222222222:service/svc-1",
            service_network_arn: "arn:aws:vpc-lattice:us-east-1:222222222222:servicenetwork/sn-1",
            source_vpc: "vpc-1",
            source_vpc_owner: "111111111111",
        };
        let headers = vec![("x-team".to_string(), "a".to_string())];
        let req = iam_request(caller, &facts(&headers, "/stock"), &to, iam::KeyUse::ALL);
        let open = Gate::default();
        let allow_org = Gate::new(
            "AWS_IAM",
            Some(
                &json!({ "Statement": [{ "Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke",
                "Resource": "*", "Condition": { "StringEquals": { "aws:PrincipalOrgID": "o-abc" } } }] })
                .to_string(),
            ),
        );
        let stock_only = Gate::new(
            "AWS_IAM",
            Some(&json!({ "Statement": [{ "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::111111111111:role/order" },
                "Action": "vpc-lattice-svcs:Invoke", "Resource": format!("{}/stock", to.service_arn),
                "Condition": { "StringEquals": { "vpc-lattice-svcs:RequestMethod": "GET", "vpc-lattice-svcs:RequestHeader/x-team": "a" } } }] }).to_string()),
        );
        assert_eq!(authorize(&open, &open, None, &req), Ok(()));
        assert_eq!(authorize(&allow_org, &stock_only, caller, &req), Ok(()));
        // Anonymous: the org condition fails at the network.
        let anon = iam_request(None, &facts(&headers, "/stock"), &to, iam::KeyUse::ALL);
        assert_eq!(
            authorize(&allow_org, &stock_only, None, &anon),
            Err(Denial::Policy { which: "Network", explicit: false })
        );
        // Another path: the service refuses.
        let other = iam_request(caller, &facts(&headers, "/orders"), &to, iam::KeyUse::ALL);
        assert_eq!(
            authorize(&allow_org, &stock_only, caller, &other),
            Err(Denial::Policy { which: "Service", explicit: false })
        );
        // AWS_IAM without a policy denies.
        assert_eq!(
            authorize(&open, &Gate::new("AWS_IAM", None), caller, &req),
            Err(Denial::Policy { which: "Service", explicit: false })
        );
        // The identity policy must allow too; its explicit deny wins.
        let mut strict = (*ids["AKIAORDER"]).clone();
        strict.policy = None;
        assert_eq!(
            authorize(&open, &stock_only, Some(&strict), &req),
            Err(Denial::Policy { which: "Identity", explicit: false })
        );
        strict.policy = Some(iam::Policy::new(json!({ "Statement": [
            { "Effect": "Allow", "Action": "*", "Resource": "*" },
            { "Effect": "Deny", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*/stock" } ] })));
        let denied = authorize(&open, &stock_only, Some(&strict), &req).unwrap_err();
        assert_eq!(denied, Denial::Policy { which: "Identity", explicit: true });
        assert!(denied
            .message(Some(&strict), &req.resource)
            .contains("with an explicit deny in an identity-based policy"));
    }

    #[test]
    fn identity_header_has_lattice_shape() {
        let ids = identity();
        assert_eq!(
            identity_header(&ids["AKIAORDER"]).to_string(),
            "Principal=arn:aws:sts::111111111111:assumed-role/order/lattice-local; PrincipalOrgID=o-abc; PrincipalOrgPaths=o-abc/r-1/; SessionName=lattice-local; Type=AWS_IAM"
        );
    }
}
