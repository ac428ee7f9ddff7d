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
}

/// Reads `STRIPE_WEBHOOK_SECRET_PARAMETER` (a parameter name) and
/// `STRIPE_MODE`. A missing or unreadable secret is logged, not fatal: the
/// function then answers every event 400 and Stripe keeps retrying until
/// an operator stores the secret.
pub async fn load(ssm: &aws_sdk_ssm::Client) -> WebhookSettings {
    let livemode = std::env::var("STRIPE_MODE").is_ok_and(|m| m.eq_ignore_ascii_case("live"));
    let Ok(name) = std::env::var("STRIPE_WEBHOOK_SECRET_PARAMETER") else {
        tracing::error!("STRIPE_WEBHOOK_SECRET_PARAMETER is not set: every webhook will be refused");
        return WebhookSettings { secret: None, livemode };
    };
    let secret = match ssm.get_parameter().name(&name).with_decryption(true).send().await {
        Ok(out) => match out.parameter().and_then(|p| p.value()).map(WebhookSecret::new) {
            Some(Ok(secret)) => Some(secret),
            _ => {
                tracing::error!(parameter = name.as_str(), "the webhook secret parameter is empty or invalid: every webhook will be refused");
                None
            }
        },
        Err(e) => {
            // The error names the parameter, never its value.
            tracing::error!(parameter = name.as_str(), error = %aws_sdk_ssm::error::DisplayErrorContext(&e), "the webhook secret could not be read: every webhook will be refused");
            None
        }
    };
    WebhookSettings { secret, livemode }
}
