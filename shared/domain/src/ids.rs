//! Prefixed identifiers (`cus_`, `inv_`, ...). A ULID body keeps them
//! sortable by creation time, which the list indexes rely on.

use std::fmt;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a valid {kind} id")]
pub struct IdError {
    pub kind: &'static str,
}

macro_rules! prefixed_id {
    ($name:ident, $prefix:literal, $kind:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Ulid);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn from_ulid(ulid: Ulid) -> Self {
                Self(ulid)
            }

            pub fn parse(text: &str) -> Result<Self, IdError> {
                text.strip_prefix($prefix)
                    .and_then(|body| Ulid::from_string(body).ok())
                    .map(Self)
                    .ok_or(IdError { kind: $kind })
            }

            pub fn ulid(&self) -> Ulid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", $prefix, self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

prefixed_id!(CustomerId, "cus_", "customer");
prefixed_id!(InvoiceId, "inv_", "invoice");
prefixed_id!(EventId, "evt_", "event");
prefixed_id!(PaymentId, "pay_", "payment");
prefixed_id!(StatementId, "stmt_", "bank statement");
prefixed_id!(UploadId, "upl_", "upload");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_text_form() {
        let id = InvoiceId::from_ulid(Ulid::new());
        assert!(id.to_string().starts_with("inv_"));
        assert_eq!(InvoiceId::parse(&id.to_string()).unwrap(), id);
    }

    #[test]
    fn an_id_of_another_kind_is_refused() {
        let id = CustomerId::from_ulid(Ulid::new()).to_string();
        assert!(InvoiceId::parse(&id).is_err());
        assert!(InvoiceId::parse("inv_not-a-ulid").is_err());
    }
}
