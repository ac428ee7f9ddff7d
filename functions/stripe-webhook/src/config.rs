//! The webhook's configuration, read once per cold start: the signing
//! secret from SSM Parameter Store (a SecureString; never an environment
//! value, never a default) and the mode the account runs in.

use o2c_stripe::signature::WebhookSecret;

#[derive(Debug)]
pub struct WebhookSettings {
    /// `None` refuses every event (fail closed) and logs why.
    pub secret: Option<WebhookSecret>,
    /// Events must match this mode (`STRIPE_MODE` = `live` or `test`).
    pub livemode: bool,
    /// Where to read the secret again when it was missing at cold start
    /// (stored later, or SSM briefly unreachable).
    pub source: Option<SecretSource>,
}

/// The SSM parameter holding the secret.
#[derive(Debug, Clone)]
pub struct SecretSource {
    pub ssm: aws_sdk_ssm::Client,
    pub name: String,
}

impl SecretSource {
    /// Reads the secret; `None` (logged, never the value) when missing,
    /// empty or unreadable.
    pub async fn read(&self) -> Option<WebhookSecret> {
        match self.ssm.get_parameter().name(&self.name).with_decryption(true).send().await {
            Ok(out) => match out.parameter().and_then(|p| p.value()).map(WebhookSecret::new) {
                Some(Ok(secret)) => Some(secret),
                _ => {
                    tracing::error!(parameter = self.name.as_str(), "the webhook secret parameter is empty or invalid: webhooks are refused");
                    None
                }
            },
            Err(e) => {
                // The error names the parameter, never its value.
                tracing::error!(parameter = self.name.as_str(), error = %aws_sdk_ssm::error::DisplayErrorContext(&e), "the webhook secret could not be read: webhooks are refused");
                None
            }
        }
    }
}

/// Reads `STRIPE_WEBHOOK_SECRET_PARAMETER` (a parameter name) and
/// `STRIPE_MODE`. A missing or unreadable secret is logged, not fatal: the
/// function then answers 503 (the API's 5xx alarm fires), tries SSM again
/// at most every [`crate::SECRET_RETRY_SECONDS`], and Stripe keeps
/// retrying the events until the secret is there.
pub async fn load(ssm: &aws_sdk_ssm::Client) -> WebhookSettings {
    let livemode = std::env::var("STRIPE_MODE").is_ok_and(|m| m.eq_ignore_ascii_case("live"));
    let Ok(name) = std::env::var("STRIPE_WEBHOOK_SECRET_PARAMETER") else {
        tracing::error!("STRIPE_WEBHOOK_SECRET_PARAMETER is not set: every webhook will be refused");
        return WebhookSettings { secret: None, livemode, source: None };
    };
    let source = SecretSource { ssm: ssm.clone(), name };
    let secret = source.read().await;
    WebhookSettings { secret, livemode, source: Some(source) }
}
