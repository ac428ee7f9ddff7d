//! The Idempotency-Key flow of every POST: claim the key for this exact
//! request, run it, and save its answer — inside the change's own
//! transaction when it changed something, on its own when it was refused.
//! Our own failures (5xx) release the claim so the client may retry.

use chrono::{DateTime, Utc};
use o2c_domain::idempotency::{ClaimOutcome, IdempotencyClaim, IdempotencyKey, IdempotentReply, SavedResponse};
use o2c_domain::error_code::ErrorCode;
use o2c_domain::ports::IdempotencyStore;
use sha2::{Digest, Sha256};

use crate::auth::Principal;
use crate::fields::FieldError;
use crate::request::{ApiRequest, ApiResponse};
use crate::ApiError;

/// "The same request": method, path and the raw body bytes.
pub fn fingerprint(request: &ApiRequest) -> String {
    let mut h = Sha256::new();
    h.update(request.method.as_bytes());
    h.update(b" ");
    h.update(request.raw_path.as_bytes());
    h.update(b"\n");
    h.update(&request.body);
    hex::encode(h.finalize())
}

/// How a route answers, once rendered: what is sent and what is saved.
pub fn saved(response: &ApiResponse) -> SavedResponse {
    SavedResponse { status: response.status, content_type: response.content_type.to_owned(), body: response.body.clone() }
}


pub async fn run<S, F, Fut>(store: &S, request: &ApiRequest, principal: &Principal, now: DateTime<Utc>, route: F) -> Result<ApiResponse, ApiError>
where
    S: IdempotencyStore,
    F: FnOnce(Option<IdempotencyClaim>) -> Fut,
    Fut: std::future::Future<Output = Result<ApiResponse, ApiError>>,
{
    let Some(raw) = request.header("idempotency-key") else {
        return route(None).await;
    };
    let key = IdempotencyKey::parse(raw).map_err(|e| ApiError::Validation(vec![FieldError::new("Idempotency-Key", e.to_string())]))?;
    let scope = format!("{}#{}", principal.key_id, key.as_str());
    match store.claim(&scope, &fingerprint(request), now).await? {
        ClaimOutcome::Replay(saved) => {
            let mut r = ApiResponse { status: saved.status, content_type: content_type(&saved.content_type), body: saved.body, headers: Vec::new() };
            r.headers.push(("idempotent-replayed", "true".into()));
            Ok(r)
        }
        ClaimOutcome::Reused => Err(ApiError::Conflict { code: ErrorCode::IdempotencyKeyReused, detail: "This Idempotency-Key was used with another request.".into() }),
        ClaimOutcome::InUse => Err(ApiError::Conflict { code: ErrorCode::IdempotencyKeyInUse, detail: "The first request with this Idempotency-Key is still running.".into() }),
        ClaimOutcome::Claimed(claim) => {
            let outcome = route(Some(claim.clone())).await;
            let response = match outcome {
                Ok(r) => r,
                Err(e) if e.status() >= 500 => {
                    // Nothing was done (or it is unknown): let a retry run.
                    // A release lost to a fault would lock the key until
                    // the claim expires, so it is tried again (a repeat
                    // after one that did commit finds nothing to release).
                    for _ in 0..3 {
                        if store.release(&claim).await.is_ok() {
                            break;
                        }
                    }
                    return Err(e);
                }
                Err(e) => e.into_response(&request.correlation_id),
            };
            // A change already saved its answer in its own transaction; a
            // refusal is saved here so its retries get the same refusal.
            let reply = IdempotentReply { claim, response: saved(&response) };
            if let Err(e) = store.save_reply(&reply, now).await {
                tracing::warn!(correlation_id = request.correlation_id.as_str(), error = %e, "idempotent answer not saved");
            }
            Ok(response)
        }
    }
}

fn content_type(saved: &str) -> &'static str {
    match saved {
        "application/problem+json" => "application/problem+json",
        _ => "application/json",
    }
}

/// The receipt a route hands its action: renders the object exactly as
/// the route will answer, so a replay is byte for byte the first answer.
pub fn receipt_for<T>(claim: Option<IdempotencyClaim>, status: u16, render: fn(&T) -> serde_json::Value) -> impl Fn(&T) -> Option<IdempotentReply> + Send + Sync {
    move |value: &T| claim.as_ref().map(|c| IdempotentReply { claim: c.clone(), response: saved(&crate::problem::ok_json(status, &render(value))) })
}
