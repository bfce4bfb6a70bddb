//! The botocore service model as data: operations (HTTP method, URI template, success code),
//! shapes and their constraints. The control plane routes, binds and validates every request
//! from it, so every operation of the model is matched and checked the same way AWS does.
//!
//! The model files under `model/` are botocore's `service-2.json` with documentation stripped
//! (see `model/README.md`).

use std::collections::HashMap;
use std::sync::OnceLock;

use fancy_regex::Regex;
use serde::Deserialize;
use serde_json::{Map, Value};

pub use crate::error::echo;
use crate::error::{ApiError, FieldError};

const VPC_LATTICE_JSON: &str = include_str!("../model/vpc-lattice-2022-11-30.json");
const RAM_JSON: &str = include_str!("../model/ram-2018-01-04.json");
const STS_JSON: &str = include_str!("../model/sts-2011-06-15.json");
const EC2_JSON: &str = include_str!("../model/ec2-2016-11-15.json");
const ROUTE53_JSON: &str = include_str!("../model/route53-2013-04-01.json");
const IAM_JSON: &str = include_str!("../model/iam-2010-05-08.json");
const ORGANIZATIONS_JSON: &str = include_str!("../model/organizations-2016-11-28.json");
const LOGS_JSON: &str = include_str!("../model/logs-2014-03-28.json");
const LAMBDA_JSON: &str = include_str!("../model/lambda-2015-03-31.json");

/// The VPC Lattice model (`vpc-lattice` 2022-11-30), parsed once.
pub fn vpc_lattice() -> &'static ServiceModel {
    static MODEL: OnceLock<ServiceModel> = OnceLock::new();
    MODEL.get_or_init(|| ServiceModel::parse(VPC_LATTICE_JSON).expect("embedded vpc-lattice model parses"))
}

/// The AWS RAM model (`ram` 2018-01-04), parsed once.
pub fn ram() -> &'static ServiceModel {
    static MODEL: OnceLock<ServiceModel> = OnceLock::new();
    MODEL.get_or_init(|| ServiceModel::parse(RAM_JSON).expect("embedded ram model parses"))
}

/// The STS model (`sts` 2011-06-15, the operations served), parsed once.
pub fn sts() -> &'static ServiceModel {
    static MODEL: OnceLock<ServiceModel> = OnceLock::new();
    MODEL.get_or_init(|| ServiceModel::parse(STS_JSON).expect("embedded sts model parses"))
}

/// The IAM model (`iam` 2010-05-08, the operations served), parsed once.
pub fn iam() -> &'static ServiceModel {
    static MODEL: OnceLock<ServiceModel> = OnceLock::new();
    MODEL.get_or_init(|| ServiceModel::parse(IAM_JSON).expect("embedded iam model parses"))
}

/// The Organizations model (`organizations` 2016-11-28, the operations served), parsed once.
pub fn organizations() -> &'static ServiceModel {
    static MODEL: OnceLock<ServiceModel> = OnceLock::new();
    MODEL.get_or_init(|| ServiceModel::parse(ORGANIZATIONS_JSON).expect("embedded organizations model parses"))
}

/// The CloudWatch Logs model (`logs` 2014-03-28, the operations served), parsed once.
pub fn logs() -> &'static ServiceModel {
    static MODEL: OnceLock<ServiceModel> = OnceLock::new();
    MODEL.get_or_init(|| ServiceModel::parse(LOGS_JSON).expect("embedded logs model parses"))
}

/// The Lambda model (`lambda` 2015-03-31, the operations served), parsed once.
pub fn lambda() -> &'static ServiceModel {
    static MODEL: OnceLock<ServiceModel> = OnceLock::new();
    MODEL.get_or_init(|| ServiceModel::parse(LAMBDA_JSON).expect("embedded lambda model parses"))
}

/// The EC2 model (`ec2` 2016-11-15, the operations served), parsed once.
pub fn ec2() -> &'static ServiceModel {
    static MODEL: OnceLock<ServiceModel> = OnceLock::new();
    MODEL.get_or_init(|| ServiceModel::parse(EC2_JSON).expect("embedded ec2 model parses"))
}

/// The Route 53 model (`route53` 2013-04-01, the operations served), parsed once.
pub fn route53() -> &'static ServiceModel {
    static MODEL: OnceLock<ServiceModel> = OnceLock::new();
    MODEL.get_or_init(|| ServiceModel::parse(ROUTE53_JSON).expect("embedded route53 model parses"))
}

/// How a service's requests and answers are written (botocore's `metadata.protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Protocol {
    #[serde(rename = "rest-json")]
    RestJson,
    #[serde(rename = "rest-xml")]
    RestXml,
    /// Form-encoded `Action=` requests, XML answers wrapped in `<OpResult>` (STS, IAM).
    #[serde(rename = "query")]
    Query,
    /// EC2's variant of `query`: flattened lists, `<OpResponse>` without a result wrapper.
    #[serde(rename = "ec2")]
    Ec2,
    #[serde(rename = "json")]
    Json,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMetadata {
    protocol: Protocol,
    #[serde(default)]
    xml_namespace: Option<Value>,
    #[serde(default)]
    target_prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawModel {
    metadata: RawMetadata,
    operations: HashMap<String, RawOperation>,
    shapes: HashMap<String, Shape>,
}

#[derive(Debug, Deserialize)]
struct RawOperation {
    name: String,
    http: RawHttp,
    input: Option<ShapeRef>,
    output: Option<ShapeRef>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHttp {
    method: String,
    request_uri: String,
    response_code: Option<u16>,
}

/// A reference to a shape, as members and list/map elements hold it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShapeRef {
    pub shape: String,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub location_name: Option<String>,
    /// The `query`/`ec2` parameter name, where it differs from the member's.
    #[serde(default)]
    pub query_name: Option<String>,
    #[serde(default)]
    pub flattened: bool,
    /// `query` answers: the element the output is wrapped in.
    #[serde(default)]
    pub result_wrapper: Option<String>,
    /// `rest-xml` bodies: the root element's namespace.
    #[serde(default)]
    pub xml_namespace: Option<Value>,
}

/// One shape of the model with the constraints the validator enforces.
#[derive(Debug, Deserialize)]
pub struct Shape {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub members: HashMap<String, ShapeRef>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub member: Option<ShapeRef>,
    #[serde(default)]
    pub key: Option<ShapeRef>,
    #[serde(default)]
    pub value: Option<ShapeRef>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default, rename = "enum")]
    pub enum_values: Option<Vec<String>>,
    #[serde(default)]
    pub union: bool,
    #[serde(default)]
    pub flattened: bool,
    /// `rest-*` structures: the member that is the whole body.
    #[serde(default)]
    pub payload: Option<String>,
    #[serde(skip)]
    pub(crate) regex: OnceLock<Option<Regex>>,
}

/// One operation: how it is addressed and what it takes.
#[derive(Debug)]
pub struct Operation {
    pub name: String,
    pub method: String,
    /// URI template segments, e.g. `["services", "{serviceIdentifier}"]`.
    segments: Vec<Segment>,
    pub success_code: u16,
    pub input: Option<String>,
    /// The input as `rest-xml` bodies carry it (root element name and namespace).
    pub input_ref: Option<ShapeRef>,
    pub output: Option<ShapeRef>,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Label(String),
}

/// An operation's request as it goes on the wire: method, encoded path, query, JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct WireCall {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
}

/// A query or path value as text.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A parsed service model.
#[derive(Debug)]
pub struct ServiceModel {
    pub protocol: Protocol,
    /// The namespace of the service's XML answers (`query`, `ec2`, `rest-xml`).
    pub xml_namespace: String,
    /// What `X-Amz-Target` names operations after (`json`: `Logs_20140328.CreateLogGroup`).
    pub target_prefix: String,
    pub operations: Vec<Operation>,
    pub shapes: HashMap<String, Shape>,
}

impl ServiceModel {
    fn parse(json: &str) -> Result<Self, serde_json::Error> {
        let raw: RawModel = serde_json::from_str(json)?;
        let mut operations: Vec<Operation> = raw
            .operations
            .into_values()
            .map(|op| {
                let path = op.http.request_uri.split('?').next().unwrap_or("/");
                let segments = path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(label) => Segment::Label(label.trim_end_matches('+').to_string()),
                        None => Segment::Literal(s.to_string()),
                    })
                    .collect();
                Operation {
                    name: op.name,
                    method: op.http.method,
                    segments,
                    success_code: op.http.response_code.unwrap_or(200),
                    input: op.input.as_ref().map(|i| i.shape.clone()),
                    input_ref: op.input,
                    output: op.output,
                }
            })
            .collect();
        // Literal segments win over labels when two templates could both match.
        operations.sort_by_key(|op| {
            std::cmp::Reverse(op.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count())
        });
        let namespace_of = |v: &Value| v.as_str().or_else(|| v.get("uri")?.as_str()).map(str::to_string);
        // rest-xml models name the namespace on each operation's input, not in the metadata.
        let xml_namespace = raw
            .metadata
            .xml_namespace
            .as_ref()
            .and_then(namespace_of)
            .or_else(|| {
                operations.iter().find_map(|op| op.input_ref.as_ref()?.xml_namespace.as_ref().and_then(namespace_of))
            })
            .unwrap_or_default();
        let target_prefix = raw.metadata.target_prefix.unwrap_or_default();
        Ok(Self { protocol: raw.metadata.protocol, xml_namespace, target_prefix, operations, shapes: raw.shapes })
    }

    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.name == name)
    }

    /// Finds the operation addressed by a method and a raw (still percent-encoded) path, and
    /// returns it with its decoded path labels.
    pub fn match_request(&self, method: &str, raw_path: &str) -> Option<(&Operation, HashMap<String, String>)> {
        let parts: Vec<&str> = raw_path.split('/').filter(|s| !s.is_empty()).collect();
        'ops: for op in &self.operations {
            if op.method != method || op.segments.len() != parts.len() {
                continue;
            }
            let mut labels = HashMap::new();
            for (segment, part) in op.segments.iter().zip(&parts) {
                match segment {
                    Segment::Literal(lit) if lit == part => {}
                    Segment::Literal(_) => continue 'ops,
                    Segment::Label(name) => {
                        let decoded = percent_encoding::percent_decode_str(part).decode_utf8_lossy();
                        labels.insert(name.clone(), decoded.into_owned());
                    }
                }
            }
            return Some((op, labels));
        }
        None
    }

    /// Builds the operation's input object from path labels, query parameters and the JSON
    /// body, then validates it against the model. A request that fails here is rejected
    /// before any handler runs, so nothing is stored.
    pub fn bind_and_validate(
        &self,
        op: &Operation,
        labels: &HashMap<String, String>,
        query: &[(String, String)],
        body: &[u8],
    ) -> Result<Value, ApiError> {
        self.bind_request(op, labels, query, &[], body)
    }

    /// The raw-body member of an operation's input (a blob or string `payload`, as Lambda's
    /// `Invoke` takes the event).
    pub fn raw_payload(&self, shape: Option<&str>) -> Option<&str> {
        let shape = &self.shapes[shape?];
        let member = shape.payload.as_deref()?;
        let kind = &self.shapes[&shape.members.get(member)?.shape].kind;
        (kind == "blob" || kind == "string").then_some(member)
    }

    /// [`ServiceModel::bind_and_validate`] with the request's headers, for members bound to
    /// headers (and a raw-body payload member).
    pub fn bind_request(
        &self,
        op: &Operation,
        labels: &HashMap<String, String>,
        query: &[(String, String)],
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Value, ApiError> {
        let raw = self.raw_payload(op.input.as_deref());
        let mut input = if let Some(member) = raw {
            let mut map = Map::new();
            if !body.is_empty() {
                map.insert(member.to_string(), Value::String(String::from_utf8_lossy(body).into_owned()));
            }
            map
        } else if body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => map,
                Ok(_) | Err(_) => {
                    return Err(ApiError::validation_reason(
                        "cannotParse",
                        "The request body could not be parsed as a JSON object",
                        vec![],
                    ))
                }
            }
        };
        let Some(input_shape) = op.input.as_deref() else {
            return Ok(Value::Object(input));
        };
        let shape = &self.shapes[input_shape];
        let mut errors = Vec::new();
        for (member, sref) in &shape.members {
            match sref.location.as_deref() {
                Some("uri") => {
                    let name = sref.location_name.as_deref().unwrap_or(member);
                    if let Some(v) = labels.get(name) {
                        input.insert(member.clone(), Value::String(v.clone()));
                    }
                }
                Some("header") => {
                    let name = sref.location_name.as_deref().unwrap_or(member);
                    if let Some((_, v)) = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
                        match self.query_value(&sref.shape, &[v]) {
                            Some(v) => {
                                input.insert(member.clone(), v);
                            }
                            None => {
                                errors.push(FieldError::new(member, "Value could not be parsed for this member's type"))
                            }
                        }
                    }
                }
                Some("querystring") => {
                    let name = sref.location_name.as_deref().unwrap_or(member);
                    let values: Vec<&String> = query.iter().filter(|(k, _)| k == name).map(|(_, v)| v).collect();
                    if values.is_empty() {
                        continue;
                    }
                    match self.query_value(&sref.shape, &values) {
                        Some(v) => {
                            input.insert(member.clone(), v);
                        }
                        None => {
                            errors.push(FieldError::new(member, "Value could not be parsed for this member's type"))
                        }
                    }
                }
                _ => {}
            }
        }
        let input = Value::Object(input);
        self.validate_structure(input_shape, &input, "", &mut errors);
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(ApiError::validation_fields(errors))
        }
    }

    /// The wire request for operation `name` with `input` (the inverse of
    /// [`ServiceModel::bind_and_validate`], as an SDK builds it): the input is validated against
    /// the model first, then its `uri` members fill the path template (percent-encoded), its
    /// `querystring` members become the query, and the rest is the JSON body.
    pub fn request(&self, name: &str, input: &Value) -> Result<WireCall, ApiError> {
        let op = self
            .operation(name)
            .ok_or_else(|| ApiError::new(400, "UnknownOperationException", format!("{name} is not an operation")))?;
        let mut errors = Vec::new();
        // Null members are absent members (as the server reads them).
        let mut body: Map<String, Value> = input
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut query = Vec::new();
        let mut labels = HashMap::new();
        if let Some(shape_name) = op.input.as_deref() {
            self.validate_structure(shape_name, input, "", &mut errors);
            if !errors.is_empty() {
                return Err(ApiError::validation_fields(errors));
            }
            for (member, sref) in &self.shapes[shape_name].members {
                let wire_name = sref.location_name.clone().unwrap_or_else(|| member.clone());
                match (sref.location.as_deref(), body.get(member)) {
                    (Some("uri"), Some(v)) => {
                        labels.insert(wire_name, scalar(v));
                        body.remove(member);
                    }
                    (Some("querystring"), Some(v)) => {
                        match v {
                            Value::Array(items) => query.extend(items.iter().map(|i| (wire_name.clone(), scalar(i)))),
                            v => query.push((wire_name, scalar(v))),
                        }
                        body.remove(member);
                    }
                    _ => {}
                }
            }
        }
        let mut path = String::new();
        for segment in &op.segments {
            path.push('/');
            match segment {
                Segment::Literal(lit) => path.push_str(lit),
                Segment::Label(label) => {
                    let value = labels
                        .get(label)
                        .ok_or_else(|| ApiError::invalid_field(label, format!("{label} is required to call {name}")))?;
                    path.push_str(&crate::sigv4::uri_encode(value, false));
                }
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        let body = (!body.is_empty()).then_some(Value::Object(body));
        Ok(WireCall { method: op.method.clone(), path, query, body })
    }

    fn query_value(&self, shape_name: &str, values: &[&String]) -> Option<Value> {
        let shape = &self.shapes[shape_name];
        match shape.kind.as_str() {
            "list" => {
                let member = shape.member.as_ref()?;
                let items = values.iter().map(|v| self.query_value(&member.shape, &[v])).collect::<Option<Vec<_>>>()?;
                Some(Value::Array(items))
            }
            kind => scalar_from_text(kind, values.last()?),
        }
    }
}

/// A scalar member of shape kind `kind` from its text (a query string, a form, an XML element):
/// numbers and booleans as JSON values, anything else as the string; `None` when the text is not
/// of that kind.
pub(crate) fn scalar_from_text(kind: &str, text: &str) -> Option<Value> {
    match kind {
        "integer" | "long" => text.parse::<i64>().ok().map(Value::from),
        "float" | "double" => text.parse::<f64>().ok().map(Value::from),
        "boolean" => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => Some(Value::String(text.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bind(op: &str, labels: &[(&str, &str)], body: Value) -> Result<Value, ApiError> {
        let m = vpc_lattice();
        let op = m.operation(op).unwrap();
        let labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        m.bind_and_validate(op, &labels, &[], body.to_string().as_bytes())
    }

    #[test]
    fn members_are_checked_by_their_path() {
        let m = vpc_lattice();
        assert_eq!(m.member_shape("CreateTargetGroup", "config.healthCheck.port"), Some("HealthCheckPort"));
        assert!(m.check_member("CreateService", "name", &json!("billing-v2")).is_empty());
        for bad in ["ab", "svc-x", "Bad_Name", "a--b", "-ab"] {
            let said = m.check_member("CreateService", "name", &json!(bad));
            assert_eq!(said.len(), 1, "{bad}: {said:?}");
        }
        assert!(m.check_member("CreateServiceNetwork", "name", &json!("a".repeat(63))).is_empty());
        assert!(m.check_member("CreateServiceNetwork", "name", &json!("a".repeat(64)))[0]
            .contains("less than or equal to 63"));
        assert!(m.check_member("CreateListener", "port", &json!(70000))[0].contains("less than or equal to 65535"));
        assert!(m.check_member("CreateListener", "protocol", &json!("TCP"))[0].contains("enum value set"));
        assert!(m.check_member("CreateListener", "noSuchMember", &json!(1)).is_empty());
    }

    #[test]
    fn every_operation_of_both_models_is_routable() {
        assert_eq!(vpc_lattice().operations.len(), 73);
        assert_eq!(ram().operations.len(), 36);
    }

    #[test]
    fn matches_paths_with_encoded_arn_labels() {
        let (op, labels) = vpc_lattice()
            .match_request("GET", "/tags/arn%3Aaws%3Avpc-lattice%3Aus-east-1%3A000000000000%3Aservice%2Fsvc-0123")
            .unwrap();
        assert_eq!(op.name, "ListTagsForResource");
        assert_eq!(labels["resourceArn"], "arn:aws:vpc-lattice:us-east-1:000000000000:service/svc-0123");
        let (op, _) = vpc_lattice().match_request("POST", "/targetgroups/tg-1/listtargets").unwrap();
        assert_eq!(op.name, "ListTargets");
        let (op, _) = vpc_lattice().match_request("GET", "/services/svc-1/listeners").unwrap();
        assert_eq!(op.name, "ListListeners");
    }

    #[test]
    fn rejects_names_the_model_forbids() {
        for bad in ["ab", "-abc", "abc-", "a--b", "Upper", "svc-name", &"a".repeat(41)] {
            let err = bind("CreateService", &[], json!({ "name": bad })).unwrap_err();
            assert_eq!(err.code, "ValidationException", "{bad}");
            assert_eq!(err.field_list[0].name, "name", "{bad}");
        }
        assert!(bind("CreateService", &[], json!({ "name": "my-service-1" })).is_ok());
    }

    #[test]
    fn requests_are_built_from_the_model_and_bind_back_to_the_same_input() {
        let m = vpc_lattice();
        let arn = "arn:aws:vpc-lattice:us-east-1:000000000000:service/svc-0123456789abcdef0";
        let input = json!({ "resourceArn": arn, "tagKeys": ["a", "b"] });
        let call = m.request("UntagResource", &input).unwrap();
        assert_eq!(call.method, "DELETE");
        assert_eq!(
            call.path,
            "/tags/arn%3Aaws%3Avpc-lattice%3Aus-east-1%3A000000000000%3Aservice%2Fsvc-0123456789abcdef0"
        );
        assert_eq!(call.query, [("tagKeys".to_string(), "a".to_string()), ("tagKeys".into(), "b".into())]);
        assert_eq!(call.body, None);
        let (op, labels) = m.match_request(&call.method, &call.path).unwrap();
        assert_eq!(
            m.bind_and_validate(op, &labels, &call.query, b"").unwrap(),
            input,
            "the server reads what was built"
        );
        let create = m.request("CreateService", &json!({ "name": "orders", "authType": "NONE" })).unwrap();
        assert_eq!((create.method.as_str(), create.path.as_str()), ("POST", "/services"));
        assert_eq!(create.body, Some(json!({ "name": "orders", "authType": "NONE" })));
        let bad = m.request("CreateService", &json!({ "name": "Not Valid" })).unwrap_err();
        assert_eq!(bad.field_list[0].name, "name", "validated before it is sent");
    }

    #[test]
    fn huge_values_fail_on_length_and_are_not_echoed_whole() {
        let huge = "a".repeat(1_000_000);
        let err = bind("CreateService", &[], json!({ "name": huge })).unwrap_err();
        assert_eq!(err.field_list.len(), 1, "a value too long is not also tested against the pattern");
        assert!(err.field_list[0].message.contains("length less than or equal to 40"), "{:?}", err.field_list);
        assert!(err.body().to_string().len() < 2_000);
        let long_enum = "X".repeat(5_000);
        let err = bind("CreateServiceNetwork", &[], json!({ "name": "net", "authType": long_enum })).unwrap_err();
        assert!(err.body().to_string().len() < 2_000, "{}", err.body());
        let message = ApiError::invalid_field("vpcId", format!("'{}' is not a VPC id", "v".repeat(7_000_000)));
        assert!(message.body().to_string().len() < 4_000);
    }

    #[test]
    fn reports_missing_required_enum_and_range_errors_with_paths() {
        let err = bind("CreateServiceNetwork", &[], json!({ "authType": "BASIC" })).unwrap_err();
        let names: Vec<_> = err.field_list.iter().map(|f| f.name.as_str()).collect();
        assert!(names.contains(&"name") && names.contains(&"authType"), "{names:?}");
        let err = bind("CreateService", &[], json!({ "name": "abc", "idleTimeoutSeconds": 5 })).unwrap_err();
        assert_eq!(err.field_list[0].name, "idleTimeoutSeconds");
    }

    #[test]
    fn unions_need_exactly_one_member() {
        let err = bind(
            "CreateListener",
            &[("serviceIdentifier", "svc-0123456789abcdef0")],
            json!({ "name": "web", "protocol": "HTTP", "defaultAction": {} }),
        )
        .unwrap_err();
        assert_eq!(err.field_list[0].name, "defaultAction");
        let ok = bind(
            "CreateListener",
            &[("serviceIdentifier", "svc-0123456789abcdef0")],
            json!({ "name": "web", "protocol": "HTTP", "defaultAction": { "fixedResponse": { "statusCode": 404 } } }),
        );
        assert!(ok.is_ok(), "{ok:?}");
    }
}
