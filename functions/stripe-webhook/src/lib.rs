//! `POST /v1/webhooks/stripe`, in separate steps: verify the source
//! (signature over the exact bytes received, fail closed without a
//! secret), identify the event (parse into the domain's processor event,
//! check its mode), then act through the domain, which deduplicates by
//! event id, finds the payment and applies it exactly once.

pub mod config;

use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use o2c_api::problem::ok_json;
use o2c_api::request::serve;
use o2c_api::settings::Settings;
use o2c_api::{ApiError, ApiRequest, ApiResponse};
use o2c_domain::actions::Context;
use o2c_domain::clock::Clock;
use o2c_domain::error_code::ErrorCode;
use o2c_domain::payment_actions::{self, Handled, STRIPE};
use o2c_domain::ports::{CustomerRead, InvoiceRead, PayerDirectory, PaymentRead, PaymentWrite, ProcessorLedger};
use o2c_stripe::signature::{self, DEFAULT_TOLERANCE_SECONDS};
use serde_json::json;

pub use config::{SecretSource, WebhookSettings};

/// How often a function without its secret asks SSM again.
pub const SECRET_RETRY_SECONDS: u64 = 30;

/// The routes this function serves; template.yaml must declare exactly these.
pub const ROUTES: &[&str] = &["POST /v1/webhooks/stripe"];

/// Largest event accepted: Stripe events are a few KB; the raw bytes are
/// stored in one item (DynamoDB's limit is 400 KB).
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

pub struct Handler<S> {
    store: S,
    settings: Settings,
    livemode: bool,
    secret: tokio::sync::Mutex<SecretState>,
    source: Option<SecretSource>,
    clock: Arc<dyn Clock>,
}

struct SecretState {
    secret: Option<o2c_stripe::signature::WebhookSecret>,
    last_read: Option<std::time::Instant>,
}

fn bad_signature(detail: &str) -> ApiError {
    ApiError::BadRequest { code: ErrorCode::InvalidSignature, detail: detail.to_owned() }
}

impl<S> Handler<S>
where
    S: CustomerRead + InvoiceRead + PaymentRead + PaymentWrite + ProcessorLedger + PayerDirectory,
{
    pub fn new(store: S, settings: Settings, webhook: WebhookSettings, clock: Arc<dyn Clock>) -> Self {
        let state = SecretState { secret: webhook.secret, last_read: Some(std::time::Instant::now()) };
        Self { store, settings, livemode: webhook.livemode, secret: tokio::sync::Mutex::new(state), source: webhook.source, clock }
    }

    /// The signing secret; when it was missing, SSM is asked again at most
    /// every [`SECRET_RETRY_SECONDS`].
    async fn signing_secret(&self) -> Option<o2c_stripe::signature::WebhookSecret> {
        let mut state = self.secret.lock().await;
        if state.secret.is_none() {
            let due = state.last_read.is_none_or(|t| t.elapsed().as_secs() >= SECRET_RETRY_SECONDS);
            if let (true, Some(source)) = (due, &self.source) {
                state.last_read = Some(std::time::Instant::now());
                state.secret = source.read().await;
            }
        }
        state.secret.clone()
    }

    pub async fn handle(&self, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
        serve(event, |req| self.route(req)).await
    }

    async fn route(&self, req: ApiRequest) -> Result<ApiResponse, ApiError> {
        if req.route_key != "POST /v1/webhooks/stripe" {
            return Err(ApiError::NotFound("route"));
        }
        let ctx = Context::new(self.clock.as_ref(), self.settings.company_time_zone, Some(req.correlation_id.clone())).with_pause(o2c_api::backoff::jittered());
        // 1. Verify the source, over the bytes exactly as received (the
        //    gateway's base64 is already undone).
        // Without a secret nothing can be verified: refuse (fail closed)
        // loudly, as our fault, so Stripe retries and the 5xx alarm fires.
        let Some(secret) = self.signing_secret().await else {
            tracing::error!("webhook refused: no signing secret is configured");
            return Err(ApiError::Unavailable);
        };
        if req.body.len() > MAX_EVENT_BYTES {
            return Err(bad_signature("The event is too large."));
        }
        if let Err(e) = signature::verify(req.header("stripe-signature"), &req.body, &secret, ctx.now(), DEFAULT_TOLERANCE_SECONDS) {
            tracing::warn!(reason = %e, "webhook signature refused");
            return Err(bad_signature("The Stripe-Signature header is missing, malformed, expired or does not match."));
        }
        // 2. Identify the event.
        let event = o2c_stripe::event::parse_event(&req.body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
        if event.livemode != self.livemode {
            tracing::warn!(event = event.id.as_str(), livemode = event.livemode, "webhook refused: mode differs from this deployment's");
            return Err(ApiError::BadRequest { code: ErrorCode::LivemodeMismatch, detail: "The event's livemode differs from this deployment's Stripe mode.".into() });
        }
        let raw = String::from_utf8(req.body.clone()).map_err(|_| ApiError::MalformedJson("the body is not UTF-8".into()))?;
        // 3. Act, exactly once.
        let event_id = event.id.clone();
        let event_type = event.event_type.clone();
        let (handled, payment) = payment_actions::take_processor_event(&self.store, &ctx, STRIPE, event, raw).await?;
        let outcome = match handled {
            Handled::Applied => "applied",
            Handled::Duplicate => "duplicate",
            Handled::Parked => "parked",
            Handled::Ignored => "ignored",
        };
        tracing::info!(event = event_id.as_str(), event_type = event_type.as_str(), outcome, "stripe event handled");
        Ok(ok_json(200, &json!({ "received": true, "event": event_id, "outcome": outcome, "payment": payment })))
    }
}
