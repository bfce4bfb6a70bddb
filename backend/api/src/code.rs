//! Error codes as types: what an error *is* is decided by matching a variant (not found,
//! conflict, validation …), never by comparing message text or code strings. Each variant
//! writes its wire name (the botocore shape, `x-amzn-ErrorType`); codes this crate does not
//! classify travel as `Other`, spelled as received.

use std::fmt;

macro_rules! codes {
    ($($variant:ident => $wire:literal,)*) => {
        /// An AWS error code.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($variant,)*
            /// A code without a variant, spelled as on the wire.
            Other(String),
        }

        impl ErrorCode {
            /// The wire name.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorCode::$variant => $wire,)*
                    ErrorCode::Other(code) => code,
                }
            }
        }

        impl From<&str> for ErrorCode {
            fn from(code: &str) -> Self {
                match code {
                    $($wire => ErrorCode::$variant,)*
                    other => ErrorCode::Other(other.to_string()),
                }
            }
        }
    };
}

codes! {
    Validation => "ValidationException",
    ResourceNotFound => "ResourceNotFoundException",
    Conflict => "ConflictException",
    AccessDenied => "AccessDeniedException",
    ServiceQuotaExceeded => "ServiceQuotaExceededException",
    Throttling => "ThrottlingException",
    InternalServer => "InternalServerException",
    NotImplemented => "NotImplemented",
    InvalidSignature => "InvalidSignatureException",
    IncompleteSignature => "IncompleteSignatureException",
    MissingAuthenticationToken => "MissingAuthenticationTokenException",
    UnrecognizedClient => "UnrecognizedClientException",
    UnknownResource => "UnknownResourceException",
    ResourceArnNotFound => "ResourceArnNotFoundException",
    InvalidParameter => "InvalidParameterException",
    MissingRequiredParameter => "MissingRequiredParameterException",
    MalformedArn => "MalformedArnException",
    OperationNotPermitted => "OperationNotPermittedException",
    IdempotentParameterMismatch => "IdempotentParameterMismatchException",
    InvalidNextToken => "InvalidNextTokenException",
}

impl ErrorCode {
    /// The codes that mean "gone": Lattice's `ResourceNotFoundException`, RAM's
    /// `UnknownResourceException` and `ResourceArnNotFoundException`.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ErrorCode::ResourceNotFound | ErrorCode::UnknownResource | ErrorCode::ResourceArnNotFound)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Tests name the code they expect as the wire spells it.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_their_wire_names_and_unknown_ones_are_kept() {
        for code in ["ValidationException", "ResourceNotFoundException", "UnknownResourceException", "NotImplemented"] {
            assert_eq!(ErrorCode::from(code).as_str(), code);
            assert!(!matches!(ErrorCode::from(code), ErrorCode::Other(_)), "{code}");
        }
        assert_eq!(ErrorCode::from("SomethingNewException"), ErrorCode::Other("SomethingNewException".into()));
        assert!(ErrorCode::from("ResourceArnNotFoundException").is_not_found());
        assert!(!ErrorCode::Conflict.is_not_found());
    }
}
