//! Bearer API keys, checked by every `/v1` function through this one piece
//! of code. A key is looked up by its SHA-256 (the key itself is never
//! stored or logged). Lookups are cached per warm function for
//! [`CACHE_SECONDS`], so a revocation takes effect within that time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use o2c_domain::api_key::{ApiKey, KeyHash, Scope};
use o2c_domain::ports::ApiKeyRead;
use sha2::{Digest, Sha256};

use crate::request::ApiRequest;
use crate::ApiError;

pub const CACHE_SECONDS: u64 = 60;

/// Who called: the key's id, never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub key_id: String,
}

pub fn hash_key(secret: &str) -> KeyHash {
    KeyHash(Sha256::digest(secret.as_bytes()).into())
}

pub struct Authenticator<S> {
    store: S,
    cache: Mutex<HashMap<KeyHash, (Option<ApiKey>, Instant)>>,
}

impl<S: ApiKeyRead> Authenticator<S> {
    pub fn new(store: S) -> Self {
        Self { store, cache: Mutex::new(HashMap::new()) }
    }

    pub async fn authorize(&self, request: &ApiRequest, needed: Scope) -> Result<Principal, ApiError> {
        let token = request
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .ok_or(ApiError::Unauthenticated)?;
        let hash = hash_key(token);
        let key = self.lookup(hash).await?.ok_or(ApiError::Unauthenticated)?;
        if key.revoked_at.is_some() {
            return Err(ApiError::Unauthenticated);
        }
        if !key.allows(needed) {
            return Err(ApiError::Forbidden(needed.as_str()));
        }
        Ok(Principal { key_id: key.id })
    }

    async fn lookup(&self, hash: KeyHash) -> Result<Option<ApiKey>, ApiError> {
        let ttl = Duration::from_secs(CACHE_SECONDS);
        if let Some((key, at)) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(&hash) {
            if at.elapsed() < ttl {
                return Ok(key.clone());
            }
        }
        let key = self.store.api_key(hash).await?;
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        // Unknown keys are cached too, so guessing costs us no reads; the
        // map is bounded so guessing cannot grow it without end.
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(hash, (key.clone(), Instant::now()));
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
    use chrono::Utc;
    use o2c_domain::ports::StoreError;
    use o2c_domain::text::BoundedText;

    struct Keys(Vec<(KeyHash, ApiKey)>);

    impl ApiKeyRead for Keys {
        async fn api_key(&self, hash: KeyHash) -> Result<Option<ApiKey>, StoreError> {
            Ok(self.0.iter().find(|(h, _)| *h == hash).map(|(_, k)| k.clone()))
        }
    }

    fn keys(secret: &str, scopes: Vec<Scope>, revoked: bool) -> Authenticator<Keys> {
        let key = ApiKey { id: "key_1".into(), name: BoundedText::parse("t").unwrap(), scopes, created_at: Utc::now(), revoked_at: revoked.then(Utc::now) };
        Authenticator::new(Keys(vec![(hash_key(secret), key)]))
    }

    fn request(auth: Option<&str>) -> ApiRequest {
        let mut e = ApiGatewayV2httpRequest::default();
        if let Some(a) = auth {
            e.headers.insert("authorization", a.parse().unwrap());
        }
        ApiRequest::from_gateway(e).unwrap()
    }

    #[tokio::test]
    async fn a_key_is_recognised_by_its_hash_and_scopes() {
        let a = keys("sk_test_1", vec![Scope::InvoicesRead], false);
        assert_eq!(a.authorize(&request(Some("Bearer sk_test_1")), Scope::InvoicesRead).await.unwrap().key_id, "key_1");
        assert!(matches!(a.authorize(&request(Some("Bearer sk_test_1")), Scope::InvoicesWrite).await, Err(ApiError::Forbidden(_))));
        assert!(matches!(a.authorize(&request(Some("Bearer sk_test_2")), Scope::InvoicesRead).await, Err(ApiError::Unauthenticated)));
        assert!(matches!(a.authorize(&request(None), Scope::InvoicesRead).await, Err(ApiError::Unauthenticated)));
        assert!(matches!(a.authorize(&request(Some("Basic abc")), Scope::InvoicesRead).await, Err(ApiError::Unauthenticated)));
    }

    #[tokio::test]
    async fn a_revoked_key_is_refused() {
        let a = keys("sk_old", vec![Scope::Admin], true);
        assert!(matches!(a.authorize(&request(Some("Bearer sk_old")), Scope::InvoicesRead).await, Err(ApiError::Unauthenticated)));
    }
}
