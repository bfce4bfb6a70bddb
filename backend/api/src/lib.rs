//! Everything the provider and the backend share about the wire, with no I/O: the botocore
//! models that drive routing and validation, AWS-shaped errors, identifiers and ARNs, SigV4
//! signing and parsing, and timestamps.

pub mod code;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod ids;
pub mod model;
pub mod query;
pub mod sigv4;
mod validation;
pub mod xml;

pub use code::ErrorCode;
pub use error::{ApiError, FieldError};

/// The region the backend and provider use when none is configured.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The account that the `test` access key (and any unrecognised convenience key) acts as.
pub const DEFAULT_ACCOUNT: &str = "000000000000";

/// The default control-plane endpoint of a local backend.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:4599";

/// An RFC 3339 timestamp with millisecond precision, as Lattice returns `createdAt`.
pub fn now_rfc3339() -> String {
    rfc3339(std::time::SystemTime::now())
}

/// `t` as an RFC 3339 timestamp with millisecond precision.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    let t = t.replace_nanosecond(t.millisecond() as u32 * 1_000_000).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
