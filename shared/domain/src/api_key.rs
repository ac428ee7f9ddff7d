//! API keys: known to o2c only by their SHA-256, carrying scopes. The key
//! itself is shown once, when made, and never stored or logged.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::text::BoundedText;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "invoices:write")]
    InvoicesWrite,
    #[serde(rename = "invoices:read")]
    InvoicesRead,
    #[serde(rename = "payments:write")]
    PaymentsWrite,
    #[serde(rename = "reports:read")]
    ReportsRead,
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 5] = [Scope::InvoicesWrite, Scope::InvoicesRead, Scope::PaymentsWrite, Scope::ReportsRead, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvoicesWrite => "invoices:write",
            Self::InvoicesRead => "invoices:read",
            Self::PaymentsWrite => "payments:write",
            Self::ReportsRead => "reports:read",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// SHA-256 of a key, the only form in which o2c holds it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyHash(pub [u8; 32]);

impl KeyHash {
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for KeyHash {
    /// Enough to tell keys apart in a log, not enough to look one up.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyHash({}…)", &self.hex()[..8])
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// `key_<ulid>`: how people and logs name a key.
    pub id: String,
    pub name: BoundedText<100>,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    pub fn allows(&self, needed: Scope) -> bool {
        self.revoked_at.is_none() && self.scopes.iter().any(|s| *s == needed || *s == Scope::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(scopes: Vec<Scope>) -> ApiKey {
        ApiKey { id: "key_1".into(), name: BoundedText::parse("ci").unwrap(), scopes, created_at: Utc::now(), revoked_at: None }
    }

    #[test]
    fn a_key_allows_its_scopes_and_admin_allows_all() {
        assert!(key(vec![Scope::InvoicesRead]).allows(Scope::InvoicesRead));
        assert!(!key(vec![Scope::InvoicesRead]).allows(Scope::InvoicesWrite));
        assert!(key(vec![Scope::Admin]).allows(Scope::PaymentsWrite));
    }

    #[test]
    fn a_revoked_key_allows_nothing() {
        let mut k = key(vec![Scope::Admin]);
        k.revoked_at = Some(Utc::now());
        assert!(!k.allows(Scope::InvoicesRead));
    }

    #[test]
    fn scopes_serialize_as_the_contract_names_them() {
        assert_eq!(serde_json::to_string(&Scope::InvoicesWrite).unwrap(), "\"invoices:write\"");
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
    }
}
