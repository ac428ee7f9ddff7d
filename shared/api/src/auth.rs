//! Bearer API keys, checked by every `/v1` function through this one piece
//! of code. Keys are known only by their SHA-256; the key itself is never
//! stored or logged. An empty key list refuses everything (fail closed):
//! a deployed stack has no default key.

use sha2::{Digest, Sha256};

use crate::request::ApiRequest;
use crate::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    InvoicesWrite,
    InvoicesRead,
    PaymentsWrite,
    ReportsRead,
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvoicesWrite => "invoices:write",
            Self::InvoicesRead => "invoices:read",
            Self::PaymentsWrite => "payments:write",
            Self::ReportsRead => "reports:read",
            Self::Admin => "admin",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::InvoicesWrite, Self::InvoicesRead, Self::PaymentsWrite, Self::ReportsRead, Self::Admin].into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone)]
struct KeyEntry {
    hash: [u8; 32],
    scopes: Vec<Scope>,
}

/// Who called: the key's id (its hash prefix), never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub key_id: String,
}

#[derive(Debug, Clone, Default)]
pub struct ApiKeys(Vec<KeyEntry>);

pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl ApiKeys {
    /// `<sha256 hex>:<scope> <scope>,...`; malformed entries are skipped
    /// (and so grant nothing).
    pub fn parse(config: &str) -> Self {
        let entries = config
            .split(',')
            .filter_map(|entry| {
                let (hash, scopes) = entry.trim().split_once(':')?;
                let bytes = hex::decode(hash.trim()).ok()?;
                let hash: [u8; 32] = bytes.try_into().ok()?;
                let scopes = scopes.split_whitespace().filter_map(Scope::parse).collect();
                Some(KeyEntry { hash, scopes })
            })
            .collect();
        Self(entries)
    }

    pub fn authorize(&self, request: &ApiRequest, needed: Scope) -> Result<Principal, ApiError> {
        let token = request
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthenticated)?;
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Compare against every entry without an early exit, so timing
        // does not tell how much of a hash matched.
        let mut found: Option<&KeyEntry> = None;
        for entry in &self.0 {
            let diff = entry.hash.iter().zip(digest.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
            if diff == 0 {
                found = Some(entry);
            }
        }
        let entry = found.ok_or(ApiError::Unauthenticated)?;
        if !entry.scopes.iter().any(|s| *s == needed || *s == Scope::Admin) {
            return Err(ApiError::Forbidden(needed.as_str()));
        }
        Ok(Principal { key_id: format!("key_{}", &hex::encode(entry.hash)[..12]) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::apigw::ApiGatewayV2httpRequest;

    fn request(auth: Option<&str>) -> ApiRequest {
        let mut e = ApiGatewayV2httpRequest::default();
        if let Some(a) = auth {
            e.headers.insert("authorization", a.parse().unwrap());
        }
        ApiRequest::from_gateway(e).unwrap()
    }

    #[test]
    fn a_key_is_recognised_by_its_hash_and_scopes() {
        let keys = ApiKeys::parse(&format!("{}:invoices:read", sha256_hex("sk_test_1")));
        assert!(keys.authorize(&request(Some("Bearer sk_test_1")), Scope::InvoicesRead).is_ok());
        assert!(matches!(keys.authorize(&request(Some("Bearer sk_test_1")), Scope::InvoicesWrite), Err(ApiError::Forbidden(_))));
        assert!(matches!(keys.authorize(&request(Some("Bearer sk_test_2")), Scope::InvoicesRead), Err(ApiError::Unauthenticated)));
        assert!(matches!(keys.authorize(&request(None), Scope::InvoicesRead), Err(ApiError::Unauthenticated)));
    }

    #[test]
    fn no_configured_keys_refuses_everything() {
        let keys = ApiKeys::parse("");
        assert!(matches!(keys.authorize(&request(Some("Bearer anything")), Scope::Admin), Err(ApiError::Unauthenticated)));
    }

    #[test]
    fn an_admin_key_has_every_scope() {
        let keys = ApiKeys::parse(&format!("{}:admin", sha256_hex("root")));
        assert!(keys.authorize(&request(Some("Bearer root")), Scope::PaymentsWrite).is_ok());
    }
}
