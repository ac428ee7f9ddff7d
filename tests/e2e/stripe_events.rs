//! Stripe events for the webhook tests: the real samples in
//! `../shared/samples/stripe-events` (with their ids rewritten in memory,
//! since several share one id) and small synthetic ones, signed the way
//! Stripe signs them.

use std::path::PathBuf;

use o2c_e2e::{env_or, Api, Answer};
use o2c_stripe::signature::{sign, WebhookSecret};
use serde_json::{json, Value};

pub fn secret() -> WebhookSecret {
    WebhookSecret::new(&env_or("STRIPE_WEBHOOK_SECRET", "whsec_local_dev")).expect("a secret")
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Posts `body` exactly as given with `signature` as `Stripe-Signature`.
pub async fn post_raw(api: &Api, body: &str, signature: Option<&str>) -> Answer {
    let mut req = api.client.post(format!("{}/v1/webhooks/stripe", api.base)).header("content-type", "application/json").body(body.to_owned());
    if let Some(s) = signature {
        req = req.header("stripe-signature", s);
    }
    let res = req.send().await.expect("the local stack answers");
    let status = res.status().as_u16();
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let raw = res.text().await.expect("a body");
    let body = serde_json::from_str(&raw).unwrap_or(Value::String(raw.clone()));
    Answer { status, content_type, body, raw, headers: vec![] }
}

/// Posts `event`, signed now with the local secret.
pub async fn deliver(api: &Api, event: &Value) -> Answer {
    let body = event.to_string();
    let header = sign(&secret(), now(), body.as_bytes());
    post_raw(api, &body, Some(&header)).await
}

pub fn samples_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/samples/stripe-events");
    dir.is_dir().then_some(dir)
}

/// Every sample file, by name.
pub fn samples() -> Vec<(String, Value)> {
    let Some(dir) = samples_dir() else { return Vec::new() };
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .expect("samples dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let value = serde_json::from_slice(&std::fs::read(e.path()).expect("readable")).expect("json");
            (name, value)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// One run's ids: every zeroed sample id of a kind becomes this run's id
/// of that kind; event ids become fresh ones.
pub struct Ids {
    pub run: String,
}

impl Ids {
    pub fn new() -> Self {
        Self { run: ulid::Ulid::new().to_string().to_lowercase() }
    }

    pub fn pi(&self) -> String {
        format!("pi_{}", self.run)
    }
    pub fn ch(&self) -> String {
        format!("ch_{}", self.run)
    }
    pub fn dp(&self) -> String {
        format!("dp_{}", self.run)
    }

    /// Rewrites a sample in memory: `evt_000…` fresh, `pi_`/`ch_`/`dp_`
    /// zero ids to this run's.
    pub fn rewrite(&self, v: &mut Value) {
        match v {
            Value::String(s) => {
                if let Some((prefix, rest)) = s.split_once('_') {
                    if !rest.is_empty() && rest.chars().all(|c| c == '0') {
                        *s = match prefix {
                            "evt" => format!("evt_{}", ulid::Ulid::new().to_string().to_lowercase()),
                            "pi" | "ch" | "dp" => format!("{prefix}_{}", self.run),
                            _ => return,
                        };
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.rewrite(x)),
            Value::Object(o) => o.values_mut().for_each(|x| self.rewrite(x)),
            _ => {}
        }
    }
}

fn envelope(event_type: &str, object: Value) -> Value {
    json!({
        "id": format!("evt_{}", ulid::Ulid::new().to_string().to_lowercase()),
        "object": "event",
        "api_version": "2024-06-20",
        "created": now(),
        "livemode": false,
        "type": event_type,
        "data": {"object": object},
    })
}

/// `payment_intent.succeeded` in the newer shape (`latest_charge`).
pub fn payment_succeeded(ids: &Ids, amount: i64, currency: &str, metadata: Value) -> Value {
    envelope(
        "payment_intent.succeeded",
        json!({"id": ids.pi(), "object": "payment_intent", "amount": amount, "amount_received": amount, "currency": currency, "latest_charge": ids.ch(), "customer": null, "metadata": metadata, "description": "Invoice payment"}),
    )
}

pub fn charge_refunded(ids: &Ids, amount: i64, refunded: i64, currency: &str) -> Value {
    envelope("charge.refunded", json!({"id": ids.ch(), "object": "charge", "amount": amount, "amount_refunded": refunded, "currency": currency, "payment_intent": ids.pi(), "refunded": refunded == amount}))
}

pub fn dispute(ids: &Ids, event_type: &str, amount: i64, currency: &str, status: &str) -> Value {
    envelope(event_type, json!({"id": ids.dp(), "object": "dispute", "amount": amount, "currency": currency, "charge": ids.ch(), "payment_intent": ids.pi(), "status": status, "reason": "fraudulent"}))
}
