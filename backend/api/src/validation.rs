//! Validation of inputs against the botocore model's constraints (required members, lengths,
//! patterns, enums, ranges, unions), with AWS's wording; and the provider's plan-time check of
//! one member.

use serde_json::Value;

use crate::error::{echo, FieldError};
use fancy_regex::Regex;

use crate::model::{ServiceModel, Shape};

impl ServiceModel {
    /// Validates `value` against shape `name`; `path` is the member path so far (for `fieldList`).
    pub fn validate_value(&self, name: &str, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
        let shape = &self.shapes[name];
        match shape.kind.as_str() {
            "structure" => self.validate_structure(name, value, path, errors),
            "list" => {
                let Value::Array(items) = value else {
                    return errors.push(FieldError::new(path, "Member must be a list"));
                };
                check_count(shape, items.len(), path, errors);
                if let Some(member) = &shape.member {
                    for (i, item) in items.iter().enumerate() {
                        self.validate_value(&member.shape, item, &format!("{path}.{}", i + 1), errors);
                    }
                }
            }
            "map" => {
                let Value::Object(entries) = value else {
                    return errors.push(FieldError::new(path, "Member must be a map"));
                };
                check_count(shape, entries.len(), path, errors);
                for (k, v) in entries {
                    if let Some(key) = &shape.key {
                        self.validate_value(&key.shape, &Value::String(k.clone()), &format!("{path}.{k}.key"), errors);
                    }
                    if let Some(val) = &shape.value {
                        self.validate_value(&val.shape, v, &format!("{path}.{k}.value"), errors);
                    }
                }
            }
            "string" => {
                let Value::String(s) = value else {
                    return errors.push(FieldError::new(path, "Member must be a string"));
                };
                self.validate_string(shape, s, path, errors);
            }
            "integer" | "long" => {
                let Some(n) = value.as_i64() else {
                    return errors.push(FieldError::new(path, "Member must be an integer"));
                };
                if let Some(min) = shape.min {
                    if (n as f64) < min {
                        errors.push(FieldError::new(
                            path,
                            format!("Value '{n}' failed to satisfy constraint: Member must have value greater than or equal to {min}"),
                        ));
                    }
                }
                if let Some(max) = shape.max {
                    if (n as f64) > max {
                        errors.push(FieldError::new(
                            path,
                            format!("Value '{n}' failed to satisfy constraint: Member must have value less than or equal to {max}"),
                        ));
                    }
                }
            }
            "boolean" if !value.is_boolean() => {
                errors.push(FieldError::new(path, "Member must be a boolean"));
            }
            "timestamp" if !(value.is_string() || value.is_number()) => {
                errors.push(FieldError::new(path, "Member must be a timestamp"));
            }
            _ => {}
        }
    }

    /// The shape of a member of `operation`'s input, by its path: member names joined with `.`
    /// (`config.healthCheck.port`); lists are stepped through to their element.
    pub fn member_shape(&self, operation: &str, path: &str) -> Option<&str> {
        let mut shape = self.operation(operation)?.input.as_deref()?;
        for name in path.split('.') {
            let mut s = self.shapes.get(shape)?;
            while s.kind == "list" {
                shape = &s.member.as_ref()?.shape;
                s = self.shapes.get(shape)?;
            }
            shape = &s.members.get(name)?.shape;
        }
        Some(shape)
    }

    /// What the API would say about `value` as the member at `path` of `operation`'s input
    /// (lengths, patterns, enums, ranges): one message per broken constraint; none when the
    /// value is valid or the member unknown.
    pub fn check_member(&self, operation: &str, path: &str, value: &Value) -> Vec<String> {
        let Some(shape) = self.member_shape(operation, path) else { return vec![] };
        let mut errors = Vec::new();
        self.validate_value(shape, value, path, &mut errors);
        errors.into_iter().map(|e| e.message).collect()
    }

    pub(crate) fn validate_structure(&self, name: &str, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
        let shape = &self.shapes[name];
        let Value::Object(obj) = value else {
            return errors.push(FieldError::new(path, "Member must be a structure"));
        };
        let join = |m: &str| {
            if path.is_empty() {
                m.to_string()
            } else {
                format!("{path}.{m}")
            }
        };
        for req in &shape.required {
            if obj.get(req).is_none_or(Value::is_null) {
                errors.push(FieldError::new(join(req), "Member must not be null"));
            }
        }
        let mut set_members = 0;
        for (member, sref) in &shape.members {
            if let Some(v) = obj.get(member).filter(|v| !v.is_null()) {
                set_members += 1;
                self.validate_value(&sref.shape, v, &join(member), errors);
            }
        }
        if shape.union && set_members != 1 {
            errors.push(FieldError::new(path, format!("Union must have exactly one member set, found {set_members}")));
        }
    }

    fn validate_string(&self, shape: &Shape, s: &str, path: &str, errors: &mut Vec<FieldError>) {
        // Lengths first: a value too long is reported as such and goes no further (a pattern
        // on a megabyte of input would only exhaust the regex engine).
        let len = s.chars().count() as f64;
        if let Some(min) = shape.min {
            if len < min {
                errors.push(FieldError::new(
                    path,
                    format!(
                        "Value '{}' failed to satisfy constraint: Member must have length greater than or equal to {min}",
                        echo(s)
                    ),
                ));
            }
        }
        if let Some(max) = shape.max {
            if len > max {
                errors.push(FieldError::new(
                    path,
                    format!("Value failed to satisfy constraint: Member must have length less than or equal to {max}"),
                ));
                return;
            }
        }
        if let Some(values) = &shape.enum_values {
            if !values.iter().any(|v| v == s) {
                errors.push(FieldError::new(
                    path,
                    format!(
                        "Value '{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                        echo(s),
                        values.join(", ")
                    ),
                ));
            }
        }
        if let Some(re) = shape.compiled_pattern() {
            let pattern = shape.pattern.as_deref().unwrap_or_default();
            match re.is_match(s) {
                Ok(true) => {}
                Ok(false) => errors.push(FieldError::new(
                    path,
                    format!(
                        "Value '{}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}",
                        echo(s)
                    ),
                )),
                // The engine gave up (its backtracking limit): that says nothing about the value.
                Err(e) => errors.push(FieldError::new(
                    path,
                    format!("Value '{}' could not be checked against the pattern {pattern}: {e}", echo(s)),
                )),
            }
        }
    }
}

impl Shape {
    /// The pattern anchored at both ends: AWS matches the whole value, not a substring.
    pub(crate) fn compiled_pattern(&self) -> Option<&Regex> {
        self.regex.get_or_init(|| self.pattern.as_ref().and_then(|p| Regex::new(&format!("^(?:{p})$")).ok())).as_ref()
    }
}

fn check_count(shape: &Shape, n: usize, path: &str, errors: &mut Vec<FieldError>) {
    if let Some(min) = shape.min {
        if (n as f64) < min {
            errors.push(FieldError::new(path, format!("Member must have length greater than or equal to {min}")));
        }
    }
    if let Some(max) = shape.max {
        if (n as f64) > max {
            errors.push(FieldError::new(path, format!("Member must have length less than or equal to {max}")));
        }
    }
}
