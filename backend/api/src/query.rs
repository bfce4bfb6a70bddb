//! The `query` and `ec2` protocols' requests: a form (`Action=CreateVpc&Version=…&CidrBlock=…`)
//! read into the operation's input by walking its shape, as botocore's serializers write it.
//! `query` lists are `Name.member.N` (or `Name.N` when flattened) and maps `Name.entry.N.key`;
//! `ec2` lists are always `Name.N`, and names come from `queryName` or the capitalised
//! `locationName`. A parameter the shape does not name is refused, as EC2 refuses it.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{ApiError, FieldError};
use crate::model::{Operation, Protocol, ServiceModel, ShapeRef};

/// The parameters of a form body and query string, by name (a name given twice keeps the last).
pub type Form = BTreeMap<String, String>;

/// The `name=value` pairs of `a=1&b=2`, decoded (percent- and `+`-encoded), in order.
pub fn pairs(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    let decode = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    text.split('&').filter(|p| !p.is_empty()).map(move |pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(k), decode(v))
    })
}

/// Reads `a=1&b=2` into `form`.
pub fn parse_form(form: &mut Form, text: &str) {
    form.extend(pairs(text));
}

/// The operation a form names with `Action`, if the model has it.
pub fn operation<'m>(model: &'m ServiceModel, form: &Form) -> Result<&'m Operation, ApiError> {
    let action = form
        .get("Action")
        .ok_or_else(|| ApiError::new(400, "MissingAction", "The request must contain the parameter Action"))?;
    model.operation(action).ok_or_else(|| {
        ApiError::new(
            400,
            "InvalidAction",
            format!(
                "The action {} is not valid for this web service: lattice-local does not emulate it",
                crate::model::echo(action)
            ),
        )
    })
}

/// The operation's input from the form, validated against the model.
pub fn bind_and_validate(model: &ServiceModel, op: &Operation, form: &Form) -> Result<Value, ApiError> {
    let mut used: Vec<&str> = vec!["Action", "Version"];
    let mut errors = Vec::new();
    let input = match op.input.as_deref() {
        Some(shape) => {
            let reader = Reader { model, form, protocol: model.protocol };
            let value = reader.structure(shape, "", &mut used, &mut errors);
            model.validate_structure(shape, &value, "", &mut errors);
            value
        }
        None => Value::Object(Map::new()),
    };
    if let Some(unknown) = form.keys().find(|k| !used.iter().any(|u| u == k)) {
        return Err(ApiError::new(
            400,
            "UnknownParameter",
            format!("The parameter {} is not recognized", crate::model::echo(unknown)),
        ));
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(ApiError::validation_fields(errors))
    }
}

struct Reader<'a> {
    model: &'a ServiceModel,
    form: &'a Form,
    protocol: Protocol,
}

impl<'a> Reader<'a> {
    fn join(prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    }

    /// Whether any parameter is `prefix` or starts with `prefix.`.
    fn present(&self, prefix: &str) -> bool {
        let nested = format!("{prefix}.");
        self.form.contains_key(prefix)
            || self.form.range(nested.clone()..).next().is_some_and(|(k, _)| k.starts_with(&nested))
    }

    fn member_name(&self, member: &str, sref: &ShapeRef) -> String {
        match self.protocol {
            Protocol::Ec2 => sref.query_name.clone().unwrap_or_else(|| match &sref.location_name {
                Some(name) => {
                    let mut chars = name.chars();
                    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
                }
                None => member.to_string(),
            }),
            _ => sref.location_name.clone().unwrap_or_else(|| member.to_string()),
        }
    }

    fn structure(&self, shape: &str, prefix: &str, used: &mut Vec<&'a str>, errors: &mut Vec<FieldError>) -> Value {
        let mut out = Map::new();
        for (member, sref) in &self.model.shapes[shape].members {
            let key = Self::join(prefix, &self.member_name(member, sref));
            if self.present(&key) {
                if let Some(v) = self.value(sref, &key, member, used, errors) {
                    out.insert(member.clone(), v);
                }
            }
        }
        Value::Object(out)
    }

    fn value(
        &self,
        sref: &ShapeRef,
        key: &str,
        path: &str,
        used: &mut Vec<&'a str>,
        errors: &mut Vec<FieldError>,
    ) -> Option<Value> {
        let shape = &self.model.shapes[&sref.shape];
        match shape.kind.as_str() {
            "structure" => Some(self.structure(&sref.shape, key, used, errors)),
            "list" => {
                let member = shape.member.as_ref()?;
                if let Some((k, v)) = self.form.get_key_value(key) {
                    // `Name=` is how an empty list is sent.
                    used.push(k);
                    if v.is_empty() {
                        return Some(Value::Array(vec![]));
                    }
                }
                let base = match self.protocol {
                    Protocol::Query if !(shape.flattened || sref.flattened) => {
                        format!("{key}.{}", member.location_name.as_deref().unwrap_or("member"))
                    }
                    _ => key.to_string(),
                };
                let mut items = vec![];
                for i in 1.. {
                    let item_key = format!("{base}.{i}");
                    if !self.present(&item_key) {
                        break;
                    }
                    items.push(self.value(member, &item_key, &format!("{path}.{i}"), used, errors)?);
                }
                Some(Value::Array(items))
            }
            "map" => {
                let (key_ref, value_ref) = (shape.key.as_ref()?, shape.value.as_ref()?);
                let base = if shape.flattened { key.to_string() } else { format!("{key}.entry") };
                let mut map = Map::new();
                for i in 1.. {
                    let entry = format!("{base}.{i}");
                    if !self.present(&entry) {
                        break;
                    }
                    let k_name = format!("{entry}.{}", key_ref.location_name.as_deref().unwrap_or("key"));
                    let v_name = format!("{entry}.{}", value_ref.location_name.as_deref().unwrap_or("value"));
                    let (Some((kk, k)), true) = (self.form.get_key_value(&k_name), self.present(&v_name)) else {
                        errors.push(FieldError::new(path, "Map entries need a key and a value"));
                        return None;
                    };
                    used.push(kk);
                    let v = self.value(value_ref, &v_name, &format!("{path}.{k}"), used, errors)?;
                    map.insert(k.clone(), v);
                }
                Some(Value::Object(map))
            }
            kind => {
                let (k, text) = self.form.get_key_value(key)?;
                used.push(k);
                let parsed = crate::model::scalar_from_text(kind, text);
                if parsed.is_none() {
                    errors.push(FieldError::new(
                        path,
                        format!("Value '{}' is not a valid {kind}", crate::model::echo(text)),
                    ));
                }
                parsed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ec2, sts};
    use serde_json::json;

    fn form(text: &str) -> Form {
        let mut f = Form::new();
        parse_form(&mut f, text);
        f
    }

    fn bind(model: &ServiceModel, text: &str) -> Result<Value, ApiError> {
        let f = form(text);
        bind_and_validate(model, operation(model, &f)?, &f)
    }

    #[test]
    fn ec2_lists_structures_and_scalars_read_as_the_sdk_writes_them() {
        let input = bind(
            ec2(),
            "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16&InstanceTenancy=default\
             &AmazonProvidedIpv6CidrBlock=false\
             &TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=a+b",
        )
        .unwrap();
        assert_eq!(
            input,
            json!({ "CidrBlock": "10.0.0.0/16", "InstanceTenancy": "default", "AmazonProvidedIpv6CidrBlock": false,
                    "TagSpecifications": [{ "ResourceType": "vpc", "Tags": [{ "Key": "Name", "Value": "a b" }] }] })
        );
        let filters =
            bind(ec2(), "Action=DescribeVpcs&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1&Filter.1.Value.2=vpc-2")
                .unwrap();
        assert_eq!(filters, json!({ "Filters": [{ "Name": "vpc-id", "Values": ["vpc-1", "vpc-2"] }] }));
    }

    #[test]
    fn query_lists_use_member_and_unknown_parameters_are_refused() {
        let input = bind(
            sts(),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fx\
             &RoleSessionName=s1&Tags.member.1.Key=k&Tags.member.1.Value=v&DurationSeconds=900",
        )
        .unwrap();
        assert_eq!(input["Tags"], json!([{ "Key": "k", "Value": "v" }]));
        assert_eq!(input["DurationSeconds"], json!(900));
        let err = bind(sts(), "Action=GetCallerIdentity&Bogus=1").unwrap_err();
        assert_eq!(err.code, "UnknownParameter");
        assert_eq!(bind(sts(), "Action=Nope").unwrap_err().code, "InvalidAction");
        assert_eq!(bind(sts(), "Version=1").unwrap_err().code, "MissingAction");
        let err = bind(sts(), "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fx&RoleSessionName=s1&DurationSeconds=ten").unwrap_err();
        assert_eq!(err.field_list[0].name, "DurationSeconds");
        let err = bind(sts(), "Action=AssumeRole&RoleSessionName=s1").unwrap_err();
        assert_eq!(err.field_list[0].name, "RoleArn", "required members are checked by the model");
    }
}
