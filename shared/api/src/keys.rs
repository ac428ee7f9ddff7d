//! Making API keys: the secret is random, shown once, and only its hash is
//! stored. Used by `o2c-admin keys create` and the local stack's dev key.

use chrono::{DateTime, Utc};
use o2c_domain::api_key::{ApiKey, KeyHash, Scope};
use o2c_domain::text::BoundedText;

use crate::auth::hash_key;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the key name {0}")]
    Name(o2c_domain::text::TextError),
    #[error("a key needs at least one scope")]
    NoScope,
    #[error("the system has no randomness to make a key with")]
    Randomness,
}

/// A new key: `(secret, hash, record)`. The secret is `sk_live_` and 48
/// hex digits (192 random bits).
pub fn new_api_key(name: &str, scopes: Vec<Scope>, now: DateTime<Utc>) -> Result<(String, KeyHash, ApiKey), KeyError> {
    if scopes.is_empty() {
        return Err(KeyError::NoScope);
    }
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).map_err(|_| KeyError::Randomness)?;
    let secret = format!("sk_live_{}", hex::encode(bytes));
    let record = known_api_key(name, scopes, now)?;
    Ok((secret.clone(), hash_key(&secret), record))
}

/// The record for a key whose secret the caller already has (the local
/// stack's dev key).
pub fn known_api_key(name: &str, scopes: Vec<Scope>, now: DateTime<Utc>) -> Result<ApiKey, KeyError> {
    Ok(ApiKey { id: format!("key_{}", ulid::Ulid::new()), name: BoundedText::parse(name).map_err(KeyError::Name)?, scopes, created_at: now, revoked_at: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_is_random_and_stored_only_as_its_hash() {
        let (a, ha, ka) = new_api_key("ci", vec![Scope::InvoicesRead], Utc::now()).unwrap();
        let (b, hb, _) = new_api_key("ci", vec![Scope::InvoicesRead], Utc::now()).unwrap();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert!(a.starts_with("sk_live_") && a.len() == 56);
        assert_eq!(hash_key(&a), ha);
        assert!(!serde_json::to_string(&ka).unwrap().contains(&a), "the record never holds the secret");
        assert!(new_api_key("ci", vec![], Utc::now()).is_err());
    }
}
