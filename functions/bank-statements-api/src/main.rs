use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use o2c_api::settings::Settings;
use o2c_domain::clock::SystemClock;
use o2c_files::StatementFiles;
use o2c_fn_bank_statements_api::Handler;
use o2c_messaging::statement_chunks::SqsChunks;
use o2c_store::DynamoStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Settings::from_env()?;
    let var = |n: &str| std::env::var(n).map_err(|_| format!("{n} is not set"));
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), settings.table_name.clone());
    store.warm().await;
    let files = StatementFiles::new(&aws, var("O2C_STATEMENTS_BUCKET")?, std::env::var("O2C_S3_PATH_STYLE").is_ok_and(|v| v == "1"));
    let queue = SqsChunks { client: aws_sdk_sqs::Client::new(&aws), queue_url: var("O2C_STATEMENT_QUEUE_URL")? };
    let handler = &Handler::new(store, files, queue, settings, Arc::new(SystemClock));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayV2httpRequest>| async move { Ok::<_, Error>(handler.handle(event.payload).await) })).await
}
