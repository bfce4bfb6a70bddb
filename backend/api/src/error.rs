//! AWS-shaped API errors (restJson1): the status code, the `X-Amzn-ErrorType` name and the
//! JSON body members botocore and aws-sdk-go-v2 read.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One entry of a `ValidationException`'s `fieldList`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub name: String,
    pub message: String,
}

impl FieldError {
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self { name: name.into(), message: message.into() }
    }
}

/// An error as the API returns it. `code` is the error shape name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: u16,
    pub code: crate::ErrorCode,
    pub message: String,
    pub reason: Option<String>,
    pub field_list: Vec<FieldError>,
    pub resource_id: Option<String>,
    pub resource_type: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: crate::ErrorCode::from(code),
            message: message.into(),
            reason: None,
            field_list: Vec::new(),
            resource_id: None,
            resource_type: None,
        }
    }

    pub fn validation_fields(fields: Vec<FieldError>) -> Self {
        let n = fields.len();
        let detail: Vec<String> = fields.iter().map(|f| format!("'{}': {}", f.name, f.message)).collect();
        let message = format!("{n} validation error{} detected: {}", if n == 1 { "" } else { "s" }, detail.join("; "));
        Self::validation_reason("fieldValidationFailed", message, fields)
    }

    pub fn validation_reason(reason: &str, message: impl Into<String>, fields: Vec<FieldError>) -> Self {
        Self { reason: Some(reason.to_string()), field_list: fields, ..Self::new(400, "ValidationException", message) }
    }

    /// A single invalid field, for checks the model cannot express.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::validation_reason("fieldValidationFailed", message.clone(), vec![FieldError::new(field, message)])
    }

    pub fn not_found(resource_type: &str, resource_id: &str) -> Self {
        Self {
            resource_id: Some(resource_id.to_string()),
            resource_type: Some(resource_type.to_string()),
            ..Self::new(404, "ResourceNotFoundException", format!("{resource_type} {resource_id} not found"))
        }
    }

    pub fn conflict(resource_type: &str, resource_id: &str, message: impl Into<String>) -> Self {
        Self {
            resource_id: Some(resource_id.to_string()),
            resource_type: Some(resource_type.to_string()),
            ..Self::new(409, "ConflictException", message)
        }
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(403, "AccessDeniedException", message)
    }

    /// Signature problems use the name AWS gives them, with a 403.
    pub fn signature(code: &str, message: impl Into<String>) -> Self {
        Self::new(403, code, message)
    }

    pub fn unknown_operation(method: &str, path: &str) -> Self {
        Self::validation_reason("unknownOperation", format!("No operation matches {method} {path}"), vec![])
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalServerException", message)
    }

    /// The JSON body: `message` plus the shape's members, and `__type`/`code` for SDKs that
    /// read the code from the body.
    /// The wire body. Messages and echoed ids are capped (`MAX_ECHO` bytes), so no input can
    /// make an error answer larger than a few kilobytes.
    pub fn body(&self) -> Value {
        let mut body = json!({ "message": capped(&self.message), "__type": self.code, "code": self.code });
        if let Some(reason) = &self.reason {
            body["reason"] = json!(reason);
        }
        if self.code == crate::ErrorCode::Validation {
            let fields: Vec<Value> = self
                .field_list
                .iter()
                .take(20)
                .map(|f| json!({ "name": capped(&f.name), "message": capped(&f.message) }))
                .collect();
            body["fieldList"] = json!(fields);
        }
        if let Some(id) = &self.resource_id {
            body["resourceId"] = json!(capped(id));
        }
        if let Some(t) = &self.resource_type {
            body["resourceType"] = json!(t);
        }
        body
    }

    /// Rebuilds an error from a response, as a client sees it.
    pub fn from_response(status: u16, error_type: Option<&str>, body: &[u8]) -> Self {
        let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let code = error_type
            .map(str::to_string)
            .or_else(|| parsed.get("__type").or(parsed.get("code")).and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| format!("HTTP{status}"));
        let code = code.split(':').next().unwrap_or_default();
        let code = code.rsplit('#').next().unwrap_or_default().to_string();
        let message = parsed
            .get("message")
            .or(parsed.get("Message"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
        let field_list =
            parsed.get("fieldList").and_then(|f| serde_json::from_value(f.clone()).ok()).unwrap_or_default();
        Self { field_list, ..Self::new(status, &code, message) }
    }

    /// True for the codes that mean "gone": Lattice's `ResourceNotFoundException`, RAM's
    /// `UnknownResourceException` and `ResourceArnNotFoundException`.
    pub fn is_not_found(&self) -> bool {
        self.code.is_not_found()
    }
}

/// The longest message or echoed value an error answer carries, in bytes.
const MAX_ECHO: usize = 1024;

fn capped(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= MAX_ECHO {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut cut = MAX_ECHO;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…", &s[..cut]))
}

/// A value as error messages quote it: at most 64 characters, so a huge value cannot make a
/// huge answer.
pub fn echo(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(64) {
        Some((cut, _)) => std::borrow::Cow::Owned(format!("{}…", &s[..cut])),
        None => std::borrow::Cow::Borrowed(s),
    }
}
