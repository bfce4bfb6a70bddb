//! XML on the wire, for the `query`, `ec2` and `rest-xml` protocols: answers written from the
//! operation's output shape (element names from `locationName`, lists wrapped or flattened as
//! the model says), `rest-xml` request bodies read into the input by the same shapes, and the
//! two XML error shapes (`<Response><Errors>` for EC2, `<ErrorResponse>` for the others).
//! Handlers see and return the same JSON values (botocore member names) whatever the protocol.

use std::collections::HashMap;
use std::fmt::Write as _;

use quick_xml::events::Event;
use serde_json::{Map, Value};

use crate::error::{ApiError, FieldError};
use crate::model::{Operation, Protocol, ServiceModel, ShapeRef};

/// `s` with the five XML special characters escaped.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// An answer written for the wire: the XML body and the headers the output shape places there.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlAnswer {
    pub body: String,
    pub headers: Vec<(String, String)>,
}

/// The operation's answer for `output` (member names as in the model).
pub fn write_output(model: &ServiceModel, op: &Operation, output: &Value, request_id: &str) -> XmlAnswer {
    let ns = escape(&model.xml_namespace);
    let mut body = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = write!(body, "<{}Response xmlns=\"{ns}\">", op.name);
    let mut headers = vec![];
    let members = |body: &mut String, headers: &mut Vec<(String, String)>| {
        if let Some(sref) = &op.output {
            let writer = Writer { model };
            writer.members(body, &sref.shape, output, Some(headers));
        }
    };
    match model.protocol {
        Protocol::Query => {
            let wrapper = op.output.as_ref().and_then(|o| o.result_wrapper.clone());
            let wrapper = wrapper.unwrap_or_else(|| format!("{}Result", op.name));
            let _ = write!(body, "<{wrapper}>");
            members(&mut body, &mut headers);
            let _ =
                write!(body, "</{wrapper}><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>");
        }
        Protocol::Ec2 => {
            let _ = write!(body, "<requestId>{request_id}</requestId>");
            members(&mut body, &mut headers);
        }
        _ => members(&mut body, &mut headers),
    }
    let _ = write!(body, "</{}Response>", op.name);
    XmlAnswer { body, headers }
}

/// The error as this protocol writes it.
pub fn write_error(protocol: Protocol, namespace: &str, err: &ApiError, request_id: &str) -> String {
    let (code, message) = (escape(err.code.as_str()), escape(&err.message));
    match protocol {
        Protocol::Ec2 => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ),
        _ => {
            let kind = if err.status >= 500 { "Receiver" } else { "Sender" };
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"{}\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
                escape(namespace)
            )
        }
    }
}

struct Writer<'a> {
    model: &'a ServiceModel,
}

impl Writer<'_> {
    /// The members of structure `shape` set in `value`; header members go to `headers`.
    fn members(&self, out: &mut String, shape: &str, value: &Value, mut headers: Option<&mut Vec<(String, String)>>) {
        let shape = &self.model.shapes[shape];
        let Some(obj) = value.as_object() else { return };
        let mut names: Vec<&String> = shape.members.keys().collect();
        names.sort();
        for member in names {
            let sref = &shape.members[member];
            let Some(v) = obj.get(member).filter(|v| !v.is_null()) else { continue };
            let name = sref.location_name.as_deref().unwrap_or(member);
            match sref.location.as_deref() {
                Some("header") => {
                    if let Some(h) = headers.as_deref_mut() {
                        h.push((name.to_string(), scalar(v)));
                    }
                }
                Some(_) => {}
                None => self.element(out, name, sref, v),
            }
        }
    }

    fn element(&self, out: &mut String, name: &str, sref: &ShapeRef, v: &Value) {
        let shape = &self.model.shapes[&sref.shape];
        match shape.kind.as_str() {
            "structure" => {
                let _ = write!(out, "<{name}>");
                self.members(out, &sref.shape, v, None);
                let _ = write!(out, "</{name}>");
            }
            "list" => {
                let Some(member) = &shape.member else { return };
                let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
                if shape.flattened || sref.flattened {
                    let item_name = member.location_name.as_deref().unwrap_or(name);
                    for item in items {
                        self.element(out, item_name, member, item);
                    }
                } else {
                    let item_name = member.location_name.as_deref().unwrap_or("member");
                    let _ = write!(out, "<{name}>");
                    for item in items {
                        self.element(out, item_name, member, item);
                    }
                    let _ = write!(out, "</{name}>");
                }
            }
            "map" => {
                let (Some(k), Some(val)) = (&shape.key, &shape.value) else { return };
                let (kn, vn) =
                    (k.location_name.as_deref().unwrap_or("key"), val.location_name.as_deref().unwrap_or("value"));
                let _ = write!(out, "<{name}>");
                for (key, item) in v.as_object().into_iter().flatten() {
                    let _ = write!(out, "<entry><{kn}>{}</{kn}>", escape(key));
                    self.element(out, vn, val, item);
                    out.push_str("</entry>");
                }
                let _ = write!(out, "</{name}>");
            }
            _ => {
                let _ = write!(out, "<{name}>{}</{name}>", escape(&scalar(v)));
            }
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An element of a request body: its local name, text and children.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

/// Deeper bodies are refused: no AWS input shape nests this far.
const MAX_DEPTH: usize = 32;

fn malformed(detail: impl std::fmt::Display) -> ApiError {
    ApiError::new(400, "MalformedXML", format!("The XML you provided was not well-formed: {detail}"))
}

fn parse_tree(body: &[u8]) -> Result<Element, ApiError> {
    let mut reader = quick_xml::Reader::from_reader(body);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        match reader.read_event().map_err(malformed)? {
            Event::Start(start) => {
                if stack.len() > MAX_DEPTH {
                    return Err(malformed("it nests too deeply"));
                }
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                stack.push(Element { name, ..Element::default() });
            }
            Event::Empty(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                stack
                    .last_mut()
                    .ok_or_else(|| malformed("unbalanced"))?
                    .children
                    .push(Element { name, ..Element::default() });
            }
            Event::End(_) => {
                let done = stack.pop().ok_or_else(|| malformed("unbalanced"))?;
                stack.last_mut().ok_or_else(|| malformed("unbalanced"))?.children.push(done);
            }
            Event::Text(text) => {
                let text = text.decode().map_err(malformed)?;
                stack.last_mut().ok_or_else(|| malformed("unbalanced"))?.text.push_str(&text);
            }
            Event::GeneralRef(reference) => {
                let c = match reference.resolve_char_ref().map_err(malformed)? {
                    Some(c) => c,
                    None => match reference.as_ref() {
                        b"amp" => '&',
                        b"lt" => '<',
                        b"gt" => '>',
                        b"quot" => '"',
                        b"apos" => '\'',
                        other => return Err(malformed(format!("unknown entity &{};", String::from_utf8_lossy(other)))),
                    },
                };
                stack.last_mut().ok_or_else(|| malformed("unbalanced"))?.text.push(c);
            }
            Event::CData(data) => {
                let text = String::from_utf8_lossy(&data).into_owned();
                stack.last_mut().ok_or_else(|| malformed("unbalanced"))?.text.push_str(&text);
            }
            Event::DocType(_) => return Err(malformed("document type declarations are not accepted")),
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
    let mut root = stack.pop().filter(|_| stack.is_empty()).ok_or_else(|| malformed("an element is not closed"))?;
    match root.children.len() {
        1 => Ok(root.children.remove(0)),
        _ => Err(malformed("a document has exactly one root element")),
    }
}

/// A `rest-xml` request's input: the body read by the input shape, then the path labels,
/// query string and headers the shape places there; validated against the model.
pub fn bind_and_validate(
    model: &ServiceModel,
    op: &Operation,
    labels: &HashMap<String, String>,
    query: &[(String, String)],
    body: &[u8],
) -> Result<Value, ApiError> {
    let Some(shape_name) = op.input.as_deref() else { return Ok(Value::Object(Map::new())) };
    let mut errors = vec![];
    let mut input = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        let root = parse_tree(body)?;
        let expected = op.input_ref.as_ref().and_then(|r| r.location_name.as_deref()).unwrap_or(shape_name);
        if root.name != expected {
            return Err(malformed(format!(
                "the root element must be {expected}, not {}",
                crate::model::echo(&root.name)
            )));
        }
        match (Reader { model }).structure(shape_name, &root, "", &mut errors) {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    };
    let reader = Reader { model };
    for (member, sref) in &model.shapes[shape_name].members {
        let name = sref.location_name.as_deref().unwrap_or(member);
        let found = match sref.location.as_deref() {
            Some("uri") => labels.get(name).cloned(),
            Some("querystring") => query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            _ => None,
        };
        if let Some(text) = found {
            if let Some(v) = reader.scalar(&sref.shape, &text, member, &mut errors) {
                input.insert(member.clone(), v);
            }
        }
    }
    let input = Value::Object(input);
    model.validate_structure(shape_name, &input, "", &mut errors);
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(ApiError::validation_fields(errors))
    }
}

struct Reader<'a> {
    model: &'a ServiceModel,
}

impl Reader<'_> {
    fn structure(&self, shape: &str, el: &Element, path: &str, errors: &mut Vec<FieldError>) -> Value {
        let mut out = Map::new();
        for (member, sref) in &self.model.shapes[shape].members {
            if sref.location.is_some() {
                continue;
            }
            let name = sref.location_name.as_deref().unwrap_or(member);
            let member_path = if path.is_empty() { member.clone() } else { format!("{path}.{member}") };
            let target = &self.model.shapes[&sref.shape];
            if target.kind == "list" && (target.flattened || sref.flattened) {
                let items: Vec<&Element> = el.children.iter().filter(|c| c.name == name).collect();
                if let Some(member_ref) = target.member.as_ref().filter(|_| !items.is_empty()) {
                    let values = items
                        .iter()
                        .enumerate()
                        .filter_map(|(i, c)| self.value(member_ref, c, &format!("{member_path}.{}", i + 1), errors));
                    out.insert(member.clone(), Value::Array(values.collect()));
                }
                continue;
            }
            if let Some(child) = el.children.iter().find(|c| c.name == name) {
                if let Some(v) = self.value(sref, child, &member_path, errors) {
                    out.insert(member.clone(), v);
                }
            }
        }
        Value::Object(out)
    }

    fn value(&self, sref: &ShapeRef, el: &Element, path: &str, errors: &mut Vec<FieldError>) -> Option<Value> {
        let shape = &self.model.shapes[&sref.shape];
        match shape.kind.as_str() {
            "structure" => Some(self.structure(&sref.shape, el, path, errors)),
            "list" => {
                let member = shape.member.as_ref()?;
                let item_name = member.location_name.as_deref().unwrap_or("member");
                let items = el.children.iter().filter(|c| c.name == item_name).enumerate();
                Some(Value::Array(
                    items.filter_map(|(i, c)| self.value(member, c, &format!("{path}.{}", i + 1), errors)).collect(),
                ))
            }
            "map" => {
                let (k, v) = (shape.key.as_ref()?, shape.value.as_ref()?);
                let (kn, vn) =
                    (k.location_name.as_deref().unwrap_or("key"), v.location_name.as_deref().unwrap_or("value"));
                let mut map = Map::new();
                for entry in el.children.iter().filter(|c| c.name == "entry") {
                    let key = entry.children.iter().find(|c| c.name == kn)?.text.clone();
                    let value = self.value(v, entry.children.iter().find(|c| c.name == vn)?, path, errors)?;
                    map.insert(key, value);
                }
                Some(Value::Object(map))
            }
            _ => self.scalar(&sref.shape, &el.text, path, errors),
        }
    }

    fn scalar(&self, shape: &str, text: &str, path: &str, errors: &mut Vec<FieldError>) -> Option<Value> {
        let kind = self.model.shapes[shape].kind.as_str();
        // Element text is trimmed as it is read; labels and query values come as sent.
        let parsed = crate::model::scalar_from_text(kind, text);
        if parsed.is_none() {
            errors.push(FieldError::new(path, format!("Value '{}' is not a valid {kind}", crate::model::echo(text))));
        }
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ec2, route53, sts};
    use serde_json::json;

    #[test]
    fn ec2_answers_wrap_lists_in_items_and_use_location_names() {
        let m = ec2();
        let op = m.operation("DescribeVpcs").unwrap();
        let out = json!({ "Vpcs": [{ "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "IsDefault": false,
                                     "Tags": [{ "Key": "Name", "Value": "a<b" }] }] });
        let xml = write_output(m, op, &out, "rid").body;
        assert!(xml.contains("<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\"><requestId>rid</requestId><vpcSet><item>"), "{xml}");
        assert!(xml.contains("<vpcId>vpc-1</vpcId>") && xml.contains("<isDefault>false</isDefault>"), "{xml}");
        assert!(xml.contains("<tagSet><item><key>Name</key><value>a&lt;b</value></item></tagSet>"), "{xml}");
    }

    #[test]
    fn query_answers_have_a_result_wrapper_and_metadata() {
        let m = sts();
        let op = m.operation("GetCallerIdentity").unwrap();
        let xml = write_output(m, op, &json!({ "Account": "111111111111" }), "r1").body;
        assert!(xml.contains("<GetCallerIdentityResult><Account>111111111111</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId>"), "{xml}");
    }

    #[test]
    fn rest_xml_bodies_bind_with_labels_and_header_members_become_headers() {
        let m = route53();
        let op = m.operation("ChangeResourceRecordSets").unwrap();
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes>
<Change><Action>CREATE</Action><ResourceRecordSet><Name>a.example.com</Name><Type>A</Type><TTL>60</TTL>
<ResourceRecords><ResourceRecord><Value>10.0.0.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>
</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"#;
        let labels = HashMap::from([("Id".to_string(), "Z123".to_string())]);
        let input = bind_and_validate(m, op, &labels, &[], body).unwrap();
        assert_eq!(input["HostedZoneId"], "Z123");
        let rrset = &input["ChangeBatch"]["Changes"][0]["ResourceRecordSet"];
        assert_eq!(rrset["TTL"], 60);
        assert_eq!(rrset["ResourceRecords"][0]["Value"], "10.0.0.1");
        let create = m.operation("CreateHostedZone").unwrap();
        let out = json!({ "Location": "https://x/2013-04-01/hostedzone/Z1", "HostedZone": { "Id": "/hostedzone/Z1" } });
        let answer = write_output(m, create, &out, "r");
        assert_eq!(answer.headers, vec![("Location".to_string(), "https://x/2013-04-01/hostedzone/Z1".to_string())]);
        assert!(!answer.body.contains("https://x"), "{}", answer.body);
    }

    #[test]
    fn malformed_and_hostile_bodies_are_refused() {
        let m = route53();
        let op = m.operation("CreateHostedZone").unwrap();
        let none = HashMap::new();
        for bad in [
            &b"<CreateHostedZoneRequest><Name>x</Name>"[..],
            b"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><CreateHostedZoneRequest><Name>&e;</Name></CreateHostedZoneRequest>",
            b"<Other/>",
            b"<a/><b/>",
        ] {
            let err = bind_and_validate(m, op, &none, &[], bad).unwrap_err();
            assert_eq!(err.code, "MalformedXML", "{}", String::from_utf8_lossy(bad));
        }
        let deep =
            format!("<CreateHostedZoneRequest>{}{}</CreateHostedZoneRequest>", "<a>".repeat(100), "</a>".repeat(100));
        assert_eq!(bind_and_validate(m, op, &none, &[], deep.as_bytes()).unwrap_err().code, "MalformedXML");
        let missing =
            bind_and_validate(m, op, &none, &[], b"<CreateHostedZoneRequest><Name>x.</Name></CreateHostedZoneRequest>")
                .unwrap_err();
        assert_eq!(missing.field_list[0].name, "CallerReference");
    }

    #[test]
    fn errors_take_each_protocols_shape() {
        let err = ApiError::new(400, "InvalidVpcID.NotFound", "The vpc ID 'vpc-1' does not exist");
        let ec2 = write_error(Protocol::Ec2, "", &err, "r");
        assert!(ec2.contains("<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>"), "{ec2}");
        let q = write_error(Protocol::RestXml, "https://route53.amazonaws.com/doc/2013-04-01/", &err, "r");
        assert!(
            q.contains(
                "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>Sender</Type>"
            ),
            "{q}"
        );
    }
}
