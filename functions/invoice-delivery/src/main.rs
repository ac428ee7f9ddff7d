use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use o2c_documents::Branding;
use o2c_domain::clock::SystemClock;
use o2c_fn_invoice_delivery::Delivery;
use o2c_messaging::mailer::SesMailer;
use o2c_store::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let table = std::env::var("O2C_TABLE_NAME")?;
    let branding = Branding::from_env()?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
    store.warm().await;
    let mailer = SesMailer { client: aws_sdk_sesv2::Client::new(&aws), configuration_set: std::env::var("O2C_SES_CONFIGURATION_SET").ok().filter(|v| !v.is_empty()) };
    let delivery = &Delivery::new(store, mailer, branding, Arc::new(SystemClock));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move { Ok::<_, Error>(delivery.handle(event.payload).await) })).await
}
