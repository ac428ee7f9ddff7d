//! SES v2 as the domain's `Mailer`: raw MIME (attachments survive), the
//! configuration set that routes bounces and complaints back to us.

use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use o2c_domain::ports::{MailError, Mailer};
use o2c_domain::text::Email;

#[derive(Clone, Debug)]
pub struct SesMailer {
    pub client: aws_sdk_sesv2::Client,
    /// Publishes delivery events (bounces, complaints) to EventBridge.
    pub configuration_set: Option<String>,
}

impl Mailer for SesMailer {
    async fn send_raw(&self, from: &Email, recipients: &[Email], raw: &[u8]) -> Result<String, MailError> {
        let raw = RawMessage::builder().data(Blob::new(raw)).build().map_err(|e| MailError::Refused(e.to_string()))?;
        let destination = Destination::builder().set_to_addresses(Some(recipients.iter().map(|r| r.as_str().to_owned()).collect())).build();
        let out = self
            .client
            .send_email()
            .from_email_address(from.as_str())
            .destination(destination)
            .content(EmailContent::builder().raw(raw).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| {
                let code = e.as_service_error().map(|s| aws_sdk_sesv2::error::ProvideErrorMetadata::code(s).unwrap_or("").to_owned()).unwrap_or_default();
                match code.as_str() {
                    // Our message or sender is at fault: retrying cannot help.
                    "MessageRejected" | "MailFromDomainNotVerifiedException" | "BadRequestException" | "AccountSuspendedException" | "SendingPausedException" => MailError::Refused(code),
                    _ => MailError::Unavailable(format!("{}", aws_sdk_sesv2::error::DisplayErrorContext(&e))),
                }
            })?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }
}
