use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use o2c_api::settings::Settings;
use o2c_domain::clock::SystemClock;
use o2c_fn_payments_api::Handler;
use o2c_store::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), settings.table_name.clone());
    store.warm().await;
    let handler = &Handler::new(store, settings, Arc::new(SystemClock));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayV2httpRequest>| async move { Ok::<_, Error>(handler.handle(event.payload).await) })).await
}
